"""VADER, wrapped once: one analyzer per process, scored one sentence at a time.

VADER saturates on long text (a whole article scores about -0.99 or +0.99), so it never sees
more than one passage.

Most news sentences need none of VADER's rules but negation: each word it knows counts its
lexicon value, flipped by a "not" before it, and the compound is the normalised sum.
``compound`` computes exactly that when it is certain nothing else applies (``_plain_sum``),
and runs VADER itself otherwise. Tests compare both on the
sample corpus and on generated text full of the words VADER's rules look for.
"""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
    normalize,
)

_vader_word = SentiText._strip_punc_if_word
# VADER's word for a token, lower-cased, remembered: news repeats its tokens, and stripping
# punctuation one token at a time was a third of the tone step. Cleared when full, so memory
# stays bounded on any corpus.
_WORDS: dict[str, str] = {}
_WORDS_MAX = 200_000
BEFORE, AFTER = 3, 2  # words VADER reads around a word it knows (negation, boosters, idioms)
_COMMON = frozenset({"the", "to", "of", "a", "for"})


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicon files is slow; construct it once per process.
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[str, float], frozenset[str]]:
    a = analyzer()
    return a.lexicon, frozenset(a.emojis)


def _one_word_of(phrase: str) -> str:
    # A phrase applies only when all its words are there, so one of them is enough to watch
    # for; not "the" or "of", which are everywhere.
    return next((w for w in phrase.split() if w not in _COMMON), phrase.split()[0])


# Words VADER's rules name one by one; a negation among them ("no", "never", "without") has
# rules of its own beyond the plain flip.
_RULE_WORDS = frozenset({"no", "so", "this", "never", "without", "least", "kind"})


@lru_cache(maxsize=1)
def modifiers() -> frozenset[str]:
    """Every word that can make VADER's valence of a nearby lexicon word differ from its
    lexicon value other than by a plain negation (``negations``), read off VADER's own tables:
    boosters and dampeners, one word of each idiom and multi-word booster, and the words its
    rules name ("no", "so", "this", "never", "without", "least", "kind")."""
    words = set(_RULE_WORDS)
    for table in (BOOSTER_DICT, SPECIAL_CASES):
        words.update(_one_word_of(k) for k in table)
    return frozenset(words)


@lru_cache(maxsize=1)
def negations() -> frozenset[str]:
    """VADER's negations that do nothing but flip (times ``N_SCALAR``) each lexicon word up to
    three words after them; a word with "n't" does the same (``vaderSentiment.negated``)."""
    return frozenset(NEGATE) - modifiers()


def _vader(text: str) -> float:
    return float(analyzer().polarity_scores(text)["compound"])


def compound(sentence: str) -> float:
    """VADER compound score of one sentence, in [-1, 1]; positive is warm."""
    lexicon, emojis = _vocabulary()
    if not sentence.isascii() and not emojis.isdisjoint(sentence):
        return _vader(sentence)  # VADER rewrites emoji into words first
    tokens = sentence.split()
    # VADER's own word for each token (punctuation stripped unless <= 2 characters remain), so
    # the lookups below see exactly what VADER's do.
    get = _WORDS.get
    words = [get(token) or _word(token) for token in tokens]
    known = [i for i, w in enumerate(words) if w in lexicon]
    if not known:
        return 0.0  # every valence is 0, so is the compound
    total = _plain_sum(sentence, tokens, words, known, lexicon)
    if total is None:
        return _vader(sentence)
    return round(normalize(total), 4)


def _word(token: str) -> str:
    if len(_WORDS) >= _WORDS_MAX:
        _WORDS.clear()
    w = _WORDS[token] = _vader_word(token).lower()
    return w  # never "": a token is never empty, and a stripped one of <= 2 characters is kept whole


def _plain_sum(sentence: str, tokens: list[str], words: list[str], known: list[int], lexicon: dict[str, float]) -> float | None:
    """VADER's sum of valences when it is certainly the sum of the lexicon values, each flipped
    by the plain negations before it; None when another rule may apply.

    VADER gives each word a valence: 0 unless the word is in its lexicon, else the lexicon
    value changed by rules that read the three words before it and the two after it
    (negations, boosters, "no", "least", idioms, "kind of", a word in capitals). Three things
    read the whole sentence: "but" (rescales valences by their side of it), "!" and "?" (add
    emphasis), and capitals (a word in capitals counts more when others are not). So the sum
    is plain when there is no "but", "!" or "?", and every lexicon word is not in capitals and
    has no modifier (``modifiers``) within its reach, itself included. A negation
    (``negations``, or a word with "n't") one, two or three words before a lexicon word, and
    not itself in the lexicon, multiplies its valence by ``N_SCALAR``, once for each; after
    it, a negation changes nothing.
    """
    if "!" in sentence or "?" in sentence or "but" in words:
        return None
    mods, either = modifiers(), _special()
    if either.isdisjoint(words) and "n't" not in sentence.lower():
        # No modifier and no negation anywhere (most sentences): one set test instead of a
        # look around every lexicon word.
        for i in known:
            if tokens[i].isupper():
                return None
        return sum(lexicon[words[i]] for i in known)
    n = len(words)
    total = 0.0
    for i in known:
        if tokens[i].isupper():
            return None
        valence = lexicon[words[i]]
        for j in range(max(0, i - BEFORE), min(n, i + AFTER + 1)):
            w = words[j]
            if w in either or "n't" in w:  # most words are neither
                if w in mods:
                    return None
                if j < i and w not in lexicon:
                    valence *= N_SCALAR
        total += valence
    return total


@lru_cache(maxsize=1)
def _special() -> frozenset[str]:
    return modifiers() | negations()
