"""One way to save an article: stage items, then commit them.

Every way in (``ingest``, ``fetch`` and ``watch``, the dashboard's first start and its Upload
page, the dask path) goes through ``Intake``:

- ``stage(item)`` says what an item is before anything is written: ``new``, ``already present``
  (the same text is stored), ``repeated`` (the same text came earlier in this batch) or
  ``failed`` with the one-line reason; a new article is extracted here, so a preview can score it;
- ``commit(staged)`` stores a new article with its features in one transaction, stamped with the
  one features version (lexicon, gazetteer, extractor rules, VADER: ``store.features_version``),
  and marks it ``duplicate_of`` the first stored copy of the same story when it is a syndicated
  near-copy (``NearDuplicates``).

Features extracted with another version (a dask worker with another gazetteer, a dashboard
holding an old extractor) are refused at staging, never stored as current.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from metrics import settings
from metrics.errors import InputError, MetricsError
from metrics.events.extract import Extractor
from metrics.model import Article, ArticleFeatures, content_id
from metrics.read.readers import ReadOptions, read_bytes
from metrics.store.core import IngestSummary, NewSignature, Store, features_version

NEW, PRESENT, REPEATED, FAILED, ADDED = "new", "already present", "repeated", "failed", "added"

# Near-duplicates: word 3-gram shingles, 128-permutation MinHash, LSH candidates confirmed by
# the estimated Jaccard similarity. The same wire story under another headline, with other
# boilerplate and a sentence more or less, shares 0.6 to 0.9 of its shingles with the first copy
# (tests/store/test_intake.py); two reports of the same event written apart share under 0.1. The
# threshold is the setting near_duplicate_similarity (0.5).
NUM_PERM = 128
SHINGLE = 3
MIN_SHINGLES = 20  # shorter texts (a headline, a caption) are too short to call copies
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]|[^\W_]+")
_WORD = re.compile(r"[^\W_]+")


def is_link(source: str | None) -> bool:
    """A fetched article: its link identifies it, since a page changes between two reads
    (ads, "updated" stamps) and would otherwise be stored again under another hash."""
    return bool(source) and str(source).lower().startswith(("http://", "https://"))


def shingle_hashes(text: str) -> np.ndarray:
    """The distinct 32-bit hashes of the text's word 3-grams (case-folded; characters for
    scripts written without spaces). Words are hashed once (CRC-32) and three neighbours
    combined in numpy: a tenth of the cost of hashing each 3-gram's bytes."""
    low = text.lower()
    words = (_TOKEN if _UNSPACED.search(low) else _WORD).findall(low)
    if len(words) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    w = np.fromiter((zlib.crc32(x.encode("utf-8")) for x in words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):
        h = ((w[:-2] * np.uint64(1_000_003)) ^ w[1:-1]) * np.uint64(1_000_033) ^ w[2:]
    return np.unique(h & np.uint64(0xFFFFFFFF))


def signature(text: str):
    """The MinHash of the text's 3-grams as a datasketch ``MinHash`` (for its LSH index and
    Jaccard estimate), or None when the text is too short to compare."""
    from datasketch import MinHash

    h = shingle_hashes(text)
    if len(h) < MIN_SHINGLES:
        return None
    a, b = _multipliers()
    with np.errstate(over="ignore"):
        # Multiply-shift hashing (one multiply, add and shift per value; a modulo is slower).
        values = (np.outer(a, h) + b[:, None]) >> np.uint64(32)
    return MinHash(num_perm=NUM_PERM, hashvalues=values.min(axis=1), permutations=_permutations())


@lru_cache(maxsize=1)
def _multipliers() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20231012)  # fixed: stored signatures must stay comparable
    return (rng.integers(1, 1 << 63, NUM_PERM, dtype=np.uint64) | np.uint64(1),
            rng.integers(0, 1 << 63, NUM_PERM, dtype=np.uint64))


