"""Exit codes of the ``geozones`` command: the one map from error kinds to codes."""

from __future__ import annotations

from geozones._errors import ConflictError, DataError, GeozonesError, InputError, NotFoundError

#: Usage errors (an unknown option, a missing argument): click's own code.
EXIT_USAGE = 2
#: Interrupted with Ctrl-C.
EXIT_INTERRUPTED = 130

#: Exit code of each kind of geozones error; the most specific class listed wins.
EXIT_CODES: dict[type[GeozonesError], int] = {
    InputError: 3,
    NotFoundError: 4,
    DataError: 5,
    ConflictError: 6,
    GeozonesError: 1,
}

#: The codes as ``geozones --help`` lists them.
EXIT_HELP = (
    "Exit codes: 0 done; 1 other error; 2 usage (unknown option, missing argument); "
    "3 input that cannot be used; 4 unknown region, scheme or plan; "
    "5 missing or unreadable data (build or source); 6 conflict with a newer saved "
    "version; 130 interrupted."
)


def exit_code(exc: GeozonesError) -> int:
    """The exit code of ``exc``: that of its nearest class listed in :data:`EXIT_CODES`."""
    return next(EXIT_CODES[c] for c in type(exc).__mro__ if c in EXIT_CODES)
