"""The import graph of ``metrics/``, read from the source: no cycle among module-level imports,
no Streamlit anywhere, argument parsing only in ``metrics/cli/``, and nothing in the library
reaching up into the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "metrics"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """Modules ``path`` imports, relative imports resolved; ``from pkg import name`` counts as
    ``pkg.name`` when that is a module of ours, else as ``pkg``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if top_level_only:  # what runs on import: module-level statements, also inside a top-level try/if
        nodes = [n for stmt in tree.body if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 for n in ast.walk(stmt)]
    else:
        nodes = list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.add(sub if _is_ours(sub) else target)
    return out


def _is_ours(module: str) -> bool:
    rel = Path(*module.split("."))
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def test_the_scan_sees_the_package():
    mods = _sources()
    assert {"metrics", "metrics.cli", "metrics.cli.options", "metrics.store.core", "metrics.events.extract"} <= set(mods)
    # relative imports resolve to our modules: the command line's options import the readers
    assert "metrics.read.readers" in _imports(mods["metrics.cli.options"], top_level_only=True)
    assert "metrics.store.core" in _imports(mods["metrics.cli.web"], top_level_only=False)
    assert "metrics.cli.score" in _imports(mods["metrics.cli"], top_level_only=True)


@pytest.mark.slow
def test_no_import_cycle_among_module_level_imports():
    mods = _sources()
    graph = {m: {i for i in _imports(p, top_level_only=True) if i in mods and i != m} for m, p in mods.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_metrics_never_imports_streamlit():
    offenders = sorted(m for m, p in _sources().items()
                       if any(i.split(".")[0] == "streamlit" for i in _imports(p, top_level_only=False)))
    assert not offenders, f"Streamlit imported by {offenders}"


@pytest.mark.slow
def test_argument_parsing_lives_only_in_the_cli_package():
    mods = _sources()
    parsing = sorted(m for m, p in mods.items() if "argparse" in _imports(p, top_level_only=False))
    assert parsing and all(m == "metrics.cli" or m.startswith("metrics.cli.") for m in parsing), parsing


def test_the_library_never_imports_the_command_line():
    mods = _sources()
    entry = {"metrics.__main__"}  # python -m metrics: the command line's own entry point
    up = sorted(m for m, p in mods.items() if m not in entry and not (m == "metrics.cli" or m.startswith("metrics.cli."))
                and any(i == "metrics.cli" or i.startswith("metrics.cli.") for i in _imports(p, top_level_only=False)))
    assert not up, f"library modules importing metrics.cli: {up}"


# The layers, lowest first: a module may import its own layer and those below, never above.
# metrics/ itself (errors, settings, resources, output, model) is the floor every layer stands on.
LAYERS = {"read": 1, "events": 2, "score": 3, "store": 4, "views": 5, "ops": 5, "cli": 6}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


@pytest.mark.slow
def test_imports_run_one_way_read_events_score_store_views_ops_cli():
    mods = _sources()
    assert {_layer(m) for m in mods} == {0, 1, 2, 3, 4, 5, 6}  # every layer is a package of ours
    upward = sorted(
        f"{m} -> {i}" for m, p in mods.items() if m != "metrics.__main__"
        for i in _imports(p, top_level_only=False) if i in mods and _layer(i) > _layer(m)
        and {_layer(i), _layer(m)} != {5}  # views and ops side by side
    )
    assert not upward, upward


@pytest.mark.slow
def test_reading_an_article_loads_neither_the_extractor_nor_vader():
    import subprocess
    import sys

    probe = ("import sys, metrics.read.readers, metrics.read.fetch\n"
             "print(sorted(m for m in sys.modules if m == 'metrics.events.extract' or 'vader' in m.lower()))")
    got = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr[-2000:]
    assert got.stdout.strip() == "[]"


@pytest.mark.slow
def test_importing_the_library_reads_no_data_file():
    """Data loads when it is first needed (the lexicon, the gazetteer, the scope words when an
    extractor is built), never at import: a command that needs none of it pays nothing."""
    import subprocess
    import sys

    probe = (
        "import pathlib, builtins\n"
        "seen = []\n"
        "for name in ('read_text', 'read_bytes', 'open'):\n"
        "    def spy(self, *a, _orig=getattr(pathlib.Path, name), **k):\n"
        "        seen.append(str(self)); return _orig(self, *a, **k)\n"
        "    setattr(pathlib.Path, name, spy)\n"
        "import metrics.cli, metrics.events.extract, metrics.score.scoring, metrics.store.core, metrics.views.figures\n"
        "print([s for s in seen if s.endswith(('.yaml', '.txt', '.tsv'))])\n"
        "from metrics.events.extract import Extractor\n"
        "Extractor()\n"
        "print(any(s.endswith('scope.yaml') for s in seen))\n"
    )
    got = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr[-2000:]
    assert got.stdout.split("\n")[:2] == ["[]", "True"]
