"""Dependencies by use: ``pip install .`` gives the library and the command line; the dashboard,
plots, Dask and PostgreSQL come as extras; requirements.txt (the README's install) is all of them,
with the same bounds, and every direct dependency has an upper bound."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import tomllib
from packaging.requirements import Requirement

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirements_txt() -> dict[str, Requirement]:
    lines = [ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    reqs = [Requirement(ln) for ln in lines if ln]
    return {r.name.lower(): r for r in reqs}


def _declared() -> dict[str, Requirement]:
    out: dict[str, Requirement] = {}
    for spec in PYPROJECT["dependencies"] + [s for extra in PYPROJECT["optional-dependencies"].values() for s in extra]:
        r = Requirement(spec)
        if r.name != PYPROJECT["name"]:
            out[r.name.lower()] = r
    return out


def test_requirements_txt_is_the_library_and_every_extra_with_the_same_bounds():
    txt, declared = _requirements_txt(), _declared()
    assert set(txt) == set(declared)
    for name, r in txt.items():
        assert r.specifier == declared[name].specifier, name
        assert r.extras == declared[name].extras, name


def test_every_direct_dependency_has_an_upper_bound():
    for name, r in {**_requirements_txt(), **_declared()}.items():
        assert any(s.operator in ("<", "<=", "==", "~=") for s in r.specifier), f"{name} has no upper bound"


def test_the_library_alone_needs_no_dashboard_server_or_cluster():
    core = {Requirement(s).name.lower() for s in PYPROJECT["dependencies"]}
    assert not core & {"streamlit", "plotly", "kaleido", "bcrypt", "dask", "distributed", "psycopg"}
    extras = PYPROJECT["optional-dependencies"]
    assert {"dashboard", "dask", "postgres", "plot", "all"} <= set(extras)
    assert re.fullmatch(r"relations-tension-index\[(.+)\]", extras["all"][0]).group(1).split(",") == [
        "dashboard", "plot", "dask", "postgres"]


@pytest.mark.slow
def test_scoring_from_the_command_line_imports_none_of_the_extras():
    probe = (
        "import sys, io, contextlib\n"
        "from metrics.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['score', 'data/articles/2023-06-19-blinken-meets-xi-in-beijing.txt', '--quiet'])\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'streamlit', 'plotly', 'kaleido', 'bcrypt', 'dask', 'distributed', 'psycopg'}))\n"
    )
    got = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr[-2000:]
    assert got.stdout.split("\n")[0] == "0 []"


@pytest.mark.slow
def test_a_missing_extra_is_one_line_naming_it():
    # psycopg and plotly made unimportable, as in an environment with the library alone
    probe = (
        "import sys\n"
        "sys.modules['psycopg'] = None\n"
        "sys.modules['plotly'] = None\n"
        "from metrics.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    got = subprocess.run([sys.executable, "-c", probe, "list", "--db", "postgresql://db.invalid/tension"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert got.returncode == 2
    assert got.stderr.strip().splitlines() == [
        "error: a postgresql:// database needs the [postgres] extra: pip install 'relations-tension-index[postgres]'"]
