"""Accounts of the zone editor: users, their roles, passwords and API tokens.

One SQLite file per instance, ``<instance>/accounts.sqlite`` (:data:`ACCOUNTS_FILE`),
created readable by its owner only (mode 0600; SQLite gives its write-ahead log
the same mode). It is in WAL mode with a 30 s busy timeout, and every write is one
``BEGIN IMMEDIATE`` transaction that reads what it checks under the write lock, so
several web workers and the ``geozones users`` command can use it at once. Tables:

* ``users``: name (unique, letter case ignored), role, argon2 password hash,
  disabled, created (UTC, ISO 8601).
* ``tokens``: each user's API tokens, by label, kept only as SHA-256 digests.
* ``login_attempts``: recent logins per (name, client address) not yet known to
  have succeeded, for the rate limit of :meth:`UserStore.login`.

Passwords are hashed with argon2id (the defaults of argon2-cffi's
:class:`~argon2.PasswordHasher`) and rehashed at the next login when those
parameters change. A name that has no account is checked against a dummy hash,
so it takes as long to refuse as a wrong password. API tokens are 32 random
bytes (:func:`secrets.token_urlsafe`): with that much entropy one SHA-256 digest
is as safe to keep as a slow hash, and looking a token up by its digest leaks
nothing an attacker can use. A token is shown once, when issued. Disabled users
can neither log in nor use their tokens; their rows stay, as the audit log names them.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from geozones._errors import ConflictError, DataError, InputError, NotFoundError
from geozones.zones.store import immediate

__all__ = [
    "ACCOUNTS_FILE",
    "LOGIN_WINDOW_S",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD",
    "ROLES",
    "TooManyLoginsError",
    "User",
    "UserStore",
    "check_name",
    "check_role",
]

#: The roles, least first; each can do what the ones before it can.
ROLES = ("viewer", "commissioner", "admin")
#: File name of the accounts store in the instance folder.
ACCOUNTS_FILE = "accounts.sqlite"
#: Fewest characters in a password.
MIN_PASSWORD = 12
#: Most characters in a password (longer ones are refused unhashed).
MAX_PASSWORD = 1024
#: Failed logins per name and client address within :data:`LOGIN_WINDOW_S` before a wait.
MAX_FAILED_LOGINS = 5
#: The rate limit's window, and the longest wait (seconds).
LOGIN_WINDOW_S = 15 * 60

_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_NAME_RULE = "1-64 characters of letters, digits, '.', '_' and '-'"
_MAX_LABEL = 64
#: Longer text after "Bearer" is no token this store issued.
_MAX_TOKEN = 256
_WRONG = (
    "wrong user name or password; check both (the name's letter case does not matter, the "
    f"password's does). {MAX_FAILED_LOGINS} failures to one name from one address within "
    f"{LOGIN_WINDOW_S // 60} minutes make the next login wait up to {LOGIN_WINDOW_S // 60} minutes"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    label TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (user, label)
);
CREATE TABLE IF NOT EXISTS login_attempts (
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempts_key ON login_attempts (name, client, at);
"""
_BY_NAME = "SELECT name, role, disabled, created FROM users WHERE name = ?"


@dataclass(frozen=True)
class User:
    """One account: its name, role, whether it is disabled and when it was made (UTC ISO)."""

    name: str
    role: str
    disabled: bool
    created: str

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or one above it (see :data:`ROLES`)."""
        return ROLES.index(self.role) >= ROLES.index(check_role(role))


class TooManyLoginsError(InputError):
    """Too many failed logins to one name from one address: wait ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def check_name(name: str) -> str:
    """Return ``name`` if it can name a user.

    Raises
    ------
    InputError
        It is not 1-64 letters, digits, ``.``, ``_`` or ``-``.

    """
    if not _NAME.fullmatch(name):
        raise InputError(f"user name {name!r} cannot be used: give {_NAME_RULE}")
    return name


def check_role(role: str) -> str:
    """Return ``role`` if it is one of :data:`ROLES`.

    Raises
    ------
    InputError
        Any other role.

    """
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(
            f"the password has {len(password)} characters; give {MIN_PASSWORD} to "
            f"{MAX_PASSWORD} (a few unrelated words make a long one easy to remember)"
        )


def _check_label(label: str) -> str:
    label = label.strip()
    if not 1 <= len(label) <= _MAX_LABEL or not label.isprintable():
        raise InputError(
            f"token label {label!r} cannot be used: give 1-{_MAX_LABEL} printable characters "
            "saying where the token is used, e.g. 'reporting script'"
        )
    return label


