"""The plans API under ``/api/v1`` (blueprint ``plans``): what the zone editor stands on.

Create a plan, read the editor's payload (units with their demand, adjacency,
zones and targets, the council's viability and published figures), save a
version (a conflict says what the other person changed), list the history,
compare two versions, the per-zone summary, exports (GeoJSON, GeoPackage,
zipped Shapefile, CSV unit table, a printable report) and the package list a
plan is weighed by. The read endpoints ``GET /plans``, ``/plans/<plan>`` and
``/plans/<plan>/zone`` are :mod:`geozones.web.api`'s; the solver is
:mod:`geozones.web.solve`'s.

Reading needs a user (viewer or above), writing a commissioner
(:func:`geozones.web.auth.require`); every write goes into the plan store's
audit log with the user as its actor.

**Demand.** A plan is weighed by its stored demand (a package list uploaded
with ``PUT /plans/<plan>/demand``, each package priced at the rate answered
where it lies: :func:`~geozones.balance.report.own_price_demand`), else by the
region's modelled demand (:func:`~geozones.demand.packages.modelled_demand`,
every package priced at the rate the council's published total of its pathway
names, e.g. Herefordshire 'O' at the standard rate and 'D' at the D-pathway
blend), marked modelled. A region with neither (no published totals) has no
demand: every figure is 0 and the source says how to give one.

**Caching.** The units' GeoJSON (EPSG:4326, simplified by
:data:`~geozones.web.layers.SIMPLIFY_M` metres as a coverage, so that
neighbours keep one shared edge) and their adjacency are made once per region
build and unit layer, and modelled demand once per region build and layer; a
request adds the plan's zones and each unit's figures.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from flask import Blueprint, Response, jsonify, render_template, request
from werkzeug.exceptions import BadRequest
from werkzeug.utils import secure_filename

from geozones._cache import clearable
from geozones._errors import InputError
from geozones._vocab import Status
from geozones.balance.report import lot_report, own_price_demand
from geozones.demand.packages import modelled_demand, published_totals, read_demand
from geozones.regions.data import RegionData
from geozones.regions.specs import Viability
from geozones.schemes.pricing import WEEKS_PER_YEAR, hourly_rate
from geozones.schemes.scheme import Scheme, ZoneReference, get_scheme
from geozones.web.api import json_request
from geozones.web.auth import current_user, require
from geozones.web.layers import SIMPLIFY_M, to_geojson
from geozones.web.mapview import ATTRIBUTION
from geozones.web.site import site
from geozones.zones.builders import district_plan, pcn_plan
from geozones.zones.io import export_plan, zone_svg
from geozones.zones.plan import DEMAND_COLUMNS, ZonePlan, now
from geozones.zones.store import demand_rows, version_number
from geozones.zones.units import UNIT_LAYERS, load_units

__all__ = [
    "EXPORT_FORMATS",
    "KINDS",
    "MAX_NOTE_CHARS",
    "PLAN_NAME",
    "PlanDemand",
    "Pricing",
    "bp",
    "draft_assignment",
    "json_body",
    "plan_demand",
    "plan_pricing",
    "zone_list",
]

bp = Blueprint("plans", __name__, url_prefix="/api/v1")

#: Plan names: a letter or digit, then letters, digits, spaces and ``. _ & ( ) -``; not all
#: digits (digits name a plan by id), at most 100 characters.
PLAN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._&()-]{0,99}")
#: What a new plan can start from (``kind``): one zone per district, or the PCN areas.
KINDS: tuple[str, ...] = ("districts", "pcn")
#: ``format`` of ``GET /plans/<plan>/export``: file suffix and media type ("report": HTML).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "geojson": (".geojson", "application/geo+json"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3"),
    "shp": (".zip", "application/zip"),
    "csv": (".csv", "text/csv"),
    "report": (".html", "text/html"),
}
#: The longest note a version (or a new plan) takes, in characters.
MAX_NOTE_CHARS = 2_000
#: How a version's unassigned units are named in the summary.
_NONE = "(no zone)"


@dataclass(frozen=True)
class PlanDemand:
    """The demand a plan is weighed by.

    Attributes
    ----------
    rows : DataFrame
        :data:`~geozones.zones.store.DEMAND_ROW_COLUMNS`, one row per unit and
        hourly price (pounds; None where unpriced).
    source : str
        Where it comes from, in words.
    modelled : bool
        True for modelled demand (not a recorded package list).

    """

    rows: pd.DataFrame
    source: str
    modelled: bool

    @property
    def priced(self) -> bool:
        """True when every row has its own price (so costs can be given)."""
        return bool(self.rows["price"].notna().all())

    def per_unit(self, codes: pd.Index) -> pd.DataFrame:
        """Clients, weekly hours and weekly cost (pounds) of each unit of ``codes``, 0 if none."""
        sums = self.rows.groupby("unit")[["clients", "weekly_hours", "weekly_cost"]].sum()
        return sums.reindex(codes, fill_value=0).fillna(0)

    def assigned(self, plan: ZonePlan) -> pd.DataFrame:
        """The rows in units that have a zone in ``plan``, with a ``modelled`` column."""
        rows = self.rows[self.rows["unit"].isin(plan.assignment.index)]
        return rows.assign(modelled=self.modelled)


@dataclass(frozen=True)
class Pricing:
    """How a plan's zones are priced and judged: its region's scheme and the council's figures.

    Attributes
    ----------
    scheme : Scheme or None
        The region's scheme (its ``default_scheme``); None where it has none.
    rate : Decimal or None
        The scheme's single rate, pounds an hour (None for banded schemes).
    viability : Viability or None
        The council's published lot viability (the scheme's, else the region's).
    reference : tuple of ZoneReference
        The council's published per-zone figures of the zone layer whose names
        the plan's zones share most (none where no layer's do).

    """

    scheme: Scheme | None
    rate: Decimal | None
    viability: Viability | None
    reference: tuple[ZoneReference, ...]


@dataclass(frozen=True)
class _UnitBase:
    """What the editor shows of a unit layer, made once per region build and layer."""

    codes: pd.Index
    names: list[str]
    districts: list[str]
    geometries: list[dict[str, Any]]
    adjacency: dict[str, list[str]]


@clearable(maxsize=16)
def _unit_base(region: RegionData, stamp: int, layer: str) -> _UnitBase:
    """Unit codes, names, district names, simplified geometry (EPSG:4326) and neighbours."""
    del stamp  # a rebuilt region has another stamp, so it is made afresh
    units = load_units(region, layer)
    frame = units.frame.set_geometry(shapely.coverage_simplify(units.geoms, SIMPLIFY_M))
    shapes = to_geojson(frame.assign(code=frame.index), ["code"], simplify=False)
    rows, cols = units.adjacency.nonzero()
    codes = units.codes.to_numpy(dtype=object)
    neighbours = pd.Series(codes[cols]).groupby(codes[rows]).agg(list)
    return _UnitBase(
        codes=units.codes,
        names=units.frame["name"].astype(str).tolist(),
        districts=units.frame["district_name"].astype(str).tolist(),
        geometries=[feature["geometry"] for feature in shapes["features"]],
        adjacency={str(c): neighbours.get(c, []) for c in codes},
    )


def _pathway_prices() -> dict[tuple[str, str], Decimal]:
    """Pounds an hour of each published total's rate, by (region, pathway code or "")."""
    return {
        (t.region, t.pathway or ""): hourly_rate(get_scheme(t.scheme), t.rate)
        for t in published_totals()
    }


