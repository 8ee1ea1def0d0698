"""``python -m metrics bench``: how much our scoring costs on top of reading text and running VADER.

For each shape news comes in (``SHAPES``: short headline + lead items as rows of one CSV, wire
articles, long documents) one run builds a corpus of generated text (every sentence unique),
then times, alternating,

(a) the whole command, ``python -m metrics score PATH -o out.csv --quiet``, in a subprocess
    with its start-up;
(b) the floor: a subprocess that reads the same files or rows, splits them with the same
    splitter (``metrics.events.segment.split_passages``) and runs VADER on every sentence;
and both again on a one-item input, as the start-up of each;
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
        self._item_rng = random.Random(seed * 7919 + 1)
        self._doc_rng = random.Random(seed * 7919 + 2)
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


    def item(self, number: int) -> tuple[str, str]:
        """A headline and a lead of one to four sentences, 30 to 100 words together, as news
        APIs and feeds give them (title and description). Uses its own generator: ``article``
        gives the same text whether or not items were made."""
        rng = self._item_rng
        actor, other = rng.sample(HEAD_ACTORS, 2)
        act = rng.choice(HEAD_ACTS).format(o=other, t=rng.choice(HEAD_TOPICS))
        headline = f"{actor} {act}{rng.choice(HEAD_TAILS)}"
        target = rng.randint(30, 100)
        words = len(headline.split())
        city = rng.choice(DATELINES)
        month = MONTHS[number % 12]
        lead = [f"{city}, {month} {1 + number % 28} -"]
        count = words + 4
        while True:
            s = self.sentence()
            n = s.count(" ") + 1
            if len(lead) > 1 and (count + n > 100 or count >= target):
                break
            if count + n > 100:  # the first sentence is too long for this item: a shorter one
                continue
            lead.append(s)
            count += n
        return headline, " ".join(lead)

    def document(self, number: int, words: int | None = None) -> str:
        """A long official document, 8,000 to 10,000 words: the transcript of a briefing, with a
        header, an opening statement, section headings and many questions and answers."""
        rng = self._doc_rng
        words = words or rng.randint(8000, 10000)
        month = MONTHS[number % 12]
        title, speaker, official = rng.choice(SPEAKERS)
        lines = [
            f"{title}, {rng.choice(HEADINGS[:5])}",
            f"{month} {1 + number % 28}, {2018 + number % 7}",
            "Briefing Room",
            f"{1 + number % 11}:{10 + number % 50:02d} P.M.",
            "",
        ]

        def para(k: int) -> str:
            return " ".join(self.sentence() for _ in range(k))

        body = [f"{speaker}: {rng.choice(OPENINGS)} {para(rng.randint(4, 7))}"]
        count = sum(len(x.split()) for x in lines + body)
        while count < words:
            if rng.random() < 0.06:
                block = f"{rng.choice(HEADINGS)}"
            elif rng.random() < 0.45:
                block = f"Q    {rng.choice(ASKS)} {para(rng.randint(1, 2))} {rng.choice(CLOSES)}"
            else:
                who = speaker if rng.random() < 0.7 else official
                block = f"{who}: {rng.choice(REPLIES)}{para(rng.randint(2, 6))}"
            body.append(block)
            count += len(block.split())
        body.append("END")
        return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"


# Headline words: present tense, articles dropped, short names, as headlines are written.
HEAD_ACTORS = (
    "China", "U.S.", "Beijing", "Washington", "Xi", "Biden", "Blinken", "Pentagon", "Japan", "Russia",
    "EU", "Taiwan", "Seoul", "Kremlin", "White House", "Treasury", "India", "Manila", "Wang Yi",
    "Yellen", "NATO", "Tokyo", "Moscow", "Commerce Ministry",
)
HEAD_ACTS = (
    "warns {o} over {t}", "slaps new curbs on {o} amid {t}", "holds talks with {o} on {t}",
    "accuses {o} of stoking {t}", "hits back at {o} over {t}", "eases {t} for {o}",
    "summons {o} envoy over {t}", "signs deal with {o} on {t}", "rejects {o} demands on {t}",
    "vows response to {o} after {t}", "seeks thaw with {o} despite {t}", "sanctions {o} firms over {t}",
    "and {o} agree to resume talks on {t}", "calls {o} move on {t} 'dangerous'", "probes {o} over {t}",
    "praises {o} restraint on {t}", "cancels {o} visit over {t}", "to buy more from {o} after {t}",
    "says ties with {o} stable despite {t}", "threatens {o} with tariffs over {t}",
)
HEAD_TOPICS = (
    "Taiwan drills", "chip exports", "South China Sea", "trade talks", "fentanyl", "export controls",
    "spy balloon", "climate pledge", "soybean purchases", "visa rules", "rare earths", "naval encounter",
    "tariffs", "detained businessman", "student visas", "port fees", "cyberattack", "grain shipments",
    "human rights", "drone sales",
)
HEAD_TAILS = ("", "", "", " as talks stall", " - sources", ": state media", " ahead of summit",
              " in rare phone call", " as markets slide", " after weeks of delay")
DATELINES = ("BEIJING", "WASHINGTON", "TOKYO", "SINGAPORE", "GENEVA", "MANILA", "SEOUL", "NEW DELHI",
             "MOSCOW", "BRUSSELS", "HONG KONG", "TAIPEI")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
# A briefing transcript's furniture: who speaks, how questions and answers open, section breaks.
SPEAKERS = (
    ("Press Briefing by the Press Secretary and the National Security Advisor", "THE PRESS SECRETARY",
     "THE NATIONAL SECURITY ADVISOR"),
    ("Background Press Call by Senior Administration Officials", "MODERATOR", "SENIOR ADMINISTRATION OFFICIAL"),
    ("Department Press Briefing", "THE SPOKESPERSON", "THE DEPUTY SECRETARY"),
    ("Remarks to the Press on the Trade Talks", "THE TRADE REPRESENTATIVE", "THE DEPUTY TRADE REPRESENTATIVE"),
)
OPENINGS = ("Good afternoon, everyone.", "Thank you for joining us today.", "Okay, a few things at the top.",
            "Hi, everyone. Let me start with the schedule.")
ASKS = ("Thank you.", "A follow-up on that.", "Two questions.", "On the talks.", "Just to clarify.",
        "Thanks. On China.", "Going back to the readout.", "")
CLOSES = ("Is that accurate?", "What is the response?", "How do you respond to that?", "Does the President agree?",
          "Can you confirm it?", "What comes next?", "Was that raised in the call?", "Is there a timeline?")
REPLIES = ("", "", "Look, I think that's right. ", "Well, let me say a couple of things. ",
           "I'd point you to the readout. ", "As I said earlier, nothing has changed. ", "Great question. ",
           "I don't have anything to announce on that. ", "I'm not going to get ahead of the process. ")
HEADINGS = ("On the Indo-Pacific", "Trade and export controls", "The visit to Beijing", "Taiwan Strait",
            "Sanctions", "(Cross-talk.)", "Climate talks", "Consular matters", "The summit")


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


def write_items(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` short items (headline + lead) as one CSV, one row each: id, date, title, text."""
    import csv

    corpus = Corpus(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "title", "text"])
        for i in range(n):
            title, lead = corpus.item(i)
            w.writerow([f"item-{i:06d}", f"{2018 + i % 7}-{1 + i % 12:02d}-{1 + i % 28:02d}", title, lead])
    return path


