"""Untrusted text (titles, file names, URLs, error lines that quote them) made literal for
Streamlit markdown: no links, images, math or emphasis."""

from __future__ import annotations

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>$~:"})


def md_escape(text: str) -> str:
    """Untrusted text made literal for Streamlit markdown (no links, images, math or emphasis)."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)
