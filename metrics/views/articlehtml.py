"""The drill-down of one article as HTML: passages with their cues highlighted, each
contribution with every factor of it. Article text is untrusted: every piece of it that ends up
in the HTML goes through ``html.escape`` here, in one place.
"""

from __future__ import annotations

import html

from metrics.score.scoring import TENSION_PER_GOLDSTEIN

_STYLE = """<style>
.tp-art{font-size:0.95rem;line-height:1.55}
.tp-p{border-left:4px solid #ccc;padding:4px 10px;margin:6px 0}
.tp-p.up{border-left-color:#c0392b}.tp-p.down{border-left-color:#2471a3}
.tp-p.off{color:#888;border-left-color:#e5e5e5}
.tp-h{font-size:0.8rem;color:#555;margin-bottom:2px}
.tp-p mark{padding:0 2px;border-radius:3px}
.tp-p mark.up{background:#f5c6c0}.tp-p mark.down{background:#c6dcf0}.tp-p mark.zero{background:#e5e5e5}
.tp-c{font-size:0.8rem;color:#333;margin:2px 0 0 0;padding-left:16px}
.tp-fix{color:#7d3c98}.tp-fix s{color:#888}
.tp-p mark.grey{background:#eeeeee;color:#777;text-decoration:underline dotted #999}
.tp-c li.tp-grey{color:#888}
.tp-u{font-size:0.7rem;text-transform:uppercase;letter-spacing:0.04em;color:#666;border:1px solid #bbb;border-radius:3px;padding:0 3px}
</style>"""


def _sign_class(v: float) -> str:
    return "up" if v > 1e-9 else "down" if v < -1e-9 else "zero"


