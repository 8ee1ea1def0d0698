"""Dashboard speed in a real browser: first chart and slider answer with many stored articles.

    python bench/dashboard_perf.py                      # 10,000 articles
    python bench/dashboard_perf.py --articles 100000    # the scale check
    python bench/dashboard_perf.py --json               # machine-readable

1. Builds (once; reused on later runs) a database under bench/out/ of N generated articles:
   10,000 distinct articles written from the sentence bank below and extracted with the real
   Extractor; beyond 10,000, copies of those feature tables under new dates and ids are stored
   through ``Store.add_features`` (the bulk path a Dask run uses), so 100,000 does not take an hour.
2. Starts ``streamlit run app.py`` on a free port with ``TENSION_DB`` pointing at it.
3. Drives Debian's Chromium with Playwright and measures
   - first chart, cold: from the navigation to the first plotly point of the timeline (the
     moment plotly inserts it, recorded inside the page by a MutationObserver), on a
     server that has not read the database yet (it reads the features and prepares the pair);
   - first chart, reload: the same visitor reloading the page (browser cache warm);
   - first chart, warm: a new visitor (fresh browser profile, server caches warm), median of
     ``--visits``; the number to compare with the target;
   - slider: from a keyboard move of a weight slider (the key press, timed inside the page) to
     ``data-test-script-state`` back at ``notRunning`` after the rerun, and to the timeline's
     last change (its new drawing complete, which can come after the run ends); median, min and
     max over ``--moves`` moves, each to a weight not used before (up to the slider's end: 28);
   - the floor: a one-chart Streamlit app timed the same way, its new visitors in turns with the
     app's, so the figures can be read against what Streamlit and plotly.js cost on this machine
     at this moment (the ratio matters more than the seconds on a shared 2-core box).
   - click: from a click on a point of the timeline to the passages beside it showing that
     point's period (their heading names it, the first quote changed), and to the end of the
     click's run; median, min and max over 5 points in different periods.
Targets (issue 12): a new visitor's first chart within 1.15x of the floor, slider < 500 ms with
10,000 articles; (issue 23) a click's passages within 500 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.browser import (  # noqa: E402
    CHROMIUM,
    FIRST_PAINT,
    IDLE,
    WINDOW,
    ServerFailed,
    launch_chromium,
    start_streamlit,
    stop,
)

OUT = ROOT / "bench" / "out"
DISTINCT = 10_000  # articles written and extracted; more are copies of their features
POINT = ".js-plotly-plot .scatterlayer .trace .point"

# ------------------------------------------------------------------------------ corpus
# Our own sentences. Slots are filled at random, and every article carries a serial number, so
# no two articles share a text.

US_PEOPLE = ["Secretary Blinken", "President Biden", "Secretary Austin", "Treasury Secretary Yellen",
             "Commerce Secretary Raimondo", "a senior U.S. official", "the U.S. ambassador", "Mr. Sullivan"]
CN_PEOPLE = ["Wang Yi", "Xi Jinping", "Qin Gang", "Vice Premier He Lifeng", "Defence Minister Dong Jun",
             "a Chinese foreign ministry spokesman", "the Chinese ambassador", "Li Qiang"]
US_SIDE = ["Washington", "the United States", "the White House", "the State Department", "the Pentagon"]
CN_SIDE = ["Beijing", "China", "the Chinese government", "China's foreign ministry", "the People's Liberation Army"]
CITIES = ["Beijing", "Washington", "Geneva", "Singapore", "Vienna", "Bali", "San Francisco", "Tianjin",
          "Anchorage", "Stockholm", "Jakarta", "Honolulu"]
TOPICS = ["climate change", "fentanyl trafficking", "trade imbalances", "export controls", "military safety",
          "student visas", "agricultural purchases", "semiconductor supply chains", "maritime incidents",
          "public health", "debt relief", "artificial intelligence"]
GOODS = ["solar panels", "steel", "soybeans", "electric vehicles", "chips", "rare earths", "batteries",
         "machine tools", "pharmaceuticals", "drones"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

HOSTILE = [
    "{us} imposed sanctions on {n} Chinese companies linked to {topic}.",
    "{cn} condemned the move and vowed to take firm countermeasures.",
    "The People's Liberation Army held live-fire drills near Taiwan for {n} days.",
    "{cn} suspended talks with the United States on {topic}.",
    "Officials on both sides said relations were at their lowest point in years.",
    "{us} accused China of unfair trade practices in {goods}.",
    "{cnp} declined to meet {usp} on the sidelines of the forum in {city}.",
    "Tariffs of {n} percent on Chinese {goods} took effect on {day}.",
    "{cn} warned Washington of serious consequences over arms sales to Taiwan.",
    "{us} added {n} Chinese firms to its export blacklist.",
    "A Chinese fighter jet flew within {n} metres of an American surveillance plane.",
    "Beijing expelled a U.S. journalist and closed a consulate in {city}.",
    "{usp} criticised China's military pressure on its neighbours.",
    "China cut off military communication channels with the United States.",
    "Lawmakers in Washington demanded tougher restrictions on Chinese {goods}.",
]
WARM = [
    "{usp} and {cnp} held talks in {city} on {topic}.",
    "Both sides called the meeting constructive and productive.",
    "The United States and China signed an agreement on {topic}.",
    "{cnp} invited {usp} to visit Beijing later this year.",
    "The two sides agreed to restore military communication channels.",
    "{us} eased export restrictions on {n} categories of {goods}.",
    "{cnp} praised the progress made on {topic}.",
    "{us} and {cn} agreed to cooperate on {topic}.",
    "{usp} arrived in Beijing on {day} for a {n}-day visit.",
    "China released {n} detained American citizens ahead of the summit.",
    "The two presidents spoke by phone for {n} minutes on {day}.",
    "Officials described relations as stabilising after months of strain.",
]
NEUTRAL = [
    "Stock markets in {city} moved {n} percent on {day}.",
    "A research institute in {city} published a report on {topic}.",
    "Analysts expect further discussions on {topic} in the coming months.",
    "The figures for {goods} exports will be released next week.",
    "The conference on {topic} drew {n} delegates from {n2} countries.",
    "Shipping volumes of {goods} through {city} were broadly unchanged.",
    "Reporters waited outside the venue in {city} for several hours.",
    "The minutes of the meeting are due to be published on {day}.",
]


def _fill(template: str, rng: random.Random) -> str:
    s = template.format(
        us=rng.choice(US_SIDE), cn=rng.choice(CN_SIDE), usp=rng.choice(US_PEOPLE), cnp=rng.choice(CN_PEOPLE),
        city=rng.choice(CITIES), topic=rng.choice(TOPICS), goods=rng.choice(GOODS), day=rng.choice(DAYS),
        n=rng.randint(2, 90), n2=rng.randint(3, 60),
    )
    return s[0].upper() + s[1:]


def make_article(i: int, start: date = date(2015, 1, 1), span_days: int = 3650) -> tuple[str, date]:
    """Article ``i``: a dateline, a headline, 8 to 16 sentences; how hostile it reads follows a slow
    cycle over the years, so the timeline has a shape to look at."""
    rng = random.Random(i)
    day = start + timedelta(days=rng.randrange(span_days))
    phase = (day - start).days / 365.25
    p_hostile = 0.45 + 0.3 * math.sin(phase * 2.1) + 0.1 * math.sin(phase * 7.3)
    sentences = []
    for _ in range(rng.randint(8, 16)):
        r = rng.random()
        bank = NEUTRAL if r < 0.3 else HOSTILE if rng.random() < p_hostile else WARM
        sentences.append(_fill(rng.choice(bank), rng))
    headline = _fill(rng.choice(HOSTILE if rng.random() < p_hostile else WARM), rng).rstrip(".")
    body = " ".join(sentences)
    text = f"{day:%B} {day.day}, {day.year}\n{headline}\n{body} (Dispatch {i:06d}.)\n"
    return text, day


_EXTRACTOR = None  # one per worker process: building it compiles the lexicon


def _extract_chunk(lo_hi: tuple[int, int]) -> list:
    global _EXTRACTOR
    from metrics.events.extract import Extractor
    from metrics.model import Article

    ex = _EXTRACTOR = _EXTRACTOR or Extractor()
    out = []
    for i in range(*lo_hi):
        text, day = make_article(i)
        title = text.splitlines()[1]
        out.append(ex.extract(Article(text=text, title=title, date=day, source=f"bench/wire-{i % 7}.txt")))
    return out


def build(db: Path, n: int, workers: int) -> dict:
    """Fill ``db`` up to ``n`` articles; returns timings. Reuses what is already there."""
    from concurrent.futures import ProcessPoolExecutor

    from metrics.model import Article, ArticleFeatures
    from metrics.store.core import Store

    store = Store(db)
    have = store.count()
    info = {"had": have, "built": 0, "seconds": 0.0}
    if have >= n:
        return info
    t0 = time.perf_counter()
    distinct = min(n, DISTINCT)
    base: list = []
    chunks = [(lo, min(lo + 250, distinct)) for lo in range(0, distinct, 250)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for feats in pool.map(_extract_chunk, chunks):
            base.extend(feats)
            for f in feats:
                store.add_features(f)
            print(f"  extracted and stored {len(base):,}/{distinct:,}", file=sys.stderr, end="\r")
    rng = random.Random(7)
    copy = 0
    while store.count() < n:
        f = base[copy % len(base)]
        copy += 1
        a = f.article
        day = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        text = a.text + f"(Copy {copy}.)"
        clone = Article(text=text, title=a.title, date=day, source=f"bench/copy-{copy % 11}.txt")
        store.add_features(ArticleFeatures(clone, f.passages, f.matches, f.actors))
        if copy % 5000 == 0:
            print(f"  stored {store.count():,}/{n:,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    info["built"] = store.count() - have
    info["seconds"] = round(time.perf_counter() - t0, 1)
    store.close()
    return info


# ------------------------------------------------------------------------------ measuring


FLOOR_APP = """import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2], mode="markers")))
"""


def _serve(db: Path, log: Path, script: str = "app.py"):
    try:
        return start_streamlit(db, log, script)
    except ServerFailed:
        raise SystemExit(f"streamlit did not start; see {log}") from None


_OBSERVE = """() => {
  window.__events = [];
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => window.__events.push(['state', app.getAttribute('data-test-script-state'), performance.now()]))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  // Streamlit mounts a changed chart anew: watch the timeline's place on the page, not one plot element.
  new MutationObserver(ms => {
    if (ms.some(m => (m.target.nodeType === 1 ? m.target : m.target.parentElement)?.closest('.st-key-timeline')))
      window.__events.push(['chart', '', performance.now()]);
  }).observe(document.body, {subtree: true, attributes: true, childList: true});
}"""

_DONE = """t0 => {
  const ev = window.__events.filter(e => e[2] >= t0);
  const run = ev.findIndex(e => e[0] === 'state' && e[1] === 'running');
  if (run < 0) return null;
  const idle = ev.slice(run).find(e => e[0] === 'state' && e[1] === 'notRunning');
  return idle ? idle[2] - t0 : null;
}"""

_QUIET = """t0 => {
  const ev = window.__events.filter(e => e[0] === 'chart' && e[2] >= t0);
  return performance.now() - (ev.length ? ev[ev.length - 1][2] : t0) > 500;
}"""

# The timeline's last change after the key press: when its new drawing is complete (read once
# the page has been quiet for a while; it can come after the run has ended).
_DRAWN = """t0 => {
  const ev = window.__events.filter(e => e[0] === 'chart' && e[2] >= t0);
  return ev.length ? ev[ev.length - 1][2] - t0 : null;
}"""


# The moment plotly inserts the first point, seen from inside the page. Playwright's own check
# polls, and on a busy main thread (the rest of the page rendering right after the chart) it
# sees the point hundreds of milliseconds after it was drawn.
_POINT_WATCH = "const __pointSel = " + json.dumps(POINT) + ";" + """
new MutationObserver((_, obs) => {
  if (document.querySelector(__pointSel)) { window.__firstPoint = performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""


def _until_point(page, t0: float) -> float:
    """Seconds from navigation to the first point (the page's clock; the wall clock from
    ``t0`` if the page could not say)."""
    page.wait_for_selector(POINT, timeout=180_000)
    wall = time.perf_counter() - t0
    seen = page.evaluate("window.__firstPoint")
    return seen / 1000 if seen else wall


def _first_chart(browser, url: str) -> tuple[float, object, object]:
    ctx = browser.new_context(viewport=WINDOW)
    ctx.add_init_script(_POINT_WATCH)
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    seconds = _until_point(page, t0)
    page.wait_for_selector(IDLE)
    return seconds, ctx, page


def _floor_server():
    """The one-chart Streamlit app (what Streamlit and plotly.js cost in this browser on this
    machine before our app does anything): its process and url."""
    script = OUT / "floor_app.py"
    script.write_text(FLOOR_APP, encoding="utf-8")
    return _serve(OUT / "floor-unused.db", OUT / "floor.log", str(script))


CLICKS = 5  # points clicked, each in another period
PASSAGES_HEAD = "[data-testid='stMarkdownContainer'] strong"

# From the click (timed inside the page) to the passages beside the chart naming the clicked
# period with its first quote changed, polled on every animation frame; the rest of the run
# (who escalates, what drove it, the period's table) may still be arriving.
_PASSAGES_SHOWN = """([t0, before, quote]) => {
  const head = [...document.querySelectorAll(""" + json.dumps(PASSAGES_HEAD) + """)]
    .find(e => e.textContent.startsWith('Passages behind '));
  const first = document.querySelector('.tp-q');
  if (!head || head.textContent === before || (first && first.textContent === quote)) return null;
  return performance.now() - t0;
}"""
_RUN_OVER = """t0 => { const app = document.querySelector("[data-testid='stApp']");
  return app.getAttribute('data-test-script-state') === 'notRunning' ? performance.now() - t0 : null; }"""


def _passages_head(page) -> str:
    return page.evaluate("""sel => { const h = [...document.querySelectorAll(sel)]
      .find(e => e.textContent.startsWith('Passages behind ')); return h ? h.textContent : ''; }""", PASSAGES_HEAD)


def _clicks(page, n: int) -> tuple[list[float], list[float]]:
    """Milliseconds from a click on a point of the timeline to its period's passages beside
    it, and to the end of the click's run, for ``n`` points in different periods."""
    points = page.locator(POINT)
    total = points.count()
    shown: list[float] = []
    over: list[float] = []
    for k in range(n):
        point = points.nth(int((k + 0.5) * total / n))
        box = point.bounding_box()
        if box is None:
            continue
        before = _passages_head(page)
        quote = page.evaluate("() => (document.querySelector('.tp-q') || {}).textContent || null")
        t0 = page.evaluate("performance.now()")
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        shown.append(page.wait_for_function(_PASSAGES_SHOWN, arg=[t0, before, quote], timeout=60_000,
                                            polling="raf").json_value())
        page.wait_for_timeout(150)  # the run's state may still read notRunning from before the click
        over.append(page.wait_for_function(_RUN_OVER, arg=t0, timeout=60_000, polling="raf").json_value())
        page.wait_for_timeout(1000)
    return shown, over


def measure(url: str, moves: int, visits: int, floor_url: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        if floor_url:
            _first_chart(browser, floor_url)[1].close()  # its server's first page run, not timed
        cold, ctx, page = _first_chart(browser, url)
        out["first_chart_cold_s"] = round(cold, 2)
        # A returning visitor: same browser profile (its cache holds Streamlit's scripts), page reloaded.
        again = []
        for _ in range(visits):
            t0 = time.perf_counter()
            page.reload()
            again.append(_until_point(page, t0))
            page.wait_for_selector(IDLE)
        out["first_chart_reload_s_median"] = round(statistics.median(again), 2)
        ctx.close()
        # New visitors to the app and to the floor in turns (the order swapped every round), so
        # both see the same load on the two cores: the ratio of one run is what to compare.
        warm, bare = [], []

        def floor_visit() -> None:
            seconds, f_ctx, _page = _first_chart(browser, floor_url)
            bare.append(seconds)
            f_ctx.close()

        for k in range(visits):
            if floor_url and k % 2 == 1:
                floor_visit()
            seconds, ctx, page = _first_chart(browser, url)
            warm.append(seconds)
            # The whole page in before the next visit: its second run must not load the next one.
            page.wait_for_selector(FIRST_PAINT, state="detached", timeout=120_000)
            page.wait_for_selector(IDLE)
            if floor_url and k % 2 == 0:
                floor_visit()
            if len(warm) < visits:
                ctx.close()
        out["first_chart_warm_s_median"] = round(statistics.median(warm), 2)
        out["first_chart_warm_s_min"] = round(min(warm), 2)
        if bare:
            out["floor_first_chart_s_median"] = round(statistics.median(bare), 2)
            out["first_chart_over_floor"] = round(statistics.median(warm) / statistics.median(bare), 2)
        out["points_drawn"] = page.locator(POINT).count()
        # A seed cue's slider: always open beside the chart (the sidebar's groups start closed).
        thumb = page.locator(".st-key-w_channels_cut input[type='range']")
        thumb.wait_for(state="attached")
        # The whole page first (a new visitor's second run, ui.firstpaint), so no move is timed
        # against the end of the page load.
        page.wait_for_selector(FIRST_PAINT, state="detached", timeout=120_000)
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(1000)
        page.evaluate(_OBSERVE)
        idle, chart = [], []
        # Every move to a weight not seen before, as a drag goes: moving back and forth between two
        # values would find both runs' figures cached on the server and their messages in the browser.
        value, top, step = (float(x) for x in thumb.evaluate("e => [e.value, e.max, e.step]"))
        fresh = int(round((top - value) / step))
        for k in range(moves):
            thumb.focus()
            t_key = page.evaluate("performance.now()")
            page.keyboard.press("ArrowRight" if k < fresh else "ArrowLeft")
            idle.append(page.wait_for_function(_DONE, arg=t_key, timeout=60_000).json_value())
            # The next move from a quiet page: no change to the timeline for half a second.
            page.wait_for_function(_QUIET, arg=t_key, timeout=30_000, polling=100)
            drawn = page.evaluate(_DRAWN, t_key)
            if drawn is not None:
                chart.append(drawn)
        out["slider_idle_ms_median"] = round(statistics.median(idle))
        out["slider_idle_ms_min"] = round(min(idle))
        out["slider_idle_ms_max"] = round(max(idle))
        if chart:
            out["slider_chart_ms_median"] = round(statistics.median(chart))
        out["slider_moves"] = moves
        out["slider_moves_to_new_values"] = min(moves, fresh)
        shown, over = _clicks(page, CLICKS)
        if shown:
            out["click_passages_ms_median"] = round(statistics.median(shown))
            out["click_passages_ms_min"] = round(min(shown))
            out["click_passages_ms_max"] = round(max(shown))
            out["click_idle_ms_median"] = round(statistics.median(over))
            out["clicks"] = len(shown)
        ctx.close()
        browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000, help="stored articles (default 10,000)")
    ap.add_argument("--db", type=Path, help="database to use (default bench/out/dashboard-N.db)")
    ap.add_argument("--moves", type=int, default=10, help="slider moves to time (default 10)")
    ap.add_argument("--visits", type=int, default=5, help="warm page loads to time (default 5)")
    ap.add_argument("--workers", type=int, default=2, help="processes extracting the corpus (default 2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--no-floor", action="store_true", help="skip timing the one-chart Streamlit app")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"error: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    db = args.db or OUT / f"dashboard-{args.articles}.db"
    built = build(db, args.articles, args.workers)
    proc, url = _serve(db, OUT / f"dashboard-{args.articles}.log")
    floor_proc, floor_url = (None, None) if args.no_floor else _floor_server()
    try:
        load_before = os.getloadavg()[0]
        result = {"articles": args.articles, "db": str(db), "build": built,
                  **measure(url, args.moves, args.visits, floor_url)}
        # Other processes on the machine slow the browser down: say how busy it was.
        result["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        result["cpus"] = os.cpu_count()
    finally:
        stop(proc)
        if floor_proc is not None:
            stop(floor_proc)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>24}: {v}")
        ratio = result.get("first_chart_over_floor")
        ok = (ratio is not None and ratio <= 1.15) and result["slider_idle_ms_median"] < 500
        print(f"{'targets':>24}: first chart within 1.15x of the floor, slider < 500 ms -> {'met' if ok else 'NOT met'}")
        click = result.get("click_passages_ms_median")
        print(f"{'':>24}  a click's passages < 500 ms -> {'met' if click is not None and click < 500 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
