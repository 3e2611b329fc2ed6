"""Zone plans kept in SQLite with their full history, an audit log and their demand.

One file (default ``<instance>/zones.sqlite``; the instance folder is
``$GEOZONES_INSTANCE`` or ``<checkout>/instance``) in WAL mode, so readers
never wait for a writer. Tables:

* ``plans``: one row per plan name, with its region and unit layer.
* ``versions``: one row per saved version (1, 2, ... per plan) with its
  parent version, author, time, method, notes and zones (``[name, colour,
  target hours a week or null]`` each; stores written before targets hold
  ``[name, colour]`` pairs, read as zones without a target).
* ``assignments``: the unit-to-zone rows of every version.
* ``audit``: one row per write (who, when, which plan and version, from which
  version, the units moved as ``[[unit, from, to], ...]`` and the note),
  written in the same transaction as the write itself.
* ``demand`` and ``demand_rows``: the demand a plan is weighed by (per unit
  and hourly price: clients and weekly hours), its source and whether it is
  modelled.

Saving never overwrites: each save adds a version. Concurrency is optimistic:
an edit says which version it was based on, and saving it fails with
:class:`PlanConflict` (a :class:`~geozones._errors.ConflictError`) when another
version was saved in the meantime; the error carries what the other person
changed. Each write is one ``BEGIN IMMEDIATE`` transaction (the write lock is
taken before the latest version is read, and before a new plan's name is
looked up), so two saves never both pass the check, and a failure part-way
leaves the store exactly as it was.

A store written by an older geozones (no audit or demand tables) gains the
new tables the first time it is opened (``PRAGMA user_version`` says which
schema a file has); nothing in it changes.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import ConflictError, DataError, InputError, NotFoundError
from geozones._settings import resolve_dir
from geozones.regions.data import load_region
from geozones.zones.plan import DEMAND_COLUMNS, ZonePlan, now
from geozones.zones.units import load_units

__all__ = [
    "AUDIT_COLUMNS",
    "DEMAND_ROW_COLUMNS",
    "INSTANCE_ENV",
    "MAX_NUMBER",
    "SCHEMA_VERSION",
    "STORE_FILE",
    "Move",
    "PlanComparison",
    "PlanConflict",
    "PlanRef",
    "PlanStore",
    "VersionNote",
    "default_store_path",
    "demand_rows",
    "immediate",
    "instance_dir",
    "parse_plan_ref",
    "unit_moves",
    "version_number",
]

#: Environment variable naming the instance folder (plan store and other state).
INSTANCE_ENV = "GEOZONES_INSTANCE"
#: File name of the plan store in the instance folder.
STORE_FILE = "zones.sqlite"
#: Schema of the store's tables (``PRAGMA user_version``; 0: before the audit log).
SCHEMA_VERSION = 1
#: Columns of :meth:`PlanStore.audit`.
AUDIT_COLUMNS: tuple[str, ...] = (
    "when", "actor", "action", "plan", "version", "base_version", "moved", "units", "note",
)  # fmt: skip
#: Columns of the demand :meth:`PlanStore.demand` gives back.
DEMAND_ROW_COLUMNS: tuple[str, ...] = ("unit", "clients", "weekly_hours", "price", "weekly_cost")
#: How an unassigned unit is written in the audit log's ``units`` text.
_NO_ZONE = "(none)"

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
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    plan TEXT NOT NULL,
    version INTEGER,
    base_version INTEGER,
    moved TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_plan ON audit (plan, id);
CREATE TABLE IF NOT EXISTS demand (
    plan_id INTEGER PRIMARY KEY REFERENCES plans(id),
    source TEXT NOT NULL,
    modelled INTEGER NOT NULL,
    saved TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS demand_rows (
    plan_id INTEGER NOT NULL REFERENCES demand(plan_id),
    unit TEXT NOT NULL,
    price TEXT NOT NULL,
    clients INTEGER NOT NULL,
    weekly_hours REAL NOT NULL,
    PRIMARY KEY (plan_id, unit, price)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class PlanRef:
    """A stored plan named by id or name, at one version or (None) its latest."""

    key: int | str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.key}" if self.version is None else f"{self.key}@{self.version}"


@dataclass(frozen=True)
class Move:
    """One unit moved between two versions: its zone before and after (None: no zone)."""

    unit: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class VersionNote:
    """Who saved a version, when (UTC ISO 8601) and why."""

    version: int
    author: str
    created: str
    note: str


class PlanConflict(ConflictError):  # noqa: N818 - a kind of ConflictError, named in the API
    """A save refused because its base version is not the latest: what happened meanwhile.

    Attributes
    ----------
    plan : str
        The plan's name.
    base : int or None
        The version the refused edit was based on (None: it was a new plan).
    latest : int or None
        The latest stored version (None: the plan has none).
    theirs : tuple of Move
        The units moved between ``base`` and ``latest``: what the other
        person changed (empty when ``base`` is not a stored version).
    versions : tuple of VersionNote
        The versions saved after ``base``, oldest first.

    """

    def __init__(
        self,
        message: str,
        plan: str,
        base: int | None,
        latest: int | None,
        theirs: tuple[Move, ...] = (),
        versions: tuple[VersionNote, ...] = (),
    ) -> None:
        super().__init__(message)
        self.plan = plan
        self.base = base
        self.latest = latest
        self.theirs = theirs
        self.versions = versions

    def to_dict(self) -> dict[str, Any]:
        """``latest_version``, ``theirs`` and ``versions`` as JSON-ready values."""
        return {
            "latest_version": self.latest,
            "theirs": [{"unit": m.unit, "before": m.before, "after": m.after} for m in self.theirs],
            "versions": [
                {"version": v.version, "author": v.author, "created": v.created, "note": v.note}
                for v in self.versions
            ],
        }


@dataclass(frozen=True)
class PlanComparison:
    """Two versions of a plan side by side (:meth:`PlanStore.compare`).

    Attributes
    ----------
    plan : str
        The plan's name.
    a, b : int
        The versions compared (``b`` against ``a``).
    moved : DataFrame
        One row per unit whose zone differs: ``unit``, ``name``, ``before``
        (its zone in ``a``) and ``after`` (in ``b``), None where it has no
        zone; sorted by unit.
    zones : DataFrame
        Indexed by zone (``a``'s zones in order, then those only ``b`` has);
        columns ``(side, measure)`` for side ``a``, ``b`` and ``delta`` (b - a)
        and measure ``units`` and, with demand, ``clients``, ``weekly_hours``
        (hours a week) and ``weekly_cost`` (pounds a week, at each package's
        own price). A zone a version does not have counts 0 there.

    """

    plan: str
    a: int
    b: int
    moved: pd.DataFrame
    zones: pd.DataFrame


#: Versions are positive integers SQLite can hold.
#: The largest plan id or version a store holds (SQLite's INTEGER).
MAX_NUMBER = 2**63 - 1


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A ``BEGIN IMMEDIATE`` transaction on ``db`` (autocommit mode): committed, or rolled back.

    The write lock is taken at the start, so what the transaction reads it can
    rely on until it commits (the plan store's saves, the accounts' logins).
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def version_number(text: str, where: str) -> int:
    """``text`` as a version number, 1 to :data:`MAX_NUMBER`; an InputError naming ``where``."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits) <= MAX_NUMBER:
        raise InputError(f"{where} must be a version number (a whole number from 1); got {text!r}")
    return int(digits)


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
        where = f"plan reference {text!r}: the version after '@' (e.g. hertfordshire-lot-areas@2)"
        number = version_number(version, where)
    digits = name.isascii() and name.isdigit() and int(name) <= MAX_NUMBER
    key: int | str = int(name) if digits else name
    return PlanRef(key, number)


def instance_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the instance folder: ``path``, else ``$GEOZONES_INSTANCE``, else ``./instance``."""
    return resolve_dir(path, INSTANCE_ENV, Path("instance"))


def default_store_path() -> Path:
    """The embedded plan store: ``zones.sqlite`` in the instance folder."""
    return instance_dir() / STORE_FILE


def unit_moves(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """The units whose zone differs between two assignments (unit code -> zone name).

    Parameters
    ----------
    before, after : Series
        Zone of each unit (index: unit code); a unit absent or NaN has no zone.

    Returns
    -------
    DataFrame
        ``unit``, ``before`` and ``after`` (None: no zone), one row per unit
        that changed, sorted by unit code.

    """
    units = before.index.union(after.index)
    old = before.reindex(units).to_numpy(dtype=object, copy=True)
    new = after.reindex(units).to_numpy(dtype=object, copy=True)
    old_none, new_none = pd.isna(old), pd.isna(new)
    changed = (old_none != new_none) | (~old_none & ~new_none & (old != new))
    old[old_none], new[new_none] = None, None
    return pd.DataFrame(
        {
            "unit": units.to_numpy(dtype=object)[changed],
            "before": old[changed],
            "after": new[changed],
        }
    )


def _moves_json(moves: pd.DataFrame) -> str:
    """Moves as the audit log keeps them: ``[[unit, from, to], ...]``."""
    return json.dumps(moves[["unit", "before", "after"]].to_numpy().tolist())


def _moves_text(moved: str) -> str:
    """The audit log's moves in words: ``E01...: Zone A -> Zone B; ...``."""
    return "; ".join(
        f"{unit}: {before or _NO_ZONE} -> {after or _NO_ZONE}"
        for unit, before, after in json.loads(moved)
    )


def _price_text(value: object, row: int) -> str:
    """An hourly price as exact decimal text, ``""`` where there is none (unpriced)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str) and not value.strip():
        return ""
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        price = Decimal("NaN")
    if not price.is_finite() or price < 0:
        raise InputError(
            f"demand row {row + 1}: price {value!r} is not an hourly price in pounds "
            "(a number, 0 or more, e.g. 21.92), nor empty for an unpriced row"
        )
    return str(price)


def _numbers(rows: pd.DataFrame, column: str) -> npt.NDArray[np.float64]:
    """A demand column as numbers, 0 or more; anything else is an error naming its row."""
    values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
    if len(bad):
        raise InputError(
            f"demand row {bad[0] + 1}: {column} is {rows[column].iloc[bad[0]]!r}; give a "
            f"number, 0 or more ({len(bad)} such row(s))"
        )
    return values


def _demand_frame(
    units: pd.Series,
    clients: npt.ArrayLike,
    hours: npt.ArrayLike,
    prices: npt.ArrayLike,
    modelled: bool,
) -> pd.DataFrame:
    """:data:`DEMAND_ROW_COLUMNS` from rows of one unit and price each (price text, "" none)."""
    text = np.asarray(prices, dtype=object)
    priced = text != ""
    weekly = np.asarray(hours, dtype=float)
    price = np.full(len(text), np.nan)
    price[priced] = text[priced].astype(float)
    frame = pd.DataFrame(
        {
            "unit": units.to_numpy(dtype=object),
            "clients": np.asarray(clients, dtype=np.int64),
            "weekly_hours": weekly,
            "price": pd.Series([Decimal(p) if p else None for p in text], dtype=object),
            "weekly_cost": weekly * price,
        }
    )
    frame.attrs["modelled"] = modelled
    return frame


def demand_rows(rows: pd.DataFrame, modelled: bool) -> pd.DataFrame:
    """Demand rows summed per unit and hourly price: the shape the store keeps and gives back.

    Parameters
    ----------
    rows : DataFrame
        One row per package or per unit: ``unit``, ``clients``,
        ``weekly_hours`` (hours a week) and optionally ``price`` (the row's
        own price, pounds an hour: Decimal, number or text; empty or missing
        for an unpriced row).
    modelled : bool
        Whether the demand is modelled (kept in ``attrs["modelled"]``).

    Returns
    -------
    DataFrame
        :data:`DEMAND_ROW_COLUMNS`, one row per unit and price, sorted by
        unit then price: ``clients``, ``weekly_hours``, ``price`` (Decimal,
        None where unpriced) and ``weekly_cost`` (pounds a week, hours x
        price; NaN where unpriced).

    Raises
    ------
    InputError
        A missing column, or clients, hours or a price that is not a number
        of 0 or more (naming the row, counting the first as 1).

    """
    missing = [c for c in DEMAND_COLUMNS if c not in rows.columns]
    if missing:
        raise InputError(
            f"demand is missing column(s) {', '.join(missing)}; it needs "
            f"{', '.join(DEMAND_COLUMNS)} and optionally price (pounds an hour)"
        )
    prices = rows["price"] if "price" in rows.columns else pd.Series(None, index=rows.index)
    work = pd.DataFrame(
        {
            "unit": rows["unit"].astype(str).to_numpy(dtype=object),
            "price": np.array([_price_text(v, i) for i, v in enumerate(prices)], dtype=object),
            "clients": _numbers(rows, "clients"),
            "weekly_hours": _numbers(rows, "weekly_hours"),
        }
    )
    summed = work.groupby(["unit", "price"], sort=True).sum().reset_index()
    return _demand_frame(
        summed["unit"],
        np.round(summed["clients"].to_numpy()),
        summed["weekly_hours"],
        summed["price"],
        modelled,
    )


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
        leaves the instance folder as it found it. A file of an older schema
        is brought up to :data:`SCHEMA_VERSION` first (new tables only).
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
                (schema,) = db.execute("PRAGMA user_version").fetchone()
                if schema < SCHEMA_VERSION:
                    # one transaction: a concurrent opener waits, then finds the tables there
                    db.executescript(
                        f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; "
                        "COMMIT;"
                    )
                yield db
        except sqlite3.DatabaseError as exc:
            raise DataError(f"plan store {self.path}: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the write lock from its start; rolled back on error."""
        with self._connect(write=True) as db, immediate(db):
            yield db

    def save(
        self,
        plan: ZonePlan,
        base_version: int | None = None,
        *,
        actor: str | None = None,
        note: str = "",
    ) -> int:
        """Save ``plan`` as a new version, and its audit row; return its version number.

        Parameters
        ----------
        plan : ZonePlan
            The plan; its ``name`` says which stored plan it is a version of.
        base_version : int, optional
            The version the edit was based on; default ``plan.based_on``
            (the version it was read as, or its parent). None for a new plan.
        actor : str, optional
            Who saved it, for the audit log (default ``plan.author``).
        note : str
            Why, for the audit log.

        Returns
        -------
        int
            The new version (1 for a new plan). Its parent is ``base_version``.

        Raises
        ------
        PlanConflict
            A newer version than ``base_version`` exists (someone saved in
            between), or ``base_version`` is None and the plan already exists.
            Nothing is saved; the message names the plan, both versions and
            who saved the latest, and the error carries what changed.
        InputError
            The stored plan has another region or unit layer.

        """
        base = base_version if base_version is not None else plan.based_on
        with self._transaction() as db:
            plan_id, latest = self._latest(db, plan)
            if latest != base:
                raise self._conflict(db, plan_id, plan.name, base, latest)
            version = (latest or 0) + 1
            self._write_version(db, plan_id, version, base, plan)
            self._write_units(db, plan_id, version, plan)
            moved = "[]"  # a new plan moves no unit
            if base is not None:
                moved = _moves_json(
                    unit_moves(self._assignment(db, plan_id, base), plan.assignment)
                )
            action = "create" if base is None else "save"
            self._write_audit(
                db, actor or plan.author, action, plan.name, version, base, moved, note
            )
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
        return plan_id, self._max_version(db, plan_id)

    @staticmethod
    def _max_version(db: sqlite3.Connection, plan_id: int) -> int | None:
        latest: int | None = db.execute(
            "SELECT MAX(version) FROM versions WHERE plan_id = ?", (plan_id,)
        ).fetchone()[0]
        return latest

    def _conflict(
        self, db: sqlite3.Connection, plan_id: int, name: str, base: int | None, latest: int | None
    ) -> PlanConflict:
        """The refusal of a save on ``base`` when ``latest`` is the latest version."""
        if latest is None:
            return PlanConflict(
                f"plan {name} has no version {base} to save on top of; save it as a new plan",
                name,
                base,
                latest,
            )
        versions = tuple(
            VersionNote(*row)
            for row in db.execute(
                "SELECT version, author, created, notes FROM versions "
                "WHERE plan_id = ? AND version > ? ORDER BY version",
                (plan_id, base or 0),
            )
        )
        author, created = db.execute(
            "SELECT author, created FROM versions WHERE plan_id = ? AND version = ?",
            (plan_id, latest),
        ).fetchone()
        if base is None:
            return PlanConflict(
                f"plan {name} already exists (latest version {latest}), saved by {author} at "
                f"{created}; nothing was saved. Open version {latest} and save your edit on top "
                "of it, or save under another name",
                name,
                base,
                latest,
                versions=versions,
            )
        theirs: tuple[Move, ...] = ()
        if base < latest:
            moved = unit_moves(
                self._assignment(db, plan_id, base), self._assignment(db, plan_id, latest)
            )
            theirs = tuple(Move(*row) for row in moved.itertuples(index=False))
        return PlanConflict(
            f"plan {name}: your edit is based on version {base} but the latest version is "
            f"{latest}, saved by {author} at {created}; nothing was saved. Carry your edits "
            f"onto version {latest} and save again",
            name,
            base,
            latest,
            theirs,
            versions,
        )

    def _write_version(
        self, db: sqlite3.Connection, plan_id: int, version: int, parent: int | None, plan: ZonePlan
    ) -> None:
        zones = json.dumps([[z, plan.colours[z], plan.targets.get(z)] for z in plan.zones])
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

    @staticmethod
    def _write_audit(
        db: sqlite3.Connection,
        actor: str,
        action: str,
        plan: str,
        version: int | None,
        base: int | None,
        moved: str,
        note: str,
    ) -> None:
        db.execute(
            "INSERT INTO audit (at, actor, action, plan, version, base_version, moved, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (now().isoformat(), actor, action, plan, version, base, moved, note),
        )

    @staticmethod
    def _assignment(db: sqlite3.Connection, plan_id: int, version: int | None) -> pd.Series:
        """Unit code -> zone of one stored version (empty if there is no such version)."""
        rows = db.execute(
            "SELECT unit, zone FROM assignments WHERE plan_id = ? AND version = ?",
            (plan_id, version),
        ).fetchall()
        return pd.Series(dict(rows), dtype=object)

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
            With ``version``, ``parent`` and the zones' targets set; its
            region is loaded from the store's build folder.

        Raises
        ------
        NotFoundError
            No such plan or version; the message lists what there is.

        """
        with self._connect() as db:
            plan_id, name, region, unit_layer = self._plan_row(db, plan)
            if version is None:
                version = self._max_version(db, plan_id)
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
            assignment = self._assignment(db, plan_id, version)
        parent, author, created, method, notes, zones = row
        listed = json.loads(zones)  # [name, colour, target] or, written before targets, a pair
        return ZonePlan(
            name=name,
            region=load_region(region, self.build),
            unit_layer=unit_layer,
            assignment=assignment,
            zones=tuple(z[0] for z in listed),
            colours={z[0]: z[1] for z in listed},
            targets={z[0]: z[2] for z in listed if len(z) > 2 and z[2] is not None},
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
            ``notes``, ``zones`` (count), ``units`` (count) and ``moved``
            (units whose zone differs from the parent's, a unit gaining or
            losing its zone included; <NA> without a parent).

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
                        WHERE a.plan_id = v.plan_id AND a.version = v.version),
                       CASE WHEN v.parent IS NULL THEN NULL ELSE
                       (SELECT COUNT(*) FROM assignments a
                        LEFT JOIN assignments b ON b.plan_id = a.plan_id
                             AND b.version = v.parent AND b.unit = a.unit
                        WHERE a.plan_id = v.plan_id AND a.version = v.version
                              AND (b.zone IS NULL OR b.zone != a.zone))
                       + (SELECT COUNT(*) FROM assignments b
                          LEFT JOIN assignments a ON a.plan_id = b.plan_id
                               AND a.version = v.version AND a.unit = b.unit
                          WHERE b.plan_id = v.plan_id AND b.version = v.parent
                                AND a.unit IS NULL) END
                FROM versions v WHERE v.plan_id = ? ORDER BY v.version
                """,
                (plan_id,),
            ).fetchall()
        columns = ["version", "parent", "author", "created", "method", "notes", "zones", "units"]
        frame = pd.DataFrame(rows, columns=[*columns, "moved"])
        frame["parent"] = frame["parent"].astype("Int64")
        frame["moved"] = frame["moved"].astype("Int64")
        return frame

    def audit(self, plan: int | str | None = None) -> pd.DataFrame:
        """The audit log: every write, oldest first (of one plan, when given).

        Returns
        -------
        DataFrame
            :data:`AUDIT_COLUMNS`: ``when`` (UTC, ISO 8601), ``actor``,
            ``action`` (``create``: a plan's first version; ``save``: a later
            version; ``demand``: its demand replaced), ``plan`` (name),
            ``version`` (the version written, or the latest when demand was
            saved), ``base_version`` (<NA> for a new plan), ``moved`` (units
            moved from the base version), ``units`` (those moves in words:
            ``E01...: Zone A -> Zone B; ...``, an unassigned unit shown as
            ``(none)``) and ``note``.

        Raises
        ------
        NotFoundError
            ``plan`` is given and there is no such plan.

        """
        with self._connect() as db:
            where, params = "", tuple[str, ...]()
            if plan is not None:
                where, params = "WHERE plan = ?", (self._plan_row(db, plan)[1],)
            rows = db.execute(
                "SELECT at, actor, action, plan, version, base_version, "  # noqa: S608
                f"json_array_length(moved), moved, note FROM audit {where} ORDER BY id",
                params,
            ).fetchall()
        frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
        frame["units"] = [_moves_text(moved) for moved in frame["units"]]
        for column in ("version", "base_version", "moved"):
            frame[column] = frame[column].astype("Int64")
        return frame

    def compare(
        self, plan: int | str, a: int, b: int, demand: pd.DataFrame | None = None
    ) -> PlanComparison:
        """Version ``b`` of a plan against version ``a``: units moved and per-zone deltas.

        Parameters
        ----------
        plan : int or str
            Plan id or name.
        a, b : int
            The versions.
        demand : DataFrame, optional
            Demand rows (``unit``, ``clients``, ``weekly_hours`` and
            ``weekly_cost`` in pounds a week, as :meth:`demand` gives them);
            default the plan's stored demand. Without either, zones are
            compared by their units only.

        Returns
        -------
        PlanComparison

        Raises
        ------
        NotFoundError
            No such plan or version.

        """
        first, second = self.get(plan, a), self.get(plan, b)
        if demand is None:
            stored = self.demand(first.name)
            demand = stored[0] if stored is not None else None
        moved = unit_moves(first.assignment, second.assignment)
        names = first.units.frame["name"]
        moved.insert(1, "name", names.reindex(moved["unit"]).to_numpy())
        order = list(dict.fromkeys([*first.zones, *second.zones]))
        sides = {
            "a": _zone_figures(first, demand, order),
            "b": _zone_figures(second, demand, order),
        }
        sides["delta"] = sides["b"] - sides["a"]
        return PlanComparison(first.name, a, b, moved, pd.concat(sides, axis=1))

    def save_demand(
        self,
        plan: int | str,
        rows: pd.DataFrame,
        source: str,
        modelled: bool,
        *,
        actor: str = "geozones",
    ) -> None:
        """Store the demand a plan is weighed by, replacing any it had, with an audit row.

        Parameters
        ----------
        plan : int or str
            Plan id or name.
        rows : DataFrame
            One row per package or per unit: ``unit`` (a code of the plan's
            unit layer), ``clients``, ``weekly_hours`` (hours a week) and
            optionally ``price`` (the row's own hourly price in pounds, e.g.
            from :func:`geozones.balance.report.own_price_demand`; empty or
            missing: unpriced). Rows of one unit at one price are added up
            (:func:`demand_rows`).
        source : str
            Where the demand comes from (a file name, or how it was modelled).
        modelled : bool
            True for modelled, not recorded, demand.
        actor : str
            Who stored it, for the audit log.

        Raises
        ------
        NotFoundError
            No such plan.
        InputError
            A missing column, a unit code the plan's layer does not have, or
            clients, hours or a price that is not a number of 0 or more.

        """
        with self._connect() as db:
            plan_id, name, region, layer = self._plan_row(db, plan)
        load_units(load_region(region, self.build), layer).demand_positions(rows, DEMAND_COLUMNS)
        summed = demand_rows(rows, modelled)
        with self._transaction() as db:
            db.execute("DELETE FROM demand_rows WHERE plan_id = ?", (plan_id,))
            db.execute(
                "INSERT OR REPLACE INTO demand (plan_id, source, modelled, saved) "
                "VALUES (?, ?, ?, ?)",
                (plan_id, source, int(modelled), now().isoformat()),
            )
            db.executemany(
                "INSERT INTO demand_rows (plan_id, unit, price, clients, weekly_hours) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    (plan_id, unit, "" if price is None else str(price), int(clients), hours)
                    for unit, clients, hours, price in zip(
                        summed["unit"],
                        summed["clients"],
                        summed["weekly_hours"],
                        summed["price"],
                        strict=True,
                    )
                ),
            )
            latest = self._max_version(db, plan_id)
            self._write_audit(db, actor, "demand", name, latest, None, "[]", source)

    def demand(self, plan: int | str) -> tuple[pd.DataFrame, str, bool] | None:
        """The demand stored for a plan (:meth:`save_demand`), or None when it has none.

        Returns
        -------
        (DataFrame, str, bool) or None
            The rows, one per unit and price, sorted by unit:
            :data:`DEMAND_ROW_COLUMNS`: ``unit``, ``clients``,
            ``weekly_hours`` (hours a week), ``price`` (pounds an hour,
            Decimal; None where unpriced) and ``weekly_cost`` (pounds a week,
            hours x price; NaN where unpriced); ``attrs["modelled"]`` is the
            flag. Then the source text and the modelled flag.

        Raises
        ------
        NotFoundError
            No such plan.

        """
        with self._connect() as db:
            plan_id = self._plan_row(db, plan)[0]
            head = db.execute(
                "SELECT source, modelled FROM demand WHERE plan_id = ?", (plan_id,)
            ).fetchone()
            rows = db.execute(
                "SELECT unit, clients, weekly_hours, price FROM demand_rows WHERE plan_id = ? "
                "ORDER BY unit, price",
                (plan_id,),
            ).fetchall()
        if head is None:
            return None
        source, modelled = head[0], bool(head[1])
        units, clients, hours, prices = zip(*rows, strict=True) if rows else ((), (), (), ())
        frame = _demand_frame(pd.Series(units, dtype=object), clients, hours, prices, modelled)
        return frame, source, modelled


def _zone_figures(plan: ZonePlan, demand: pd.DataFrame | None, order: list[str]) -> pd.DataFrame:
    """Units and, with demand, clients, weekly hours and weekly cost per zone, in ``order``."""
    figures = pd.DataFrame({"units": plan.assignment.value_counts()})
    if demand is not None:
        zone = plan.assignment.reindex(demand["unit"].astype(str).to_numpy()).to_numpy()
        sums = (
            demand.assign(zone=zone)
            .groupby("zone")[["clients", "weekly_hours", "weekly_cost"]]
            .sum()
        )
        figures = figures.join(sums)
    figures = figures.reindex(order).fillna(0)
    counts = [c for c in ("units", "clients") if c in figures]
    return figures.astype(dict.fromkeys(counts, np.int64))


def _key(plan: int | str) -> tuple[str, int | str]:
    """The ``plans`` column and value that find a plan by name (text) or id (any integer)."""
    return ("name", plan) if isinstance(plan, str) else ("id", int(plan))
