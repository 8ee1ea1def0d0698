"""Where extraction runs: in this process (``local``) or on a dask.distributed cluster (``dask``).

Both engines map the same function over batches of articles and give the results back in
input order, so the output of ``score --engine dask`` is the local output, row for row. The
process that runs the command reads the inputs (files, folders, tables), sends each batch of
articles to the cluster and writes what comes back; workers never need the input files, only
the ``metrics`` package with the same data files (checked: a worker whose features version,
lexicon, gazetteer, extractor rules or VADER, differs stops the run with one line).

At most ``2 x worker threads`` batches are on the cluster at once, so a corpus of any size
streams through in bounded memory on both sides.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from metrics.errors import InputError, MetricsError, needs_extra, reason
from metrics.events.extract import Extractor
from metrics.events.lexicon import default_lexicon
from metrics.model import Article, ArticleFeatures
from metrics.score.scoring import prepare, score_table

ENGINES = ("local", "dask")
CONNECT_TIMEOUT = "10s"


# --------------------------------------------------------------------------- the work itself
# Module-level functions: dask pickles them by name, and each worker process keeps one
# extractor (lexicon, gazetteer and cue finder are built once per process, not per batch).


@lru_cache(maxsize=1)
def _extractor() -> Extractor:
    return Extractor(default_lexicon())


def _check_version(version: str | None) -> Extractor:
    """The worker's extractor, if its features version (lexicon, gazetteer, extractor rules,
    VADER: ``metrics.store.core.features_version``) is the command's; a worker with another
    gazetteer would otherwise hand back features the database takes as current. None: the
    command's own process (the local engine), where there is nothing to compare."""
    ex = _extractor()
    if version is None:
        return ex
    from metrics.store.core import features_version

    mine = features_version(ex.lexicon)
    if mine != version:
        raise MetricsError(
            f"a worker has features version {mine}, this command {version}: install the same metrics "
            "package and data/ files (lexicon.yaml, countries.yaml) on every worker"
        )
    return ex


