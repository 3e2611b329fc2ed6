"""One error hierarchy for geozones.

Every message says what was wrong, where, and what is accepted. The errors say
nothing of how they are shown: :mod:`geozones.cli.errors` maps each kind to an
exit code and :mod:`geozones.web.errors` to an HTTP status, one place each.
"""

from __future__ import annotations


class GeozonesError(Exception):
    """Base class of every error geozones raises on purpose."""


class InputError(GeozonesError):
    """Something a user typed or uploaded cannot be used."""


class DataError(GeozonesError):
    """Built or source data is missing, unreadable or inconsistent."""


class SourceError(DataError):
    """A source dataset in the source folder is missing or unreadable."""


class BuildMissingError(DataError):
    """A region has not been built yet."""


class NotFoundError(GeozonesError):
    """A named thing (region, scheme, plan) does not exist."""


class ConflictError(GeozonesError):
    """A save was made on top of a version that is no longer the latest."""
