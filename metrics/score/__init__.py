"""Scoring: weights times stored features, never a re-read of the text.

``scoring`` turns features and a weight vector into contributions and article tension,
``timeline`` aggregates articles into periods with an interval, ``level`` builds the slower level
index, ``sides`` splits tension by who acted, and ``validation`` measures the scorer against
labelled sentences and calibrates weights.
"""
