"""Start-up caches of the distance stage: the solved surgery search and the nearest surgery.

Two things every lookup needs before its first answer cost far more than the
answer:

* :func:`solved_facility`: the one multi-source Dijkstra of
  :class:`~geozones.distance.facility.NearestFacility` (and its second one, by
  minutes, and the snapping of every facility to the network, and the graphs
  they run on). Its result, the road metres, facility, quickest drive minutes
  and shortest-drive predecessor of every network node plus each facility's
  snap, is cached beside the region (:mod:`geozones.regions.cache`); a later
  process restores a solved ``NearestFacility`` from it without building the
  graphs, and routes with it as a fresh one does.
* :class:`NearestPoint`: which of a few points (the surgeries) is nearest to
  each of many, as ``scipy.spatial.cKDTree(xy).query(pts)`` answers it, by
  brute force over the few points, so a lookup needs no scipy at all.

Both give exactly the answers of what they stand in for: the cached search
holds that search's own arrays (keyed by the build, the code and the
facilities), and the nearest point is computed with the very floating-point
operations cKDTree uses, deferring to cKDTree itself for every query whose
nearest distance is shared by two places.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from geozones.distance.facility import MAX_GAP_M, NearestFacility, Solved, points_xy
from geozones.regions.cache import (
    array_digest,
    cached_arrays,
    read_arrays,
    value_digest,
    write_arrays,
)

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

    from geozones.network.graph import RoadNetwork
    from geozones.regions.data import RegionData

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

#: The arrays of a solved-search entry with one value per network node (:class:`Solved`), and
#: the dtype each is restored as.
_PER_NODE: dict[str, type[np.generic]] = {
    "node_metres": np.float64, "node_facility": np.int64, "node_minutes": np.float64,
    "node_predecessor": np.int32,
}  # fmt: skip
#: Arrays a solved-search entry holds: each facility's snap, then each node's answer.
SOLVED_ARRAYS: tuple[str, ...] = ("edge", "along_m", "snap_gap_m", *_PER_NODE)
#: Rows of query points compared with all the places at once (bounds memory: rows x places).
CHUNK_ROWS = 8192
#: From this many query points on, cKDTree itself answers: loading scipy costs less than
#: comparing every point with every place (about 1 us a point for a county's surgeries).
KDTREE_ROWS = 50_000
#: The code a solved search depends on (snapping, the search, the points' checks, this module).
SOLVED_CODE: tuple[str, ...] = (
    "distance/cache.py", "distance/facility.py", "network/graph.py", "_validate.py",
    "_settings.py", "regions/cache.py",
)  # fmt: skip
#: The code cKDTree's picks among coincident places depend on.
POINT_CODE: tuple[str, ...] = ("distance/cache.py", "regions/cache.py")


class _SolvedFacility(NearestFacility):
    """A :class:`NearestFacility` restored from a cached search: already solved.

    ``NearestFacility.__init__`` is not run: what it and :meth:`solve` compute
    (the facilities' snap, the usable ones, the gap costs, the node distances,
    facilities, minutes and predecessors, and the reached edges) comes from the
    entry or is derived from it by the class's own methods; only the search
    graphs, needed by nothing once solved, are never built.
    """

    def __init__(
        self,
        network: RoadNetwork,
        facilities: gpd.GeoDataFrame,
        state: dict[str, npt.NDArray[Any]],
        *,
        max_gap_m: float,
        count_gap_beyond_m: float | None,
        reachable_only: bool,
    ) -> None:
        self.network = network
        self.facilities = facilities
        self.max_gap_m = max_gap_m
        self.count_gap_beyond_m = count_gap_beyond_m
        self.reachable_only = reachable_only
        self._take_snap(
            np.array(state["edge"], dtype=np.int64),
            np.array(state["along_m"], dtype=np.float64),
            np.array(state["snap_gap_m"], dtype=np.float64),
        )
        self.solved = Solved(**{k: np.array(state[k], dtype=t) for k, t in _PER_NODE.items()})
        self._reachable = self._reached_edges(self.solved.node_metres) if reachable_only else None


def solved_facility(
    region: RegionData,
    facilities: gpd.GeoDataFrame,
    *,
    max_gap_m: float = MAX_GAP_M,
    count_gap_beyond_m: float | None = None,
    reachable_only: bool = False,
) -> NearestFacility:
    """``NearestFacility(region.network, facilities, ...).solve()``, from the cache if it can be.

    Parameters
    ----------
    region : RegionData
        A built region with a road network.
    facilities : GeoDataFrame
        Facility points (EPSG:27700), as for :class:`NearestFacility`.
    max_gap_m, count_gap_beyond_m, reachable_only
        As for :class:`NearestFacility`.

    Returns
    -------
    NearestFacility
        Solved; the same answers as a fresh one. The first call for a build
        solves it and writes the entry (best effort); later processes read it.

    Raises
    ------
    InputError
        As :class:`NearestFacility` raises for unusable facilities.

    """
    network = region.network
    if network is None:
        raise ValueError(f"region {region.name} has no road network to search")
    xy = points_xy(facilities, "facilities")
    extra = {
        "kind": "nearest-facility",
        "facilities": array_digest(xy, np.asarray(facilities.index)),
        "max_gap_m": max_gap_m,
        "count_gap_beyond_m": count_gap_beyond_m,
        "reachable_only": reachable_only,
    }
    name = f"facility-{value_digest(extra)}.npz"
    options: dict[str, Any] = {
        "max_gap_m": max_gap_m,
        "count_gap_beyond_m": count_gap_beyond_m,
        "reachable_only": reachable_only,
    }
    state = read_arrays(region.path, name, extra, SOLVED_CODE)
    if state is not None and _fits(state, network, len(xy)):
        return _SolvedFacility(network, facilities, state, **options)
    solved = NearestFacility(network, facilities, **options)
    snap = solved.facility_snap
    arrays = {
        "edge": snap["edge"].to_numpy(dtype=np.int64),
        "along_m": snap["along_m"].to_numpy(dtype=np.float64),
        "snap_gap_m": snap["snap_gap_m"].to_numpy(dtype=np.float64),
        **solved._solution()._asdict(),  # solve(), with its arrays
    }
    write_arrays(region.path, name, arrays, extra, SOLVED_CODE)
    return solved


def _fits(state: dict[str, npt.NDArray[Any]], network: RoadNetwork, n_facilities: int) -> bool:
    """True when a restored entry has every array, sized for this network and these facilities."""
    if not all(k in state for k in SOLVED_ARRAYS):
        return False
    per_facility = all(len(state[k]) == n_facilities for k in ("edge", "along_m", "snap_gap_m"))
    per_node = all(len(state[k]) == network.n_nodes for k in _PER_NODE)
    return per_facility and per_node


class NearestPoint:
    """The nearest of a few places to each of many points, as scipy's cKDTree answers it.

    ``NearestPoint(xy, region_dir).query(pts)`` returns what
    ``cKDTree(xy).query(pts)`` returns (distance in the same units, position in
    ``xy``), bit for bit:

    * distances are ``sqrt(dx * dx + dy * dy)``, the operations cKDTree's
      two-dimensional Euclidean distance performs, in the same order;
    * where several places lie at one point (two practices at one address),
      cKDTree answers with one of them for every query, fixed by its tree;
      which one is found once with cKDTree and cached beside the region
      (``region_dir``), so later processes need no scipy;
    * a query whose nearest distance is shared by two different places, or that
      is not finite, is answered by cKDTree itself; so are :data:`KDTREE_ROWS`
      or more queries at once, where loading scipy is the cheaper way.

    Parameters
    ----------
    xy : array_like, shape (m, 2)
        The places (e.g. surgeries), EPSG:27700 metres.
    region_dir : Path, optional
        Where to cache the answer for coincident places (without one, cKDTree
        is built whenever places coincide).

    """

    def __init__(self, xy: npt.ArrayLike, region_dir: Path | None = None) -> None:
        self.xy = np.ascontiguousarray(np.asarray(xy, dtype=np.float64).reshape(-1, 2))
        self._tree: Any = None
        places, inverse, counts = np.unique(
            self.xy, axis=0, return_inverse=True, return_counts=True
        )
        self.places: Floats = places
        self._inverse: Ints = inverse.ravel().astype(np.int64)
        # the position of each unique point's place; where places coincide, cKDTree's pick
        first = np.full(len(places), -1, dtype=np.int64)
        first[self._inverse[::-1]] = np.arange(len(self.xy))[::-1]
        self.pick: Ints = first
        shared = np.flatnonzero(counts > 1)
        if len(shared):
            self.pick = self._shared_picks(shared, region_dir)

    def _shared_picks(self, shared: Ints, region_dir: Path | None) -> Ints:
        """``pick`` with cKDTree's answer at each point several places share (cached)."""

        def make() -> dict[str, npt.ArrayLike]:
            pick = self.pick.copy()
            pick[shared] = self._kdtree().query(self.places[shared])[1]
            return {"pick": pick}

        if region_dir is None:
            arrays: Mapping[str, npt.ArrayLike] = make()
        else:
            extra = {"kind": "nearest-point", "places": array_digest(self.xy)}
            name = f"nearest-point-{value_digest(extra)}.npz"
            arrays = cached_arrays(region_dir, name, make, extra, ("pick",), POINT_CODE)
        pick = np.asarray(arrays["pick"], dtype=np.int64)
        single = np.ones(len(self.places), dtype=bool)
        single[shared] = False
        fits = pick.shape == self.pick.shape and bool(
            np.array_equal(pick[single], self.pick[single])
            and (pick >= 0).all()
            and (pick < len(self.xy)).all()
            and np.array_equal(self._inverse[pick], np.arange(len(self.places)))
        )
        return np.array(pick if fits else make()["pick"], dtype=np.int64)

    def _kdtree(self) -> Any:
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self.xy)
        return self._tree

    def query(self, pts: npt.ArrayLike) -> tuple[Floats, Ints]:
        """Distance to and position (in ``xy``) of the nearest place of each point, shape (n, 2)."""
        q = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        n = len(q)
        distance = np.empty(n, dtype=np.float64)
        position = np.empty(n, dtype=np.int64)
        if not len(self.places) or n >= KDTREE_ROWS:
            d, i = self._kdtree().query(q)
            return np.asarray(d, dtype=np.float64), np.asarray(i, dtype=np.int64)
        unsure = np.zeros(n, dtype=bool)
        px, py = self.places[:, 0], self.places[:, 1]
        for start in range(0, n, CHUNK_ROWS):
            rows = slice(start, start + CHUNK_ROWS)
            dx = q[rows, 0:1] - px
            dy = q[rows, 1:2] - py
            d2 = dx * dx + dy * dy
            best = np.argmin(d2, axis=1)
            low = d2[np.arange(len(d2)), best]
            distance[rows] = np.sqrt(low)
            position[rows] = self.pick[best]
            unsure[rows] = ~np.isfinite(low) | ((d2 == low[:, None]).sum(axis=1) != 1)
        if unsure.any():
            d, i = self._kdtree().query(q[unsure])
            distance[unsure], position[unsure] = d, i
        return distance, position
