"""``bench``: time scoring against the split+VADER floor, and re-weighting (``metrics.ops.bench``)."""

from __future__ import annotations

import argparse
import json

from metrics.errors import MetricsError


def cmd_bench(args: argparse.Namespace) -> int:
    from metrics.ops.bench import format_table, run_bench  # only the bench itself pays for its import

    if args.articles < 1 or args.reweight < 0 or args.repeat < 1:
        raise MetricsError("--articles and --repeat must be >= 1, --reweight >= 0")
    try:
        result = run_bench(args.articles, args.reweight, args.seed, args.repeat, dask=args.dask, workdir=args.workdir,
                           corrections=args.corrections)
    except RuntimeError as err:
        raise MetricsError(str(err)) from None
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print(format_table(result))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="time scoring against the split+VADER floor, and re-weighting",
        description=(
            "Build a corpus of generated articles (unique sentences) in a temporary folder and time, "
            "in one run: (a) 'python -m metrics score FOLDER -o out.csv --quiet' as a subprocess, "
            "(b) the floor: the same files split into sentences and run through VADER, in a subprocess, "
            "(c) re-weighting N stored articles (raw_scores and tension with a new weight dict)."
        ),
    )
    p.add_argument("--articles", type=int, default=2000, metavar="N", help="articles in the corpus (default: 2000)")
    p.add_argument("--reweight", type=int, default=100_000, metavar="N", help="stored articles to re-weight (default: 100000; 0 skips)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="corpus seed (default: 0)")
    p.add_argument("--repeat", type=int, default=3, metavar="R", help="runs of (a) and (b), alternating; medians reported (default: 3)")
    p.add_argument("--corrections", type=int, default=1000, metavar="N",
                   help="(e) time applying N analysts' corrections to 10,000 articles' features (default: 1000; 0 skips)")
    p.add_argument("--dask", action="store_true", help="also time 'score --engine dask' on a local cluster")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--workdir", metavar="DIR", help="where the temporary corpus goes (default: the system temp folder)")
    p.set_defaults(func=cmd_bench)
