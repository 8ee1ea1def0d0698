"""The docs match the code: the command-line page documents every command and option of the
parsers, the generated pages are not stale, and the README's links lead to files that exist.
(The settings table is checked in tests/test_settings.py.)"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from metrics.cli import build_parser
from metrics.cli import docs as gen

ROOT = Path(__file__).resolve().parent.parent
CLI_MD = ROOT / "docs" / "cli.md"


def _sections(text: str) -> dict[str, str]:
    """The generated reference of docs/cli.md: '## heading' -> its text."""
    reference = text.split(gen.CLI_START, 1)[1].split(gen.CLI_END, 1)[0]
    parts = re.split(r"^## (.+)$", reference, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def undocumented(parser: argparse.ArgumentParser, text: str) -> list[str]:
    """'COMMAND --flag' for each command or option of ``parser`` that the page does not document."""
    sections = _sections(text)
    missing = []
    wanted = {"Global options": parser, **gen.subcommands(parser)}
    for name, sub in wanted.items():
        section = sections.get(name)
        if section is None:
            missing.append(name)
            continue
        for action in sub._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            for flag in action.option_strings or [str(action.metavar or action.dest)]:
                if not re.search(rf"`{re.escape(flag)}[ `,]", section):
                    missing.append(f"{name} {flag}")
    return missing


def test_every_command_and_option_is_on_the_command_line_page():
    parser = build_parser()
    assert len(gen.subcommands(parser)) >= 15  # score, explain, ingest, ..., bench
    assert undocumented(parser, CLI_MD.read_text(encoding="utf-8")) == []


def test_an_option_added_to_a_parser_is_reported_until_the_page_is_regenerated():
    parser = build_parser()
    gen.subcommands(parser)["score"].add_argument("--brand-new", metavar="N", help="a new option")
    committed = CLI_MD.read_text(encoding="utf-8")
    assert undocumented(parser, committed) == ["score --brand-new"]
    regenerated = gen.cli_page(parser)
    assert "| `--brand-new N` | a new option |" in regenerated
    page = f"{gen.CLI_START}\n{regenerated}\n{gen.CLI_END}"
    assert undocumented(parser, page) == []


def test_the_generated_pages_are_not_stale():
    stale = [str(path.relative_to(ROOT)) for path, text in gen.pages().items()
             if path.read_text(encoding="utf-8") != text]
    assert stale == [], "run: python -m metrics.cli.docs"


def test_help_text_is_escaped_for_markdown():
    # a pipe would split the table's cell, '<TAB>' would be read as an HTML tag and vanish
    assert gen._cell("a|b sentence<TAB>label `x<y>`") == "a\\|b sentence&lt;TAB>label `x<y>`"


def test_the_readme_is_short_and_its_links_lead_to_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 12_000
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    assert "docs/cli.md" in links and "docs/img/dashboard.png" in links
    assert [link for link in links if "://" not in link and not (ROOT / link).exists()] == []
    # the commands CI and users rely on
    assert "    pip install -r requirements.txt && streamlit run app.py\n" in readme
    assert "    pip install -r requirements-dev.txt && python -m pytest\n" in readme
    assert '    python -m pytest -m "not slow and not browser"\n' in readme
