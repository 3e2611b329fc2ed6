"""Classification: for any address, postcode, place or point, its band or class, rate and areas.

:class:`Classifier` answers for one scheme (:mod:`geozones.schemes`) over its
region's build, in three steps, each with a typed result:

1. **locate** (:class:`Located`): the geocoder (:mod:`geozones.geocode`) turns
   each input into a point in EPSG:27700 with its precision and status;
2. **measure** (:class:`Measured`): the unit each point lies in
   (:mod:`geozones._spatial`) and that unit's district, CCG and LSOA
   (:class:`~geozones.schemes.bands.Where`), its nearest GP surgery and the distance the
   scheme prices by (:mod:`geozones.distance.surgeries`), and the zone, lot and
   PCN area from the :class:`ZoneLookup` the caller passes in;
3. **price** (:class:`Priced`): the band or class and hourly rate:

   - ``road-distance-bands`` (Norfolk): road distance from the nearest surgery
     where the region has a road network, method ``road``; otherwise the
     straight-line distance times the measured circuity, method
     ``straight-line estimate``, flagged ``near band edge`` when the estimate's
     spread crosses an edge. Outside the scheme's declared area (Norfolk's
     Central Belt: three CCG areas of April 2019) the elsewhere rate applies,
     and the answer says so.
   - ``straight-line-radius`` (Herefordshire 2016): urban within the radius of
     a named centre, rural beyond every one, method ``straight line``.
   - ``flat`` (Herefordshire 2017, Hertfordshire): one rate wherever the point is.

   Every answer's ``area`` says which area applied
   (:func:`~geozones.schemes.bands.area_text`).

   Every answer also carries the drive to the nearest surgery where it is
   measured: ``drive_minutes`` (the quickest drive from any surgery, see
   :mod:`geozones.distance.facility`) and ``road_miles``. Under a road-distance
   scheme they are the distance priced by (``road_miles`` is ``distance_miles``,
   an estimate where ``method`` says so); under the other schemes they are
   measured by road wherever the region has a road network, and left empty
   where it has none.

Every answer's ``confidence`` follows from how it was located
(:data:`LOCATION_CONFIDENCE`, the one rule) joined to the measurement's
(:func:`answer_confidence`). An answer located only to a postcode sector or
district (status ``imprecise``) is the range of bands over that sector's or
district's live postcodes, never one band; a place answers the band at its
centre and the share of its postcodes in each band.

Everything is vectorised over arrays of points; a single query runs the same
path with one row. A classifier only reads: it writes no file but the start-up
caches beside its region's build (:mod:`geozones.regions.cache`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import DataError, InputError
from geozones._settings import METRES_PER_MILE
from geozones._spatial import PointMemo, UnitIndex, unique_points
from geozones._vocab import Confidence, DistanceMethod, SchemeMethod, Status, ZoneColumn
from geozones.distance.surgeries import EDGE_CAVEAT_M, NearestSurgery, SurgeryDistances
from geozones.geocode.geocoder import Geocoder
from geozones.regions.cache import arrays_if_made, value_digest
from geozones.regions.data import RegionData, load_region
from geozones.schemes.bands import (
    Where,
    area_caveat,
    area_text,
    band_for_distance,
    banding_applies,
    check_area,
    near_edge,
    urban_rural,
)
from geozones.schemes.pricing import hourly_rate
from geozones.schemes.scheme import Scheme

Objects = npt.NDArray[np.object_]
Floats = npt.NDArray[np.float64]

#: None as a 0-d object array, for ``np.where`` (numpy's stubs refuse a bare None there).
_NONE: Objects = np.array(None, dtype=object)

#: The code the measurements of a region's postcodes depend on (:attr:`Classifier._memo`).
MEMO_CODE: tuple[str, ...] = (
    "classification/classifier.py", "distance", "network", "regions",
    "_spatial.py", "_settings.py", "_validate.py",
)  # fmt: skip

#: Columns :meth:`Classifier.classify_many` adds, in order.
CLASSIFY_COLUMNS = [
    "lat", "lon", "easting", "northing", "precision", "matched", "scheme", "band", "rate", "area",
    "distance_band", "distance_miles", "drive_minutes", "road_miles", "method", "confidence",
    "located_by", "band_shares",
    "district", "ruc11", "ruc21", "zone", "lot", "pcn", "nearest_surgery", "status", "message",
    "caveats",
]  # fmt: skip
#: The units' ONS Rural-Urban Classification columns an answer carries, as "<code> <name>".
RUC_ANSWERS: dict[str, tuple[str, str]] = {
    "ruc11": ("ruc11", "ruc11_name"),
    "ruc21": ("ruc21", "ruc21_name"),
}

#: Columns of :data:`CLASSIFY_COLUMNS` that ``classify_many`` gives as floats.
_NUMBER_COLUMNS = ("lat", "lon", "easting", "northing", "distance_miles", "drive_minutes",
                   "road_miles")  # fmt: skip
#: Columns that hold what was measured at one point: empty in a range answer.
_POINT_COLUMNS = ("distance_band", "distance_miles", "drive_minutes", "road_miles",
                  "nearest_surgery")  # fmt: skip

#: Geocoder result fields the classifier carries into its answers.
_GEOCODE_COLUMNS = ("lat", "lon", "easting", "northing", "precision", "matched", "status",
                    "message", "unknown_postcode", "warnings")  # fmt: skip

#: How sure each way of locating (the geocoder's ``precision``) lets an answer be: the
#: one rule. A live postcode is exact, a terminated one (at its output area's or
#: LSOA's centre) approximate, a postcode sector or district a range (a postcode in
#: no dataset is answered from its sector or district), a street approximate (its
#: point nearest the place's centre), a place approximate (its centre), coordinates
#: exact, a grid reference exact unless its square is :data:`COARSE_GRID_M` or more.
#: :func:`answer_confidence` joins it to the measurement's.
LOCATION_CONFIDENCE: dict[str, Confidence] = {
    "postcode": Confidence.EXACT,
    "terminated": Confidence.APPROXIMATE,
    "sector": Confidence.RANGE,
    "district": Confidence.RANGE,
    "street": Confidence.APPROXIMATE,
    "place": Confidence.APPROXIMATE,
    "coordinates": Confidence.EXACT,
    "grid_reference": Confidence.EXACT,
}
#: Side (metres) from which a grid reference's square makes its answer approximate.
COARSE_GRID_M = 1_000
#: ``located_by`` of each precision, in the words a person reads.
_LOCATED_BY = {
    "postcode": "live postcode",
    "terminated": "terminated postcode, at its output area's centre",
    "sector": "postcode sector, over its live postcodes",
    "district": "postcode district, over its live postcodes",
    "street": "street, at its point nearest the place's centre",
    "place": "place, at its centre",
    "coordinates": "coordinates",
    "grid_reference": "grid reference",
}
#: The label of a place's or sector's postcodes that have no band (no road to a surgery).
NO_BAND = "no band"
#: Up to this many rows, a column's values are looked up one by one (quicker than factorizing).
_FEW_ROWS = 64
# Each confidence's rank, surest first (the order of Confidence), and back.
_SURENESS = {c: i for i, c in enumerate(Confidence)}
_BY_SURENESS = np.array(list(Confidence), dtype=object)


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
    rate in pounds; ``area`` says which area applied (e.g. "Central Belt:
    Norwich CCG area (April 2019)"); ``distance_band`` is the band the distance alone gives under
    a road-distance scheme, wherever banding applies; ``distance_miles`` is the
    distance behind them (None for flat schemes) and ``method`` how it was measured.
    ``drive_minutes`` is the quickest drive to the point from any surgery
    (rounded to 0.1 minute; at the estimate's average speed where ``method``
    is an estimate) and ``road_miles`` the road distance from the nearest
    surgery: under a road-distance scheme ``distance_miles`` itself, under the
    others measured only where the region has a road network (None elsewhere).

    ``scheme`` is None only for a query answered without one because it lies
    in no region whose scheme is in force (``POST /api/v1/lookup`` without a scheme).

    ``precision`` is how the geocoder located the query and ``located_by`` the
    same in plain words ("terminated postcode, at its output area's centre");
    ``confidence`` follows from both the location and the measurement
    (:data:`LOCATION_CONFIDENCE`, :func:`answer_confidence`). A postcode sector or district (status
    ``imprecise``) answers the range of bands over its live postcodes, a place
    the band at its centre; ``band_shares`` then gives the share of those
    postcodes in each band ("29 postcodes: Band 1 45%, Band 2 55%").
    """

    query: str
    scheme: str | None
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
    area: str | None = None
    distance_band: str | None = None
    distance_miles: float | None = None
    drive_minutes: float | None = None
    road_miles: float | None = None
    method: DistanceMethod | None = None
    confidence: Confidence | None = None
    located_by: str | None = None
    band_shares: str | None = None
    district: str | None = None
    ruc11: str | None = None
    ruc21: str | None = None
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
    def from_row(cls, query: str, row: Mapping[Any, object]) -> Answer:
        """The answer of one row of :data:`CLASSIFY_COLUMNS` (as ``classify_many`` gives them)."""
        values: dict[str, Any] = {c: _scalar(row[c]) for c in CLASSIFY_COLUMNS}
        values["rate"] = None if values["rate"] is None else Decimal(values["rate"])
        values["caveats"] = tuple(c for c in (values["caveats"] or "").split("; ") if c)
        return cls(query=query, **values)

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
    where : Where
        The district, CCG and LSOA of each measured point's unit, and the point.
    surgery : SurgeryDistances
        Nearest surgery and, under a road-distance scheme, its distance.
    zones : dict of ZoneColumn to ndarray of object
        Zone, lot and PCN area from the classifier's zone lookup.
    rurality : dict of str to ndarray of object
        The unit's ONS Rural-Urban Classification (:data:`RUC_ANSWERS`), e.g.
        ``ruc11`` "E1 Rural village and dispersed"; None outside every unit.

    """

    rows: npt.NDArray[np.int64]
    xy: Floats
    district: Objects
    where: Where
    surgery: SurgeryDistances
    zones: Mapping[ZoneColumn, Objects]
    rurality: Mapping[str, Objects]


@dataclass(frozen=True)
class Priced:
    """Step 3: band, rate and the words behind them, per measured point.

    ``rate`` is text in pounds (``"19.68"``); ``distance_miles`` and
    ``road_miles`` are rounded to 2 decimals, ``drive_minutes`` to 1; ``caveats``
    are joined by ``"; "``. Optional fields are None for schemes they do not
    apply to (a flat scheme has no distance), and ``drive_minutes`` and
    ``road_miles`` where the nearest surgery's distance is not measured.
    """

    band: Objects
    rate: Objects
    message: Objects
    caveats: Objects
    area: Objects | None = None
    distance_band: Objects | None = None
    distance_miles: Objects | None = None
    drive_minutes: Objects | None = None
    road_miles: Objects | None = None
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
    def _unit_table(self) -> dict[str, Objects]:
        """The codes of the region's units (checked against the scheme's area), as object arrays."""
        units = self.region.units
        check_area(self.scheme, units)
        return {c: units[c].to_numpy(dtype=object) for c in Where.UNIT_COLUMNS if c in units}

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
        memo = self._memo
        values = self._point_values(pts) if memo is None else memo.apply(pts, self._point_values)
        where = Where.in_units(self._unit_table, values["unit"], pts)
        surgery = self.surgeries.labelled(values)
        zones = {} if self.zones is None else dict(self.zones.zones_at(pts))
        unit = np.asarray(values["unit"], dtype=np.int64)
        rurality = {
            column: np.where(unit >= 0, text[np.maximum(unit, 0)], _NONE).astype(object)
            for column, text in self._rurality.items()
        }
        return Measured(rows, pts, where.district, where, surgery, zones, rurality)

    @cached_property
    def _rurality(self) -> dict[str, Objects]:
        """Each unit's RUC 2011 and 2021 as "<code> <name>" (:data:`RUC_ANSWERS`)."""
        units = self.region.units
        missing = [c for pair in RUC_ANSWERS.values() for c in pair if c not in units]
        if missing:
            raise DataError(
                f"the region's units have no {missing[0]} column (built before the rural-urban "
                f"classification); rebuild it with: geozones data build --region {self.region.name}"
            )
        return {
            answer: (units[code].astype(str) + " " + units[name].astype(str))
            .where(units[code].notna())
            .to_numpy(dtype=object)
            for answer, (code, name) in RUC_ANSWERS.items()
        }

    @property
    def _with_distance(self) -> bool:
        """Whether step 2 measures the nearest surgery's distance and drive minutes.

        Always under a road-distance scheme (by road, or estimated without a
        network); under the other schemes only by road, where the region has
        a road network.
        """
        by_distance = self.scheme.method == SchemeMethod.ROAD_DISTANCE_BANDS
        return by_distance or self.surgeries.method == DistanceMethod.ROAD

    def _point_values(self, pts: Floats) -> dict[str, npt.NDArray[Any]]:
        """What step 2 finds from the point alone: its unit and nearest surgery, as plain arrays."""
        return {"unit": self._units.positions(pts), **self.surgeries.raw(pts, self._with_distance)}

    @cached_property
    def _memo(self) -> PointMemo | None:
        """:meth:`_point_values` of every live postcode of the region, made by ``data build``.

        Read from the region's start-up cache (:mod:`geozones.regions.cache`);
        without a current entry (and outside ``writing_caches``) None: every
        point is then measured in full, with the same answers.
        """
        region = self.region

        def make() -> dict[str, npt.ArrayLike]:
            located = self.locate(region.postcodes["postcode"])
            pts, _ = unique_points(located.xy[located.ok])
            return {"xy": pts, **self._point_values(pts)}

        extra = {"kind": "measured-postcodes", "with_distance": self._with_distance}
        name = f"measured-{value_digest(extra)}.npz"
        arrays = arrays_if_made(region.path, name, make, extra, MEMO_CODE)
        if arrays is None:
            return None
        return PointMemo(arrays["xy"], {k: v for k, v in arrays.items() if k != "xy"})

    def price(self, measured: Measured) -> Priced:
        """Step 3: band or class, rate, area, distance, method, confidence, message and caveats."""
        scheme = self.scheme
        n = len(measured.rows)
        caveats = np.full(n, "", dtype=object)
        if scheme.demonstration:
            caveats[:] = f"{scheme.title}: a demonstration of the method, not a council's rates"
        area = area_text(measured.where, scheme)
        minutes, road_miles = _drive(measured.surgery)
        if scheme.method == SchemeMethod.FLAT:
            rate = hourly_rate(scheme)
            label = scheme.priced(scheme.default_rate).label if scheme.default_rate else "Flat"
            priced = Priced(
                band=np.full(n, label, dtype=object),
                rate=np.full(n, str(rate), dtype=object),
                message=np.full(n, f"{label}: £{rate} an hour", dtype=object),
                caveats=caveats,
                area=area,
            )
        elif scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS:
            priced = self._radius(measured.where, caveats, area)
        else:
            priced = self._bands(measured.where, measured.surgery, caveats, area)
        # a nearer surgery beyond the road extract's cut edge: said wherever a road distance is
        beyond = self.surgeries.beyond_text(measured.surgery, measured.xy)
        confidence = priced.confidence
        if confidence is not None and scheme.method == SchemeMethod.ROAD_DISTANCE_BANDS:
            unsure = np.where(beyond != "", Confidence.APPROXIMATE, _NONE)
            confidence = answer_confidence(confidence, unsure)
        return replace(
            priced,
            caveats=_join(priced.caveats, beyond),
            confidence=confidence,
            drive_minutes=minutes,
            road_miles=road_miles,
        )

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
        return Answer.from_row(str(query), {c: cols[c][0] for c in CLASSIFY_COLUMNS})

    def classify_many(self, values: Sequence[object] | pd.Series) -> pd.DataFrame:
        """Geocode and classify many inputs; one row per input, in order.

        Returns
        -------
        DataFrame
            :data:`CLASSIFY_COLUMNS`; ``rate`` as text in pounds (e.g. ``"19.68"``),
            ``distance_miles`` and ``road_miles`` rounded to 2 decimals,
            ``drive_minutes`` to 1, ``caveats`` joined by ``"; "``.

        """
        index = values.index if isinstance(values, pd.Series) else None
        # object columns as made: inferring pandas' text dtype would copy every one
        out = pd.DataFrame(self._columns(self.locate(values)), index=index, dtype=object)
        numbers = list(_NUMBER_COLUMNS)
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
        cols["scheme"] = np.full(n, self.scheme.id, dtype=object)
        geo = located.geocoded
        for c in ("lat", "lon", "easting", "northing", "precision", "matched"):
            cols[c] = geo[c]
        cols["status"] = np.asarray(geo["status"], dtype=object).copy()
        cols["message"] = np.asarray(geo["message"], dtype=object).copy()
        warnings = np.asarray(geo["warnings"], dtype=object)
        cols["caveats"] = np.where(pd.isna(warnings), "", warnings).astype(object)
        if located.ok.any():
            # each distinct point is measured and priced once
            rows = np.flatnonzero(located.ok)
            points, of = unique_points(located.xy[rows])
            measured = self.measure(Located.points(points))
            priced = self.price(measured)
            names = self._district_names
            district = np.array([names.get(d) for d in measured.district], dtype=object)
            cols["district"][rows] = district[of]
            for column, texts in measured.rurality.items():
                cols[column][rows] = texts[of]
            cols["nearest_surgery"][rows] = measured.surgery.label[of]
            for column, labels in measured.zones.items():
                cols[str(column)][rows] = labels[of]
            for f in fields(priced):
                value = getattr(priced, f.name)
                if value is not None and f.name != "caveats":
                    cols[f.name][rows] = value[of]
            cols["caveats"][rows] = _join(cols["caveats"][rows], priced.caveats[of])
            band = priced.band[of]
            cols["status"][rows] = np.where(pd.isna(band), Status.ERROR, Status.OK)
            cols["message"][rows] = priced.message[of]
        location, cols["located_by"] = self._location(geo)
        answered = cols["status"] == Status.OK
        confidence = answer_confidence(location, cols["confidence"])
        cols["confidence"] = np.where(answered, confidence, _NONE).astype(object)
        self._coarse(cols, geo)
        outside = cols["status"] == Status.OUTSIDE_REGION
        cols["caveats"][outside] = _join(
            cols["caveats"][outside],
            np.full(outside.sum(), f"outside the scheme's area ({self.region.spec.title})"),
        )
        return cols

    # -- how sure, and the answers of coarse locations ---------------------------------------

    def _location(self, geo: Mapping[str, Objects]) -> tuple[Objects, Objects]:
        """Each row's location confidence and ``located_by`` words; None where not located.

        :data:`LOCATION_CONFIDENCE` by precision, with the two cases precision
        alone does not settle: a terminated postcode placed at its LSOA (not its
        output area), and a grid reference by the size of its square.
        """
        precision = np.asarray(geo["precision"], dtype=object)
        matched = np.asarray(geo["matched"], dtype=object)
        confidence = _lookup(precision, LOCATION_CONFIDENCE, None)
        located_by = _lookup(precision, _LOCATED_BY, None)
        gone = np.flatnonzero(precision == "terminated")
        if len(gone):
            index = self.geocoder.index
            keys = np.array([str(m).replace(" ", "") for m in matched[gone]], dtype=str)
            found = index.find_terminated(keys)
            by_lsoa = (found >= 0) & (index.terminated_basis[np.maximum(found, 0)] == b"lsoa")
            located_by[gone[by_lsoa]] = "terminated postcode, at its LSOA's centre"
        for i in np.flatnonzero(precision == "grid_reference"):
            metres = 10 ** (5 - len(str(matched[i]).split()[1]))
            square = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
            located_by[i] = f"grid reference, at the centre of its {square} square"
            if metres >= COARSE_GRID_M:
                confidence[i] = Confidence.APPROXIMATE
        return confidence, located_by

    def _coarse(self, cols: dict[str, Objects], geo: Mapping[str, Objects]) -> None:
        """Answer sectors and districts by their range of bands, places with their shares.

        Rows answered (status ``ok``) at a postcode sector's or district's centre
        become ``imprecise``: the band is the range of bands over the region's
        live postcodes of that sector or district (:meth:`Geocoder.area_postcodes`),
        the rate is given only when they share one, and the message gives their
        distances. A place keeps the band at its centre and gains the share of its
        postcodes in each band (:meth:`Geocoder.place_postcodes`; not under a flat
        scheme, whose rate is one everywhere). Each distinct sector, district or
        place is measured once, all together.
        """
        precision = np.asarray(geo["precision"], dtype=object)
        ok = cols["status"] == Status.OK
        coarse = np.flatnonzero(ok & ((precision == "sector") | (precision == "district")))
        places = np.flatnonzero(ok & (precision == "place"))
        if self.scheme.method == SchemeMethod.FLAT:
            places = places[:0]
        if not len(coarse) and not len(places):
            return
        area_of, areas = pd.factorize(pd.Series(cols["matched"][coarse], dtype=object))
        points = np.column_stack([cols["easting"][places], cols["northing"][places]])
        place_of, centres = pd.factorize(pd.Series([f"{e} {n}" for e, n in points], dtype=object))
        centre_xy = [points[place_of == k][0] for k in range(len(centres))]
        spreads = self._spreads(
            [self.geocoder.area_postcodes(str(a)) for a in areas]
            + [self.geocoder.place_postcodes(float(e), float(n)) for e, n in centre_xy]
        )
        for k, area in enumerate(areas):
            self._range_answer(cols, geo, coarse[area_of == k], str(area), spreads[k])
        for k in range(len(centres)):
            self._place_answer(cols, places[place_of == k], spreads[len(areas) + k])

    def _spreads(self, sets: list[Floats]) -> list[_Spread]:
        """The band, rate and miles of each point of each set (EPSG:27700 metres), in one pass."""
        sizes = [len(s) for s in sets]
        if not sum(sizes):
            return [_Spread.of(np.empty(0, dtype=object), None, None, self.scheme)] * len(sets)
        priced = self.price(self.measure(Located.points(np.concatenate(sets))))
        bounds = np.cumsum([0, *sizes])
        return [
            _Spread.of(
                priced.band[a:b],
                priced.rate[a:b],
                None if priced.distance_miles is None else priced.distance_miles[a:b],
                self.scheme,
            )
            for a, b in itertools.pairwise(bounds)
        ]

    def _range_answer(
        self,
        cols: dict[str, Objects],
        geo: Mapping[str, Objects],
        rows: npt.NDArray[np.intp],
        area: str,
        spread: _Spread,
    ) -> None:
        """The answer of ``rows``, located at the centre of postcode sector or district ``area``."""
        kind = "sector" if " " in area else "district"
        unknown = np.asarray(geo["unknown_postcode"], dtype=object)[rows]
        lead = np.array(
            ["" if pd.isna(u) else f"{u} is not a postcode; " for u in unknown], dtype=object
        )
        cols["confidence"][rows] = Confidence.RANGE
        cols["band_shares"][rows] = spread.shares
        for c in _POINT_COLUMNS:
            cols[c][rows] = None
        if not spread.labels:
            cols["band"][rows] = cols["rate"][rows] = cols["confidence"][rows] = None
            cols["status"][rows] = Status.ERROR
            cols["message"][rows] = (
                lead + f"postcode {kind} {area} has no live postcode in "
                f"{self.region.spec.title} to answer for it"
            )
            return
        band = _band_range(spread.labels)
        if spread.miles is None:
            reach = f"answer {band}"
        else:
            low, high = spread.miles
            span = f"{low:.2f}" if low == high else f"{low:.2f}-{high:.2f}"
            method = cols["method"][rows[0]]
            how = (
                "in a straight line from their nearest centre"
                if method == DistanceMethod.STRAIGHT_LINE
                else f"({method}) from their nearest surgery"
            )
            reach = f"lie {span} miles {how}"
        cols["band"][rows] = band
        cols["rate"][rows] = spread.rate
        cols["status"][rows] = Status.IMPRECISE
        cols["message"][rows] = f"{band}: " + lead + f"the live postcodes of {kind} {area} {reach}"
        cols["caveats"][rows] = _join(
            cols["caveats"][rows],
            np.full(
                len(rows),
                f"district, zone, lot and PCN are those at the centre of postcode {kind} {area}",
            ),
        )

    def _place_answer(
        self, cols: dict[str, Objects], rows: npt.NDArray[np.intp], spread: _Spread
    ) -> None:
        """The answer of ``rows``, located at one place's centre: its band there and its shares."""
        first = rows[0]
        head = f"{cols['matched'][first]}: {cols['band'][first]} at the centre"
        miles = cols["distance_miles"][first]
        if not pd.isna(miles):
            # the drive is that of the distance only when the distance is the surgery's
            by_surgery = self.scheme.method == SchemeMethod.ROAD_DISTANCE_BANDS
            minutes = cols["drive_minutes"][first] if by_surgery else np.nan
            head += f", {miles:.2f} miles ({_how(cols['method'][first], [minutes])[0]})"
        cols["message"][rows] = f"{head}; {spread.sentence}"
        cols["band_shares"][rows] = spread.shares

    # -- pricing rules -----------------------------------------------------------------------

    def _radius(self, where: Where, caveats: Objects, area: Objects) -> Priced:
        scheme = self.scheme
        pts = where.xy
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
        outside = ~banding_applies(where, scheme)
        elsewhere = scheme.elsewhere
        if elsewhere is not None and outside.any():
            names[outside], rates[outside] = elsewhere.label, str(elsewhere.rate)
            caveats = _join(caveats, np.where(outside, area_caveat(scheme), ""))
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
            area=area,
            distance_miles=np.round(miles, 2).astype(object),
            method=np.full(len(pts), DistanceMethod.STRAIGHT_LINE, dtype=object),
            confidence=np.where(edge, Confidence.NEAR_RADIUS, Confidence.EXACT).astype(object),
        )

    def _bands(
        self, where: Where, surgery: SurgeryDistances, caveats: Objects, area: Objects
    ) -> Priced:
        scheme = self.scheme
        n = len(where.xy)
        metres, spread, method = surgery.metres, surgery.spread_m, self.surgeries.method
        estimate = method == DistanceMethod.ESTIMATE
        if estimate:
            caveats = _join(caveats, np.full(n, self.surgeries.estimate_caveat))
        labels, rates = band_for_distance(metres, scheme, where)
        by_distance, _ = band_for_distance(metres, scheme)
        applies = banding_applies(where, scheme)
        edge = near_edge(metres, scheme, spread) & applies
        confidence = np.where(
            edge, Confidence.NEAR_BAND_EDGE, Confidence.ESTIMATE if estimate else Confidence.EXACT
        ).astype(object)
        caveats = _join(
            caveats, np.where(edge, "near a band edge: the neighbouring band is possible", "")
        )
        if scheme.elsewhere is not None:
            caveats = _join(caveats, np.where(applies, "", area_caveat(scheme)))
        miles = metres / METRES_PER_MILE
        unreached = ~np.isfinite(metres)
        how = _how(method, np.round(surgery.minutes, 1))
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
            + " miles ("
            + how
            + ") from "
            + surgery.label.astype(str),
        ).astype(object)
        return Priced(
            band=np.where(unreached & applies, _NONE, labels).astype(object),
            rate=np.array([None if r is None else str(r) for r in rates], dtype=object),
            message=message,
            caveats=caveats,
            area=area,
            distance_band=by_distance,
            distance_miles=np.where(unreached, _NONE, np.round(miles, 2)).astype(object),
            method=np.full(n, method, dtype=object),
            confidence=confidence,
        )


