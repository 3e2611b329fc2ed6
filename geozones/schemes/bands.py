"""Price-band classifiers that need no network: distances in, bands out.

Every distance is in metres and every coordinate in British National Grid
(EPSG:27700). The functions are vectorised over numpy arrays.

Where a scheme's bands apply is its declared area (``[applies]``, see
:mod:`geozones.schemes.scheme`): :class:`Where` holds the codes of the unit
each point lies in and the point itself, :func:`banding_applies` decides by
the area's kind (by the unit for districts, CCGs and LSOAs; by the point for a
polygon) and :func:`area_text` says in words which area applied.

Float coordinates carry rounding error of about 1e-11 m at BNG magnitudes, so a
point built exactly on a band edge or radius can land a hair either side of it.
Distances within :data:`EDGE_TOLERANCE_M` (one micrometre, far below the
precision of any address point) of an edge are treated as exactly on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import DataError, InputError
from geozones._vocab import AreaKind, SchemeMethod
from geozones.regions.specs import get_region_spec
from geozones.schemes.scheme import BandingArea, Scheme

__all__ = [
    "EDGE_TOLERANCE_M",
    "Where",
    "area_caveat",
    "area_description",
    "area_text",
    "band_for_distance",
    "band_index",
    "banding_applies",
    "check_area",
    "near_edge",
    "urban_rural",
]

#: Distances this close to a band edge or radius (metres) count as exactly on it.
EDGE_TOLERANCE_M = 1e-6

Objects = npt.NDArray[np.object_]
Floats = npt.NDArray[np.float64]

#: None as a 0-d object array, for ``np.where`` (numpy's stubs refuse a bare None there).
_NONE: Objects = np.array(None, dtype=object)
#: What one and many of each kind of area are called in answers.
_KIND_WORDS = {
    AreaKind.DISTRICT: ("district", "districts"),
    AreaKind.CCG: ("CCG area", "CCG areas"),
    AreaKind.LSOA: ("LSOA", "LSOAs"),
    AreaKind.POLYGON: ("polygon", "polygon"),
}


@dataclass(frozen=True)
class Where:
    """Where n points lie, in every term a scheme's area can be declared in.

    Attributes
    ----------
    district, ccg, lsoa : ndarray of object
        LAD 2013 code, CCG code (April 2019, e.g. "06W") and LSOA 2011 code of
        the unit each point lies in; None where a point lies in no unit.
    xy : ndarray of float64, shape (n, 2)
        The points, EPSG:27700 metres (a polygon area is decided by them).

    """

    district: Objects
    ccg: Objects
    lsoa: Objects
    xy: Floats

    #: The columns of a units layer :meth:`in_units` reads.
    UNIT_COLUMNS: ClassVar[tuple[str, ...]] = ("district", "ccg", "code")

    @classmethod
    def in_units(
        cls,
        units: pd.DataFrame | Mapping[str, Objects],
        position: npt.ArrayLike,
        xy: npt.ArrayLike,
    ) -> Where:
        """The codes of each point's unit.

        Parameters
        ----------
        units : DataFrame or mapping of str to ndarray
            A region's units layer, or its :data:`UNIT_COLUMNS` as arrays
            (``district``, ``ccg``, ``code``).
        position : array_like of int
            Row of ``units`` each point lies in (the rule of
            :class:`geozones._spatial.UnitIndex`), -1 for none.
        xy : array_like, shape (n, 2)
            The points, EPSG:27700 metres.

        """
        if "ccg" not in units:
            raise DataError(
                "the region's units have no ccg column (built before CCG areas); "
                "rebuild it with: geozones data build --region R"
            )
        pos = np.asarray(position, dtype=np.int64).reshape(-1)
        inside = pos >= 0

        def codes(column: str) -> Objects:
            values = np.asarray(units[column], dtype=object)
            return np.where(inside, values[np.maximum(pos, 0)], _NONE).astype(object)

        points = np.asarray(xy, dtype=float).reshape(-1, 2)
        return cls(codes("district"), codes("ccg"), codes("code"), points)


def _distances(distance_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return ``distance_m`` as a float64 array; raise InputError for negative values."""
    try:
        d = np.asarray(distance_m, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"distances must be numbers of metres: {exc}") from None
    negative = d < 0
    if negative.any():
        raise InputError(
            f"distances must not be negative; got {int(negative.sum())} negative value(s), "
            f"e.g. {d[negative].flat[0]} m"
        )
    return d


