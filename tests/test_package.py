"""``pip install .`` gives a working copy: a wheel built from the checkout, installed into a
fresh virtual environment, runs ``tension`` from a folder outside the repository and reads the
lexicon, the gazetteer and the sample articles from its own site-packages."""

from __future__ import annotations

import csv
import io
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import metrics
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SEED_NAME = "2023-06-19-blinken-wang-yi-talks-seed.txt"
NEW_DATA_FILE = "words-added-later.yaml"  # a data file no list in pyproject.toml names


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    got = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert got.returncode == 0, f"{' '.join(map(str, cmd))} exited {got.returncode}:\n{got.stderr[-2000:]}"
    return got


def _copy_checkout(dest: Path) -> Path:
    """What a clone has, built elsewhere so the checkout gets no build/ or egg-info folder."""
    dest.mkdir()
    for name in ("pyproject.toml", "requirements.txt", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "tension.db", "tension.db-*", "*.db-wal", "*.db-shm")
    shutil.copytree(ROOT / "metrics", dest / "metrics", ignore=junk)
    shutil.copytree(ROOT / "data", dest / "data", ignore=junk)
    # A local database must not ship; a data file added later must, without editing pyproject.toml.
    (dest / "data" / "tension.db").write_bytes(b"SQLite format 3\x00 a user's articles")
    (dest / "data" / NEW_DATA_FILE).write_text("words: [perhaps]\n", encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, wheel, clean env, a work folder outside the repository)."""
    base = tmp_path_factory.mktemp("package")
    src = _copy_checkout(base / "src")
    wheels = base / "wheels"
    # --no-build-isolation: the backend comes from requirements-dev.txt, nothing is downloaded.
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation",
          "--disable-pip-version-check", "-q", "-w", str(wheels), str(src)], cwd=base, env=dict(os.environ))
    (wheel,) = wheels.glob("relations_tension_index-*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies (and pip) come from the running environment, appended after the venv's
    # own site-packages: `--system-site-packages` would see the base interpreter's packages, not
    # those of a CI venv this test may run in.
    here = [p for p in [*site.getsitepackages(), site.getusersitepackages()] if Path(p).is_dir()]
    (purelib / "_running_environment.pth").write_text("\n".join(here) + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TENSION_DB", "TENSION_ACTORS")}
    env["XDG_DATA_HOME"] = str(base / "xdg")  # where an installed copy keeps its default database
    work = base / "elsewhere"
    work.mkdir()
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q", str(wheel)],
         cwd=work, env=env)
    return venv, wheel, env, work, purelib


def test_the_wheel_ships_every_data_file_but_no_database(installed):
    _venv, wheel, *_ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(
        p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data").rglob("*")
        if p.is_file() and not p.name.startswith("tension.db") and "__pycache__" not in p.parts
    )
    assert "lexicon.yaml" in shipped and "countries.yaml" in shipped and any(s.startswith("articles/") for s in shipped)
    missing = [s for s in shipped if f"metrics/data/{s}" not in names]
    assert not missing, f"data files not in the wheel: {missing}"
    assert f"metrics/data/{NEW_DATA_FILE}" in names
    assert not [n for n in names if n.endswith(".db")], "a database went into the wheel"
    assert "metrics/cli/__init__.py" in names
    assert not [n for n in names if n.startswith(("tests/", "ui/", "app.py"))]


def test_tension_runs_from_any_folder_on_its_own_data(installed):
    venv, _wheel, env, work, purelib = installed
    tension = str(venv / "bin" / "tension")
    assert _run([tension, "--version"], work, env).stdout.strip() == f"tension {metrics.__version__}"
    assert _run([tension, "score", "--help"], work, env).stdout.startswith("usage: tension score ")

    probe = (
        "import importlib.metadata as md, metrics, metrics.events.dyad as d, metrics.events.lexicon as l, metrics.resources as r\n"
        "print(r.data_dir()); print(l.DEFAULT_LEXICON)\n"
        "print(d.GAZETTEER); print(metrics.__file__); print(md.version('relations-tension-index'), metrics.__version__)\n"
        "print(len(d.gazetteer().codes))"
    )
    data_dir, lexicon, gazetteer, module, versions, n_codes = _run(
        [str(venv / "bin" / "python"), "-c", probe], work, env).stdout.split("\n")[:6]
    site_dir = purelib.resolve()
    for path in (data_dir, lexicon, gazetteer, module):
        assert Path(path).resolve().is_relative_to(site_dir), f"{path} is not the installed copy"
        assert not Path(path).resolve().is_relative_to(ROOT.resolve())
    installed_v, module_v = versions.split()
    assert installed_v == module_v == metrics.__version__  # one version number
    assert int(n_codes) > 20  # the shipped gazetteer, read

    seed = site_dir / "metrics" / "data" / "articles" / SEED_NAME
    assert seed.is_file()
    out = _run([tension, "score", str(seed), "--quiet"], work, env).stdout
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["source"].endswith(SEED_NAME) and row["tension"] not in ("", None)
    assert float(row["relevant_passages"]) > 0 and row["top_cues"]  # the lexicon's cues matched

    # The same article scored by the checkout: same data, same score.
    here = subprocess.run([sys.executable, "-m", "metrics", "score", str(ROOT / "data" / "articles" / SEED_NAME), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=180, check=True).stdout
    (ref,) = list(csv.DictReader(io.StringIO(here)))
    assert (row["tension"], row["top_cues"]) == (ref["tension"], ref["top_cues"])


def test_an_installed_copy_keeps_its_database_outside_site_packages(installed):
    venv, _wheel, env, work, purelib = installed
    tension = str(venv / "bin" / "tension")
    articles = purelib / "metrics" / "data" / "articles"
    got = _run([tension, "ingest", str(articles / SEED_NAME), "--quiet"], work, env).stdout
    db = Path(env["XDG_DATA_HOME"]) / "relations-tension-index" / "tension.db"
    assert got.startswith("added 1, already present 0, failed 0") and str(db) in got
    assert db.is_file() and not list((purelib / "metrics").rglob("*.db"))
    (row,) = list(csv.DictReader(io.StringIO(_run([tension, "list", "--format", "csv"], work, env).stdout)))
    assert row["source"].endswith(SEED_NAME) and row["date"] == "2023-06-19"


def test_dask_workers_import_the_installed_package(installed, tmp_path):
    """The README's Dask section: workers started from the installed copy score as this one does."""
    pytest.importorskip("distributed")
    venv, _wheel, env, work, purelib = installed
    tension = str(venv / "bin" / "tension")
    seed = purelib / "metrics" / "data" / "articles" / SEED_NAME
    local = _run([tension, "score", str(seed), "--quiet"], work, env).stdout
    dask = _run([tension, "score", str(seed), "--quiet", "--engine", "dask"], work, env, timeout=300).stdout
    assert dask == local


def test_tension_and_python_m_metrics_share_one_database_in_a_checkout(installed, tmp_path):
    venv, _wheel, env, work, purelib = installed
    checkout = _copy_checkout(tmp_path / "checkout")
    (checkout / "data" / "tension.db").unlink()  # the copy's stand-in file: no database yet
    tension = str(venv / "bin" / "tension")
    db = checkout / "data" / "tension.db"
    got = subprocess.run([tension, "list"], cwd=checkout / "data", env=env, capture_output=True, text=True, timeout=180)
    assert got.returncode != 0 and f"{db}: no database here" in got.stderr  # the path it would use, and
    assert "ingest" in got.stderr and len(got.stderr.strip().splitlines()) == 1  # the command that fills it
    seed = checkout / "data" / "articles" / SEED_NAME
    _run([str(venv / "bin" / "python"), "-m", "metrics", "ingest", str(seed), "--quiet"], checkout, dict(env))
    assert db.is_file()  # the checkout's metrics, run there, fills data/tension.db
    (row,) = list(csv.DictReader(io.StringIO(_run([tension, "list", "--format", "csv"], checkout, env).stdout)))
    assert row["source"].endswith(SEED_NAME)  # and the installed `tension` reads the same database
