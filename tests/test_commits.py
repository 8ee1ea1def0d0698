"""Commit subjects are at most 72 characters, details in the body, from the layout change on
(older history is left as it was)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE = "78bb037"  # "Layout: metrics/ split into ...": the first commit held to the rule
LIMIT = 72


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60)


def long_subjects(log: str) -> list[str]:
    """The lines of ``git log --format='%h %s'`` whose subject is over the limit."""
    return [line for line in log.splitlines() if line and len(line.split(" ", 1)[-1]) > LIMIT]


def test_the_check_reads_subjects_not_bodies():
    ok = "abc1234 " + "x" * LIMIT
    assert long_subjects(f"{ok}\nabc1235 {'y' * (LIMIT + 1)}\n") == [f"abc1235 {'y' * (LIMIT + 1)}"]


def test_commit_subjects_since_the_layout_change_are_at_most_72_characters():
    if shutil.which("git") is None or _git("rev-parse", "--git-dir").returncode:
        pytest.skip("not a git checkout")
    if _git("cat-file", "-e", f"{BASE}^{{commit}}").returncode:
        pytest.skip(f"commit {BASE} is not in this clone (a shallow clone?)")
    log = _git("log", "--format=%h %s", f"{BASE}..HEAD")
    assert log.returncode == 0, log.stderr
    assert long_subjects(log.stdout) == [], f"subjects over {LIMIT} characters: put the details in the body"
