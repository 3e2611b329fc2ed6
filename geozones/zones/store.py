"""Zone plans kept in SQLite with their full history.

One file (default ``<instance>/zones.sqlite``; the instance folder is
``$GEOZONES_INSTANCE`` or ``<checkout>/instance``) in WAL mode, so readers
never wait for a writer. Tables:

* ``plans``: one row per plan name, with its region and unit layer.
* ``versions``: one row per saved version (1, 2, ... per plan) with its
  parent version, author, time, method, notes and zones (names and colours).
* ``assignments``: the unit-to-zone rows of every version.

Saving never overwrites: each save adds a version. Concurrency is optimistic:
an edit says which version it was based on, and saving it fails with
:class:`~geozones._errors.ConflictError` when another version was saved in the
meantime. Each save is one ``BEGIN IMMEDIATE`` transaction (the write lock is
taken before the latest version is read), so a failure part-way leaves the
store exactly as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from geozones._errors import ConflictError, DataError, InputError, NotFoundError
from geozones._settings import resolve_dir
from geozones.regions.data import load_region
from geozones.zones.plan import ZonePlan

__all__ = [
    "INSTANCE_ENV",
    "STORE_FILE",
    "PlanRef",
    "PlanStore",
    "default_store_path",
    "instance_dir",
    "parse_plan_ref",
]

#: Environment variable naming the instance folder (plan store and other state).
INSTANCE_ENV = "GEOZONES_INSTANCE"
#: File name of the plan store in the instance folder.
STORE_FILE = "zones.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    region TEXT NOT NULL,
    unit_layer TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    version INTEGER NOT NULL,
    parent INTEGER,
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    method TEXT NOT NULL,
    notes TEXT NOT NULL,
    zones TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);
CREATE TABLE IF NOT EXISTS assignments (
    plan_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    unit TEXT NOT NULL,
    zone TEXT NOT NULL,
    PRIMARY KEY (plan_id, version, unit),
    FOREIGN KEY (plan_id, version) REFERENCES versions(plan_id, version)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class PlanRef:
    """A stored plan named by id or name, at one version or (None) its latest."""

    key: int | str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.key}" if self.version is None else f"{self.key}@{self.version}"


#: Versions are positive integers SQLite can hold.
_MAX_VERSION = 2**63 - 1


def parse_plan_ref(text: str) -> PlanRef:
    """Parse ``NAME``, ``ID`` (digits) or either with ``@VERSION`` into a :class:`PlanRef`.

    Raises
    ------
    InputError
        Empty text, or a version that is not a whole number from 1 up.

    """
    name, sep, version = text.strip().partition("@")
    if not name:
        raise InputError(f"plan reference {text!r}: give a plan name or id, e.g. norfolk-pcn-areas")
    number: int | None = None
    if sep:
        if not (version.isascii() and version.isdigit()) or not 1 <= int(version) <= _MAX_VERSION:
            raise InputError(
                f"plan reference {text!r}: the version after '@' must be a whole number from 1, "
                "e.g. hertfordshire-lot-areas@2"
            )
        number = int(version)
    key: int | str = int(name) if name.isascii() and name.isdigit() else name
    return PlanRef(key, number)


def instance_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the instance folder: ``path``, else ``$GEOZONES_INSTANCE``, else ``./instance``."""
    return resolve_dir(path, INSTANCE_ENV, Path("instance"))


def default_store_path() -> Path:
    """The embedded plan store: ``zones.sqlite`` in the instance folder."""
    return instance_dir() / STORE_FILE


