"""``bench``: time scoring against the split+VADER floor, and re-weighting (``metrics.ops.bench``)."""

from __future__ import annotations

import argparse
import json

from metrics.errors import MetricsError

SHAPE_NAMES = ("short", "wire", "long")


def cmd_bench(args: argparse.Namespace) -> int:
    from metrics.ops.bench import FEED_ITEMS, format_table, run_bench  # only the bench itself pays for its import

    if min(args.articles, args.items, args.documents, args.repeat) < 1 or args.reweight < 0:
        raise MetricsError("--articles, --items, --documents and --repeat must be >= 1, --reweight >= 0")
    shapes = SHAPE_NAMES if args.shape == "all" else (args.shape,)
    try:
        result = run_bench(args.articles, args.reweight, args.seed, args.repeat, dask=args.dask, workdir=args.workdir,
                           shapes=shapes, items=args.items, documents=args.documents,
                           feed=FEED_ITEMS if args.feed else 0, corrections=args.corrections)
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
            "For each shape (short: headline + lead items, one CSV row each; wire: 600-word articles; "
            "long: 8,000-10,000-word documents) build a corpus of generated text (unique sentences) in a "
            "temporary folder and time, alternating: (a) 'python -m metrics score PATH -o out.csv --quiet' "
            "as a subprocess, (b) the floor: the same texts split into sentences and run through VADER, in a "
            "subprocess, and both on a one-item input (the start-up); then (c) re-weighting N stored "
            "articles (raw_scores and tension with a new weight dict)."
        ),
    )
    p.add_argument("--shape", choices=(*SHAPE_NAMES, "all"), default="all",
                   help="which shape of text to time (default: all three, in turn)")
    p.add_argument("--articles", type=int, default=2000, metavar="N", help="wire articles in the corpus (default: 2000)")
    p.add_argument("--items", type=int, default=5000, metavar="N", help="short items in the CSV (default: 5000)")
    p.add_argument("--documents", type=int, default=40, metavar="N", help="long documents (default: 40)")
    p.add_argument("--reweight", type=int, default=100_000, metavar="N", help="stored articles to re-weight (default: 100000; 0 skips)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="corpus seed (default: 0)")
    p.add_argument("--repeat", type=int, default=3, metavar="R", help="runs of (a) and (b), alternating; medians reported (default: 3; start-up: 2R + 1 runs)")
    p.add_argument("--feed", action="store_true",
                   help="also time 'fetch' and 'watch' of a 50-item feed served on 127.0.0.1 against reading "
                        "the same pages with trafilatura alone")
    p.add_argument("--corrections", type=int, default=1000, metavar="N",
                   help="(e) time applying N analysts' corrections to 10,000 articles' features (default: 1000; 0 skips)")
    p.add_argument("--dask", action="store_true", help="also time 'score --engine dask' on a local cluster")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--workdir", metavar="DIR", help="where the temporary corpus goes (default: the system temp folder)")
    p.set_defaults(func=cmd_bench)
