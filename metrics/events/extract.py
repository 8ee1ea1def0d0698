"""Extraction: article text -> features (passages, cue matches, tone, relevance).

This is the expensive step and the only one that reads text. Scoring (``metrics.score.scoring``)
multiplies its output by a weight vector and never comes back here.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from metrics import settings
from metrics.events.dyad import gazetteer
from metrics.events.lexicon import Lexicon, default_lexicon
from metrics.events.prefilter import is_word_char, may_match, multi_finder, resolve_overlaps, short_key
from metrics.events.scope import scope_words
from metrics.events.segment import split_passages
from metrics.events.tone import compound
from metrics.model import Article, ArticleFeatures, Features, Match, Passage, normalise

# Bump when a change to segmentation, negation, hedging or matching changes the features that
# extraction produces: stored features carrying an older version are then recomputed.
EXTRACTOR_VERSION = "5"  # 2: actors (source, target) of every cue match; 3: wrapped lines joined, passages capped;
# 4: the world gazetteer, masks relative to each article's actors, attribution rules (docs/method/actors.md);
# 5: conditions, accusations and rejections around a cue, past markers after it, names and titles

# Match strength multipliers. A hedge ("might cut", "could impose") halves a cue. A negated
# cooperative act is a rejection (PETRARCH's NOT rule): it flips sign, fully after an explicit
# refusal ("refused to meet", "failed to agree"), partly after a bare "not". A negated hostile
# act ("did not cut") is cancelled rather than turned into cooperation.
# The numbers here and below are settings (metrics.settings: hedge_factor, negated_cooperation,
# ...); these names hold their current values, rebound by _use_settings whenever the settings
# change, so the loops below read them as plain globals. A changed one is part of the features
# version (settings.features_key): stored features made with other values are recomputed.
HEDGE: float
NEGATED_COOPERATION: float
REFUSED_COOPERATION: float
NEGATED_CONFLICT: float
# The scope word lists are data (data/scope.yaml, metrics.events.scope): read and compiled when
# the first extractor is built (``_load_scope_words``), not when this module is imported.

# A cue inside a temporal or causal background clause ("five years after crowds stormed its
# embassy", "amid rising tensions", "in response to the visit") reports the past or the setting,
# not the event of the sentence, which is coded from the main clause (as PETRARCH does): it keeps
# only this share of its strength.
BACKGROUND: float
BACKGROUND_WORDS: int
_BACKGROUND: re.Pattern[str]

# How far back a negator or hedge may stand: the same clause, at most this many words.
SCOPE_WORDS: int
_CLAUSE_BREAK = re.compile(r"[,;:()]|\s-\s|\b(?:but|and|while|whereas|although|though|after|before|because)\b", re.I)
_NEGATION: re.Pattern[str]
_REFUSAL: re.Pattern[str]
# Completion is not a cut: "ended two days of talks", "concluded his visit", "wrapped up a round".
_COMPLETION = re.compile(
    r"\b(?:end(?:ed|s|ing)?|conclud\w*|wrap\w* up|complet\w*|finish\w*)(?:\s+(?:a|an|the|their|his|her|its|two|three|"
    r"four|five|several|\d+|first|second|latest|final|high-level|\w+-day|days?|rounds?|weeks?|hours?|sessions?|of))*\s*$",
    re.I,
)
# A cooperative act that one side urges, demands or asks for is an appeal or a demand, not the act.
_APPEAL: re.Pattern[str]
_DEMAND: re.Pattern[str]
# "unless it agrees to release ...": a condition before the act makes it a demand too.
_CONDITION_BEFORE: re.Pattern[str]
# "accused Pakistan of ... pretending to cooperate": an alleged act is not done.
_ACCUSATION: re.Pattern[str]
# After the cue, in its clause: "a compromise was out of the question", "the clash two years ago".
_REJECTED_AFTER: re.Pattern[str]
_PAST_AFTER: re.Pattern[str]
# Substrings one of which every match of either list contains: most clauses after a cue hold none.
_AFTER_HINTS = ("question", "table", "starter", "unthinkable", "option", "ruled out", "water", "reject", "refused",
                "dismissed", "turned down", "rebuffed", "spurned", "ago", "earlier", "before", "back in", "0s")
_AFTER_REACH = 80  # characters after a cue read for these
# "warned Washington not to play with fire": the warning is the act; "not to" does not negate it.
_WARN_NOT = re.compile(r"\b(?:warn\w*|caution\w*|told|tell\w*|urg\w*|ask\w*|advis\w*)\b(?:\s+[\w.'-]+){0,4}?\s+not to\b", re.I)
# A condition after the act ("would sign the deal only if ...", "would skip the meeting if ...").
_CONDITION_WORD = r"\b(?:if|unless|provided|on condition|as long as|only when)"
_CONDITION = re.compile(rf"[^.;:]{{0,60}}?{_CONDITION_WORD}\b", re.I)
# Nouns in a list of goods or sectors are not acts: "tariffs on cranes and medical supplies".
_GOODS_TRIGGER = (
    r"(?:\b(?:tariffs?|duties|levies|quotas|controls|curbs|restrictions|bans?|taxes) on|\b(?:imports?|exports?|purchases|sales|shipments) of|"
    r"\bsuch as|\bincluding|\branging from|\bgoods like|\bproducts like)"
)
_GOODS = re.compile(_GOODS_TRIGGER + r"([\w\s,'-]*)$", re.I)  # one class: no backtracking blow-up
# Located by the shared scan (prefilter markers): a goods list or a condition needs one of
# these inside its window, and most cues have none near them.
_GOODS_MARK = re.compile(_GOODS_TRIGGER, re.I)
_CONDITION_MARK = re.compile(_CONDITION_WORD, re.I)
_MARK_SCOPE, _MARK_BACKGROUND, _MARK_SUBCLAUSE, _MARK_GOODS, _MARK_CONDITION, _MARK_SPEECH, _MARK_SPEAKER_BEFORE, _MARK_BY = range(8)
_VERBISH = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|said|says|could|can|may|might|must|\w+ed)\b", re.I)
APPEALED: float  # strength of the appeal a demanded cooperative act is re-coded as
CONDITIONAL: float  # a cooperative act made a condition: a demand, at half strength
_HEDGE: re.Pattern[str]


def _use_settings(values) -> None:
    global HEDGE, NEGATED_COOPERATION, REFUSED_COOPERATION, NEGATED_CONFLICT, BACKGROUND, BACKGROUND_WORDS
    global SCOPE_WORDS, APPEALED, CONDITIONAL
    HEDGE, NEGATED_COOPERATION = values["hedge_factor"], values["negated_cooperation"]
    REFUSED_COOPERATION, NEGATED_CONFLICT = values["refused_cooperation"], values["negated_conflict"]
    BACKGROUND, BACKGROUND_WORDS = values["background_factor"], values["background_words"]
    SCOPE_WORDS, APPEALED, CONDITIONAL = values["scope_words"], values["appeal_strength"], values["conditional_strength"]


settings.subscribe(_use_settings)


def _load_scope_words() -> None:
    global _BACKGROUND, _NEGATION, _REFUSAL, _APPEAL, _DEMAND, _CONDITION_BEFORE, _ACCUSATION, _REJECTED_AFTER
    global _PAST_AFTER, _HEDGE
    if "_HEDGE" in globals():
        return
    words = scope_words()
    _BACKGROUND, _NEGATION, _REFUSAL, _APPEAL, _DEMAND = (
        words.background, words.negation, words.refusal, words.appeal, words.demand)
    _CONDITION_BEFORE, _ACCUSATION, _REJECTED_AFTER, _PAST_AFTER, _HEDGE = (
        words.condition, words.accusation, words.rejected_after, words.background_after, words.hedge)


def _may_hold(window: str, words: tuple[str, ...]) -> bool:
    if not window.isascii():
        return True
    window = window.lower()
    for w in words:  # a loop, not any(): this runs for most cues, and a generator costs twice as much
        if w in window:
            return True
    return False


def _scope(norm: str, lo: int, start: int) -> str:
    window = norm[lo:start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    return " ".join(window.split()[-SCOPE_WORDS:])


_PUNCT_BREAK = re.compile(r"[,;:()]")


def _in_background(norm: str, lo: int, start: int) -> bool:
    window = norm[lo:start]
    breaks = list(_PUNCT_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    tail = " ".join(window.split()[-BACKGROUND_WORDS:])
    return may_match(_BACKGROUND, short_key(tail)) and _BACKGROUND.search(tail) is not None


# Both run only where the shared scan has found their words (_MARK_CONDITION, _MARK_GOODS).
def _conditional(norm: str, e: int, end: int) -> bool:
    return _CONDITION.match(norm, e, end) is not None


def _goods_list(norm: str, lo: int, s: int) -> bool:
    m = _GOODS.search(norm[lo:s])
    return m is not None and not _VERBISH.search(m.group(1)) and len(m.group(1)) < 100


def _after(norm: str, e: int, end: int) -> str | None:
    """The rest of the cue's clause after it (to a clause break or a sentence end) when it may
    hold a rejection or a past marker; else None (most cues: one search of a short window)."""
    w = norm[e:min(end, e + _AFTER_REACH)]
    if not _may_hold(w, _AFTER_HINTS):
        return None
    m = _CLAUSE_BREAK.search(w)
    if m:
        w = w[:m.start()]
    i = w.find(". ")
    return w if i < 0 else w[:i]


_CONNECTORS = frozenset(("of", "for", "the", "and", "on", "to", "&"))
_SENTENCE_OPENERS = frozenset('.!?:;"\'([{\u2014\u2013-*\u2022')


def _title_case(text: str) -> bool:
    """A headline or heading in title case ("China Condemns US Arms Sales"): every longer word
    capitalised."""
    words = [w for w in text.split() if len(w) >= 4 and w[0].isalpha()]
    return len(words) >= 3 and all(w[0].isupper() for w in words)


def _in_name(text: str, p_start: int, s: int, e: int) -> bool:
    """Whether the capitalised cue at ``text[s:e]`` is part of a name or a title ("Amnesty",
    "the Emergency Relief Coordinator", "a Withhold Release Order", "the Shanghai Cooperation
    Organisation"): in running text a cue capitalised inside a sentence, or opening one before
    another capitalised word, names something rather than reports an act."""
    k = s - 1
    while k >= p_start and text[k].isspace():
        k -= 1
    if k >= p_start and text[k] not in _SENTENCE_OPENERS:
        return True  # mid-sentence
    last = text[s:e].split()[-1]
    if last.islower() and last not in _CONNECTORS:
        return False  # "Talks between Armenia ...": a name's words are capitalised, so what follows is the cue's object
    rest = text[e:e + 40].split()
    if rest and rest[0].lower() in _CONNECTORS:
        rest = rest[1:]
    return bool(rest) and rest[0][:1].isupper() and rest[0][:1].isalpha()


def _strength(sign: float, scope: str) -> tuple[float, bool, bool, str]:
    """Strength of a cue from the words before it in its clause, and its scope: "" (the act
    itself), "appeal", "demand" or "condition" (a cooperative act urged, demanded, alleged or
    made a condition: re-coded by the caller)."""
    # may_match: a cheap test that skips the search when the scope cannot match (prefilter.py)
    keyed = short_key(scope)
    hedged = may_match(_HEDGE, keyed) and _HEDGE.search(scope) is not None
    refusal = _REFUSAL.search(scope) if may_match(_REFUSAL, keyed) else None
    if refusal is not None and _COMPLETION.search(scope) and not _REFUSAL.search(scope[: refusal.start()]):
        refusal = None  # "ended two days of talks": the talks were held
    refused = refusal is not None
    negated = refused or (may_match(_NEGATION, keyed) and _NEGATION.search(scope) is not None)
    if negated and not refused and _WARN_NOT.search(scope):
        negated = False  # "warned Washington not to ...": the warning stands
    kind = ""
    if sign < 0 and not negated:
        if may_match(_DEMAND, keyed) and _DEMAND.search(scope):
            kind = "demand"
        elif may_match(_CONDITION_BEFORE, keyed) and _CONDITION_BEFORE.search(scope):
            kind = "condition"
        elif may_match(_ACCUSATION, keyed) and _ACCUSATION.search(scope):
            kind = "demand"  # alleged, not done: the accusation cue carries the event
        elif may_match(_APPEAL, keyed) and _APPEAL.search(scope):
            kind = "appeal"
    if negated:
        if sign > 0:
            s = NEGATED_CONFLICT
        else:
            s = REFUSED_COOPERATION if refused else NEGATED_COOPERATION
    else:
        s = 1.0
    if hedged and not kind:
        s *= HEDGE
    return s, negated, hedged, kind

# --- actors: who did what to whom -----------------------------------------------------------
# Without a parser, position does most of the work (docs/method/events.md): the actor nearest before
# the cue is its source, the first actor after it in the same clause its target; an agent after
# "by" is the source of a passive ("was accused by China"); actors joined by "and" act together;
# an actor that is the speaker ("..., Beijing said") is the source only when none stands before.
_COORD = re.compile(
    r"\s*(?:,\s*)?(?:and|&|as well as|along with|together with|plus|or)\s+"
    r"(?:(?:its|their|his|her|the|other|key|close|major|western|regional|some|several)\s+)*|\s*[-/\u2013]\s*",
    re.I,
)
# "by" after a noun phrase the cue opens ("condemned an attack by Osgiliath") names that noun's
# agent, not the cue's: the words before "by" may not start with a determiner.
_PASSIVE_AGENT = re.compile(
    r"(?!\s+(?:an?|the|its|their|his|her|this|that|these|those|any|some|every)\s)(?:\s+[\w'-]+){0,2}?\s+by\s+(?:the\s+|its\s+)?",
    re.I,
)
_LATE_PASSIVE = re.compile(
    r"\b(?:was|were|is|are|been|being|be|get|got)\s+(?:[\w-]+\s+){0,2}?[\w-]+(?:ed|en|wn|t)\s+(?:[\w'-]+\s+){0,4}?"
    r"by\s+(?:the\s+|its\s+)?$",
    re.I,
)
_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?$", re.I)
_OF_BY = re.compile(r" of\s+(?:[\w'-]+\s+){1,6}?by\s+(?:the\s+|its\s+)?", re.I)
# A passive with no agent: the subject is the target ("was freed", "were expelled").
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|is|are|been|being|be|get|gets|got)\s+(?:\w+ly\s+)?$", re.I)
_PARTICIPLE = re.compile(r"\w+(?:ed|en|wn)\b|(?:hit|shot|struck|held|cut|beaten|seized|caught|bought|sold|set)\b", re.I)
# A clause gap ends a cue's reach for its target; _target_gap finds the same as this regex faster
# and reads its comma clause and its verbs from here.
_GAP_COMMA = re.compile(r",\s*(?:which|who|whose|but|while|as|after|before|when|a step|an? )", re.I)
_GAP_VERBS = ("said", "says", "told")
_TARGET_GAP = re.compile(rf"[;:]|\.\s|{_GAP_COMMA.pattern}|\b(?:{'|'.join(_GAP_VERBS)})\b", re.I)
_SPEECH_VERBS = ("said", "says", "told", "added", "noted", "stated", "announced", "claimed", "warned", "insisted")
_SPEAKER_AFTER = re.compile(rf"[\w'\s.-]{{0,30}}?\b(?:{'|'.join(_SPEECH_VERBS)})\b", re.I)
_SPEAKER_BEFORE = re.compile(r"\b(?:according to|said|says)\s+(?:the\s+)?$", re.I)
# What the shared scan locates for attribution (prefilter markers): the words its speaker and
# passive-agent regexes need, so that most cues skip even the substring tests below.
_SPEECH_MARK = re.compile("|".join(_SPEECH_VERBS), re.I)
_SPEAKER_BEFORE_MARK = re.compile(r"according|said|says", re.I)
_BY_MARK = re.compile(r"by", re.I)
TARGET_REACH = 90  # characters after a cue within which its target may stand
# A subordinate clause opener: a cue after it has its own subject inside the clause ("five years
# after crowds stormed its embassy"), never the main clause's.
_SUBCLAUSE = re.compile(
    r"\b(?:after|since|before|when|whenever|while|because|although|though|whereas|unless|until|once)\b|,\s*(?:which|who|whose)\b",
    re.I,
)


# Substring tests before the regexes: each is true wherever its regex can match (an ASCII
# window, lower-cased; a non-ASCII one goes to the regex, whose case-folding is wider), and most
# windows hold none of the words (attribution runs for every cue).
_ASCII_SPACE = frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")  # what \s matches below 128


def _target_gap(norm: str, e: int, stop: int) -> int:
    """Where ``_TARGET_GAP`` first matches in ``norm[e:stop]``, else ``stop``: the same answer
    from a few substring searches, since the regex (no literal to start from) tries every
    position and ran for most cues."""
    w = norm[e:stop]
    if not w.isascii():
        m = _TARGET_GAP.search(norm, e, stop)
        return m.start() if m else stop
    best = len(w)
    for ch in ";:":
        i = w.find(ch, 0, best)
        if i >= 0:
            best = i
    i = w.find(".", 0, best)
    while i >= 0:
        if i + 1 < len(w) and w[i + 1] in _ASCII_SPACE:
            best = i
            break
        i = w.find(".", i + 1, best)
    i = w.find(",", 0, best)
    while i >= 0:
        if _GAP_COMMA.match(norm, e + i, stop):
            best = i
            break
        i = w.find(",", i + 1, best)
    low = w.lower()
    for word in _GAP_VERBS:
        i = low.find(word, 0, best)
        while i >= 0:
            a, b = e + i, e + i + 4
            if (a == 0 or not is_word_char(norm[a - 1])) and (b == stop or not is_word_char(norm[b])):
                best = i
                break
            i = low.find(word, i + 1, best)
    return e + best


def _has_by(norm: str, lo: int, hi: int) -> bool:
    return _may_hold(norm[lo:hi], ("by",))


def _speaker_after(norm: str, pos: int) -> bool:
    # 30 characters of gap, then the verb
    return _may_hold(norm[pos:pos + 45], _SPEECH_VERBS) and _SPEAKER_AFTER.match(norm, pos) is not None


def _speaker_before(norm: str, lo: int, hi: int) -> bool:
    return _may_hold(norm[lo:hi], ("said", "says", "according")) and _SPEAKER_BEFORE.search(norm, lo, hi) is not None


def _group(spans: list, i: int, norm: str, step: int, group_bit) -> tuple[int, int]:
    """The mask of the actor at ``spans[i]`` and of those coordinated with it ("the US and its
    allies", "US-China"), walking in direction ``step``; returns (mask, index of the last one)."""
    mask = group_bit(spans[i][2])
    j = i
    while 0 <= j + step < len(spans):
        a, b = (spans[j + step], spans[j]) if step < 0 else (spans[j], spans[j + step])
        if not _COORD.fullmatch(norm, a[1], b[0]):
            break
        j += step
        mask |= group_bit(spans[j][2])
    return mask, j


def attribute(
    norm: str, spans: list, s: int, e: int, clause_end: int, group_bit, ctx: tuple, floor: int | None, scan,
    p_start: int = 0,
) -> tuple[int, int]:
    """Source and target masks of the cue at ``norm[s:e]``; ``spans`` are the actor mentions
    (start, end, group) of its passage in order (at least one), ``clause_end`` where its passage
    ends (``p_start`` where it starts), ``ctx`` the passage's ``actor_context``, ``floor`` the
    cue's ``subclause_floor`` and ``scan`` the shared scan of ``norm`` (``MultiFinder.scan``), whose markers skip the speaker
    and agent tests where their words are absent."""
    within = scan.occurs_within
    before = bisect.bisect_right(ctx[0], s)  # spans[:before] end before the cue
    after = before
    while after < len(spans) and spans[after][0] < e:
        after += 1  # mentions inside the cue ("sanctions on Chinese firms") are targets below
    inside = spans[before:after]
    src = tgt = 0
    stop = min(clause_end, e + TARGET_REACH)
    # The clause gap and the passive agent matter only for an actor after the cue within reach.
    agent = None
    if after < len(spans) and spans[after][0] < stop:
        stop = _target_gap(norm, e, stop)
        # A passive agent: "was accused by China", "imposed by Washington on Beijing".
        nxt = spans[after][0]
        if nxt < stop and within(_MARK_BY, e, nxt) and _has_by(norm, e, nxt) and _PASSIVE_AGENT.fullmatch(norm, e, nxt):
            agent = after
        elif within(_MARK_BY, e, stop) and norm.startswith(" of ", e):
            # A nominal cue's agent after its object: "the seizure of a South Korean boat by
            # Chinese coast guards", "the detention of its citizens by Belarus".
            for k in range(after, min(len(spans), after + 3)):
                if spans[k][0] >= stop:
                    break
                if _OF_BY.fullmatch(norm, e, spans[k][0]):
                    src = _group(spans, k, norm, 1, group_bit)[0]
                    if after < k:
                        tgt = _group(spans, after, norm, 1, group_bit)[0] & ~src
                    elif before:
                        tgt = _group(spans, before - 1, norm, -1, group_bit)[0] & ~src
                    return src, tgt
    if agent is not None:
        src, last = _group(spans, agent, norm, 1, group_bit)
        if last + 1 < len(spans) and spans[last + 1][0] < stop:
            tgt, _ = _group(spans, last + 1, norm, 1, group_bit)
        elif before:
            tgt, _ = _group(spans, before - 1, norm, -1, group_bit)
        return src, tgt
    late = None
    flipped = False
    if after < len(spans) and within(_MARK_BY, e, stop):
        # A passive whose agent stands later in the clause: "new tariffs on Canadian steel were
        # announced by Washington", "an agreement was signed by Kyiv and Ankara".
        for k in range(after, len(spans)):
            if spans[k][0] >= stop:
                break
            if _LATE_PASSIVE.search(norm, e, spans[k][0]):
                late = k
                break
    if late is not None:
        src, _ = _group(spans, late, norm, 1, group_bit)
        if after < late:
            tgt = _group(spans, after, norm, 1, group_bit)[0] & ~src
        elif before:
            tgt = _subject(norm, spans, ctx, before, floor, group_bit, s)[0] & ~src
    elif before:
        src, tgt = _subject(norm, spans, ctx, before, floor, group_bit, s)
        if src and not tgt and _PASSIVE_BEFORE.search(norm, max(0, s - 30), s) and _PARTICIPLE.match(norm, s):
            src, tgt, flipped = 0, src, True  # "two Iranian diplomats were expelled": the subject is acted on
    if late is None and not tgt and after < len(spans) and spans[after][0] < stop:
        mask, last = _group(spans, after, norm, 1, group_bit)
        pos, nxt = spans[last][1], spans[after][0]
        # An actor after a preposition ("an embargo against Mordor would not work, he warned")
        # is an object, never the speaker.
        lead = norm[max(e, nxt - 12):nxt].split()
        governed = bool(lead) and lead[-1].lower() in _PREPOSITIONS
        if not governed and ((within(_MARK_SPEECH, pos, pos + 45) and _speaker_after(norm, pos)) or (
            within(_MARK_SPEAKER_BEFORE, max(e, nxt - 20), nxt) and _speaker_before(norm, max(e, nxt - 20), nxt)
        )):
            if not src:
                src = mask
        elif _BETWEEN.search(norm, max(s, nxt - 12), nxt):
            src = mask  # "talks between Arnor and Gondor": the two act together
        else:
            tgt = mask
    for sp in inside:
        if sp[0] <= s and sp[1] >= e:
            # The cue is an actor's own name ("allies", "partners"): it speaks of ties with them.
            tgt |= group_bit(sp[2])
        elif not tgt:
            tgt = group_bit(sp[2])
    if not src and (before == 0 or flipped) and after < len(spans):
        # Reported speech after the clause: "Talks were constructive, the Chinese side said."
        for k in range(after, len(spans)):
            if spans[k][0] >= clause_end:
                break
            pos = spans[k][1]
            if within(_MARK_SPEECH, pos, pos + 45) and _speaker_after(norm, pos):
                src, _ = _group(spans, k, norm, -1, group_bit)
                if tgt == src:
                    tgt = 0
                break
    if not src and before == 0 and after < len(spans) and _FRONTED.match(norm, p_start):
        # A fronted gerund phrase has the main clause's subject: "By imposing tariffs on Mexican
        # steel, the United States has again punished its neighbour."
        comma = norm.find(",", e, clause_end)
        if comma > 0 and norm.find(",", p_start, s) < 0:
            for k in range(after, len(spans)):
                if spans[k][0] > comma:
                    if spans[k][0] - comma < 40 and not _mention_flags(norm, spans[k][0]) & 3:
                        src = _group(spans, k, norm, 1, group_bit)[0]
                        tgt &= ~src
                    break
    if tgt and not tgt & ~src:
        tgt = 0  # "Russian police arrested students in Moscow": no other side
    return src, tgt


_FRONTED = re.compile(
    r"\s*(?:(?:by|after|before|in|on|while|since|when|despite|through)\s+)?(?:\w+ing|having\s+\w+)\b(?<!\bking)(?<!\bthing)", re.I
)


# The sentence's event, for the source decision: a cue that is the object or complement of a cue
# verb before it in the same clause ("condemned an attack by Osgiliath", "welcomed a resumption
# of ties between", "was accused by Armenia of opening fire") is what the event is about, and a
# cue in a background clause ("after crowds stormed its embassy") is the setting; event coders
# code the governing verb of the main clause.
_GOVERN_STOP = frozenset(
    "that which who whose whom after before since because while when whereas although though but and or as if"
    " said says told".split()
)
_IRREGULAR_PAST = frozenset(
    "met held struck sought told threw took gave broke sent hit cut won led fought made shot beat".split()
)


def governed(norm: str, outer: tuple[int, int], inner_start: int) -> bool:
    """Whether the cue starting at ``inner_start`` is the object or complement of the cue verb
    at ``norm[outer[0]:outer[1]]`` (a past form: "condemned", "accused by X of", "met")."""
    s, e = outer
    if e > inner_start or inner_start - e > 60:
        return False
    last = norm[s:e].split()[-1:]
    if not last:
        return False
    verb = last[0].lower()
    gap = norm[e:inner_start]
    if any(ch in gap for ch in ',;:.()"'):
        return False
    words = [w.lower() for w in gap.split()]
    if not (verb.endswith("ed") or verb in _IRREGULAR_PAST):
        # a headline's present ("Philippines protests Chinese water cannon attack"); a plural
        # noun followed by a preposition is no verb ("protests against the attack")
        if not verb.endswith("s") or (words and words[0] in _PREPOSITIONS):
            return False
    return len(words) <= 6 and not any(w in _GOVERN_STOP for w in words)


def main_event(norm: str, cues: list[tuple[int, int]], weight: list[float], lo: int = 0) -> int | None:
    """Index of the sentence's event among ``cues`` (start, end) of one sentence ``norm``: the
    heaviest (``weight``, absolute) that no other cue governs and, when some cue is in the main
    clause, not one in a background clause; ``lo`` is where the sentence starts."""
    live = [i for i, w in enumerate(weight) if w]
    if not live:
        return None
    free = [i for i in live if not any(j != i and governed(norm, cues[j], cues[i][0]) for j in live)] or live
    main = [i for i in free if not _in_background(norm, max(lo, cues[i][0] - 120), cues[i][0])] or free
    return max(main, key=lambda i: abs(weight[i]))


# An actor right after a preposition is an object ("relations with Gondor", "visit to Beijing");
# one right after a verb in the past or third person ("urged Beijing", "told Washington",
# "accuses China") is the verb's object when another actor stands before it as the subject.
_DETERMINERS = frozenset(
    "the its their his her a an new former fellow more several some other two three four five top senior key dozens of"
    # a region of a country: "in southern Lebanon", "in south Ithilen" is still a preposition's object
    " north south east west northern southern eastern western central northeastern northwestern southeastern"
    " southwestern".split()
)
_PREPOSITIONS = frozenset(
    "with to on onto against toward towards for of in into from at about over between among upon than by".split()
)
_OBJECT_VERBS = frozenset(
    "told urges warns asks tells accuses blames criticizes criticises invites presses met meets thanks condemns "
    "sanctions threatens hit struck beat "
    # wish and speaker verbs: "wants Berlin to send", "expects Washington to stop"
    "wants want expects expect pushes push pressing urging asking telling persuade persuades convince convinces "
    "allow allows let lets help helps".split()
)


def _mention_flags(norm: str, start: int) -> int:
    """Whether the words before a mention make it a speaker (1: "said Beijing", "according to
    China"), a preposition's object (2: "relations with Gondor") or a verb's object (4: "urged
    Beijing", "added 12 Chinese firms"); read from the last few words, not by regex search."""
    words = norm[max(0, start - 40):start].lower().split()
    if start - 40 > 0 and words:
        words = words[1:]  # the first may be cut
    f = 0
    if words and (words[-2:] == ["according", "to"] or words[-3:-1] == ["according", "to"] and words[-1] == "the"):
        f |= 1
    elif words and (words[-1] in ("said", "says") or (words[-1] == "the" and words[-2:-1] in (["said"], ["says"]))):
        # "..., said Beijing" names the speaker; "Manila said Chinese vessels rammed ..." opens
        # reported speech whose subject is the mention.
        at = norm.rfind(words[-1] if words[-1] != "the" else words[-2], max(0, start - 40), start)
        head = norm[max(0, at - 3):at].rstrip()
        if not head or head[-1] in ",\"'\u201d\u2019":
            f |= 1
    k = len(words)
    while k and (words[k - 1] in _DETERMINERS or words[k - 1].isdigit()):
        k -= 1
    if k:
        last = words[k - 1]
        if last in _PREPOSITIONS:
            f |= 2
        elif (last.endswith("ed") and len(last) > 3) or last in _OBJECT_VERBS or words[k - 2:k] in (["calls", "on"], ["called", "on"]):
            f |= 4
    return f


def actor_context(norm: str, spans: list) -> tuple[list[int], list[int]]:
    """What attribution needs of a passage, computed once however many cues it has: each
    mention's end and its ``_mention_flags``, the latter filled in when first read (-1 until
    then: a cue's subject search reads only the few mentions nearest before it)."""
    return [sp[1] for sp in spans], [-1] * len(spans)


def subclause_floor(norm: str, lo: int, s: int) -> int | None:
    """Where the subordinate clause holding the cue at ``s`` opens ("five years after crowds
    stormed its embassy"), if one opens within ``lo``..``s``."""
    floor = None
    for m in _SUBCLAUSE.finditer(norm, lo, s):
        if 0 <= norm.find(",", m.end(), s) - m.end() < 100:
            continue  # "After Ethiopia refused, Egypt threatened ...": the cue is back in the main clause
        floor = m.end()
    return floor


def _parentheticals(norm: str, lo: int, s: int) -> list[tuple[int, int]]:
    """The insertions closed by a comma before ``s``: ", which borders Belarus,", ", a longtime
    ally of France,"; an actor inside one is not the subject of what follows."""
    if norm.count(",", lo, s) < 2:
        return []
    out = []
    for m in _INSERTION.finditer(norm, lo, s):
        close = norm.find(",", m.end(), s)
        if 0 <= close - m.end() < 100:
            out.append((m.start(), close))
    return out


_INSERTION = re.compile(
    r",\s*(?:which|who|whose|a|an|the|one of|itself|long|once|now|home to|its|their|speaking|citing|backed by|led by)\b",
    re.I,
)
_POSSESSIVE = ("'s", "\u2019s")


def _subject(
    norm: str, spans: list, ctx: tuple, before: int, floor: int | None, group_bit, s: int | None = None
) -> tuple[int, int]:
    """The source before a cue and, when an actor between them is the object of a verb ("China
    warned Washington not to ..."), that object as a target: the nearest actor that is neither a
    preposition's nor a verb's object, after ``floor`` when the cue sits in a subordinate clause,
    and not inside an insertion (", which borders Belarus,"). A possessive right before the cue
    is its agent ("China's decision to lift tariffs")."""
    flags = ctx[1]
    nearest = obj = None
    inserted = _parentheticals(norm, spans[0][0], s) if s is not None else []
    for k in range(before - 1, -1, -1):
        if floor is not None and spans[k][0] < floor:
            break
        f = flags[k]
        if f < 0:
            f = flags[k] = _mention_flags(norm, spans[k][0])
        if f & 1:
            continue
        if inserted and any(a < spans[k][0] < b for a, b in inserted):
            continue
        end = spans[k][1]
        if (nearest is None and s is not None and norm.startswith(_POSSESSIVE, end) and s - end < 40
                and not _VERBISH.search(norm, end + 2, s)):
            return _group(spans, k, norm, -1, group_bit)[0], 0
        if nearest is None:
            nearest = k
        if f & 2:
            continue
        if f & 4 and k > 0:
            obj = k if obj is None else obj
            continue
        mask = _group(spans, k, norm, -1, group_bit)[0]
        return mask, (_group(spans, obj, norm, 1, group_bit)[0] if obj is not None else 0)
    if floor is not None and obj is None:
        return 0, 0  # the subordinate clause names no actor before the cue
    k = obj if obj is not None else nearest
    return (_group(spans, k, norm, -1, group_bit)[0] if k is not None else 0), 0


class Extractor:
    """Turns articles into features with one lexicon; the pair of countries is chosen later."""

    def __init__(self, lexicon: Lexicon | None = None):
        _load_scope_words()
        self.lexicon = lexicon or default_lexicon()
        self._signs = self.lexicon.signs
        self._gazetteer = gazetteer()
        # One shared scan finds where any cue or country may start (prefilter.py); the
        # results are exactly each regex's finditer.
        self._finder = multi_finder(
            (*self.lexicon.regexes, *self._gazetteer.patterns),
            (
                (_NEGATION, _REFUSAL, _HEDGE, _APPEAL, _DEMAND, _CONDITION_BEFORE, _ACCUSATION),
                (_BACKGROUND,), (_SUBCLAUSE,), (_GOODS_MARK,),
                (_CONDITION_MARK,), (_SPEECH_MARK,), (_SPEAKER_BEFORE_MARK,), (_BY_MARK,),
            ),
        )
        self._unscoped = [_strength(sign, "") for sign in self._signs]  # no negator or hedge in scope
        index = self.lexicon.index()
        self._appeal, self._demand = index.get("appeal"), index.get("demand")

    def extract(self, article: Article) -> ArticleFeatures:
        text = article.text
        norm = normalise(text)
        passages = split_passages(text, norm)
        starts = [p.start for p in passages]
        scan = self._finder.scan(norm)
        n_cues = len(self.lexicon.regexes)
        cue_matches = scan.matches[:n_cues]
        places = self._gazetteer.find(norm, scan.matches[n_cues:])
        actors, bits = self._gazetteer.slots(places)
        mentions = self._gazetteer.mentions(starts, places, bits)
        by_passage: list[list] = [[] for _ in passages]
        for sp in places:
            pi = bisect.bisect_right(starts, sp[0]) - 1
            if pi >= 0:
                by_passage[pi].append(sp)
        group_bit = bits.__getitem__
        contexts: dict[int, tuple] = {}
        titles: dict[int, bool] = {}
        found = [(s, e, cue) for cue, spans in enumerate(cue_matches) for s, e, _ in spans]
        matches = []
        # Overlapping finds keep the longest ("declined to meet" beats "meet").
        for s, e, cue in resolve_overlaps(found):
            pi = bisect.bisect_right(starts, s) - 1
            if pi < 0 or e > passages[pi].end:
                continue  # spans a passage boundary: not one statement
            lo = max(passages[pi].start, s - 120)
            # Most cues have no negator, hedge or background word anywhere before them in the
            # window: the scan's hits say so, and the clause analysis is skipped (prefilter.py).
            sign = self._signs[cue]
            if scan.may_occur(_MARK_SCOPE, lo, s, SCOPE_WORDS):
                strength, negated, hedged, kind = _strength(sign, _scope(norm, lo, s))
            else:
                strength, negated, hedged, kind = self._unscoped[cue]
            after = _after(norm, e, passages[pi].end)
            if after is not None and _REJECTED_AFTER.search(after):
                # "a compromise was out of the question": as if refused before it
                if sign > 0:
                    strength = NEGATED_CONFLICT
                else:
                    strength, negated, kind = REFUSED_COOPERATION, True, ""
            if sign < 0 and not negated:
                if kind == "condition" and self._demand is not None:
                    cue, strength = self._demand, CONDITIONAL
                elif kind == "demand":
                    strength = 0.0  # the demand cue itself ("demanded", "must") carries the event
                elif kind == "appeal" and self._appeal is not None and cue != self._appeal:
                    cue, strength = self._appeal, APPEALED
                elif (
                    self._demand is not None
                    and scan.occurs_within(_MARK_CONDITION, e, min(passages[pi].end, e + 80))
                    and _conditional(norm, e, passages[pi].end)
                ):
                    cue, strength = self._demand, CONDITIONAL
            if scan.occurs_within(_MARK_GOODS, lo, s) and _goods_list(norm, lo, s):
                strength = 0.0
            if (scan.may_occur(_MARK_BACKGROUND, lo, s, BACKGROUND_WORDS) and _in_background(norm, lo, s)) or (
                after is not None and _PAST_AFTER.search(after) is not None
            ):
                strength *= BACKGROUND
            if strength and text[s].isupper() and _in_name(text, passages[pi].start, s, e):
                title = titles.get(pi)
                if title is None:
                    title = titles[pi] = _title_case(passages[pi].text)
                if not title:
                    strength = 0.0  # a name or a title, not an act
            spans = by_passage[pi]
            if spans:
                ctx = contexts.get(pi)
                if ctx is None:
                    ctx = contexts[pi] = actor_context(norm, spans)
                sub_lo = max(passages[pi].start, s - 200)
                floor = subclause_floor(norm, sub_lo, s) if scan.may_occur(_MARK_SUBCLAUSE, sub_lo, s, 40) else None
                src, tgt = attribute(norm, spans, s, e, passages[pi].end, group_bit, ctx, floor, scan, passages[pi].start)
            else:
                src = tgt = 0
            matches.append(Match(pi, cue, s, e, text[s:e], strength, negated, hedged, src, tgt))
        rows = [Passage(p.start, p.end, p.text, -compound(p.text), m) for p, m in zip(passages, mentions)]
        return ArticleFeatures(article, rows, matches, actors)

    def extract_many(self, articles: Iterable[Article]) -> Features:
        items = [self.extract(a) for a in articles]
        self._finder.flush()  # what this batch compiled, for the next process (metrics.events.diskcache)
        return Features.build(items, self.lexicon.version)