def answer_confidence(location: npt.ArrayLike, measured: npt.ArrayLike) -> Objects:
    """The least sure of each row's location and measurement confidence.

    Parameters
    ----------
    location, measured : array-like of Confidence or None
        Per row: how sure the location is (:data:`LOCATION_CONFIDENCE`) and how
        sure the band is from where the point lies (exact, estimate, near band
        edge, near radius); None where one says nothing.

    Returns
    -------
    ndarray of object
        The later of the two in :class:`~geozones._vocab.Confidence`'s order
        (exact, estimate, approximate, near radius, near band edge, range);
        None where both are None.

    """
    worst = np.maximum(*(_lookup(a, _SURENESS, -1, np.int64) for a in (location, measured)))
    return np.where(worst >= 0, _BY_SURENESS[np.maximum(worst, 0)], _NONE).astype(object)


def _lookup(
    values: npt.ArrayLike, table: Mapping[Any, Any], missing: Any, dtype: type = object
) -> npt.NDArray[Any]:
    """``table[v]`` of each value as ``dtype`` (``missing`` for None, NaN or a value not in it)."""
    flat = np.asarray(values, dtype=object).reshape(-1)
    if len(flat) <= _FEW_ROWS:
        return np.array([table.get(v, missing) for v in flat], dtype=dtype)
    codes, uniques = pd.factorize(flat)  # a long column of few values: each looked up once
    return np.array([*(table.get(u, missing) for u in uniques), missing], dtype=dtype)[codes]


