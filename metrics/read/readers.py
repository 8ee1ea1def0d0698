"""Reading articles from files, folders, tables and uploads: one place for the CLI and the dashboard.

Every reader yields ``Article`` objects or ``InputError`` objects (never raises for one bad
article), so a batch goes on past a bad file and reports it in one line.

Formats: .txt and .md; .html/.htm (trafilatura's main text, htmldate's publication date);
.pdf (pypdf); .docx (python-docx); .csv, .tsv and .jsonl tables with one article per row.
Each format is a parser of bytes (``PARSERS``), so a file on disk (``READERS``, ``read_path``)
and a dashboard upload held in memory (``read_bytes``) go through the same code and limits.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from metrics import settings
from metrics.errors import InputError, reason
from metrics.model import Article
from metrics.read.dates import dateline, parse_date

MAX_TITLE = 200
_DOTTED = re.compile(r"^\s*\d{1,2}\.\d{1,2}\.\d{2,4}\b")  # "19.06.2023 08:00": day-first everywhere
_DATE_ONLY = re.compile(r"^[\d\s/.:,()\-+a-zA-Z]{0,12}\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}[\d\s/.:,()\-+a-zA-Z]*$")

MB = 1024 * 1024
# Limits a user can raise; each is checked before the expensive step it protects.
MAX_ZIP_ENTRIES = 5000  # a real .docx has a few dozen parts
# A web page whose main text has fewer words than this is a menu, a paywall or an error page.
MIN_PAGE_WORDS = 15
# Share of control characters above which decoded "text" is really binary data.
MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])  # the same characters


def _control_count(head: str) -> int:
    if head.isascii():
        # Deleting bytes is one C pass; the regex's findall is several times slower.
        raw = head.encode("ascii")
        return len(raw) - len(raw.translate(None, _CONTROL_BYTES))
    return len(_CONTROL.findall(head))


# Scripts written without spaces between words (Chinese, Japanese, Thai, ...): characters count.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CHARS_PER_WORD = 2  # a Chinese word is 1.5 to 2 characters on average


def text_words(text: str) -> float:
    """How many words ``text`` holds: spaced words, plus characters of unspaced scripts / 2."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    return len(_UNSPACED.sub(" ", text).split()) + unspaced / CHARS_PER_WORD


@dataclass
class ReadOptions:
    """How to read tables, dates and limits; the CLI's options map onto these fields."""

    text_column: str = "text"
    id_column: str | None = None
    date_column: str | None = None
    title_column: str | None = None
    day_first: bool = False
    # per file, checked with stat() before the file is read; a PDF's pages: settings max_file_mb, max_pdf_pages
    max_mb: float = field(default_factory=lambda: settings.get("max_file_mb"))
    max_pdf_pages: int = field(default_factory=lambda: settings.get("max_pdf_pages"))
    # the sum of the uncompressed parts, from the zip directory (zip bombs): the setting max_docx_mb
    max_docx_mb: float = field(default_factory=lambda: settings.get("max_docx_mb"))
    # Files of unsupported types met inside folders: reported as skipped, not passed over.
    skipped: list[str] = field(default_factory=list)

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * MB)


# Lines that survive extraction but are no part of the article: links to other pages, the
# outlet's standing notices, sharing prompts, and photo captions with their credits. They are
# blanked (``drop_boilerplate``), so they are neither scored nor taken for a title.
_BOILERPLATE = re.compile(
    r"""^\s*(?:
        (?:read|see)\s+(?:more|also)\b.{0,300}
      | (?:related|more\s+on\s+this(?:\s+story)?|recommended)(?:\s+(?:articles?|stories|coverage|content|links?))?\s*:.{0,300}
      | our\s+standards\s*:.*
      | submit\s+(?:your|a)\s+letter\b.*
      | sign\s+up\b.{0,200}(?:newsletter|briefing|e-?mail|alerts?)\b.*
      | (?:follow|like)\s+us\s+on\b.{0,200}
      | share\s+(?:this(?:\s+(?:article|story|page))?|on)\b.{0,100}
      | (?:advertisement|advertising|sponsored(?:\s+content)?)
      | (?:photo|image|picture|graphic|video)(?:\s+credit)?\s*:.{0,300}
      | (?:copyright|©|\(c\))\s*\d{0,4}\s*[A-Z].{0,200}
    )\s*$""",
    re.I | re.X,
)
# A caption's credit: "©APA/AFP", "(c) Reuters", "Photo: AP", ".../Getty Images" at the end.
_CREDIT = re.compile(
    r"(?:©|\(c\))\s*(?:\d{4}\s*)?[A-Z][\w.&-]*(?:\s*/\s*[A-Z][\w.&-]*|\s+[A-Z][\w.&-]*){0,4}\s*$"
    r"|(?i:\bphoto(?:graph)?|\bcredit)\s*:\s*[\w .&/-]{0,60}$"
    r"|/\s*(?:AFP|Reuters|AP|EPA|dpa|APA|Xinhua|Getty(?: Images)?|Bloomberg|Kyodo|Yonhap|ANP|Sputnik)\s*$",
)
MAX_CAPTION = 300


