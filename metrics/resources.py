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


def checkout_here(start: Path | None = None) -> Path | None:
    """The checkout of this project that holds the current folder (or ``start``): the nearest
    folder up from it whose pyproject.toml names the project and that has ``data/lexicon.yaml``;
    None outside one."""
    here = Path.cwd() if start is None else Path(start)
    for folder in (here, *here.parents):
        project = folder / "pyproject.toml"
        try:
            if (folder / "data" / "lexicon.yaml").is_file() and f'name = "{PROJECT}"' in project.read_text("utf-8"):
                return folder
        except OSError:
            continue
    return None


def db_dir() -> Path:
    """The folder of the default database: a checkout's ``data/``; for an installed copy the
    user's data folder (platformdirs: ``$XDG_DATA_HOME/relations-tension-index``, else
    ``~/.local/share/relations-tension-index`` on Linux, the platform's own elsewhere), created
    on first use: a database inside site-packages would be lost on reinstall and is often not
    writable.

    An installed copy run inside a checkout of the project (``tension`` installed with pip,
    typed in the checkout) uses the checkout's ``data/``: the database the dashboard and
    ``python -m metrics`` there use. One place, one database, whichever command fills it."""
    if not installed():
        return data_dir()
    checkout = checkout_here()
    if checkout is not None:
        return checkout / "data"
    import platformdirs  # only an installed copy outside a checkout asks

    folder = Path(platformdirs.user_data_dir(PROJECT, appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # Store names the folder in its one-line error
    return folder
