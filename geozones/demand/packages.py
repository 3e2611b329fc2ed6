"""Care demand per unit: package lists geocoded and summed per LSOA, or modelled from the Census.

Two sources, one result (:class:`Demand`):

* **A package list** (CSV or XLSX: an id, an address or postcode, weekly
  hours and optionally a pathway such as ``O`` or ``D``), read by
  :func:`read_demand`. Every row is geocoded offline
  (:class:`~geozones.geocode.geocoder.Geocoder`) and placed in a unit (see
  :func:`locate`). Every input row is kept, with a ``status`` and a
  ``message``: a bad address, a missing, negative or non-numeric
  ``weekly_hours``, a point outside the region or a package of another pathway
  is reported, never dropped, and only ``ok`` rows are counted.
* **Modelled demand** (:func:`modelled_demand`), when there is no list: a
  reproducible synthetic package list drawn from the Census 2021 population
  aged 65+ of each LSOA and the region's Code-Point Open postcodes, scaled to
  a council's published totals (the ``[[demand]]`` tables of its scheme
  files, :func:`published_totals`). It is marked
  ``modelled=True`` in every row, in the per-unit totals and in their
  ``attrs``, so plans, summaries and exports built on it say so.

Points are EPSG:27700 metres; hours are hours a week.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geozones._errors import InputError
from geozones._spatial import UNIT_SNAP_M
from geozones._vocab import Status
from geozones.geocode.geocoder import Geocoder
from geozones.regions.data import RegionData
from geozones.schemes.scheme import list_schemes
from geozones.tables.files import detect_column, read_table
from geozones.zones.units import UnitLayer, load_units

__all__ = [
    "HOURS_HEADERS",
    "ID_HEADERS",
    "PACKAGE_HOURS",
    "PATHWAY_HEADERS",
    "PRECISE",
    "ROW_COLUMNS",
    "STATUSES",
    "UNIT_COLUMNS",
    "Demand",
    "PackageColumns",
    "PackageHours",
    "PublishedDemand",
    "hours_column",
    "locate",
    "modelled_demand",
    "modelled_packages",
    "package_columns",
    "package_hours",
    "published_demand",
    "published_totals",
    "read_demand",
    "read_package_list",
]

#: Geocoder precisions fine enough to place a package in an LSOA. A postcode
#: sector or district centre, or a place name, could be several LSOAs away.
PRECISE: tuple[str, ...] = ("postcode", "terminated", "coordinates", "grid_reference")
#: Row statuses, in the order problems are reported: ``ok`` (counted),
#: ``bad_address`` (not located, or only to a postcode sector, district or
#: place), ``outside_region`` (located outside the region or its units),
#: ``bad_hours`` (weekly hours missing, negative or not a number) and
#: ``other_pathway`` (a valid package of a pathway not asked for).
STATUSES: tuple[str, ...] = ("ok", "bad_address", "outside_region", "bad_hours", "other_pathway")
#: Columns added to every input row.
ROW_COLUMNS: tuple[str, ...] = (
    "row", "easting", "northing", "precision", "unit", "status", "message", "modelled",
)  # fmt: skip
#: Columns of the per-unit totals.
UNIT_COLUMNS: tuple[str, ...] = (
    "unit", "unit_name", "clients", "weekly_hours", "pathway", "modelled",
)  # fmt: skip
#: Header words (lower case, letters and digits only) of the weekly-hours, id and pathway columns.
HOURS_HEADERS: tuple[str, ...] = ("weeklyhours", "hoursperweek", "hoursaweek", "weeklyhrs", "hours")
ID_HEADERS: tuple[str, ...] = (
    "packageid", "packageref", "clientid", "clientref", "id", "reference", "ref",
)  # fmt: skip
PATHWAY_HEADERS: tuple[str, ...] = ("pathway", "caretype")

_ALL = "all"
_KIND = {"units": "LSOA", "wards": "ward"}
_COARSE = {"sector": "postcode sector", "district": "postcode district", "place": "place name"}


@dataclass(frozen=True)
class PublishedDemand:
    """A council's published client and hours totals for one care pathway (or all of them).

    Attributes
    ----------
    region : str
        Region name (e.g. ``herefordshire``).
    pathway : str or None
        Pathway code as in package lists (``O`` ordinary, ``D`` complex care);
        None where the totals count every pathway (Nottinghamshire).
    clients : int
        Clients at one time.
    weekly_hours : float
        Commissioned hours a week (a whole number of half-hours).
    scheme, rate : str
        Scheme id and its rate or blend these hours are priced at.
    source : str
        Where the figures are published.

    """

    region: str
    pathway: str | None
    clients: int
    weekly_hours: float
    scheme: str
    rate: str
    source: str


@dataclass(frozen=True)
class PackageHours:
    """How modelled package hours are drawn: ``minimum`` + a gamma variable of ``shape``.

    A modelling assumption, not a published figure: package sizes are skewed
    (many short packages, a few long ones); the gamma's scale is set so that
    the mean is the published hours per client.
    """

    minimum: float
    shape: float


#: Package-size assumptions per pathway (key ``None``: any other pathway). 'D'
#: packages start at 14 hours a week, as complex packages in the sample lists do.
PACKAGE_HOURS: dict[str | None, PackageHours] = {
    "O": PackageHours(minimum=0.5, shape=2.0),
    "D": PackageHours(minimum=14.0, shape=2.0),
    None: PackageHours(minimum=0.5, shape=2.0),
}


@dataclass(frozen=True)
class Demand:
    """Care packages placed in units, and their totals per unit.

    Attributes
    ----------
    rows : DataFrame
        Every input row in order, with its own columns (one named like a
        column of :data:`ROW_COLUMNS` is renamed ``<name>_input``) and
        ``row`` (spreadsheet row number, the header being row 1),
        ``easting``/``northing`` (EPSG:27700 metres), ``precision``,
        ``unit`` (code, ``""`` where not placed), ``status`` (one of
        :data:`STATUSES`), ``message`` (every problem of the row, or how it
        was placed) and ``modelled``.
    units : DataFrame
        One row per unit of the layer, in layer order: :data:`UNIT_COLUMNS`
        (``clients`` and ``weekly_hours`` summed over the ``ok`` rows;
        ``pathway`` the pathway counted, ``"all"`` when not filtered).
        ``units.attrs["modelled"]`` is True for modelled demand. This is the
        demand :meth:`ZonePlan.summary <geozones.zones.plan.ZonePlan.summary>`
        and :func:`geozones.balance.solver.balance` take.
    region : str
        Region name.
    layer : str
        Unit layer (``units`` for LSOAs, or ``wards``).
    pathway : str or None
        The pathway counted (None: every row).
    modelled : bool
        True when the packages are modelled, not recorded.
    source : str
        The file name, or how the demand was modelled.
    id_column : str or None
        The column of ``rows`` identifying each package, if there is one.

    """

    rows: pd.DataFrame
    units: pd.DataFrame
    region: str
    layer: str
    pathway: str | None
    modelled: bool
    source: str
    id_column: str | None

    @property
    def clients(self) -> int:
        """Clients counted (``ok`` rows)."""
        return int(self.units["clients"].sum())

    @property
    def weekly_hours(self) -> float:
        """Hours a week counted (``ok`` rows)."""
        return float(self.units["weekly_hours"].sum())

    def counts(self) -> dict[str, int]:
        """Rows per status, every status of :data:`STATUSES` listed (0 when none)."""
        found = self.rows["status"].value_counts()
        return {s: int(found.get(s, 0)) for s in STATUSES}

    def problems(self) -> pd.DataFrame:
        """The rows that are not ``ok`` and not merely of another pathway."""
        bad = ~self.rows["status"].isin((Status.OK, "other_pathway"))
        return self.rows[bad]

    def describe(self) -> str:
        """One line for plan notes and reports: source, pathway, totals, modelled flag."""
        pathway = f"pathway {self.pathway}" if self.pathway else "all pathways"
        return (
            f"demand from {self.source}, {pathway}: {self.clients:,} clients, "
            f"{self.weekly_hours:,.1f} hours a week; modelled={self.modelled}"
        )


def locate(
    units: UnitLayer, xy: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Find the unit each point lies in, by the one rule of :mod:`geozones._spatial`.

    Parameters
    ----------
    units : UnitLayer
        The units (polygons in EPSG:27700).
    xy : array_like, shape (n, 2)
        Points, EPSG:27700 metres; NaN rows are not located.

    Returns
    -------
    position : ndarray of int
        Position of the unit in the layer, -1 where none is within
        :data:`~geozones._spatial.UNIT_SNAP_M`.
    distance : ndarray of float
        Metres from the point to that unit (0 inside it), NaN where none.

    """
    return units.index.locate(xy)