@clearable(maxsize=16)
def _modelled(region: RegionData, stamp: int, layer: str) -> PlanDemand | None:
    """The region's modelled demand, each package at its pathway's published rate (cached)."""
    del stamp
    if not published_totals(region.name):
        return None
    demand = modelled_demand(region, layer=layer)
    packages = demand.rows[(demand.rows["status"] == Status.OK).to_numpy()]
    prices = _pathway_prices()
    priced = pd.DataFrame(
        {
            "unit": packages["unit"].to_numpy(),
            "clients": 1,
            "weekly_hours": packages["weekly_hours"].to_numpy(dtype=float),
            "price": [prices[region.name, str(p)] for p in packages["pathway"]],
        }
    )
    source = f"{demand.source}; each package at its pathway's published rate"
    return PlanDemand(demand_rows(priced, modelled=True), source, modelled=True)


def plan_demand(plan: ZonePlan) -> PlanDemand:
    """The demand a plan is weighed by: stored, else modelled, else none (see the module doc)."""
    gz = site()
    stored = gz.store.demand(plan.name)
    if stored is not None:
        return PlanDemand(*stored)
    modelled = _modelled(plan.region, gz.stamp(plan.region.name), plan.unit_layer)
    if modelled is not None:
        return modelled
    have = sorted({t.region for t in published_totals()})
    empty = demand_rows(pd.DataFrame(columns=list(DEMAND_COLUMNS)), modelled=False)
    return PlanDemand(
        empty,
        f"no demand: plan {plan.name} has no package list and {plan.region.name} has no "
        f"published totals to model demand from (regions with them: {', '.join(have)}); "
        f"upload a package list (PUT /api/v1/plans/{plan.name}/demand)",
        modelled=False,
    )