def write_documents(folder: Path, n: int, seed: int = 0) -> Path:
    """``n`` long documents (8,000 to 10,000 words, many paragraphs) as .txt files."""
    corpus = Corpus(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"d{i:05d}.txt").write_text(corpus.document(i), encoding="utf-8")
    return folder


# A shape: how its corpus is written, what one unit is called, and its default size.
SHAPES = {
    "short": {"write": write_items, "file": "items.csv", "unit": "items", "default": 5000,
              "about": "headline + lead items, 30-100 words, one CSV row each"},
    "wire": {"write": write_corpus, "file": "corpus", "unit": "articles", "default": 2000,
             "about": f"wire articles of ~{WORDS_PER_ARTICLE} words, one .txt file each"},
    "long": {"write": write_documents, "file": "documents", "unit": "documents", "default": 40,
             "about": "long documents (briefing transcripts), 8,000-10,000 words, one .txt file each"},
}


# ------------------------------------------------------------------------------ the floor
def floor(path: str) -> int:
    """Read every .txt file of a folder, or every row's ``text`` of a .csv file (the standard
    library's reader), split each text with our splitter and run VADER on each sentence."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from metrics.events.segment import split_passages

    vader = SentimentIntensityAnalyzer()
    n = 0
    if path.endswith(".csv"):
        import csv

        with open(path, newline="", encoding="utf-8-sig") as f:
            texts = (row["text"] for row in csv.DictReader(f))
            for text in texts:
                for p in split_passages(text):
                    vader.polarity_scores(p.text)
                n += 1
        return n
    for file in sorted(Path(path).rglob("*.txt")):
        text = file.read_bytes().decode("utf-8-sig")
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

    from metrics.events.lexicon import default_lexicon
    from metrics.model import ARTICLE_COLUMNS, MATCH_DTYPES, PASSAGE_DTYPES, Features
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


def synthetic_corrections(feats, n: int, seed: int = 0):
    """``n`` corrections of the matches of ``feats`` (every kind, spread over its articles), as the
    store's corrections table."""
    import json as _json

    import numpy as np

    from metrics.events.lexicon import default_lexicon
    from metrics.score import corrections as C

    lex = default_lexicon()
    rng = np.random.default_rng(seed)
    mat, pas, ids = feats.matches, feats.passages, feats.articles["id"].to_numpy()
    picks = rng.choice(len(mat), size=min(n, len(mat)), replace=False)
    kinds = np.array(C.KINDS)[np.arange(len(picks)) % len(C.KINDS)]
    rows = []
    for k, (mi, kind) in enumerate(zip(picks.tolist(), kinds.tolist())):
        p = int(mat["passage"].iat[mi])
        rows.append((
            k + 1, "", "bench", "", str(ids[int(mat["article"].iat[mi])]), int(pas["start"].iat[p]), int(pas["end"].iat[p]),
            lex.ids[int(mat["cue"].iat[mi])], int(mat["start"].iat[mi]), int(mat["end"].iat[mi]), str(mat["matched"].iat[mi]),
            kind, "CN" if kind in ("wrong_actor", "missed_act") else None, "US" if kind in ("wrong_actor", "missed_act") else None,
            0.5 if kind == "wrong_strength" else None, None, _json.dumps({}), None,
        ))
    return C.table(rows)


