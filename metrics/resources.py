"""Where the shipped data files (lexicon, gazetteer, sample articles) and the default database live.

The repository keeps ``data/`` at its top; a wheel carries the same files as ``metrics/data``
(pyproject.toml maps them), so an installed copy, a Dask worker included, reads its own copy
from any folder. Every module finds them here, never by walking up from its own file.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
PROJECT = "relations-tension-index"
ENV_DB = "TENSION_DB"  # the database a command uses without --db (metrics.store.core)


def data_dir() -> Path:
    """The installed package's ``metrics/data`` when there is one, else the checkout's ``data/``."""
    installed = _PACKAGE / "data"
    return installed if installed.is_dir() else _PACKAGE.parent / "data"


def installed() -> bool:
    """Whether this is an installed copy (its data inside the package) rather than a checkout."""
    return (_PACKAGE / "data").is_dir()


def db_dir() -> Path:
    """The folder of the default database: the checkout's ``data/``; for an installed copy the
    user's data folder (platformdirs: ``$XDG_DATA_HOME/relations-tension-index``, else
    ``~/.local/share/relations-tension-index`` on Linux, the platform's own elsewhere), created
    on first use: a database inside site-packages would be lost on reinstall and is often not
    writable."""
    if not installed():
        return data_dir()
    import platformdirs  # only an installed copy asks

    folder = Path(platformdirs.user_data_dir(PROJECT, appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # Store names the folder in its one-line error
    return folder