def _road_edges(scheme: Scheme) -> npt.NDArray[np.float64]:
    if scheme.method != SchemeMethod.ROAD_DISTANCE_BANDS:
        raise InputError(
            f"scheme {scheme.id} uses method {scheme.method}, not road-distance-bands; "
            "band_for_distance needs a scheme with distance bands"
        )
    return scheme.edges_m


def band_index(distance_m: npt.ArrayLike, scheme: Scheme) -> npt.NDArray[np.int64]:
    """Index into ``scheme.bands`` of each road distance.

    Parameters
    ----------
    distance_m : array_like of float
        Road distances in metres to the nearest centre; NaN or infinite where a
        point has no distance (e.g. not connected to the road network).
    scheme : Scheme
        A ``road-distance-bands`` scheme.

    Returns
    -------
    numpy.ndarray of int64
        Same shape as ``distance_m``; -1 where the distance is NaN or infinite.
        A distance exactly on an edge is in the higher band.

    """
    d = _distances(distance_m)
    edges = _road_edges(scheme) - EDGE_TOLERANCE_M
    index = np.searchsorted(edges, d, side="right").astype(np.int64)
    return np.where(np.isfinite(d), index, -1)


def _area(scheme: Scheme) -> BandingArea:
    if scheme.area is None:
        raise InputError(
            f"scheme {scheme.id} uses method {scheme.method}: it declares no area where bands apply"
        )
    return scheme.area


def banding_applies(where: Where, scheme: Scheme) -> npt.NDArray[np.bool_]:
    """Whether the scheme's bands apply at each point, by its declared area.

    Parameters
    ----------
    where : Where
        The unit codes and the EPSG:27700 coordinates of n points.
    scheme : Scheme
        A banded scheme (its ``area`` says where banding applies).

    Returns
    -------
    numpy.ndarray of bool
        True everywhere for an area covering the whole region; by the unit's
        district, CCG or LSOA code for those areas (False for a point in no
        unit); for a polygon area, True inside or on the polygon.

    """
    area = _area(scheme)
    n = len(where.xy)
    if area.whole_region:
        return np.ones(n, dtype=bool)
    if area.kind == AreaKind.POLYGON:
        import shapely  # loads only for a polygon area

        inside = np.zeros(n, dtype=bool)
        ok = np.isfinite(where.xy).all(axis=1)
        if area.polygon is not None and ok.any():
            inside[ok] = shapely.intersects_xy(area.polygon, where.xy[ok, 0], where.xy[ok, 1])
        return inside
    declared = frozenset(area.codes)
    codes = _codes(where, area.kind)
    return np.fromiter((c in declared for c in codes), dtype=bool, count=len(codes))


def _codes(where: Where, kind: AreaKind) -> Objects:
    """The unit codes of the points in the terms of an area of ``kind``."""
    by_kind = {AreaKind.DISTRICT: where.district, AreaKind.CCG: where.ccg}
    return by_kind.get(kind, where.lsoa)


def _in_sentence(label: str) -> str:
    """A rate's label inside a sentence: without a closing parenthesis, a capital lowered."""
    words = re.sub(r"\s*\([^()]*\)$", "", label)
    return words[:1].lower() + words[1:] if words[1:2].islower() else words


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _ccg_name(name: str) -> str:
    """A CCG's name without the NHS prefix ("NHS Norwich CCG" -> "Norwich CCG")."""
    return name.removeprefix("NHS ")


def area_description(scheme: Scheme) -> str:
    """The declared area as a whole, in words.

    E.g. "Norwich, South Norfolk and North Norfolk CCG areas (April 2019)" or
    "the whole of Rutland"; a flat scheme's is the whole of its region.
    """
    spec = get_region_spec(scheme.region)
    area = scheme.area
    if area is None or area.whole_region:
        return f"the whole of {spec.title}"
    if area.kind == AreaKind.CCG:
        names = [_ccg_name(spec.ccgs[c]).removesuffix(" CCG") for c in area.codes]
        return f"{_join(names)} CCG areas ({area.vintage})"
    if area.kind == AreaKind.DISTRICT:
        return f"{_join([spec.districts[c] for c in area.codes])} districts"
    if area.kind == AreaKind.LSOA:
        return f"{len(area.codes)} LSOAs"
    file = area.polygon_file.name if area.polygon_file is not None else "?"
    return f"the polygon of {file}"


