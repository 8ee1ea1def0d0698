"""Time and peak memory of each hostile input of issue 15, as a user's command sees them.

    python bench/hostile.py [--root PROJECT] [--timeout 60] [--only NAME,...]

Builds each file (tests/helpers/hostile_files.py) in a temporary folder and runs
``python -m metrics ingest FILE good.txt --db tmp.db --quiet`` (or ``score --weights`` for
weights files) from ``--root`` (default: this checkout; give a checkout of another commit to
compare), under ``/usr/bin/time`` with a timeout. Prints one line per case: wall seconds, peak
resident memory of the command and its children's largest, exit code and the last error line.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from tests.helpers import hostile_files as H  # noqa: E402

GOOD = "Officials of both countries met in Beijing for talks and agreed to keep channels of communication open.\n"

CASES = {
    "pdf 500 pages sharing a 5 MB stream": ("a.pdf", lambda: H.pdf_shared_stream(500, 5.0)),
    "pdf 4 pages sharing a 1 MB stream": ("a.pdf", lambda: H.pdf_shared_stream(4, 1.0)),
    "pdf one page of 20,000 lines": ("a.pdf", lambda: H.pdf_many_lines(20_000)),
    "docx 2 million empty paragraphs": ("a.docx", lambda: H.docx_paragraphs(2_000_000)),
    "docx 20,000 styled paragraphs": ("a.docx", lambda: H.docx_paragraphs(20_000, styled=True)),
    "docx part inflating to 1 GB, 2 KB declared": ("a.docx", lambda: H.docx_understated(1000)),
    "md heading with 2,000 spaces": ("a.md", lambda: H.markdown_heading(2000)),
    "md heading with 5,000 spaces": ("a.md", lambda: H.markdown_heading(5000)),
    "txt 60 KB of !?": ("a.txt", lambda: H.text_bangs(60)),
    "txt 400 KB in one sentence": ("a.txt", lambda: H.text_one_passage(400)),
    "html a million spans": ("a.html", lambda: H.html_spans(1_000_000)),
    "yaml weights alias bomb": ("w.yaml", H.yaml_alias_bomb),
    "weight of 5,000 digits": ("w.json", lambda: ('{"tone": ' + "1" * 5000 + "}").encode()),
    "weight 1e308": ("w.json", lambda: b'{"tone": 1e308}'),
}


def run(root: Path, name: str, timeout: float, tmp: Path) -> str:
    fname, build = CASES[name]
    path = tmp / fname
    path.write_bytes(build())
    good = tmp / "good.txt"
    good.write_text(GOOD)
    db = tmp / f"t{len(list(tmp.glob('t*.db')))}.db"  # a fresh database per case
    if fname.startswith("w."):
        cmd = [sys.executable, "-m", "metrics", "score", str(good), "--weights", str(path), "-o", str(tmp / "o.csv"), "--quiet"]
    else:
        cmd = [sys.executable, "-m", "metrics", "ingest", str(path), str(good), "--db", str(db), "--quiet"]
    timing = tmp / "time.txt"
    try:
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", str(timing), *cmd],
            cwd=root, capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"{name:<45} >{timeout:.0f} s (killed)   {path.stat().st_size / 1024:.0f} KB file"
    wall, rss = timing.read_text().split()[-2:]
    last = (proc.stderr.strip().splitlines() or [""])[-1][:110]
    lines = len(proc.stderr.strip().splitlines())
    return (
        f"{name:<45} {float(wall):6.1f} s {int(rss) / 1024:7.0f} MB  exit {proc.returncode}  "
        f"stderr {lines} lines  {path.stat().st_size / 1024:.0f} KB file | {last}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=HERE)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    names = [n for n in CASES if not args.only or any(o.strip() in n for o in args.only.split(","))]
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            print(run(args.root, name, args.timeout, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
