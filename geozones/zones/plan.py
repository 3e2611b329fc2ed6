"""A zone plan: units (LSOAs or wards) assigned to named zones, and what follows from it.

:class:`ZonePlan` holds the assignment and its metadata; the zone polygons, the
contiguity check and the per-zone figures are all computed from the units (see
:mod:`geozones.zones.units`), so a plan is exactly as clean as its units: every
unit in one zone, no gaps and no overlaps between zones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geozones._cache import clearable
from geozones._errors import InputError
from geozones._settings import BNG
from geozones.distance.surgeries import NearestSurgery
from geozones.regions.data import RegionData
from geozones.schemes.pricing import hourly_rate, zone_table
from geozones.schemes.scheme import Scheme
from geozones.zones.units import UNIT_LAYERS, UnitLayer, load_units

__all__ = [
    "DEMAND_COLUMNS",
    "DRIVE_COLUMNS",
    "MODELLED_METHODS",
    "PALETTE",
    "TARGET_COLUMN",
    "TOTAL",
    "PlanCheck",
    "ZonePlan",
    "now",
    "target_hours",
]

#: Zone colours given in turn to zones without one (20 distinguishable colours).
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)  # fmt: skip
#: Columns a demand frame must have (one row per unit or per package).
DEMAND_COLUMNS: tuple[str, ...] = ("unit", "clients", "weekly_hours")
#: Zone name of the total row of a summary.
TOTAL = "Total"
#: The column of a summary holding each zone's target hours a week (plans with targets).
TARGET_COLUMN = "target_hours"
#: Drive-time columns of a summary where the region has a road network: the mean and the
#: 90th percentile, over the zone's live postcodes, of the quickest drive from any GP
#: surgery (minutes, to 0.1).
DRIVE_COLUMNS: tuple[str, ...] = ("drive_minutes_mean", "drive_minutes_p90")
#: The percentile of :data:`DRIVE_COLUMNS`' second column.
DRIVE_PERCENTILE = 0.9

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

#: How the methods of modelled plans begin (:func:`geozones.balance.solver.balance` and
#: :func:`~geozones.balance.solver.improve`): zones a model proposes, labelled as modelled.
MODELLED_METHODS: tuple[str, ...] = ("balanced ", "improved ")


def now() -> datetime:
    """The current time in UTC, to the second (plan timestamps)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class PlanCheck:
    """What :meth:`ZonePlan.check` found.

    Attributes
    ----------
    plan : str
        The plan's name.
    islands : DataFrame
        One row per piece of a zone cut off from the zone's largest piece (by
        area): ``zone``, ``units`` (tuple of unit codes), ``population`` and
        ``area_km2``. A unit with no neighbour at all (an offshore piece) is a
        piece of its own.
    unassigned : tuple of str
        Units of the layer that have no zone.
    not_in_region : tuple of str
        Unit codes in the plan that the region's layer does not have.
    unknown_zones : tuple of str
        Zone names units are assigned to that the plan does not list.
    empty_zones : tuple of str
        Zones the plan lists that hold no unit.

    """

    plan: str
    islands: pd.DataFrame
    unassigned: tuple[str, ...]
    not_in_region: tuple[str, ...]
    unknown_zones: tuple[str, ...]
    empty_zones: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every unit of the region is in exactly one listed zone."""
        return not (self.unassigned or self.not_in_region or self.unknown_zones)

    @property
    def contiguous(self) -> bool:
        """True when every zone is one connected piece."""
        return self.islands.empty

    def report(self) -> list[str]:
        """The findings as lines of text, problems first; one "ok" line when there are none."""
        lines = []
        for label, codes in (
            ("unit(s) without a zone", self.unassigned),
            ("unit code(s) not in the region", self.not_in_region),
            ("zone name(s) not in the plan", self.unknown_zones),
            ("zone(s) without units", self.empty_zones),
        ):
            if codes:
                shown = ", ".join(codes[:10]) + (", ..." if len(codes) > 10 else "")
                lines.append(f"{len(codes)} {label}: {shown}")
        islands = self.islands
        lines.extend(
            f"zone {zone!r} has an island of {len(units)} unit(s) "
            f"({area_km2:,.1f} km2, {population:,.0f} people): {', '.join(units)}"
            for zone, units, population, area_km2 in zip(
                islands["zone"],
                islands["units"],
                islands["population"],
                islands["area_km2"],
                strict=True,
            )
        )
        return lines or [f"plan {self.plan}: every unit in one zone, every zone contiguous"]


@dataclass(frozen=True, eq=False)
class ZonePlan:
    """Units of a region assigned to named zones.

    Parameters
    ----------
    name : str
        The plan's name (its identity in a :class:`~geozones.zones.store.PlanStore`).
    region : RegionData
        The built region the units belong to.
    unit_layer : str
        ``units`` (LSOA 2011) or ``wards`` (2013 wards).
    assignment : Series
        Unit code (index) to zone name; units left out (or NaN) are unassigned.
        Kept sorted by unit code, as text.
    zones : tuple of str, optional
        Zone names in display order; default: the assigned names in order of
        first appearance.
    colours : mapping of str to str, optional
        Zone name to ``#rrggbb``; zones without one take :data:`PALETTE`
        colours by position.
    targets : mapping of str to float, optional
        Zone name to its target hours a week (Herefordshire's 'O' zones:
        1,295 to 2,352, not equal shares); zones without one have none. Kept
        in zone order, as floats.
    method : str
        How the assignment was made (builder, rule file, distance method).
    author, notes : str
        Who made this version and why.
    created : datetime
        When this version was made (UTC).
    parent : int, optional
        The stored version this plan was derived from.
    version : int, optional
        The stored version this plan is (None until saved and read back).

    Raises
    ------
    InputError
        An empty name, an unknown unit layer, a unit listed twice, a zone
        listed twice, a colour that is not ``#rrggbb``, or a target for a zone
        the plan does not list or that is not a number of hours above 0.

    """

    name: str
    region: RegionData
    unit_layer: str
    assignment: pd.Series
    zones: tuple[str, ...] = ()
    colours: Mapping[str, str] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=dict)
    method: str = "drawn by hand"
    author: str = "geozones"
    notes: str = ""
    created: datetime = field(default_factory=now)
    parent: int | None = None
    version: int | None = None

    def __post_init__(self) -> None:
        name: object = self.name
        if not isinstance(name, str) or not name.strip():
            raise InputError("a zone plan needs a name (non-empty text)")
        if self.unit_layer not in UNIT_LAYERS:
            raise InputError(
                f"plan {self.name}: unknown unit layer {self.unit_layer!r}; "
                f"choose one of: {', '.join(UNIT_LAYERS)}"
            )
        assignment = pd.Series(self.assignment).dropna()
        assignment = pd.Series(
            assignment.astype(str).to_numpy(dtype=object),
            index=pd.Index(assignment.index.astype(str), name="unit"),
            name="zone",
        ).sort_index(kind="stable")
        twice = assignment.index[assignment.index.duplicated()]
        if len(twice):
            raise InputError(
                f"plan {self.name}: unit(s) assigned more than once: {', '.join(twice[:10])}"
            )
        zones = tuple(self.zones) or tuple(pd.unique(assignment.to_numpy()))
        repeated = sorted({z for z in zones if zones.count(z) > 1})
        if repeated:
            raise InputError(f"plan {self.name}: zone(s) listed twice: {', '.join(repeated)}")
        colours = {z: self.colours.get(z, PALETTE[i % len(PALETTE)]) for i, z in enumerate(zones)}
        bad = {z: c for z, c in colours.items() if not _COLOUR.fullmatch(str(c))}
        if bad:
            raise InputError(f"plan {self.name}: colours must be '#rrggbb'; got {bad}")
        object.__setattr__(self, "assignment", assignment)
        object.__setattr__(self, "zones", zones)
        object.__setattr__(self, "colours", colours)
        object.__setattr__(self, "targets", self._checked_targets())

    def _checked_targets(self) -> dict[str, float]:
        """The targets in zone order as floats; unknown zones or bad hours are errors."""
        unknown = [str(z) for z in self.targets if z not in self.zones]
        if unknown:
            raise InputError(
                f"plan {self.name}: target(s) for zone(s) the plan does not list: "
                f"{', '.join(unknown)}; its zones: {', '.join(self.zones)}"
            )
        known = {z: self.targets[z] for z in self.zones if z in self.targets}
        return target_hours(known, "zone", f"plan {self.name}: ")

    def __repr__(self) -> str:
        version = f" v{self.version}" if self.version is not None else ""
        return (
            f"ZonePlan({self.name!r}{version}, {self.region.name}, {self.unit_layer}, "
            f"{len(self.zones)} zones, {len(self.assignment)} units)"
        )

    @property
    def modelled(self) -> bool:
        """True when a model drew the zones (the balancer's ``balanced ...`` or ``improved ...``).

        Such a plan is a proposal to weigh, not zones a council adopted: the map says so.
        """
        return self.method.startswith(MODELLED_METHODS)

    @property
    def based_on(self) -> int | None:
        """The stored version an edit of this plan builds on (its version, else its parent)."""
        return self.version if self.version is not None else self.parent

    @property
    def units(self) -> UnitLayer:
        """The plan's unit layer (polygons, attributes, adjacency)."""
        return load_units(self.region, self.unit_layer)

    def reassign(
        self, changes: Mapping[str, str] | pd.Series, *, author: str | None = None, notes: str = ""
    ) -> ZonePlan:
        """Return an edited copy: units moved to other (possibly new) zones.

        Parameters
        ----------
        changes : mapping or Series
            Unit code to its new zone name; names the plan does not list are
            added as new zones at the end.
        author : str, optional
            Who made the edit (default: this plan's author).
        notes : str
            Why.

        Returns
        -------
        ZonePlan
            Unsaved (``version`` None), with ``parent`` set to this plan's
            :attr:`based_on`.

        """
        changes = pd.Series(changes, dtype=object)
        assignment = self.assignment.copy()
        assignment.loc[changes.index.astype(str)] = changes.astype(str).to_numpy()
        added = [z for z in pd.unique(changes.astype(str).to_numpy()) if z not in self.zones]
        return replace(
            self,
            assignment=assignment,
            zones=(*self.zones, *added),
            author=author or self.author,
            notes=notes,
            created=now(),
            parent=self.based_on,
            version=None,
        )

    def _labels(self, layer: UnitLayer) -> npt.NDArray[np.int64]:
        """Zone number (position in ``zones``) of every unit in layer order, -1 where none."""
        labels = np.full(len(layer.frame), -1, dtype=np.int64)
        pos = layer.positions(self.assignment.index)
        zone = pd.Index(self.zones).get_indexer(pd.Index(self.assignment.to_numpy()))
        ok = (pos >= 0) & (zone >= 0)
        labels[pos[ok]] = zone[ok]
        return labels

    def geometry(self) -> gpd.GeoDataFrame:
        """Zone polygons dissolved from the units.

        Returns
        -------
        GeoDataFrame
            One row per zone that holds units, in plan order: ``zone``,
            ``colour`` and a MultiPolygon in EPSG:27700. Zones neither overlap
            nor leave gaps between them, because the units do not.

        """
        layer = self.units
        labels = self._labels(layer)
        order = np.argsort(labels, kind="stable")
        held = np.unique(labels[labels >= 0])
        starts = np.searchsorted(labels[order], held, side="left")
        ends = np.searchsorted(labels[order], held, side="right")
        geoms = layer.geoms[order]
        shapes = np.array(
            [shapely.coverage_union_all(geoms[a:b]) for a, b in zip(starts, ends, strict=True)],
            dtype=object,
        )
        parts, index = shapely.get_parts(shapes, return_index=True)
        names = [self.zones[k] for k in held]
        return gpd.GeoDataFrame(
            {"zone": names, "colour": [self.colours[z] for z in names]},
            geometry=shapely.multipolygons(parts, indices=index),
            crs=BNG,
        )

    def check(self) -> PlanCheck:
        """Check that the plan covers its region once and that its zones are contiguous.

        Returns
        -------
        PlanCheck
            Unassigned units, unknown unit codes and zone names, empty zones,
            and each zone's islands (pieces not joined to its largest piece by
            neighbouring units of the same zone, see
            :data:`~geozones.zones.units.ADJACENCY_TOLERANCE_M`).

        """
        layer = self.units
        labels = self._labels(layer)
        pos = layer.positions(self.assignment.index)
        known_zone = self.assignment.isin(self.zones).to_numpy()
        assigned = np.zeros(len(layer.frame), dtype=bool)
        assigned[pos[pos >= 0]] = True
        used = np.bincount(labels[labels >= 0], minlength=len(self.zones))
        return PlanCheck(
            plan=self.name,
            islands=self._islands(layer, labels),
            unassigned=tuple(layer.codes[~assigned]),
            not_in_region=tuple(self.assignment.index[pos < 0]),
            unknown_zones=tuple(sorted(set(self.assignment[~known_zone]))),
            empty_zones=tuple(z for z, n in zip(self.zones, used, strict=True) if n == 0),
        )

    def _islands(self, layer: UnitLayer, labels: npt.NDArray[np.int64]) -> pd.DataFrame:
        frame = layer.frame
        pieces = pd.DataFrame(
            {
                "label": labels,
                "piece": layer.components(labels),
                "unit": frame.index,
                "population": frame["population"].to_numpy(),
                "area_km2": frame["area_km2"].to_numpy(),
            }
        )
        pieces = pieces[pieces["label"] >= 0]
        grouped = pieces.groupby(["label", "piece"], sort=True).agg(
            units=("unit", tuple), population=("population", "sum"), area_km2=("area_km2", "sum")
        )
        grouped = grouped.reset_index().sort_values(
            ["label", "area_km2"], ascending=[True, False], kind="stable"
        )
        islands = grouped[grouped["label"].duplicated()]
        return pd.DataFrame(
            {
                "zone": [self.zones[k] for k in islands["label"]],
                "units": islands["units"].to_numpy(),
                "population": islands["population"].to_numpy(),
                "area_km2": islands["area_km2"].to_numpy(),
            }
        )

    def summary(
        self,
        demand: pd.DataFrame | None = None,
        scheme: Scheme | None = None,
        *,
        rate: str | None = None,
        total: bool = True,
    ) -> pd.DataFrame:
        """Per-zone units, people and, with demand, clients, hours and cost.

        Parameters
        ----------
        demand : DataFrame, optional
            Columns ``unit`` (a code of the plan's unit layer), ``clients``
            and ``weekly_hours``; optionally ``rate`` (each row's band, rate or
            blend id) or ``price`` (each row's own hourly price in pounds, e.g.
            a package priced at its band) and ``modelled`` (True for modelled, not recorded,
            demand). ``demand.attrs["modelled"] = True`` marks every row
            modelled. Several rows per unit are added up.
        scheme : Scheme, optional
            The pricing scheme; required with ``demand``.
        rate : str, optional
            Band, rate or blend to price every row at (default: the scheme's).
        total : bool
            Add a last row named :data:`TOTAL`.

        Returns
        -------
        DataFrame
            One row per zone in plan order: ``zone``, ``colour``, ``units``,
            ``population`` (mid-2017; apportioned by area for wards),
            ``age65`` (Census 2021), ``area_km2``; where the region has a road
            network, :data:`DRIVE_COLUMNS` (the mean and 90th percentile of the
            drive minutes of the zone's live postcodes, each counted once,
            those no surgery reaches by road left out; see
            :class:`~geozones.distance.surgeries.NearestSurgery`); with demand also
            ``clients``, ``weekly_hours``, ``annual_hours`` (weekly x 52),
            ``rate`` (pounds per hour, None where a zone mixes rates),
            ``cost`` (pounds a year, Decimal, from
            :func:`geozones.schemes.pricing.zone_table`) and ``modelled``;
            last, where the plan has targets, ``target_hours`` (hours a week,
            NaN for a zone without one; the total row: their sum).

        Raises
        ------
        InputError
            Demand without a scheme, missing columns, unit codes the layer
            does not have or units without a zone.

        """
        layer = self.units
        labels = self._labels(layer)
        frame = layer.frame
        sums = (
            pd.DataFrame(
                {
                    "label": labels,
                    "units": 1,
                    "population": frame["population"].to_numpy(),
                    "age65": frame["age65"].to_numpy(),
                    "area_km2": frame["area_km2"].to_numpy(),
                }
            )
            .groupby("label")
            .sum()
            .reindex(range(len(self.zones)), fill_value=0)
        )
        out = pd.DataFrame(
            {"zone": list(self.zones), "colour": [self.colours[z] for z in self.zones]}
        )
        out = pd.concat([out, sums.reset_index(drop=True)], axis=1)
        drive_total = _drive_summary(out, layer, labels)
        priced_total: dict[str, object] = {}
        if demand is not None:
            out, priced_total = self._priced(out, demand, scheme, rate, labels, layer)
        if self.targets:
            out[TARGET_COLUMN] = out["zone"].map(self.targets).astype(float)
        if not total:
            return out
        row: dict[str, object] = {"zone": TOTAL, "colour": None}
        row.update({c: out[c].sum() for c in ("units", "population", "age65", "area_km2")})
        row.update(drive_total)
        row.update(priced_total)
        if self.targets:
            row[TARGET_COLUMN] = sum(self.targets.values())
        return pd.concat([out, pd.DataFrame([row])], ignore_index=True)[out.columns]

    def _priced(
        self,
        out: pd.DataFrame,
        demand: pd.DataFrame,
        scheme: Scheme | None,
        rate: str | None,
        labels: npt.NDArray[np.int64],
        layer: UnitLayer,
    ) -> tuple[pd.DataFrame, dict[str, object]]:
        """Join :func:`zone_table`'s per-zone rows onto ``out``; return it and the total row."""
        if scheme is None:
            raise InputError(
                "pricing demand needs a scheme, e.g. scheme=get_scheme('norfolk-2019')"
            )
        work = self._demand(demand, labels, layer)
        table = zone_table(
            work,
            scheme,
            "zone",
            "weekly_hours",
            clients_col="clients",
            rate=rate,
            rate_col="rate" if "rate" in work else None,
            price_col="price" if "price" in work else None,
            total_label=TOTAL,
        )
        zone_rows = table.iloc[:-1].set_index("zone")
        own = "rate" in work or "price" in work
        default = None if own else hourly_rate(scheme, rate)
        out = out.join(zone_rows, on="zone")
        out["clients"] = out["clients"].fillna(0).astype(np.int64)
        out["weekly_hours"] = out["weekly_hours"].fillna(0.0)
        out["annual_hours"] = out["annual_hours"].fillna(0.0)
        empty = out["cost"].isna()
        out["rate"] = out["rate"].astype(object).where(~empty, default)
        out["cost"] = out["cost"].astype(object).where(~empty, Decimal("0.00"))
        modelled = work.groupby("zone", observed=True)["modelled"].any()
        out["modelled"] = out["zone"].map(modelled).fillna(False).astype(bool)
        last = table.iloc[-1]
        return out, {
            "clients": int(last["clients"]),
            "weekly_hours": float(last["weekly_hours"]),
            "annual_hours": float(last["annual_hours"]),
            "rate": last["rate"],
            "cost": last["cost"],
            "modelled": bool(work["modelled"].any()),
        }

    def _demand(
        self, demand: pd.DataFrame, labels: npt.NDArray[np.int64], layer: UnitLayer
    ) -> pd.DataFrame:
        pos = layer.demand_positions(demand, DEMAND_COLUMNS)
        label = labels[pos]
        loose = np.flatnonzero(label < 0)
        if len(loose):
            raise InputError(
                f"demand in {len(loose)} row(s) falls in units of plan {self.name} without a "
                f"zone, e.g. unit {demand['unit'].iloc[loose[0]]!r} in row {loose[0] + 1}; "
                "assign them first"
            )
        work = pd.DataFrame(
            {
                "zone": pd.Categorical.from_codes(label, categories=pd.Index(self.zones)),
                "clients": demand["clients"].to_numpy(),
                "weekly_hours": demand["weekly_hours"].to_numpy(),
            }
        )
        for column in ("rate", "price"):
            if column in demand.columns:
                work[column] = demand[column].to_numpy()
        flagged = np.full(len(demand), bool(demand.attrs.get("modelled")))
        if "modelled" in demand.columns:
            flagged |= demand["modelled"].fillna(False).astype(bool).to_numpy()
        work["modelled"] = flagged
        return work


def target_hours(targets: Mapping[str, object], kind: str, where: str = "") -> dict[str, float]:
    """Targets as name -> hours a week (floats), each a finite number above 0.

    Parameters
    ----------
    targets : mapping
        Zone or lot name to its target (int, float, Decimal or numpy number).
    kind : str
        What the names name in messages ("zone", "lot").
    where : str
        Message prefix, e.g. ``"plan p: "``.

    Raises
    ------
    InputError
        An empty name, or a target that is no number of hours above 0 (naming it).

    """
    out = {}
    for name, value in targets.items():
        if not str(name).strip():
            raise InputError(f"{where}a target needs a {kind} name (non-empty text); got {name!r}")
        hours = np.nan
        if isinstance(value, int | float | Decimal | np.integer | np.floating):
            hours = np.nan if isinstance(value, bool) else float(value)
        if not (np.isfinite(hours) and hours > 0):
            raise InputError(
                f"{where}the target of {kind} {name!r} must be a number of hours a week "
                f"above 0; got {value!r}"
            )
        out[name] = hours
    return out


def _drive_summary(
    out: pd.DataFrame, layer: UnitLayer, labels: npt.NDArray[np.int64]
) -> dict[str, object]:
    """Add :data:`DRIVE_COLUMNS` per zone to ``out`` (in place); return the total row's.

    Nothing is added, and the total row gets nothing, where the region has no
    road network.
    """
    found = _postcode_minutes(layer)
    if found is None:
        return {}
    unit, minutes = found
    zone = np.where(unit >= 0, labels[np.maximum(unit, 0)], -1)
    kept = (zone >= 0) & np.isfinite(minutes)
    frame = pd.DataFrame({"zone": zone[kept], "minutes": minutes[kept]})
    by_zone = frame.groupby("zone")["minutes"]
    mean, p90 = DRIVE_COLUMNS
    table = pd.DataFrame({mean: by_zone.mean(), p90: by_zone.quantile(DRIVE_PERCENTILE)})
    table = table.reindex(range(len(out))).round(1)
    for column in DRIVE_COLUMNS:
        out[column] = table[column].to_numpy()
    every = frame["minutes"]
    return {mean: round(every.mean(), 1), p90: round(every.quantile(DRIVE_PERCENTILE), 1)}


@clearable(maxsize=16)
def _postcode_minutes(
    layer: UnitLayer,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]] | None:
    """Unit (position in ``layer``, -1 for none) and drive minutes of each live postcode.

    The region's in-region postcodes, measured as a lookup measures them
    (:class:`~geozones.distance.surgeries.NearestSurgery`, by road); None where
    the region has no road network.
    """
    region = layer.region
    if region.network is None:
        return None
    surgeries = NearestSurgery(region, region.path.parent)
    postcodes = region.postcodes
    xy = shapely.get_coordinates(
        postcodes.geometry.to_numpy()[postcodes["in_region"].to_numpy(bool)]
    )
    return layer.index.positions(xy), surgeries.measure(xy).minutes
