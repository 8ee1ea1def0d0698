"""The cue lexicon (data/lexicon.yaml): cue families as data, compiled once."""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Union

import numpy as np
import yaml

from metrics import settings
from metrics.errors import LexiconError, MetricsError, WeightsError, reason
from metrics.events.prefilter import LazyPattern
from metrics.resources import data_dir

# libyaml's loader when PyYAML has it: the same documents, parsed ten times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA_DIR = data_dir()
DEFAULT_LEXICON = DATA_DIR / "lexicon.yaml"

# The VADER tone term is weighted like a cue so that one weights file and one slider set govern
# the whole score. Its default was fitted on held-apart labelled sentences (docs/validation.md).
TONE_ID = "tone"
TONE_DEFAULT_WEIGHT = 2.0
TONE_LABEL = "Tone of the passage (VADER)"
TONE_HELP = (
    "Negated VADER compound score of each relevant passage: hostile wording raises tension, "
    "warm wording lowers it. Set to 0 to score on cues alone."
)
TONE_GROUNDING = "GDELT's average tone plays the same role beside its event codes; weight fitted on labelled sentences."

DIRECTIONS = {"escalation": 1.0, "de-escalation": -1.0}
# The key of a weights file (a dashboard preset) naming the lexicon version it was made for.
LEXICON_VERSION_KEY = "lexicon_version"

# A space in a pattern stands for any run of spaces, quotes, brackets or dashes, so that
# quotation marks inside a phrase do not break a match.
_SEP = r"(?:[\s\"'()\[\]\-]+)"
_WORDS = re.compile(r"\{w(?:(\d+)-(\d+))?\}")


def _expand(pattern: str) -> str:
    def words(m: re.Match[str]) -> str:
        lo, hi = (m.group(1), m.group(2)) if m.group(1) else ("1", "1")
        return rf"(?:\w+ ){{{lo},{hi}}}"

    # A skipped word may carry a comma ("restore complete, full diplomatic ties") or be an
    # abbreviation with periods ("violated U.S. airspace").
    expanded = _WORDS.sub(words, pattern).replace(r"(?:\w+ )", r"(?:(?:(?:\w\.)+|\w+,?) )")
    return expanded.replace(" ", _SEP)


@dataclass(frozen=True)
class CueFamily:
    id: str
    label: str
    category: str
    help: str
    direction: str
    weight: float
    grounding: str
    patterns: tuple[str, ...]

    @property
    def sign(self) -> float:
        return DIRECTIONS[self.direction]


@dataclass
class Lexicon:
    families: list[CueFamily]
    version: str
    path: Path
    regexes: list[re.Pattern[str]] = field(repr=False, default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.families]

    def index(self) -> dict[str, int]:
        return {f.id: i for i, f in enumerate(self.families)}

    def family(self, cue_id: str) -> CueFamily:
        return self.families[self.index()[cue_id]]

    @property
    def signs(self) -> np.ndarray:
        return np.array([f.sign for f in self.families], dtype=np.float64)

    def default_weights(self) -> dict[str, float]:
        weights = {f.id: f.weight for f in self.families}
        weights[TONE_ID] = TONE_DEFAULT_WEIGHT
        return weights

    @property
    def declared_version(self) -> str:
        """The ``version:`` the lexicon file declares (``version`` adds a digest of the file):
        what a weights preset names as the lexicon it was made for."""
        return self.version.rsplit("-", 1)[0]

    @cached_property
    def _default(self) -> Weights:
        return self._build({})

    def _build(self, checked: Mapping[str, float]) -> Weights:
        merged = self.default_weights()
        merged.update(checked)
        cues = np.array([merged[f.id] for f in self.families], dtype=np.float64)
        cues.flags.writeable = False
        defaults = self.default_weights()
        return Weights(cues, float(merged[TONE_ID]), self.version, tuple(self.ids),
                       tuple(defaults[k] for k in [*self.ids, TONE_ID]))

    def weights(self, mapping: Mapping[str, float] | None = None, source: str = "weights") -> Weights:
        """The checked ``Weights`` of ``mapping`` (cue id -> weight; ids it omits keep their
        defaults): unknown ids, non-numbers and out-of-range weights raise ``WeightsError``
        naming ``source``. Build it once per change and pass it on."""
        if not mapping:
            return self._default
        return self._build(parse_weights(mapping, self, source))

    def checked(self, weights: Weights | Mapping[str, float] | None) -> Weights:
        """``weights`` as a ``Weights`` of this lexicon: a value built by ``weights`` passes as
        it is, a plain mapping (or None, the defaults) is checked once here."""
        if isinstance(weights, Weights):
            if weights.lexicon_version != self.version:
                raise ValueError(f"weights built for lexicon {weights.lexicon_version}, not {self.version}")
            return weights
        return self.weights(weights)

    def weight_vector(self, weights: Weights | Mapping[str, float] | None) -> tuple[np.ndarray, float]:
        """Cue weights aligned with ``families`` and the tone weight; unset ids keep defaults."""
        w = self.checked(weights)
        return w.cues, w.tone


