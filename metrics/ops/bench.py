"""``python -m metrics bench``: how much our scoring costs on top of reading text and running VADER.

One run builds a corpus of generated articles (every sentence unique), then times

(a) the whole command, ``python -m metrics score FOLDER -o out.csv --quiet``, in a subprocess
    with its start-up;
(b) the floor: a subprocess that reads the same files, splits them with the same splitter
    (``metrics.events.segment.split_passages``) and runs VADER on every sentence;
(c) re-weighting 100,000 stored articles (synthetic feature tables shaped like real ones):
    ``metrics.score.scoring.raw_scores`` and ``tension`` with a new weight dict, median of several runs;
(d) optionally (``--dask``) the same command with ``--engine dask``.

This module imports only the standard library at the top, because ``python -m metrics.ops.bench
--floor`` is the floor itself and must not pay for pandas or our extraction.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# ------------------------------------------------------------------------------ corpus
# Sentence = opener + subject + predicate (with an object) + circumstance + attribution.
# A sentence number is mapped to one combination by an affine permutation of the mixed-radix
# space, so no two sentences of a corpus are the same (real text rarely repeats a sentence, and
# a cache that only wins on repeats must not win here) while neighbours differ in every slot.

OPENERS = (
    "", "", "", "On Monday, ", "On Tuesday, ", "Late on Wednesday, ", "Earlier, ", "Separately, ",
    "In a statement, ", "Meanwhile, ", "At the same time, ", "By contrast, ", "In Geneva, ",
    "Two days later, ", "According to a transcript, ", "In a rare move, ",
)
SUBJECTS = (
    "Washington", "Beijing", "the U.S. State Department", "China's foreign ministry", "Mr. Blinken",
    "Wang Yi", "a Pentagon spokesman", "Chinese officials", "American diplomats", "the White House",
    "Xi Jinping", "Treasury Secretary Yellen", "the commerce ministry in Beijing", "Russian officials",
    "Tokyo", "analysts in Singapore", "the shipping company", "local officials", "industry groups",
    "lawmakers on Capitol Hill", "the Chinese embassy", "President Biden", "a senior U.S. official",
    "the People's Liberation Army", "the European Union", "Japanese negotiators", "the Kremlin",
    "a spokeswoman for the ministry", "Indian diplomats", "the trade representative's office",
    "state media in Beijing", "Gen. Milley", "the delegation", "several economists", "Moscow",
    "the American ambassador", "Chinese state television", "a Taiwanese official",
    "officials in Seoul", "the Treasury",
)
OBJECTS = (
    "Beijing", "Washington", "China", "the United States", "American chipmakers",
    "Chinese telecom firms", "Tokyo", "the visiting delegation", "Moscow", "the U.S. side",
    "Chinese counterparts", "its Asian allies", "the Philippines", "European partners",
    "the American envoy", "state-owned banks", "Taiwan", "Kyiv", "New Delhi", "the two sides",
    "a group of investors", "the Chinese navy", "U.S. farmers", "the defence ministry",
    "Pacific island states", "the central bank", "foreign journalists", "port operators",
    "the Chinese ambassador", "Congress",
)
# "{o}" is the object; predicates carry cues, negated and hedged cues, and plain reporting.
PREDICATES = (
    "imposed new sanctions on {o}", "did not cut communication channels with {o}",
    "might cut channels of communication with {o}", "refused to meet {o}", "held talks with {o}",
    "described talks with {o} as constructive", "said relations with {o} were at their lowest point",
    "invited {o} to a return visit", "accused {o} of industrial espionage",
    "condemned the military drills staged near {o}", "signed a trade agreement with {o}",
    "agreed to ease tariffs on goods from {o}", "warned {o} against further provocations",
    "did not rule out force against {o}", "expelled two diplomats from {o}",
    "released a detained businessman from {o}", "praised {o} for its restraint",
    "discussed grain shipments with {o}", "published quarterly trade figures for {o}",
    "reviewed shipping schedules with {o}", "could consider new export controls on {o}",
    "failed to agree with {o} on fishing quotas", "resumed military-to-military talks with {o}",
    "postponed a planned visit to {o}", "called for calm in its dispute with {o}",
    "sent a letter to {o}", "described a frank exchange of views with {o}",
    "said a summit with {o} had been productive", "protested to {o} over a naval encounter",
    "announced a joint climate project with {o}", "rejected a proposal from {o}",
    "said it was ready for dialogue with {o}", "demanded that {o} withdraw its vessels",
    "hosted a reception for {o}", "filed a complaint at the WTO against {o}",
    "compared inflation data with {o}", "said tensions with {o} were rising",
    "suspended cooperation with {o} on drug enforcement", "quietly welcomed investors from {o}",
    "never answered the calls from {o}", "relaxed visa rules for students from {o}",
    "threatened retaliation against {o}", "deployed two warships near {o}",
    "offered to mediate between {o} and its neighbours", "would not confirm a meeting with {o}",
    "noted progress in talks with {o}", "declined to comment on reports about {o}",
    "shared weather data with {o}", "accepted an invitation from {o}",
    "criticised the tariffs announced by {o}", "renewed a fisheries accord with {o}",
    "intercepted a surveillance plane from {o}", "planned to buy more soybeans from {o}",
    "said ties with {o} had stabilised", "blamed {o} for the collapse of the talks",
    "opened a new consulate to serve {o}", "hoped to visit {o} before the summer",
)
CIRCUMSTANCES = (
    "", " on Monday", " on Tuesday", " on Thursday", " last week", " earlier this month",
    " after a week of consultations", " during a visit to Jakarta", " at a forum in Geneva",
    " in a brief statement", " for the first time in years", " despite objections at home",
    " ahead of the G20 summit", " in a phone call", " over the weekend", " at a news conference",
    " amid a row over microchips", " as markets fell", " before the election",
    " in the early hours of Friday", " at the United Nations", " under pressure from lawmakers",
    " while visiting Hanoi", " at the end of a three-day meeting", " in a televised address",
    " after months of delay", " with little notice", " in response to a reporter's question",
    " on the sidelines of the APEC meeting", " at 9 a.m. local time", " by video link",
    " in a written reply", " during a tour of the port", " ahead of a vote in Congress",
    " after a cabinet meeting", " following a naval incident",
)
ATTRIBUTIONS = (
    "", "", ", officials said", ", according to a transcript", ", Reuters reported",
    ", the ministry said in a statement", ", two people familiar with the matter said",
    ", state media reported", ", a spokesman told reporters", ", diplomats said",
    ", according to people briefed on the talks", ", the statement said", ", analysts noted",
    ", a senior official said on condition of anonymity", ", the newspaper reported",
    ", its website showed", ", the agency said", ", a readout said",
)
SLOTS = (OPENERS, SUBJECTS, PREDICATES, OBJECTS, CIRCUMSTANCES, ATTRIBUTIONS)
SPACE = math.prod(len(s) for s in SLOTS)
WORDS_PER_ARTICLE = 600


def _sentence(n: int) -> str:
    parts = []
    for slot in SLOTS:
        n, i = divmod(n, len(slot))
        parts.append(slot[i])
    opener, subject, predicate, obj, where, said = parts
    head = opener + subject
    return head[0].upper() + head[1:] + " " + predicate.format(o=obj) + where + said + "."


def _reverse_digits(n: int) -> int:
    """Re-read ``n``'s mixed-radix digits in the reverse slot order: a bijection of the space."""
    digits = []
    for slot in SLOTS:
        n, i = divmod(n, len(slot))
        digits.append(i)
    out = 0
    for slot, i in zip(SLOTS, digits):
        out = out * len(slot) + i
    return out


