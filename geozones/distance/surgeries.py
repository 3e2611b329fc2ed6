"""Distance from any point to the nearest GP surgery of a region, by road or estimated.

One place answers "how far is the nearest surgery, and which is it?" for the
classifier, the band areas and the ``band`` command, so they always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geozones._settings import METRES_PER_MILE, build_dir
from geozones._vocab import DistanceMethod
from geozones.distance.cache import NearestPoint, solved_facility
from geozones.distance.circuity import load_circuity
from geozones.distance.facility import NearestFacility
from geozones.regions.data import RegionData

#: A priced distance closer than this to a band edge or radius gets a caveat (metres):
#: a postcode's point is the centroid of its addresses, so a door can be this far off.
EDGE_CAVEAT_M = 0.1 * METRES_PER_MILE


@dataclass(frozen=True)
class SurgeryDistances:
    """The nearest surgery of each of n points, and how far it is.

    Attributes
    ----------
    metres : ndarray of float64
        Road distance, or estimated road distance, in metres; NaN when there is none.
    spread_m : ndarray of float64
        Its uncertainty in metres: :data:`EDGE_CAVEAT_M` by road, the circuity
        spread for an estimate, NaN when no distance was asked for.
    status : ndarray of object
        ``ok``, ``unreachable`` or ``off_network``.
    index : ndarray of int64
        Row of the surgery in ``NearestSurgery.practices``.
    label : ndarray of object
        The surgery as "name (code)".
    pcn_name : ndarray of object
        The surgery's PCN.

    """

    metres: npt.NDArray[np.float64]
    spread_m: npt.NDArray[np.float64]
    status: npt.NDArray[np.object_]
    index: npt.NDArray[np.int64]
    label: npt.NDArray[np.object_]
    pcn_name: npt.NDArray[np.object_]


class NearestSurgery:
    """Distance from points to the nearest GP surgery of a region, and which surgery.

    By road (:class:`~geozones.distance.facility.NearestFacility`, addresses on detached
    road pieces snapped to the nearest road a surgery reaches) where the region
    has a network, method ``road``; otherwise the straight-line distance to the
    nearest surgery times the measured circuity (:mod:`geozones.distance.circuity`),
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
        self.method = DistanceMethod.ROAD if region.network is not None else DistanceMethod.ESTIMATE
        self.estimate_caveat = (
            f"estimate: no road network for {region.spec.title}; straight-line distance "
            "times the circuity measured on the road networks geozones has"
        )

    @cached_property
    def _road(self) -> NearestFacility | None:
        """Road distances to the practices, or None when the region has no network."""
        network = self.region.network
        if network is None:
            return None
        # solved once per build and cached beside it (geozones.distance.cache)
        return solved_facility(self.region, self.practices, reachable_only=True)

    @cached_property
    def _tree(self) -> NearestPoint:
        """Straight-line nearest practice, answering as ``cKDTree.query`` does (without scipy)."""
        p = self.practices.geometry
        return NearestPoint(np.column_stack([p.x, p.y]), self.region.path)

    def measure(self, pts: npt.NDArray[np.float64], with_distance: bool = True) -> SurgeryDistances:
        """Nearest surgery of each point (EPSG:27700 metres, shape (n, 2)).

        With ``with_distance=False`` only the straight-line nearest surgery is
        found (for its name and PCN) and ``metres`` is NaN.

        Returns
        -------
        SurgeryDistances

        """
        return self.labelled(self.raw(pts, with_distance))

    def raw(
        self, pts: npt.NDArray[np.float64], with_distance: bool = True
    ) -> dict[str, npt.NDArray[Any]]:
        """:meth:`measure` as plain arrays: ``metres``, ``spread_m``, ``status`` (str), ``index``.

        Plain so that they can be kept for points that recur
        (:class:`geozones._spatial.PointMemo`) and given to :meth:`labelled`.
        """
        straight, index = self._tree.query(pts)
        if not with_distance:
            metres = spread = np.full(len(pts), np.nan)
            status = np.full(len(pts), "ok")
        elif (road := self._road) is not None:
            metres, facility, _, status = road.nearest(pts)
            index = np.where(facility >= 0, facility, index)
            spread = np.full(len(pts), EDGE_CAVEAT_M)
        else:
            metres, low, high = load_circuity(self.build).estimate(straight)
            spread = np.maximum(metres - low, high - metres)
            status = np.full(len(pts), "ok")
        return {
            "metres": np.asarray(metres, dtype=float),
            "spread_m": np.asarray(spread, dtype=float),
            "status": np.asarray(status, dtype=str),
            "index": np.asarray(index, dtype=np.int64),
        }

    def labelled(self, raw: Mapping[str, npt.NDArray[Any]]) -> SurgeryDistances:
        """:meth:`raw`'s arrays as :class:`SurgeryDistances`, with each surgery's label and PCN."""
        label, pcn = self._labels
        index = raw["index"]
        return SurgeryDistances(
            metres=raw["metres"],
            spread_m=raw["spread_m"],
            status=raw["status"].astype(object),
            index=index,
            label=label[index],
            pcn_name=pcn[index],
        )

    @cached_property
    def _labels(self) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        """Each practice's "name (code)" and PCN name, as object arrays."""
        p = self.practices
        return (
            (p["name"] + " (" + p["code"] + ")").to_numpy(dtype=object),
            p["pcn_name"].to_numpy(dtype=object),
        )