@dataclass(frozen=True)
class _Spread:
    """The bands over a set of live postcodes: what a sector, district or place answer says.

    Attributes
    ----------
    labels : tuple of str
        The band labels present, in the scheme's order.
    rate : str or None
        The one hourly rate (pounds, as text) the banded postcodes share, else None.
    miles : (float, float) or None
        Lowest and highest distance of the banded postcodes (miles), None without one.
    counts : tuple of (str, int)
        Postcodes per label in order, then :data:`NO_BAND` ones, if any.

    """

    labels: tuple[str, ...]
    rate: str | None
    miles: tuple[float, float] | None
    counts: tuple[tuple[str, int], ...]

    @classmethod
    def of(
        cls, band: Objects, rate: Objects | None, miles: Objects | None, scheme: Scheme
    ) -> _Spread:
        """The spread of postcodes priced with ``band``, ``rate`` and ``miles`` (per postcode)."""
        banded = ~pd.isna(band)
        present = set(band[banded])
        known = [b.label for b in scheme.bands]
        labels = tuple([lb for lb in known if lb in present] + sorted(present - set(known)))
        rates = set() if rate is None else {str(r) for r in rate[banded]}
        reach = None
        if miles is not None:
            values = pd.to_numeric(pd.Series(miles[banded], dtype=object)).to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            reach = (float(values.min()), float(values.max())) if len(values) else None
        counts = [(lb, int((band[banded] == lb).sum())) for lb in labels]
        if not banded.all():
            counts.append((NO_BAND, int((~banded).sum())))
        return cls(labels, rates.pop() if len(rates) == 1 else None, reach, tuple(counts))

    @property
    def total(self) -> int:
        """How many postcodes."""
        return sum(c for _, c in self.counts)

    @property
    def shares(self) -> str | None:
        """``"29 postcodes: Band 1 45%, Band 2 55%"``; None without postcodes."""
        if not self.total:
            return None
        parts = ", ".join(f"{lb} {_percent(c, self.total)}" for lb, c in self.counts)
        return f"{self.total:,} postcodes: {parts}"

    @property
    def sentence(self) -> str:
        """The shares as a place's answer says them ("45% of its 29 postcodes are Band 1, ...")."""
        n = self.total
        if not n:
            return "no live postcode lies within its extent"
        (first, count), *rest = self.counts
        if n == 1:
            return f"its one postcode is {first}"
        if not rest:
            return f"all {n:,} of its postcodes are {first}"
        others = ", ".join(f"{_percent(c, n)} {lb}" for lb, c in rest)
        return f"{_percent(count, n)} of its {n:,} postcodes are {first}, {others}"