def _may_credit(s: str) -> bool:
    # Each of _CREDIT's three forms needs one of these; its search tries every position of
    # every line, and most lines hold none of them.
    return "/" in s or ":" in s or "©" in s or "(c)" in s


def is_boilerplate(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= 600 and (
        bool(_BOILERPLATE.match(s)) or (len(s) <= MAX_CAPTION and _may_credit(s) and bool(_CREDIT.search(s)))
    )


def drop_boilerplate(text: str) -> str:
    """``text`` with boilerplate lines replaced by spaces: offsets into the file stay right."""
    if not any(is_boilerplate(line) for line in text.splitlines()):
        return text
    return "".join(
        re.sub(r"[^\r\n]", " ", line) if is_boilerplate(line) else line
        for line in text.splitlines(keepends=True)
    )


_TITLE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_DASHES = re.compile(r"\s+[-\u2013\u2014]\s+")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.I)


def _squash(s: str) -> str:
    return re.sub(r"[\W_]+", "", s).casefold()


def clean_title(title: str | None, site: str | None = None) -> str | None:
    """A title without control characters and without the site's name after it: the " | "
    segments after the headline that are short (site, section, date: "... | DW | 19.01.2020"),
    or a " - " segment that is the site's name or domain."""
    if not title:
        return None
    t = " ".join(_TITLE_CONTROL.sub(" ", str(title)).split())
    parts = t.split(" | ")
    while len(parts) > 1 and (len(parts[-1]) <= 40 and len(parts[-1].split()) <= 5 or dateline(parts[-1])
                               or (site and _squash(parts[-1]) == _squash(site))):
        parts.pop()
    t = " | ".join(parts)
    m = list(_DASHES.finditer(t))
    if m:
        tail = t[m[-1].end():]
        if (site and _squash(tail) == _squash(site)) or _DOMAIN.match(tail.strip()):
            t = t[:m[-1].start()]
    return t.strip()[:MAX_TITLE] or None


def _first_sentence(line: str) -> str:
    m = re.match(r"(.{20,}?[.!?])\s+[A-Z\"\u201c]", line)
    return m.group(1) if m and len(m.group(1)) <= MAX_TITLE else line


def title_from_text(text: str) -> str | None:
    """The first line that is more than a date or time stamp, a caption or boilerplate, without
    Markdown heading marks; of a paragraph (no headline line), its first sentence."""
    for line in text.splitlines()[:10]:
        line = line.strip().lstrip("#").strip()
        if not line or (_DATE_ONLY.match(line) and dateline(line)) or is_boilerplate(line):
            continue
        if dateline(line) and len(line) < 40:
            continue  # "June 19, 2023" alone on a line is a dateline, not a headline
        return clean_title(_first_sentence(line) if len(line) > 150 else line)
    return None


def date_from_name(name: str, day_first: bool = False) -> date | None:
    """A date in a file name such as ``2023-06-19-blinken-visit.txt``, or None."""
    return parse_date(Path(name).stem.replace("_", "-"), day_first)


def article_from_text(text: str, source: str, options: ReadOptions | None = None, **meta) -> Article:
    """An article from plain text; ``title`` and ``date`` in ``meta`` win over what the text says,
    and a date in the file name is the last resort."""
    options = options or ReadOptions()
    if not text.strip():
        raise InputError(f"{source}: empty text")
    text = drop_boilerplate(text)
    if not text.strip():
        raise InputError(f"{source}: no article text (only links, notices or captions)")
    title = clean_title(meta.pop("title", None), meta.get("site")) or title_from_text(text)
    when = meta.pop("date", None) or dateline(text, options.day_first) or date_from_name(source, options.day_first)
    return Article(text=text, title=title[:MAX_TITLE] if title else None, date=when, source=source, meta=meta)