def area_caveat(scheme: Scheme) -> str:
    """The caveat of an answer paid the elsewhere rate (empty where there is none).

    E.g. "Spot rate (outside the Central Belt): banding applies only in the
    Central Belt CCG areas".
    """
    area, rate = scheme.area, scheme.elsewhere
    if area is None or rate is None:
        return ""
    return f"{rate.label}: banding applies only in the {area.name} {_KIND_WORDS[area.kind][1]}"


def area_text(where: Where, scheme: Scheme) -> Objects:
    """Which area applied at each point, in words (the answers' ``area``).

    Parameters
    ----------
    where : Where
        The unit codes and EPSG:27700 coordinates of n points.
    scheme : Scheme
        Any scheme; a flat one, or one whose area is its whole region, applies
        "the whole of <region>" everywhere.

    Returns
    -------
    numpy.ndarray of object
        E.g. "Central Belt: Norwich CCG area (April 2019)" inside the area and
        "outside the Central Belt (Great Yarmouth and Waveney CCG area, April
        2019): spot rate" outside it.

    """
    spec = get_region_spec(scheme.region)
    area = scheme.area
    n = len(where.xy)
    if area is None or area.whole_region:
        whole = f"the whole of {spec.title}"
        return np.full(n, f"{area.name}: {whole}" if area and area.name else whole, dtype=object)
    rate = scheme.elsewhere
    paid = _in_sentence(rate.label) if rate is not None else "no band"
    applies = banding_applies(where, scheme)
    if area.kind == AreaKind.POLYGON:
        file = area.polygon_file.name if area.polygon_file is not None else "?"
        inside = f"{area.name}: inside {file}"
        return np.where(applies, inside, f"outside the {area.name} ({file}): {paid}").astype(object)
    vintage = area.vintage
    codes = _codes(where, area.kind)
    inside_text: dict[object, str] = {}
    outside_text: dict[object, str] = {}
    for code in {c for c in codes if isinstance(c, str)}:
        if area.kind == AreaKind.CCG:
            place = f"{_ccg_name(spec.ccgs.get(code, code))} area"
        elif area.kind == AreaKind.DISTRICT:
            place = f"{spec.districts.get(code, code)} district"
        else:
            place = f"LSOA {code}"
        inside_text[code] = f"{area.name}: {place}" + (f" ({vintage})" if vintage else "")
        outside_text[code] = (
            f"outside the {area.name} ({place}" + (f", {vintage}" if vintage else "") + f"): {paid}"
        )
    nowhere = f"outside the {area.name} (in no {_KIND_WORDS[area.kind][0]}): {paid}"
    return np.array(
        [
            (inside_text if applied else outside_text).get(code, nowhere)
            for code, applied in zip(codes, applies, strict=True)
        ],
        dtype=object,
    )


def check_area(scheme: Scheme, units: pd.DataFrame) -> None:
    """Fail when a scheme's LSOA area lists LSOAs that are not units of the region.

    Parameters
    ----------
    scheme : Scheme
        Any scheme (only an LSOA area is checked).
    units : DataFrame
        The units layer of the scheme's region (``code``).

    Raises
    ------
    DataError
        Naming the scheme file, the key and the LSOAs not in the region.

    """
    area = scheme.area
    if area is None or area.kind != AreaKind.LSOA:
        return
    known = set(units["code"])
    stray = [code for code in area.codes if code not in known]
    if stray:
        raise DataError(
            f"{scheme.path}: applies.lsoas: expected LSOA 2011 codes of region "
            f"{scheme.region}, got {', '.join(stray[:5])}{'...' if len(stray) > 5 else ''} "
            f"({len(stray)} not in the region)"
        )


