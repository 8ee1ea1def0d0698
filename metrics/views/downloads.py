"""What the dashboard offers as downloads: CSVs with cells a spreadsheet would run as formulas
neutralised, the scores with cue labels beside their ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.events.lexicon import WeightsLike
from metrics.output import to_csv_text
from metrics.score.scoring import Prepared, score_table
from metrics.views.labels import with_labels


def to_csv(frame: pd.DataFrame) -> bytes:
    """A CSV download, with cells a spreadsheet would run as formulas neutralised."""
    return to_csv_text(frame).encode("utf-8")


def scores_csv(prep: Prepared, weights: WeightsLike, rows: np.ndarray) -> bytes:
    """The score table (``metrics.score.scoring.score_table``) of the articles at ``rows`` (a mask), with labels."""
    return to_csv(with_labels(score_table(prep, weights)[rows], prep.lexicon))