@lru_cache(maxsize=1)
def _permutations():
    """datasketch's permutations, made once: a MinHash made without them draws them again
    (most of the cost of reading many stored signatures). Unused by our hashing."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM).permutations


def _pack(m) -> bytes:
    return np.asarray(m.hashvalues, dtype="<u8").tobytes()


def _unpack(blob: bytes):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype="<u8"), permutations=_permutations())


class NearDuplicates:
    """The stored articles' MinHash signatures in an LSH index, kept up to date incrementally:
    before each lookup it reads the signatures stored since (by any process)."""

    def __init__(self, store: Store, threshold: float | None = None):
        self.store = store
        self.threshold = settings.get("near_duplicate_similarity") if threshold is None else threshold
        self._lsh = None  # built at the first lookup: a preview that saves nothing never pays for it
        self._sigs: dict[str, object] = {}
        self._root: dict[str, str | None] = {}
        self._order: dict[str, int] = {}  # storage order (pk): the first copy of a story wins
        self._last = 0
        self._local = 0

    def _catch_up(self) -> None:
        if self._lsh is None:
            from datasketch import MinHashLSH

            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM)
        computed: list[NewSignature] = []
        for row in self.store.signatures(after=self._last):
            self._last = max(self._last, row.pk)
            aid = row.id
            if aid in self._sigs:
                continue
            if row.sig:
                m = _unpack(row.sig)
            else:
                # Stored before signatures existed (or too short to have one): computed from
                # the stored text once, and kept.
                m = signature(self.store.article_text(aid))
                if m is not None:
                    computed.append(NewSignature(row.pk, _pack(m)))
            self._root[aid], self._order[aid] = row.duplicate_of, row.pk
            if m is not None:
                self._sigs[aid] = m
                self._lsh.insert(aid, m)
        self.store.set_signatures(computed)

    def match(self, m) -> str | None:
        """The id of the first stored copy of the story ``m`` belongs to, or None."""
        if m is None:
            return None
        self._catch_up()
        best: tuple[int, str] | None = None
        for aid in self._lsh.query(m):
            if m.jaccard(self._sigs[aid]) >= self.threshold:
                root = self._root.get(aid) or aid
                key = (self._order.get(root, self._order[aid]), root)
                if best is None or key < best:
                    best = key
        if best is None:
            return None
        return best[1] if self.store.has(best[1]) else None  # removed meanwhile by someone else

    def added(self, aid: str, m, duplicate_of: str | None) -> None:
        """Our own commit: known at once, after everything stored before it."""
        self._root[aid] = duplicate_of
        self._local += 1
        self._order.setdefault(aid, self._last + self._local)
        if m is not None and aid not in self._sigs and self._lsh is not None:
            self._sigs[aid] = m
            self._lsh.insert(aid, m)


@dataclass
class Staged:
    """One item on its way in: what it is (``status``) and why (``reason``)."""

    label: str  # what the user knows it by: file name, table row, URL
    article: Article | None = None
    features: ArticleFeatures | None = None
    status: str = NEW
    reason: str = ""
    id: str | None = None  # the stored id, once present or added
    duplicate_of: str | None = None


class _Reporter:
    def error(self, message: str) -> None: ...


class Intake:
    """Stages and commits articles into ``store``; one per batch (a command run, an upload,
    a fetch round), so "repeated" means repeated within that batch."""

    def __init__(
        self,
        store: Store,
        extractor: Extractor | None = None,
        extract: Callable[[Article], ArticleFeatures] | None = None,
        near_duplicates: bool = True,
        who: str | None = None,
    ) -> None:
        self.store = store
        self.who = who  # goes to the activity log with every article this intake stores
        self.extractor = extractor or store.extractor
        self.version = features_version(self.extractor.lexicon)
        if self.version != store.features_version:
            raise MetricsError(
                f"{store.path}: features version {self.version} differs from the database's {store.features_version}"
                " (another lexicon or gazetteer): restart with the same data/ files"
            )
        self._extract = extract or self.extractor.extract
        self._batch: dict[str, tuple[str, str]] = {}
        self._dups = NearDuplicates(store) if near_duplicates else None

    def stage(self, item: Article | ArticleFeatures | InputError, label: str | None = None,
              version: str | None = None) -> Staged:
        """What ``item`` is, without writing; a new article gets its features here.
        ``version``: the features version an ``ArticleFeatures`` item was extracted with."""
        if isinstance(item, InputError):
            msg = str(item)
            return Staged(label or msg.split(": ", 1)[0], status=FAILED, reason=msg)
        feats = item if isinstance(item, ArticleFeatures) else None
        art = item.article if feats is not None else item
        label = label or art.source or art.id
        if feats is not None and version is not None and version != self.version:
            return Staged(label, art, None, FAILED,
                          f"{label}: features extracted with version {version}, not this database's {self.version}"
                          " (a worker with another lexicon or gazetteer?)")
        h = content_id(art.text)
        if h in self._batch:
            first, first_id = self._batch[h]
            return Staged(label, art, feats, REPEATED, f"same text as {first}", id=first_id)
        existing = self.store.find(art)
        if existing is None and is_link(art.source):
            existing = self.store.find_source(str(art.source))
        if existing is not None:
            return Staged(label, art, feats, PRESENT, "the same text is in the database", id=existing)
        self._batch[h] = (label, art.id)
        if feats is None:
            try:
                feats = self._extract(art)
            except Exception as err:  # noqa: BLE001 - one text the extractor cannot handle must not stop the batch
                return Staged(label, art, None, FAILED, f"{label}: cannot extract features: {type(err).__name__}: {err}")
        return Staged(label, art, feats, NEW, id=art.id)

    def commit(self, s: Staged) -> Staged:
        """Store a staged new article; anything else is returned as it is. Database errors
        (disk full, not a database) are not about the article: they raise ``MetricsError``."""
        if s.status != NEW or s.features is None:
            return s
        m = signature(s.article.text) if self._dups is not None else None
        dup = self._dups.match(m) if self._dups is not None else None
        r = self.store.add_features(
            s.features, self.version, who=self.who, duplicate_of=dup, signature=_pack(m) if m is not None else None,
            once_per_source=is_link(s.article.source),
        )
        if r.status == "added":
            if self._dups is not None:
                self._dups.added(str(r.id), m, dup)
            return Staged(s.label, s.article, s.features, ADDED, "", r.id, dup)
        if r.status == "present":
            return Staged(s.label, s.article, s.features, PRESENT, "the same text is in the database", r.id)
        return Staged(s.label, s.article, s.features, FAILED, r.message or f"{s.label}: not stored")

    def stage_all(self, items: Iterable[Article | ArticleFeatures | InputError]) -> Iterator[Staged]:
        for item in items:
            yield self.stage(item)

    def run(self, items: Iterable[Article | ArticleFeatures | InputError], reporter: _Reporter | None = None,
            on_done: Callable[[Staged], None] | None = None) -> IngestSummary:
        """Stage and commit each item in turn: the loop of ``ingest`` and ``fetch``. A repeated
        item counts as already present; ``reporter.error(line)`` gets each failure."""
        summary = IngestSummary()
        for item in items:
            done = self.commit(self.stage(item))
            tally(summary, done, reporter)
            if on_done is not None:
                on_done(done)
        return summary


def tally(summary: IngestSummary, s: Staged, reporter: _Reporter | None = None) -> None:
    """Count a committed item in ``summary`` (repeated counts as already present)."""
    if s.status == ADDED:
        summary.added += 1
        summary.ids.append(str(s.id))
    elif s.status in (PRESENT, REPEATED):
        summary.present += 1
        if s.id:
            summary.ids.append(str(s.id))
    elif s.status == FAILED:
        summary.failed += 1
        if reporter is not None:
            reporter.error(s.reason)


def read_upload(name: str, data: bytes, options: ReadOptions | None = None) -> list[Article | InputError]:
    """The articles of one uploaded file, through the command line's readers; never raises."""
    safe = Path(name).name or "upload"
    try:
        return list(read_bytes(safe, data, options))
    except Exception as err:  # noqa: BLE001 - a reader bug on one file must not stop the other files
        return [InputError(f"{safe}: cannot read: {type(err).__name__}: {err}")]


