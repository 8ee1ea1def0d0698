"""What the Upload page reads, before staging: files and links turned into features once.

Plain Python (no Streamlit), so tests can call it. The page keeps these lists per file or link
and stages them again on every run (``metrics.store.intake``), since what is stored changes meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable

from metrics.errors import InputError
from metrics.events.extract import Extractor
from metrics.model import Article, ArticleFeatures
from metrics.read.fetch import Fetcher, articles
from metrics.store.core import Store
from metrics.store.intake import PRESENT, Intake, Staged

Read = ArticleFeatures | InputError | Staged


def _extract(got: Article | InputError, ex: Extractor, where: str) -> ArticleFeatures | InputError:
    if isinstance(got, InputError):
        return got
    try:
        return ex.extract(got)
    except Exception as err:  # noqa: BLE001 - one bad text must not stop the others
        return InputError(f"{where}: cannot extract features: {type(err).__name__}: {err}")


def read_and_extract(name: str, got: Iterable[Article | InputError], ex: Extractor) -> list[Read]:
    """The articles of one uploaded file with their features, or its errors; never empty."""
    out: list[Read] = []
    try:
        out = [_extract(g, ex, name) for g in got]
    except Exception as err:  # noqa: BLE001 - a reader bug on one file must not stop the other files
        out = [InputError(f"{name}: cannot read: {err}")]
    return out or [InputError(f"{name}: no article found")]


def fetch_and_extract(url: str, store: Store, ex: Extractor, fetcher: Fetcher | None = None) -> list[Read]:
    """The article of a page, or the items of a feed, with their features; links already
    stored come back as already present without being fetched."""
    out: list[Read] = []

    def known(link: str) -> None:
        out.append(Staged(link, status=PRESENT, reason="this link is already stored", id=store.find_source(link)))

    try:
        for got in articles(url, fetcher or Fetcher(), known=lambda link: store.find_source(link) is not None,
                            on_known=known):
            out.append(_extract(got, ex, url))
    except Exception as err:  # noqa: BLE001 - one bad link must not stop the others
        out.append(InputError(f"{url}: cannot read: {type(err).__name__}: {err}"))
    return out or [InputError(f"{url}: no article found (a feed without items?)")]


def stage(intake: Intake, got: Read) -> Staged:
    return got if isinstance(got, Staged) else intake.stage(got)