def plan_pricing(plan: ZonePlan) -> Pricing:
    """The region's scheme, rate, viability and the council's matching published zone figures."""
    gz = site()
    region = plan.region
    default = region.spec.default_scheme
    scheme = gz.scheme(default) if default is not None else None
    rate = hourly_rate(scheme) if scheme is not None and scheme.default_rate else None
    viability = (scheme.viability if scheme is not None else None) or region.spec.viability
    layers = [layer for s in gz.schemes(region.name) for layer in s.zone_layers if layer.reference]
    shared = [len({r.zone for r in layer.reference} & set(plan.zones)) for layer in layers]
    reference = layers[int(np.argmax(shared))].reference if any(shared) else ()
    return Pricing(scheme, rate, viability, reference)


def json_body() -> dict[str, Any]:
    """The request's JSON object body; anything else is a 400."""
    shape = "a JSON object (Content-Type: application/json) as the body"
    body = json_request(shape)
    if not isinstance(body, dict):
        raise BadRequest(f"send {shape}")
    return body


def _text(body: Mapping[str, Any], key: str, default: str | None = None) -> str:
    """``body[key]`` as stripped text (``default`` when absent); else a 422 naming the key."""
    value = body.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise InputError(f'"{key}" must be text; got {value!r}')
    return value.strip()


def _note(body: Mapping[str, Any]) -> str:
    note = _text(body, "note", "")
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f'"note" is {len(note):,} characters; at most {MAX_NOTE_CHARS:,}')
    return note


def _version_number(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where} must be a version number (a whole number from 1); got {value!r}")
    return version_number(str(value), where)


def _int_arg(name: str) -> int | None:
    """A query parameter that is a version number (1, 2, ...); None when absent."""
    raw = request.args.get(name, "")
    return None if raw == "" else version_number(raw, name)


def _required_int(name: str) -> int:
    """A query parameter that must be given, a version number."""
    value = _int_arg(name)
    if value is None:
        raise BadRequest(f"missing query parameter {name!r} (a version number)")
    return value


def _actor() -> str:
    """The user making a write (``require`` has made sure there is one)."""
    user = current_user()
    if user is None:
        raise RuntimeError("a write view ran without a user; guard it with require()")
    return user.name


def _plan_name(body: Mapping[str, Any]) -> str:
    name = _text(body, "name")
    if not PLAN_NAME.fullmatch(name) or name.isdigit():
        raise InputError(
            f"plan name {name!r} cannot be used: start with a letter or digit, then letters, "
            "digits, spaces and . _ & ( ) - (at most 100 characters, not only digits), "
            "e.g. 'Herts lots 2025'"
        )
    return name


