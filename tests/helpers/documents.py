"""Articles as files of every supported kind, written at test time, and the checks on reading them."""

from __future__ import annotations

from pathlib import Path

from metrics.errors import InputError
from metrics.model import Article
from metrics.read.readers import ReadOptions, read_path

BODY = (
    "Washington imposed new sanctions on Chinese technology firms on Tuesday, and Beijing "
    "condemned the measures as bullying. Officials on both sides said military communication "
    "channels remained cut, and analysts described relations between the United States and "
    "China as being at their lowest point in years."
)
SECOND = "The two sides agreed to hold further talks in Geneva next month, a spokesman said."


def one(path: Path, options: ReadOptions | None = None) -> Article:
    items = list(read_path(path, options))
    assert len(items) == 1, items
    assert isinstance(items[0], Article), items[0]
    return items[0]


def error_of(path: Path, options: ReadOptions | None = None) -> str:
    items = list(read_path(path, options))
    assert len(items) == 1 and isinstance(items[0], InputError), items
    msg = str(items[0])
    assert msg.startswith(str(path)) and "\n" not in msg
    return msg


def make_html(title: str = "Sanctions widen as talks stall", published: str = "2023-03-14") -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title} | Example News</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}T09:30:00Z">
<script>var promo = "Subscribe to our agreement newsletter"; trackVisit();</script>
<style>.nav {{ color: red; }}</style></head>
<body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/deals">Trade agreement of the week</a></nav>
<article><h1>{title}</h1>
<p>{BODY}</p>
<p>{SECOND}</p>
</article>
<footer>Copyright Example News. Cookie settings. Signed agreement with our advertisers.</footer>
</body></html>"""


def make_pdf(path: Path, paragraphs: list[str], title: str | None = None, pages: int = 1) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        for para in paragraphs:
            pdf.multi_cell(0, 6, para)
            pdf.ln(4)
    pdf.output(str(path))
    return path


def make_docx(path: Path, heading: str, paragraphs: list[str], core_title: str | None = None) -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading(heading, level=1)
    for para in paragraphs:
        doc.add_paragraph(para)
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Tariff rate"
    table.cell(0, 1).text = "25 percent"
    if core_title:
        doc.core_properties.title = core_title
    doc.save(str(path))
    return path
