"""Which unit (LSOA or ward) a point lies in: one rule for every stage.

A point belongs to the unit polygon it intersects (on a shared edge, the unit
first in the layer's order). A point in no polygon takes the nearest unit within
:data:`UNIT_SNAP_M`: the LSOA polygons are the ONS super generalised cut (about
200 m), so postcodes along the coast and the county edge can lie a few hundred
metres outside every unit. Beyond that the point has no unit. The region
build, lookups, the balancer's demand and the web API all use
:class:`UnitIndex`, so they put the same point in the same unit.

:class:`PointMemo` keeps what was computed for a fixed set of points (a
region's postcodes) and finds it again for the very same points;
:func:`unique_points` lets a batch compute each distinct point once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import shapely

#: A point in no unit polygon takes the nearest unit within this many metres.
UNIT_SNAP_M = 1000.0


class UnitIndex:
    """A spatial index over unit polygons (EPSG:27700) that places points in them.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        The unit polygons, in the layer's order.

    """

    def __init__(self, geoms: Sequence[shapely.Geometry] | npt.NDArray[np.object_]) -> None:
        self.geoms = np.asarray(geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms)

    def locate(self, xy: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The unit of each point, and how far outside it the point lies.

        Parameters
        ----------
        xy : array_like, shape (n, 2)
            Points in EPSG:27700 metres; rows with NaN are not placed.

        Returns
        -------
        position : ndarray of int64
            Position of the unit in ``geoms``, -1 where none is within
            :data:`UNIT_SNAP_M`.
        distance : ndarray of float64
            Metres from the point to that unit (0 inside it), NaN where none.

        """
        pts_xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        position = np.full(len(pts_xy), -1, dtype=np.int64)
        distance = np.full(len(pts_xy), np.nan)
        valid = np.flatnonzero(np.isfinite(pts_xy).all(axis=1))
        if not len(valid):
            return position, distance
        # the stub cannot tell an (n, 2) array from the coordinates of one point
        points = cast("npt.NDArray[np.object_]", shapely.points(pts_xy[valid]))
        point_i, unit_i = self.tree.query(points, predicate="intersects")
        order = np.lexsort((unit_i, point_i))
        point_i, unit_i = point_i[order], unit_i[order]
        first = np.unique(point_i, return_index=True)[1]
        position[valid[point_i[first]]] = unit_i[first]
        distance[valid[point_i[first]]] = 0.0
        loose = np.flatnonzero(position[valid] < 0)
        if len(loose):
            (near_i, near_unit), gap = self.tree.query_nearest(
                points[loose], max_distance=UNIT_SNAP_M, return_distance=True, all_matches=False
            )
            position[valid[loose[near_i]]] = near_unit
            distance[valid[loose[near_i]]] = gap
        return position, distance

    def positions(self, xy: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Only the unit positions of :meth:`locate` (-1 for none)."""
        return self.locate(xy)[0]


class PointMemo:
    """Per-point values computed once for a fixed set of points, found again by exact coordinates.

    What depends only on where a point is (its unit, nearest surgery, road
    distance) is the same every time that very point is asked about, so it can
    be computed once for points that recur, such as a region's postcodes, and
    looked up. A point is found only when both its coordinates are the same
    float64 values as a stored point's; any other point is computed as it
    would be without the memo.

    Parameters
    ----------
    xy : ndarray of float64, shape (n, 2)
        The points, EPSG:27700 metres, finite and distinct.
    values : mapping of str to ndarray
        Arrays of length n: each point's values, in the order of ``xy``.

    """

    def __init__(self, xy: npt.NDArray[np.float64], values: Mapping[str, npt.NDArray[Any]]) -> None:
        self.xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
        keys = _as_complex(self.xy)
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self.values = {k: np.asarray(v) for k, v in values.items()}

    def find(self, xy: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Row in ``xy`` of each point (EPSG:27700 metres, shape (m, 2)); -1 where not stored."""
        keys = _as_complex(np.ascontiguousarray(xy, dtype=float).reshape(-1, 2))
        if not len(self._sorted):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, keys), len(self._sorted) - 1)
        return np.where(self._sorted[at] == keys, self._order[at], -1).astype(np.int64)

    def apply(
        self,
        xy: npt.NDArray[np.float64],
        compute: Callable[[npt.NDArray[np.float64]], Mapping[str, npt.NDArray[Any]]],
    ) -> dict[str, npt.NDArray[Any]]:
        """Each point's values: stored ones looked up, ``compute(points)`` for the others.

        ``compute`` takes points of shape (k, 2) and returns arrays of length k
        with the keys (and dtypes) of the stored values; it is called only for
        points not stored, and not at all when every point is.
        """
        found = self.find(xy)
        hit = found >= 0
        out = {k: v[found[hit]] for k, v in self.values.items()}
        if hit.all():
            return out
        computed = compute(np.asarray(xy, dtype=float)[~hit])
        merged = {}
        for k, stored in out.items():
            column = np.empty(len(found), dtype=np.result_type(stored, computed[k]))
            column[hit], column[~hit] = stored, computed[k]
            merged[k] = column
        return merged


def unique_points(
    xy: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """The distinct points of ``xy`` (shape (n, 2), finite) and, per row, its distinct point.

    Two rows are the same point only when both coordinates are equal; ``xy`` is
    ``unique[inverse]``.
    """
    pts = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
    _, first, inverse = np.unique(_as_complex(pts), return_index=True, return_inverse=True)
    return pts[first], inverse.reshape(-1)


def _as_complex(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.complex128]:
    """Each (x, y) row as one complex number x + iy: sortable, and equal only when both are."""
    return xy.view(np.complex128).reshape(-1)
