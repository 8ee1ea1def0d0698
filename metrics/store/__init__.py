"""Storage: where articles and their features are kept, on SQLite or a team's PostgreSQL.

``open_store(location)`` opens one: a ``postgresql://`` URL composes the PostgreSQL backend
(``postgres``), anything else is a SQLite file (``sqlite``). ``core`` holds what both share: the
schema and its migrations, the packed feature codec and the store's operations. ``intake``
stages and commits one article whoever brings it (command line, feed, upload, Dask),
``harvest`` saves what ``metrics.read.fetch`` brought, and ``export`` writes stored scores out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.events.lexicon import Lexicon
    from metrics.store.core import Store


def open_store(location: str | Path | None = None, lexicon: Lexicon | None = None, create: bool = True) -> Store:
    """The store at ``location`` (a SQLite file or a ``postgresql://`` URL; default
    ``$TENSION_DB``, else the default database), migrated to this program's schema."""
    from metrics.store.core import Store  # the package's docstring and open_store stay light to import

    return Store(location, lexicon=lexicon, create=create)
