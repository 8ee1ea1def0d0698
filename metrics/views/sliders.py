"""The dashboard's weight sliders: one per cue family (and tone), grouped as the lexicon groups
them, and the few kept beside the chart (the seed's cues and those moving the view most)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from metrics.events.lexicon import (
    TONE_DEFAULT_WEIGHT,
    TONE_GROUNDING,
    TONE_HELP,
    TONE_ID,
    TONE_LABEL,
    Lexicon,
    Weights,
    WeightsLike,
)
from metrics.score.scoring import Prepared, family_matrix, positions


@dataclass(frozen=True)
class SliderSpec:
    """One weight slider: the cue family (or tone) it sets and how it is presented."""

    id: str
    label: str
    help: str
    default: float
    max: float
    step: float
    direction: str  # "escalation", "de-escalation" or "tone"


def slider_max(default: float, value: float | None = None) -> float:
    """Room to double a default weight (at least 20), stretched to fit a loaded value."""
    top = max(20.0, 2.0 * default)
    if value is not None and value > top:
        top = float(math.ceil(value))
    return top


def slider_groups(lexicon: Lexicon, weights: WeightsLike = None) -> list[tuple[str, list[SliderSpec]]]:
    """Sliders grouped by lexicon category, in lexicon order, with tone in a group of its own."""
    weights = weights.as_dict() if isinstance(weights, Weights) else weights or {}
    groups: dict[str, list[SliderSpec]] = {}
    for f in lexicon.families:
        groups.setdefault(f.category, []).append(
            SliderSpec(
                id=f.id,
                label=f"{f.label} {'▲' if f.direction == 'escalation' else '▼'}",
                help=f"{f.help}\n\nGrounding: {f.grounding}\n\nDefault weight {f.weight:g}; "
                + ("raises tension." if f.direction == "escalation" else "lowers tension."),
                default=f.weight,
                max=slider_max(f.weight, weights.get(f.id)),
                step=0.5,
                direction=f.direction,
            )
        )
    out = list(groups.items())
    out.append(
        (
            "Tone",
            [
                SliderSpec(
                    id=TONE_ID,
                    label=TONE_LABEL,
                    help=f"{TONE_HELP}\n\nGrounding: {TONE_GROUNDING}\n\nDefault weight {TONE_DEFAULT_WEIGHT:g}.",
                    default=TONE_DEFAULT_WEIGHT,
                    max=max(10.0, slider_max(TONE_DEFAULT_WEIGHT, weights.get(TONE_ID)) if TONE_ID in weights else 10.0),
                    step=0.1,
                    direction="tone",
                )
            ],
        )
    )
    return out


def slider_specs(lexicon: Lexicon, weights: WeightsLike = None) -> dict[str, SliderSpec]:
    """Every slider by cue id (tone included)."""
    return {s.id: s for _, specs in slider_groups(lexicon, weights) for s in specs}


# The four cues the dashboard's seed article turns on (channels cut, relations at their "lowest
# point", an invitation to a return visit, talks called "constructive"): always within reach.
SEED_CUES = ("channels_cut", "relations_bad", "invitation", "talks_positive")


def key_cues(prep: Prepared, weights: WeightsLike, rows: np.ndarray, movers: int = 4) -> list[str]:
    """The seed's cues, then the ``movers`` cue families (or tone) that move the articles at
    ``rows`` (a mask or positions) most: the largest mean absolute contribution per article."""
    seed = [c for c in SEED_CUES if c in prep.lexicon.ids]
    idx = positions(rows)
    if len(idx) == 0 or movers <= 0:
        return seed
    size = np.abs(family_matrix(prep, weights, idx)).mean(axis=0)
    ids = prep.lexicon.ids + [TONE_ID]
    ranked = [ids[j] for j in np.argsort(-size, kind="stable") if size[j] > 1e-9 and ids[j] not in seed]
    return seed + ranked[:movers]