class PlanStore:
    """Versioned zone plans in one SQLite file.

    Parameters
    ----------
    path : Path, optional
        The database file (created with its folder on first use); default
        :func:`default_store_path`.
    build : Path, optional
        Build folder the plans' regions are loaded from (default
        :func:`geozones._settings.build_dir`).

    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, build: Path | None = None
    ) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.build = build

    def __repr__(self) -> str:
        return f"PlanStore({str(self.path)!r})"

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection to the store; reads of a store never written see an empty one.

        Only a write creates the file (and its folder), so a read-only lookup
        leaves the instance folder as it found it.
        """
        if not write and not self.path.exists():
            target = ":memory:"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            target = str(self.path)
        try:
            with closing(sqlite3.connect(target, timeout=30, isolation_level=None)) as db:
                if write:
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA foreign_keys=ON")
                if write or target == ":memory:":
                    db.executescript(_SCHEMA)
                yield db
        except sqlite3.DatabaseError as exc:
            raise DataError(f"plan store {self.path}: {exc}") from exc

    def save(self, plan: ZonePlan, base_version: int | None = None) -> int:
        """Save ``plan`` as a new version; return its version number.

        Parameters
        ----------
        plan : ZonePlan
            The plan; its ``name`` says which stored plan it is a version of.
        base_version : int, optional
            The version the edit was based on; default ``plan.based_on``
            (the version it was read as, or its parent). None for a new plan.

        Returns
        -------
        int
            The new version (1 for a new plan). Its parent is ``base_version``.

        Raises
        ------
        ConflictError
            A newer version than ``base_version`` exists (someone saved in
            between), or ``base_version`` is None and the plan already exists.
            Nothing is saved; the message names the plan and both versions.
        InputError
            The stored plan has another region or unit layer.

        """
        base = base_version if base_version is not None else plan.based_on
        with self._connect(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                plan_id, latest = self._latest(db, plan)
                if latest != base:
                    raise _conflict(plan.name, base, latest)
                version = (latest or 0) + 1
                self._write_version(db, plan_id, version, base, plan)
                self._write_units(db, plan_id, version, plan)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return version

    def _latest(self, db: sqlite3.Connection, plan: ZonePlan) -> tuple[int, int | None]:
        """The plan's id (inserted if new) and its latest version (None if none)."""
        row = db.execute(
            "SELECT id, region, unit_layer FROM plans WHERE name = ?", (plan.name,)
        ).fetchone()
        if row is None:
            cursor = db.execute(
                "INSERT INTO plans (name, region, unit_layer, created) VALUES (?, ?, ?, ?)",
                (plan.name, plan.region.name, plan.unit_layer, plan.created.isoformat()),
            )
            if cursor.lastrowid is None:
                raise DataError(f"plan store {self.path}: plan {plan.name} was not inserted")
            return cursor.lastrowid, None
        plan_id, region, unit_layer = row
        if (region, unit_layer) != (plan.region.name, plan.unit_layer):
            raise InputError(
                f"plan {plan.name} is stored as a {unit_layer} plan of {region}, not a "
                f"{plan.unit_layer} plan of {plan.region.name}; save it under another name"
            )
        (latest,) = db.execute(
            "SELECT MAX(version) FROM versions WHERE plan_id = ?", (plan_id,)
        ).fetchone()
        return plan_id, latest

    def _write_version(
        self, db: sqlite3.Connection, plan_id: int, version: int, parent: int | None, plan: ZonePlan
    ) -> None:
        zones = json.dumps([[z, plan.colours[z]] for z in plan.zones])
        db.execute(
            "INSERT INTO versions (plan_id, version, parent, author, created, method, notes, zones)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                plan_id,
                version,
                parent,
                plan.author,
                plan.created.isoformat(),
                plan.method,
                plan.notes,
                zones,
            ),
        )

    def _write_units(
        self, db: sqlite3.Connection, plan_id: int, version: int, plan: ZonePlan
    ) -> None:
        db.executemany(
            "INSERT INTO assignments (plan_id, version, unit, zone) VALUES (?, ?, ?, ?)",
            (
                (plan_id, version, unit, zone)
                for unit, zone in zip(plan.assignment.index, plan.assignment, strict=True)
            ),
        )

    def _plan_row(self, db: sqlite3.Connection, plan: int | str) -> tuple[int, str, str, str]:
        """The plan's id, name, region and unit layer, or NotFoundError listing the plans."""
        key, value = _key(plan)
        # key is "name" or "id" (_key), never caller text
        row: tuple[int, str, str, str] | None = db.execute(
            f"SELECT id, name, region, unit_layer FROM plans WHERE {key} = ?",  # noqa: S608
            (value,),
        ).fetchone()
        if row is None:
            names = [r[0] for r in db.execute("SELECT name FROM plans ORDER BY name")]
            raise NotFoundError(
                f"no zone plan {plan!r} in {self.path}; plans: {', '.join(names) or 'none'}"
            )
        return row

    def latest(self, plan: int | str) -> int | None:
        """The latest version of a plan, None when the store has no plan of that id or name."""
        key, value = _key(plan)
        version: int | None
        if not self.path.exists():
            return None  # a store never written holds no plan
        with self._connect() as db:
            # key is "name" or "id" (_key), never caller text
            (version,) = db.execute(
                "SELECT MAX(v.version) FROM versions v JOIN plans p ON p.id = v.plan_id "  # noqa: S608
                f"WHERE p.{key} = ?",
                (value,),
            ).fetchone()
        return version

    def get(self, plan: int | str, version: int | None = None) -> ZonePlan:
        """Read a plan: its latest version, or ``version``.

        Parameters
        ----------
        plan : int or str
            Plan id or name.
        version : int, optional
            Version number (default the latest).

        Returns
        -------
        ZonePlan
            With ``version`` and ``parent`` set; its region is loaded from the
            store's build folder.

        Raises
        ------
        NotFoundError
            No such plan or version; the message lists what there is.

        """
        with self._connect() as db:
            plan_id, name, region, unit_layer = self._plan_row(db, plan)
            if version is None:
                (version,) = db.execute(
                    "SELECT MAX(version) FROM versions WHERE plan_id = ?", (plan_id,)
                ).fetchone()
            row = db.execute(
                "SELECT parent, author, created, method, notes, zones FROM versions "
                "WHERE plan_id = ? AND version = ?",
                (plan_id, version),
            ).fetchone()
            if row is None:
                have = [
                    v
                    for (v,) in db.execute(
                        "SELECT version FROM versions WHERE plan_id = ? ORDER BY version",
                        (plan_id,),
                    )
                ]
                raise NotFoundError(
                    f"plan {name} has no version {version}; versions: "
                    f"{', '.join(map(str, have)) or 'none'}"
                )
            units = db.execute(
                "SELECT unit, zone FROM assignments WHERE plan_id = ? AND version = ?",
                (plan_id, version),
            ).fetchall()
        parent, author, created, method, notes, zones = row
        pairs = json.loads(zones)
        return ZonePlan(
            name=name,
            region=load_region(region, self.build),
            unit_layer=unit_layer,
            assignment=pd.Series(dict(units), dtype=object),
            zones=tuple(z for z, _ in pairs),
            colours=dict(pairs),
            method=method,
            author=author,
            notes=notes,
            created=datetime.fromisoformat(created),
            parent=parent,
            version=version,
        )

    def list(self) -> pd.DataFrame:
        """Every plan with its latest version.

        Returns
        -------
        DataFrame
            ``id``, ``name``, ``region``, ``unit_layer``, ``version`` (latest),
            ``versions`` (count), ``author`` and ``updated`` of the latest
            version, sorted by name.

        """
        with self._connect() as db:
            rows = db.execute(
                """
                SELECT p.id, p.name, p.region, p.unit_layer, v.version, n.versions,
                       v.author, v.created
                FROM plans p
                JOIN (SELECT plan_id, MAX(version) AS latest, COUNT(*) AS versions
                      FROM versions GROUP BY plan_id) n ON n.plan_id = p.id
                JOIN versions v ON v.plan_id = p.id AND v.version = n.latest
                ORDER BY p.name
                """
            ).fetchall()
        columns = ["id", "name", "region", "unit_layer", "version", "versions", "author"]
        return pd.DataFrame(rows, columns=[*columns, "updated"])

    def history(self, plan: int | str) -> pd.DataFrame:
        """Every version of a plan, oldest first.

        Returns
        -------
        DataFrame
            ``version``, ``parent``, ``author``, ``created``, ``method``,
            ``notes``, ``zones`` (count) and ``units`` (count).

        Raises
        ------
        NotFoundError
            No such plan.

        """
        with self._connect() as db:
            plan_id = self._plan_row(db, plan)[0]
            rows = db.execute(
                """
                SELECT v.version, v.parent, v.author, v.created, v.method, v.notes,
                       json_array_length(v.zones),
                       (SELECT COUNT(*) FROM assignments a
                        WHERE a.plan_id = v.plan_id AND a.version = v.version)
                FROM versions v WHERE v.plan_id = ? ORDER BY v.version
                """,
                (plan_id,),
            ).fetchall()
        columns = ["version", "parent", "author", "created", "method", "notes", "zones", "units"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["parent"] = frame["parent"].astype("Int64")
        return frame


def _key(plan: int | str) -> tuple[str, int | str]:
    """The ``plans`` column and value that find a plan by name (text) or id (any integer)."""
    return ("name", plan) if isinstance(plan, str) else ("id", int(plan))


def _conflict(name: str, base: int | None, latest: int | None) -> ConflictError:
    if base is None:
        return ConflictError(
            f"plan {name} already exists (latest version {latest}); read it with get() and "
            "save your edit on top of it, or save under another name"
        )
    if latest is None:
        return ConflictError(
            f"plan {name} has no version {base} to save on top of; save it as a new plan"
        )
    return ConflictError(
        f"plan {name}: your edit is based on version {base} but the latest version is "
        f"{latest}; nothing was saved. Read version {latest}, redo your edit on it and save again"
    )
