"""Price-band classifiers that need no network: distances in, bands out.

Every distance is in metres and every coordinate in British National Grid
(EPSG:27700). The functions are vectorised over numpy arrays.

Float coordinates carry rounding error of about 1e-11 m at BNG magnitudes, so a
point built exactly on a band edge or radius can land a hair either side of it.
Distances within :data:`EDGE_TOLERANCE_M` (one micrometre, far below the
precision of any address point) of an edge are treated as exactly on it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geozones._errors import InputError
from geozones._vocab import SchemeMethod
from geozones.schemes.scheme import Scheme

__all__ = [
    "EDGE_TOLERANCE_M",
    "band_for_distance",
    "band_index",
    "banding_applies",
    "near_edge",
    "urban_rural",
]

#: Distances this close to a band edge or radius (metres) count as exactly on it.
EDGE_TOLERANCE_M = 1e-6

Objects = npt.NDArray[np.object_]


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


def banding_applies(district_codes: npt.ArrayLike, scheme: Scheme) -> npt.NDArray[np.bool_]:
    """Whether the scheme's bands apply in each district.

    Parameters
    ----------
    district_codes : array_like of str
        LAD 2013 code of each point's district.
    scheme : Scheme
        A banded scheme (its ``banding_districts`` say where banding applies).

    Returns
    -------
    numpy.ndarray of bool

    """
    return np.isin(np.asarray(district_codes, dtype=object), scheme.banding_districts)


def band_for_distance(
    distance_m: npt.ArrayLike,
    scheme: Scheme,
    district_codes: npt.ArrayLike | None = None,
) -> tuple[Objects, Objects]:
    """Band label and hourly rate of each road distance.

    Parameters
    ----------
    distance_m : array_like of float
        Road distances in metres (EPSG:27700 network) to the nearest centre.
    scheme : Scheme
        A ``road-distance-bands`` scheme, e.g. ``get_scheme("norfolk-2019")``.
    district_codes : array_like of str, optional
        LAD 2013 code of each point. Where given, points outside the scheme's
        banding districts get the scheme's elsewhere rate (Norfolk's spot rate)
        whatever their distance.

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
    if district_codes is not None:
        codes = np.asarray(district_codes, dtype=object)
        if codes.shape != index.shape:
            raise InputError(
                f"district_codes has shape {codes.shape} but distance_m has shape {index.shape}"
            )
        elsewhere = ~banding_applies(codes, scheme)
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