def _key(header: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


def _find_column(
    table: pd.DataFrame, given: str | None, headers: tuple[str, ...], what: str, name: str
) -> str | None:
    """The column named ``given``, else the first whose header is one of ``headers``."""
    if given is not None:
        if given not in table.columns:
            raise InputError(
                f"{name}: no {what} column {given!r}; columns: "
                + ", ".join(map(str, table.columns))
            )
        return given
    keys = {_key(c): c for c in reversed(table.columns)}
    return next((str(keys[h]) for h in headers if h in keys), None)


def hours_column(table: pd.DataFrame) -> str | None:
    """The weekly hours column of a package list, found by :data:`HOURS_HEADERS`; None if none."""
    return _find_column(table, None, HOURS_HEADERS, "weekly hours", "the package list")


@dataclass(frozen=True)
class PackageColumns:
    """Which columns of a package list hold what (None: the list has no such column)."""

    address: str
    hours: str | None = None
    id: str | None = None
    pathway: str | None = None


def package_columns(
    table: pd.DataFrame,
    label: str,
    *,
    address: str | None = None,
    hours: str | None = None,
    id_column: str | None = None,
    pathway: str | None = None,
) -> PackageColumns:
    """Settle the columns of a package list: the ones named, else found by header.

    The address column is found by header or content
    (:func:`geozones.tables.files.detect_column`); hours, id and pathway by
    :data:`HOURS_HEADERS`, :data:`ID_HEADERS` and :data:`PATHWAY_HEADERS`
    whatever the case, spaces or punctuation.

    Raises
    ------
    InputError
        A named column that is not there, or no column of addresses.

    """
    found = address if address is not None else detect_column(table, label)
    if found not in table.columns:
        raise InputError(
            f"{label}: no address column {found!r}; columns: " + ", ".join(map(str, table.columns))
        )
    return PackageColumns(
        address=found,
        hours=_find_column(table, hours, HOURS_HEADERS, "weekly hours", label),
        id=_find_column(table, id_column, ID_HEADERS, "id", label),
        pathway=_find_column(table, pathway, PATHWAY_HEADERS, "pathway", label),
    )


def read_package_list(
    source: str | os.PathLike[str] | bytes | pd.DataFrame,
    name: str | None = None,
    *,
    address: str | None = None,
    hours: str | None = None,
    id_column: str | None = None,
    pathway: str | None = None,
) -> tuple[pd.DataFrame, PackageColumns, str]:
    """Read a package list (the one reader of the CLI, the balancer and the web batch).

    Parameters
    ----------
    source : path, bytes or DataFrame
        A ``.csv``/``.xlsx`` file (path, or bytes with ``name``), or a table
        already read (cells as text).
    name : str, optional
        File name for messages (required with bytes).
    address, hours, id_column, pathway : str, optional
        Column names; default found as :func:`package_columns` says.

    Returns
    -------
    (DataFrame, PackageColumns, str)
        Every row, cells as text, in order (index 0..n-1); its columns; and the
        label messages name it by.

    """
    if isinstance(source, pd.DataFrame):
        table, label = source.reset_index(drop=True), name or "the package list"
    else:
        table = read_table(source, name)
        label = Path(name or ("the upload" if isinstance(source, bytes) else source)).name
    columns = package_columns(
        table, label, address=address, hours=hours, id_column=id_column, pathway=pathway
    )
    return table, columns, label


def package_hours(values: pd.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_]]:
    """Weekly hours of each package and what is wrong with it: the one bad-hours policy.

    A cell that is empty, not a number or negative is a problem (a message
    saying what is accepted); such a row is flagged ``bad_hours`` and counted
    nowhere, neither as a client nor as hours, by the balancer and by every
    summary.

    Returns
    -------
    hours : ndarray of float64
        Hours a week; NaN where there is a problem.
    problem : ndarray of object
        ``""`` where the value is fine, else the message.

    """
    text = values.astype("string").fillna("").str.strip()
    hours = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    problem = np.full(len(text), "", dtype=object)
    empty = (text == "").to_numpy()
    problem[empty] = "weekly_hours is missing; give the package's hours a week (0 or more)"
    wrong = ~empty & ~np.isfinite(hours)
    problem[wrong] = [
        f"weekly_hours {v!r} is not a number; give hours a week (0 or more)"
        for v in text.to_numpy()[wrong]
    ]
    negative = np.isfinite(hours) & (hours < 0)
    problem[negative] = [
        f"weekly_hours is negative ({v}); give hours a week (0 or more)"
        for v in text.to_numpy()[negative]
    ]
    return np.where(problem == "", hours, np.nan), problem