def release_memory() -> None:
    """Give the pages Arrow's allocator keeps for reuse back to the system.

    pandas stores text columns in Arrow, whose default allocator (mimalloc) holds on to freed
    pages: without this, peak RSS crept up batch after batch although the live data per batch
    stays the same. It is cheap."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def score_batch(articles: list[Article], dyad: str, weights: dict[str, float] | None, version: str | None) -> pd.DataFrame:
    """Extract and score one batch: the rows ``score`` writes for these articles."""
    ex = _check_version(version)
    feats = ex.extract_many(articles)
    table = score_table(prepare(feats, dyad, ex.lexicon), weights)
    del feats
    release_memory()
    return table


def extract_batch(articles: list[Article], version: str) -> list[ArticleFeatures | str]:
    """Features of each article, or the one-line reason it could not be extracted."""
    ex = _check_version(version)
    out: list[ArticleFeatures | str] = []
    for a in articles:
        try:
            out.append(ex.extract(a))
        except Exception as err:  # noqa: BLE001 - one text the extractor cannot handle must not stop the batch
            out.append(f"{a.source or a.id}: cannot extract features: {type(err).__name__}: {err}")
    return out


# --------------------------------------------------------------------------- engines
class LocalEngine:
    """Runs each batch in this process, one after the other."""

    name = "local"

    def map(self, fn: Callable[..., Any], batches: Iterable[Any], *args: Any) -> Iterator[Any]:
        for batch in batches:
            yield fn(batch, *args)

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskEngine:
    """Runs batches on a dask.distributed cluster: an existing one (``scheduler``) or a local
    one with one single-threaded worker process per core."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, n_workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise needs_extra("--engine dask", "dask") from None
        self._cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            else:
                self._cluster = LocalCluster(
                    n_workers=n_workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self._cluster)
        except (OSError, TimeoutError, ValueError) as err:
            if self._cluster is not None:
                self._cluster.close()
            where = f"--scheduler {scheduler}" if scheduler else "local dask cluster"
            raise MetricsError(f"{where}: cannot connect: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None

    @property
    def threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def map(self, fn: Callable[..., Any], batches: Iterable[Any], *args: Any) -> Iterator[Any]:
        # A sliding window of futures: results come back in input order, and no more than
        # two batches per worker thread are in flight (bounded memory on any corpus size).
        window = 2 * self.threads
        pending: deque = deque()
        try:
            for batch in batches:
                pending.append(self.client.submit(fn, batch, *args, pure=False))
                while len(pending) >= window:
                    yield self._result(pending.popleft())
            while pending:
                yield self._result(pending.popleft())
        finally:
            for f in pending:
                f.cancel()

    @staticmethod
    def _result(future: Any) -> Any:
        try:
            return future.result()
        except MetricsError:
            raise
        except Exception as err:  # noqa: BLE001 - a worker's failure, reported in one line
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            hint = " (the scheduler and every worker need the metrics package importable)" if "serializ" in first else ""
            raise MetricsError(f"dask worker failed: {type(err).__name__}: {first}{hint}") from None

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_engine(name: str = "local", scheduler: str | None = None) -> LocalEngine | DaskEngine:
    if name not in ENGINES:
        raise MetricsError(f"--engine {name!r}: expected one of {', '.join(ENGINES)}")
    if name == "local":
        if scheduler:
            raise MetricsError("--scheduler needs --engine dask")
        return LocalEngine()
    return DaskEngine(scheduler)


def extract_stream(
    engine: LocalEngine | DaskEngine,
    items: Iterable[Article | InputError],
    version: str,
    known: Callable[[Article], bool] | None = None,
    size: int = 64,
) -> Iterator[Article | ArticleFeatures | InputError]:
    """``items`` with each article replaced by its features, extracted by ``engine`` in
    batches of ``size`` and given back in input order: ``metrics.store.core.ingest`` stores them
    here while the extraction runs elsewhere. An article for which ``known(article)`` is true
    (already stored) passes through unextracted; an input error passes through; an article the
    extractor fails on becomes an ``InputError`` naming it."""
    sent: deque = deque()

    def payloads() -> Iterator[list[Article]]:
        group: list[tuple[bool, Any]] = []
        for item in items:
            todo = isinstance(item, Article) and not (known is not None and known(item))
            group.append((todo, item))
            if len(group) >= size:
                sent.append(group)
                yield [a for t, a in group if t]
                group = []
        if group:
            sent.append(group)
            yield [a for t, a in group if t]

    for results in engine.map(extract_batch, payloads(), version):
        done = iter(results)
        for todo, item in sent.popleft():
            if not todo:
                yield item
                continue
            r = next(done)
            yield InputError(r) if isinstance(r, str) else r


# --------------------------------------------------------------------------- partitioned output
class PartitionedParquetWriter:
    """``-o OUT.parquet`` with the dask engine: a folder ``OUT.parquet/`` of ``part-NNNNN.parquet``
    files, one per batch, with one schema. ``pandas.read_parquet(OUT)``, ``pyarrow.dataset`` and
    ``dask.dataframe.read_parquet`` read the folder as one table, in part order."""

    def __init__(self, out: str, metadata: dict[str, str] | None = None):
        self.folder = Path(out)
        self.metadata = metadata  # in every part, as TableWriter's (metrics.score.scoring.versions)
        try:
            if self.folder.is_file():
                self.folder.unlink()  # -o names the output: it replaces what was there
            self.folder.mkdir(parents=True, exist_ok=True)
            for old in self.folder.glob("part-*.parquet"):
                old.unlink()  # parts of an earlier, longer run would otherwise stay in the table
        except OSError as err:
            raise MetricsError(f"{out}: cannot write: {reason(err)}") from None
        self._schema = None
        self._parts = 0
        self.rows = 0

    def write(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from metrics.output import _iso_dates, parquet_schema

        table = pa.Table.from_pandas(_iso_dates(df), preserve_index=False)
        if self._schema is None:
            self._schema = parquet_schema(table, self.metadata)  # one schema, as TableWriter's
        pq.write_table(table.cast(self._schema), self.folder / f"part-{self._parts:05d}.parquet")
        self._parts += 1
        self.rows += len(df)

    def close(self) -> None:
        if self._parts == 0:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({}).replace_schema_metadata(self.metadata), self.folder / "part-00000.parquet")