def time_corrections(n_articles: int = 10_000, n_corrections: int = 1_000, repeats: int = 5, seed: int = 0) -> dict:
    """Median seconds to apply ``n_corrections`` to ``n_articles`` synthetic articles' features
    (``metrics.score.corrections.apply``), beside ``prepare`` of the same features in the same run
    (the step that already runs whenever the stored features change) and a re-weighting."""
    from metrics.events.lexicon import default_lexicon
    from metrics.score import corrections as C
    from metrics.score.scoring import prepare, raw_scores

    lex = default_lexicon()
    feats = synthetic_prepared(n_articles, seed).features
    table = synthetic_corrections(feats, n_corrections, seed)
    apply_t, prep_t, raw_t = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fixed, applied = C.apply(feats, table, lex)
        apply_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        prep = prepare(fixed, "US-CN", lex)
        prep_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        raw_scores(prep, lex.default_weights())
        raw_t.append(time.perf_counter() - t0)
    med = statistics.median
    return {
        "articles": n_articles, "matches": int(len(feats.matches)), "corrections": int(len(table)),
        "applied": int((applied.status["state"] == C.APPLIED).sum()),
        "apply_ms": med(apply_t) * 1000, "prepare_ms": med(prep_t) * 1000, "raw_scores_ms": med(raw_t) * 1000,
        "ratio_to_prepare": med(apply_t) / med(prep_t), "repeats": repeats,
    }


def _summary(runs: list[Child], items: int) -> dict:
    med = statistics.median
    seconds = med(r.seconds for r in runs)
    return {
        "seconds": seconds,
        "cpu_seconds": med(r.cpu for r in runs),
        "items_per_s": items / seconds,
        "peak_rss_mb": max(r.rss for r in runs) / 2**20,
        "fastest": min(r.seconds for r in runs),
        "runs": [round(r.seconds, 3) for r in runs],
    }


def _words(path: Path) -> int:
    if path.suffix == ".csv":
        import csv

        with open(path, newline="", encoding="utf-8") as f:
            return sum(len(row["title"].split()) + len(row["text"].split()) for row in csv.DictReader(f))
    return sum(len(p.read_text(encoding="utf-8").split()) for p in path.rglob("*.txt"))


