"""The tables ``export`` writes besides the scores: one row per passage, and the
``duplicate_of`` column that ties a syndicated copy to the first stored copy of its story."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from metrics.score.scoring import contributions
from metrics.store.core import Store


def with_duplicate_of(store: Store, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the ``duplicate_of`` column: the first stored copy of a syndicated story."""
    dup = store.articles().set_index("id")["duplicate_of"]
    return table.assign(duplicate_of=[None if pd.isna(d) else d for d in table["id"].map(dup)])


def passage_table(prep, weights) -> pd.DataFrame:
    """One row per passage: its article, offsets, relevance, tone and cue contributions, the
    cues found (``id "matched" contribution; ...``) and its text."""
    f = prep.features
    pas, mat = f.passages, f.matches
    m_contrib, t_contrib = contributions(prep, weights)
    m_pass = mat["passage"].to_numpy(np.int64)
    cue_total = np.bincount(m_pass, weights=m_contrib, minlength=len(pas))
    ids = np.array(prep.lexicon.ids, dtype=object)
    labels = [
        f'{ids[c]} "{m}" {v:+.3f}' for c, m, v in zip(mat["cue"].to_numpy(), mat["matched"].astype(str), m_contrib)
    ]
    cues = [""] * len(pas)
    for p, label in zip(m_pass.tolist(), labels):
        cues[p] = f"{cues[p]}; {label}" if cues[p] else label
    art = pas["article"].to_numpy(np.int64)
    return pd.DataFrame(
        {
            "id": f.articles["id"].to_numpy()[art],
            "passage": pas["idx"].to_numpy(),
            "start": pas["start"].to_numpy(),
            "end": pas["end"].to_numpy(),
            "relevance": prep.relevance,
            "tone_contribution": np.round(t_contrib, 4),
            "cue_contribution": np.round(cue_total, 4),
            "contribution": np.round(t_contrib + cue_total, 4),
            "cues": cues,
            "text": pas["text"].to_numpy(),
        }
    )


def passages_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.passages{out.suffix}")