@bp.post("/plans")
@require("commissioner")
def create() -> tuple[Response, int]:
    """Create a plan (version 1): one zone per district, the PCN areas, or a copy of a plan."""
    body = json_body()
    known = {"name", "region", "unit_layer", "copy_of", "kind", "note"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise InputError(
            f'unknown field "{unknown[0]}"; a new plan takes {", ".join(sorted(known))}'
        )
    name, note, actor = _plan_name(body), _note(body), _actor()
    region = site().region(_text(body, "region"))
    layer = _text(body, "unit_layer", "units")
    if layer not in UNIT_LAYERS:
        raise InputError(f'"unit_layer" must be one of {", ".join(UNIT_LAYERS)}; got {layer!r}')
    if "copy_of" in body:
        plan = _copy(body["copy_of"], region, body.get("unit_layer"), name, actor)
    else:
        kind = _text(body, "kind", "districts")
        if kind not in KINDS:
            raise InputError(f'"kind" must be one of {", ".join(KINDS)}; got {kind!r}')
        if layer != "units":
            raise InputError(
                f'a new "{kind}" plan is made of LSOAs (unit_layer "units"); for a plan of '
                'wards, copy one (copy_of: {"plan": ..., "version": ...})'
            )
        build = district_plan if kind == "districts" else pcn_plan
        plan = build(region, name=name, author=actor)
    version = site().store.save(
        replace(plan, notes=note or plan.notes), None, actor=actor, note=note
    )
    return jsonify(plan=name, version=version), 201


def _copy(ref: object, region: RegionData, layer: object, name: str, actor: str) -> ZonePlan:
    """A new plan that starts as a copy of a stored version (``{"plan", "version"?}``)."""
    if (
        not isinstance(ref, dict)
        or not isinstance(ref.get("plan"), str)
        or set(ref) - {"plan", "version"}
    ):
        raise InputError('"copy_of" must be {"plan": name or id, "version": number (optional)}')
    version = ref.get("version")
    source = site().plan(
        ref["plan"], None if version is None else _version_number(version, "copy_of.version")
    )
    if source.region.name != region.name or layer not in (None, source.unit_layer):
        raise InputError(
            f"plan {source.name} is a {source.unit_layer} plan of {source.region.name}; a copy "
            f"keeps both (asked for {layer or source.unit_layer} of {region.name})"
        )
    return replace(
        source,
        name=name,
        method=f"copied from {source.name} version {source.version}: {source.method}",
        author=actor,
        created=now(),
        parent=None,
        version=None,
    )


def zone_list(value: object) -> tuple[tuple[str, ...], dict[str, str], dict[str, float]]:
    """Zone names, colours and targets from ``[{"name", "colour"?, "target_hours"?}, ...]``."""
    shape = '[{"name": "Zone A", "colour": "#1f77b4", "target_hours": 1500}, ...]'
    if not isinstance(value, list):
        raise InputError(f'"zones" must be a list of zones, e.g. {shape}')
    names: list[str] = []
    colours: dict[str, str] = {}
    targets: dict[str, float] = {}
    for i, zone in enumerate(value):
        if not isinstance(zone, dict) or set(zone) - {"name", "colour", "target_hours"}:
            raise InputError(f"zones[{i}] must be {{name, colour, target_hours}}, e.g. {shape}")
        name = _text(zone, "name")
        names.append(name)
        if zone.get("colour") is not None:
            colours[name] = _text(zone, "colour")
        target = zone.get("target_hours")
        if target is not None:
            if isinstance(target, bool) or not isinstance(target, int | float):
                raise InputError(
                    f"zones[{i}].target_hours must be hours a week or null; got {target!r}"
                )
            targets[name] = float(target)
    return tuple(names), colours, targets


def draft_assignment(value: object, plan: ZonePlan, zones: Sequence[str]) -> pd.Series:
    """Unit -> zone from ``{unit: zone or null}``: codes of the plan's layer, zones listed."""
    if not isinstance(value, dict):
        raise InputError('"assignment" must be an object of unit code to zone name (or null)')
    series = pd.Series(value, dtype=object).dropna()
    codes = pd.Index(series.index.astype(str))
    unknown = codes[plan.units.positions(codes) < 0]
    if len(unknown):
        raise InputError(
            f"assignment names {len(unknown)} unit(s) that {plan.region.name}'s {plan.unit_layer} "
            f"layer does not have, e.g. {unknown[0]!r}"
        )
    strange = sorted(set(series[~series.isin(list(zones))].astype(str)))
    if strange:
        raise InputError(
            f"assignment uses zone(s) the zones list does not have: {', '.join(strange[:5])}; "
            f'list every zone in "zones" (listed: {", ".join(zones) or "none"})'
        )
    return series


@bp.post("/plans/<plan>/versions")
@require("commissioner")
def save_version(plan: str) -> tuple[Response, int]:
    """Save the editor's draft as a new version on top of ``base_version`` (409 if not latest)."""
    body = json_body()
    missing = [k for k in ("base_version", "assignment", "zones") if k not in body]
    if missing:
        raise InputError(
            f'the body needs {", ".join(missing)}: {{"base_version": n, "assignment": '
            '{unit: zone or null}, "zones": [{"name", "colour", "target_hours"}], "note": text}'
        )
    base = _version_number(body["base_version"], "base_version")
    note, actor = _note(body), _actor()
    latest = site().plan(plan)
    names, colours, targets = zone_list(body["zones"])
    draft = replace(
        latest,
        assignment=draft_assignment(body["assignment"], latest, names),
        zones=names,
        colours=colours,
        targets=targets,
        author=actor,
        notes=note,
        created=now(),
        parent=base,
        version=None,
    )
    version = site().store.save(draft, base, actor=actor, note=note)
    return jsonify(plan=latest.name, version=version), 201


@bp.get("/plans/<plan>/editor")
@require("viewer")
def editor(plan: str) -> Response:
    """The editor's payload: the plan, its units with demand and zone, adjacency, pricing."""
    zone_plan = site().plan(plan, _int_arg("version"))
    demand, pricing = plan_demand(zone_plan), plan_pricing(zone_plan)
    base = _unit_base(zone_plan.region, site().stamp(zone_plan.region.name), zone_plan.unit_layer)
    figures = demand.per_unit(base.codes)
    zones = zone_plan.assignment.reindex(base.codes).to_numpy(dtype=object)
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {
                "code": code,
                "name": name,
                "district": district,
                "zone": None if pd.isna(zone) else zone,
                "clients": clients,
                "weekly_hours": hours,
                "weekly_cost": cost,
            },
        }
        for code, name, district, geometry, zone, clients, hours, cost in zip(
            base.codes,
            base.names,
            base.districts,
            base.geometries,
            zones,
            figures["clients"].astype(int).tolist(),
            figures["weekly_hours"].round(2).tolist(),
            figures["weekly_cost"].round(2).tolist(),
            strict=True,
        )
    ]
    return jsonify(
        plan={
            **_plan_info(zone_plan),
            "zones": [
                {
                    "name": z,
                    "colour": zone_plan.colours[z],
                    "target_hours": zone_plan.targets.get(z),
                }
                for z in zone_plan.zones
            ],
        },
        demand={"source": demand.source, "modelled": demand.modelled},
        units={"type": "FeatureCollection", "features": features},
        adjacency=base.adjacency,
        **_pricing_info(pricing),
    )


