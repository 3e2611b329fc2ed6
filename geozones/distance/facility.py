"""Road distance from every address to its nearest facility (GP surgery).

:class:`NearestFacility` answers "how far by road is the nearest surgery, and
which one?" for any number of points with one Dijkstra run (and "how many
minutes is the quickest drive?" with a second, see "Drive minutes"):

1. **Snapping.** Every facility and every address snaps to the nearest road
   *edge* (not node), at its position along it (``shapely`` STRtree and
   ``line_locate_point``, vectorised), so the part of the edge between the
   snapped position and the edge's ends counts.
2. **One multi-source Dijkstra.** Each facility becomes a virtual node added
   after the network's nodes, with an arc to the edge's ``v`` end costing the
   rest of the edge (``length - along``) and, when the edge is two-way, an arc
   to its ``u`` end costing ``along``. Nothing leads into a virtual node, so
   ``scipy.sparse.csgraph.dijkstra(indices=<all virtual nodes>,
   min_only=True)`` gives every road node the distance from its nearest
   facility, and its ``sources`` output says which facility that is.
3. **Addresses.** A point at ``along`` on edge u->v is reached from ``u`` at
   ``dist[u] + along`` and, on a two-way edge, from ``v`` at
   ``dist[v] + length - along``. A facility on the same edge is also reached
   directly, counting only the stretch between the two (forward along the edge
   always; backward only on a two-way edge).

Direction: the carer drives **from** the surgery **to** the home, so arcs are
followed the way one-way streets allow in that direction.

Drive minutes
-------------
A second multi-source Dijkstra, on the same arcs weighted by minutes (each
edge's length at its speed, :attr:`~geozones.network.graph.RoadNetwork.edge_speed`),
gives every node the **quickest** drive from any facility. That is the
quickest drive to the point from any surgery, which need not come from the
surgery nearest by road (a longer road can be faster), so it is never longer
than the quickest drive from that surgery. A point's part of its edge is
timed at that edge's speed, and the snap gaps, at the point and at the
facility, at :data:`GAP_SPEED_KMH` (whether or not ``count_gap_beyond_m``
counts them in the metres): the gap is the drive, yard or lane between the
mapped road and the door, driven slowly.

Snap gap rule
-------------
The straight-line gap between a point and the road it snaps to is reported as
``snap_gap_m`` and by default **not added** to the road distance
(``count_gap_beyond_m=None``). A Code-Point postcode is the centroid of its
delivery addresses, not a door, and the gap is mostly the drive or path from
the road to the houses, which the carer does not drive and which Norfolk's
price band tool, measuring by road, does not count; adding it would move
addresses across a band edge according to where the centroid falls. Setting
``count_gap_beyond_m=g`` adds the part of each gap beyond ``g`` metres (at
both the address and the facility end) for users who want long unmapped farm
tracks to count. A gap over ``max_gap_m`` (default :data:`MAX_GAP_M`, 2 km)
means the point is outside the road extract or mislocated: such a point gets
status ``off_network`` and no distance, and such a facility is left out.

Detached pieces
---------------
Roads behind a private gate or a dropped link can form small pieces no
facility reaches; an address snapped onto one is ``unreachable``. With
``reachable_only=True`` addresses snap instead to the nearest edge some
facility reaches (their ``snap_gap_m`` then says how far that road is), so
every address within ``max_gap_m`` of such a road gets a distance.

Routes
------
The search by metres keeps each node's predecessor on its shortest drive from
the nearest facility (:class:`Solved`), so :meth:`NearestFacility.route` can
draw the road one point's distance was measured along: from the facility's
snapped position along its edge, node to node, and along the point's edge to
its snapped position (or, with both on one edge, only the stretch between).
Its metres are the answer's less any snap gaps ``count_gap_beyond_m`` counts;
its minutes are those of driving that route, which need not be the quickest
drive's (a longer road can be faster).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely import LineString
from shapely.ops import substring

if TYPE_CHECKING:
    from scipy import sparse

from geozones._errors import DataError, InputError
from geozones._settings import METRES_PER_MILE
from geozones._validate import to_bng
from geozones.network.graph import RoadNetwork, arcs_to_csr, snap_to_edges

#: A snap gap over this (metres) marks a point as off the network.
MAX_GAP_M = 2000.0
#: Speed at which snap gaps are timed, km/h: OSRM's car-profile speed for a service road
#: (a drive, yard or car park), the slowest class a carer drives up to a door.
GAP_SPEED_KMH = 15.0
#: Minutes to cross one metre of snap gap (at :data:`GAP_SPEED_KMH`).
GAP_MINUTES_PER_METRE = 60 / 1000 / GAP_SPEED_KMH
#: Facility columns copied next to each answer when the facilities frame has them.
FACILITY_COLUMNS: tuple[str, ...] = ("code", "name", "pcn_code", "pcn_name")
#: Values of the ``status`` column.
OK, UNREACHABLE, OFF_NETWORK = "ok", "unreachable", "off_network"
#: Great Britain's extent in EPSG:27700 metres; points outside it are refused.
_GB_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)
#: How a point's shortest drive enters its edge: from the edge's u end, from its v end, or
#: straight from a facility on the same edge.
_FROM_U, _FROM_V, _ON_EDGE = 0, 1, 2


def points_xy(
    points: gpd.GeoSeries | gpd.GeoDataFrame | npt.NDArray[np.floating], what: str
) -> npt.NDArray[np.float64]:
    """Return points as an (n, 2) array of EPSG:27700 metres, checking they can be used.

    Parameters
    ----------
    points : GeoSeries, GeoDataFrame or array of shape (n, 2)
        Points; a GeoSeries/GeoDataFrame must have a CRS (one other than
        EPSG:27700 is projected; see :func:`geozones._validate.to_bng`), a plain
        array is EPSG:27700 metres.
    what : str
        What the points are, for error messages.

    Raises
    ------
    InputError
        Not points, empty or missing geometries, or coordinates outside Great
        Britain's grid (e.g. longitude/latitude given as metres).

    """
    if isinstance(points, gpd.GeoDataFrame):
        points = points.geometry
    if isinstance(points, gpd.GeoSeries):
        points = to_bng(points, what)
        geoms = points.to_numpy()
        bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        bad |= shapely.get_type_id(geoms) != shapely.GeometryType.POINT
        if bad.any():
            raise InputError(
                f"{what}: {int(bad.sum())} geometries are missing or not points "
                f"(first at position {int(np.argmax(bad))}); give one point per row"
            )
        xy = shapely.get_coordinates(geoms)
    else:
        xy = np.asarray(points, dtype=float)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise InputError(f"{what}: expected an array of shape (n, 2), got {xy.shape}")
    x0, y0, x1, y1 = _GB_BOUNDS
    outside = ~((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1))
    if outside.any():
        first = int(np.argmax(outside))
        raise InputError(
            f"{what}: {int(outside.sum())} points are not British National Grid (EPSG:27700) "
            f"metres inside Great Britain, e.g. {tuple(xy[first].round(4))} at position {first}; "
            "longitude/latitude must come as a GeoSeries with crs EPSG:4326"
        )
    return xy


class Nearest(NamedTuple):
    """What :meth:`NearestFacility.nearest` finds for n points.

    Attributes
    ----------
    metres : ndarray of float64
        Road distance from the nearest facility (NaN unless status is ok).
    facility : ndarray of int64
        Position of that facility in the facilities frame (-1 unless status is ok).
    snap_gap_m : ndarray of float64
        Metres from the point to the road.
    status : ndarray of str
        ``ok``, ``unreachable`` or ``off_network``.
    minutes : ndarray of float64
        The quickest drive from any facility, minutes (NaN unless status is ok;
        see "Drive minutes" in the module docstring).

    """

    metres: npt.NDArray[np.float64]
    facility: npt.NDArray[np.int64]
    snap_gap_m: npt.NDArray[np.float64]
    status: npt.NDArray[np.str_]
    minutes: npt.NDArray[np.float64]


class Solved(NamedTuple):
    """What the two searches give every network node (the arrays the start-up cache keeps).

    Attributes
    ----------
    node_metres : ndarray of float64
        Road metres from the nearest facility (inf where none can reach the node).
    node_facility : ndarray of int64
        Position of that facility in the facilities frame, -1 where none.
    node_minutes : ndarray of float64
        Minutes of the quickest drive from any facility (inf where none can reach it).
    node_predecessor : ndarray of int32
        The node before each on its shortest drive from that facility: a network
        node, or ``n_nodes + f`` where the drive comes straight off facility
        ``f``'s edge; negative where none reaches it.

    """

    node_metres: npt.NDArray[np.float64]
    node_facility: npt.NDArray[np.int64]
    node_minutes: npt.NDArray[np.float64]
    node_predecessor: npt.NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class Route:
    """The road one point's distance from its nearest facility was measured along.

    Attributes
    ----------
    line : LineString
        EPSG:27700, from the facility's snapped position along the network to
        the point's snapped position, in driving order (the snap gaps are not drawn).
    pieces : tuple of LineString
        The line edge by edge, EPSG:27700: the facility's part of its edge,
        each whole edge between, and the point's part of its edge (one piece
        when both lie on one edge); each starts where the one before ends.
    edges : ndarray of int64
        The network edge of each piece.
    nodes : ndarray of int64
        The network nodes passed, in order (none when the facility lies on the
        point's edge).
    metres : float
        Length of the line, metres: the answer's road metres less the snap gaps
        ``count_gap_beyond_m`` counts (none by default).
    minutes : float
        Minutes to drive the line at each edge's speed, snap gaps left out
        (:attr:`door_minutes` times them too).
    facility : int
        Position of the facility in the facilities frame.
    facility_gap_m, snap_gap_m : float
        Metres from the facility, and from the point, to the road they snap to.

    """

    line: LineString
    pieces: tuple[LineString, ...]
    edges: npt.NDArray[np.int64]
    nodes: npt.NDArray[np.int64]
    metres: float
    minutes: float
    facility: int
    facility_gap_m: float
    snap_gap_m: float

    @property
    def door_minutes(self) -> float:
        """:attr:`minutes` plus both snap gaps at :data:`GAP_SPEED_KMH`, as answers time a drive."""
        return self.minutes + (self.facility_gap_m + self.snap_gap_m) * GAP_MINUTES_PER_METRE


def _cut(line: LineString, start_m: float, end_m: float) -> LineString:
    """The part of ``line`` from ``start_m`` to ``end_m`` metres along it (reversed if end < start).

    A part of no length is the two-point line at its position.
    """
    piece = substring(line, start_m, end_m)
    return piece if isinstance(piece, LineString) else LineString([piece, piece])


def _joined(pieces: list[LineString]) -> LineString:
    """One line through ``pieces`` (each starting where the one before ends), repeats dropped."""
    xy = np.concatenate([shapely.get_coordinates(p) for p in pieces])
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = (xy[1:] != xy[:-1]).any(axis=1)
    xy = xy[keep]
    return LineString(xy if len(xy) > 1 else np.vstack([xy, xy]))


class NearestFacility:
    """Road distance and drive minutes from any point to the nearest of a set of facilities.

    Construct with the network and the facilities, call :meth:`solve` once (or
    let the first query do it), then ask :meth:`distance_to_nearest` for as
    many points as needed. The distance is from the facility nearest by road;
    the minutes are the quickest drive from any facility (module docstring).

    Parameters
    ----------
    network : RoadNetwork
        Drivable roads, EPSG:27700.
    facilities : GeoDataFrame
        Facility points (e.g. GP surgeries), EPSG:27700 or any CRS it can be
        projected from. Columns ``code``, ``name``, ``pcn_code`` and
        ``pcn_name`` are copied into the answers when present.
    max_gap_m : float
        Snap gaps over this many metres mark a point ``off_network`` and leave
        a facility out of the search.
    count_gap_beyond_m : float or None
        None (default): snap gaps are never added to the road distance.
        A number: the part of each gap beyond it is added, at both ends.
    reachable_only : bool
        False (default): addresses snap to their nearest edge, and those on a
        piece of road no facility reaches are ``unreachable``. True: addresses
        snap to the nearest edge that a facility reaches.

    Attributes
    ----------
    facility_snap : DataFrame
        Per facility (same index): ``edge``, ``along_m``, ``snap_gap_m`` and
        ``status`` (``ok`` or ``off_network``).
    solved : Solved or None
        After :meth:`solve` (or the first query): each network node's metres
        from the nearest facility, that facility, the quickest minutes and the
        node before it on the shortest drive; None before.

    Raises
    ------
    InputError
        Facilities are not usable points, or none lies within ``max_gap_m`` of
        a road.

    """

    def __init__(
        self,
        network: RoadNetwork,
        facilities: gpd.GeoDataFrame,
        *,
        max_gap_m: float = MAX_GAP_M,
        count_gap_beyond_m: float | None = None,
        reachable_only: bool = False,
    ) -> None:
        self.network = network
        self.facilities = facilities
        self.max_gap_m = max_gap_m
        self.count_gap_beyond_m = count_gap_beyond_m
        self.reachable_only = reachable_only
        xy = points_xy(facilities, "facilities")
        if len(xy) == 0:
            raise InputError("facilities: the frame is empty; give at least one facility point")
        edge, along, gap = network.snap(xy)
        if not (gap <= max_gap_m).any():
            raise InputError(
                f"facilities: none of the {len(xy)} points lies within {max_gap_m:,.0f} m of a "
                "road in this network; are they in EPSG:27700 and inside the road extract?"
            )
        self._take_snap(edge, along, gap)
        self.solved: Solved | None = None
        self._reachable: (
            tuple[npt.NDArray[np.int64], npt.NDArray[np.object_], shapely.STRtree] | None
        ) = None

    def _take_snap(
        self,
        edge: npt.NDArray[np.int64],
        along: npt.NDArray[np.float64],
        gap: npt.NDArray[np.float64],
    ) -> None:
        """Keep the facilities' snap (edge, metres along it, gap) and what follows from it."""
        usable = gap <= self.max_gap_m
        self.facility_snap = pd.DataFrame(
            {
                "edge": edge,
                "along_m": along,
                "snap_gap_m": gap,
                "status": np.where(usable, OK, OFF_NETWORK),
            },
            index=self.facilities.index,
        )
        self._usable = np.flatnonzero(usable)
        self._extra = self._gap_cost(gap)
        self._extra_minutes = gap * GAP_MINUTES_PER_METRE

    @property
    def usable(self) -> npt.NDArray[np.int64]:
        """Positions of the facilities the searches start from: those within reach of a road."""
        return self._usable

    @cached_property
    def _facility_values(self) -> dict[str, npt.NDArray[np.object_]]:
        """The facility columns copied into answers, as object arrays (read once)."""
        return {
            column: self.facilities[column].to_numpy(dtype=object)
            for column in FACILITY_COLUMNS
            if column in self.facilities
        }

    def _gap_cost(self, gap: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Metres of snap gap that count as travel under ``count_gap_beyond_m``."""
        if self.count_gap_beyond_m is None:
            return np.zeros(len(gap))
        return np.maximum(gap - self.count_gap_beyond_m, 0.0)

    def _graph(
        self, scale: npt.NDArray[np.float64], extra: npt.NDArray[np.float64]
    ) -> sparse.csr_array:
        """The network's arcs plus one virtual node per facility with arcs onto its edge.

        Each arc costs its edge's metres times ``scale`` (per edge: 1 for
        metres, the edge's pace for minutes), and each facility's arcs the
        part of its edge they drive, scaled alike, plus ``extra`` (per facility).
        """
        net = self.network
        tail, head, arc_edge, _ = net.arcs()
        f = self._usable
        fe = self.facility_snap["edge"].to_numpy()[f]
        along = self.facility_snap["along_m"].to_numpy()[f]
        two_way = ~net.edge_oneway[fe]
        virtual = net.n_nodes + f
        tails: list[npt.NDArray[np.integer]] = [tail, virtual, virtual[two_way]]
        heads: list[npt.NDArray[np.integer]] = [head, net.edge_v[fe], net.edge_u[fe][two_way]]
        weights = [
            net.edge_length[arc_edge] * scale[arc_edge],
            (net.edge_length[fe] - along) * scale[fe] + extra[f],
            (along * scale[fe] + extra[f])[two_way],
        ]
        return arcs_to_csr(
            np.concatenate(tails),
            np.concatenate(heads),
            np.concatenate(weights),
            net.n_nodes + len(self.facilities),
        )

    def solve(self) -> NearestFacility:
        """Run the two multi-source Dijkstras (metres, minutes) from all usable facilities, once."""
        self._solution()
        return self

    def _solution(self) -> Solved:
        """The searches' arrays (:attr:`solved`), running them first if they have not run."""
        return self._solve() if self.solved is None else self.solved

    def _solve(self) -> Solved:
        """Run both searches and keep what they give every node (:class:`Solved`)."""
        from scipy.sparse.csgraph import dijkstra  # scipy loads only when a search runs

        net = self.network
        n = net.n_nodes
        sources = n + self._usable
        # return_predecessors=True is what makes scipy return `sources`
        dist, predecessor, nearest = dijkstra(
            self._graph(np.ones(net.n_edges), self._extra),
            directed=True,
            indices=sources,
            min_only=True,
            return_predecessors=True,
        )
        quickest = dijkstra(
            self._graph(net.edge_pace, self._extra_minutes),
            directed=True,
            indices=sources,
            min_only=True,
        )
        self.solved = Solved(
            node_metres=dist[:n],
            node_facility=np.where(nearest[:n] >= 0, nearest[:n] - n, -1).astype(np.int64),
            node_minutes=quickest[:n],
            node_predecessor=predecessor[:n].astype(np.int32),
        )
        if self.reachable_only:
            self._reachable = self._reached_edges(self.solved.node_metres)
        return self.solved

    def _reached_edges(
        self, node_metres: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_], shapely.STRtree]:
        """Edges some facility reaches (an end reached, or a facility on it).

        Returns their positions, their geometries and a spatial index over them.
        """
        net = self.network
        reached = np.isfinite(node_metres)
        edges = reached[net.edge_u] | (reached[net.edge_v] & ~net.edge_oneway)
        edges[self.facility_snap["edge"].to_numpy()[self._usable]] = True
        keep = np.flatnonzero(edges)
        geometry = net.geometry[keep]
        return keep, geometry, shapely.STRtree(geometry)

    def _snap(
        self, xy: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Snap addresses to the nearest edge, or the nearest reached edge if ``reachable_only``."""
        if self._reachable is None:
            return self.network.snap(xy)
        keep, geometry, tree = self._reachable
        edge, along, gap = snap_to_edges(tree, geometry, xy)
        return keep[edge], along, gap

    def distance_to_nearest(
        self, points: gpd.GeoSeries | gpd.GeoDataFrame | npt.NDArray[np.floating]
    ) -> pd.DataFrame:
        """Road distance from the nearest facility to each point, driving facility -> point.

        Parameters
        ----------
        points : GeoSeries, GeoDataFrame or array of shape (n, 2)
            Addresses, EPSG:27700 metres (see :func:`points_xy`).

        Returns
        -------
        DataFrame
            One row per point (the points' index when they are a GeoSeries or
            GeoDataFrame): ``metres`` and ``miles`` (road distance, NaN unless
            status is ok), ``minutes`` (the quickest drive from any facility,
            NaN unless status is ok), ``facility`` (position in the facilities frame,
            <NA> when none), the facility's ``code``, ``name``, ``pcn_code``
            and ``pcn_name`` when the frame has them, ``snap_gap_m`` (metres
            from the point to the road, not included in ``metres`` unless
            ``count_gap_beyond_m`` is set) and ``status``: ``ok``,
            ``unreachable`` (no facility on the piece of network the point
            snaps to) or ``off_network`` (snap gap over ``max_gap_m``).

        """
        metres, facility, gap, status, minutes = self.nearest(points_xy(points, "points"))
        reached = status == OK
        out = pd.DataFrame(
            {
                "metres": metres,
                "miles": metres / METRES_PER_MILE,
                "minutes": minutes,
                "facility": pd.arrays.IntegerArray(np.where(reached, facility, 0), ~reached),
            },
            index=points.index if isinstance(points, pd.Series | pd.DataFrame) else None,
        )
        for column, values in self._facility_values.items():
            out[column] = np.where(
                reached, values[np.maximum(facility, 0)], np.array(None, dtype=object)
            )
        out["snap_gap_m"] = gap
        out["status"] = status
        return out

    def nearest(self, xy: npt.NDArray[np.float64]) -> Nearest:
        """:meth:`distance_to_nearest` as bare arrays, for callers on a hot path.

        Parameters
        ----------
        xy : ndarray of shape (n, 2)
            Points, EPSG:27700 metres (already checked, e.g. by :func:`points_xy`).

        Returns
        -------
        Nearest
            Road metres from the nearest facility and its position, the snap
            gap, the status and the minutes of the quickest drive from any
            facility.

        """
        solved = self._solution()
        edge, along, gap = self._snap(xy)
        metres, facility, _ = self._by_road(solved, edge, along)
        pace = self.network.edge_pace[edge]
        minutes = np.minimum(*self._via_ends(solved.node_minutes, edge, along, pace))
        self._same_edge(edge, along, pace, self._extra_minutes, minutes)

        off = gap > self.max_gap_m
        reached = np.isfinite(metres) & ~off
        status = np.where(off, OFF_NETWORK, np.where(reached, OK, UNREACHABLE))
        metres = np.where(reached, metres + self._gap_cost(gap), np.nan)
        minutes = np.where(reached, minutes + gap * GAP_MINUTES_PER_METRE, np.nan)
        return Nearest(metres, np.where(reached, facility, -1), gap, status, minutes)

    def _by_road(
        self, solved: Solved, edge: npt.NDArray[np.int64], along: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Road metres to points snapped at ``along`` on ``edge`` from their nearest facility.

        Returns the metres (inf where none reaches; snap gaps at the point not
        yet counted), that facility's position, and how the drive enters the
        point's edge (:data:`_FROM_U`, :data:`_FROM_V` or :data:`_ON_EDGE`).
        """
        net = self.network
        ones = np.ones(len(edge))
        via_u, via_v = self._via_ends(solved.node_metres, edge, along, ones)
        from_v = via_v < via_u
        metres = np.where(from_v, via_v, via_u)
        facility = np.where(
            from_v,
            solved.node_facility[net.edge_v[edge]],
            solved.node_facility[net.edge_u[edge]],
        )
        entry = np.where(from_v, _FROM_V, _FROM_U)
        entry[self._same_edge(edge, along, ones, self._extra, metres, facility)] = _ON_EDGE
        return metres, facility, entry

    def route(self, xy: npt.ArrayLike) -> Route:
        """The road from the nearest facility to one point that :meth:`nearest` measures.

        Parameters
        ----------
        xy : array_like of shape (2,)
            The point, EPSG:27700 metres.

        Returns
        -------
        Route
            The line from the facility's snapped position to the point's
            (EPSG:27700), edge by edge, its metres and minutes, the facility
            and the nodes passed.

        Raises
        ------
        InputError
            Not a point of Great Britain's grid; more than ``max_gap_m`` from
            any road (off the network); or on a piece of road no facility
            reaches (unreachable).

        """
        point = np.asarray(xy, dtype=float)
        if point.shape != (2,):
            raise InputError(f"a route goes to one point (easting, northing); got {point.shape}")
        pts = points_xy(point.reshape(1, 2), "the point")
        solved = self._solution()
        edge, along, gap = self._snap(pts)
        metres, facility, entry = self._by_road(solved, edge, along)
        if gap[0] > self.max_gap_m:
            raise InputError(
                f"the point is {gap[0]:,.0f} m from the nearest road of the network (over "
                f"{self.max_gap_m:,.0f} m): it is off the network, so there is no road route"
            )
        if not np.isfinite(metres[0]):
            raise InputError(
                "no facility can be reached by road from the point's road (a piece of road "
                "cut off from the rest of the network): there is no road route"
            )
        net, snap = self.network, self.facility_snap
        e, at, f = int(edge[0]), float(along[0]), int(facility[0])
        f_edge, f_along = int(snap["edge"].iloc[f]), float(snap["along_m"].iloc[f])
        if entry[0] == _ON_EDGE:
            nodes: list[int] = []
            pieces = [_cut(net.geometry[e], f_along, at)]
            edges = [e]
        else:
            nodes = self._nodes_to(
                solved, int((net.edge_u if entry[0] == _FROM_U else net.edge_v)[e])
            )
            pieces, edges = self._pieces(nodes, f_edge, f_along)
            pieces.append(
                _cut(net.geometry[e], 0.0 if entry[0] == _FROM_U else net.edge_length[e], at)
            )
            edges.append(e)
        edge_of = np.asarray(edges, dtype=np.int64)
        lengths = shapely.length(np.asarray(pieces, dtype=object))
        return Route(
            line=_joined(pieces),
            pieces=tuple(pieces),
            edges=edge_of,
            nodes=np.asarray(nodes, dtype=np.int64),
            metres=float(lengths.sum()),
            minutes=float((lengths * net.edge_pace[edge_of]).sum()),
            facility=f,
            facility_gap_m=float(snap["snap_gap_m"].iloc[f]),
            snap_gap_m=float(gap[0]),
        )

    def _nodes_to(self, solved: Solved, end: int) -> list[int]:
        """The network nodes of the shortest drive from the nearest facility to node ``end``.

        Raises
        ------
        DataError
            The predecessors lead to no facility (a solved search that does not
            fit its network).

        """
        n = self.network.n_nodes
        nodes = [end]
        before = int(solved.node_predecessor[end])
        while 0 <= before < n:
            nodes.append(before)
            before = int(solved.node_predecessor[before])
        if before < n:
            raise DataError(
                f"the solved search's predecessors lead from node {end} to no facility; "
                "rebuild the region's caches with: geozones data build --region <region>"
            )
        return nodes[::-1]

    def _pieces(
        self, nodes: list[int], f_edge: int, f_along: float
    ) -> tuple[list[LineString], list[int]]:
        """The pieces (and edges) of a drive off a facility's edge and then through ``nodes``.

        The facility sits ``f_along`` metres along edge ``f_edge``; the first
        piece is its part of that edge towards ``nodes[0]``, then one whole edge
        (the shortest of parallel ones, as the search took it) per pair of nodes.
        """
        net = self.network
        first = nodes[0]
        length = float(net.edge_length[f_edge])
        # the search left the facility by the cheaper of its arcs onto nodes[0]
        backward = (
            first == net.edge_u[f_edge]
            and not net.edge_oneway[f_edge]
            and (first != net.edge_v[f_edge] or f_along < length - f_along)
        )
        pieces = [_cut(net.geometry[f_edge], f_along, 0.0 if backward else length)]
        keys, arc_edge, arc_reversed = self._arc_keys
        path = np.asarray(nodes, dtype=np.int64)
        found = np.searchsorted(keys, path[:-1] * net.n_nodes + path[1:])
        middle = arc_edge[found]
        drawn = net.geometry[middle]
        drawn = np.where(arc_reversed[found], shapely.reverse(drawn), drawn)
        return [*pieces, *drawn], [f_edge, *middle.tolist()]

    @cached_property
    def _arc_keys(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Every arc's ``tail * n_nodes + head``, sorted with the shortest of parallel arcs first.

        Returns the sorted keys and each one's edge and whether it drives the
        edge from v to u.
        """
        net = self.network
        tail, head, edge, reversed_ = net.arcs()
        key = tail.astype(np.int64) * net.n_nodes + head
        order = np.lexsort((net.edge_length[edge], key))
        return key[order], edge[order], reversed_[order]

    def _via_ends(
        self,
        node_cost: npt.NDArray[np.float64],
        edge: npt.NDArray[np.int64],
        along: npt.NDArray[np.float64],
        scale: npt.NDArray[np.float64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Cost of reaching each point from its edge's ``u`` end and (two-way only) ``v`` end.

        ``node_cost`` is the search's cost of each node, and ``scale`` per point
        turns metres along the edge into that cost (1 for metres, the edge's
        pace for minutes).
        """
        net = self.network
        via_u = node_cost[net.edge_u[edge]] + along * scale
        via_v = np.where(
            net.edge_oneway[edge],
            np.inf,
            node_cost[net.edge_v[edge]] + net.edge_length[edge] * scale - along * scale,
        )
        return via_u, via_v

    def _same_edge(
        self,
        edge: npt.NDArray[np.int64],
        along: npt.NDArray[np.float64],
        scale: npt.NDArray[np.float64],
        extra: npt.NDArray[np.float64],
        cost: npt.NDArray[np.float64],
        facility: npt.NDArray[np.int64] | None = None,
    ) -> npt.NDArray[np.int64]:
        """Lower ``cost`` (and ``facility``) where a facility on the point's own edge is nearer.

        The stretch between them costs its metres times ``scale`` (per point),
        plus the facility's ``extra``. Returns the positions of the points lowered.
        """
        f = self._usable
        f_edge = self.facility_snap["edge"].to_numpy()[f]
        order = np.argsort(f_edge, kind="stable")
        sorted_edge = f_edge[order]
        lo = np.searchsorted(sorted_edge, edge, side="left")
        n_pairs = np.searchsorted(sorted_edge, edge, side="right") - lo
        if not n_pairs.any():
            return np.empty(0, dtype=np.int64)
        point = np.repeat(np.arange(len(edge)), n_pairs)
        rank = np.arange(n_pairs.sum()) - np.repeat(np.cumsum(n_pairs) - n_pairs, n_pairs)
        fac = f[order[np.repeat(lo, n_pairs) + rank]]
        ahead = along[point] - self.facility_snap["along_m"].to_numpy()[fac]
        allowed = (ahead >= 0) | ~self.network.edge_oneway[edge[point]]
        here = np.where(allowed, np.abs(ahead) * scale[point] + extra[fac], np.inf)
        best = np.lexsort((here, point))
        first = np.ones(len(best), dtype=bool)
        first[1:] = point[best][1:] != point[best][:-1]
        point, fac, here = point[best][first], fac[best][first], here[best][first]
        better = here < cost[point]
        cost[point[better]] = here[better]
        if facility is not None:
            facility[point[better]] = fac[better]
        return np.asarray(point[better], dtype=np.int64)