@dataclass(frozen=True, eq=False)
class Weights:
    """Every cue's weight and the tone's, checked once against one lexicon (``Lexicon.weights``).

    Scoring reads ``cues`` (aligned with the lexicon's families, read-only) and ``tone`` as they
    are: no merge with the defaults, no validation at each call.
    """

    cues: np.ndarray = field(repr=False)
    tone: float
    lexicon_version: str
    ids: tuple[str, ...] = field(repr=False)
    defaults: tuple[float, ...] = field(repr=False)  # the lexicon's defaults, cues then tone

    def as_dict(self) -> dict[str, float]:
        """Every weight by id, tone last (the ``--weights`` file format's mapping)."""
        return dict(zip([*self.ids, TONE_ID], [*map(float, self.cues), self.tone]))

    def non_default(self) -> dict[str, float]:
        """The weights that differ from the lexicon's defaults, in lexicon order."""
        return {k: v for (k, v), d in zip(self.as_dict().items(), self.defaults) if not math.isclose(v, d)}

    def __getitem__(self, cue_id: str) -> float:
        return self.tone if cue_id == TONE_ID else float(self.cues[self.ids.index(cue_id)])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Weights):
            return NotImplemented
        return self.lexicon_version == other.lexicon_version and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]


# What the scoring functions take: a checked value, or a plain mapping (None: the defaults) that
# they check once at the top, for the command line's --weights and for tests.
WeightsLike = Union[Weights, Mapping[str, float], None]  # noqa: UP007 - a runtime alias


def _require(entry: Mapping, key: str, where: str, kind: type | tuple[type, ...]):
    if key not in entry:
        raise LexiconError(f"{where}: missing '{key}'")
    value = entry[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise LexiconError(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    return value


def _parse(raw: object, path: Path) -> list[CueFamily]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("families"), list):
        raise LexiconError(f"{path}: expected a mapping with a 'families' list")
    families: list[CueFamily] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw["families"], 1):
        where = f"{path}: family #{n}"
        if not isinstance(entry, Mapping):
            raise LexiconError(f"{where}: expected a mapping")
        cue_id = _require(entry, "id", where, str)
        where = f"{path}: family '{cue_id}'"
        if cue_id in seen or cue_id == TONE_ID:
            raise LexiconError(f"{where}: duplicate or reserved id")
        seen.add(cue_id)
        direction = _require(entry, "direction", where, str)
        if direction not in DIRECTIONS:
            raise LexiconError(f"{where}: direction must be one of {sorted(DIRECTIONS)}")
        weight = float(_require(entry, "weight", where, (int, float)))
        if not math.isfinite(weight) or weight < 0:
            raise LexiconError(f"{where}: weight must be a finite number >= 0")
        patterns = _require(entry, "patterns", where, list)
        if not patterns or not all(isinstance(p, str) and p for p in patterns):
            raise LexiconError(f"{where}: patterns must be a non-empty list of strings")
        families.append(
            CueFamily(
                id=cue_id,
                label=_require(entry, "label", where, str),
                category=_require(entry, "category", where, str),
                help=_require(entry, "help", where, str),
                direction=direction,
                weight=weight,
                grounding=_require(entry, "grounding", where, str),
                patterns=tuple(patterns),
            )
        )
    return families