def _highlight(text: str, offset: int, cues: list[dict]) -> str:
    """The passage text, escaped, with each matched cue wrapped in a <mark>."""
    spans = []
    for c in cues:
        s, e = c["start"] - offset, c["end"] - offset
        if not (0 <= s < e <= len(text)) or text[s:e] != c["matched"]:
            s = text.find(c["matched"])  # offsets should agree; fall back to the text itself
            if s < 0:
                continue
            e = s + len(c["matched"])
        spans.append((s, e, c))
    spans.sort(key=lambda t: t[0])
    out, pos = [], 0
    for s, e, c in spans:
        if s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        tip = f"{c['family']}: {c['contribution']:+.2f}"
        if c.get("unattributed"):
            tip += " (unattributed: no other side named)"
        klass = "grey" if c.get("unattributed") else _sign_class(c["contribution"])
        out.append(f'<mark class="{klass}" title="{html.escape(tip)}">'
                   f"{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def _cue_line(c: dict, relevance: float, norm: float | None) -> str:
    notes = [n for n, flag in (("negated", c["negated"]), ("hedged", c["hedged"])) if flag]
    arrow = "▲" if c["direction"] == "escalation" else "▼"
    sign = c.get("sign", 1.0 if c["direction"] == "escalation" else -1.0)
    # tension.aggregate.intensity.v3: the act's intensity, weighted by its attention in the mean
    value = f" {c['intensity']:+.3g}" if "intensity" in c else ""
    factors = (f"intensity{value} (weight {c['weight']:g} × direction {sign:+g} × strength {c['strength']:g}"
               + (f", {', '.join(notes)}" if notes else "") + ")")
    between = c.get("between_pair", True)
    unattributed = c.get("unattributed", False)
    if "attention" in c:
        factors += f" × attention {c['attention']:.3g}"
        if unattributed:
            factors += " (0: unattributed: its passage names no other side)"
        elif not between:
            factors += " (0: not an act between the pair)"
        elif relevance != 1:
            factors += f" (relevance {relevance:g})"
    elif unattributed:
        factors += " × 0 (unattributed: its passage names no other side)"
    elif not between:
        factors += " × 0 (not an act between the pair)"
    if norm is not None and between and "attention" in c:
        factors += f" / norm {norm:.3g}"
    # Who did it to whom, as the extractor read it: codes from the gazetteer ("?" when unnamed).
    who = ""
    if "source" in c:
        who = f" <i>{html.escape(c['source'] or '?')} → {html.escape(c['target'] or '?')}</i>"
        if between and c.get("actor"):
            who += f" (an act of {html.escape(c['actor'])})"
    label = '<span class="tp-u">unattributed</span> ' if unattributed else ""
    li = '<li class="tp-grey">' if unattributed else "<li>"
    return (
        f"{li}{label}{arrow} <b>{html.escape(c['family'])}</b>"
        f" “{html.escape(c['matched'])}”{who}: {factors} = <b>{c['contribution']:+.2f}</b>{_correction_note(c)}</li>"
    )


def _correction_note(c: dict) -> str:
    """A corrected cue: the reading it replaced struck through, then who corrected it and how."""
    k = c.get("correction")
    if not k:
        return ""
    was = k.get("original") or {}
    old = ""
    if was:
        old = (f"<s>read as {html.escape(was.get('source') or '?')} → {html.escape(was.get('target') or '?')}, "
               f"{html.escape(str(was.get('direction', '')))}, strength {float(was.get('strength', 0)):g}</s> ")
    why = f": {html.escape(k['reason'])}" if k.get("reason") else ""
    return (f'<div class="tp-fix">{old}<b>corrected #{int(k["id"])}</b> ({html.escape(k["says"])}) by '
            f"{html.escape(k.get('who') or '?')}{why}</div>")


def _tone_line(p: dict, weight: float | None, relevant: float | None) -> str:
    if weight is None or not relevant or p["relevance"] == 0 or p["tone_contribution"] == 0:
        return ""
    return (f"<li>Tone (VADER): weight {weight:g} × −compound {p['tone']:+.3f} × relevance "
            f"{p['relevance']:g} / relevant {relevant:g} = <b>{p['tone_contribution']:+.2f}</b></li>")


def article_html(doc: dict, tone_weight: float | None = None) -> str:
    """The drill-down of one article (``metrics.score.scoring.explain`` or ``metrics.views.drilldown.page``):
    passages (in the doc's order), cues highlighted, each passage's and each cue's contribution
    with every factor of it when the doc carries the article's ``norm``. All article text is
    escaped."""
    norm = doc.get("norm")
    parts = [_STYLE, '<div class="tp-art">']
    for p in doc["passages"]:
        rel = p["relevance"]
        cls = "off" if rel == 0 else _sign_class(p["contribution"])
        head = f"Passage {p['index'] + 1} · contribution <b>{p['contribution']:+.2f}</b>"
        if rel == 0:
            head += " · not about the pair: does not count"
        else:
            head += f" · relevance {rel:g} · tone {p['tone_contribution']:+.2f}"
        parts.append(f'<div class="tp-p {cls}"><div class="tp-h">{head}</div>')
        parts.append(_highlight(p["text"], p["start"], p["cues"]))
        lines = "".join(_cue_line(c, rel, norm) for c in p["cues"]) + _tone_line(p, tone_weight, doc.get("relevant"))
        if lines:
            parts.append('<ul class="tp-c">' + lines + "</ul>")
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def explain_summary(doc: dict) -> str:
    """One line reconciling the passages with the score (plain text, safe for markdown)."""
    total_n = doc.get("passages_total", len(doc["passages"]))
    if doc["tension"] is None:
        return f"No passage of this article is about the chosen pair ({total_n:,} passages): it has no tension."
    counted = doc.get("counted", sum(1 for p in doc["passages"] if p["relevance"] > 0))
    raw = doc.get("raw", sum(p["contribution"] for p in doc["passages"]))
    norm = ""
    if doc.get("norm") is not None:
        norm = (f" Each act counts in proportion to its attention (its family's severity × |strength| ×"
                f" relevance), norm = {doc['norm']:.3g} in all; the tone adds the passages' mean tone.")
        if doc.get("n_events") is not None:
            norm += f" {doc['n_events']:,} distinct acts in {doc.get('mentions', 0):,} mentions."
    return (
        f"{counted:,} of {total_n:,} passages count.{norm} Their contributions add up to "
        f"raw {raw:+.2f} (a mean intensity on Goldstein's scale); "
        f"tension = {TENSION_PER_GOLDSTEIN:g} × raw"
        + (" (clipped to ±100)" if abs(TENSION_PER_GOLDSTEIN * raw) > 100 else "")
        + f" = {doc['tension']:+.1f}."
    )
