"""Builders of hostile input files (issue 15), generated at test time and small on disk.

Used by tests/read/test_hostile.py, tests/views/test_weights.py and by bench/hostile.py (which times each case before and after).
Each builder returns the file's bytes; ``size`` scales the case (1.0 is the issue's figure).
"""

from __future__ import annotations

import io
import struct
import zlib

# --- PDF ----------------------------------------------------------------------------------------


def _pdf(page_streams: list[int], streams: list[bytes]) -> bytes:
    """A PDF whose page i draws content stream ``page_streams[i]`` (an index into ``streams``)."""
    objs: list[bytes] = []
    n_streams = len(streams)
    first_page = 4 + n_streams
    kids = " ".join(f"{first_page + i} 0 R" for i in range(len(page_streams)))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_streams)} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for raw in streams:
        packed = zlib.compress(raw, 9)
        objs.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream")
    for s in page_streams:
        objs.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {4 + s} 0 R >>"
            ).encode()
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def _text_ops(mb: float) -> bytes:
    op = b"BT /F1 10 Tf 72 720 Td (Officials of both countries met and the talks went on) Tj ET\n"
    return op * max(1, int(mb * 1024 * 1024 / len(op)))


def pdf_shared_stream(pages: int = 500, stream_mb: float = 5.0) -> bytes:
    """Many pages drawing one large content stream (each page makes pypdf decode it again)."""
    return _pdf([0] * pages, [_text_ops(stream_mb)])


def pdf_many_lines(lines: int = 20_000) -> bytes:
    """One page of ``lines`` full-width lines that never end a sentence (joined into one paragraph)."""
    line = b"(officials of both countries said the talks between the two sides went on and on) Tj T*\n"
    body = b"BT /F1 1 Tf 1 TL 10 780 Td\n" + line * lines + b"ET\n"
    return _pdf([0], [body])


def pdf_text(text: str) -> bytes:
    """An ordinary one-page PDF with ``text`` (lines as written), built with fpdf2."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in text.split("\n"):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- DOCX / zip ---------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx_parts() -> dict[str, bytes]:
    import zipfile

    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _document_xml(body: bytes) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>'.encode()
        + body
        + b"</w:body></w:document>"
    )


def _zip(parts: dict[str, bytes], declared: dict[str, int] | None = None) -> bytes:
    """A zip of ``parts`` (deflated); ``declared`` overrides the size its headers state."""
    declared = declared or {}
    out = io.BytesIO()
    central = []
    for name, data in parts.items():
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = co.compress(data) + co.flush()
        crc = zlib.crc32(data)
        size = declared.get(name, len(data))
        off = out.tell()
        nb = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(packed), size, len(nb), 0) + nb)
        out.write(packed)
        central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(packed), size, len(nb), 0, 0, 0, 0, 0, off)
            + nb
        )
    cd = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - cd, cd, 0))
    return out.getvalue()


def docx_paragraphs(n: int = 2_000_000, styled: bool = False) -> bytes:
    """A .docx of ``n`` paragraphs: empty ones, or short styled ones (a style lookup each)."""
    parts = _docx_parts()
    if styled:
        para = b'<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr><w:r><w:t>talks</w:t></w:r></w:p>'
    else:
        para = b"<w:p/>"
    parts["word/document.xml"] = _document_xml(
        b"<w:p><w:r><w:t>Officials of both countries met for talks on trade and security.</w:t></w:r></w:p>" + para * n
    )
    return _zip(parts)


def docx_text(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def docx_understated(inflated_mb: int = 1000) -> bytes:
    """A .docx whose document.xml inflates to ``inflated_mb`` MB while its zip headers say 2 KB."""
    parts = _docx_parts()
    head = _document_xml(b"<w:p><w:r><w:t>Officials met.</w:t></w:r></w:p>")
    # Deflate the padding chunk by chunk: the zip is small on disk, the inflated part huge.
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b" " * (1 << 20)
    packed = [co.compress(head)]
    crc = zlib.crc32(head)
    for _ in range(inflated_mb):
        packed.append(co.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    packed.append(co.flush())
    data = b"".join(packed)
    others = _zip({k: v for k, v in parts.items() if k != "word/document.xml"})
    # Re-emit with the big part first, its compressed bytes as they are.
    out = io.BytesIO()
    name = b"word/document.xml"
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), 2048, len(name), 0) + name)
    out.write(data)
    big_central = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), 2048, len(name), 0, 0, 0, 0, 0, 0
    ) + name
    shift = out.tell()
    # Append the other parts, moving their offsets by the big part's length.
    (cd_size, cd_off) = struct.unpack("<II", others[-10:-2])
    body, cd = others[:cd_off], others[cd_off : cd_off + cd_size]
    out.write(body)
    centrals = [big_central]
    pos = 0
    while pos < len(cd):
        nlen, elen, clen = struct.unpack("<HHH", cd[pos + 28 : pos + 34])
        end = pos + 46 + nlen + elen + clen
        entry = bytearray(cd[pos:end])
        (off,) = struct.unpack("<I", entry[42:46])
        entry[42:46] = struct.pack("<I", off + shift)
        centrals.append(bytes(entry))
        pos = end
    cd_start = out.tell()
    for c in centrals:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(centrals), len(centrals), out.tell() - cd_start, cd_start, 0))
    return out.getvalue()


# --- text, Markdown, HTML -----------------------------------------------------------------------


def markdown_heading(spaces: int = 2000) -> bytes:
    """A heading of a word, thousands of spaces and a word: the old heading regex was cubic."""
    return ("# a" + " " * spaces + "b\n\nOfficials of both countries met for talks on trade.\n").encode()


def text_bangs(kb: int = 60) -> bytes:
    """A run of "!?" with no space: the old sentence-boundary regex was quadratic in it."""
    return ("Officials of both countries met for talks on trade. " + "!?" * (kb * 512) + " The end.\n").encode()


def text_one_passage(kb: int = 400) -> bytes:
    """Lower-case text without a sentence break: one passage, on which VADER is quadratic."""
    unit = "the talks were good and the mood was bad and officials of both sides were not happy, "
    return (unit * (kb * 1024 // len(unit))).encode()


def html_spans(n: int = 1_000_000) -> bytes:
    return (
        b"<html><head><title>Talks</title></head><body><article><p>"
        + b"<span>a</span>" * n
        + b"</p></article></body></html>"
    )


def yaml_alias_bomb() -> bytes:
    """A YAML weights file of a few hundred bytes whose one value expands to 9**9 strings."""
    items = ['&a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        items.append(f"&a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
    return ("tone: [" + ", ".join(items) + "]\n").encode()


# --- parsers that misbehave, for the budget's own tests (run in the worker process) --------------


def spin():
    """Burns CPU until stopped."""
    n = 0
    while True:
        n += 1
    yield n  # pragma: no cover


def hog(mb: int):
    """Allocates ``mb`` megabytes."""
    blocks = [bytearray(1024 * 1024) for _ in range(mb)]
    yield len(blocks)


def echo(value):
    yield value


def boom():
    raise RuntimeError("broken parser")
    yield  # pragma: no cover
