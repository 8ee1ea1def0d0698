"""Reading articles from files, folders and tables: one place for the CLI and the dashboard.

Every reader yields ``Article`` objects or ``InputError`` objects (never raises for one bad
article), so a batch goes on past a bad file and reports it in one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .dates import dateline, parse_date
from .errors import InputError
from .extract import Article

MAX_TITLE = 200
_DATE_ONLY = re.compile(r"^[\d\s/.:,()\-+a-zA-Z]{0,12}\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}[\d\s/.:,()\-+a-zA-Z]*$")


@dataclass
class ReadOptions:
    """How to read tables and dates; the CLI's column options map onto these fields."""

    text_column: str = "text"
    id_column: str | None = None
    date_column: str | None = None
    title_column: str | None = None
    day_first: bool = False


def title_from_text(text: str) -> str | None:
    """The first line that is more than a date or time stamp, without Markdown heading marks."""
    for line in text.splitlines()[:10]:
        line = line.strip().lstrip("#").strip()
        if not line or (_DATE_ONLY.match(line) and dateline(line)):
            continue
        if dateline(line) and len(line) < 40:
            continue  # "June 19, 2023" alone on a line is a dateline, not a headline
        return line[:MAX_TITLE]
    return None


def article_from_text(text: str, source: str, options: ReadOptions | None = None, **meta) -> Article:
    options = options or ReadOptions()
    if not text.strip():
        raise InputError(f"{source}: empty text")
    return Article(
        text=text,
        title=meta.pop("title", None) or title_from_text(text),
        date=meta.pop("date", None) or dateline(text, options.day_first),
        source=source,
        meta=meta,
    )


def _read_text_file(path: Path, options: ReadOptions) -> Iterator[Article | InputError]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        yield InputError(f"{path}: cannot read: {err.strerror or err}")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield InputError(f"{path}: not UTF-8 text")
        return
    try:
        yield article_from_text(text, str(path), options)
    except InputError as err:
        yield err


def _cell(row: pd.Series, column: str | None) -> str | None:
    if column is None or column not in row.index:
        return None
    value = row[column]
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value).strip() or None


def read_table(path: Path, options: ReadOptions) -> Iterator[Article | InputError]:
    """One article per row of a .csv, .tsv or .jsonl table."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            df = pd.read_json(path, lines=True, dtype=False)
        else:
            df = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        yield InputError(f"{path}: cannot read table: {first}")
        return
    cols = list(df.columns)
    named = {
        "--text-column": options.text_column,
        "--id-column": options.id_column,
        "--date-column": options.date_column,
        "--title-column": options.title_column,
    }
    for flag, col in named.items():
        if col is not None and col not in cols:
            yield InputError(f"{path}: no column '{col}' ({flag}); columns are: {', '.join(map(str, cols))}")
            return
    # Without an explicit option, conventional column names are used when present.
    id_col = options.id_column or ("id" if "id" in cols else None)
    date_col = options.date_column or ("date" if "date" in cols else None)
    title_col = options.title_column or ("title" if "title" in cols else None)
    for i, (_, row) in enumerate(df.iterrows(), 1):
        where = f"{path}: row {i}"
        text = _cell(row, options.text_column)
        if text is None:
            yield InputError(f"{where}: empty text in column '{options.text_column}'")
            continue
        raw_date = _cell(row, date_col)
        parsed = parse_date(raw_date, options.day_first) if raw_date else None
        if parsed is None and raw_date:
            try:
                parsed = pd.to_datetime(raw_date).date()
            except (ValueError, OverflowError):
                parsed = None
        art = Article(
            text=text,
            id=_cell(row, id_col) or "",
            title=_cell(row, title_col) or title_from_text(text),
            date=parsed or (None if raw_date else dateline(text, options.day_first)),
            source=f"{path.name}#{i}",
        )
        yield art


Reader = Callable[[Path, ReadOptions], Iterator["Article | InputError"]]
READERS: dict[str, Reader] = {
    ".txt": _read_text_file,
    ".md": _read_text_file,
    ".csv": read_table,
    ".tsv": read_table,
    ".jsonl": read_table,
}


def supported_suffixes() -> list[str]:
    return sorted(READERS)


def read_path(path: str | Path, options: ReadOptions | None = None) -> Iterator[Article | InputError]:
    """Articles from a file, a table or a folder (recursive, sorted, hidden files skipped)."""
    options = options or ReadOptions()
    path = Path(path)
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        for f in files:
            if f.suffix.lower() in READERS:
                yield from read_path(f, options)
        return
    if not path.exists():
        yield InputError(f"{path}: no such file or folder")
        return
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        yield InputError(f"{path}: unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(supported_suffixes())}")
        return
    yield from reader(path, options)


def read_paths(paths: list[str | Path], options: ReadOptions | None = None) -> Iterator[Article | InputError]:
    for p in paths:
        yield from read_path(p, options)

