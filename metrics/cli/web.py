"""The web commands: ``fetch URL...`` once, ``watch FEED... --every MINUTES`` on a schedule."""

from __future__ import annotations

import argparse
import signal
import time
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from metrics.cli.options import Reporter, add_db_option, add_quiet_option, progress
from metrics.errors import MetricsError
from metrics.settings import DEFAULTS
from metrics.store.core import Store

if TYPE_CHECKING:
    from metrics.read.fetch import Fetcher

# The fetching and harvesting modules (urllib, ssl, the feed and page readers) are imported by
# these commands when they run: every other command's start-up would pay for them.


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MetricsError(f"--since {value}: expected a date as YYYY-MM-DD") from None


def _fetcher(args: argparse.Namespace) -> Fetcher:
    from metrics.read.fetch import Fetcher

    if args.timeout is not None and args.timeout <= 0:
        raise MetricsError("--timeout must be positive")
    return Fetcher(timeout=args.timeout, delay=args.delay, max_mb=args.max_size)


def cmd_fetch(args: argparse.Namespace) -> int:
    from metrics.store.harvest import fetch_round

    since = _since(args.since)
    if args.max_items is not None and args.max_items <= 0:
        raise MetricsError("--max-items must be positive")
    fetcher = _fetcher(args)
    store = Store(args.db)
    rep = Reporter()
    try:
        summary = fetch_round(store, args.urls, fetcher, since, args.max_items, rep,
                              progress=lambda items: progress(items, args.quiet, unit=" pages"))
    finally:
        store.close()
    print(f"{summary} ({store.path})")
    return 1 if summary.failed else 0


def cmd_watch(args: argparse.Namespace) -> int:
    if args.every <= 0:
        raise MetricsError("--every must be a positive number of minutes")
    # Ctrl-C stops, even when started from a shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from metrics.store.harvest import fetch_round

    fetcher = _fetcher(args)
    store = Store(args.db)
    rounds = 0
    try:
        while True:
            rounds += 1
            started = time.monotonic()
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            rep = Reporter()
            try:
                summary = fetch_round(store, args.feeds, fetcher, reporter=rep)
                line = str(summary)
            except MetricsError as err:  # the database itself (locked for minutes, disk full): next round
                line = f"round failed: {err}"
            except Exception as err:  # noqa: BLE001 - an outage or a bug in one round must not stop the watch
                line = f"round failed: {type(err).__name__}: {err}"
            print(f"{stamp} round {rounds}: {line}; next in {args.every:g} min", flush=True)
            time.sleep(max(0.0, args.every * 60 - (time.monotonic() - started)))
    except KeyboardInterrupt:
        print(f"stopped after {rounds} round{'s' if rounds != 1 else ''}", flush=True)
        return 0
    finally:
        store.close()


def _web_options(p: argparse.ArgumentParser) -> None:
    add_db_option(p)
    p.add_argument("--timeout", type=float, metavar="S",  # None: the settings fetch_timeout_seconds, ...
                   help=f"seconds per request, body included (default: fetch_timeout_seconds, {DEFAULTS['fetch_timeout_seconds']:g})")
    p.add_argument("--delay", type=float, metavar="S",
                   help=f"seconds between two requests to the same host (default: fetch_delay_seconds, {DEFAULTS['fetch_delay_seconds']:g})")
    p.add_argument("--max-size", type=float, metavar="MB",
                   help=f"refuse responses larger than this (default: fetch_max_mb, {DEFAULTS['fetch_max_mb']:g})")


def register(sub) -> None:
    p = sub.add_parser(
        "fetch", help="fetch web pages and RSS/Atom feeds into the database",
        description=(
            "Fetch each URL, a web page or an RSS/Atom feed (told apart by its content); a feed's items are "
            "fetched and stored with their link as the source. A link already stored is not fetched again. "
            "Prints: added N, already present N, failed N. Exit 0 only when nothing failed."
        ),
    )
    p.add_argument("urls", nargs="+", metavar="URL")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="leave out feed items and pages dated before this day")
    p.add_argument("--max-items", type=int, metavar="N",  # None: the setting fetch_max_items
                   help=f"the first N items of each feed (default: fetch_max_items, {DEFAULTS['fetch_max_items']})")
    add_quiet_option(p)
    _web_options(p)
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser(
        "watch", help="fetch feeds on a schedule until Ctrl-C",
        description=(
            "Fetch the feeds every MINUTES (GDELT updates every 15), store what is new and log one line per round. "
            "A failing feed or a network outage is reported and tried again next round; Ctrl-C stops."
        ),
    )
    p.add_argument("feeds", nargs="+", metavar="FEED")
    p.add_argument("--every", type=float, required=True, metavar="MINUTES", help="minutes between the starts of two rounds")
    _web_options(p)
    p.set_defaults(func=cmd_watch)

