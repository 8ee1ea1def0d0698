"""The regex engine's own code for a compiled pattern, kept so a later process skips compiling.

``re.compile`` parses a pattern, compiles the parse tree to a list of ints and hands that list
to the private ``_sre.compile``. The finder (``metrics.events.prefilter``) keeps those lists in
its start-up cache and rebuilds the matchers from them. This leans on CPython's private ``re``
internals, so all of it lives here: ``ENABLED`` is False when they do not behave as expected at
import (a future CPython), or when ``TENSION_SRE_CODE=off``; the finder then compiles from the
parse tree only and gets the same matches, a little slower to start. The day CPython changes,
delete this module and the finder's three uses of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

try:  # Python 3.11+
    from re import _parser as _sre_parse
    from re._compiler import _code
    from re._compiler import compile as compile_tree  # noqa: F401 - the finder compiles with it when ENABLED is False
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]
    from sre_compile import _code  # type: ignore[no-redef]

import _sre

ENV = "TENSION_SRE_CODE"
MAGIC = _sre.MAGIC  # the engine's code format: part of every cache key


def entry(tree, flags: int) -> list:
    """The compiled form of a parse tree, as JSON-able data."""
    groupindex = dict(tree.state.groupdict)
    indexgroup: list[str | None] = [None] * tree.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return [int(flags | tree.state.flags), list(_code(tree, flags)), tree.state.groups - 1, groupindex, indexgroup]


def match_of(data: list) -> Callable[[str, int], re.Match[str] | None]:
    """The ``match`` of a pattern rebuilt from ``entry``'s data (the engine checks the code)."""
    flags, code, groups, groupindex, indexgroup = data
    return _sre.compile(None, flags, code, groups, groupindex, tuple(indexgroup)).match


def _works() -> bool:
    if os.environ.get(ENV, "").strip().lower() == "off":
        return False
    try:
        tree = _sre_parse.parse(r"(?<!\w)a(?P<x>b+)c|d", re.I)
        match = match_of(entry(tree, re.I.value))
        m = match("z ABbc", 2)
        return m is not None and m.span() == (2, 6) and m.lastgroup == "x" and match("zABbc", 1) is None
    except Exception:  # noqa: BLE001 - any change in the private API: compile from trees only
        return False


ENABLED = _works()