def _load() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


def run_shape(shape: str, n: int, seed: int, repeat: int, tmp: Path, dask: bool = False) -> dict:
    """Time ``score`` against the floor on ``n`` items of one shape (``SHAPES``), and both
    processes' start-up on a one-item input of the same format."""
    spec = SHAPES[shape]
    py = sys.executable
    base = tmp / shape
    base.mkdir()
    result: dict = {"shape": shape, "about": spec["about"], "unit": spec["unit"], "items": n, "load_average": [_load()]}
    t0 = time.perf_counter()
    data = spec["write"](base / spec["file"], n, seed)
    result["corpus_s"] = time.perf_counter() - t0
    result["words_per_item"] = _words(data) / n
    # The one-item input: one row of the same CSV, or one 600-word file (a long document is
    # not start-up: one of them is a tenth of a second of work).
    if shape == "short":
        one = write_items(base / "one" / "one.csv", 1, seed + 1)
        result["startup_input"] = "one CSV row"
    else:
        one = write_corpus(base / "one", 1, seed + 1)
        result["startup_input"] = f"one {WORDS_PER_ARTICLE}-word .txt file"
    out = str(base / "out.csv")

    def floor_cmd(path: Path) -> list[str]:
        return [py, "-m", "metrics.ops.bench", "--floor", str(path)]

    def score_cmd(path: Path) -> list[str]:
        return [py, "-m", "metrics", "score", str(path), "-o", out, "--quiet"]

    # Both children get a bytecode cache of their own, as an installed package has one
    # (pip compiles it) even where PYTHONDONTWRITEBYTECODE is set, which would otherwise
    # make every run of the command compile its modules again (bench/RESULTS.md).
    pyc = {"PYTHONPYCACHEPREFIX": str(tmp / "pycache"), "PYTHONDONTWRITEBYTECODE": None}
    # The command's start-up cache (metrics/events/diskcache.py) is the shape's own, empty at
    # first: the first run, which fills it, is reported apart from the steady state.
    cache = {**pyc, "TENSION_CACHE_DIR": str(base / "cache")}
    # Warm the page cache and the bytecode caches; the start-up cache stays empty.
    run_child(floor_cmd(data), pyc)
    run_child(score_cmd(one), {**pyc, "TENSION_CACHE_DIR": "off"})
    result["score_first"] = _summary([run_child(score_cmd(data), cache)], n)
    a: list[Child] = []
    b: list[Child] = []
    for _ in range(repeat):
        # Alternating runs see the same background load on a shared machine.
        b.append(run_child(floor_cmd(data), pyc))
        a.append(run_child(score_cmd(data), cache))
    result["score"] = _summary(a, n)
    result["floor"] = _summary(b, n)
    result["ratio"] = result["score"]["seconds"] / result["floor"]["seconds"]
    # The fastest runs are the least disturbed by other jobs on a shared machine.
    result["fastest_ratio"] = result["score"]["fastest"] / result["floor"]["fastest"]
    result["cpu_ratio"] = result["score"]["cpu_seconds"] / result["floor"]["cpu_seconds"]
    sa: list[Child] = []
    sb: list[Child] = []
    for _ in range(2 * repeat + 1):
        sb.append(run_child(floor_cmd(one), pyc))
        sa.append(run_child(score_cmd(one), cache))  # a warm start-up cache
    result["startup"] = {
        "score": statistics.median(r.seconds for r in sa), "floor": statistics.median(r.seconds for r in sb),
        "score_cpu": statistics.median(r.cpu for r in sa), "floor_cpu": statistics.median(r.cpu for r in sb),
        "runs": len(sa),
    }
    if dask:
        d = [run_child([*score_cmd(data), "--engine", "dask"], cache) for _ in range(repeat)]
        result["dask"] = _summary(d, n)
    result["load_average"].append(_load())
    shutil.rmtree(base, ignore_errors=True)
    return result