def family_source(family: CueFamily) -> str:
    """The regex of a family: its patterns as alternatives, on whole words."""
    body = "|".join(f"(?:{_expand(p)})" for p in family.patterns)
    return rf"(?<![\w'])(?:{body})(?![\w])"


def lazy_family(family: CueFamily, where: str = "") -> LazyPattern:
    """The family's regex (``family_source``), checked now and compiled on first use: the cue finder
    (metrics.events.prefilter) runs small pieces of it, and compiling every family cost a tenth of a
    second at each start."""
    try:
        return LazyPattern(family_source(family), re.IGNORECASE)
    except re.error as err:
        raise LexiconError(f"{where}family '{family.id}': bad pattern: {err}") from None


def read_yaml(path: Path, what: str, error: type[MetricsError] = LexiconError) -> tuple[str, object]:
    """A shipped data file's text and its YAML value; ``error`` in one line naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"{path}: cannot read {what}: {reason(err)}") from None
    try:
        return text, yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as err:
        raise error(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from None


def load_lexicon(path: str | Path = DEFAULT_LEXICON) -> Lexicon:
    path = Path(path)
    text, raw = read_yaml(path, "lexicon")
    families = _parse(raw, path)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    version = f"{raw.get('version', 0)}-{digest}"
    lex = Lexicon(families=families, version=version, path=path)
    lex.regexes = [lazy_family(f, f"{path}: ") for f in families]
    return lex


@lru_cache(maxsize=4)
def default_lexicon() -> Lexicon:
    return load_lexicon(DEFAULT_LEXICON)


def shown(value: object, width: int = 40) -> str:
    """A short, one-line picture of a value for an error message: never the whole of a huge or
    deeply nested value (its repr could take gigabytes), never a multi-line one."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 128:
            return f"an integer of {int(value.bit_length() * 0.30103) + 1} digits"
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        text = repr(value[: width + 1])
        return text if len(value) <= width else repr(value[: width - 3]) + "..."
    return f"a {type(value).__name__}"


