"""Distance and drive time from any point to the nearest GP surgery of a region.

One place answers "how far is the nearest surgery, which is it, and how long
is the drive?" for the classifier, the band areas, the zone summaries and the
``band`` command, so they always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geozones._errors import InputError
from geozones._settings import METRES_PER_MILE, build_dir
from geozones._vocab import DistanceMethod
from geozones.distance.cache import NearestPoint, solved_facility
from geozones.distance.circuity import load_circuity
from geozones.distance.facility import NearestFacility, Route
from geozones.regions.data import RegionData

Objects = npt.NDArray[np.object_]

#: A priced distance closer than this to a band edge or radius gets a caveat (metres):
#: a postcode's point is the centroid of its addresses, so a door can be this far off.
EDGE_CAVEAT_M = 0.1 * METRES_PER_MILE
#: Average speed (km/h) that turns an estimated road distance into estimated drive minutes
#: where a region has no road network: about the median, over the live postcodes of Norfolk
#: (36.5 km/h), Rutland (36.8) and Nottinghamshire (35.8), of road metres from the nearest
#: surgery over the quickest drive's minutes, measured on their own networks at
#: :mod:`geozones.network.graph`'s speeds.
ESTIMATE_SPEED_KMH = 36.0


@dataclass(frozen=True)
class SurgeryDistances:
    """The nearest surgery of each of n points, and how far it is.

    Attributes
    ----------
    metres : ndarray of float64
        Road distance, or estimated road distance, in metres; NaN when there is none.
    minutes : ndarray of float64
        Drive minutes: by road, the quickest drive from any surgery (see
        :mod:`geozones.distance.facility`); estimated, ``metres`` at
        :data:`ESTIMATE_SPEED_KMH`; NaN where ``metres`` is.
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
    beyond : ndarray of int64
        Row of a surgery nearer in a straight line than the one by road that the
        road network cannot reach (it lies beyond the extract's cut edge, such
        as a county outline), -1 where there is none: the road distance is then
        to the nearest surgery the network reaches, and the true drive may be
        shorter (:meth:`NearestSurgery.beyond_text` says so).

    """

    metres: npt.NDArray[np.float64]
    minutes: npt.NDArray[np.float64]
    spread_m: npt.NDArray[np.float64]
    status: npt.NDArray[np.object_]
    index: npt.NDArray[np.int64]
    label: npt.NDArray[np.object_]
    pcn_name: npt.NDArray[np.object_]
    beyond: npt.NDArray[np.int64]


class NearestSurgery:
    """Distance and drive minutes from points to the nearest GP surgery of a region.

    By road (:class:`~geozones.distance.facility.NearestFacility`, addresses on detached
    road pieces snapped to the nearest road a surgery reaches) where the region
    has a network, method ``road``; otherwise the straight-line distance to the
    nearest surgery times the measured circuity (:mod:`geozones.distance.circuity`),
    method ``straight-line estimate``, with the spread of that factor, and its
    minutes at :data:`ESTIMATE_SPEED_KMH`.

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
        found (for its name and PCN) and ``metres`` and ``minutes`` are NaN.

        Returns
        -------
        SurgeryDistances

        """
        return self.labelled(self.raw(pts, with_distance))

    def raw(
        self, pts: npt.NDArray[np.float64], with_distance: bool = True
    ) -> dict[str, npt.NDArray[Any]]:
        """:meth:`measure` as plain arrays.

        ``metres``, ``minutes``, ``spread_m``, ``status`` (str) and ``index``:
        plain so that they can be kept for points that recur
        (:class:`geozones._spatial.PointMemo`) and given to :meth:`labelled`.
        """
        straight, index = self._tree.query(pts)
        beyond = np.full(len(pts), -1, dtype=np.int64)
        if not with_distance:
            metres = minutes = spread = np.full(len(pts), np.nan)
            status = np.full(len(pts), "ok")
        elif (road := self._road) is not None:
            found = road.nearest(pts)
            metres, minutes, status = found.metres, found.minutes, found.status
            reached = np.zeros(len(self.practices), dtype=bool)
            reached[road.usable] = True
            beyond = np.where(~reached[index] & (found.facility != index), index, -1)
            index = np.where(found.facility >= 0, found.facility, index)
            spread = np.full(len(pts), EDGE_CAVEAT_M)
        else:
            metres, low, high = load_circuity(self.build).estimate(straight)
            minutes = np.asarray(metres, dtype=float) / (ESTIMATE_SPEED_KMH * 1000 / 60)
            spread = np.maximum(metres - low, high - metres)
            status = np.full(len(pts), "ok")
        return {
            "metres": np.asarray(metres, dtype=float),
            "minutes": np.asarray(minutes, dtype=float),
            "spread_m": np.asarray(spread, dtype=float),
            "status": np.asarray(status, dtype=str),
            "index": np.asarray(index, dtype=np.int64),
            "beyond": beyond,
        }

    def route(self, xy: npt.ArrayLike) -> Route:
        """The road from the nearest surgery to one point, along which :meth:`measure` measures.

        Parameters
        ----------
        xy : array_like of shape (2,)
            The point, EPSG:27700 metres.

        Returns
        -------
        Route
            Its ``facility`` is the surgery's row in :attr:`practices`.

        Raises
        ------
        InputError
            The region has no road network (its distances are estimates), or
            the point is off the network or on a road no surgery reaches
            (:meth:`NearestFacility.route <geozones.distance.facility.NearestFacility.route>`).

        """
        road = self._road
        if road is None:
            raise InputError(
                f"{self.region.spec.title} has no road network in this build, so its distances "
                "are straight-line estimates and there is no road route to show; build it with "
                f"a road extract: geozones data build --region {self.region.name} --roads FILE"
            )
        return road.route(xy)

    def labelled(self, raw: Mapping[str, npt.NDArray[Any]]) -> SurgeryDistances:
        """:meth:`raw`'s arrays as :class:`SurgeryDistances`, with each surgery's label and PCN."""
        label, pcn = self._labels
        index = raw["index"]
        return SurgeryDistances(
            metres=raw["metres"],
            minutes=raw["minutes"],
            spread_m=raw["spread_m"],
            status=raw["status"].astype(object),
            index=index,
            label=label[index],
            pcn_name=pcn[index],
            beyond=raw["beyond"],
        )

    def beyond_text(self, got: SurgeryDistances, xy: npt.NDArray[np.float64]) -> Objects:
        """The caveat of each point with a surgery beyond the network's edge (``""`` elsewhere).

        E.g. "Tenbury Surgery (M81042), 1.93 miles away in a straight line, lies beyond
        the edge of the road extract (cut at the county outline): the road distance is
        to the nearest surgery the roads reach, and the drive to Tenbury Surgery
        (M81042) may be shorter".
        """
        out = np.full(len(got.beyond), "", dtype=object)
        rows = np.flatnonzero(got.beyond >= 0)
        if not len(rows):
            return out
        label = self._labels[0][got.beyond[rows]]
        p = self.practices.geometry
        gap = np.hypot(p.x.to_numpy()[got.beyond[rows]] - xy[rows, 0],
                       p.y.to_numpy()[got.beyond[rows]] - xy[rows, 1])  # fmt: skip
        miles = np.char.mod("%.2f", gap / METRES_PER_MILE).astype(object)
        out[rows] = (
            label + ", " + miles + " miles away in a straight line, lies beyond the edge of the "
            "road extract (cut at the county outline): the road distance is to the nearest "
            "surgery the roads reach, and the drive to " + label + " may be shorter"
        )
        return out

    @cached_property
    def _labels(self) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        """Each practice's "name (code)" and PCN name, as object arrays."""
        p = self.practices
        return (
            (p["name"] + " (" + p["code"] + ")").to_numpy(dtype=object),
            p["pcn_name"].to_numpy(dtype=object),
        )