def _plan_info(plan: ZonePlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "version": plan.version,
        "region": plan.region.name,
        "unit_layer": plan.unit_layer,
        "method": plan.method,
        "modelled": plan.modelled,
        "author": plan.author,
        "created": plan.created.isoformat(),
        "notes": plan.notes,
    }


def _pricing_info(pricing: Pricing) -> dict[str, Any]:
    """``scheme``, ``rate`` (pounds text), ``viability`` and ``reference`` as JSON values."""
    return {
        "scheme": None if pricing.scheme is None else pricing.scheme.id,
        "rate": None if pricing.rate is None else str(pricing.rate),
        "viability": None if pricing.viability is None else asdict(pricing.viability),
        "reference": [
            {
                "zone": r.zone,
                "clients": r.clients,
                "weekly_hours": float(r.weekly_hours),
                "annual_hours": float(r.annual_hours),
                "annual_cost": str(r.annual_cost),
            }
            for r in pricing.reference
        ]
        or None,
    }


@bp.get("/plans/<plan>/history")
@require("viewer")
def history(plan: str) -> Response:
    """Every version of a plan, oldest first, with the units each moved from its parent."""
    zone_plan = site().plan(plan)
    table = site().store.history(zone_plan.name)
    columns = ["version", "parent", "author", "created", "method", "notes", "moved"]
    rows = table[columns].astype(object).where(table[columns].notna(), None)
    return jsonify(plan=zone_plan.name, versions=rows.to_dict("records"))


