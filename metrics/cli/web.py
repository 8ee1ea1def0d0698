"""The web commands: ``fetch URL...`` once, ``watch FEED... --every MINUTES`` on a schedule."""

from __future__ import annotations

import argparse
import signal
import time
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from metrics.cli.options import Reporter, add_db_option, add_quiet_option, add_scoring_options, progress
from metrics.errors import MetricsError
from metrics.settings import DEFAULTS
from metrics.store import open_store

if TYPE_CHECKING:
    from metrics.read.fetch import Fetcher
    from metrics.store.core import Store

# The fetching and harvesting modules (urllib, ssl, the feed and page readers) and the store
# (sqlite3) are imported by these commands when they run: every other command's start-up
# would pay for them.


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
    store = open_store(args.db)
    rep = Reporter()
    try:
        summary = fetch_round(store, args.urls, fetcher, since, args.max_items, rep,
                              progress=lambda items: progress(items, args.quiet, unit=" pages"))
    finally:
        store.close()
    print(f"{summary} ({store.path})")
    return 1 if summary.failed else 0


def _alerts(args: argparse.Namespace):
    """The alerts of this watch (metrics/ops/alerts.py), or None when none is asked for."""
    asked = args.alert_above is not None or args.alert_change is not None
    if not asked and not args.notify:
        return None
    if not asked:
        raise MetricsError("--notify needs --alert-above X or --alert-change Y")
    if not args.notify:
        raise MetricsError("--alert-above and --alert-change need --notify URL|FILE")
    if args.alert_change is not None and args.alert_change <= 0:
        raise MetricsError("--alert-change must be a positive amount")
    from metrics.events.dyad import parse_dyad
    from metrics.events.lexicon import default_lexicon, load_weights
    from metrics.ops.alerts import SERIES, AlertRule, Alerts, check_target

    check_target(args.notify)
    series = SERIES if args.alert_on == "both" else (args.alert_on,)
    weights = load_weights(args.weights, default_lexicon()) if args.weights else None
    rule = AlertRule(above=args.alert_above, change=args.alert_change, series=series, period=args.period)
    return Alerts(rule, dyad=parse_dyad(args.dyad).name, weights=weights)


def _send_alerts(alerts, store: Store, args: argparse.Namespace, stamp: str) -> None:
    from metrics.ops.alerts import notify
    from metrics.settings import get

    try:
        fired = alerts.check(store)
    except MetricsError as err:
        print(f"{stamp} alerts not checked: {err}", flush=True)
        return
    for a in fired:
        what = (f"{a['series']} {a['value']:+.1f} above {a['threshold']:g}" if a["alert"] == "above"
                else f"{a['series']} moved {a['change']:+.1f} (more than {a['change_threshold']:g})")
        try:
            notify(args.notify, a, timeout=args.timeout or get("fetch_timeout_seconds"))
            print(f"{stamp} alert sent to {args.notify}: {a['pair']} {a['period']} {what}", flush=True)
        except MetricsError as err:
            print(f"{stamp} alert not sent ({what}): {err}", flush=True)


def cmd_watch(args: argparse.Namespace) -> int:
    if args.every <= 0:
        raise MetricsError("--every must be a positive number of minutes")
    if args.rounds is not None and args.rounds <= 0:
        raise MetricsError("--rounds must be positive")
    alerts = _alerts(args)
    # Ctrl-C stops, even when started from a shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from metrics.store.harvest import fetch_round

    fetcher = _fetcher(args)
    store = open_store(args.db)
    rounds = 0
    try:
        if alerts is not None:
            alerts.check(store)  # where things stand now: only what changes from here on is news
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
            last = args.rounds is not None and rounds >= args.rounds
            print(f"{stamp} round {rounds}: {line}" + ("" if last else f"; next in {args.every:g} min"), flush=True)
            if alerts is not None:
                _send_alerts(alerts, store, args, stamp)
            if last:
                print(f"stopped after {rounds} round{'s' if rounds != 1 else ''}", flush=True)
                return 0
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
    p.add_argument("--rounds", type=int, metavar="N", help="stop after N rounds (default: until Ctrl-C)")
    g = p.add_argument_group(
        "alerts", "After each round, a JSON summary (pair, period, value, change, top passages) is POSTed to a "
                  "webhook or appended to a file when the latest period mean or level index crosses a threshold "
                  "or moves by more than an amount; each alert fires once per crossing.")
    g.add_argument("--alert-above", type=float, metavar="X", help="alert when the value rises above X (tension, -100..100)")
    g.add_argument("--alert-change", type=float, metavar="Y", help="alert when a period's value differs from the period before by more than Y")
    g.add_argument("--notify", metavar="URL|FILE", help="http(s):// webhook to POST to, or a file to append JSON lines to")
    g.add_argument("--alert-on", choices=("both", "mean", "level"), default="both",
                   help="which value: the period mean, the level index, or both (default)")
    g.add_argument("--period", choices=("day", "week", "month"), default="month", help="period of the mean and level (default: month)")
    add_scoring_options(g)
    _web_options(p)
    p.set_defaults(func=cmd_watch)

