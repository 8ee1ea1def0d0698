"""Writing score tables as CSV, JSON Lines or Parquet, chunk by chunk (bounded memory)."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pandas as pd

from metrics.errors import MetricsError, reason

FORMATS = ("csv", "jsonl", "parquet")

# Cells a spreadsheet would run as a formula (OWASP, "CSV Injection"): they get a leading
# apostrophe in every CSV the project writes. Parquet and JSON keep the exact text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(df: pd.DataFrame, columns: dict[str, list] | None = None) -> pd.DataFrame:
    """``df`` with every text cell that starts like a formula prefixed by ``'``; numbers (a
    negative tension) are left alone, as a spreadsheet reads them as numbers anyway.
    ``columns``: ``_text_values(df)`` when the caller has it."""
    out = None
    # Plain lists: a Series.map per column cost more than writing the chunk (a 256-row chunk of
    # short items spent 80% of its write in these checks).
    for col, values in (_text_values(df) if columns is None else columns).items():
        if not any(isinstance(v, str) and v[:1] in FORMULA_STARTS for v in values):
            continue
        mask = [isinstance(v, str) and v[:1] in FORMULA_STARTS for v in values]
        if out is None:
            out = df.copy()
        series = df[col]
        fixed = series.astype(object).copy()
        fixed[mask] = "'" + series[mask].astype(str)
        out[col] = fixed
    return df if out is None else out


def to_csv_text(df: pd.DataFrame, **kwargs) -> str | None:
    """``DataFrame.to_csv`` with formulas neutralised: the one way the project writes CSV."""
    columns = _text_values(df)
    df = neutralise_formulas(df, columns)
    # The csv module quotes a field for the line terminator it writes ("\n") but not for a bare
    # carriage return, which a reader takes for the end of the row: such chunks quote every text.
    if any(isinstance(v, str) and "\r" in v for values in columns.values() for v in values):
        kwargs.setdefault("quoting", csv.QUOTE_NONNUMERIC)
    return df.to_csv(index=False, lineterminator="\n", **kwargs)


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c, dt in df.dtypes.items() if dt == object or pd.api.types.is_string_dtype(dt)]  # noqa: E721 - numpy dtype equality, not a type check


def _text_values(df: pd.DataFrame) -> dict:
    return {c: df[c].tolist() for c in _text_columns(df)}


# Control characters (C0, DEL, C1) and bidirectional controls: in a terminal they can move the
# cursor, change colours or reverse the rest of a line; in a table they reorder a title.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: object) -> str:
    """``text`` for one terminal line: unsafe characters shown as escapes (``\\x1b``, ``\\u202e``)."""
    s = str(text)
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", s)


def display_text(text: str) -> str:
    """``text`` for a table cell: unsafe characters removed (tabs and line breaks become spaces)."""
    return _UNSAFE.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def parquet_schema(table, metadata: Mapping[str, str] | None = None):
    """The schema of every chunk of one Parquet file, from its first chunk ``table``: a column
    all null there is text (it would otherwise fix a null type); ``metadata`` as key-value
    metadata (pandas' own is left out, as before: it describes the first chunk only)."""
    import pyarrow as pa

    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    return pa.schema(fields, metadata=dict(metadata) if metadata else None)


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
    """Append chunks of one table to a file or stdout; close() finishes the file. ``metadata``
    (``metrics.score.scoring.versions``) goes into a Parquet file's key-value metadata."""

    def __init__(self, out: str | None, fmt: str, metadata: Mapping[str, str] | None = None):
        if fmt not in FORMATS:
            raise MetricsError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
        if fmt == "parquet" and not out:
            raise MetricsError("--format parquet needs -o FILE (Parquet is binary, not for a terminal)")
        self.out, self.fmt = out, fmt
        self.metadata = dict(metadata or {})
        self._stream: IO[str] | None = None
        self._parquet = None
        self._header = True
        self.rows = 0
        if out:
            # Opened now for every format, so an unwritable path fails before any scoring.
            try:
                self._stream = open(out, "w" if fmt != "parquet" else "wb", **({"encoding": "utf-8", "newline": ""} if fmt != "parquet" else {}))
            except OSError as err:
                raise MetricsError(f"{out}: cannot write: {reason(err)}") from None
        elif not out:
            self._stream = sys.stdout

    def write(self, df: pd.DataFrame) -> None:
        df = _iso_dates(df)
        self.rows += len(df)
        if self.fmt == "csv":
            to_csv_text(df, path_or_buf=self._stream, header=self._header)
        elif self.fmt == "jsonl":
            if len(df):
                self._stream.write(df.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n") + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._parquet is None:
                self._schema = parquet_schema(table, self.metadata)
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

            pq.write_table(pa.table({}).replace_schema_metadata(self.metadata), self._stream)
        if self._stream is not None and self._stream is not sys.stdout:
            self._stream.close()
        elif self._stream is sys.stdout:
            sys.stdout.flush()