@bp.get("/plans/<plan>/compare")
@require("viewer")
def compare(plan: str) -> Response:
    """Version ``b`` against ``a``: the units moved and each zone's figures and their deltas."""
    a, b = _required_int("a"), _required_int("b")
    zone_plan = site().plan(plan)
    found = site().store.compare(zone_plan.name, a, b, demand=plan_demand(zone_plan).rows)
    moved = found.moved.astype(object).where(found.moved.notna(), None)
    table = found.zones.round(2)
    sides = {side: pd.DataFrame(table[side]).to_dict("index") for side in ("a", "b", "delta")}
    return jsonify(
        plan=found.plan,
        a=found.a,
        b=found.b,
        moved=moved.to_dict("records"),
        zones=[{"zone": zone, **{k: v[zone] for k, v in sides.items()}} for zone in table.index],
    )


def _summary(plan: ZonePlan, demand: PlanDemand, pricing: Pricing) -> dict[str, Any]:
    """Per-zone figures (:func:`lot_report`) with targets and the council's, as JSON values."""
    rows = demand.assigned(plan)
    scheme = pricing.scheme if demand.priced and len(rows) else None
    report = lot_report(
        plan, rows, scheme, viability=pricing.viability, reference=pricing.reference
    )
    out = [_summary_row(row, plan) for row in report.to_dict("records")]
    loose = plan.units.codes.difference(plan.assignment.index)
    spare = demand.per_unit(loose).sum()
    return {
        "zones": out[:-1],
        "total": out[-1],
        "unassigned": {
            "units": len(loose),
            "clients": int(spare["clients"]),
            "weekly_hours": round(float(spare["weekly_hours"]), 2),
        },
    }


def _number(value: Any, digits: int = 2) -> float | None:
    """A figure rounded for JSON; None for a missing one (None, NaN, <NA>)."""
    return None if value is None or pd.isna(value) else round(float(value), digits)


def _pounds(value: Any) -> str | None:
    """Pounds to the penny as text; None for a missing amount."""
    if value is None or pd.isna(value):
        return None
    return str(Decimal(value).quantize(Decimal("0.01")))


def _summary_row(row: Mapping[Hashable, Any], plan: ZonePlan) -> dict[str, Any]:
    zone = row["lot"]
    council = None
    if row.get("council_clients") is not None and not pd.isna(row["council_clients"]):
        council = {
            "clients": int(row["council_clients"]),
            "weekly_hours": _number(row["council_weekly_hours"]),
            "annual_hours": _number(row["council_annual_hours"]),
            "annual_cost": _pounds(row["council_cost"]),
        }
    cost = row["cost"]
    return {
        "zone": zone,
        "colour": plan.colours.get(zone),
        "units": int(row["units"]),
        "clients": int(row["clients"]),
        "weekly_hours": _number(row["weekly_hours"]),
        "annual_hours": _number(row["annual_hours"]),
        "rate": None if row["rate"] is None else str(row["rate"]),
        "weekly_cost": None if cost is None else _pounds(Decimal(cost) / WEEKS_PER_YEAR),
        "annual_cost": _pounds(cost),
        "deviation_pct": _number(row["deviation_pct"]),
        "target_hours": _number(row.get("target_hours")),
        "target_deviation_pct": _number(row.get("target_deviation_pct")),
        "polsby_popper": _number(row["polsby_popper"], 3),
        "viability": row["viability"],
        "provider_min_hours": _number(row["provider_min_hours"]),
        "modelled": bool(row["modelled"]),
        "council": council,
    }


