"""Limits that bound what one untrusted input may cost, in one table.

Each is a named constant with a default and a line of help, so that the README, the tests and
(later) a settings page can list them from ``LIMITS``. The readers' older limits (file size,
PDF pages, .docx unpacked size) stay in ``metrics.readers`` where their command-line options are.
"""

from __future__ import annotations

from dataclasses import dataclass

# Parsing a file of an untrusted format (HTML, PDF, .docx) runs in a worker process with these
# budgets (metrics.budget); over either, the worker is killed and the file is refused in one line.
PARSE_CPU_SECONDS = 20.0
PARSE_MEMORY_MB = 1024.0
# Wall-clock patience on a loaded machine before the worker is killed anyway.
PARSE_WALL_SECONDS = 120.0

# A passage longer than this is cut at a clause break (, ; : or a dash), else a space, so no
# step after segmentation (VADER's rules, the clause checks) ever sees a huge passage.
MAX_PASSAGE_CHARS = 1000

# An HTML page with more tags than this is refused before it is parsed (a news page has a few
# thousand; a million-span page cost minutes and 1.4 GB in trafilatura).
MAX_HTML_TAGS = 200_000
# A .docx with more body blocks (paragraphs and tables) than this is refused before they are read.
MAX_DOCX_BLOCKS = 100_000
# Decoded content-stream bytes a PDF may make pypdf interpret, summed over its pages (a stream
# shared by many pages counts once per page, as pypdf reads it once per page).
MAX_PDF_CONTENT_MB = 32.0

# Weights files and presets: at most this many bytes, this many YAML/JSON nodes and this depth
# (a weights mapping is one level of scalars); aliases are refused before anything is expanded.
MAX_WEIGHTS_BYTES = 1_000_000
MAX_WEIGHTS_NODES = 10_000
MAX_WEIGHTS_DEPTH = 2
# The largest weight accepted; a cue's default weight is at most 10.
MAX_WEIGHT = 100.0


@dataclass(frozen=True)
class Limit:
    name: str
    default: float
    unit: str
    help: str


LIMITS: tuple[Limit, ...] = (
    Limit("PARSE_CPU_SECONDS", PARSE_CPU_SECONDS, "s", "CPU time to parse one HTML, PDF or .docx file"),
    Limit("PARSE_MEMORY_MB", PARSE_MEMORY_MB, "MB", "memory the parsing worker may add for one file"),
    Limit("PARSE_WALL_SECONDS", PARSE_WALL_SECONDS, "s", "wall-clock time to parse one file on a loaded machine"),
    Limit("MAX_PASSAGE_CHARS", MAX_PASSAGE_CHARS, "characters", "longest passage; longer ones are cut at a clause or a space"),
    Limit("MAX_HTML_TAGS", MAX_HTML_TAGS, "tags", "tags in one HTML page"),
    Limit("MAX_DOCX_BLOCKS", MAX_DOCX_BLOCKS, "blocks", "paragraphs and tables in one .docx"),
    Limit("MAX_PDF_CONTENT_MB", MAX_PDF_CONTENT_MB, "MB", "decoded page content of one PDF, summed over its pages"),
    Limit("MAX_WEIGHTS_BYTES", MAX_WEIGHTS_BYTES, "bytes", "size of a weights file or preset"),
    Limit("MAX_WEIGHTS_NODES", MAX_WEIGHTS_NODES, "nodes", "YAML/JSON nodes in a weights file"),
    Limit("MAX_WEIGHTS_DEPTH", MAX_WEIGHTS_DEPTH, "levels", "nesting of a weights file"),
    Limit("MAX_WEIGHT", MAX_WEIGHT, "", "largest cue or tone weight"),
)