class Corpus:
    """Unique sentences: the ``k``-th sentence is combination ``(a k + b) mod SPACE``."""

    def __init__(self, seed: int = 0):
        rng = random.Random(seed)
        a = rng.randrange(SPACE // 3, SPACE)
        while math.gcd(a, SPACE) != 1:
            a += 1
        c = rng.randrange(SPACE // 3, SPACE)
        while math.gcd(c, SPACE) != 1:
            c += 1
        self._a, self._b, self._c, self._d = a, rng.randrange(SPACE), c, rng.randrange(SPACE)
        self._rng = rng
        self._next = 0

    def sentence(self) -> str:
        if self._next >= SPACE:
            raise ValueError(f"the templates give only {SPACE} unique sentences")
        k, self._next = self._next, self._next + 1
        # Two affine steps around a digit reversal: one step alone leaves the slowest slot
        # (the attribution) the same for runs of neighbours. Each step is a bijection.
        n = _reverse_digits((self._a * k + self._b) % SPACE)
        return _sentence((self._c * n + self._d) % SPACE)

    def article(self, number: int, words: int = WORDS_PER_ARTICLE) -> str:
        """About ``words`` words: a headline, a dateline and paragraphs of two to four sentences."""
        rng = self._rng
        day = 1 + number % 28
        month = ("January", "March", "May", "June", "September", "November")[number % 6]
        lines = [f"Report {number}: {self.sentence()[:-1]}", f"{month} {day}, {2018 + number % 7}", ""]
        sentences, count = [], 0
        while count < words:
            sentences.append(self.sentence())
            count += sentences[-1].count(" ") + 1
        while sentences:
            size = rng.randint(2, 4)
            lines.extend([" ".join(sentences[:size]), ""])
            del sentences[:size]
        return "\n".join(lines)


def write_corpus(folder: Path, n: int, seed: int = 0) -> Path:
    """``n`` generated articles as .txt files in ``folder`` (sub-folders of 1,000 files)."""
    corpus = Corpus(seed)
    for i in range(n):
        sub = folder / f"{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"a{i:07d}.txt").write_text(corpus.article(i), encoding="utf-8")
    return folder


def iter_articles(n: int, seed: int = 0) -> Iterator[str]:
    corpus = Corpus(seed)
    for i in range(n):
        yield corpus.article(i)


# ------------------------------------------------------------------------------ the floor
def floor(folder: str) -> int:
    """Read every .txt file, split it with our splitter and run VADER on each sentence."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from metrics.events.segment import split_passages

    vader = SentimentIntensityAnalyzer()
    n = 0
    for path in sorted(Path(folder).rglob("*.txt")):
        text = path.read_bytes().decode("utf-8-sig")
        for p in split_passages(text):
            vader.polarity_scores(p.text)
        n += 1
    return n


# ------------------------------------------------------------------------------ timing
@dataclass
class Child:
    """One finished child process: wall seconds, CPU seconds (user + system), peak RSS bytes."""

    seconds: float
    cpu: float
    rss: int


# Runs the measured command as its own child and reports that child's wall time and rusage.
# A child forked by a large process (pytest with dask loaded, a notebook) starts with the
# parent's resident set counted in its peak, because Linux keeps the high-water mark across
# fork and exec; forked from this small launcher, the command's peak is its own.
_LAUNCHER = """
import json, os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(out, "w") as f:
    json.dump({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss": ru.ru_maxrss,
               "code": os.waitstatus_to_exitcode(status)}, f)
"""


def run_child(cmd: list[str], extra_env: dict[str, str | None] | None = None) -> Child:
    """Run ``cmd`` (stdout discarded) and measure it; a failure raises RuntimeError with its
    stderr. ``extra_env`` sets variables for the child (None: unset)."""
    env = dict(os.environ)
    for name, value in (extra_env or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
    exe = cmd[0] if os.path.isabs(cmd[0]) else shutil.which(cmd[0]) or cmd[0]
    with tempfile.TemporaryDirectory(prefix="metrics-child-") as tmp:
        report = os.path.join(tmp, "report.json")
        err_path = os.path.join(tmp, "stderr")
        with open(err_path, "wb") as err:
            subprocess.run(
                [sys.executable, "-S", "-c", _LAUNCHER, report, exe, *cmd[1:]],
                stdout=subprocess.DEVNULL, stderr=err, env=env, check=False,
            )
        try:
            with open(report) as f:
                r = json.load(f)
        except (OSError, ValueError):
            r = {"code": -1}
        if r["code"] != 0:
            with open(err_path, "rb") as f:
                tail = f.read().decode("utf-8", "replace").strip()[-500:]
            raise RuntimeError(f"{' '.join(cmd[:4])} ... exited with {r['code']}: {tail}")
    rss = r["maxrss"] * (1 if sys.platform == "darwin" else 1024)
    return Child(r["wall"], r["cpu"], rss)


_ROOT = Path(__file__).resolve().parents[2]


def synthetic_prepared(n_articles: int, seed: int = 0, passages: int = 25, matches: int = 12):
    """``Prepared`` features for ``n_articles`` with the shape of real ones, without any text."""
    import numpy as np
    import pandas as pd

    from metrics.events.extract import ARTICLE_COLUMNS, MATCH_DTYPES, PASSAGE_DTYPES, Features
    from metrics.events.lexicon import default_lexicon
    from metrics.score.scoring import prepare

    lex = default_lexicon()
    rng = np.random.default_rng(seed)
    n_pas = rng.poisson(passages, n_articles).clip(1)
    p_art = np.repeat(np.arange(n_articles), n_pas)
    p_idx = np.arange(len(p_art)) - np.repeat(np.cumsum(n_pas) - n_pas, n_pas)
    # every article names the US, China and Russia first, in that order: slots 0, 1 and 2
    us, cn, ru = 1, 2, 4
    mentions = rng.choice(np.array([0, 0, us, cn, us | cn, ru], dtype=np.int64), len(p_art))
    pas = pd.DataFrame(
        {
            "article": p_art,
            "idx": p_idx,
            "start": p_idx * 120,
            "end": p_idx * 120 + 110,
            "text": "",
            "tone": rng.uniform(-0.8, 0.8, len(p_art)),
            "mentions": mentions,
        }
    ).astype(PASSAGE_DTYPES)
    n_mat = rng.poisson(matches, n_articles)
    m_art = np.repeat(np.arange(n_articles), n_mat)
    first = np.cumsum(n_pas) - n_pas
    m_pas = first[m_art] + (rng.random(len(m_art)) * n_pas[m_art]).astype(np.int64)
    mat = pd.DataFrame(
        {
            "article": m_art,
            "passage": m_pas,
            "cue": rng.integers(0, len(lex.families), len(m_art)),
            "start": 0,
            "end": 5,
            "matched": "",
            "strength": rng.choice([1.0, 1.0, 1.0, 0.5, 0.0, -0.6, -1.0], len(m_art)),
            "negated": False,
            "hedged": False,
            # half the finds name their actors: the pair gate runs as on real text
            "source": rng.choice(np.array([0, 0, us, cn, us | cn], dtype=np.int64), int(n_mat.sum())),
            "target": rng.choice(np.array([0, 0, cn, us, ru], dtype=np.int64), int(n_mat.sum())),
        }
    ).astype(MATCH_DTYPES)
    arts = pd.DataFrame(
        {"id": [f"s{i}" for i in range(n_articles)], "title": None, "date": None, "source": None, "n_passages": n_pas,
         "actors": [("US", "CN", "RU")] * n_articles},
        columns=ARTICLE_COLUMNS,
    )
    feats = Features(articles=arts, passages=pas, matches=mat, lexicon_version=lex.version)
    return prepare(feats, "US-CN", lex)


def time_reweight(n_articles: int, repeats: int = 7, seed: int = 0) -> dict:
    """Median seconds of raw_scores and tension on ``n_articles`` with a changed weight dict."""
    from metrics.score.scoring import raw_scores, tension

    t0 = time.perf_counter()
    prep = synthetic_prepared(n_articles, seed)
    prepare_s = time.perf_counter() - t0
    lex = prep.lexicon
    defaults = lex.default_weights()
    rng = random.Random(seed)
    raw_t, ten_t = [], []
    for _r in range(repeats):
        # A fresh dict each run, as from a slider move: no cached weight vector can help.
        weights = {k: v * rng.uniform(0.5, 1.5) for k, v in defaults.items()}
        t0 = time.perf_counter()
        raw_scores(prep, weights)
        raw_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        tension(prep, weights)
        ten_t.append(time.perf_counter() - t0)
    return {
        "articles": n_articles,
        "passages": int(len(prep.features.passages)),
        "matches": int(len(prep.features.matches)),
        "prepare_s": prepare_s,
        "raw_scores_ms": statistics.median(raw_t) * 1000,
        "tension_ms": statistics.median(ten_t) * 1000,
        "repeats": repeats,
    }


def _summary(runs: list[Child], articles: int) -> dict:
    med = statistics.median
    seconds = med(r.seconds for r in runs)
    return {
        "seconds": seconds,
        "cpu_seconds": med(r.cpu for r in runs),
        "articles_per_s": articles / seconds,
        "peak_rss_mb": max(r.rss for r in runs) / 2**20,
        "fastest": min(r.seconds for r in runs),
        "runs": [round(r.seconds, 3) for r in runs],
    }


def run_bench(
    articles: int, reweight: int, seed: int, repeat: int = 3, dask: bool = False, workdir: str | None = None
) -> dict:
    result: dict = {
        "articles": articles, "words": WORDS_PER_ARTICLE, "seed": seed, "repeat": repeat,
        "cpus": os.cpu_count(), "python": sys.version.split()[0],
    }
    with tempfile.TemporaryDirectory(prefix="metrics-bench-", dir=workdir) as tmp:
        folder = Path(tmp) / "corpus"
        t0 = time.perf_counter()
        write_corpus(folder, articles, seed)
        result["corpus_s"] = time.perf_counter() - t0
        out = str(Path(tmp) / "out.csv")
        py = sys.executable
        floor_cmd = [py, "-m", "metrics.ops.bench", "--floor", str(folder)]
        score_cmd = [py, "-m", "metrics", "score", str(folder), "-o", out, "--quiet"]
        # Both children get a bytecode cache of their own, as an installed package has one
        # (pip compiles it) even where PYTHONDONTWRITEBYTECODE is set, which would otherwise
        # make every run of the command compile its modules again (0.2 s here).
        pyc = {"PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"), "PYTHONDONTWRITEBYTECODE": None}
        # The command's start-up cache (metrics/events/diskcache.py) is the run's own, empty at first:
        # the first run, which fills it, is reported apart from the steady state.
        cache = {**pyc, "TENSION_CACHE_DIR": str(Path(tmp) / "cache")}
        warm = Path(tmp) / "warm-up"
        write_corpus(warm, 3, seed)
        # Warm the page cache and the bytecode caches; the start-up cache stays empty.
        run_child(floor_cmd, pyc)
        run_child([py, "-m", "metrics", "score", str(warm), "-o", out, "--quiet"], {**pyc, "TENSION_CACHE_DIR": "off"})
        result["score_first"] = _summary([run_child(score_cmd, cache)], articles)
        a: list[Child] = []
        b: list[Child] = []
        for _ in range(repeat):
            # Alternating runs see the same background load on a shared machine.
            b.append(run_child(floor_cmd, pyc))
            a.append(run_child(score_cmd, cache))
        result["score"] = _summary(a, articles)
        result["floor"] = _summary(b, articles)
        result["ratio"] = result["score"]["seconds"] / result["floor"]["seconds"]
        # The fastest runs are the least disturbed by other jobs on a shared machine.
        result["fastest_ratio"] = result["score"]["fastest"] / result["floor"]["fastest"]
        result["cpu_ratio"] = result["score"]["cpu_seconds"] / result["floor"]["cpu_seconds"]
        if dask:
            d = [run_child([*score_cmd, "--engine", "dask"], cache) for _ in range(repeat)]
            result["dask"] = _summary(d, articles)
    if reweight:
        result["reweight"] = time_reweight(reweight, seed=seed)
    result["scanned_in_full"] = scanned_in_full()
    return result


def scanned_in_full() -> list[str]:
    """Cue families (and "gazetteer") whose regex has no literal prefix for the cue finder: they
    run over the whole text, as every family did before metrics/events/prefilter.py, and cost the most."""
    from metrics.events.extract import Extractor

    ex = Extractor()
    names = [*ex.lexicon.ids, *(f"gazetteer:{c}" for c in ex._gazetteer.codes), "gazetteer:pair", "gazetteer:third"]
    return [names[k] for k, _ in ex._finder.full_scan]


def format_table(r: dict) -> str:
    rows = [("command", "seconds", "CPU s", "articles/s", "peak RSS MB")]

    def row(label: str, x: dict, rss_note: str = "") -> tuple[str, ...]:
        return (label, f"{x['seconds']:.2f}", f"{x['cpu_seconds']:.2f}", f"{x['articles_per_s']:.0f}",
                f"{x['peak_rss_mb']:.0f}{rss_note}")

    rows.append(row("(a) metrics score", r["score"]))
    if "score_first" in r:
        rows.append(row("    first run, empty cache", r["score_first"]))
    rows.append(row("(b) floor: split + VADER", r["floor"]))
    if "dask" in r:
        rows.append(row("(d) score --engine dask", r["dask"], " (client)"))
    widths = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
    lines = [
        f"corpus: {r['articles']} articles of ~{r['words']} words, every sentence unique, seed {r['seed']}; "
        f"median of {r['repeat']} alternating runs ({r['cpus']} CPUs, Python {r['python']})",
        "",
    ]
    for x in rows:
        lines.append("  ".join([x[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(x[1:], widths[1:])]))
    lines += [
        "",
        f"ratio a/b, whole command over the floor, start-up included: {r['ratio']:.2f} wall, "
        f"{r['cpu_ratio']:.2f} CPU, {r['fastest_ratio']:.2f} fastest runs  (target <= 1.3)",
    ]
    if r.get("scanned_in_full"):
        lines.append(f"scanned in full (no literal prefix, slow): {', '.join(r['scanned_in_full'])}")
    if "dask" in r:
        lines.append(f"dask / local (wall, local cluster of {r['cpus']} workers, start-up included): "
                     f"{r['dask']['seconds'] / r['score']['seconds']:.2f}")
    if "reweight" in r:
        w = r["reweight"]
        lines += [
            "",
            f"(c) re-weighting {w['articles']:,} stored articles ({w['passages']:,} passages, {w['matches']:,} matches),"
            f" median of {w['repeats']}:",
            f"    raw_scores {w['raw_scores_ms']:.1f} ms   tension {w['tension_ms']:.1f} ms  (target < 100 ms;"
            f" one-off prepare {w['prepare_s']:.2f} s)",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    # ``python -m metrics.ops.bench --floor FOLDER``: the floor child process.
    if len(sys.argv) == 3 and sys.argv[1] == "--floor":
        floor(sys.argv[2])
        sys.exit(0)
    sys.exit("usage: python -m metrics.ops.bench --floor FOLDER (the benchmark is 'python -m metrics bench')")
