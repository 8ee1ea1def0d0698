"""Placeholder: filled by its issue."""


def register(sub) -> None:
    pass