def run_bench(
    articles: int = SHAPES["wire"]["default"], reweight: int = 100_000, seed: int = 0, repeat: int = 3,
    dask: bool = False, workdir: str | None = None, shapes: tuple[str, ...] = ("wire",),
    items: int = SHAPES["short"]["default"], documents: int = SHAPES["long"]["default"], feed: int = 0,
    corrections: int = 0,
) -> dict:
    """Each shape of ``shapes`` timed in turn (``run_shape``); ``articles``, ``items`` and
    ``documents`` are the sizes of the wire, short and long corpora; ``feed`` items (0: none)
    are fetched from a feed served here (``run_feed``); ``corrections`` (0: none) are applied to
    10,000 synthetic articles' features (``time_corrections``)."""
    sizes = {"short": items, "wire": articles, "long": documents}
    result: dict = {"seed": seed, "repeat": repeat, "cpus": os.cpu_count(), "python": sys.version.split()[0], "shapes": {}}
    with tempfile.TemporaryDirectory(prefix="metrics-bench-", dir=workdir) as tmp:
        for shape in shapes:
            result["shapes"][shape] = run_shape(shape, sizes[shape], seed, repeat, Path(tmp), dask)
        if feed:
            result["feed"] = run_feed(feed, seed, repeat, Path(tmp))
    if reweight:
        result["reweight"] = time_reweight(reweight, seed=seed)
    if corrections:
        result["corrections"] = time_corrections(10_000, corrections, seed=seed)
    result["scanned_in_full"] = scanned_in_full()
    return result


# ------------------------------------------------------------------------------ a feed
FEED_ITEMS = 50


def feed_page(i: int, article: str) -> bytes:
    """A news page around a generated article: navigation, the story, a footer, as sites serve."""
    import html

    lines = [ln for ln in article.splitlines() if ln.strip()]
    title, dated, paras = lines[0], lines[1], lines[2:]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (
        f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)} | Bench News</title>"
        f"<meta property=\"og:site_name\" content=\"Bench News\"></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/business'>Business</a></nav>"
        f"<article><h1>{html.escape(title)}</h1><p class='dateline'>{html.escape(dated)}</p>{body}</article>"
        f"<footer>Copyright Bench News. <a href='/terms'>Terms</a></footer></body></html>"
    ).encode()


def serve_feed(n: int, seed: int = 0):
    """An RSS feed of ``n`` items at ``/feed.xml`` and their pages, served on 127.0.0.1 from a
    thread: ``(base URL, server)``; ``server.shutdown()`` stops it."""
    import html
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    corpus = Corpus(seed)
    pages = {f"/story/{i}": feed_page(i, corpus.article(i)) for i in range(n)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # noqa: ANN002 - a quiet bench server
            pass

        def do_GET(self) -> None:  # noqa: N802
            base = f"http://{self.headers['Host']}"
            if self.path == "/feed.xml":
                items = "".join(
                    f"<item><title>Story {i}</title><link>{base}/story/{i}</link>"
                    f"<pubDate>Mon, {1 + i % 28:02d} May 2023 09:30:00 +0000</pubDate></item>" for i in range(n))
                body, ctype = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                               f"<title>Bench News</title><link>{html.escape(base)}/</link><description>News</description>"
                               f"{items}</channel></rss>").encode(), "application/rss+xml"
            elif self.path in pages:
                body, ctype = pages[self.path], "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def feed_floor(feed_url: str) -> int:
    """Read the feed's links (the standard library's XML parser) and each page's text with
    trafilatura alone: what reading the news costs before any scoring or storing."""
    import urllib.request
    import xml.etree.ElementTree as ET

    import trafilatura

    with urllib.request.urlopen(feed_url, timeout=30) as r:
        links = [el.text for el in ET.fromstring(r.read()).iter("link") if el.text and "/story/" in el.text]
    n = 0
    for link in links:
        with urllib.request.urlopen(link, timeout=30) as r:
            if trafilatura.extract(r.read().decode("utf-8")):
                n += 1
    return n


def _time_watch(cmd: list[str], env: dict[str, str]) -> Child:
    """``watch``'s first round: from the start until it prints its round line, then Ctrl-C."""
    import signal

    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    line = p.stdout.readline() if p.stdout else ""
    wall = time.perf_counter() - t0
    p.send_signal(signal.SIGINT)
    try:
        _, _, ru = os.wait4(p.pid, 0)
    except ChildProcessError:
        ru = None
    p.returncode = 0
    if " round 1: " not in line:
        err = p.stderr.read().strip()[-500:] if p.stderr else ""
        raise RuntimeError(f"watch printed no round line: {line.strip() or err}")
    return Child(wall, (ru.ru_utime + ru.ru_stime) if ru else float("nan"), ru.ru_maxrss * 1024 if ru else 0)


