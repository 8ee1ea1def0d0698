"""Errors a user can act on: each carries one line naming the file (or row) and the reason."""


class MetricsError(Exception):
    """Base class: the command line prints ``str(err)`` as one line, never a traceback."""


class LexiconError(MetricsError):
    pass


class WeightsError(MetricsError):
    pass


class InputError(MetricsError):
    """An article that cannot be read: unreadable file, missing column, empty text."""
