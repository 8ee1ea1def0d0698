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
