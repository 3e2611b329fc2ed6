"""One error hierarchy for geozones.

Every message says what was wrong, where, and what is accepted, so that the
CLI can print it as one line (exit 2) and the web layer can return it as JSON.
"""

from __future__ import annotations


class GeozonesError(Exception):
    """Base class of every error geozones raises on purpose."""

    #: HTTP status the web layer answers with.
    status = 400


class InputError(GeozonesError):
    """Something a user typed or uploaded cannot be used."""

    status = 422


class DataError(GeozonesError):
    """Built or source data is missing, unreadable or inconsistent."""

    status = 503


class SourceError(DataError):
    """A source dataset in the source folder is missing or unreadable."""


class BuildMissingError(DataError):
    """A region has not been built yet."""


class NotFoundError(GeozonesError):
    """A named thing (region, scheme, plan) does not exist."""

    status = 404


class ConflictError(GeozonesError):
    """A save was made on top of a version that is no longer the latest."""

    status = 409
