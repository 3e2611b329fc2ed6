"""An offline basemap drawn from a region's own build: JSON vector tiles of roads and places.

The map page draws it (``static/basemap.js``) from tiles that
``GET /api/v1/basemap/<region>/<z>/<x>/<y>.json`` serves (:mod:`geozones.web.tiles`);
nothing is asked of another site. :class:`Basemap` holds a region's roads (the
``roads`` layer of its build: the road network's edges, merged into lines of one
class, name and reference) and its populated places (OS Open Names, GeoNames),
projected once to Web Mercator (EPSG:3857) and indexed with an STRtree; a tile
is cut from them with shapely's array functions, in milliseconds.

Tile format
-----------
A tile is the standard XYZ (slippy map) tile ``z/x/y`` of a 256-pixel grid
(``x`` eastwards and ``y`` southwards from the north-west corner of the world),
as JSON::

    {"extent": 1024,
     "roads": [[class, name, ref, [x0, y0, x1, y1, ...]], ...],
     "places": [[name, kind, x, y], ...]}

* Positions are whole numbers of tile units: ``extent`` (:data:`EXTENT`) units
  across the tile, each a quarter of a pixel; ``x`` to the east and ``y`` down from
  the tile's top-left corner. Lines run :data:`BUFFER_PX` pixels past the
  tile's edges, so that their ends and casings meet their neighbours'.
* ``roads`` lists lines in drawing order, the least important class first:
  ``class`` is one of :data:`ROAD_CLASSES` (``motorway``, ``trunk``,
  ``primary``, ``secondary``, ``tertiary``, ``minor``, ``service``), shown
  from its class's zoom on; ``name`` (e.g. ``"Prince of Wales Road"``) and
  ``ref`` (e.g. ``"A147"``) are the labels to draw at this zoom, ``""`` when
  there is none or the zoom is too low for it (:class:`RoadClass`). A line is
  simplified to half a pixel. A build whose roads have no ``ref`` column
  (built before references were kept) labels by name only.
* ``places`` lists the places whose point lies inside the tile, the most
  important first (by kind, then population): ``kind`` is one of
  :data:`PLACE_KINDS` (``city``, ``town``, ``village``, ``suburb``,
  ``hamlet``), each shown from its zoom in :data:`PLACE_ZOOMS`.

Tiles exist for zooms :data:`MIN_ZOOM` to :data:`MAX_ZOOM`; one beyond the
region's roads and places is simply empty. A region built without roads has
places only.

Zooms
-----
What a tile holds grows with its zoom (:data:`ROAD_CLASSES`, :data:`PLACE_ZOOMS`):

=========  ======  =============  =======
class      drawn   ref given      name
=========  ======  =============  =======
motorway   8       8              14
trunk      8       9              14
primary    8       10             14
secondary  10      12             14
tertiary   12      14             14
minor      13      16             15
service    15      17             16
=========  ======  =============  =======

Places: cities from zoom 8, towns from 9, villages from 11, suburbs and hamlets
from 13. ``minor`` is ``unclassified``, ``residential``, ``living_street`` and
``road``; each class holds its ``_link`` roads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypedDict

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer

from geozones._cache import clearable
from geozones._errors import InputError
from geozones._settings import BNG
from geozones._validate import to_bng
from geozones.regions.data import RegionData

__all__ = [
    "BUFFER_PX",
    "EXTENT",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "PLACE_KINDS",
    "PLACE_ZOOMS",
    "ROAD_CLASSES",
    "TILE_PX",
    "Basemap",
    "RoadClass",
    "Tile",
    "region_basemap",
]

#: Web Mercator, the CRS of the tile grid.
WEB_MERCATOR = "EPSG:3857"
#: Half the width of the Web Mercator world, metres (pi times the WGS84 major radius).
HALF_WORLD_M = math.pi * 6_378_137.0
#: Pixels across a tile.
TILE_PX = 256
#: Tile units across a tile (a quarter of a pixel each).
EXTENT = 1024
#: Pixels that lines run past a tile's edges.
BUFFER_PX = 8
#: Lowest and highest zoom served.
MIN_ZOOM, MAX_ZOOM = 8, 18
#: Basemaps (one per region build) kept per process.
BASEMAP_CACHE_SIZE = 4


@dataclass(frozen=True)
class RoadClass:
    """A class of road on the basemap and the zooms it is drawn and labelled from.

    Attributes
    ----------
    name : str
        The class, as tiles name it (e.g. ``minor``).
    highways : tuple of str
        The OSM ``highway`` values it holds (the road network's classes).
    zoom : int
        Lowest zoom it is drawn at.
    ref_zoom : int
        Lowest zoom its references (``A140``) are given.
    name_zoom : int
        Lowest zoom its names are given.

    """

    name: str
    highways: tuple[str, ...]
    zoom: int
    ref_zoom: int
    name_zoom: int


#: Road classes, the most important first.
ROAD_CLASSES: tuple[RoadClass, ...] = (
    RoadClass("motorway", ("motorway", "motorway_link"), 8, 8, 14),
    RoadClass("trunk", ("trunk", "trunk_link"), 8, 9, 14),
    RoadClass("primary", ("primary", "primary_link"), 8, 10, 14),
    RoadClass("secondary", ("secondary", "secondary_link"), 10, 12, 14),
    RoadClass("tertiary", ("tertiary", "tertiary_link"), 12, 14, 14),
    RoadClass("minor", ("unclassified", "residential", "living_street", "road"), 13, 16, 15),
    RoadClass("service", ("service",), 15, 17, 16),
)
#: Kinds of place, the most important first.
PLACE_KINDS: tuple[str, ...] = ("city", "town", "village", "suburb", "hamlet")
#: Lowest zoom each kind of place is given at.
PLACE_ZOOMS: dict[str, int] = {"city": 8, "town": 9, "village": 11, "suburb": 13, "hamlet": 13}
#: The kind of each OS Open Names ``local_type``; any other is a hamlet.
_LOCAL_TYPE_KIND = {
    "City": "city",
    "Town": "town",
    "Village": "village",
    "Suburban Area": "suburb",
    "Hamlet": "hamlet",
    "Other Settlement": "hamlet",
}
#: A town of this population or more (GeoNames' Norwich) is drawn as a city.
CITY_POPULATION = 100_000

_CLASS_OF_HIGHWAY = {h: code for code, c in enumerate(ROAD_CLASSES) for h in c.highways}
_CLASS_NAMES = np.array([c.name for c in ROAD_CLASSES], dtype=object)
_CLASS_ZOOMS = np.array([[c.zoom, c.ref_zoom, c.name_zoom] for c in ROAD_CLASSES])


class Tile(TypedDict):
    """One tile, as JSON (see the module docstring)."""

    extent: int
    roads: list[list[Any]]
    places: list[list[Any]]


@clearable(maxsize=None)
def _to_web_mercator() -> Transformer:
    return Transformer.from_crs(BNG, WEB_MERCATOR, always_xy=True)


def _project(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """EPSG:27700 metres, shape (n, 2), to EPSG:3857 metres."""
    x, y = _to_web_mercator().transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The west, south, east and north edges of tile ``z/x/y``, EPSG:3857 metres."""
    size = 2 * HALF_WORLD_M / 2**z
    west, north = -HALF_WORLD_M + x * size, HALF_WORLD_M - y * size
    return west, north - size, west + size, north


def check_tile(z: int, x: int, y: int) -> None:
    """Raise InputError, saying what is accepted, unless ``z/x/y`` is a tile served."""
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise InputError(
            f"the basemap has zooms {MIN_ZOOM} to {MAX_ZOOM}; got zoom {z}. "
            f"Ask for /<z>/<x>/<y>.json with z from {MIN_ZOOM} to {MAX_ZOOM}"
        )
    last = 2**z - 1
    if not (0 <= x <= last and 0 <= y <= last):
        raise InputError(
            f"tile x={x}, y={y} is outside the grid of zoom {z}: x and y run from 0 to {last}"
        )


@dataclass(frozen=True)
class _Lines:
    """Road lines in drawing order (the least important class first), EPSG:3857."""

    geometry: npt.NDArray[np.object_]
    road_class: npt.NDArray[np.int64]  # position in ROAD_CLASSES
    name: npt.NDArray[np.object_]
    ref: npt.NDArray[np.object_]


@dataclass(frozen=True)
class _Places:
    """Places, the most important first, EPSG:3857."""

    xy: npt.NDArray[np.float64]
    name: npt.NDArray[np.object_]
    kind: npt.NDArray[np.object_]
    zoom: npt.NDArray[np.int64]


def _need(frame: pd.DataFrame, columns: set[str], what: str) -> None:
    missing = columns - set(frame.columns)
    if missing:
        raise InputError(
            f"basemap {what} need column(s) {', '.join(sorted(missing))}; "
            f"found {', '.join(map(str, frame.columns))}"
        )


def _road_lines(roads: gpd.GeoDataFrame) -> _Lines:
    """Roads of a basemap class merged per class, name and ref, projected and ordered."""
    _need(roads, {"highway", "name"}, "roads")
    roads = to_bng(roads, "the basemap's roads")
    lines = roads[roads["highway"].isin(_CLASS_OF_HIGHWAY).to_numpy()]
    ref = lines["ref"] if "ref" in lines else pd.Series("", index=lines.index, dtype=object)
    group, keys = pd.factorize(
        pd.MultiIndex.from_arrays(
            [
                lines["highway"].map(_CLASS_OF_HIGHWAY).astype(np.int64),
                lines["name"].fillna("").astype(str),
                ref.fillna("").astype(str),
            ]
        ),
        sort=True,
    )
    order = np.argsort(group, kind="stable")
    merged = shapely.line_merge(
        shapely.multilinestrings(lines.geometry.to_numpy()[order], indices=group[order])
    )
    parts, of_group = shapely.get_parts(merged, return_index=True)
    group_class = keys.get_level_values(0).to_numpy(np.int64)
    draw = np.argsort(-group_class[of_group], kind="stable")  # the least important first
    of_group = of_group[draw]
    return _Lines(
        geometry=shapely.transform(parts[draw], _project),
        road_class=group_class[of_group],
        name=keys.get_level_values(1).to_numpy(object)[of_group],
        ref=keys.get_level_values(2).to_numpy(object)[of_group],
    )


def _place_points(places: gpd.GeoDataFrame) -> _Places:
    """Named places with their kind, projected and sorted by kind, population and name."""
    _need(places, {"name", "local_type", "population"}, "places")
    places = to_bng(places, "the basemap's places")
    names = places["name"].fillna("").astype(str).str.strip()
    places, names = places[names.ne("").to_numpy()], names[names.ne("")]
    population = pd.to_numeric(places["population"], errors="coerce").fillna(0)
    kind = places["local_type"].map(_LOCAL_TYPE_KIND).fillna("hamlet")
    kind = kind.mask((kind == "town") & (population >= CITY_POPULATION), "city")
    rank = kind.map({k: i for i, k in enumerate(PLACE_KINDS)}).to_numpy()
    order = np.lexsort((names.to_numpy(str), -population.to_numpy(), rank))
    xy = _project(shapely.get_coordinates(places.geometry.to_numpy()))
    return _Places(
        xy=xy[order],
        name=names.to_numpy(object)[order],
        kind=kind.to_numpy(object)[order],
        zoom=np.asarray(kind.map(PLACE_ZOOMS), dtype=np.int64)[order],
    )


def _to_units(
    xy: npt.NDArray[np.float64], west: float, north: float, scale: float
) -> npt.NDArray[np.int64]:
    """EPSG:3857 metres to whole tile units from the tile's top-left corner (y down)."""
    return np.rint((xy - [west, north]) * [scale, -scale]).astype(np.int64)


class Basemap:
    """A region's roads and places in Web Mercator, cut into tiles on demand.

    Parameters
    ----------
    roads : GeoDataFrame or None
        Road lines (EPSG:27700 as a build holds them, or any CRS) with
        ``highway`` (OSM classes) and ``name``, and optionally ``ref``; None for
        a region built without roads. Lines of one class, name and reference
        are merged where they meet; highway classes of no :data:`ROAD_CLASSES`
        are left out.
    places : GeoDataFrame
        Place points (EPSG:27700, or any CRS) with ``name``, ``local_type``
        (OS Open Names) and ``population`` (people; empty where unknown).

    Raises
    ------
    InputError
        A layer without the columns named above, or without a CRS.

    """

    def __init__(self, roads: gpd.GeoDataFrame | None, places: gpd.GeoDataFrame) -> None:
        if roads is None:
            roads = gpd.GeoDataFrame({"highway": [], "name": []}, geometry=[], crs=BNG)
        self._lines = _road_lines(roads)
        self._tree = shapely.STRtree(self._lines.geometry)
        self._places = _place_points(places)

    @classmethod
    def from_region(cls, region: RegionData) -> Basemap:
        """The basemap of a built region (its ``roads`` and ``places`` layers)."""
        return cls(region.roads, region.places)

    @property
    def n_lines(self) -> int:
        """Road lines held (after merging)."""
        return len(self._lines.geometry)

    def tile(self, z: int, x: int, y: int) -> Tile:
        """The roads and places of tile ``z/x/y`` (the module docstring gives the format).

        Parameters
        ----------
        z : int
            Zoom, :data:`MIN_ZOOM` to :data:`MAX_ZOOM`.
        x, y : int
            Column (eastwards) and row (southwards) of the tile, 0 to ``2**z - 1``.

        Raises
        ------
        InputError
            A zoom, column or row outside those ranges.

        """
        check_tile(z, x, y)
        bounds = tile_bounds(z, x, y)
        return {
            "extent": EXTENT,
            "roads": self._tile_roads(z, bounds),
            "places": self._tile_places(z, bounds),
        }

    def _tile_roads(self, z: int, bounds: tuple[float, float, float, float]) -> list[list[Any]]:
        """``[class, name, ref, [x0, y0, ...]]`` of the lines crossing a tile, in drawing order."""
        west, south, east, north = bounds
        scale = EXTENT / (east - west)  # tile units per metre
        pad = BUFFER_PX * EXTENT / TILE_PX / scale
        rect = (west - pad, south - pad, east + pad, north + pad)
        lines = self._lines
        hits = np.sort(self._tree.query(shapely.box(*rect)))
        hits = hits[_CLASS_ZOOMS[lines.road_class[hits], 0] <= z]
        cut = shapely.simplify(
            shapely.clip_by_rect(lines.geometry[hits], *rect),
            EXTENT / TILE_PX / 2 / scale,  # half a pixel, metres
            preserve_topology=False,
        )
        parts, of_hit = shapely.get_parts(cut, return_index=True)
        is_line = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
        parts, of_hit = parts[is_line], of_hit[is_line]
        xy, of_part = shapely.get_coordinates(parts, return_index=True)
        units = _to_units(xy, west, north, scale)
        # a vertex that rounds onto the one before it adds nothing
        repeat = np.zeros(len(units), dtype=bool)
        repeat[1:] = (of_part[1:] == of_part[:-1]) & (units[1:] == units[:-1]).all(axis=1)
        units, of_part = units[~repeat], of_part[~repeat]
        counts = np.bincount(of_part, minlength=len(parts))
        stops = np.cumsum(2 * counts)
        kept = np.flatnonzero(counts >= 2)
        road = hits[of_hit[kept]]
        zooms = _CLASS_ZOOMS[lines.road_class[road]]
        flat = units.ravel().tolist()
        return [
            [cls, name, ref, flat[start:stop]]
            for cls, name, ref, start, stop in zip(
                _CLASS_NAMES[lines.road_class[road]].tolist(),
                np.where(zooms[:, 2] <= z, lines.name[road], "").tolist(),
                np.where(zooms[:, 1] <= z, lines.ref[road], "").tolist(),
                (stops - 2 * counts)[kept].tolist(),
                stops[kept].tolist(),
                strict=True,
            )
        ]

    def _tile_places(self, z: int, bounds: tuple[float, float, float, float]) -> list[list[Any]]:
        """``[name, kind, x, y]`` of the places inside a tile, the most important first."""
        west, south, east, north = bounds
        places = self._places
        px, py = places.xy[:, 0], places.xy[:, 1]
        inside = (px >= west) & (px < east) & (py > south) & (py <= north)
        shown = np.flatnonzero(inside & (places.zoom <= z))
        units = _to_units(places.xy[shown], west, north, EXTENT / (east - west))
        return [
            [name, kind, u, v]
            for name, kind, (u, v) in zip(
                places.name[shown].tolist(),
                places.kind[shown].tolist(),
                units.tolist(),
                strict=True,
            )
        ]


@clearable(maxsize=BASEMAP_CACHE_SIZE)
def region_basemap(region: RegionData, stamp: int) -> Basemap:
    """The basemap of a region's build, made once per build (``stamp``: its build time)."""
    del stamp
    return Basemap.from_region(region)
