"""Export zone plans for tenders and GIS, and import them back.

Formats, chosen by file suffix:

* ``.csv``: the **unit table**, one row per assigned unit: ``plan``,
  ``region``, ``unit_layer``, ``unit`` (code), ``unit_name``, ``zone``,
  ``colour``, sorted by zone (plan order) then unit. It re-imports to the
  identical plan (zones that hold no unit are not in it).
* ``.geojson``: zone polygons in EPSG:4326 whose properties are the zone's
  summary (:meth:`ZonePlan.summary`; money and rates as pounds), with the plan's
  metadata (version, zones, targets, method, author, notes) in a top-level
  ``geozones`` member.
* ``.gpkg``: layer ``zones`` (polygons and summary, EPSG:27700) and the unit
  table as attribute table ``units``.
* ``.zip``: a zipped Shapefile ``zones.shp`` (EPSG:27700) with the unit table
  as ``units.csv`` and a ``README.txt`` naming every field: a Shapefile field
  name holds at most 10 characters, so ``weekly_hours`` is ``weekly_hrs``,
  ``annual_hours`` ``annual_hrs``, ``target_hours`` ``target_hrs`` and the
  drive minutes ``drive_mean`` and ``drive_p90`` (:data:`SHAPEFILE_FIELDS`).

:func:`zone_svg` draws a plan's zones as SVG paths for a printable report.

Import reads the unit table where the file has one (CSV, GeoPackage, zip), so
the plan comes back exactly. Otherwise (GeoJSON, or polygons drawn elsewhere)
each unit goes to the zone polygon containing its representative point, the
first such zone when polygons overlap; units in no polygon stay unassigned
(:meth:`ZonePlan.check` lists them).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geozones._errors import InputError
from geozones._settings import WGS84
from geozones._validate import to_bng
from geozones.regions.data import RegionData, load_region
from geozones.schemes.scheme import Scheme
from geozones.zones.plan import TARGET_COLUMN, ZonePlan
from geozones.zones.units import UNIT_LAYERS, load_units

__all__ = [
    "FORMATS",
    "REPORT_SIMPLIFY_M",
    "SHAPEFILE_FIELDS",
    "UNIT_TABLE_COLUMNS",
    "SvgMap",
    "SvgZone",
    "export_plan",
    "import_plan",
    "read_unit_table",
    "unit_table",
    "zone_layer",
    "zone_svg",
]

#: Export formats by file suffix.
FORMATS: dict[str, str] = {
    ".csv": "unit table (CSV)",
    ".geojson": "GeoJSON, EPSG:4326",
    ".gpkg": "GeoPackage, EPSG:27700",
    ".zip": "zipped Shapefile, EPSG:27700",
}
#: Columns of the unit table; ``unit`` and ``zone`` are required on import.
UNIT_TABLE_COLUMNS: tuple[str, ...] = (
    "plan",
    "region",
    "unit_layer",
    "unit",
    "unit_name",
    "zone",
    "colour",
)
_REQUIRED = ("unit", "zone")
#: Shapefile field names (10 characters at most) of the zone columns whose names are longer.
SHAPEFILE_FIELDS: dict[str, str] = {
    "weekly_hours": "weekly_hrs",
    "annual_hours": "annual_hrs",
    TARGET_COLUMN: "target_hrs",
    "drive_minutes_mean": "drive_mean",
    "drive_minutes_p90": "drive_p90",
}
#: The longest field name a Shapefile (dBase) holds.
_SHAPEFILE_NAME_CHARS = 10
_UNITS_CSV = "units.csv"
_README = "README.txt"
#: What each zone column of an export holds (the zipped Shapefile's README lists them).
_FIELD_MEANINGS: dict[str, str] = {
    "zone": "zone name",
    "colour": "zone colour, #rrggbb",
    "units": "units (LSOAs or wards) in the zone",
    "population": "people, mid-2017 (apportioned by area for wards)",
    "age65": "people aged 65 or more, Census 2021",
    "area_km2": "area, square kilometres",
    "drive_minutes_mean": "mean drive minutes from the nearest GP surgery, live postcodes",
    "drive_minutes_p90": "90th percentile of those drive minutes",
    "clients": "clients",
    "weekly_hours": "care hours a week",
    "annual_hours": "care hours a year (weekly x 52)",
    "rate": "pounds an hour (empty where the zone mixes rates)",
    "cost": "pounds a year, at each package's own price",
    "modelled": "1 where the demand is modelled, not a recorded package list",
    TARGET_COLUMN: "the zone's target, care hours a week",
}
#: Simplification of the zone outlines drawn in a printable report (metres, EPSG:27700).
REPORT_SIMPLIFY_M = 50.0


class _Target(TypedDict):
    """What :func:`import_plan` passes on about the plan to make: where, and its name."""

    region: str | None
    unit_layer: str | None
    name: str | None
    build: Path | None


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        suffix = ".geojson"
    if suffix not in FORMATS:
        choices = "; ".join(f"{k} ({v})" for k, v in FORMATS.items())
        raise InputError(f"cannot tell the format of {path.name}; use one of: {choices}")
    return suffix


def unit_table(plan: ZonePlan) -> pd.DataFrame:
    """The plan's unit table (columns :data:`UNIT_TABLE_COLUMNS`), sorted by zone then unit."""
    names = load_units(plan.region, plan.unit_layer).frame["name"]
    order = pd.Index(plan.zones).get_indexer(pd.Index(plan.assignment.to_numpy()))
    ranked = np.lexsort((plan.assignment.index.to_numpy(), order))
    assignment = plan.assignment.iloc[ranked]
    return pd.DataFrame(
        {
            "plan": plan.name,
            "region": plan.region.name,
            "unit_layer": plan.unit_layer,
            "unit": assignment.index.to_numpy(),
            "unit_name": names.reindex(assignment.index).fillna("").to_numpy(),
            "zone": assignment.to_numpy(),
            "colour": assignment.map(plan.colours).to_numpy(),
        }
    )


