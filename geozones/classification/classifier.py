"""Classification: for any address, postcode, place or point, its band or class, rate and areas.

:class:`Classifier` answers for one scheme (:mod:`geozones.schemes`) over its
region's build, in three steps, each with a typed result:

1. **locate** (:class:`Located`): the geocoder (:mod:`geozones.geocode`) turns
   each input into a point in EPSG:27700 with its precision and status;
2. **measure** (:class:`Measured`): the unit and district each point lies in
   (:mod:`geozones._spatial`), its nearest GP surgery and the distance the
   scheme prices by (:mod:`geozones.distance.surgeries`), and the zone, lot and
   PCN area from the :class:`ZoneLookup` the caller passes in;
3. **price** (:class:`Priced`): the band or class and hourly rate:

   - ``road-distance-bands`` (Norfolk): road distance from the nearest surgery
     where the region has a road network, method ``road``; otherwise the
     straight-line distance times the measured circuity, method
     ``straight-line estimate``, flagged ``near band edge`` when the estimate's
     spread crosses an edge. Outside the scheme's banding districts the
     elsewhere rate applies, and the answer says so.
   - ``straight-line-radius`` (Herefordshire 2016): urban within the radius of
     a named centre, rural beyond every one, method ``straight line``.
   - ``flat`` (Herefordshire 2017, Hertfordshire): one rate wherever the point is.

Everything is vectorised over arrays of points; a single query runs the same
path with one row. A classifier only reads: it writes no file but the start-up
caches beside its region's build (:mod:`geozones.regions.cache`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import DataError, InputError
from geozones._settings import METRES_PER_MILE
from geozones._spatial import UnitIndex
from geozones._vocab import Confidence, DistanceMethod, SchemeMethod, Status, ZoneColumn
from geozones.distance.surgeries import EDGE_CAVEAT_M, NearestSurgery, SurgeryDistances
from geozones.geocode.geocoder import Geocoder
from geozones.regions.data import RegionData, load_region
from geozones.schemes.bands import band_for_distance, banding_applies, near_edge, urban_rural
from geozones.schemes.pricing import hourly_rate
from geozones.schemes.scheme import Scheme

Objects = npt.NDArray[np.object_]
Floats = npt.NDArray[np.float64]

#: None as a 0-d object array, for ``np.where`` (numpy's stubs refuse a bare None there).
_NONE: Objects = np.array(None, dtype=object)

#: Columns :meth:`Classifier.classify_many` adds, in order.
CLASSIFY_COLUMNS = [
    "lat", "lon", "easting", "northing", "precision", "matched", "band", "rate",
    "distance_band", "distance_miles", "method", "confidence", "district", "zone", "lot", "pcn",
    "nearest_surgery", "status", "message", "caveats",
]  # fmt: skip

#: Geocoder result fields the classifier carries into its answers.
_GEOCODE_COLUMNS = ("lat", "lon", "easting", "northing", "precision", "matched", "status",
                    "message", "warnings")  # fmt: skip


class ZoneLookup(Protocol):
    """Where the zone, lot and PCN answers come from (see :mod:`geozones.zones.lookup`)."""

    def zones_at(self, xy: Floats) -> Mapping[ZoneColumn, Objects]:
        """The zone, lot and/or PCN of each point (EPSG:27700); None outside every unit."""
        ...


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
    status: Status
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
    method: DistanceMethod | None = None
    confidence: Confidence | None = None
    district: str | None = None
    zone: str | None = None
    lot: str | None = None
    pcn: str | None = None
    nearest_surgery: str | None = None
    caveats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # answers are built from object arrays of text: hold the words as members
        object.__setattr__(self, "status", Status(self.status))
        if self.method is not None:
            object.__setattr__(self, "method", DistanceMethod(self.method))
        if self.confidence is not None:
            object.__setattr__(self, "confidence", Confidence(self.confidence))

    @classmethod
    def from_row(cls, query: str, scheme: str, row: Mapping[Any, object]) -> Answer:
        """The answer of one row of :data:`CLASSIFY_COLUMNS` (as ``classify_many`` gives them)."""
        values: dict[str, Any] = {c: _scalar(row[c]) for c in CLASSIFY_COLUMNS}
        values["rate"] = None if values["rate"] is None else Decimal(values["rate"])
        values["caveats"] = tuple(c for c in (values["caveats"] or "").split("; ") if c)
        return cls(query=query, scheme=scheme, **values)

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-ready values (rate as a string of pounds, e.g. ``"18.24"``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rate"] = None if self.rate is None else str(self.rate)
        out["caveats"] = list(self.caveats)
        return out


@dataclass(frozen=True)
class Located:
    """Step 1: where each of n inputs is.

    Attributes
    ----------
    xy : ndarray of float64, shape (n, 2)
        EPSG:27700 metres; NaN where not located.
    ok : ndarray of bool
        Located inside the region.
    geocoded : dict of str to ndarray of object
        The geocoder's ``lat``, ``lon``, ``easting``, ``northing``, ``precision``,
        ``matched``, ``status``, ``message`` and ``warnings`` columns.

    """

    xy: Floats
    ok: npt.NDArray[np.bool_]
    geocoded: Mapping[str, Objects]

    @classmethod
    def points(cls, xy: npt.ArrayLike, located: npt.ArrayLike | None = None) -> Located:
        """Points given directly (EPSG:27700 metres, shape (n, 2)).

        Rows not ``located`` stay empty.
        """
        pts = np.asarray(xy, dtype=float).reshape(-1, 2)
        ok = np.isfinite(pts).all(axis=1)
        if located is not None:
            ok &= np.asarray(located, dtype=bool)
        n = len(pts)
        geocoded = {c: np.full(n, None, dtype=object) for c in _GEOCODE_COLUMNS}
        geocoded["status"] = np.where(ok, Status.OK, Status.ERROR).astype(object)
        geocoded["message"] = np.where(ok, _NONE, "not located").astype(object)
        geocoded["warnings"] = np.full(n, "", dtype=object)
        return cls(pts, ok, geocoded)


@dataclass(frozen=True)
class Measured:
    """Step 2: the areas and nearest surgery of the located points.

    Attributes
    ----------
    rows : ndarray of int64
        Which of the n inputs were measured (the located ones), in order.
    xy : ndarray of float64, shape (len(rows), 2)
        Their points, EPSG:27700 metres.
    district : ndarray of object
        LAD 2013 code of each measured point's unit; None outside every unit.
    surgery : SurgeryDistances
        Nearest surgery and, under a road-distance scheme, its distance.
    zones : dict of ZoneColumn to ndarray of object
        Zone, lot and PCN area from the classifier's zone lookup.

    """

    rows: npt.NDArray[np.int64]
    xy: Floats
    district: Objects
    surgery: SurgeryDistances
    zones: Mapping[ZoneColumn, Objects]


@dataclass(frozen=True)
class Priced:
    """Step 3: band, rate and the words behind them, per measured point.

    ``rate`` is text in pounds (``"19.68"``); ``distance_miles`` is rounded to 2
    decimals; ``caveats`` are joined by ``"; "``. Optional fields are None for
    schemes they do not apply to (a flat scheme has no distance).
    """

    band: Objects
    rate: Objects
    message: Objects
    caveats: Objects
    distance_band: Objects | None = None
    distance_miles: Objects | None = None
    method: Objects | None = None
    confidence: Objects | None = None


class Classifier:
    """Classify queries or points under ``scheme`` using the built data of its region.

    Parameters
    ----------
    scheme : Scheme
        The pricing scheme; its ``region`` must be built.
    build : Path, optional
        Build folder (default ``data/build`` or ``$GEOZONES_BUILD``).
    zones : ZoneLookup, optional
        Where ``zone``, ``lot`` and ``pcn`` come from; without one they stay
        empty (:func:`geozones.zones.lookup.classifier_for` passes the plans').

    """

    def __init__(
        self, scheme: Scheme, build: Path | None = None, zones: ZoneLookup | None = None
    ) -> None:
        self.scheme = scheme
        self.geocoder = Geocoder.for_region(scheme.region, build)
        self.region: RegionData = load_region(scheme.region, build)
        self.surgeries = NearestSurgery(self.region, build)
        self.zones = zones

    @cached_property
    def _units(self) -> UnitIndex:
        return UnitIndex(self.region.units.geometry.to_numpy())

    @cached_property
    def _unit_districts(self) -> Objects:
        return self.region.units["district"].to_numpy(dtype=object)

    @cached_property
    def _district_names(self) -> dict[str, str]:
        districts = self.region.districts
        return dict(zip(districts["code"], districts["name"], strict=True))

    @property
    def distance_method(self) -> DistanceMethod | None:
        """How this scheme's distances are measured here (None for flat schemes)."""
        if self.scheme.method == SchemeMethod.ROAD_DISTANCE_BANDS:
            return self.surgeries.method
        if self.scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS:
            return DistanceMethod.STRAIGHT_LINE
        return None

    # -- the three steps ---------------------------------------------------------------------

    def locate(self, values: Sequence[object] | pd.Series) -> Located:
        """Step 1: geocode many inputs (text of any kind) into points, in order."""
        frame = self.geocoder.geocode_many(values)
        geocoded = {c: frame[c].to_numpy(dtype=object) for c in _GEOCODE_COLUMNS}
        xy = np.column_stack([geocoded["easting"], geocoded["northing"]]).astype(float)
        return Located(xy, geocoded["status"] == Status.OK, geocoded)

    def measure(self, located: Located) -> Measured:
        """Step 2: unit, district, nearest surgery, zone, lot and PCN of the located points."""
        rows = np.flatnonzero(located.ok)
        pts = located.xy[rows]
        unit = self._units.positions(pts)
        district = np.where(unit >= 0, self._unit_districts[np.maximum(unit, 0)], _NONE)
        by_road = self.scheme.method == SchemeMethod.ROAD_DISTANCE_BANDS
        surgery = self.surgeries.measure(pts, by_road)
        zones = {} if self.zones is None else dict(self.zones.zones_at(pts))
        return Measured(rows, pts, district.astype(object), surgery, zones)

    def price(self, measured: Measured) -> Priced:
        """Step 3: band or class, rate, distance, method, confidence, message and caveats."""
        scheme = self.scheme
        n = len(measured.rows)
        caveats = np.full(n, "", dtype=object)
        if scheme.demonstration:
            caveats[:] = f"{scheme.title}: a demonstration of the method, not a council's rates"
        if scheme.method == SchemeMethod.FLAT:
            rate = hourly_rate(scheme)
            label = scheme.priced(scheme.default_rate).label if scheme.default_rate else "Flat"
            return Priced(
                band=np.full(n, label, dtype=object),
                rate=np.full(n, str(rate), dtype=object),
                message=np.full(n, f"{label}: £{rate} an hour", dtype=object),
                caveats=caveats,
            )
        if scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS:
            return self._radius(measured.xy, caveats)
        return self._bands(measured.district, measured.surgery, caveats)

    # -- answers -----------------------------------------------------------------------------

    def classify(self, query: str | tuple[float, float]) -> Answer:
        """Classify one query: text, or an (easting, northing) pair in EPSG:27700 metres."""
        if isinstance(query, tuple):
            if len(query) != 2:
                raise InputError(f"a point is (easting, northing) in metres; got {query!r}")
            query = f"{float(query[0])} {float(query[1])}"
        found = self.geocoder.geocode(query)
        geocoded = {c: np.array([getattr(found, c)], dtype=object) for c in _GEOCODE_COLUMNS[:-1]}
        geocoded["warnings"] = np.array(["; ".join(found.warnings)], dtype=object)
        xy = np.array([[found.easting, found.northing]], dtype=float)
        cols = self._columns(Located(xy, geocoded["status"] == Status.OK, geocoded))
        return Answer.from_row(
            str(query), self.scheme.id, {c: cols[c][0] for c in CLASSIFY_COLUMNS}
        )

    def classify_many(self, values: Sequence[object] | pd.Series) -> pd.DataFrame:
        """Geocode and classify many inputs; one row per input, in order.

        Returns
        -------
        DataFrame
            :data:`CLASSIFY_COLUMNS`; ``rate`` as text in pounds (e.g. ``"19.68"``),
            ``distance_miles`` rounded to 2 decimals, ``caveats`` joined by ``"; "``.

        """
        index = values.index if isinstance(values, pd.Series) else None
        out = pd.DataFrame(self._columns(self.locate(values)), index=index)
        numbers = ["lat", "lon", "easting", "northing", "distance_miles"]
        out[numbers] = out[numbers].astype(float)
        return out[CLASSIFY_COLUMNS]

    def classify_points(
        self, xy: npt.ArrayLike, located: npt.ArrayLike | None = None
    ) -> pd.DataFrame:
        """Classify points (EPSG:27700 metres, shape (n, 2)); rows not ``located`` stay empty."""
        return pd.DataFrame(self._columns(Located.points(xy, located)))[CLASSIFY_COLUMNS]

    def _columns(self, located: Located) -> dict[str, Objects]:
        """The three steps over ``located``, as :data:`CLASSIFY_COLUMNS` object arrays."""
        n = len(located.xy)
        cols = {c: np.full(n, None, dtype=object) for c in CLASSIFY_COLUMNS}
        geo = located.geocoded
        for c in ("lat", "lon", "easting", "northing", "precision", "matched"):
            cols[c] = geo[c]
        cols["status"] = np.asarray(geo["status"], dtype=object).copy()
        cols["message"] = np.asarray(geo["message"], dtype=object).copy()
        warnings = np.asarray(geo["warnings"], dtype=object)
        cols["caveats"] = np.where(pd.isna(warnings), "", warnings).astype(object)
        if located.ok.any():
            measured = self.measure(located)
            priced = self.price(measured)
            rows = measured.rows
            names = self._district_names
            cols["district"][rows] = [names.get(d) for d in measured.district]
            cols["nearest_surgery"][rows] = measured.surgery.label
            for column, labels in measured.zones.items():
                cols[str(column)][rows] = labels
            for f in fields(priced):
                value = getattr(priced, f.name)
                if value is not None and f.name != "caveats":
                    cols[f.name][rows] = value
            cols["caveats"][rows] = _join(cols["caveats"][rows], priced.caveats)
            cols["status"][rows] = np.where(pd.isna(priced.band), Status.ERROR, Status.OK)
            cols["message"][rows] = priced.message
        outside = cols["status"] == Status.OUTSIDE_REGION
        cols["caveats"][outside] = _join(
            cols["caveats"][outside],
            np.full(outside.sum(), f"outside the scheme's area ({self.region.spec.title})"),
        )
        return cols

    # -- pricing rules -----------------------------------------------------------------------

    def _radius(self, pts: Floats, caveats: Objects) -> Priced:
        scheme = self.scheme
        spec = scheme.centres
        if spec is None or spec.radius_m is None or spec.radius_miles is None:
            raise DataError(f"scheme {scheme.id} uses {scheme.method} but has no centres radius")
        centres = self.region.scheme_centres
        centres = centres[centres["scheme"] == scheme.id].reset_index(drop=True)
        cxy = np.column_stack([centres.geometry.x, centres.geometry.y])
        radius = float(spec.radius_m)
        labels, nearest, metres = urban_rural(pts, cxy, radius, labels=("within", "beyond"))
        band = np.where(labels == "within", 0, 1)
        names = np.array([b.label for b in scheme.bands], dtype=object)[band]
        rates = np.array([str(b.rate) for b in scheme.bands], dtype=object)[band]
        centre = centres["name"].to_numpy(dtype=object)[nearest]
        miles = metres / METRES_PER_MILE
        radius_miles = float(spec.radius_miles)
        edge = np.abs(metres - radius) <= EDGE_CAVEAT_M
        caveats = _join(
            caveats,
            np.where(edge, f"within 0.1 miles of the {radius_miles:g}-mile radius", ""),
        )
        message = names + ": " + _miles_text(miles) + " miles in a straight line from " + centre
        return Priced(
            band=names,
            rate=rates,
            message=message,
            caveats=caveats,
            distance_miles=np.round(miles, 2).astype(object),
            method=np.full(len(pts), DistanceMethod.STRAIGHT_LINE, dtype=object),
            confidence=np.where(edge, Confidence.NEAR_RADIUS, Confidence.EXACT).astype(object),
        )

    def _bands(self, district: Objects, surgery: SurgeryDistances, caveats: Objects) -> Priced:
        scheme = self.scheme
        n = len(district)
        metres, spread, method = surgery.metres, surgery.spread_m, self.surgeries.method
        estimate = method == DistanceMethod.ESTIMATE
        if estimate:
            caveats = _join(caveats, np.full(n, self.surgeries.estimate_caveat))
        labels, rates = band_for_distance(metres, scheme, district)
        by_distance, _ = band_for_distance(metres, scheme)
        applies = banding_applies(district, scheme)
        edge = near_edge(metres, scheme, spread) & applies
        confidence = np.where(
            edge, Confidence.NEAR_BAND_EDGE, Confidence.ESTIMATE if estimate else Confidence.EXACT
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
        message = np.where(
            unreached,
            np.where(
                surgery.status == "off_network",
                "more than 2 km from any road in the network: no road distance",
                "no surgery can be reached by road from here",
            ),
            labels.astype(str)
            + ": "
            + _miles_text(miles)
            + f" miles ({method}) from "
            + surgery.label.astype(str),
        ).astype(object)
        return Priced(
            band=np.where(unreached & applies, _NONE, labels).astype(object),
            rate=np.array([None if r is None else str(r) for r in rates], dtype=object),
            message=message,
            caveats=caveats,
            distance_band=by_distance,
            distance_miles=np.where(unreached, _NONE, np.round(miles, 2)).astype(object),
            method=np.full(n, method, dtype=object),
            confidence=confidence,
        )


def _miles_text(miles: Floats) -> Objects:
    """Miles as text with two decimals (``"2.63"``)."""
    return pd.Series(miles).map("{:.2f}".format).to_numpy(dtype=object)


def _join(a: npt.ArrayLike, b: npt.ArrayLike) -> Objects:
    """Join two arrays of caveat strings with ``"; "``, skipping empty ones."""
    left = np.asarray(a, dtype=object)
    right = np.asarray(b, dtype=object)
    both = (left != "") & (right != "")
    return np.where(both, left + "; " + right, np.where(left != "", left, right)).astype(object)


def _scalar(value: object) -> Any:
    """A value of an object array as a plain Python value (None for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