def _percent(count: int, total: int) -> str:
    """``count`` of ``total`` as a whole percentage; never 0% or 100% for a part."""
    share = 100 * count / total
    if 0 < share < 0.5:
        return "<1%"
    if count < total and share >= 99.5:
        return ">99%"
    return f"{int(share + 0.5)}%"


def _band_range(labels: Sequence[str]) -> str:
    """Band labels (in the scheme's order) as one range.

    Numbered labels sharing their words become a span (``"Band 1"``, ``"Band 2"``
    -> ``"Band 1-2"``); other labels are joined by "or" (``"Urban or Rural"``,
    ``"Band 1 or Spot rate (outside the Central Belt)"``).
    """
    parts: list[tuple[str, list[int]]] = []
    for label in labels:
        m = re.fullmatch(r"(.*\D)(\d+)", label)
        if m is None:
            parts.append((label, []))
            continue
        numbers = next((ns for words, ns in parts if ns and words == m[1]), None)
        if numbers is None:
            parts.append((m[1], [int(m[2])]))
        else:
            numbers.append(int(m[2]))
    return " or ".join(
        words if not ns else f"{words}{min(ns)}" + (f"-{max(ns)}" if len(ns) > 1 else "")
        for words, ns in parts
    )


def _drive(surgery: SurgeryDistances) -> tuple[Objects, Objects]:
    """Each point's drive minutes (1 decimal) and road miles (2 decimals); None where unmeasured."""
    measured = np.isfinite(surgery.metres) & np.isfinite(surgery.minutes)
    minutes = np.where(measured, np.round(surgery.minutes, 1), _NONE).astype(object)
    miles = np.round(surgery.metres / METRES_PER_MILE, 2)
    return minutes, np.where(measured, miles, _NONE).astype(object)


def _how(method: object, minutes: npt.ArrayLike) -> Objects:
    """How each distance was measured, with its drive minutes: ``"road, 12 min"``.

    ``minutes`` (float, or None) are said in whole minutes, halves rounded up,
    and ``"<1 min"`` under half a minute; where there are none (None or NaN)
    only the method is said.
    """
    values = np.asarray(minutes, dtype=float)
    known = np.isfinite(values)
    whole = np.char.mod("%d", np.floor(np.where(known, values, 0.0) + 0.5).astype(np.int64))
    said = np.where(values < 0.5, "<1", whole).astype(object)
    return np.where(known, f"{method}, " + said + " min", str(method)).astype(object)


def _miles_text(miles: Floats) -> Objects:
    """Miles as text with two decimals (``"2.63"``)."""
    return np.char.mod("%.2f", np.asarray(miles, dtype=float)).astype(object)


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