def zone_layer(
    plan: ZonePlan,
    demand: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    rate: str | None = None,
) -> gpd.GeoDataFrame:
    """Zone polygons with their summary as plain columns (pounds as float), EPSG:27700.

    Parameters are those of :meth:`ZonePlan.summary`; zones without units are
    left out (they have no polygon).
    """
    summary = plan.summary(demand, scheme, rate=rate, total=False).drop(columns="colour")
    for column in ("rate", "cost"):
        if column in summary:
            summary[column] = [
                float(v) if isinstance(v, Decimal) else None for v in summary[column]
            ]
    return plan.geometry().merge(summary, on="zone", how="left")


def _metadata(plan: ZonePlan) -> dict[str, object]:
    return {
        "plan": plan.name,
        "version": plan.version,
        "parent": plan.parent,
        "region": plan.region.name,
        "unit_layer": plan.unit_layer,
        "zones": list(plan.zones),
        "targets": dict(plan.targets),
        "method": plan.method,
        "author": plan.author,
        "created": plan.created.isoformat(),
        "notes": plan.notes,
    }


def export_plan(
    plan: ZonePlan,
    path: str | Path,
    *,
    demand: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    rate: str | None = None,
) -> Path:
    """Write a plan to ``path`` in the format its suffix names (see the module docstring).

    Parameters
    ----------
    plan : ZonePlan
        The plan.
    path : str or Path
        ``.csv``, ``.geojson`` (or ``.json``), ``.gpkg`` or ``.zip``; replaced
        if it exists.
    demand, scheme, rate
        Passed to :meth:`ZonePlan.summary` for the zones' properties.

    Returns
    -------
    Path
        The file written.

    """
    path = Path(path)
    suffix = _suffix(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        unit_table(plan).to_csv(path, index=False)
        return path
    zones = zone_layer(plan, demand, scheme, rate)
    if suffix == ".geojson":
        collection = json.loads(zones.to_crs(WGS84).to_json(drop_id=True))
        collection["geozones"] = _metadata(plan)
        path.write_text(json.dumps(collection), encoding="utf-8")
    elif suffix == ".gpkg":
        path.unlink(missing_ok=True)
        pyogrio.write_dataframe(zones, path, layer="zones", driver="GPKG")
        pyogrio.write_dataframe(unit_table(plan), path, layer="units", driver="GPKG")
    else:
        _write_shapefile_zip(plan, zones, path)
    return path


def _write_shapefile_zip(plan: ZonePlan, zones: gpd.GeoDataFrame, path: Path) -> None:
    """The zipped Shapefile: ``zones.*``, ``units.csv`` and a README naming the fields."""
    fields = {
        c: SHAPEFILE_FIELDS.get(c, c[:_SHAPEFILE_NAME_CHARS])
        for c in zones.columns
        if c != zones.geometry.name
    }
    readme = [
        f"Zone plan {plan.name} version {plan.version} ({plan.region.name}, {plan.unit_layer})",
        "zones.shp: one polygon per zone, British National Grid (EPSG:27700), UTF-8 text.",
        f"{_UNITS_CSV}: the unit table, one row per unit and its zone (re-imports exactly).",
        "",
        f"A Shapefile field name holds at most {_SHAPEFILE_NAME_CHARS} characters; the fields:",
        *(
            f"  {short:<10}  {_FIELD_MEANINGS.get(column, column)}"
            + (f" ({column})" if short != column else "")
            for column, short in fields.items()
        ),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        pyogrio.write_dataframe(
            zones.rename(columns=fields),
            Path(tmp) / "zones.shp",
            driver="ESRI Shapefile",
            layer_options={"ENCODING": "UTF-8"},
        )
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                archive.write(part, part.name)
            archive.writestr(_UNITS_CSV, unit_table(plan).to_csv(index=False))
            archive.writestr(_README, "\n".join(readme) + "\n")


@dataclass(frozen=True)
class SvgZone:
    """One zone drawn in SVG: its name, ``#rrggbb`` colour, path and label point."""

    zone: str
    colour: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class SvgMap:
    """A plan's zones as SVG: ``viewBox`` (``"0 0 width height"``, metres) and the zones."""

    view_box: str
    width_m: float
    height_m: float
    zones: tuple[SvgZone, ...]


def zone_svg(plan: ZonePlan, simplify_m: float = REPORT_SIMPLIFY_M) -> SvgMap:
    """The plan's zones as SVG paths, for a printable map without tiles or scripts.

    The zone polygons (EPSG:27700) are simplified together by ``simplify_m``
    metres (:func:`shapely.coverage_simplify`, so neighbouring zones keep
    one shared edge) and placed in a viewBox whose units are metres east of
    the plan's western edge and south of its northern edge (SVG's y runs
    down), rounded to the metre. Each zone is one path of all its rings
    (draw it with ``fill-rule: evenodd`` so that holes stay holes), labelled
    at a point on its surface.

    Returns
    -------
    SvgMap

    """
    shapes = plan.geometry()
    geoms = shapely.coverage_simplify(shapes.geometry.to_numpy(), simplify_m)
    west, south, east, north = shapely.total_bounds(geoms)
    parts, part_zone = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of_point = shapely.get_coordinates(rings, return_index=True)
    xy = np.round(np.column_stack([xy[:, 0] - west, north - xy[:, 1]])).astype(np.int64)
    text = np.char.add(np.char.add(xy[:, 0].astype(str), " "), xy[:, 1].astype(str))
    ring = np.arange(len(rings))
    starts = np.searchsorted(ring_of_point, ring)
    ends = np.searchsorted(ring_of_point, ring, side="right") - 1  # the closing point: Z
    ring_paths = [f"M{' L'.join(text[a:b])}Z" for a, b in zip(starts, ends, strict=True)]
    cuts = np.searchsorted(part_zone[ring_part], np.arange(len(geoms) + 1))  # rings by zone
    paths = [" ".join(ring_paths[a:b]) for a, b in pairwise(cuts)]
    labels = shapely.get_coordinates(shapely.point_on_surface(geoms))
    return SvgMap(
        view_box=f"0 0 {round(east - west)} {round(north - south)}",
        width_m=float(east - west),
        height_m=float(north - south),
        zones=tuple(
            SvgZone(zone, colour, path, round(float(x - west)), round(float(north - y)))
            for zone, colour, path, (x, y) in zip(
                shapes["zone"], shapes["colour"], paths, labels, strict=True
            )
        ),
    )


def _region_and_layer(
    values: Mapping[str, Any], region: str | None, unit_layer: str | None, build: Path | None
) -> tuple[RegionData, str]:
    """Resolve region and unit layer from the file (``values``) and the caller's arguments."""
    chosen = {}
    for key, given in (("region", region), ("unit_layer", unit_layer)):
        found = values.get(key)
        if given is not None and found is not None and given != found:
            raise InputError(f"the file's {key} is {found!r} but {given!r} was asked for")
        chosen[key] = given or found
    if chosen["region"] is None:
        raise InputError("the file does not say its region; give the region to import it into")
    layer = chosen["unit_layer"] or "units"
    if layer not in UNIT_LAYERS:
        raise InputError(f"unknown unit layer {layer!r}; choose one of: {', '.join(UNIT_LAYERS)}")
    return load_region(chosen["region"], build), layer


def _single(table: pd.DataFrame, column: str) -> str | None:
    """The one value of a column that repeats the same value on every row (None if absent)."""
    if column not in table.columns:
        return None
    values = pd.unique(table[column].to_numpy())
    if len(values) != 1 or not values[0]:
        raise InputError(f"column {column!r} must hold one value on every row; found {values[:5]}")
    return str(values[0])


def read_unit_table(
    table: pd.DataFrame,
    *,
    region: str | None = None,
    unit_layer: str | None = None,
    name: str | None = None,
    build: Path | None = None,
    author: str = "geozones",
    method: str = "imported unit table",
) -> ZonePlan:
    """Make a plan from a unit table (columns :data:`UNIT_TABLE_COLUMNS`, text).

    Parameters
    ----------
    table : DataFrame
        At least ``unit`` and ``zone``; ``region`` and ``unit_layer`` unless
        given as arguments; ``colour`` and ``plan`` optional. Row numbers in
        errors count the header as row 1, as a spreadsheet shows a CSV.
    region, unit_layer, name : str, optional
        Override or supply what the table does not say (``unit_layer``
        defaults to ``units``, ``name`` to the table's ``plan`` value).
    build : Path, optional
        Build folder to load the region from.
    author, method : str
        Recorded on the plan.

    Raises
    ------
    InputError
        A missing column, a blank zone, a unit listed twice or a unit code the
        region's layer does not have, naming the row.

    """
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise InputError(
            f"the unit table has no column(s) {', '.join(missing)}; it needs "
            f"{', '.join(_REQUIRED)} (columns found: {', '.join(map(str, table.columns))})"
        )
    table = table.fillna("").astype(str).apply(lambda column: column.str.strip())
    values = {key: _single(table, key) for key in ("region", "unit_layer", "plan")}
    region_data, layer = _region_and_layer(values, region, unit_layer, build)
    rows = np.arange(len(table)) + 2
    for column in _REQUIRED:
        blank = (table[column] == "").to_numpy()
        if blank.any():
            raise InputError(f"row {rows[blank][0]}: column {column!r} is blank")
    codes = table["unit"].to_numpy()
    unknown = load_units(region_data, layer).positions(codes) < 0
    if unknown.any():
        raise InputError(
            f"row {rows[unknown][0]}: column 'unit' holds {codes[unknown][0]!r}, which is not a "
            f"unit of {region_data.name}'s {layer} layer ({int(unknown.sum())} such row(s))"
        )
    twice = table["unit"].duplicated().to_numpy()
    if twice.any():
        raise InputError(f"row {rows[twice][0]}: unit {codes[twice][0]!r} is listed twice")
    first = table.drop_duplicates("zone")
    colours = {}
    if "colour" in table.columns:
        colours = {z: c for z, c in zip(first["zone"], first["colour"], strict=True) if c}
    plan_name = name or values["plan"]
    if plan_name is None:
        raise InputError("the unit table has no 'plan' column; give the plan a name")
    return ZonePlan(
        name=plan_name,
        region=region_data,
        unit_layer=layer,
        assignment=pd.Series(table["zone"].to_numpy(), index=codes),
        zones=tuple(first["zone"]),
        colours=colours,
        method=method,
        author=author,
    )


def _read_csv(source: str | Path | io.StringIO, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} as CSV: {exc}") from exc


def _plan_from_polygons(
    zones: gpd.GeoDataFrame,
    meta: Mapping[str, Any],
    region: str | None,
    unit_layer: str | None,
    name: str | None,
    build: Path | None,
    author: str,
    method: str,
) -> ZonePlan:
    if "zone" not in zones.columns:
        raise InputError(
            f"the zone layer has no column 'zone' naming each polygon's zone "
            f"(columns found: {', '.join(map(str, zones.columns))})"
        )
    region_data, layer = _region_and_layer(meta, region, unit_layer, build)
    units = load_units(region_data, layer)
    zones = to_bng(zones, "the zone layer")
    points = shapely.point_on_surface(units.geoms)
    unit_i, zone_i = shapely.STRtree(zones.geometry.to_numpy()).query(points, predicate="within")
    first = np.unique(unit_i, return_index=True)[1]
    names = zones["zone"].astype(str).to_numpy(dtype=object)
    colours = {}
    if "colour" in zones.columns:
        colours = dict(zip(names, zones["colour"].astype(str), strict=True))
    return ZonePlan(
        name=name or meta.get("plan") or "imported",
        region=region_data,
        unit_layer=layer,
        assignment=pd.Series(names[zone_i[first]], index=units.codes[unit_i[first]]),
        zones=tuple(dict.fromkeys([*meta.get("zones", []), *names])),
        colours=colours,
        method=method,
        author=author,
    )


def import_plan(
    path: str | Path,
    *,
    region: str | None = None,
    unit_layer: str | None = None,
    name: str | None = None,
    build: Path | None = None,
    author: str = "geozones",
) -> ZonePlan:
    """Read a plan from a file written by :func:`export_plan` or drawn elsewhere.

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.geojson``/``.json``, ``.gpkg`` or ``.zip`` (zipped Shapefile).
    region, unit_layer, name : str, optional
        Needed when the file does not say them (polygons drawn elsewhere);
        must agree with the file when it does.
    build : Path, optional
        Build folder to load the region from.
    author : str
        Recorded on the plan.

    Returns
    -------
    ZonePlan
        Unsaved; its method records the file it came from.

    Raises
    ------
    InputError
        Unreadable file, missing columns, unknown unit codes (naming the row).

    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise InputError(f"no file {path}")
    method = f"imported from {path.name}"
    common: _Target = {"region": region, "unit_layer": unit_layer, "name": name, "build": build}
    if suffix == ".csv":
        return read_unit_table(_read_csv(path, path.name), **common, author=author, method=method)
    if suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            if _UNITS_CSV in archive.namelist():
                text = archive.read(_UNITS_CSV).decode("utf-8")
                table = _read_csv(io.StringIO(text), f"{path.name}/{_UNITS_CSV}")
                return read_unit_table(table, **common, author=author, method=method)
        return _plan_from_polygons(
            _read_layer(f"/vsizip/{path}", None), {}, **common, author=author, method=method
        )
    if suffix == ".gpkg":
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        if "units" in layers:
            table = pd.DataFrame(pyogrio.read_dataframe(path, layer="units"))
            return read_unit_table(table, **common, author=author, method=method)
        return _plan_from_polygons(
            _read_layer(path, "zones" if "zones" in layers else None),
            {},
            **common,
            author=author,
            method=method,
        )
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("geozones", {})
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path.name} as GeoJSON: {exc}") from exc
    return _plan_from_polygons(
        _read_layer(path, None), meta, **common, author=author, method=method
    )


def _read_layer(path: str | Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        frame: gpd.GeoDataFrame = pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read zone polygons from {path}: {exc}") from exc
    return frame