def _name_taken(name: str) -> ConflictError:
    return ConflictError(f"user {name!r} exists (names ignore letter case); choose another name")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _user(row: tuple[str, str, int, str]) -> User:
    return User(name=row[0], role=row[1], disabled=bool(row[2]), created=row[3])


class UserStore:
    """The users of one instance, in one SQLite file.

    Parameters
    ----------
    path : Path
        The database file (created, mode 0600, with its folder on first use),
        normally ``<instance>/`` :data:`ACCOUNTS_FILE`.
    hasher : argon2.PasswordHasher, optional
        Hashes new passwords and says which stored hashes to redo; default
        argon2-cffi's recommended parameters.
    clock : callable, optional
        Seconds since the epoch, for the login rate limit (default :func:`time.time`).

    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        hasher: PasswordHasher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.hasher = hasher or PasswordHasher()
        self.clock = clock

    def __repr__(self) -> str:
        return f"UserStore({str(self.path)!r})"

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection; with ``write``, inside a ``BEGIN IMMEDIATE`` transaction it commits."""
        try:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA foreign_keys=ON")
                db.executescript(_SCHEMA)
                if not write:
                    yield db
                    return
                with immediate(db):
                    yield db
        except (sqlite3.DatabaseError, OSError) as exc:
            raise DataError(
                f"accounts store {self.path}: {exc}; it must be a writable SQLite file"
            ) from exc

    def _find(self, db: sqlite3.Connection, name: str) -> User:
        row = db.execute(_BY_NAME, (name,)).fetchone()
        if row is None:
            names = [r[0] for r in db.execute("SELECT name FROM users ORDER BY name")]
            raise NotFoundError(f"no user {name!r}; users: {', '.join(names) or 'none yet'}")
        return _user(row)

    def add(self, name: str, password: str, role: str) -> User:
        """Add a user with a password (hashed) and a role.

        Raises
        ------
        InputError
            A name, password or role that cannot be used.
        ConflictError
            A user of that name (in any letter case) exists.

        """
        check_name(name)
        check_role(role)
        _check_password(password)
        hashed = self.hasher.hash(password)
        user = User(name=name, role=role, disabled=False, created=_now())
        with self._connect(write=True) as db:
            taken = db.execute("SELECT name FROM users WHERE name = ?", (name,)).fetchone()
            if taken is not None:
                raise _name_taken(taken[0])
            db.execute(
                "INSERT INTO users (name, role, password, disabled, created) "
                "VALUES (?, ?, ?, 0, ?)",
                (user.name, user.role, hashed, user.created),
            )
        return user

    def check_free(self, name: str) -> None:
        """Check that ``name`` can name a new user (before asking for its password).

        Raises
        ------
        InputError
            It cannot name a user (:func:`check_name`).
        ConflictError
            A user of that name exists.

        """
        taken = self.get(check_name(name))
        if taken is not None:
            raise _name_taken(taken.name)

    def get(self, name: str) -> User | None:
        """The user of that name (letter case ignored), disabled or not; None when none."""
        with self._connect() as db:
            row = db.execute(_BY_NAME, (name,)).fetchone()
        return None if row is None else _user(row)

    def disable(self, name: str) -> User:
        """Disable a user: no more logins, its API tokens refused. Returns the user.

        Raises
        ------
        NotFoundError
            No such user.

        """
        with self._connect(write=True) as db:
            user = self._find(db, name)
            db.execute("UPDATE users SET disabled = 1 WHERE name = ?", (user.name,))
        return User(user.name, user.role, True, user.created)

    @cached_property
    def _dummy_hash(self) -> str:
        """A hash no password matches, so an unknown name costs one verification too."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def verify(self, name: str, password: str) -> User:
        """The user whose name and password these are; rehashes an outdated hash.

        Raises
        ------
        InputError
            Wrong name or password (which of them is not said), or a disabled user.

        """
        if len(password) > MAX_PASSWORD:
            raise InputError(_WRONG)
        with self._connect() as db:
            row = db.execute(
                "SELECT name, role, disabled, created, password FROM users WHERE name = ?", (name,)
            ).fetchone()
        stored = row[4] if row is not None else self._dummy_hash
        try:
            self.hasher.verify(stored, password)
        except VerificationError:
            raise InputError(_WRONG) from None
        if row is None:
            raise InputError(_WRONG)
        user = _user(row[:4])
        if user.disabled:
            raise InputError(
                f"user {user.name} is disabled: it can no longer log in or use its API tokens"
            )
        if self.hasher.check_needs_rehash(stored):
            rehashed = self.hasher.hash(password)
            with self._connect(write=True) as db:
                db.execute("UPDATE users SET password = ? WHERE name = ?", (rehashed, user.name))
        return user

    def login(self, name: str, password: str, client: str) -> User:
        """:meth:`verify`, at most :data:`MAX_FAILED_LOGINS` failures a window per name and client.

        Each attempt is counted before the password is checked, in the same
        transaction that counts the earlier ones, so concurrent attempts (from
        several workers) cannot slip past the limit; a success forgets them.

        Parameters
        ----------
        name, password : str
            As typed.
        client : str
            The client's address.

        Raises
        ------
        TooManyLoginsError
            :data:`MAX_FAILED_LOGINS` failed within the last :data:`LOGIN_WINDOW_S`
            seconds; the message says when to try again.
        InputError
            As :meth:`verify` (the attempt stays counted).

        """
        key = name[:64].casefold()
        now = self.clock()
        with self._connect(write=True) as db:
            db.execute("DELETE FROM login_attempts WHERE at <= ?", (now - LOGIN_WINDOW_S,))
            times = [
                at
                for (at,) in db.execute(
                    "SELECT at FROM login_attempts WHERE name = ? AND client = ? ORDER BY at",
                    (key, client),
                )
            ]
            if len(times) >= MAX_FAILED_LOGINS:
                wait = max(1, math.ceil(times[-MAX_FAILED_LOGINS] + LOGIN_WINDOW_S - now))
                when = datetime.fromtimestamp(now + wait, UTC).strftime("%H:%M:%S UTC")
                raise TooManyLoginsError(
                    f"too many failed logins: {len(times)} to {name[:64]!r} from this address "
                    f"in the last {LOGIN_WINDOW_S // 60} minutes; try again in "
                    f"{math.ceil(wait / 60)} minute(s), at {when}",
                    wait,
                )
            db.execute("INSERT INTO login_attempts VALUES (?, ?, ?)", (key, client, now))
        user = self.verify(name, password)
        with self._connect(write=True) as db:
            db.execute("DELETE FROM login_attempts WHERE name = ? AND client = ?", (key, client))
        return user

    def issue_token(self, name: str, label: str) -> str:
        """A new API token of user ``name``, labelled; returned once, kept only as a digest.

        Raises
        ------
        InputError
            A label that cannot be used, or a disabled user.
        NotFoundError
            No such user.
        ConflictError
            The user has a token of that label.

        """
        label = _check_label(label)
        token = secrets.token_urlsafe(32)
        with self._connect(write=True) as db:
            user = self._find(db, name)
            if user.disabled:
                raise InputError(f"user {user.name} is disabled; its tokens would be refused")
            taken = db.execute(
                "SELECT 1 FROM tokens WHERE user = ? AND label = ?", (user.name, label)
            ).fetchone()
            if taken is not None:
                raise ConflictError(
                    f"user {user.name} has a token labelled {label!r}; revoke it or choose "
                    "another label"
                )
            db.execute(
                "INSERT INTO tokens (digest, user, label, created) VALUES (?, ?, ?, ?)",
                (_digest(token), user.name, label, _now()),
            )
        return token

    def revoke_token(self, name: str, label: str) -> None:
        """Delete user ``name``'s token labelled ``label``: it is refused from now on.

        Raises
        ------
        NotFoundError
            No such user, or it has no token of that label (the message lists its labels).

        """
        with self._connect(write=True) as db:
            user = self._find(db, name)
            gone = db.execute(
                "DELETE FROM tokens WHERE user = ? AND label = ?", (user.name, label.strip())
            ).rowcount
            if not gone:
                labels = [
                    r[0]
                    for r in db.execute(
                        "SELECT label FROM tokens WHERE user = ? ORDER BY label", (user.name,)
                    )
                ]
                raise NotFoundError(
                    f"user {user.name} has no token labelled {label!r}; its tokens: "
                    f"{', '.join(repr(a) for a in labels) or 'none'}"
                )

    def user_for_token(self, token: str) -> User | None:
        """The enabled user an API token belongs to; None for any other text."""
        if not token or len(token) > _MAX_TOKEN:
            return None
        with self._connect() as db:
            row = db.execute(
                "SELECT u.name, u.role, u.disabled, u.created FROM tokens t "
                "JOIN users u ON u.name = t.user WHERE t.digest = ? AND u.disabled = 0",
                (_digest(token),),
            ).fetchone()
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        """Every user, by name."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT name, role, disabled, created FROM users ORDER BY name"
            ).fetchall()
        return [_user(row) for row in rows]
