"""Events: from an article's text to who did what to whom, with what strength.

``segment`` splits text into passages, ``tone`` scores each with VADER, ``lexicon`` loads the cue
families, ``scope`` the words that change a cue's meaning (negation, demand, condition), ``dyad``
the gazetteer of countries and the chosen pair, ``prefilter`` (with its start-up cache
``diskcache``) finds where any cue or country may start, and ``extract`` puts them together into
the per-article features that scoring reads. This is the expensive step, run once per article.
"""
