"""Distance from any point to the nearest GP surgery of a region, by road or estimated.

One place answers "how far is the nearest surgery, and which is it?" for the
classifier, the band areas and the ``band`` command, so they always agree.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from geozones.circuity import load_circuity
from geozones.distance import NearestFacility
from geozones.region import RegionData
from geozones.settings import METRES_PER_MILE, build_dir

#: A priced distance closer than this to a band edge or radius gets a caveat (metres):
#: a postcode's point is the centroid of its addresses, so a door can be this far off.
EDGE_CAVEAT_M = 0.1 * METRES_PER_MILE
#: Values of ``NearestSurgery.method``.
ROAD, ESTIMATE = "road", "straight-line estimate"


class NearestSurgery:
    """Distance from points to the nearest GP surgery of a region, and which surgery.

    By road (:class:`~geozones.distance.NearestFacility`, addresses on detached
    road pieces snapped to the nearest road a surgery reaches) where the region
    has a network, method ``road``; otherwise the straight-line distance to the
    nearest surgery times the measured circuity (:mod:`geozones.circuity`),
    method ``straight-line estimate``, with the spread of that factor.

    Parameters
    ----------
    region : RegionData
        A built region (its ``gp_practices`` include those in the buffer).
    build : Path, optional
        Build folder holding ``circuity.json`` (needed without a network).

    """

    def __init__(self, region: RegionData, build: Path | None = None) -> None:
        self.region = region
        self.build = build_dir(build)
        self.practices = region.gp_practices.reset_index(drop=True)
        self.method = ROAD if region.network is not None else ESTIMATE
        self.estimate_caveat = (
            f"estimate: no road network for {region.spec.title}; straight-line distance "
            "times the circuity measured on the road networks geozones has"
        )

    @cached_property
    def _road(self) -> NearestFacility:
        return NearestFacility(self.region.network, self.practices, reachable_only=True).solve()

    @cached_property
    def _tree(self) -> cKDTree:
        p = self.practices.geometry
        return cKDTree(np.column_stack([p.x, p.y]))

    def measure(self, pts: np.ndarray, with_distance: bool = True) -> dict[str, np.ndarray]:
        """Nearest surgery of each point (EPSG:27700 metres, shape (n, 2)).

        With ``with_distance=False`` only the straight-line nearest surgery is
        found (for its name and PCN) and ``metres`` is NaN.

        Returns
        -------
        dict of arrays
            ``metres`` (road or estimated road distance; NaN when none),
            ``spread_m`` (uncertainty: :data:`EDGE_CAVEAT_M` by road, the
            circuity spread for an estimate), ``status`` (``ok``,
            ``unreachable``, ``off_network``), ``index`` (row in ``practices``),
            ``label`` ("name (code)") and ``pcn_name``.

        """
        straight, index = self._tree.query(pts)
        if not with_distance:
            metres = spread = np.full(len(pts), np.nan)
            status = np.full(len(pts), "ok", dtype=object)
        elif self.method == ROAD:
            metres, facility, _, status = self._road.nearest(pts)
            status = status.astype(object)
            index = np.where(facility >= 0, facility, index)
            spread = np.full(len(pts), EDGE_CAVEAT_M)
        else:
            metres, low, high = load_circuity(self.build).estimate(straight)
            spread = np.maximum(metres - low, high - metres)
            status = np.full(len(pts), "ok", dtype=object)
        label, pcn = self._labels
        return {
            "metres": metres,
            "spread_m": spread,
            "status": status,
            "index": index,
            "label": label[index],
            "pcn_name": pcn[index],
        }

    @cached_property
    def _labels(self) -> tuple[np.ndarray, np.ndarray]:
        """Each practice's "name (code)" and PCN name, as object arrays."""
        p = self.practices
        return (
            (p["name"] + " (" + p["code"] + ")").to_numpy(dtype=object),
            p["pcn_name"].to_numpy(dtype=object),
        )