PREVIEW_COLUMNS = ["file", "title", "date", "tension", "top_cues", "status", "reason"]


def preview(staged: list[Staged], dyad: str, weights, lexicon) -> pd.DataFrame:
    """One row per staged item, as the Upload page shows it before anything is saved: file
    (or link), title, date, tension and top cues under the given pair and weights, status and
    reason."""
    from metrics.model import Features
    from metrics.output import display_text
    from metrics.score.scoring import prepare, tension, top_cues

    good = [i for i, s in enumerate(staged) if s.features is not None]
    t = np.full(len(staged), np.nan)
    cues = [""] * len(staged)
    if good:
        prep = prepare(Features.build([staged[i].features for i in good], lexicon.version), dyad, lexicon)
        for i, v, c in zip(good, tension(prep, weights), top_cues(prep, weights)):
            t[i], cues[i] = v, c
    rows = []
    for i, s in enumerate(staged):
        a = s.article
        rows.append({
            # control and bidi characters in names and titles must not reorder the table
            "file": display_text(s.label),
            "title": display_text(a.title or "(untitled)") if a else "",
            "date": a.date if a else None,
            "tension": None if np.isnan(t[i]) else round(float(t[i]), 1),
            "top_cues": cues[i],
            "status": s.status,
            "reason": display_text(s.reason or ""),
        })
    return pd.DataFrame(rows, columns=PREVIEW_COLUMNS)
