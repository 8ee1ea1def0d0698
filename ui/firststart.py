"""First start: an empty database gets the bundled sample articles, with a progress bar."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from metrics.errors import InputError
from metrics.read.readers import read_path
from metrics.resources import data_dir
from metrics.store.intake import Intake
from ui.cache import db_path, extractor, store

SAMPLE_DIR = data_dir() / "articles"
ROOT = SAMPLE_DIR.parent.parent  # sources are stored as data/articles/NAME, checkout or installed copy

_seed_lock = threading.Lock()
_seeded: set[str] = set()


def ensure_sample(bar=None) -> None:
    """On first start with an empty database, load the bundled sample corpus (with progress).

    ``bar`` is a progress bar already on the page (the app's start-up bar), else one is made.
    Once per process and database: a user who deletes every article does not get it back until
    the next start.
    """
    path = db_path()
    if path in _seeded:
        return
    with _seed_lock:
        if path in _seeded:
            return
        s = store()
        if s.count() == 0 and SAMPLE_DIR.is_dir():
            bar = bar or st.progress(0.0)
            bar.progress(0.0, text="First start: reading the sample articles in data/articles/ …")
            items = list(read_path(SAMPLE_DIR))
            bar.progress(0.0, text=f"First start: loading {len(items)} sample articles from data/articles/ …")
            intake = Intake(s, extractor())
            for i, item in enumerate(items, 1):
                if not isinstance(item, InputError):
                    try:
                        item.source = str(Path(item.source).resolve().relative_to(ROOT))
                    except (TypeError, ValueError):
                        pass
                intake.commit(intake.stage(item))
                if i % 8 == 0 or i == len(items):  # a bar message per article costs more than the article
                    bar.progress(i / len(items), text=f"First start: loading sample articles ({i}/{len(items)}) …")
            bar.empty()
        _seeded.add(path)
