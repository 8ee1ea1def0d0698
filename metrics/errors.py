"""Errors a user can act on: each carries one line naming the file (or row) and the reason."""


class MetricsError(Exception):
    """Base class: the command line prints ``str(err)`` as one line, never a traceback, and
    exits with ``exit_code`` (2: a bad option, weights file or database, as docs/cli.md says)."""

    exit_code = 2


class CommandFailed(MetricsError):
    """A command's input could not be used (a labelled table that cannot be read, two series
    that share no period): exit 1, docs/cli.md's code for inputs that failed."""

    exit_code = 1


class LexiconError(MetricsError):
    pass


class WeightsError(MetricsError):
    pass


class InputError(MetricsError):
    """An article that cannot be read: unreadable file, missing column, empty text."""


def reason(err: BaseException) -> str:
    """The one line of ``err`` a message shows after the file or URL it names: an OS error's
    own words ("No such file or directory"), else the first line of its text, else its type.
    Library messages can run to many lines (a parser's dump, a server's hint); one is enough."""
    text = str(getattr(err, "strerror", None) or err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def needs_extra(what: str, extra: str) -> MetricsError:
    """The one line for a feature whose optional packages are not installed."""
    return MetricsError(f"{what} needs the [{extra}] extra: pip install 'relations-tension-index[{extra}]'")
