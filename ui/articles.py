"""Articles: every stored article, searchable and sortable; select to read, select to delete."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from metrics.score.scoring import tension, top_cues
from metrics.views.downloads import scores_csv
from metrics.views.filters import filter_mask, search_mask
from metrics.views.labels import dyad_label, label_top_cues
from metrics.views.mdtext import md_escape
from ui import article, auth, cache, weights

MAX_ROWS = 10_000  # rows sent to the browser at once; the search narrows the rest
ROW_PX = 35  # the grid's row height

ss = st.session_state
path, version = cache.current()
fr = cache.frame(path, version)
view = ss["view"]
w = weights.current()
prep = cache.prepared(path, version, view["dyad"])

@st.cache_data(max_entries=2, show_spinner=False)
def _copies(path: str, version: int) -> pd.DataFrame:
    """Syndicated copies (metrics.store.intake): listed here, left out of timelines and means."""
    arts = cache.store().articles()
    arts = arts[arts["duplicate_of"].notna()]
    return pd.DataFrame({
        "id": arts["id"].astype(str), "title": arts["title"].fillna("(untitled)").astype(str),
        "date": pd.to_datetime(arts["date"], errors="coerce"), "source": arts["source"].fillna("").astype(str),
        "duplicate_of": arts["duplicate_of"].astype(str),
    }).reset_index(drop=True)


copies = _copies(path, version)
st.title("Articles")
changed = w.non_default()
st.caption(
    f"{len(fr):,} stored articles, scored for {dyad_label(view['dyad'])}"
    + (f" with {len(changed)} weights changed on the Overview page." if changed else " with the default weights.")
    + " Click a column header to sort."
    + (f" {len(copies):,} syndicated copies are listed with the story they copy (duplicate_of) and counted once"
       " on the timeline." if len(copies) else "")
)
last = cache.store().last_fetched()
if last is not None:
    st.caption(f"Articles last fetched from links or feeds: {last:%Y-%m-%d %H:%M} UTC.")

query = st.text_input("Search articles", key="article_search", placeholder="words of the title, source or id")
view_mask = filter_mask(fr, view["start"], view["end"], view["source"], keep_undated=True)
mask = search_mask(fr, query) & view_mask
if view_mask.sum() < len(fr):
    st.caption(f"The sidebar's date range and source filter hide {len(fr) - int(view_mask.sum()):,} articles.")
t = tension(prep, w)
shown = fr.assign(tension=np.round(t, 1))[mask].sort_values("date", ascending=False, na_position="last")
if len(shown) > MAX_ROWS:
    st.caption(f"Showing the latest {MAX_ROWS:,} of {len(shown):,} matches: search to narrow them.")
    shown = shown.head(MAX_ROWS)
# Top cues for the rows shown only: formatting them for 100,000 articles would cost a second.
cues = top_cues(prep, w, rows=shown.index.to_numpy())
shown = shown.assign(top_cues=[label_top_cues(c, prep.lexicon) for c in cues], duplicate_of=None)
if len(copies):
    cmask = search_mask(copies, query) & filter_mask(copies, view["start"], view["end"], view["source"], keep_undated=True)
    shown = pd.concat([shown, copies[cmask].assign(tension=np.nan, top_cues="")], ignore_index=True)
event = st.dataframe(
    shown[["date", "title", "tension", "top_cues", "source", "id", "duplicate_of"]],
    # As tall as its rows (up to 420 px): a fixed height drew empty rows under a short list.
    hide_index=True, width="stretch", height=min(420, ROW_PX * len(shown) + 38), placeholder="",
    # Row positions mean nothing once the rows change (a delete, a search, a filter, another
    # session's upload): the key names the rows shown, so a stale selection is dropped.
    key=f"articles_table_{ss.get('articles_round', 0)}_{hashlib.sha1(''.join(shown['id']).encode()).hexdigest()[:12]}",
    on_select="rerun", selection_mode="multi-row",
    column_config={
        # Widths that fit every column in a laptop's page; a clipped cell shows in full on hover.
        "date": st.column_config.DateColumn("date", width=90),
        # Wide enough for a whole headline (about 90 characters); the grid scrolls sideways to the rest.
        "title": st.column_config.TextColumn("title", width=560),
        "tension": st.column_config.NumberColumn("tension", format="%+.1f", help="-100 cooperation · +100 conflict",
                                                 width=70),
        "top_cues": st.column_config.TextColumn("top cues", help="The cue families that moved the score most",
                                                width=220),
        "source": st.column_config.TextColumn("source", width=120),
        "id": st.column_config.TextColumn("id", width=60),
        "duplicate_of": st.column_config.TextColumn(
            "duplicate_of", help="A syndicated copy: the id of the story's first stored copy (counted once)", width=110),
    },
)
rows = [r for r in (event.selection.rows if event and event.selection else []) if r < len(shown)]
picked = shown.iloc[rows]["id"].tolist() if rows else []

c1, c2, c3 = st.columns([2, 2, 3])
c1.download_button(
    "Scores as CSV", data=lambda: scores_csv(prep, w, mask), file_name="tension-scores.csv",
    mime="text/csv", on_click="ignore",
    help="Every article matching the search: id, date, title, source, tension, raw score, top cues.",
)
editor = auth.can_edit()
if picked and editor:
    with c2.popover(f"Delete {len(picked)} selected", width="stretch"):
        st.write(f"Remove {len(picked)} article{'s' if len(picked) != 1 else ''} from the dashboard? Undo brings them back.")
        if st.button("Delete", type="primary", key="confirm_delete"):
            n = cache.store().remove(picked, who=auth.user())
            ss.articles_note = f"Removed {n} article{'s' if n != 1 else ''}."
            ss.articles_undo = picked
            ss.articles_round = ss.get("articles_round", 0) + 1
            if ss.get("selected_article") in picked:
                ss.selected_article = None
            st.rerun()
elif editor:
    c2.caption("Select rows to delete them; select one to read it.")
else:
    c2.caption(md_escape("Select a row to read it. " + auth.refusal("deleting")))
if ss.get("articles_note"):
    c3.success(ss.pop("articles_note"))
if ss.get("articles_undo") and editor:
    if c3.button("Undo", key="undo_delete", help="Bring back the articles just removed."):
        n = cache.store().restore(ss.pop("articles_undo"), who=auth.user())
        ss.articles_note = f"Restored {n} article{'s' if n != 1 else ''}."
        ss.articles_round = ss.get("articles_round", 0) + 1
        st.rerun()

if len(picked) == 1:
    st.divider()
    ss.selected_article = picked[0]
    article.show_article(picked[0], view["dyad"], w)
elif not np.any(mask):
    st.info("No article matches the search.")
article.sync_selection()