# --- decoding -------------------------------------------------------------------------------

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16-LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 of mostly-ASCII text has a zero in every other byte; binary data does not."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0) / (len(sample) / 2), sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.6 and even < 0.05:
        return "utf-16-le"
    if even > 0.6 and odd < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes, source: str) -> str:
    """Bytes to text: a BOM decides (UTF-8, UTF-16, UTF-32), else UTF-8, else Windows-1252
    (a superset of Latin-1's printable characters), so legacy files read without mojibake.
    Raises ``InputError`` for binary data."""
    text: str | None = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(f"{source}: not valid {codec.upper()} text despite its byte-order mark") from None
            break
    if text is None:
        codec = _utf16_without_bom(data)
        if codec:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                text = None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _mostly_utf8(data)
        if text is None:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                # The five bytes cp1252 leaves undefined are Latin-1 control characters.
                text = data.decode("latin-1")
    if "\x00" in text or _control_count(text[:65536]) > max(4, MAX_CONTROL_SHARE * min(len(text), 65536)):
        raise InputError(f"{source}: binary data, not text")
    return text


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with the odd bad byte (a truncated copy, one stray Latin-1 character): decoded
    with U+FFFD for the bad bytes, rather than every accent of the file read as Windows-1252.
    None when the bad bytes are not rare next to the valid multi-byte characters (a Latin-1
    file has no valid multi-byte characters at all)."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    multi = sum(1 for ch in text if ord(ch) > 127) - bad
    return text if bad and multi >= 4 * bad else None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w\-:.]+)""", re.I)
_NUL_SHARE = 0.01  # a few NUL bytes in a page's markup are noise; more is a binary file


def decode_html(data: bytes, source: str) -> str:
    """HTML bytes to text: a BOM; else valid UTF-8 (it wins over a stale ``<meta charset>``:
    Latin-1 text with accents is practically never valid UTF-8); else the declared charset,
    where a page declared UTF-8 with a few bad bytes keeps its UTF-8 (U+FFFD for the bad
    bytes); else ``decode_text``. A few NUL bytes in the markup are dropped."""
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        nuls = data.count(0)
        if nuls and nuls <= _NUL_SHARE * len(data) and _utf16_without_bom(data) is None:
            data = data.replace(b"\x00", b"")
        try:
            text = data.decode("utf-8")
            if "\x00" not in text:
                return text
        except UnicodeDecodeError:
            pass
        m = _META_CHARSET.search(data[:4096])
        if m:
            try:
                codec = codecs.lookup(m.group(1).decode("ascii")).name
                if codec == "utf-8":
                    text = _mostly_utf8(data) or data.decode("utf-8", "replace")
                    if text.count("\ufffd") <= max(4, len(text) // 1000):
                        return text
                elif codec not in ("utf-16", "utf-32"):  # a page saved as UTF-8 often still says utf-16
                    text = data.decode(codec)
                    if "\x00" not in text:
                        return text
            except (LookupError, UnicodeError):
                pass  # a wrong declaration is common: fall back to detection
    return decode_text(data, source)


# --- parsers: bytes -> articles ---------------------------------------------------------------

Parser = Callable[[bytes, str, ReadOptions], Iterator["Article | InputError"]]



def _one(make: Callable[[], Article]) -> Iterator[Article | InputError]:
    try:
        yield make()
    except InputError as err:
        yield err


_ATX = re.compile(r"[ \t]{0,3}#{1,6}[ \t]+(\S.*)")


def _markdown_heading(text: str) -> str | None:
    # Line by line, trailing marks stripped with str methods: one regex over the whole text
    # with \s* on both sides of the title backtracked cubically on a line of spaces.
    for line in text.splitlines():
        m = _ATX.match(line)
        if m:
            title = m.group(1).rstrip().rstrip("#").rstrip()
            return title or m.group(1).strip()
    return None


def parse_text(data: bytes, source: str, options: ReadOptions) -> Iterator[Article | InputError]:
    def make() -> Article:
        text = decode_text(data, source)
        title = None
        if source.lower().endswith(".md"):
            # A Markdown file's title is its first heading, wherever front matter or a dateline puts it.
            title = _markdown_heading(text[:5000])
        return article_from_text(text, source, options, title=title)

    yield from _one(make)


def _quiet(*names: str) -> None:
    # Parsing libraries log warnings for every malformed input; our one-line error says it.
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def parse_html(data: bytes, source: str, options: ReadOptions) -> Iterator[Article | InputError]:
    def make() -> Article:
        import htmldate
        import trafilatura

        _quiet("trafilatura", "htmldate", "courlan", "justext", "readability")
        tags = data.count(b"<") - data.count(b"</")  # opening tags (and comments, doctypes)
        if tags > (limit := settings.get("max_html_tags")):
            raise InputError(f"{source}: {tags:,} tags, over the limit of {limit:,} for one page (max_html_tags)")
        html = decode_html(data, source)
        try:
            doc = trafilatura.bare_extraction(
                html, with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
            )
        except Exception as err:  # noqa: BLE001 - a malformed page must not stop the batch
            raise InputError(f"{source}: cannot parse the page: {reason(err)}") from None
        text = (getattr(doc, "text", None) or "").strip()
        if text_words(text) < MIN_PAGE_WORDS:
            raise InputError(f"{source}: no article text found in the page (navigation, scripts or too short)")
        when = None
        try:
            # Page metadata only (meta tags, JSON-LD, <time>): a date found anywhere in the
            # text by the extensive search is as often an event as the publication date.
            found = htmldate.find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
            when = date.fromisoformat(found) if found else None
        except (ValueError, TypeError):
            when = None
        meta = {k: v for k, v in (("url", getattr(doc, "url", None)), ("site", getattr(doc, "sitename", None))) if v}
        return article_from_text(text, source, options, title=getattr(doc, "title", None), date=when, **meta)

    yield from _one(make)


def _reflow(page: str) -> str:
    """Join the visual lines of a PDF page into paragraphs: a line that fills most of the width
    and does not end a sentence continues on the next; short lines end paragraphs (headlines).
    Each paragraph is a list of lines joined once at the end, so the cost is linear."""
    lines = [ln.strip() for ln in page.splitlines()]
    widths = sorted(len(ln) for ln in lines if ln)
    if not widths:
        return ""
    full = widths[int(len(widths) * 0.75)] * 0.7
    out: list[list[str] | None] = []  # paragraphs as lists of parts; None for a blank line
    last = ""  # the previous physical line
    for ln in lines:
        if not ln:
            if out and out[-1] is not None:
                out.append(None)
            last = ""
            continue
        joins = last and (len(last) >= full or ln[:1].islower()) and not last.endswith((".", "!", "?", ":", '"', "\u201d"))
        if joins:
            para = out[-1]
            if last.endswith("-") and ln[:1].islower():
                para[-1] = para[-1][:-1]
                para.append(ln)
            else:
                para.append(" " + ln)
        else:
            out.append([ln])
        last = ln
    return "\n".join("" if p is None else "".join(p) for p in out).replace("\n\n\n", "\n\n")


def _resources_key(page) -> object:
    """What makes two pages drawing the same streams render the same text: their resources
    (fonts), by object number when shared, by value when written inline, by the parent node
    when inherited."""
    from pypdf.generic import IndirectObject

    raw = page.raw_get("/Resources") if "/Resources" in page else None
    if isinstance(raw, IndirectObject):
        return ("ref", raw.idnum)
    if raw is None:
        parent = page.raw_get("/Parent") if "/Parent" in page else None
        return ("inherited", parent.idnum if isinstance(parent, IndirectObject) else None)
    text = repr(raw)
    return ("inline", text) if len(text) < 10_000 else ("page", id(page))


def _pdf_pages(reader, source: str) -> list[str]:
    """Each page's reflowed text. A content stream shared by many pages is read once (the text
    of a page drawing the same streams with the same resources is reused), and the decoded
    content pypdf would interpret is capped per file: a 96 KB file can make 500 pages of one
    5 MB stream."""
    from pypdf.generic import IndirectObject

    budget = settings.get("max_pdf_content_mb") * MB
    used = 0
    sizes: dict[int, int] = {}
    keys: list[tuple | None] = []
    # First the sizes (each stream decoded once), so that a file over the cap is refused
    # before pypdf interprets any page.
    for page in reader.pages:
        refs = page.get("/Contents")
        refs = list(refs) if isinstance(refs, list) else [refs] if refs is not None else []
        key: tuple | None = None
        if refs and all(isinstance(r, IndirectObject) for r in refs):
            key = (tuple(r.idnum for r in refs), _resources_key(page))
        keys.append(key)
        for r in refs:
            n = sizes.get(r.idnum) if isinstance(r, IndirectObject) else None
            if n is None:
                obj = r.get_object()
                n = len(obj.get_data()) if hasattr(obj, "get_data") else 0
                if isinstance(r, IndirectObject):
                    sizes[r.idnum] = n
            used += n
            if used > budget:
                raise InputError(f"{source}: page content decodes to more than {settings.get('max_pdf_content_mb'):g} MB (a hostile PDF?)")
    done: dict[tuple, str] = {}
    pages = []
    for page, key in zip(reader.pages, keys):
        if key is not None and key in done:
            pages.append(done[key])
            continue
        text = _reflow(page.extract_text() or "")
        if key is not None:
            done[key] = text
        pages.append(text)
    return pages


def parse_pdf(data: bytes, source: str, options: ReadOptions) -> Iterator[Article | InputError]:
    def make() -> Article:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError

        _quiet("pypdf")
        if not data.lstrip()[:5].startswith(b"%PDF"):
            raise InputError(f"{source}: not a PDF file (no %PDF header)")
        try:
            reader = PdfReader(io.BytesIO(data))
            # Many PDFs are encrypted (often AES) with an empty user password: they open without
            # one, and pypdf needs the cryptography package for AES.
            if reader.is_encrypted and not reader.decrypt(""):
                raise InputError(f"{source}: password-protected PDF: it needs a password to open")
            n = len(reader.pages)
            if n > options.max_pdf_pages:
                raise InputError(f"{source}: {n} pages, over the limit of {options.max_pdf_pages} PDF pages")
            pages = _pdf_pages(reader, source)
            meta_title = (reader.metadata.title if reader.metadata else None) or None
        except InputError:
            raise
        except DependencyError:
            raise InputError(f"{source}: AES-encrypted PDF: install the 'cryptography' package to read it") from None
        except Exception as err:  # noqa: BLE001 - pypdf raises many kinds on corrupt files
            raise InputError(f"{source}: corrupt or unreadable PDF: {reason(err)}") from None
        text = "\n\n".join(p for p in pages if p.strip())
        if not text.strip():
            raise InputError(f"{source}: PDF has no text layer (a scan? run OCR first)")
        if meta_title and re.match(r"(?i)^(untitled|microsoft word|document\d*$)", str(meta_title).strip()):
            meta_title = None  # what a word processor puts there, not the article's title
        return article_from_text(text, source, options, title=str(meta_title).strip() if meta_title else None)

    yield from _one(make)


_DOCX_BLOCK = re.compile(rb"<(?:\w+:)?(?:p|tbl)[\s/>]")


def _inflate_capped(zf: zipfile.ZipFile, infos: list, limit: float, source: str, options: ReadOptions) -> dict[str, bytes]:
    parts: dict[str, bytes] = {}
    total = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            chunks = []
            with zf.open(info) as fh:
                while chunk := fh.read(1 << 16):
                    total += len(chunk)
                    if total > limit:
                        raise InputError(f"{source}: unpacks to more than the {options.max_docx_mb:g} MB .docx limit (a zip bomb?)")
                    chunks.append(chunk)
            parts[info.filename] = b"".join(chunks)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, zlib.error) as err:
        raise InputError(f"{source}: corrupt Word .docx file: {reason(err)}") from None
    return parts


def _stored_zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return buf.getvalue()


def parse_docx(data: bytes, source: str, options: ReadOptions) -> Iterator[Article | InputError]:
    def make() -> Article:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise InputError(f"{source}: corrupt or not a Word .docx file (not a zip archive)") from None
        # The declared sizes are checked first (cheap), but never trusted: each part is inflated
        # in small chunks and the running total capped, then python-docx reads the copy.
        total = sum(i.file_size for i in infos)
        limit = options.max_docx_mb * MB
        if len(infos) > MAX_ZIP_ENTRIES:
            raise InputError(f"{source}: {len(infos):,} zip entries, over the limit of {MAX_ZIP_ENTRIES:,} for a .docx (a zip bomb?)")
        if total > limit:
            raise InputError(
                f"{source}: unpacks to {total / MB:.0f} MB in {len(infos)} parts, over the "
                f"{options.max_docx_mb:g} MB .docx limit (a zip bomb?)"
            )
        parts = _inflate_capped(zf, infos, limit, source, options)
        body = parts.get("word/document.xml", b"")
        blocks = len(_DOCX_BLOCK.findall(body))
        if blocks > (limit := settings.get("max_docx_blocks")):
            raise InputError(f"{source}: {blocks:,} paragraphs and tables, over the limit of {limit:,} (max_docx_blocks)")
        import docx
        from docx.table import Table

        try:
            doc = docx.Document(io.BytesIO(_stored_zip(parts)))
            paras: list[tuple[str, str]] = []
            style_names: dict[str | None, str] = {}
            for block in doc.iter_inner_content():
                if isinstance(block, Table):
                    for row in block.rows:
                        cells = [c.text.strip() for c in row.cells if c.text.strip()]
                        if cells:
                            paras.append((" ".join(dict.fromkeys(cells)), ""))
                else:
                    text = block.text.strip()
                    if not text:
                        continue
                    # python-docx looks a style up in the styles part on every access: once per id.
                    sid = block._p.style
                    if sid not in style_names:
                        style = block.style
                        style_names[sid] = (style.name if style is not None else "") or ""
                    paras.append((text, style_names[sid]))
            core_title = doc.core_properties.title
        except Exception as err:  # noqa: BLE001 - python-docx raises many kinds on corrupt files
            raise InputError(f"{source}: corrupt or unreadable Word file: {reason(err)}") from None
        text = "\n\n".join(t for t, _ in paras if t)
        heading = next((t for t, s in paras if t and (s == "Title" or s.startswith("Heading"))), None)
        return article_from_text(text, source, options, title=(core_title or "").strip() or heading)

    yield from _one(make)


def _cell(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a JSON column with a missing key turns 1 into 1.0
    return str(value).strip() or None


def parse_table(data: bytes, source: str, options: ReadOptions) -> Iterator[Article | InputError]:
    """One article per row of a .csv, .tsv or .jsonl table."""
    name = Path(source).name
    suffix = Path(source).suffix.lower()
    try:
        text = decode_text(data, source)
    except InputError as err:
        yield err
        return
    try:
        if suffix == ".jsonl":
            df = pd.read_json(io.StringIO(text), lines=True, dtype=False)
        else:
            df = pd.read_csv(io.StringIO(text), sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as err:
        yield InputError(f"{source}: cannot read table: {reason(err)}")
        return
    cols = list(df.columns)
    if df.empty:
        yield InputError(f"{source}: table has no rows")
        return
    named = {
        "--text-column": options.text_column,
        "--id-column": options.id_column,
        "--date-column": options.date_column,
        "--title-column": options.title_column,
    }
    for flag, col in named.items():
        if col is not None and col not in cols:
            yield InputError(f"{source}: no column '{col}' ({flag}); columns are: {', '.join(map(str, cols))}")
            return
    # Without an explicit option, conventional column names are used when present.
    id_col = options.id_column or ("id" if "id" in cols else None)
    date_col = options.date_column or ("date" if "date" in cols else None)
    title_col = options.title_column or ("title" if "title" in cols else None)
    # Columns as lists: a row as a Series (``iterrows``) cost more than the features of a
    # headline-and-lead row.
    absent = [None] * len(df)
    texts, ids, dates, titles = (
        df[c].tolist() if c is not None and c in cols else absent
        for c in (options.text_column, id_col, date_col, title_col)
    )
    for i, (text, ident, raw, title) in enumerate(zip(texts, ids, dates, titles), 1):
        where = f"{source}: row {i}"
        body = _cell(text)
        if body is None:
            yield InputError(f"{where}: empty text in column '{options.text_column}'")
            continue
        raw_date = _cell(raw)
        parsed = parse_date(raw_date, options.day_first) if raw_date else None
        if parsed is None and raw_date and any(ch.isdigit() for ch in raw_date):
            # Other spellings of a full date ("2023/06/19", "19.06.2023 08:00"); a word such as
            # "now" or "today" would be dated today, which the article never said.
            try:
                ts = pd.to_datetime(raw_date, dayfirst=options.day_first or bool(_DOTTED.match(raw_date)))
                parsed = None if pd.isna(ts) else ts.date()
            except (ValueError, OverflowError, TypeError):
                parsed = None
        yield Article(
            text=body,
            id=_cell(ident) or "",
            title=_cell(title) or title_from_text(body),
            date=parsed or (None if raw_date else dateline(body, options.day_first)),
            source=f"{name}#{i}",
        )


PARSERS: dict[str, Parser] = {
    ".txt": parse_text,
    ".md": parse_text,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
    ".docx": parse_docx,
    ".csv": parse_table,
    ".tsv": parse_table,
    ".jsonl": parse_table,
}


# --- files and uploads ------------------------------------------------------------------------

Reader = Callable[[Path, ReadOptions], Iterator["Article | InputError"]]


def _size_error(source: str, size: int, options: ReadOptions) -> InputError:
    return InputError(f"{source}: {size / MB:.1f} MB, over the {options.max_mb:g} MB size limit (--max-size)")


def _file_reader(parse: Parser) -> Reader:
    def read(path: Path, options: ReadOptions) -> Iterator[Article | InputError]:
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > options.max_bytes:
                    yield _size_error(str(path), size, options)
                    return
                # The size read, not the limit: asking for the limit allocates that much for
                # every file. Still bounded if the file grew after fstat().
                data = fh.read(size + 1)
                if len(data) > size:
                    data += fh.read(options.max_bytes + 1 - len(data))
        except OSError as err:
            yield InputError(f"{path}: cannot read: {reason(err)}")
            return
        if len(data) > options.max_bytes:
            yield _size_error(str(path), len(data), options)
            return
        if not data:
            yield InputError(f"{path}: empty file")
            return
        yield from _parse(parse, data, str(path), options)

    return read


def read_table(path: Path, options: ReadOptions) -> Iterator[Article | InputError]:
    """One article per row of a .csv, .tsv or .jsonl table (with the size limit)."""
    return _file_reader(parse_table)(path, options)


# Formats whose parsing libraries can be made to run for minutes or take gigabytes by a small
# hostile file: parsed in a worker process under a CPU and memory budget (metrics/read/budget.py).
_BUDGETED = (parse_html, parse_pdf, parse_docx)


def _parse(parse: Parser, data: bytes, source: str, options: ReadOptions) -> Iterator[Article | InputError]:
    if parse in _BUDGETED:
        from metrics.read import budget

        yield from budget.parse(parse, data, source, options)
    else:
        yield from parse(data, source, options)


# Bytes from elsewhere than a file (a fetched page) take the same way.
parse_untrusted = _parse

READERS: dict[str, Reader] = {suffix: _file_reader(parse) for suffix, parse in PARSERS.items()}


def supported_suffixes() -> list[str]:
    return sorted(READERS)


def _unsupported(source: str, suffix: str) -> InputError:
    return InputError(f"{source}: unsupported file type '{suffix or '(none)'}'; supported: {', '.join(supported_suffixes())}")


def read_bytes(name: str, data: bytes, options: ReadOptions | None = None) -> Iterator[Article | InputError]:
    """Articles from an in-memory file (a dashboard upload) named ``name``: same formats, limits
    and messages as files on disk."""
    options = options or ReadOptions()
    suffix = Path(name).suffix.lower()
    parse = PARSERS.get(suffix)
    if parse is None:
        yield _unsupported(name, Path(name).suffix)
        return
    if len(data) > options.max_bytes:
        yield _size_error(name, len(data), options)
        return
    if not data:
        yield InputError(f"{name}: empty file")
        return
    yield from _parse(parse, data, name, options)


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
            else:
                options.skipped.append(str(f))
        return
    if not path.exists():
        yield InputError(f"{path}: no such file or folder")
        return
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        yield _unsupported(str(path), path.suffix)
        return
    yield from reader(path, options)


def read_paths(paths: list[str | Path], options: ReadOptions | None = None) -> Iterator[Article | InputError]:
    for p in paths:
        yield from read_path(p, options)
