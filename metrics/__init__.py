"""Relations-tension index: cue-based, explainable tension scores for pairs of countries."""

__version__ = "0.1.0"
