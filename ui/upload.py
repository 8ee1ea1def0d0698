"""Upload: several files at once, a preview to check (and correct dates) before anything is saved."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from metrics.read.readers import supported_suffixes
from metrics.settings import UPLOAD_MAX_ARTICLES, upload_cut
from metrics.store.intake import FAILED, NEW, PRESENT, REPEATED, Intake, preview, read_upload
from metrics.views.labels import label_top_cues
from metrics.views.mdtext import md_escape
from ui import auth, cache, webin, weights

CARDS = 30  # up to this many articles get one card each with a date picker; more get an editable table

ss = st.session_state
view = ss["view"]
ss.setdefault("upload_round", 0)
ss.setdefault("upload_cache", {})
ss.setdefault("upload_links", [])

st.title("Upload articles")
auth.require_editor("uploading articles")
limits = auth.limits()
suffixes = supported_suffixes()
st.caption(
    f"Add articles as files: {', '.join(suffixes)} (a table holds one article per row, with a `text` column "
    "and optional `title`, `date`, `id`), or from links to pages and RSS/Atom feeds. Nothing is saved until "
    "you press Save; duplicates and files or links that cannot be read are listed with the reason."
)

if ss.get("upload_results") is not None:
    res: pd.DataFrame = ss.upload_results
    counts = res["status"].value_counts()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    (st.success if counts.get("failed", 0) == 0 else st.warning)(f"Last save: {summary}.")
    st.dataframe(res, hide_index=True, width="stretch")

files = st.file_uploader(
    "Article files", type=[s.lstrip(".") for s in suffixes], accept_multiple_files=True,
    key=f"uploader_{ss.upload_round}",
)
files = files or []
keep, cut = upload_cut([f.size for f in files], limits)
if cut:
    st.warning(cut)
    files = files[:keep]
# Per file (or link): what was read, with features extracted once; staged again on every run,
# since what is stored changes under the page (another session, a watcher).
reads: dict[str, list] = ss.upload_cache
todo = [f for f in files if f.file_id not in reads]
if todo:
    bar = st.progress(0.0, text=f"Reading {len(todo)} file{'s' if len(todo) != 1 else ''} …")
    ex = cache.extractor()
    for n, f in enumerate(todo, 1):
        reads[f.file_id] = webin.read_and_extract(f.name, read_upload(f.name, f.getvalue()), ex)
        bar.progress(n / len(todo), text=f"Reading files ({n}/{len(todo)}): {md_escape(f.name)}")
    bar.empty()

with st.expander("Add from a link or feed", expanded=bool(ss.upload_links)):
    # A form: the links typed and the click arrive together. A text area commits its text when it
    # loses focus, so a plain button next to it lost the first click to that commit's rerun.
    with st.form(f"links_form_{ss.upload_round}", border=False):
        links_text = st.text_area(
            "Links", key=f"links_{ss.upload_round}",
            placeholder="https://example.org/news/article.html\nhttps://example.org/feed.xml",
            help="One web page or RSS/Atom feed per line (http or https). A feed's items are read one by one; "
            "links already stored are not fetched again.",
        )
        read_links = st.form_submit_button("Read links")
    last = cache.store().last_fetched()
    st.caption(f"Articles last fetched: {last:%Y-%m-%d %H:%M} UTC." if last else "No articles fetched yet.")
    if read_links and not links_text.strip():
        st.warning("Paste at least one link (one per line) first.")
    elif read_links:
        urls = [u.strip() for u in links_text.splitlines() if u.strip()]
        bar = st.progress(0.0, text=f"Fetching {len(urls)} link{'s' if len(urls) != 1 else ''} …")
        for n, url in enumerate(urls, 1):
            refused = auth.allow_fetch()  # a shared server's per-user rate limit (fetch_per_hour)
            if refused:
                st.warning(refused)
                break
            reads[f"link:{url}"] = webin.fetch_and_extract(url, cache.store(), cache.extractor())
            if f"link:{url}" not in ss.upload_links:
                ss.upload_links.append(f"link:{url}")
            bar.progress(n / len(urls), text=f"Fetched {n}/{len(urls)}: {md_escape(url)}")
        bar.empty()
        cache.store().mark_fetched()

keys = [f.file_id for f in files] + list(ss.upload_links)
intake = Intake(cache.store(), cache.extractor(), who=auth.user())
items = [webin.stage(intake, got) for k in keys for got in reads.get(k, [])]
if items:
    pre = preview(items, view["dyad"], weights.current(), cache.lexicon())
    # What moved each score, by the cue's label ("Sanctions, export controls, tariffs +11.04"), not its id.
    pre["top_cues"] = [label_top_cues(c, cache.lexicon()) for c in pre["top_cues"]]
    new_rows = [i for i in range(len(items)) if pre.at[i, "status"] == NEW]
    if len(new_rows) > limits[UPLOAD_MAX_ARTICLES.name]:
        st.warning(f"{len(new_rows) - limits[UPLOAD_MAX_ARTICLES.name]:,} of {len(new_rows):,} new articles will not be "
                   f"saved: one upload stores at most {limits[UPLOAD_MAX_ARTICLES.name]:,} ({UPLOAD_MAX_ARTICLES.name}).")
        new_rows = new_rows[:limits[UPLOAD_MAX_ARTICLES.name]]
    st.subheader("Preview")
    st.caption(
        f"{len(new_rows)} new, {int((pre['status'] == PRESENT).sum())} already present, "
        f"{int((pre['status'] == REPEATED).sum())} repeated, "
        f"{int((pre['status'] == FAILED).sum())} failed. Scores use the current weights and pair; "
        "check each date, it places the article on the timeline."
    )
    for i in range(len(items)):
        if pre.at[i, "status"] == FAILED:
            st.error(md_escape(pre.at[i, "reason"]))
    dates: dict[int, object] = {}
    if len(new_rows) <= CARDS:
        for i in new_rows:
            row = pre.iloc[i]
            key = f"date_{ss.upload_round}_{i}_{items[i].article.id}"
            with st.container(border=True):
                c1, c2, c3 = st.columns([5, 2, 3])
                c1.markdown(f"**{md_escape(row['title'])}**  \n{md_escape(row['file'])}")
                dates[i] = c2.date_input(
                    "Date", value=row["date"], key=key, format="YYYY-MM-DD",
                    min_value=date(1900, 1, 1), max_value=date(2100, 12, 31),
                    help="Detected from the article; correct it if it is wrong or missing.",
                )
                score = "no passage about the pair" if pd.isna(row["tension"]) else f"tension {row['tension']:+.1f}"
                c3.markdown(f"**{score}**  \n{md_escape(row['top_cues']) or 'no cue found'}")
        others = pre[pre["status"].isin([PRESENT, REPEATED])]
        if not others.empty:
            st.caption("Not saved again:")
            st.dataframe(others[["file", "title", "status", "reason"]], hide_index=True, width="stretch")
    else:
        st.caption("Many articles: correct dates in the table (double-click a date cell).")
        edited = st.data_editor(
            pre, hide_index=True, width="stretch", key=f"preview_table_{ss.upload_round}",
            disabled=["file", "title", "tension", "top_cues", "status", "reason"],
            column_config={"date": st.column_config.DateColumn("date", format="YYYY-MM-DD")},
        )
        for i in new_rows:
            d = edited.at[i, "date"]
            dates[i] = None if d is None or pd.isna(d) else pd.Timestamp(d).date()

    if st.button(f"Save {len(new_rows)} new article{'s' if len(new_rows) != 1 else ''}", type="primary",
                 disabled=not new_rows):
        results = []
        bar = st.progress(0.0, text="Saving …")
        for n, i in enumerate(new_rows, 1):
            it = items[i]
            it.article.date = dates.get(i, it.article.date)
            try:
                r = intake.commit(it)
                reason = r.reason or (f"a copy of the story {r.duplicate_of}" if r.duplicate_of else "")
                results.append({"file": it.label, "title": it.article.title, "status": r.status, "reason": reason})
            except Exception as err:  # noqa: BLE001 - reported per file; the others are still saved
                results.append({"file": it.label, "title": it.article.title, "status": FAILED, "reason": str(err)})
            bar.progress(n / len(new_rows), text=f"Saving ({n}/{len(new_rows)}) …")
        for i in range(len(items)):
            if i not in new_rows:
                results.append({"file": items[i].label, "title": pre.at[i, "title"], "status": pre.at[i, "status"],
                                "reason": pre.at[i, "reason"]})
        ss.upload_results = pd.DataFrame(results, columns=["file", "title", "status", "reason"])
        ss.upload_cache = {}
        ss.upload_links = []
        ss.upload_round += 1  # a fresh uploader: the saved files leave the widget
        st.rerun()
