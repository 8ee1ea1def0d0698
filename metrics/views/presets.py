"""Weights in and out of the dashboard: the URL's ``w`` parameter and preset files (the
``--weights FILE`` format, with the lexicon version the preset was made for)."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.errors import WeightsError
from metrics.events.lexicon import Lexicon, Weights, dump_weights, parse_weights, read_weights, version_warning

PRESET_NAME = "tension-weights.json"


def weights_to_param(weights: Weights) -> str:
    """Non-default weights as a short URL value, ``sanctions:10,tone:1.5``; "" when all default."""
    return ",".join(f"{k}:{v:g}" for k, v in weights.non_default().items())


def weights_from_param(text: str, lexicon: Lexicon) -> dict[str, float]:
    """Parse a ``w`` URL value; raises ``WeightsError`` with one line naming the bad entry."""
    raw: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition(":")
        if not sep:
            raise WeightsError(f"URL parameter w: '{item}' is not cue:weight")
        try:
            raw[key.strip()] = float(value)
        except ValueError:
            raise WeightsError(f"URL parameter w: weight for '{key.strip()}' is not a number: {value!r}") from None
    return parse_weights(raw, lexicon, "URL parameter w")


@dataclass(frozen=True)
class Preset:
    """A loaded preset: the weights it sets (ids it omits keep their defaults) and, when it was
    made for another lexicon version than the one in use, the one line that says so."""

    weights: dict[str, float]
    warning: str | None = None


def parse_preset(data: bytes, name: str, lexicon: Lexicon) -> Preset:
    """A preset file (JSON or YAML, the ``--weights`` format); ``WeightsError`` names the file."""
    weights, made_for = read_weights(data, name, lexicon)
    return Preset(weights, version_warning(made_for, lexicon, name))


def dump_preset(weights: Weights, lexicon: Lexicon) -> str:
    """The JSON of a preset: every weight, and the lexicon version it is made for."""
    return dump_weights(weights, lexicon)