def band_for_distance(
    distance_m: npt.ArrayLike,
    scheme: Scheme,
    where: Where | None = None,
) -> tuple[Objects, Objects]:
    """Band label and hourly rate of each road distance.

    Parameters
    ----------
    distance_m : array_like of float
        Road distances in metres (EPSG:27700 network) to the nearest centre.
    scheme : Scheme
        A ``road-distance-bands`` scheme, e.g. ``get_scheme("norfolk-2019")``.
    where : Where, optional
        Where each point lies (one per distance). Where given, points outside
        the scheme's area (:func:`banding_applies`) get the scheme's elsewhere
        rate (Norfolk's spot rate) whatever their distance.

    Returns
    -------
    labels : numpy.ndarray of object
        Band label (e.g. "Band 2") or the elsewhere rate's label; None where the
        distance is NaN or infinite and banding applies.
    rates : numpy.ndarray of object
        Hourly rate in pounds as :class:`~decimal.Decimal`, None where there is
        no band.

    """
    index = band_index(distance_m, scheme)
    labels = np.array([b.label for b in scheme.bands] + [None], dtype=object)
    rates = np.array([b.rate for b in scheme.bands] + [None], dtype=object)
    flat = index.reshape(-1)
    out_labels = labels[flat].reshape(index.shape)
    out_rates = rates[flat].reshape(index.shape)
    if where is not None:
        if index.shape != (len(where.xy),):
            raise InputError(
                f"where holds {len(where.xy)} points but distance_m has shape {index.shape}"
            )
        elsewhere = ~banding_applies(where, scheme)
        rate = scheme.elsewhere
        if elsewhere.any() and rate is not None:
            out_labels[elsewhere] = rate.label
            out_rates[elsewhere] = rate.rate
    return out_labels, out_rates


def near_edge(
    distance_m: npt.ArrayLike, scheme: Scheme, spread_m: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """Flag distances within ``spread_m`` of any band edge of the scheme.

    Used where a distance is an estimate (e.g. straight line instead of road):
    a flagged point could be in the neighbouring band.

    Parameters
    ----------
    distance_m : array_like of float
        Distances in metres; NaN is never flagged.
    scheme : Scheme
        A ``road-distance-bands`` scheme.
    spread_m : float or array_like of float
        Uncertainty in metres, one for all or one per distance; not negative.

    Returns
    -------
    numpy.ndarray of bool
        True where ``|distance - edge| <= spread`` for some edge.

    """
    d = _distances(distance_m)
    spread = _distances(spread_m)
    edges = _road_edges(scheme)
    gap = np.abs(d[..., np.newaxis] - edges)
    near: npt.NDArray[np.bool_] = np.any(gap <= spread[..., np.newaxis] + EDGE_TOLERANCE_M, axis=-1)
    return near


def _xy(name: str, xy: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(xy, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(
            f"{name} must be an (N, 2) array of EPSG:27700 x, y metres; got {arr.shape}"
        )
    return arr


def urban_rural(
    points_xy: npt.ArrayLike,
    centres_xy: npt.ArrayLike,
    radius_m: float,
    labels: tuple[str, str] = ("urban", "rural"),
) -> tuple[Objects, npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Classify points by straight-line distance to the nearest centre.

    A point is rural when it is MORE than ``radius_m`` from every centre; a
    point exactly on the radius is urban (Herefordshire's rule).

    Parameters
    ----------
    points_xy : numpy.ndarray, shape (N, 2)
        Points in EPSG:27700 metres; rows with NaN get no label.
    centres_xy : numpy.ndarray, shape (M, 2)
        Centre points in EPSG:27700 metres (e.g. Hereford and the market towns).
    radius_m : float
        Radius in metres (Herefordshire: 4 miles = 6,437.376 m, the scheme's
        ``centres.radius_m``).
    labels : tuple of str
        Labels for within and beyond the radius.

    Returns
    -------
    labels : numpy.ndarray of object
        ``labels[0]`` or ``labels[1]``; None for points with NaN coordinates.
    nearest : numpy.ndarray of int64
        Row of ``centres_xy`` nearest to each point; -1 for NaN points.
    distance_m : numpy.ndarray of float64
        Straight-line distance in metres to that centre; NaN for NaN points.

    """
    points = _xy("points_xy", points_xy)
    centres = _xy("centres_xy", centres_xy)
    if len(centres) == 0 or not np.isfinite(centres).all():
        raise InputError("centres_xy must hold at least one centre, all with finite coordinates")
    if not np.isfinite(radius_m) or radius_m <= 0:
        raise InputError(f"radius_m must be a positive number of metres; got {radius_m}")
    ok = np.isfinite(points).all(axis=1)
    distance = np.full(len(points), np.nan)
    nearest = np.full(len(points), -1, dtype=np.int64)
    if ok.any():
        from scipy.spatial import cKDTree  # loads only for radius schemes

        distance[ok], nearest[ok] = cKDTree(centres).query(points[ok], k=1)
    choices = np.array([labels[0], labels[1], None], dtype=object)
    pick = np.where(ok, (distance > radius_m + EDGE_TOLERANCE_M).astype(np.int64), 2)
    return choices[pick], nearest, distance
