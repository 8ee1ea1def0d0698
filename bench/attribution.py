"""Who did it: directed source attribution beside the first-mention rule of thumb.

    python bench/attribution.py [PETRARCH_TSV] [OWN_TSV ...]

For each table of sentences with coded events (``SRC>TGT:code``; PETRARCH's unit-test
sentences, and tests/data/attribution_sentences.tsv written for this project), runs what
``validate-events`` runs and prints the share of sentences whose strongest cue has a coded
source as its source, beside "the first-mentioned of the two coded actors is the source" on the
same sentences, over all sentences and over those with a cue.

PETRARCH's actors are fictional (Arnor, Gondor, ...). Their names are not in the project: they
are built here, at measurement time, from the table itself: for each coded actor (its first
three letters: ``GONGOV`` -> ``GON``), the capitalised words of its sentences that begin with
those letters ("Gondor", "Gondorian"), unless the shipped gazetteer reads them all as the real
country of that ISO 3166 alpha-3 code ("Ethiopia" for ETH).
The actors file goes to a temporary folder and is gone after the run.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PETRARCH = Path("/work/shared/dev-data/petrarch_unittest_sentences.tsv")
OWN = ROOT / "tests" / "data" / "attribution_sentences.tsv"
CAMEO = Path("/work/shared/dev-data/cameo_goldstein.tsv")
_WORD = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")


def actors_from_codes(table) -> str:
    """An actors file (the gazetteer's format) for the coded actors the shipped gazetteer lacks."""
    import yaml

    from metrics.events.dyad import gazetteer

    g = gazetteer()
    real = g.alpha3_codes()
    words: dict[str, set[str]] = {}
    for text, cell in zip(table["text"], table.iloc[:, -1]):
        codes = {c.strip()[:3].upper() for ev in str(cell).split(";") if ">" in ev
                 for c in (ev.split(">")[0], ev.split(">")[1].split(":")[0])}
        for code in codes:
            if not code.isalpha():
                continue
            for w in _WORD.findall(str(text)):
                if w[:3].upper() == code:
                    words.setdefault(code, set()).add(w)
    # A real alpha-3 code whose words the shipped gazetteer reads as that country needs no entry
    # ("Ethiopia" for ETH); one whose words it does not know is a fictional actor (ERI: "Eriador").
    for code in [c for c in words if c in real]:
        rx = g.patterns[g.codes.index(real[code])]
        if all(rx.fullmatch(w) for w in words[code]):
            del words[code]
    countries = {c: {"name": c, "patterns": ["|".join(sorted(map(re.escape, ws), key=len, reverse=True))]}
                 for c, ws in sorted(words.items())}
    return yaml.safe_dump({"countries": countries}, sort_keys=False, allow_unicode=True)


def measure(path: Path, actors: Path | None) -> dict:
    import csv

    import pandas as pd

    from metrics.events.dyad import set_actors
    from metrics.score.validation import events_agreement, read_goldstein_table

    set_actors(actors)
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)
        rep = events_agreement(table, read_goldstein_table(CAMEO), "text", table.columns[-1], "none")
    finally:
        set_actors(None)
    a = rep["actors"]
    miss_rows = {m["row"] for m in a["source_misses"] if m.get("cue") is None}
    return {**a, "sign": rep["share"], "no_cue": len(miss_rows)}


def main(argv: list[str]) -> int:
    import pandas as pd

    paths = [Path(p) for p in argv] or [PETRARCH, OWN]
    print(f"{'sentences':<36} {'n':>4} {'source':>7} {'first-mention':>13} {'with cue':>8} {'source':>7} "
          f"{'first-mention':>13} {'named':>6} {'source':>7} {'first-mention':>13} {'target':>7} {'sign':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            if not path.exists():
                print(f"{path}: not found")
                continue
            table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
            actors = Path(tmp) / "actors.yaml"
            actors.write_text(actors_from_codes(table), encoding="utf-8")
            r = measure(path, actors)
            print(f"{path.name:<36} {r['events']:>4} {r['source']:>7.1%} {r['first_mention_source']:>13.1%} "
                  f"{r['with_cue']:>8} {r['source_with_cue']:>7.1%} {r['first_mention_with_cue']:>13.1%} "
                  f"{r['with_source']:>6} {r['source_when_named']:>7.1%} {r['first_mention_when_named']:>13.1%} "
                  f"{r['target']:>7.1%} {r['sign']:>6.1%}")
            print(f"{'':<36} coded source found by the gazetteer: {r['with_coded_source']}, ours "
                  f"{r['source_when_found']:.1%}, first-mention {r['first_mention_when_found']:.1%}; "
                  f"first actor found (no coding) {r['first_actor_source']:.1%} of all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