def _place(
    units: UnitLayer, geocoded: pd.DataFrame, region: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Unit position, status and message of each geocoded row (before hours are checked)."""
    n = len(geocoded)
    status = np.full(n, "ok", dtype=object)
    message = geocoded["message"].fillna("").to_numpy(dtype=object).copy()
    precision = geocoded["precision"].to_numpy(dtype=object)
    failed = (geocoded["status"] == Status.ERROR).to_numpy()
    status[failed] = "bad_address"
    message[failed & (message == "empty input")] = "no address or postcode given"
    coarse = ~failed & ~pd.Series(precision).isin(PRECISE).to_numpy()
    warnings = geocoded["warnings"].fillna("").to_numpy(dtype=object)
    status[coarse] = "bad_address"
    message[coarse] = [
        f"{w or m}; a {_COARSE.get(p, p)} is too coarse to place in a unit: "
        "give a full, current postcode"
        for w, m, p in zip(warnings[coarse], message[coarse], precision[coarse], strict=True)
    ]
    outside = ~failed & ~coarse & (geocoded["status"] == Status.OUTSIDE_REGION).to_numpy()
    status[outside] = "outside_region"
    xy = geocoded[["easting", "northing"]].to_numpy(dtype=float)
    position, distance = locate(units, xy)
    position[status != Status.OK] = -1
    lost = (status == Status.OK) & (position < 0)
    status[lost] = "outside_region"
    message[lost] = [
        f"{m}, but in no {_KIND[units.layer]} of {region} (none within {UNIT_SNAP_M:.0f} m)"
        for m in message[lost]
    ]
    snapped = (position >= 0) & (distance > 0)
    message[snapped] = [
        f"{m}; placed in the nearest unit, {d:.0f} m away"
        for m, d in zip(message[snapped], distance[snapped], strict=True)
    ]
    return position, status, message


def _finish(
    rows: pd.DataFrame,
    hours: npt.NDArray[np.float64],
    position: npt.NDArray[np.int64],
    units: UnitLayer,
    pathway_values: npt.NDArray[np.object_] | None,
    pathway: str | None,
    modelled: bool,
    source: str,
    id_column: str | None,
) -> Demand:
    """Apply the pathway filter, sum the ``ok`` rows per unit and wrap up a :class:`Demand`."""
    status = rows["status"].to_numpy(dtype=object)
    message = rows["message"].to_numpy(dtype=object)
    if pathway is not None:
        if pathway_values is None:
            raise InputError(
                f"{source}: no pathway column to select pathway {pathway!r} by; add a column "
                "'pathway' (e.g. O or D), or leave the pathway out to count every row"
            )
        given = pd.Series(pathway_values, dtype="string").fillna("").str.strip().str.upper()
        other = (status == Status.OK) & (given != pathway.upper()).to_numpy()
        status[other] = "other_pathway"
        message[other] = [
            f"pathway {p or '(none)'}, not {pathway}: not counted" for p in given.to_numpy()[other]
        ]
    rows = rows.assign(status=status, message=message)
    counted = status == Status.OK
    at = position[counted]
    n = len(units.codes)
    frame = pd.DataFrame(
        {
            "unit": units.codes.to_numpy(),
            "unit_name": units.frame["name"].to_numpy(),
            "clients": np.bincount(at, minlength=n).astype(np.int64),
            "weekly_hours": np.bincount(at, weights=hours[counted], minlength=n),
            "pathway": pathway or _ALL,
            "modelled": modelled,
        }
    )
    frame.attrs["modelled"] = modelled
    return Demand(
        rows=rows,
        units=frame,
        region=units.region.name,
        layer=units.layer,
        pathway=pathway,
        modelled=modelled,
        source=source,
        id_column=id_column,
    )


def read_demand(
    source: str | os.PathLike[str] | bytes | pd.DataFrame,
    region: RegionData,
    *,
    layer: str = "units",
    pathway: str | None = None,
    address_column: str | None = None,
    hours_column: str | None = None,
    id_column: str | None = None,
    pathway_column: str | None = None,
    name: str | None = None,
) -> Demand:
    """Geocode a package list and sum its weekly hours per unit.

    Parameters
    ----------
    source : path, bytes or DataFrame
        A ``.csv``/``.xlsx`` file (path, or bytes with ``name``), or a table
        already read (cells as text, as :func:`geozones.tables.files.read_table` gives).
    region : RegionData
        The region whose units the packages are placed in.
    layer : str
        Unit layer: ``units`` (LSOA 2011) or ``wards``.
    pathway : str, optional
        Count only rows of this pathway (e.g. ``O``; case-insensitive); the
        others get status ``other_pathway``.
    address_column : str, optional
        Address or postcode column (default: found by header or content, see
        :func:`geozones.tables.files.detect_column`).
    hours_column, id_column, pathway_column : str, optional
        Default: found by header (:data:`HOURS_HEADERS`, :data:`ID_HEADERS`,
        :data:`PATHWAY_HEADERS`, whatever the case, spaces or punctuation).
    name : str, optional
        File name for messages (required with bytes).

    Returns
    -------
    Demand
        Every row with status and message; ``ok`` rows summed per unit (one
        client per row).

    Raises
    ------
    InputError
        Unreadable file, no address or weekly-hours column, a named column
        that is not there, or a pathway asked for without a pathway column.

    """
    table, columns, label = read_package_list(
        source,
        name,
        address=address_column,
        hours=hours_column,
        id_column=id_column,
        pathway=pathway_column,
    )
    address, hours_col, id_col, pathway_col = (
        columns.address,
        columns.hours,
        columns.id,
        columns.pathway,
    )
    if hours_col is None:
        raise InputError(
            f"{label}: no weekly hours column (headers tried: weekly_hours, hours_per_week, "
            "hours); name it with hours_column; columns: " + ", ".join(map(str, table.columns))
        )
    units = load_units(region, layer)
    geocoder = Geocoder.for_region(region.name, region.path.parent)
    geocoded = geocoder.geocode_many(table[address].reset_index(drop=True))
    position, status, message = _place(units, geocoded, region.name)
    hours, hours_problem = package_hours(table[hours_col])
    bad_hours = hours_problem != ""
    status[bad_hours & (status == Status.OK)] = "bad_hours"
    both = bad_hours & (status != "bad_hours")
    message[both] = [f"{m}; {p}" for m, p in zip(message[both], hours_problem[both], strict=True)]
    message[status == "bad_hours"] = hours_problem[status == "bad_hours"]
    rows = table.rename(columns={c: f"{c}_input" for c in ROW_COLUMNS if c in table.columns})
    placed = position >= 0
    rows = rows.assign(
        row=np.arange(len(table)) + 2,
        easting=geocoded["easting"].to_numpy(),
        northing=geocoded["northing"].to_numpy(),
        precision=geocoded["precision"].to_numpy(),
        unit=np.where(placed, units.codes.to_numpy()[np.maximum(position, 0)], ""),
        status=status,
        message=message,
        modelled=False,
    )
    pathway_values = table[pathway_col].to_numpy() if pathway_col is not None else None
    if id_col in ROW_COLUMNS:
        id_col = f"{id_col}_input"
    return _finish(rows, hours, position, units, pathway_values, pathway, False, label, id_col)


def published_totals(
    region: str | None = None, pathway: str | None = None
) -> tuple[PublishedDemand, ...]:
    """The published totals of the shipped council schemes: the one declared place for them.

    Each ``[[demand]]`` table of a scheme file that is not a demonstration
    (Herefordshire: seed 002, section 12, August 2016; Nottinghamshire: seed
    004, paragraph 22, April 2017), in scheme file order.

    Parameters
    ----------
    region : str, optional
        Only this region's.
    pathway : str, optional
        Only this pathway's (case-insensitive); totals of every pathway match none.

    """
    return tuple(
        PublishedDemand(
            scheme.region,
            total.pathway,
            total.clients,
            float(total.weekly_hours),
            scheme.id,
            total.rate,
            f"{total.source} ({total.as_at})",
        )
        for scheme in list_schemes()
        if not scheme.demonstration and region in (None, scheme.region)
        for total in scheme.demand
        if pathway is None or (total.pathway or "").upper() == pathway.upper()
    )


def published_demand(region: str, pathway: str | None = None) -> tuple[PublishedDemand, ...]:
    """The published totals of a region, of one pathway or all of them.

    Raises
    ------
    InputError
        The region (or pathway) has no published totals; the message lists those there are.

    """
    found = published_totals(region, pathway)
    if not found:
        have = ", ".join(f"{p.region} {p.pathway or 'all'}" for p in published_totals())
        what = f"{region} pathway {pathway}" if pathway else region
        raise InputError(
            f"no published demand totals for {what} to model demand from (there are: {have}); "
            "give a package list instead"
        )
    return found


def _half_hours(hours: npt.NDArray[np.float64], total: float) -> npt.NDArray[np.float64]:
    """Round hours to half-hours so that they add up to ``total`` (largest remainders)."""
    halves = hours * 2.0
    floor = np.floor(halves)
    short = int(round(total * 2.0) - floor.sum())
    order = np.argsort(-(halves - floor), kind="stable")
    floor[order[:short]] += 1.0
    return floor / 2.0


def modelled_packages(
    region: RegionData, totals: Sequence[PublishedDemand] | None = None, *, seed: int = 0
) -> pd.DataFrame:
    """A synthetic package list matching published totals exactly, drawn reproducibly.

    For each pathway in turn (the order of ``totals``), ``clients`` packages
    are drawn with :func:`numpy.random.default_rng` (``seed``):

    * **Where**: a postcode of the region (OS Code-Point Open, ``in_region``
      and inside a unit), each chosen with probability proportional to the
      Census 2021 population aged 65+ of its LSOA shared equally among the
      LSOA's postcodes, so each LSOA gets packages in proportion to its 65+
      population (LSOAs without a postcode get none).
    * **How many hours**: ``minimum`` plus a gamma variable
      (:data:`PACKAGE_HOURS`), scaled so that the pathway's hours add up to
      the published total, then rounded to whole half-hours by the largest
      remainder method, so that the total stays exact (9,199.0 hours for
      Herefordshire 'O'). The clients total is exact by construction (one
      client per package).

    Parameters
    ----------
    region : RegionData
        The region (postcodes and LSOAs with ``age65``).
    totals : sequence of PublishedDemand, optional
        Default: the region's published totals (:func:`published_demand`).
    seed : int
        The random seed; the same seed gives the same list.

    Returns
    -------
    DataFrame
        ``package_id``, ``postcode``, ``easting``, ``northing`` (EPSG:27700
        metres), ``unit`` (LSOA code), ``weekly_hours``, ``pathway`` and
        ``modelled`` (True).

    """
    totals = tuple(totals) if totals is not None else published_demand(region.name)
    lsoas = load_units(region, "units")
    postcodes = region.postcodes[region.postcodes["in_region"].astype(bool)]
    xy = shapely.get_coordinates(postcodes.geometry.to_numpy())
    position, _ = locate(lsoas, xy)
    keep = position >= 0
    xy, position, codes = xy[keep], position[keep], postcodes["postcode"].to_numpy()[keep]
    per_unit = np.bincount(position, minlength=len(lsoas.codes))
    weight = lsoas.frame["age65"].to_numpy(dtype=float)[position] / per_unit[position]
    rng = np.random.default_rng(seed)
    parts = []
    for total in totals:
        shape = PACKAGE_HOURS.get(total.pathway, PACKAGE_HOURS[None])
        spare = total.weekly_hours - total.clients * shape.minimum
        if total.clients < 1 or spare <= 0:
            raise InputError(
                f"{total.region} pathway {total.pathway or 'all'}: {total.clients} clients and "
                f"{total.weekly_hours} hours a week cannot be modelled (at least one client, "
                f"more than {shape.minimum} hours each)"
            )
        drawn = rng.choice(len(xy), size=total.clients, p=weight / weight.sum())
        extra = rng.gamma(shape.shape, 1.0, size=total.clients)
        hours = shape.minimum + extra * (spare / extra.sum())
        parts.append(
            pd.DataFrame(
                {
                    "package_id": [
                        f"M{total.pathway or ''}{i:05d}" for i in range(1, total.clients + 1)
                    ],
                    "postcode": codes[drawn],
                    "easting": xy[drawn, 0],
                    "northing": xy[drawn, 1],
                    "unit": lsoas.codes.to_numpy()[position[drawn]],
                    "weekly_hours": _half_hours(hours, total.weekly_hours),
                    "pathway": total.pathway or "",
                    "modelled": True,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def modelled_demand(
    region: RegionData,
    pathway: str | None = None,
    *,
    layer: str = "units",
    seed: int = 0,
    totals: Sequence[PublishedDemand] | None = None,
) -> Demand:
    """Demand per unit from a modelled package list (:func:`modelled_packages`).

    Parameters
    ----------
    region : RegionData
        The region.
    pathway : str, optional
        Count only this pathway's packages (e.g. ``O``); default all.
    layer : str
        Unit layer to sum into (``units`` or ``wards``).
    seed : int
        Random seed (same seed, same demand).
    totals : sequence of PublishedDemand, optional
        Totals to scale to; default the region's published ones
        (:func:`published_totals`). Pass your own for a region without them.

    Returns
    -------
    Demand
        ``modelled=True`` everywhere; for Herefordshire 'O' exactly 768
        clients and 9,199.0 hours a week.

    Raises
    ------
    InputError
        No published totals for the region (and none given).

    """
    totals = tuple(totals) if totals is not None else published_demand(region.name)
    packages = modelled_packages(region, totals, seed=seed)
    units = load_units(region, layer)
    xy = packages[["easting", "northing"]].to_numpy(dtype=float)
    position = locate(units, xy)[0]
    placed = position >= 0
    message = [f"modelled package at postcode {p}" for p in packages["postcode"]]
    rows = packages.assign(
        row=np.arange(len(packages)) + 2,
        precision="postcode",
        unit=np.where(placed, units.codes.to_numpy()[np.maximum(position, 0)], ""),
        status=np.where(placed, "ok", "outside_region"),
        message=np.where(placed, message, [f"{m}, in no {_KIND[layer]}" for m in message]),
    )
    figures = "; ".join(
        f"{t.pathway or 'all pathways'} {t.clients:,} clients, {t.weekly_hours:,.0f} h/week "
        f"({t.source})"
        for t in totals
    )
    source = (
        f"packages modelled from Census 2021 65+ by LSOA and Code-Point Open postcodes "
        f"(seed {seed}), scaled to {region.name}'s published totals: {figures}"
    )
    hours = packages["weekly_hours"].to_numpy(dtype=float)
    pathways = packages["pathway"].to_numpy()
    return _finish(rows, hours, position, units, pathways, pathway, True, source, "package_id")