def run_feed(n: int, seed: int, repeat: int, tmp: Path) -> dict:
    """``fetch`` and ``watch``'s first round of an ``n``-item feed served on 127.0.0.1 (a new
    database each run), a second ``fetch`` (every link stored: only the feed is read), and the
    floor: the same pages' text with trafilatura alone; alternating, medians."""
    from metrics import settings

    base, server = serve_feed(n, seed)
    feed = f"{base}/feed.xml"
    py = sys.executable
    env = {"PYTHONPYCACHEPREFIX": str(tmp / "pycache"), "PYTHONDONTWRITEBYTECODE": None,
           "TENSION_CACHE_DIR": str(tmp / "feed-cache")}
    # The requests go to 127.0.0.1; where fetching refuses private addresses unless told
    # (the setting fetch_allow_private), the bench tells it.
    extra = ["--setting", "fetch_allow_private", "1"] if "fetch_allow_private" in settings.DEFAULTS else []
    result: dict = {"items": n, "load_average": [_load()]}
    runs: dict[str, list[Child]] = {"fetch": [], "refetch": [], "watch": [], "floor": []}
    try:
        full_env = dict(os.environ)
        for k, v in env.items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), full_env.get("PYTHONPATH")]))
        for r in range(repeat + 1):  # the first round warms the caches and is not counted
            db = tmp / f"feed-{r}.db"
            fetch = [py, "-m", "metrics", *extra, "fetch", feed, "--db", str(db), "--delay", "0", "--quiet"]
            floor_run = run_child([py, "-m", "metrics.ops.bench", "--feed-floor", feed], env)
            fetch_run = run_child(fetch, env)
            refetch_run = run_child(fetch, env)
            watch_run = _time_watch([py, "-m", "metrics", *extra, "watch", feed, "--every", "600",
                                     "--db", str(tmp / f"watch-{r}.db"), "--delay", "0"], full_env)
            if r:
                runs["floor"].append(floor_run)
                runs["fetch"].append(fetch_run)
                runs["refetch"].append(refetch_run)
                runs["watch"].append(watch_run)
    finally:
        server.shutdown()
        server.server_close()
    for name, xs in runs.items():
        result[name] = _summary(xs, n)
    for name in ("fetch", "watch"):
        result[f"{name}_ratio"] = result[name]["seconds"] / result["floor"]["seconds"]
        result[f"{name}_cpu_ratio"] = result[name]["cpu_seconds"] / result["floor"]["cpu_seconds"]
    result["load_average"].append(_load())
    return result


