"""A drivable road network in British National Grid, kept as numpy arrays.

``build_network`` reads an OpenStreetMap file (``.osm.pbf`` or ``.osm``, with
pyosmium) or a GeoPackage of road LineStrings (layer ``network``, e.g. the Isle
of Wight extract) and returns a :class:`RoadNetwork`: nodes are junctions and
dead ends, edges are the road pieces between them, each with its length in
metres, highway class, one-way flag, name, reference (``ref``, e.g. A140) and LineString
geometry (EPSG:27700,
digitised from ``u`` to ``v``). ``RoadNetwork.save``/``load`` cache it as one
``.npz`` of arrays plus a JSON report, so a county loads in about a second, and
``RoadNetwork.to_networkx`` hands osmnx a ``MultiDiGraph`` in its own model.
Every edge also has a speed in km/h, so a drive can be timed as well as measured.

Which roads are kept
--------------------
A road is kept when a car may drive on it to reach a home or a GP surgery:

* ``highway`` is one of :data:`HIGHWAYS` (motorway, trunk, primary, secondary,
  tertiary and their ``_link`` roads, unclassified, residential,
  living_street, road, service);
* service roads are kept, plain ``service`` and ``service=driveway``,
  ``alley`` and every other kind, except :data:`DROPPED_SERVICE`
  (``parking_aisle``, ``drive-through``, ``emergency_access``). GP surgeries
  and homes often sit on a service road or a driveway off the street, so
  dropping all service roads would snap them to the wrong street or strand
  them; the car park's access road is itself a plain service road, so dropping
  the aisles inside car parks loses no destination while sparing thousands of
  tiny loops that would pull nearby postcodes into supermarket car parks.
  Drive-through lanes are one-way loops through a shop, and emergency
  accesses are closed to cars by bollards or gates;
* no access tag closes it to cars: the most specific of ``motorcar``,
  ``motor_vehicle``, ``vehicle`` and ``access`` that is tagged decides, and
  :data:`NO_CAR_ACCESS` (``no``, ``private``, ``agricultural``, ``forestry``)
  drops the road;
* areas (``area=yes``) are dropped: they are outlines, not routes.

Direction
---------
``oneway=yes/true/1`` is one-way along the way, ``oneway=-1``/``reverse`` is
one-way against it (the way is reversed on reading, so every one-way edge runs
``u`` to ``v``), and ``junction=roundabout``/``circular`` and
``highway=motorway`` are one-way unless tagged ``oneway=no``. Everything else
can be driven both ways.

Speeds
------
Each edge is driven at the speed of its highway class, from
:data:`DEFAULT_SPEEDS_KMH` (the free-flow speeds of OSRM's car profile) or from
the ``speeds`` a caller passes (km/h per class, e.g. from a region's file),
unless its way is tagged ``maxspeed``: a limit that :func:`parse_maxspeed`
reads is driven at :data:`MAXSPEED_SHARE` of it, as OSRM's car profile drives
limits. So the order is: the way's own ``maxspeed``, then ``speeds``, then the
defaults. Directional limits (``maxspeed:forward``/``:backward``) are not read.

Noding
------
OpenStreetMap ways share nodes where roads meet, so a node used by two ways
(or twice by one) is a junction. The GeoPackage lines are not noded: lines that
meet at an interior vertex share coordinates but no node, so vertices at the
same place (to the millimetre) are merged first, then each dead end is snapped
to the nearest vertex of another line within ``snap_m`` (default
:data:`SNAP_TOLERANCE_M`), which joins the ends that were drawn a little short
of the road they meet. Crossings without a shared vertex (bridges) stay apart.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Real
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer

if TYPE_CHECKING:
    # imported where used: loading a saved network needs none of them
    import networkx as nx
    import osmium
    from scipy import sparse

from geozones._cache import clearable
from geozones._errors import DataError, InputError
from geozones._settings import BNG, METRES_PER_MILE, WGS84
from geozones._validate import to_bng

#: Highway classes a car can use, in the order of their codes in ``edge_highway``.
HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "road",
    "service",
)
#: ``service=*`` kinds that are not routes to a destination (see the module docstring).
DROPPED_SERVICE = frozenset({"parking_aisle", "drive-through", "emergency_access"})
#: Access values that close a road to a carer's car.
NO_CAR_ACCESS = frozenset({"no", "private", "agricultural", "forestry"})
#: Access keys from the most to the least specific for a car.
ACCESS_KEYS: tuple[str, ...] = ("motorcar", "motor_vehicle", "vehicle", "access")
#: Dead ends of un-noded lines closer than this to another line's vertex are joined (metres).
SNAP_TOLERANCE_M = 1.5
#: File names of a saved network inside its folder.
ARRAYS_FILE = "network.npz"
REPORT_FILE = "network.json"
#: Format written by :meth:`RoadNetwork.save`; ``load`` refuses any other
#: (format 2 added the edges' speeds).
CACHE_FORMAT = "geozones-road-network/2"
#: Speed of each highway class when its way has no ``maxspeed``, km/h: the free-flow speeds
#: of OSRM's car profile (Project-OSRM/osrm-backend, ``profiles/car.lua``, ``speeds.highway``).
#: OSRM gives none for ``road`` (a road whose class is not known yet), which takes
#: ``unclassified``'s.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 90.0,
        "motorway_link": 45.0,
        "trunk": 85.0,
        "trunk_link": 40.0,
        "primary": 65.0,
        "primary_link": 30.0,
        "secondary": 55.0,
        "secondary_link": 25.0,
        "tertiary": 40.0,
        "tertiary_link": 20.0,
        "unclassified": 25.0,
        "residential": 25.0,
        "living_street": 10.0,
        "road": 25.0,
        "service": 15.0,
    }
)
#: Share of a tagged ``maxspeed`` a car is taken to keep, as OSRM's car profile takes it
#: (``speed_reduction``): a limit is a ceiling, not the speed of a whole road piece.
MAXSPEED_SHARE = 0.8
#: Kilometres an hour in a mile an hour.
KMH_PER_MPH = METRES_PER_MILE / 1000
#: ``maxspeed`` words and the limits they stand for, km/h. ``national`` is the national
#: speed limit of a single carriageway (60 mph), as ``GB:nsl_single``; dual carriageways
#: are tagged ``GB:nsl_dual`` (70 mph). ``walk`` is walking pace, 5 km/h.
MAXSPEED_WORDS: Mapping[str, float] = MappingProxyType(
    {
        "national": 60 * KMH_PER_MPH,
        "gb:nsl_single": 60 * KMH_PER_MPH,
        "gb:nsl_dual": 70 * KMH_PER_MPH,
        "gb:motorway": 70 * KMH_PER_MPH,
        "uk:nsl_single": 60 * KMH_PER_MPH,
        "uk:nsl_dual": 70 * KMH_PER_MPH,
        "uk:motorway": 70 * KMH_PER_MPH,
        "walk": 5.0,
    }
)

_HIGHWAY_CODE = {name: code for code, name in enumerate(HIGHWAYS)}
_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
_ONEWAY_JUNCTIONS = frozenset({"roundabout", "circular"})
_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")
_COORD_SCALE = 1e-7  # osmium stores locations as integer 1e-7 degrees
_MAXSPEED = re.compile(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?")
_MINUTES_PER_METRE_KMH = 60 / 1000  # minutes to drive a metre at 1 km/h
_ARRAYS = (
    "node_x",
    "node_y",
    "edge_u",
    "edge_v",
    "edge_length",
    "edge_highway",
    "edge_speed",
    "edge_oneway",
    "edge_way",
    "edge_name",
    "edge_ref",
    "names",
)
#: Arrays :meth:`RoadNetwork.load` fills in when a network saved before they existed lacks
#: them: ``edge_ref`` (0, no reference) came later within format 2.
_ADDED_ARRAYS = ("edge_ref",)


@clearable(maxsize=None)
def _to_bng() -> Transformer:
    return Transformer.from_crs(WGS84, BNG, always_xy=True)


@dataclass(frozen=True)
class NetworkStats:
    """Size and connectivity of a road network.

    Attributes
    ----------
    nodes, edges, arcs : int
        Junctions and dead ends; road pieces; directed arcs (a two-way piece
        counts twice).
    km : float
        Total road length, kilometres.
    components : int
        Weakly connected pieces.
    largest_km : float
        Road length in the largest piece, kilometres.

    """

    nodes: int
    edges: int
    arcs: int
    km: float
    components: int
    largest_km: float

    @property
    def largest_share(self) -> float:
        """Share of the road length in the largest piece (0-1)."""
        return self.largest_km / self.km if self.km else 0.0

    @property
    def km_disconnected(self) -> float:
        """Road length outside the largest piece, kilometres."""
        return self.km - self.largest_km

    def __str__(self) -> str:
        return (
            f"{self.nodes:,} nodes, {self.edges:,} edges ({self.arcs:,} arcs), {self.km:,.1f} km; "
            f"{self.components:,} connected pieces, the largest holds {self.largest_share:.2%} "
            f"of the length ({self.km_disconnected:,.1f} km outside it)"
        )


@dataclass(eq=False)
class RoadNetwork:
    """Drivable roads as compact arrays, EPSG:27700 metres.

    Attributes
    ----------
    node_x, node_y : ndarray of float64, shape (n,)
        Node coordinates, EPSG:27700 metres.
    edge_u, edge_v : ndarray of int32, shape (m,)
        Node positions at each edge's start and end; one-way edges run u to v.
    edge_length : ndarray of float64, shape (m,)
        Length along the geometry, metres.
    edge_highway : ndarray of uint8, shape (m,)
        Position of the highway class in :data:`HIGHWAYS`.
    edge_speed : ndarray of float64, shape (m,)
        Speed the edge is driven at, km/h (see "Speeds" in the module docstring).
    edge_oneway : ndarray of bool, shape (m,)
        True when the edge may only be driven from u to v.
    edge_way : ndarray of int64, shape (m,)
        Id of the source way (OSM way id, or the GeoPackage ``osm_id``; -1 if none).
    edge_name : ndarray of int32, shape (m,)
        Position of the road name in ``names`` (0 is the empty name).
    edge_ref : ndarray of int32, shape (m,)
        Position of the road's reference (OSM ``ref``, e.g. ``A140``) in ``names``
        (0: none).
    names : ndarray of str
        Road names and references (one vocabulary; the first is the empty string).
    geometry : ndarray of shapely LineString, shape (m,)
        Edge geometries in EPSG:27700, digitised from u to v.
    info : dict
        How the network was built: source file, ways read, kept and dropped,
        and ``speeds``: the km/h of each highway class and how many edges took
        a ``maxspeed`` instead.

    """

    node_x: npt.NDArray[np.float64]
    node_y: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int32]
    edge_v: npt.NDArray[np.int32]
    edge_length: npt.NDArray[np.float64]
    edge_highway: npt.NDArray[np.uint8]
    edge_speed: npt.NDArray[np.float64]
    edge_oneway: npt.NDArray[np.bool_]
    edge_way: npt.NDArray[np.int64]
    edge_name: npt.NDArray[np.int32]
    edge_ref: npt.NDArray[np.int32]
    names: npt.NDArray[np.str_]
    geometry: npt.NDArray[np.object_]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        """Number of edges (road pieces, each stored once)."""
        return len(self.edge_u)

    @property
    def edge_pace(self) -> npt.NDArray[np.float64]:
        """Minutes to drive one metre of each edge (at its ``edge_speed``)."""
        return _MINUTES_PER_METRE_KMH / self.edge_speed

    @property
    def edge_minutes(self) -> npt.NDArray[np.float64]:
        """Minutes to drive each whole edge at its ``edge_speed``."""
        return self.edge_length * self.edge_pace

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index over the edge geometries (built on first use)."""
        return shapely.STRtree(self.geometry)

    def arcs(
        self,
    ) -> tuple[
        npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.bool_]
    ]:
        """Directed arcs: every edge u->v, plus v->u for two-way edges.

        Returns
        -------
        tail, head : ndarray of int32
            Node positions at the start and end of each arc.
        edge : ndarray of int64
            The edge each arc drives along.
        reversed : ndarray of bool
            True for the v->u arc of a two-way edge.

        """
        back = np.flatnonzero(~self.edge_oneway)
        edge = np.concatenate([np.arange(self.n_edges), back])
        rev = np.zeros(len(edge), dtype=bool)
        rev[self.n_edges :] = True
        tail = np.where(rev, self.edge_v[edge], self.edge_u[edge])
        head = np.where(rev, self.edge_u[edge], self.edge_v[edge])
        return tail, head, edge, rev

    def matrix(self) -> sparse.csr_array:
        """Arc lengths (metres) as a sparse n x n matrix for ``scipy.sparse.csgraph``.

        Parallel arcs keep the shortest; zero-length arcs stay explicit entries.
        """
        tail, head, edge, _ = self.arcs()
        return arcs_to_csr(tail, head, self.edge_length[edge], self.n_nodes)

    def snap(
        self, xy: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Snap points to their nearest edge (see :func:`snap_to_edges`)."""
        return snap_to_edges(self.tree, self.geometry, xy)

    def components(self) -> npt.NDArray[np.int32]:
        """Weakly connected piece of every node (0 is the piece with the most road length)."""
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        graph = sparse.coo_array(
            (np.ones(self.n_edges), (self.edge_u, self.edge_v)), shape=(self.n_nodes,) * 2
        )
        _, labels = connected_components(graph, directed=True, connection="weak")
        km = np.bincount(labels[self.edge_u], weights=self.edge_length, minlength=labels.max() + 1)
        rank = np.empty_like(labels)
        rank[np.argsort(-km, kind="stable")] = np.arange(len(km))
        return rank[labels]

    def stats(self) -> NetworkStats:
        """Count nodes, edges and kilometres and measure how connected the network is."""
        labels = self.components()
        largest = self.edge_length[labels[self.edge_u] == 0].sum()
        return NetworkStats(
            nodes=self.n_nodes,
            edges=self.n_edges,
            arcs=self.n_edges + int((~self.edge_oneway).sum()),
            km=float(self.edge_length.sum()) / 1000,
            components=int(labels.max()) + 1 if len(labels) else 0,
            largest_km=float(largest) / 1000,
        )

    def to_networkx(self, geometry: bool = False) -> nx.MultiDiGraph[int]:
        """Return the network as an osmnx-style ``MultiDiGraph``.

        Nodes are keyed by their position in ``node_x`` and carry ``x``, ``y``
        (EPSG:27700 metres) and ``street_count`` (road ends meeting there,
        as osmnx counts them). Every arc is an edge with ``osmid`` (source way),
        ``length`` (metres), ``highway``, ``oneway``, ``reversed``, ``name`` and
        ``ref`` (when the road has them), ``speed_kph`` (km/h) and ``travel_time``
        (seconds), as ``osmnx.routing.add_edge_speeds``/``add_edge_travel_times``
        name them, and, with ``geometry=True``, a LineString drawn in the
        arc's direction. The graph has ``crs="EPSG:27700"`` and
        ``simplified=True`` (edges already run junction to junction).

        Parameters
        ----------
        geometry : bool
            Attach each arc's LineString (slower, more memory).

        Returns
        -------
        networkx.MultiDiGraph

        """
        import networkx as nx

        graph: nx.MultiDiGraph[int] = nx.MultiDiGraph(
            crs=BNG, simplified=True, created_with="geozones"
        )
        streets = np.bincount(self.edge_u, minlength=self.n_nodes) + np.bincount(
            self.edge_v, minlength=self.n_nodes
        )
        nodes = zip(self.node_x.tolist(), self.node_y.tolist(), streets.tolist(), strict=True)
        graph.add_nodes_from(
            (i, {"x": x, "y": y, "street_count": count}) for i, (x, y, count) in enumerate(nodes)
        )
        tail, head, edge, rev = self.arcs()
        attrs = pd.DataFrame(
            {
                "osmid": self.edge_way[edge],
                "length": self.edge_length[edge],
                "highway": np.asarray(HIGHWAYS)[self.edge_highway[edge]],
                "oneway": self.edge_oneway[edge],
                "reversed": rev,
                "name": self.names[self.edge_name[edge]],
                "ref": self.names[self.edge_ref[edge]],
                "speed_kph": self.edge_speed[edge],
                "travel_time": self.edge_minutes[edge] * 60,
            }
        )
        if geometry:
            attrs["geometry"] = np.where(
                rev, shapely.reverse(self.geometry[edge]), self.geometry[edge]
            )
        # the stub keys records by Hashable; these keys are the frame's str column names
        records = cast("list[dict[str, Any]]", attrs.to_dict("records"))
        for record in records:
            for key in ("name", "ref"):
                if not record[key]:
                    del record[key]
        graph.add_edges_from(zip(tail.tolist(), head.tolist(), records, strict=True))
        return graph

    def save(self, folder: Path) -> None:
        """Write the network to ``folder`` (``network.npz`` and ``network.json``)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        _, coords, (offsets,) = shapely.to_ragged_array(self.geometry)
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        np.savez(folder / ARRAYS_FILE, geom_coords=coords, geom_offsets=offsets, **arrays)
        report = {"format": CACHE_FORMAT, "crs": BNG, "info": self.info}
        (folder / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> RoadNetwork:
        """Read a network written by :meth:`save`; raise DataError if it is missing or stale."""
        folder = Path(folder)
        rebuild = (
            "rebuild it with build_network(<roads file>).save(folder), or the region's "
            "build with: geozones data build --region <region>"
        )
        try:
            report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
            if report.get("format") != CACHE_FORMAT:
                raise DataError(
                    f"{folder / REPORT_FILE} holds format {report.get('format')!r}, this version "
                    f"reads {CACHE_FORMAT!r} (edges with speeds); {rebuild}"
                )
            with np.load(folder / ARRAYS_FILE, allow_pickle=False) as data:
                arrays = {
                    name: data[name]
                    for name in _ARRAYS
                    if name in data.files or name not in _ADDED_ARRAYS
                }
                coords, offsets = data["geom_coords"], data["geom_offsets"]
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(
                f"no readable road network in {folder} ({type(exc).__name__}: {exc}); {rebuild}"
            ) from exc
        geometry = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords, (offsets,))
        for name in _ADDED_ARRAYS:
            arrays.setdefault(name, np.zeros(len(arrays["edge_u"]), dtype=np.int32))
        return cls(geometry=geometry, info=report["info"], **arrays)


def snap_to_edges(
    tree: shapely.STRtree, geometry: npt.NDArray[np.object_], xy: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Snap points to the nearest of some edges.

    Parameters
    ----------
    tree : shapely.STRtree
        Spatial index over ``geometry``.
    geometry : ndarray of LineString
        The candidate edges, EPSG:27700.
    xy : ndarray, shape (k, 2)
        Points, EPSG:27700 metres.

    Returns
    -------
    edge : ndarray of int64
        Position in ``geometry`` of each point's nearest edge.
    along_m : ndarray of float64
        Metres along that edge from its start to the snapped position.
    gap_m : ndarray of float64
        Straight-line metres from the point to the edge.

    """
    points = shapely.points(xy)
    found, gap = tree.query_nearest(points, return_distance=True, all_matches=False)
    edge = np.empty(len(xy), dtype=np.int64)
    gap_m = np.empty(len(xy))
    edge[found[0]] = found[1]
    gap_m[found[0]] = gap
    along = shapely.line_locate_point(geometry[edge], points)
    return edge, np.clip(along, 0.0, shapely.length(geometry[edge])), gap_m


def arcs_to_csr(
    tail: npt.NDArray[np.integer],
    head: npt.NDArray[np.integer],
    weight: npt.NDArray[np.float64],
    n: int,
) -> sparse.csr_array:
    """Build an n x n CSR matrix of arc weights, keeping the smallest of parallel arcs.

    Zero weights stay explicit entries, which ``scipy.sparse.csgraph`` treats as
    zero-length arcs (converting through COO would merge parallel arcs by summing).
    """
    from scipy import sparse

    order = np.lexsort((weight, head, tail))
    tail, head, weight = tail[order], head[order], weight[order]
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    tail, head, weight = tail[first], head[first], weight[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    return sparse.csr_array((weight, head.astype(np.int32), indptr), shape=(n, n))


def parse_maxspeed(value: str | None) -> float | None:
    """The speed limit a ``maxspeed`` tag gives, km/h; None when it gives none that can be used.

    Read: a number with ``mph``, ``km/h``, ``kmh`` or ``kph`` (``"30 mph"``,
    ``"50 km/h"``); a bare number, as miles an hour (every British limit is
    signed in mph, so a bare ``"30"`` in a British extract is a 30 mph sign
    tagged without its unit, although OpenStreetMap reads bare numbers as
    km/h elsewhere); and the words of :data:`MAXSPEED_WORDS` (``national``,
    ``GB:nsl_single``, ``GB:nsl_dual``, ``walk``), in any case. Anything else
    (``none``, ``signals``, ``variable``, several values, 0) gives None, and
    the road keeps its class's speed.

    Parameters
    ----------
    value : str or None
        The tag's value.

    Returns
    -------
    float or None
        The limit in km/h.

    """
    if value is None:
        return None
    text = value.strip().lower()
    if text in MAXSPEED_WORDS:
        return MAXSPEED_WORDS[text]
    found = _MAXSPEED.fullmatch(text)
    if found is None or (number := float(found[1])) <= 0:
        return None
    return number * KMH_PER_MPH if found[2] in (None, "mph") else number


def class_speeds(speeds: Mapping[str, float] | None = None) -> dict[str, float]:
    """The km/h of every highway class: :data:`DEFAULT_SPEEDS_KMH` with ``speeds`` over them.

    Parameters
    ----------
    speeds : mapping of str to float, optional
        km/h of some highway classes (keys of :data:`HIGHWAYS`), e.g. from a
        region's file.

    Returns
    -------
    dict of str to float
        km/h of each class of :data:`HIGHWAYS`, in that order.

    Raises
    ------
    InputError
        A class that is not one of :data:`HIGHWAYS`, or a speed that is not
        a positive finite number.

    """
    given = dict(speeds or {})
    unknown = sorted(set(given) - set(HIGHWAYS))
    if unknown:
        raise InputError(
            f"speeds: unknown highway class(es) {', '.join(map(repr, unknown))}; "
            f"give km/h for any of {', '.join(HIGHWAYS)}"
        )
    bad = {k: v for k, v in given.items() if not _positive_number(v)}
    if bad:
        raise InputError(f"speeds: km/h must be positive numbers; got {bad}")
    return {name: float(given.get(name, DEFAULT_SPEEDS_KMH[name])) for name in HIGHWAYS}


def _positive_number(value: object) -> bool:
    """True for a finite number above 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    return math.isfinite(float(value)) and float(value) > 0


def _maxspeeds(values: Iterable[str | None]) -> npt.NDArray[np.float64]:
    """:func:`parse_maxspeed` of each value as km/h, NaN for none (each distinct value once)."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object))
    parsed = [parse_maxspeed(str(u)) for u in uniques]
    table = np.array([np.nan if v is None else v for v in parsed] + [np.nan], dtype=np.float64)
    return table[codes]


def build_network(
    path: Path,
    snap_m: float = SNAP_TOLERANCE_M,
    *,
    speeds: Mapping[str, float] | None = None,
) -> RoadNetwork:
    """Read a road file into a drivable :class:`RoadNetwork` in EPSG:27700.

    Parameters
    ----------
    path : Path
        An OpenStreetMap file (``.osm.pbf``, ``.pbf`` or ``.osm``) or a
        GeoPackage (``.gpkg``) whose layer ``network`` holds road LineStrings
        with a ``highway`` column.
    snap_m : float
        GeoPackage only: dead ends closer than this to a vertex of another line
        are joined to it, metres.
    speeds : mapping of str to float, optional
        km/h of highway classes, over :data:`DEFAULT_SPEEDS_KMH` (a way's own
        ``maxspeed`` still comes first; see :func:`class_speeds`).

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputError
        The file does not exist or is not one of the accepted kinds, or
        ``speeds`` cannot be used.
    DataError
        The file cannot be read or holds no drivable road.

    """
    kmh = class_speeds(speeds)
    path = Path(path)
    name = path.name.lower()
    if not name.endswith((*_OSM_SUFFIXES, ".gpkg")):
        raise InputError(
            f"cannot build a road network from {path}: accepted files are OpenStreetMap "
            "(.osm.pbf, .pbf, .osm) or a GeoPackage (.gpkg) with a layer 'network' of roads"
        )
    if not path.is_file():
        raise InputError(f"road file {path} does not exist")
    if name.endswith(".gpkg"):
        try:
            lines = gpd.read_file(path, layer="network")
        except Exception as exc:  # any reader failure becomes one actionable message
            raise DataError(
                f"cannot read layer 'network' of {path} as road LineStrings: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        network = network_from_lines(lines, snap_m=snap_m, speeds=kmh)
    else:
        network = _assemble(*_read_osm(path), kmh)
    network.info["source"] = str(path)
    return network


def _car_access(get: Callable[[str], str | None]) -> bool:
    """True unless the most specific access tag that is set closes the way to cars."""
    for key in ACCESS_KEYS:
        value = get(key)
        if value is not None:
            return value not in NO_CAR_ACCESS
    return True


def _drop_reason(get: Callable[[str], str | None]) -> str | None:
    """Why a highway way is not drivable, or None to keep it."""
    if get("highway") not in _HIGHWAY_CODE:
        return "highway class"
    if get("service") in DROPPED_SERVICE:
        return "service kind"
    if get("area") == "yes":
        return "area"
    if not _car_access(get):
        return "access"
    return None


def _oneway(get: Callable[[str], str | None]) -> int:
    """1 one-way along the way, -1 against it, 0 two-way."""
    value = get("oneway")
    if value in _ONEWAY_FORWARD:
        return 1
    if value in _ONEWAY_BACKWARD:
        return -1
    if value is None and (get("junction") in _ONEWAY_JUNCTIONS or get("highway") == "motorway"):
        return 1
    return 0


@dataclass
class _Ways:
    """Ways as flat vertex arrays: vertex ids and EPSG:27700 coordinates, ``counts`` per way."""

    ids: npt.NDArray[np.int64]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    counts: npt.NDArray[np.int64]
    highway: npt.NDArray[np.uint8]
    oneway: npt.NDArray[np.int8]
    way: npt.NDArray[np.int64]
    name: npt.NDArray[np.object_]
    ref: npt.NDArray[np.object_]  # the way's OSM ``ref`` (e.g. "A140"); "" where it has none
    maxspeed: npt.NDArray[np.float64]  # the way's limit, km/h; NaN where it has none


def _read_osm(path: Path) -> tuple[_Ways, dict[str, Any]]:
    """Read the drivable ways of an OpenStreetMap file (one pass, node locations cached)."""
    import osmium

    refs: list[int] = []
    lon: list[int] = []
    lat: list[int] = []
    counts: list[int] = []
    highway: list[int] = []
    oneway: list[int] = []
    way_ids: list[int] = []
    names: list[str] = []
    road_refs: list[str] = []
    maxspeeds: list[str | None] = []
    dropped: Counter[str] = Counter()
    read = 0
    try:
        ways = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        # the entity filter passes only ways; the stub types every kind of OSM entity
        for way in cast("Iterable[osmium.osm.Way]", ways):
            read += 1
            get = way.tags.get
            reason = _drop_reason(get)
            if reason is not None:
                dropped[reason] += 1
                continue
            nodes = way.nodes
            refs.extend(n.ref for n in nodes)
            lon.extend(n.location.x for n in nodes)
            lat.extend(n.location.y for n in nodes)
            counts.append(len(nodes))
            highway.append(_HIGHWAY_CODE[way.tags["highway"]])
            oneway.append(_oneway(get))
            way_ids.append(way.id)
            names.append(get("name") or "")
            road_refs.append(get("ref") or "")
            maxspeeds.append(get("maxspeed"))
    except (RuntimeError, ValueError) as exc:
        raise DataError(
            f"cannot read {path} as OpenStreetMap data: {exc}; "
            "give an .osm.pbf or .osm file (e.g. a Geofabrik extract)"
        ) from exc
    lon_a = np.asarray(lon, dtype=np.int64)
    lat_a = np.asarray(lat, dtype=np.int64)
    counts_a = np.asarray(counts, dtype=np.int64)
    invalid_vertex = (np.abs(lon_a) > 1_800_000_000) | (np.abs(lat_a) > 900_000_000)
    way_of = np.repeat(np.arange(len(counts_a)), counts_a)
    incomplete = np.bincount(way_of[invalid_vertex], minlength=len(counts_a)) > 0
    keep_vertex = ~incomplete[way_of]
    x, y = _to_bng().transform(lon_a[keep_vertex] * _COORD_SCALE, lat_a[keep_vertex] * _COORD_SCALE)
    kept = ~incomplete
    if incomplete.any():
        dropped["node missing from the extract"] += int(incomplete.sum())
    ways_out = _Ways(
        ids=np.asarray(refs, dtype=np.int64)[keep_vertex],
        x=np.asarray(x),
        y=np.asarray(y),
        counts=counts_a[kept],
        highway=np.asarray(highway, dtype=np.uint8)[kept],
        oneway=np.asarray(oneway, dtype=np.int8)[kept],
        way=np.asarray(way_ids, dtype=np.int64)[kept],
        name=np.asarray(names, dtype=object)[kept],
        ref=np.asarray(road_refs, dtype=object)[kept],
        maxspeed=_maxspeeds(maxspeeds)[kept],
    )
    info = {"format": "osm", "highway_ways_read": read, "ways_kept": int(kept.sum())}
    info["ways_dropped"] = dict(sorted(dropped.items()))
    return ways_out, info


def _column(lines: pd.DataFrame, key: str) -> pd.Series:
    """A tag column as strings with None where untagged (all None if the column is absent)."""
    if key not in lines:
        return pd.Series(None, index=lines.index, dtype=object)
    values = lines[key].astype(object)
    return values.where(values.notna() & (values != ""), None)


def _frame_rules(lines: pd.DataFrame) -> tuple[pd.Series, npt.NDArray[np.int64]]:
    """Vectorised :func:`_drop_reason` and :func:`_oneway` over a frame of tag columns."""
    highway, service, area = (_column(lines, k) for k in ("highway", "service", "area"))
    access = _column(lines, ACCESS_KEYS[0])
    for key in ACCESS_KEYS[1:]:
        access = access.fillna(_column(lines, key))
    reason = pd.Series(None, index=lines.index, dtype=object)
    checks = (
        ("access", access.isin(NO_CAR_ACCESS)),
        ("area", area == "yes"),
        ("service kind", service.isin(DROPPED_SERVICE)),
        ("highway class", ~highway.isin(HIGHWAYS)),
    )
    for label, mask in checks:
        reason[mask] = label
    oneway_tag = _column(lines, "oneway")
    implied = oneway_tag.isna() & (
        _column(lines, "junction").isin(_ONEWAY_JUNCTIONS) | (highway == "motorway")
    )
    oneway = np.select(
        [oneway_tag.isin(_ONEWAY_FORWARD) | implied, oneway_tag.isin(_ONEWAY_BACKWARD)], [1, -1], 0
    )
    return reason, oneway


def network_from_lines(
    lines: gpd.GeoDataFrame,
    snap_m: float = SNAP_TOLERANCE_M,
    *,
    speeds: Mapping[str, float] | None = None,
) -> RoadNetwork:
    """Node a layer of road LineStrings into a :class:`RoadNetwork`.

    Parameters
    ----------
    lines : GeoDataFrame
        (Multi)LineStrings with a CRS and a ``highway`` column; optional OSM tag
        columns ``name``, ``ref``, ``oneway``, ``junction``, ``service``, ``area``,
        ``access``, ``vehicle``, ``motor_vehicle``, ``motorcar``, ``maxspeed``
        and ``osm_id`` follow the same rules as OpenStreetMap ways (module
        docstring).
    snap_m : float
        Dead ends closer than this to a vertex of another line are joined to
        it, metres.
    speeds : mapping of str to float, optional
        km/h of highway classes, over :data:`DEFAULT_SPEEDS_KMH` (a line's own
        ``maxspeed`` still comes first; see :func:`class_speeds`).

    Returns
    -------
    RoadNetwork
        ``info`` says how many lines were kept, how many dead ends were joined
        and how many pieces the lines made before noding (ends only).

    Raises
    ------
    InputError
        No CRS, no ``highway`` column, geometries that are not lines, or
        ``speeds`` that cannot be used.
    DataError
        No drivable road among the lines.

    """
    kmh = class_speeds(speeds)
    lines = to_bng(lines, "the road lines")
    if "highway" not in lines:
        raise InputError(
            f"road lines need a 'highway' column (OSM classes); found {', '.join(lines.columns)}"
        )
    lines = lines.explode(index_parts=False)
    kinds = set(lines.geom_type.dropna())
    if not kinds <= {"LineString"}:
        raise InputError(f"road lines must be LineStrings; found {', '.join(sorted(kinds))}")
    reason, oneway = _frame_rules(lines)
    keep = (reason.isna() & lines.geometry.notna() & ~lines.geometry.is_empty).to_numpy()
    dropped = reason[~keep].fillna("empty geometry").value_counts()
    if not keep.any():
        raise DataError(
            f"no drivable road among {len(lines):,} lines (dropped: "
            f"{', '.join(f'{k} {v:,}' for k, v in dropped.items())}); "
            f"highway must be one of {', '.join(HIGHWAYS)}"
        )
    kept = lines[keep].to_crs(BNG)
    coords, line_of = shapely.get_coordinates(kept.geometry.values, return_index=True)
    ids, coords, joined, line_piece = _node_vertices(coords, line_of, len(kept), snap_m)
    piece_m = np.bincount(
        np.unique(line_piece, return_inverse=True)[1], weights=shapely.length(kept.geometry.values)
    )
    way = pd.to_numeric(_column(kept, "osm_id"), errors="coerce").fillna(-1).astype(np.int64)
    ways = _Ways(
        ids=ids,
        x=coords[:, 0],
        y=coords[:, 1],
        counts=np.bincount(line_of, minlength=len(kept)),
        highway=np.asarray(kept["highway"].map(_HIGHWAY_CODE), dtype=np.uint8),
        oneway=oneway[keep].astype(np.int8),
        way=np.asarray(way, dtype=np.int64),
        name=_column(kept, "name").fillna("").to_numpy(object),
        ref=_column(kept, "ref").fillna("").to_numpy(object),
        maxspeed=_maxspeeds(_column(kept, "maxspeed")),
    )
    info = {
        "format": "lines",
        "lines_read": len(lines),
        "ways_kept": len(kept),
        "ways_dropped": {str(k): int(v) for k, v in dropped.items()},
        "pieces_before_noding": len(piece_m),
        "largest_share_before_noding": round(float(piece_m.max() / piece_m.sum()), 4),
        "snap_m": snap_m,
        "ends_joined": joined,
    }
    return _assemble(ways, info, kmh)


def _node_vertices(
    coords: npt.NDArray[np.float64], line_of: npt.NDArray[np.intp], n_lines: int, snap_m: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int, npt.NDArray[np.int32]]:
    """Give vertices at the same place one id and join dead ends to other lines' vertices.

    Returns the vertex ids, the coordinates (joined ends moved onto their
    target), the number of ends joined and, per line, the piece it belongs to
    when only end points connect lines (the network before noding).
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    _, vid = np.unique(np.round(coords, 3), axis=0, return_inverse=True)
    vid = vid.ravel()
    n_vid = int(vid.max()) + 1
    counts = np.bincount(line_of, minlength=n_lines)
    last = np.cumsum(counts) - 1
    ends = np.concatenate([last - counts + 1, last])
    end_graph = sparse.coo_array(
        (np.ones(n_lines), (vid[ends[:n_lines]], vid[ends[n_lines:]])), shape=(n_vid, n_vid)
    )
    _, end_labels = connected_components(end_graph, directed=False)
    line_piece = end_labels[vid[ends[:n_lines]]]

    pairs = np.unique(np.column_stack([vid, line_of]), axis=0)
    lines_at = np.bincount(pairs[:, 0], minlength=n_vid)
    dead = ends[lines_at[vid[ends]] == 1]
    k = min(8, len(coords))
    dist, near = cKDTree(coords).query(coords[dead], k=k, distance_upper_bound=snap_m)
    near = np.where(np.isfinite(dist), near, -1).reshape(len(dead), k)
    other = (near >= 0) & (line_of[np.maximum(near, 0)] != line_of[dead][:, None])
    has = other.any(axis=1)
    target = near[np.flatnonzero(has), other[has].argmax(axis=1)]
    merge = sparse.coo_array(
        (np.ones(int(has.sum())), (vid[dead[has]], vid[target])), shape=(n_vid, n_vid)
    )
    _, label = connected_components(merge, directed=False)
    # each merged group sits where its best-connected vertex is (a real junction, not a dead end)
    first_at = np.full(n_vid, len(vid))
    np.minimum.at(first_at, vid, np.arange(len(vid)))
    order = np.lexsort((np.arange(n_vid), -lines_at, label))
    head = np.ones(n_vid, dtype=bool)
    head[1:] = label[order][1:] != label[order][:-1]
    where = np.empty(label.max() + 1, dtype=np.int64)
    where[label[order][head]] = first_at[order][head]
    ids = label[vid]
    return ids.astype(np.int64), coords[where[ids]], int(has.sum()), line_piece


def _assemble(ways: _Ways, info: dict[str, Any], kmh: Mapping[str, float]) -> RoadNetwork:
    """Split ways at junctions into edges and number the junctions as nodes.

    ``kmh`` is the speed of each highway class (:func:`class_speeds`); an edge
    whose way has a ``maxspeed`` is driven at :data:`MAXSPEED_SHARE` of it.
    """
    n_ways = len(ways.counts)
    start = np.cumsum(ways.counts) - ways.counts
    way_of = np.repeat(np.arange(n_ways), ways.counts)
    position = np.arange(len(way_of))
    backward = ways.oneway[way_of] < 0
    flip = np.where(backward, 2 * start[way_of] + ways.counts[way_of] - 1 - position, position)
    ids, x, y = ways.ids[flip], ways.x[flip], ways.y[flip]

    repeat = np.zeros(len(ids), dtype=bool)
    repeat[1:] = (ids[1:] == ids[:-1]) & (way_of[1:] == way_of[:-1])
    counts = np.bincount(way_of[~repeat], minlength=n_ways)
    keep = ~repeat & (counts[way_of] >= 2)
    ids, x, y, way_of = ids[keep], x[keep], y[keep], way_of[keep]
    if len(ids) == 0:
        raise DataError(f"no drivable road (highway classes {', '.join(HIGHWAYS)}) in the file")

    boundary = way_of[1:] != way_of[:-1]
    first = np.concatenate([[True], boundary])
    last = np.concatenate([boundary, [True]])
    _, vertex, uses = np.unique(ids, return_inverse=True, return_counts=True)
    split = np.flatnonzero(first | last | (uses[vertex] > 1))
    a, b = split[:-1], split[1:]
    same = way_of[a] == way_of[b]
    a, b = a[same], b[same]

    n_points = b - a + 1
    take = np.repeat(a - (np.cumsum(n_points) - n_points), n_points) + np.arange(n_points.sum())
    offsets = np.concatenate([[0], np.cumsum(n_points)])
    geometry = shapely.from_ragged_array(
        shapely.GeometryType.LINESTRING, np.column_stack([x[take], y[take]]), (offsets,)
    )

    node_ids, node = np.unique(np.concatenate([ids[a], ids[b]]), return_inverse=True)
    node_x = np.empty(len(node_ids))
    node_y = np.empty(len(node_ids))
    node_x[node] = np.concatenate([x[a], x[b]])
    node_y[node] = np.concatenate([y[a], y[b]])

    labels = np.concatenate([np.array([""]), ways.name.astype(str), ways.ref.astype(str)])
    names, label_code = np.unique(labels, return_inverse=True)
    name_code, ref_code = np.split(label_code[1:], 2)
    edge_way = way_of[a]
    limit = ways.maxspeed[edge_way]
    tagged = np.isfinite(limit)
    by_class = np.array([kmh[name] for name in HIGHWAYS], dtype=np.float64)
    info["speeds"] = {
        "kmh_by_class": dict(kmh),
        "maxspeed_share": MAXSPEED_SHARE,
        "maxspeed_edges": int(tagged.sum()),
        "class_speed_edges": int((~tagged).sum()),
    }
    return RoadNetwork(
        node_x=node_x,
        node_y=node_y,
        edge_u=node[: len(a)].astype(np.int32),
        edge_v=node[len(a) :].astype(np.int32),
        edge_length=shapely.length(geometry),
        edge_highway=ways.highway[edge_way],
        edge_speed=np.where(tagged, limit * MAXSPEED_SHARE, by_class[ways.highway[edge_way]]),
        edge_oneway=ways.oneway[edge_way] != 0,
        edge_way=ways.way[edge_way],
        edge_name=name_code[edge_way].astype(np.int32),
        edge_ref=ref_code[edge_way].astype(np.int32),
        names=names,
        geometry=geometry,
        info=info,
    )
