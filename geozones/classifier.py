"""Classification: for any address, postcode, place or point, its band or class, rate and areas.

:class:`Classifier` answers for one scheme (:mod:`geozones.schemes`) over its
region's build: it geocodes the input (:mod:`geozones.geocode`), finds the
unit, district and nearest GP surgery (with its PCN), measures the distance the
scheme prices by and turns it into a band or class and an hourly rate:

- ``road-distance-bands`` (Norfolk): road distance from the nearest surgery
  (:mod:`geozones.distance`) where the region has a road network, method
  ``road``; otherwise the straight-line distance times the circuity measured on
  the networks we have (:mod:`geozones.circuity`), method
  ``straight-line estimate``, flagged ``near band edge`` when the estimate's
  spread crosses an edge. Outside the scheme's banding districts the
  elsewhere rate applies, and the answer says so.
- ``straight-line-radius`` (Herefordshire 2016): urban within the radius of a
  named centre, rural beyond every one, method ``straight line``.
- ``flat`` (Herefordshire 2017, Hertfordshire): one rate wherever the point is.

Everything is vectorised over arrays of points; a single query runs the same
path with one row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones._chunks import in_chunks, progress_bar
from geozones._errors import InputError
from geozones.bands import band_for_distance, banding_applies, near_edge, urban_rural
from geozones.geocode import CHUNK_ROWS, Geocoder
from geozones.pricing import hourly_rate
from geozones.region import REPORT_FILE, load_region
from geozones.schemes import Scheme, get_scheme
from geozones.settings import METRES_PER_MILE, build_dir
from geozones.surgeries import EDGE_CAVEAT_M, ESTIMATE, NearestSurgery
from geozones.tabular import open_table, write_table
from geozones.zones.builders import district_plan, lot_plan, pcn_plan
from geozones.zones.plan import ZonePlan
from geozones.zones.rules import scheme_rules
from geozones.zones.store import PlanStore

#: Columns :meth:`Classifier.classify_many` adds, in order.
CLASSIFY_COLUMNS = [
    "lat", "lon", "easting", "northing", "precision", "matched", "band", "rate",
    "distance_band", "distance_miles", "method", "confidence", "district", "zone", "lot", "pcn",
    "nearest_surgery", "status", "message", "caveats",
]  # fmt: skip

STRAIGHT = "straight line"
#: Geocoder result fields the classifier carries into its answers.
_GEOCODE_COLUMNS = ("lat", "lon", "easting", "northing", "precision", "matched", "status",
                    "message")  # fmt: skip


@dataclass(frozen=True)
class Answer:
    """The classification of one query under one scheme.

    ``band`` is what the rate is paid as (a band, a class, or an elsewhere rate
    such as Norfolk's spot rate outside the Central Belt) and ``rate`` the hourly
    rate in pounds; ``distance_band`` is the band the distance alone gives under
    a road-distance scheme, wherever banding applies; ``distance_miles`` is the
    distance behind them (None for flat schemes) and ``method`` how it was measured.
    """

    query: str
    scheme: str
    status: str
    message: str
    precision: str | None = None
    matched: str | None = None
    easting: float | None = None
    northing: float | None = None
    lat: float | None = None
    lon: float | None = None
    band: str | None = None
    rate: Decimal | None = None
    distance_band: str | None = None
    distance_miles: float | None = None
    method: str | None = None
    confidence: str | None = None
    district: str | None = None
    zone: str | None = None
    lot: str | None = None
    pcn: str | None = None
    nearest_surgery: str | None = None
    caveats: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-ready values (rate as a string of pounds, e.g. ``"18.24"``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rate"] = None if self.rate is None else str(self.rate)
        out["caveats"] = list(self.caveats)
        return out


class Classifier:
    """Classify queries or points under ``scheme`` using the built data of its region.

    Parameters
    ----------
    scheme : Scheme
        The pricing scheme; its ``region`` must be built.
    build : Path, optional
        Build folder (default ``data/build`` or ``$GEOZONES_BUILD``).

    """

    def __init__(
        self, scheme: Scheme, build: Path | None = None, store: Path | None = None
    ) -> None:
        self.scheme = scheme
        self.geocoder = Geocoder.for_region(scheme.region, build)
        self.region = load_region(scheme.region, build)
        self.surgeries = NearestSurgery(self.region, build)
        self.store = PlanStore(store, build)
        self._plans_cache: tuple[tuple[int | None, ...], dict[str, ZonePlan]] | None = None
        self._lookup_cache: dict[str, tuple[shapely.STRtree, np.ndarray]] = {}

    def _layer_plans(self) -> list[tuple[str, str, Callable[[], ZonePlan] | None]]:
        """(answer column, plan name, builder or None) behind ``zone``, ``lot`` and ``pcn``."""
        out: list[tuple[str, str, Callable[[], ZonePlan] | None]] = []
        for layer in self.scheme.zone_layers:
            rules = next((r for r in scheme_rules(self.scheme.id) if r.layer == layer.id), None)
            lots = (rules is not None and rules.kind == "lots") or "lot" in layer.id
            build = None
            if rules is not None:
                builder = lot_plan if rules.kind == "lots" else district_plan
                build = partial(builder, self.region, self.scheme)
            out.append(("lot" if lots else "zone", f"{self.region.name}-{layer.id}", build))
        out.append(("pcn", f"{self.region.name}-pcn-areas", partial(pcn_plan, self.region)))
        return out

    def zone_plans(self) -> dict[str, ZonePlan]:
        """The plans behind the ``zone``, ``lot`` and ``pcn`` answers, per column.

        For each of the scheme's zone layers: the latest version of the plan
        ``<region>-<layer id>`` in the plan store, else the plan its rule file
        builds (e.g. Hertfordshire's district and lot areas); a layer with
        neither (e.g. Herefordshire's 'O' zones before any is saved) answers
        nothing. Layers whose rules are of kind ``lots``, or whose id names
        lots, fill ``lot``; the others fill ``zone``. The PCN is the PCN area
        the point lies in: the latest ``<region>-pcn-areas`` plan, else
        :func:`~geozones.zones.builders.pcn_plan`. A newly saved version is
        picked up on the next query.
        """
        layers = self._layer_plans()
        versions = tuple(self.store.latest(name) for _, name, _ in layers)
        if self._plans_cache is not None and self._plans_cache[0] == versions:
            return self._plans_cache[1]
        plans: dict[str, ZonePlan] = {}
        for (column, name, build), version in zip(layers, versions, strict=True):
            if column in plans:
                continue
            if version is not None:
                plans[column] = self.store.get(name, version)
            elif build is not None:
                plans[column] = build()
        self._plans_cache = (versions, plans)
        self._lookup_cache = {}
        return plans

    def _zone_lookup(self) -> dict[str, tuple[shapely.STRtree, np.ndarray]]:
        for column, plan in self.zone_plans().items():
            if column not in self._lookup_cache:
                units = plan.units
                zones = plan.assignment.reindex(units.codes).to_numpy(dtype=object)
                self._lookup_cache[column] = (shapely.STRtree(units.geoms), zones)
        return self._lookup_cache

    def _zones_at(self, pts: np.ndarray) -> dict[str, np.ndarray]:
        """Zone, lot and PCN of each point from :meth:`zone_plans` (None outside every unit)."""
        out = {}
        for column, (tree, zones) in self._zone_lookup().items():
            unit = _unit_at(tree, pts)
            out[column] = np.where(unit >= 0, zones[np.maximum(unit, 0)], None)
        return out

    @classmethod
    def for_scheme(cls, scheme_id: str, build: Path | None = None) -> Classifier:
        """The classifier of scheme ``scheme_id``, cached per build."""
        scheme = get_scheme(scheme_id)
        report = build_dir(build) / scheme.region / REPORT_FILE
        stamp = report.stat().st_mtime_ns if report.exists() else 0
        return _cached_classifier(scheme_id, build_dir(build).resolve(), stamp)

    @cached_property
    def _units(self) -> gpd.GeoDataFrame:
        return self.region.units

    @cached_property
    def _units_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self._units.geometry.to_numpy())

    @cached_property
    def _district_names(self) -> dict[str, str]:
        districts = self.region.districts
        return dict(zip(districts["code"], districts["name"], strict=True))

    @property
    def distance_method(self) -> str | None:
        """How this scheme's distances are measured here (None for flat schemes)."""
        if self.scheme.method == "road-distance-bands":
            return self.surgeries.method
        return STRAIGHT if self.scheme.method == "straight-line-radius" else None

    def classify(self, query: str | tuple[float, float]) -> Answer:
        """Classify one query: text, or an (easting, northing) pair in EPSG:27700 metres.

        Runs the same steps as :meth:`classify_many` on one-element arrays, with
        the geocoder's single-query path.
        """
        if isinstance(query, tuple):
            if len(query) != 2:
                raise InputError(f"a point is (easting, northing) in metres; got {query!r}")
            query = f"{float(query[0])} {float(query[1])}"
        found = self.geocoder.geocode(query)
        geo = {c: np.array([getattr(found, c)], dtype=object) for c in _GEOCODE_COLUMNS}
        geo["warnings"] = np.array(["; ".join(found.warnings)], dtype=object)
        cols = self._classify_geocoded(geo)
        values = {c: cols[c][0] for c in CLASSIFY_COLUMNS}
        values = {c: None if _missing(v) else v for c, v in values.items()}
        values["rate"] = None if values["rate"] is None else Decimal(values["rate"])
        values["caveats"] = tuple(c for c in (values["caveats"] or "").split("; ") if c)
        return Answer(query=str(query), scheme=self.scheme.id, **values)

    def classify_many(self, values: list[object] | pd.Series) -> pd.DataFrame:
        """Geocode and classify many inputs; one row per input, in order.

        Returns
        -------
        DataFrame
            :data:`CLASSIFY_COLUMNS`; ``rate`` as text in pounds (e.g. ``"19.68"``),
            ``distance_miles`` rounded to 2 decimals, ``caveats`` joined by ``"; "``.

        """
        frame = self.geocoder.geocode_many(values)
        geo = {c: frame[c].to_numpy(dtype=object) for c in (*_GEOCODE_COLUMNS, "warnings")}
        out = pd.DataFrame(self._classify_geocoded(geo), index=frame.index)
        numbers = ["lat", "lon", "easting", "northing", "distance_miles"]
        out[numbers] = out[numbers].astype(float)
        return out[CLASSIFY_COLUMNS]

    def _classify_geocoded(self, geo: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Classify geocoder output (arrays of :data:`_GEOCODE_COLUMNS` and warnings)."""
        status = geo["status"]
        xy = np.column_stack([geo["easting"], geo["northing"]]).astype(float)
        cols = self._classify_arrays(xy, status == "ok")
        for c in ("lat", "lon", "easting", "northing", "precision", "matched"):
            cols[c] = geo[c]
        cols["caveats"] = _join(np.where(pd.isna(geo["warnings"]), "", geo["warnings"]),
                                cols["caveats"])  # fmt: skip
        failed = status != "ok"
        cols["status"][failed] = status[failed]
        cols["message"][failed] = geo["message"][failed]
        outside = status == "outside_region"
        cols["caveats"][outside] = _join(
            cols["caveats"][outside],
            np.full(outside.sum(), f"outside the scheme's area ({self.region.spec.title})"),
        )
        return cols

    def classify_points(self, xy: np.ndarray, located: np.ndarray | None = None) -> pd.DataFrame:
        """Classify points (EPSG:27700 metres, shape (n, 2)); rows not ``located`` stay empty."""
        return pd.DataFrame(self._classify_arrays(xy, located))[CLASSIFY_COLUMNS]

    def _classify_arrays(
        self, xy: np.ndarray, located: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """:meth:`classify_points` as a dict of object arrays (no DataFrame overhead)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(xy)
        ok = np.isfinite(xy).all(axis=1) if located is None else located & np.isfinite(xy).all(1)
        cols = {c: np.full(n, None, dtype=object) for c in CLASSIFY_COLUMNS}
        cols["status"][:], cols["message"][:], cols["caveats"][:] = "error", "not located", ""
        if not ok.any():
            return cols
        rows = np.flatnonzero(ok)
        pts = xy[rows]
        district = self._districts_at(pts)
        surgery = self.surgeries.measure(pts, self.scheme.method == "road-distance-bands")
        names = self._district_names
        cols["district"][rows] = [names.get(d) for d in district]
        cols["nearest_surgery"][rows] = surgery["label"]
        for column, zones in self._zones_at(pts).items():
            cols[column][rows] = zones
        priced = self._price(pts, district, surgery)
        for c, v in priced.items():
            cols[c][rows] = v
        cols["status"][rows] = np.where(pd.isna(priced["band"]), "error", "ok")
        cols["message"][rows] = priced["message"]
        return cols

    def _districts_at(self, pts: np.ndarray) -> np.ndarray:
        """District code of the unit each point lies in."""
        units = self._units
        unit = _unit_at(self._units_tree, pts)
        codes = units["district"].to_numpy(dtype=object)
        return np.where(unit >= 0, codes[np.maximum(unit, 0)], None)

    def _price(
        self, pts: np.ndarray, district: np.ndarray, surgery: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Band, rate, distance, method, confidence, message and caveats of each point."""
        scheme = self.scheme
        n = len(pts)
        caveats = np.full(n, "", dtype=object)
        if scheme.demonstration:
            caveats[:] = f"{scheme.title}: a demonstration of the method, not a council's rates"
        if scheme.method == "flat":
            rate = hourly_rate(scheme)
            label = scheme.priced(scheme.default_rate).label if scheme.default_rate else "Flat"
            return {
                "band": np.full(n, label, dtype=object),
                "rate": np.full(n, str(rate), dtype=object),
                "message": np.full(n, f"{label}: £{rate} an hour", dtype=object),
                "caveats": caveats,
            }
        if scheme.method == "straight-line-radius":
            return self._radius(pts, caveats)
        return self._bands(district, surgery, caveats)

    def _radius(self, pts: np.ndarray, caveats: np.ndarray) -> dict[str, np.ndarray]:
        scheme = self.scheme
        centres = self.region.scheme_centres
        centres = centres[centres["scheme"] == scheme.id].reset_index(drop=True)
        cxy = np.column_stack([centres.geometry.x, centres.geometry.y])
        radius = float(scheme.centres.radius_m)
        labels, nearest, metres = urban_rural(pts, cxy, radius, labels=("within", "beyond"))
        band = np.where(labels == "within", 0, 1)
        names = np.array([b.label for b in scheme.bands], dtype=object)[band]
        rates = np.array([str(b.rate) for b in scheme.bands], dtype=object)[band]
        centre = centres["name"].to_numpy(dtype=object)[nearest]
        miles = metres / METRES_PER_MILE
        radius_miles = float(scheme.centres.radius_miles)
        edge = np.abs(metres - radius) <= EDGE_CAVEAT_M
        caveats = _join(
            caveats,
            np.where(edge, f"within 0.1 miles of the {radius_miles:g}-mile radius", ""),
        )
        message = (
            names
            + ": "
            + pd.Series(miles).map("{:.2f}".format).to_numpy(dtype=object)
            + " miles in a straight line from "
            + centre
        )
        return {
            "band": names,
            "rate": rates,
            "distance_miles": np.round(miles, 2),
            "method": np.full(len(pts), STRAIGHT, dtype=object),
            "confidence": np.where(edge, "near radius", "exact").astype(object),
            "message": message,
            "caveats": caveats,
        }

    def _bands(
        self, district: np.ndarray, surgery: dict[str, np.ndarray], caveats: np.ndarray
    ) -> dict[str, np.ndarray]:
        scheme = self.scheme
        n = len(district)
        metres, spread, method = surgery["metres"], surgery["spread_m"], self.surgeries.method
        if method == ESTIMATE:
            caveats = _join(caveats, np.full(n, self.surgeries.estimate_caveat))
        labels, rates = band_for_distance(metres, scheme, district)
        by_distance, _ = band_for_distance(metres, scheme)
        applies = banding_applies(district, scheme)
        edge = near_edge(metres, scheme, spread) & applies
        confidence = np.where(
            edge, "near band edge", "estimate" if method == ESTIMATE else "exact"
        ).astype(object)
        caveats = _join(
            caveats, np.where(edge, "near a band edge: the neighbouring band is possible", "")
        )
        if scheme.elsewhere_rate is not None:
            caveats = _join(
                caveats,
                np.where(
                    applies,
                    "",
                    f"{scheme.priced(scheme.elsewhere_rate).label}: banding "
                    "applies only in the Central Belt districts",
                ),
            )
        miles = metres / METRES_PER_MILE
        unreached = ~np.isfinite(metres)
        road_status = surgery["status"]
        message = np.where(
            unreached,
            np.where(
                road_status == "off_network",
                "more than 2 km from any road in the network: no road distance",
                "no surgery can be reached by road from here",
            ),
            labels.astype(str)
            + ": "
            + pd.Series(miles).map("{:.2f}".format).to_numpy(dtype=object)
            + " miles ("
            + method
            + ") from "
            + surgery["label"].astype(str),
        ).astype(object)
        return {
            "band": np.where(unreached & applies, None, labels),
            "distance_band": by_distance,
            "rate": np.array([None if r is None else str(r) for r in rates], dtype=object),
            "distance_miles": np.where(unreached, None, np.round(miles, 2)),
            "method": np.full(n, method, dtype=object),
            "confidence": confidence,
            "message": message,
            "caveats": caveats,
        }


def with_classification(table: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """``table`` with :data:`CLASSIFY_COLUMNS` of ``result`` added, row for row.

    An added column whose name the table already has is prefixed ``geozones_``.
    """
    out = table.copy()
    taken = set(map(str, table.columns))
    for c in CLASSIFY_COLUMNS:
        out[f"geozones_{c}" if c in taken else c] = result[c].to_numpy()
    return out


def classify_file(
    infile: Path, outfile: Path, scheme_id: str, column: str | None = None,
    build: Path | None = None, chunk_rows: int = CHUNK_ROWS,
) -> dict[str, int]:  # fmt: skip
    """Geocode and classify every row of a CSV/XLSX file into another, in order.

    Adds :data:`CLASSIFY_COLUMNS` (prefixed ``geozones_`` where the table
    already has a column of that name) and returns the row count per status.
    """
    table, column = open_table(infile, outfile, column)
    classifier = Classifier.for_scheme(scheme_id, build)
    with progress_bar(len(table), "classifying", len(table) > chunk_rows) as done:
        result = in_chunks(table[column], classifier.classify_many, chunk_rows, done)
    write_table(with_classification(table, result), outfile)
    return result["status"].value_counts().to_dict()


@lru_cache(maxsize=16)
def _cached_classifier(scheme_id: str, build: Path, stamp: int) -> Classifier:
    del stamp
    return Classifier(get_scheme(scheme_id), build)


#: A point in no unit polygon (a gap along the coast or a border between generalised
#: polygons) takes the nearest unit within this many metres.
UNIT_SNAP_M = 1000.0


def _unit_at(tree: shapely.STRtree, pts: np.ndarray) -> np.ndarray:
    """Unit each point (EPSG:27700) lies in, else the nearest within :data:`UNIT_SNAP_M`.

    Returns positions in the tree's geometries, -1 for none.
    """
    geoms = shapely.points(pts)
    hit_pt, hit_unit = tree.query(geoms, predicate="within")
    unit = np.full(len(pts), -1)
    unit[hit_pt] = hit_unit
    miss = np.flatnonzero(unit < 0)
    if len(miss):
        near_pt, near_unit = tree.query_nearest(geoms[miss], max_distance=UNIT_SNAP_M)
        unit[miss[near_pt]] = near_unit
    return unit


def _join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Join two arrays of caveat strings with ``"; "``, skipping empty ones."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    both = (a != "") & (b != "")
    return np.where(both, a + "; " + b, np.where(a != "", a, b)).astype(object)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def classify(query: str | tuple[float, float], scheme: str, build: Path | None = None) -> Answer:
    """Classify one address, postcode, place, grid reference or (easting, northing) point.

    Parameters
    ----------
    query : str or (float, float)
        What a person typed, or a point in EPSG:27700 metres.
    scheme : str
        Scheme id, e.g. ``"norfolk-2019"``.
    build : Path, optional
        Build folder.

    """
    return Classifier.for_scheme(scheme, build).classify(query)