def _feed_table(r: dict) -> list[str]:
    lo, hi = r["load_average"][0], r["load_average"][-1]
    rows = [("command", "seconds", "CPU s", "pages/s", "peak RSS MB")]
    for label, key in (("fetch FEED (new database)", "fetch"), ("watch FEED, first round", "watch"),
                       ("fetch FEED again (all stored)", "refetch"), ("floor: urllib + trafilatura", "floor")):
        x = r[key]
        rows.append((label, f"{x['seconds']:.2f}", f"{x['cpu_seconds']:.2f}", f"{x['items_per_s']:.0f}", f"{x['peak_rss_mb']:.0f}"))
    widths = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
    lines = [f"feed: {r['items']} items of ~{WORDS_PER_ARTICLE} words served on 127.0.0.1, --delay 0; "
             f"load average {lo:g} -> {hi:g}", ""]
    for x in rows:
        lines.append("  ".join([x[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(x[1:], widths[1:])]))
    lines += ["", f"fetch / floor {r['fetch_ratio']:.2f} wall, {r['fetch_cpu_ratio']:.2f} CPU; "
                  f"watch / floor {r['watch_ratio']:.2f} wall, {r['watch_cpu_ratio']:.2f} CPU"]
    return lines


def scanned_in_full() -> list[str]:
    """Cue families (and "gazetteer") whose regex has no literal prefix for the cue finder: they
    run over the whole text, as every family did before metrics/events/prefilter.py, and cost the most."""
    from metrics.events.extract import Extractor

    ex = Extractor()
    names = [*ex.lexicon.ids, *(f"gazetteer:{c}" for c in ex._gazetteer.codes), "gazetteer:pair", "gazetteer:third"]
    return [names[k] for k, _ in ex._finder.full_scan]


def _shape_table(r: dict, cpus: int) -> list[str]:
    rows = [("command", "seconds", "CPU s", f"{r['unit']}/s", "peak RSS MB")]

    def row(label: str, x: dict, rss_note: str = "") -> tuple[str, ...]:
        return (label, f"{x['seconds']:.2f}", f"{x['cpu_seconds']:.2f}", f"{x['items_per_s']:.0f}",
                f"{x['peak_rss_mb']:.0f}{rss_note}")

    rows.append(row("(a) metrics score", r["score"]))
    if "score_first" in r:
        rows.append(row("    first run, empty cache", r["score_first"]))
    rows.append(row("(b) floor: split + VADER", r["floor"]))
    if "dask" in r:
        rows.append(row("(d) score --engine dask", r["dask"], " (client)"))
    widths = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
    lo, hi = r["load_average"][0], r["load_average"][-1]
    lines = [
        f"{r['shape']}: {r['items']} {r['about']} (mean {r['words_per_item']:.0f} words); "
        f"load average {lo:g} -> {hi:g}",
        "",
    ]
    for x in rows:
        lines.append("  ".join([x[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(x[1:], widths[1:])]))
    s = r["startup"]
    lines += [
        "",
        f"ratio a/b, whole command over the floor, start-up included: {r['ratio']:.2f} wall, "
        f"{r['cpu_ratio']:.2f} CPU, {r['fastest_ratio']:.2f} fastest runs  (target <= 1.3)",
        f"start-up ({r['startup_input']}, warm start-up cache, median of {s['runs']}): score {s['score']:.2f} s "
        f"({s['score_cpu']:.2f} CPU), floor {s['floor']:.2f} s ({s['floor_cpu']:.2f} CPU)",
    ]
    if "dask" in r:
        lines.append(f"dask / local (wall, local cluster of {cpus} workers, start-up included): "
                     f"{r['dask']['seconds'] / r['score']['seconds']:.2f}")
    return lines


def format_table(r: dict) -> str:
    lines = [
        f"every sentence unique, seed {r['seed']}; median of {r['repeat']} alternating runs "
        f"({r['cpus']} CPUs, Python {r['python']})",
    ]
    for shape in r["shapes"].values():
        lines += ["", *_shape_table(shape, r["cpus"])]
    if len(r["shapes"]) > 1:
        lines += ["", "shape   ratio wall / CPU / fastest   start-up score / floor"]
        for name, x in r["shapes"].items():
            lines.append(f"{name:<7} {x['ratio']:.2f} / {x['cpu_ratio']:.2f} / {x['fastest_ratio']:.2f}"
                         f"{'':<10}{x['startup']['score']:.2f} / {x['startup']['floor']:.2f} s")
    if "feed" in r:
        lines += ["", *_feed_table(r["feed"])]
    if r.get("scanned_in_full"):
        lines.append(f"scanned in full (no literal prefix, slow): {', '.join(r['scanned_in_full'])}")
    if "reweight" in r:
        w = r["reweight"]
        lines += [
            "",
            f"(c) re-weighting {w['articles']:,} stored articles ({w['passages']:,} passages, {w['matches']:,} matches),"
            f" median of {w['repeats']}:",
            f"    raw_scores {w['raw_scores_ms']:.1f} ms   tension {w['tension_ms']:.1f} ms  (target < 100 ms;"
            f" one-off prepare {w['prepare_s']:.2f} s)",
        ]
    if "corrections" in r:
        c = r["corrections"]
        lines += [
            "",
            f"(e) applying {c['corrections']:,} corrections to {c['articles']:,} articles ({c['matches']:,} matches), "
            f"median of {c['repeats']}:",
            f"    apply {c['apply_ms']:.1f} ms  beside prepare {c['prepare_ms']:.1f} ms (ratio {c['ratio_to_prepare']:.2f});"
            f" re-weighting after it {c['raw_scores_ms']:.1f} ms",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    # ``python -m metrics.ops.bench --floor FOLDER|FILE.csv``: the floor child process.
    if len(sys.argv) == 3 and sys.argv[1] == "--floor":
        floor(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--feed-floor":
        feed_floor(sys.argv[2])
        sys.exit(0)
    sys.exit("usage: python -m metrics.ops.bench --floor FOLDER|FILE.csv (the benchmark is 'python -m metrics bench')")