def parse_weights(raw: object, lexicon: Lexicon, source: str) -> dict[str, float]:
    """Validate a mapping of cue id to weight; the error names the offending key."""
    if not isinstance(raw, Mapping):
        raise WeightsError(f"{source}: expected a mapping of cue id to weight")
    known = set(lexicon.ids) | {TONE_ID}
    out: dict[str, float] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key not in known:
            raise WeightsError(f"{source}: unknown cue id {shown(key)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise WeightsError(f"{source}: weight for '{key}' is not a number: {shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise WeightsError(f"{source}: weight for '{key}' is not a finite number: {shown(value)}")
        if value < 0:
            raise WeightsError(f"{source}: weight for '{key}' is negative ({shown(value)}); direction is fixed by the lexicon")
        if value > settings.get("max_weight"):
            raise WeightsError(f"{source}: weight for '{key}' is {shown(value)}, over the maximum of {settings.get('max_weight'):g}")
        out[key] = float(value)
    return out


def _check_yaml_shape(text: str, name: str) -> None:
    """Refuse aliases, deep nesting and huge documents from the event stream, before any value
    is built: a few hundred bytes of nested aliases expand to billions of nodes."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise WeightsError(f"{name}: YAML aliases (*name) are not allowed in a weights file")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > settings.get("max_weights_depth"):
                raise WeightsError(f"{name}: nested too deeply to be a weights file (a mapping of cue id to number)")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > settings.get("max_weights_nodes"):
                raise WeightsError(f"{name}: more than {settings.get('max_weights_nodes'):,} values, too many for a weights file")


def read_weights(data: bytes, name: str, lexicon: Lexicon) -> tuple[dict[str, float], str | None]:
    """Parse a weights file's bytes (JSON when ``name`` ends in .json, else YAML): the weights
    and the lexicon version the file says it was made for (None when it does not say)."""
    if len(data) > settings.get("max_weights_bytes"):
        raise WeightsError(f"{name}: {len(data):,} bytes, over the {settings.get('max_weights_bytes'):,}-byte limit for a weights file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WeightsError(f"{name}: not UTF-8 text") from None
    is_json = name.lower().endswith(".json")
    try:
        if is_json:
            raw = json.loads(text)
        else:
            _check_yaml_shape(text, name)
            raw = yaml.load(text, Loader=YAML_LOADER)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        first = str(err).splitlines()[0][:200]
        raise WeightsError(f"{name}: not valid {'JSON' if is_json else 'YAML'}: {first}") from None
    except RecursionError:
        raise WeightsError(f"{name}: nested too deeply to be a weights file") from None
    except ValueError:  # Python's limit on digits in an integer (4,300 by default)
        raise WeightsError(f"{name}: a number with too many digits for a weight") from None
    made_for = None
    if isinstance(raw, Mapping) and LEXICON_VERSION_KEY in raw:
        raw = dict(raw)
        value = raw.pop(LEXICON_VERSION_KEY)
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise WeightsError(f"{name}: {LEXICON_VERSION_KEY} is not a version: {shown(value)}")
        made_for = str(value).strip()[:40]
    try:
        return parse_weights(raw, lexicon, name), made_for
    except WeightsError as err:
        # A cue a newer lexicon renamed or dropped: say the file was made for another lexicon.
        note = version_warning(made_for, lexicon, name)
        if note is None:
            raise
        raise WeightsError(f"{err} (the file was made for lexicon version {made_for}, "
                           f"this is version {lexicon.declared_version})") from None


def version_warning(made_for: str | None, lexicon: Lexicon, name: str) -> str | None:
    """One line when a weights file was made for another lexicon version than ``lexicon``'s."""
    if made_for is None or made_for == lexicon.declared_version:
        return None
    return (f"{name}: made for lexicon version {made_for}, but this lexicon is version "
            f"{lexicon.declared_version}: cues and their default weights may have changed since")


def weights_from_bytes(data: bytes, name: str, lexicon: Lexicon) -> dict[str, float]:
    """Parse a weights file's bytes (JSON when ``name`` ends in .json, else YAML); errors name ``name``."""
    return read_weights(data, name, lexicon)[0]


def load_weights(path: str | Path, lexicon: Lexicon) -> dict[str, float]:
    """Read a JSON or YAML weights file: ``{cue_id: weight}``; missing ids keep their defaults.
    The reader of ``--weights FILE``: a file made for another lexicon version gets one warning
    line on stderr (the weights still load)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise WeightsError(f"{path}: cannot read weights file: {reason(err)}") from None
    weights, made_for = read_weights(data, str(path), lexicon)
    note = version_warning(made_for, lexicon, str(path))
    if note:
        print(f"warning: {note}", file=sys.stderr)
    return weights


def dump_weights(weights: Weights | Mapping[str, float], lexicon: Lexicon | None = None) -> str:
    """Serialise weights in the ``--weights`` file format (JSON); with ``lexicon``, the file
    names the lexicon version it was made for (``lexicon_version``), so loading it against
    another version warns."""
    values = weights.as_dict() if isinstance(weights, Weights) else weights
    head = {LEXICON_VERSION_KEY: lexicon.declared_version} if lexicon is not None else {}
    return json.dumps(head | {k: round(float(v), 4) for k, v in values.items()}, indent=2) + "\n"