@bp.get("/plans/<plan>/summary")
@require("viewer")
def summary(plan: str) -> Response:
    """Each zone's clients, hours, cost, deviation, target, viability and the council's figures."""
    zone_plan = site().plan(plan, _int_arg("version"))
    demand, pricing = plan_demand(zone_plan), plan_pricing(zone_plan)
    return jsonify(
        plan=_plan_info(zone_plan),
        demand={"source": demand.source, "modelled": demand.modelled},
        **_pricing_info(pricing),
        **_summary(zone_plan, demand, pricing),
    )


@bp.get("/plans/<plan>/export")
@require("viewer")
def export(plan: str) -> Response:
    """The plan as a file (GeoJSON, GeoPackage, zipped Shapefile, CSV) or a printable report."""
    fmt = request.args.get("format", "geojson")
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"format {fmt!r} is not offered; use one of: {', '.join(EXPORT_FORMATS)}")
    zone_plan = site().plan(plan, _int_arg("version"))
    demand, pricing = plan_demand(zone_plan), plan_pricing(zone_plan)
    suffix, mimetype = EXPORT_FORMATS[fmt]
    stem = secure_filename(f"{zone_plan.name}-v{zone_plan.version}") or "plan"
    if fmt == "report":
        return Response(_report(zone_plan, demand, pricing), mimetype=mimetype)
    rows = demand.assigned(zone_plan)
    costed = pricing.scheme is not None and demand.priced and len(rows) > 0
    with tempfile.TemporaryDirectory() as tmp:
        path = export_plan(
            zone_plan,
            Path(tmp) / f"{stem}{suffix}",
            demand=rows if costed else None,
            scheme=pricing.scheme if costed else None,
        )
        content = path.read_bytes()
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{stem}{suffix}"'},
    )


def _report(plan: ZonePlan, demand: PlanDemand, pricing: Pricing) -> str:
    """The printable report: the plan, a map of its zones (inline SVG) and the zone table."""
    return render_template(
        "report.html",
        plan=_plan_info(plan),
        title=plan.region.spec.title,
        svg=zone_svg(plan),
        demand=demand,
        scheme=pricing.scheme,
        rate=pricing.rate,
        viability=pricing.viability,
        summary=_summary(plan, demand, pricing),
        attribution=ATTRIBUTION,
        generated=now().isoformat(),
        none=_NONE,
    )


@bp.put("/plans/<plan>/demand")
@require("commissioner")
def put_demand(plan: str) -> Response:
    """Weigh a plan by an uploaded package list (CSV or XLSX), each package at its own price."""
    file = request.files.get("file")
    if file is None or not file.filename:
        raise BadRequest(
            "send the package list as the multipart/form-data field 'file' (.csv or .xlsx: "
            "an address or postcode and weekly hours per package, optionally a pathway)"
        )
    zone_plan = site().plan(plan)
    demand = read_demand(
        file.read(),
        zone_plan.region,
        layer=zone_plan.unit_layer,
        pathway=request.form.get("pathway") or None,
        address_column=request.form.get("column") or None,
        name=file.filename,
    )
    scheme = plan_pricing(zone_plan).scheme
    if scheme is not None:
        rows = own_price_demand(demand, site().classifier(scheme.id))
    else:
        rows = demand.units[["unit", "clients", "weekly_hours"]]
    site().store.save_demand(zone_plan.name, rows, demand.describe(), False, actor=_actor())
    return jsonify(
        plan=zone_plan.name,
        source=demand.describe(),
        modelled=False,
        clients=demand.clients,
        weekly_hours=round(demand.weekly_hours, 2),
        counts=demand.counts(),
    )
