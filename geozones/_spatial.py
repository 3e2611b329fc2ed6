"""Which unit (LSOA or ward) a point lies in: one rule for every stage.

A point belongs to the unit polygon it intersects (on a shared edge, the unit
first in the layer's order). A point in no polygon takes the nearest unit within
:data:`UNIT_SNAP_M`: the LSOA polygons are the ONS super generalised cut (about
200 m), so postcodes along the coast and the county edge can lie a few hundred
metres outside every unit. Beyond that the point has no unit. The region
build, lookups, the balancer's demand and the web API all use
:class:`UnitIndex`, so they put the same point in the same unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

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
