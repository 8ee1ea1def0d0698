"""The timeline first: a new visitor's first page run sends the headline and the timeline only,
and the rest (key sliders, who escalates, drivers, the period's articles, the sidebar's weights)
once the browser reports the timeline drawn.

Why: on a fresh browser the page's scripts (plotly.js alone is 4.7 MB) compile on the same main
thread that renders Streamlit's elements and draws the charts. Sent together, the 60-odd
elements, the table's scripts and three charts all wait for one another and the timeline shows
last (`bench/dashboard_perf.py`; bench/RESULTS.md). Sent after it, they cost the
visitor nothing they are waiting for.

Only a session with a browser waits: one without (AppTest, a script) gets the whole page at once,
since nothing would ever report the draw.
"""

from __future__ import annotations

import streamlit as st

DONE = "first_paint_done"  # the session's timeline has been drawn once

# Waits for the timeline's traces (plotly makes its frame before it draws them), one painted
# frame, then asks for the rest. The time limit is the fallback: a chart that fails to draw
# must not hold the page back.
_JS = """
export default function ({ setTriggerValue }) {
  const t0 = performance.now();
  // A narrow window (a phone, half a laptop screen) opens with the sidebar closed, so the chart
  // gets the width; Streamlit itself closes it only below 768 px. Once, on a new visitor's page.
  if (window.innerWidth < 900) {
    const close = document.querySelector("[data-testid='stSidebarCollapseButton'] button[aria-expanded='true']");
    if (close) close.click();
  }
  const tick = () => {
    if (document.querySelector(".st-key-timeline .main-svg .trace") || performance.now() - t0 > 6000) {
      requestAnimationFrame(() => setTimeout(() => setTriggerValue("drawn", true), 0));
    } else {
      setTimeout(tick, 40);
    }
  };
  tick();
}
"""

# The note is the component's own HTML: as a caption it would be one more markdown element to
# parse before the chart.
_component = st.components.v2.component(
    "relations_tension.first_paint", js=_JS,
    html="<p>Drawing the filters, the cue weights, what drove the period and its articles …</p>",
    css="p { color: rgba(49, 51, 63, 0.6); font-size: 14px; font-family: 'Source Sans', sans-serif; margin: 0; }",
)


def _browser_session() -> bool:
    return bool(st.context.headers)  # empty without a browser connection (AppTest)


def pending() -> bool:
    """True on a browser session's runs until its timeline has been drawn once: on the overview,
    such a run is a first paint."""
    return not st.session_state.get(DONE) and _browser_session()


def nothing_to_wait_for() -> None:
    """No timeline to draw (no article in view): draw everything at once, on a new run."""
    first = pending()
    st.session_state[DONE] = True
    if first:
        st.rerun()


def _drawn() -> None:
    st.session_state[DONE] = True


def await_timeline() -> None:
    """The note that the rest is coming, and the watcher whose report reruns the page."""
    _component(key="first_paint", on_drawn_change=_drawn)
