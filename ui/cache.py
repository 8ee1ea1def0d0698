"""What the pages share and keep once per process: the store, the extractor, the lexicon, and
the feature table, article frame and per-pair ``Prepared`` arrays of each store version.

Keyed on ``Store.version()``, which changes on every add or remove: the feature table is read
from the database once per version. What depends on the weights is recomputed on every run, and
it is only ``metrics.score.scoring.tension`` (a matrix-vector product).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.errors import MetricsError
from metrics.events.extract import Extractor
from metrics.events.lexicon import Lexicon, default_lexicon
from metrics.model import Features
from metrics.score.scoring import Prepared, prepare
from metrics.store import open_store
from metrics.store.core import Store, default_db_path
from metrics.views.filters import article_frame


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return open_store(path)


def db_path() -> str:
    return str(default_db_path())


def store() -> Store:
    return _store(db_path())


@st.cache_resource(show_spinner=False)
def extractor() -> Extractor:
    return Extractor()


def lexicon() -> Lexicon:
    return default_lexicon()


# cache_resource, not cache_data: cache_data would unpickle a copy of 10^5 articles' features on
# every rerun. These objects are shared read-only between sessions.
@st.cache_resource(max_entries=2, show_spinner="Reading stored features…")
def features(path: str, version: int) -> Features:
    return _store(path).features()


@st.cache_resource(max_entries=2, show_spinner=False)
def frame(path: str, version: int) -> pd.DataFrame:
    return article_frame(features(path, version))


@st.cache_resource(max_entries=2, show_spinner=False)
def ids(path: str, version: int) -> frozenset[str]:
    return frozenset(frame(path, version)["id"])


@st.cache_resource(max_entries=6, show_spinner="Preparing the pair of countries…")
def prepared(path: str, version: int, dyad: str) -> Prepared:
    return prepare(features(path, version), dyad, lexicon())


@st.cache_resource(max_entries=64, show_spinner=False)
def article_prepared(path: str, version: int, article_id: str, dyad: str) -> Prepared | None:
    """One article with its passage text, for the drill-down (relevance is per article)."""
    try:
        f = _store(path).article_features(article_id)
    except (KeyError, LookupError, MetricsError):
        return None
    if len(f) == 0:
        return None
    return prepare(f, dyad, lexicon())


@st.cache_resource(max_entries=256, show_spinner=False)
def article_text(path: str, version: int, article_id: str) -> str | None:
    """One article's stored text (the quotes beside the chart), None when it is gone."""
    try:
        return _store(path).article_text(article_id)
    except (KeyError, LookupError, MetricsError):
        return None


def current() -> tuple[str, int]:
    s = store()
    return db_path(), s.version()
