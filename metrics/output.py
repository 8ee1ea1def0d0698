"""Writing score tables as CSV, JSON Lines or Parquet, chunk by chunk (bounded memory)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import pandas as pd

from .errors import MetricsError

FORMATS = ("csv", "jsonl", "parquet")


def infer_format(out: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if out:
        suffix = Path(out).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
    return "csv"


def _iso_dates(df: pd.DataFrame) -> pd.DataFrame:
    if "date" in df.columns:
        df = df.copy()
        df["date"] = [None if d is None or pd.isna(d) else str(d)[:10] for d in df["date"]]
    return df


class TableWriter:
    """Append chunks of one table to a file or stdout; close() finishes the file."""

    def __init__(self, out: str | None, fmt: str):
        if fmt not in FORMATS:
            raise MetricsError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
        if fmt == "parquet" and not out:
            raise MetricsError("--format parquet needs -o FILE (Parquet is binary, not for a terminal)")
        self.out, self.fmt = out, fmt
        self._stream: IO[str] | None = None
        self._parquet = None
        self._header = True
        self.rows = 0
        if out:
            # Opened now for every format, so an unwritable path fails before any scoring.
            try:
                self._stream = open(out, "w" if fmt != "parquet" else "wb", **({"encoding": "utf-8", "newline": ""} if fmt != "parquet" else {}))
            except OSError as err:
                raise MetricsError(f"{out}: cannot write: {err.strerror or err}") from None
        elif not out:
            self._stream = sys.stdout

    def write(self, df: pd.DataFrame) -> None:
        df = _iso_dates(df)
        self.rows += len(df)
        if self.fmt == "csv":
            df.to_csv(self._stream, index=False, header=self._header, lineterminator="\n")
        elif self.fmt == "jsonl":
            if len(df):
                self._stream.write(df.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n") + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._parquet is None:
                # Columns that are all null in the first chunk would otherwise fix a null type.
                fields = [
                    pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema
                ]
                self._schema = pa.schema(fields)
                self._parquet = pq.ParquetWriter(self._stream, self._schema)
            self._parquet.write_table(table.cast(self._schema))
        self._header = False

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif self.fmt == "parquet" and self.out:
            # No rows at all: still leave a valid (empty) file rather than nothing.
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({}), self._stream)
        if self._stream is not None and self._stream is not sys.stdout:
            self._stream.close()
        elif self._stream is sys.stdout:
            sys.stdout.flush()
