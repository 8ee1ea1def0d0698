"""Fetching into the database: each page or feed item read once, stored once per link."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from metrics.read.fetch import Fetcher, articles
from metrics.read.readers import ReadOptions
from metrics.store.core import IngestSummary, Store
from metrics.store.intake import Intake, _Reporter


def fetch_round(store: Store, urls: list[str], fetcher: Fetcher, since: date | None = None,
                max_items: int | None = None, reporter: _Reporter | None = None,
                options: ReadOptions | None = None,
                progress: Callable[[Iterable], Iterable] | None = None) -> IngestSummary:
    """Fetch each URL (a page or a feed) and store what is new: one ``Intake`` batch. A link
    already stored is not fetched again; an article is stored once per link even when two
    processes fetch it at once (``metrics.store.intake.is_link``). ``progress`` wraps the stream of
    fetched items (a progress bar on the command line)."""
    intake = Intake(store)
    known_links: list[str] = []

    def items():
        for url in urls:
            yield from articles(url, fetcher, options, since=since, max_items=max_items,
                                known=lambda link: store.find_source(link) is not None, on_known=known_links.append)

    stream = items()
    summary = intake.run(progress(stream) if progress else stream, reporter)
    summary.present += len(known_links)
    store.mark_fetched()
    return summary
