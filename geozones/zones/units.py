"""Building-block units of zone plans: LSOAs or wards as a clean coverage, with attributes.

A zone plan assigns whole units to zones, so everything a plan needs to know
about its units lives here, computed once per region and layer:

* **Geometry.** The unit polygons (EPSG:27700) as a coverage: no overlaps, so
  zones dissolved from them neither overlap nor leave gaps. Where the source
  boundaries overlap slightly (Norfolk's LSOAs E01026829 and E01026830 share
  0.006 m2), the later unit (in layer order) is trimmed by the earlier one.
* **Attributes.** ``population`` (mid-2017) and ``age65`` (Census 2021). LSOAs
  carry their own; a ward gets the LSOA figures apportioned by area overlap
  (an LSOA half inside a ward gives it half its people).
* **Adjacency.** Two units are neighbours when their polygons come within
  :data:`ADJACENCY_TOLERANCE_M` of each other (so touching at a corner counts).
  A unit with no neighbour, such as an offshore piece, is its own component.
* **Points.** Each unit's population-weighted point: the mean of the postcodes
  inside it, or its representative point when it holds none.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geozones._cache import clearable
from geozones._errors import InputError
from geozones._settings import BNG
from geozones._spatial import UnitIndex
from geozones.regions.data import RegionData

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "ADJACENCY_TOLERANCE_M",
    "UNIT_LAYERS",
    "UnitLayer",
    "apportion",
    "clean_coverage",
    "load_units",
]

#: Layers of a region that can be the units of a plan.
UNIT_LAYERS: tuple[str, ...] = ("units", "wards")
#: Polygons closer than this (metres) are neighbours.
ADJACENCY_TOLERANCE_M = 1.0

Geoms = npt.NDArray[np.object_]


def clean_coverage(geoms: npt.ArrayLike) -> tuple[Geoms, npt.NDArray[np.bool_]]:
    """Trim overlapping polygons so that together they form a valid coverage.

    Parameters
    ----------
    geoms : ndarray of Polygon or MultiPolygon
        Polygons that should tile an area, EPSG:27700.

    Returns
    -------
    geoms : ndarray of geometry
        The polygons, each overlapped one trimmed by the earlier ones it overlaps.
    trimmed : ndarray of bool
        True for the polygons that were trimmed.

    """
    out = np.asarray(geoms, dtype=object).copy()
    trimmed = np.zeros(len(out), dtype=bool)
    if shapely.coverage_is_valid(out):
        return out, trimmed
    first, later = shapely.STRtree(out).query(out, predicate="overlaps")
    keep = first < later
    first, later = first[keep], later[keep]
    trimmed[later] = True
    while len(later):
        # one overlapping earlier polygon per trimmed polygon per round
        head = np.unique(later, return_index=True)[1]
        out[later[head]] = shapely.difference(out[later[head]], out[first[head]])
        rest = np.ones(len(later), dtype=bool)
        rest[head] = False
        first, later = first[rest], later[rest]
    return out, trimmed


def apportion(
    source: gpd.GeoDataFrame, columns: list[str], targets: Geoms
) -> dict[str, npt.NDArray[np.float64]]:
    """Share counts of source polygons among target polygons by area overlap.

    Parameters
    ----------
    source : GeoDataFrame
        Polygons holding counts (e.g. LSOAs with ``population``), EPSG:27700.
    columns : list of str
        Count columns of ``source``.
    targets : ndarray of geometry
        Target polygons (e.g. wards), EPSG:27700.

    Returns
    -------
    dict of str to ndarray of float64
        Per column, each target's count: the sum over source polygons of their
        count times the share of their area inside the target.

    """
    geoms = source.geometry.to_numpy()
    target_i, source_i = shapely.STRtree(geoms).query(targets, predicate="intersects")
    overlap = shapely.area(shapely.intersection(targets[target_i], geoms[source_i]))
    share = overlap / shapely.area(geoms[source_i])
    # numpy's stub types bincount as intp even when float weights make it float64
    return {
        column: cast(
            "npt.NDArray[np.float64]",
            np.bincount(
                target_i,
                weights=source[column].to_numpy(dtype=float)[source_i] * share,
                minlength=len(targets),
            ),
        )
        for column in columns
    }


@dataclass(eq=False)
class UnitLayer:
    """The units of one region layer, ready for plans.

    Attributes
    ----------
    region : RegionData
        The region the units come from.
    layer : str
        ``units`` (LSOA 2011) or ``wards`` (2013 wards).
    frame : GeoDataFrame
        Indexed by unit code (index name ``unit``), in layer order: ``name``,
        ``district``, ``district_name``, ``population`` (mid-2017),
        ``age65`` (Census 2021), ``area_km2`` and the trimmed polygons
        (EPSG:27700).
    trimmed : tuple of str
        Codes of the units trimmed where their source polygon overlapped another.

    """

    region: RegionData
    layer: str
    frame: gpd.GeoDataFrame
    trimmed: tuple[str, ...]

    @property
    def codes(self) -> pd.Index:
        """Unit codes in layer order."""
        return self.frame.index

    @property
    def geoms(self) -> Geoms:
        """Unit polygons in layer order, EPSG:27700."""
        return self.frame.geometry.to_numpy()

    @cached_property
    def index(self) -> UnitIndex:
        """Places points in these units by the one rule of :mod:`geozones._spatial`."""
        return UnitIndex(self.geoms)

    def positions(
        self, codes: pd.Index | npt.NDArray[np.object_] | list[str]
    ) -> npt.NDArray[np.intp]:
        """Position of each code in the layer, -1 where the layer has no such unit."""
        return self.codes.get_indexer(pd.Index(codes))

    def demand_positions(
        self, demand: pd.DataFrame, columns: tuple[str, ...]
    ) -> npt.NDArray[np.intp]:
        """Position in this layer of each demand row's ``unit``.

        Raises
        ------
        InputError
            A required column is missing, or a unit code is not in the layer
            (naming the first such row).

        """
        missing = [c for c in columns if c not in demand.columns]
        if missing:
            raise InputError(
                f"demand is missing column(s) {', '.join(missing)}; it needs "
                f"{', '.join(columns)} (one row per unit or per package; optionally rate "
                "and modelled)"
            )
        codes = demand["unit"].astype(str).to_numpy()
        positions = self.positions(codes)
        unknown = np.flatnonzero(positions < 0)
        if len(unknown):
            raise InputError(
                f"demand has {len(unknown)} unit code(s) that {self.region.name}'s "
                f"{self.layer} layer does not have, e.g. {codes[unknown[0]]!r} "
                f"in row {unknown[0] + 1}"
            )
        return positions

    @cached_property
    def _pairs(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        a, b = shapely.STRtree(self.geoms).query(
            self.geoms, predicate="dwithin", distance=ADJACENCY_TOLERANCE_M
        )
        other = a != b
        return a[other], b[other]

    @property
    def adjacency(self) -> sparse.csr_array:
        """Symmetric boolean matrix of neighbouring units (no diagonal), in layer order."""
        from scipy import sparse  # loads only when neighbours are asked for

        a, b = self._pairs
        n = len(self.frame)
        return sparse.csr_array((np.ones(len(a), dtype=bool), (a, b)), shape=(n, n))

    def components(self, labels: npt.NDArray[np.integer]) -> npt.NDArray[np.int32]:
        """Connected piece of every unit among the neighbours that share its label.

        Parameters
        ----------
        labels : ndarray of int, one per unit in layer order
            E.g. each unit's zone number.

        Returns
        -------
        ndarray of int
            Component number per unit; two units have the same number when a
            chain of neighbouring units with their label joins them.

        """
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        a, b = self._pairs
        same = labels[a] == labels[b]
        n = len(self.frame)
        graph = sparse.coo_array((np.ones(int(same.sum())), (a[same], b[same])), shape=(n, n))
        return connected_components(graph, directed=False)[1]

    @cached_property
    def points(self) -> npt.NDArray[np.float64]:
        """Population-weighted point of every unit, shape (n, 2), EPSG:27700 metres.

        The mean of the region's postcodes inside the unit, or the unit's
        representative point when it holds no postcode.
        """
        xy = shapely.get_coordinates(self.region.postcodes.geometry.to_numpy())
        # the stub cannot tell an (n, 2) array from the coordinates of one point
        points = cast("Geoms", shapely.points(xy))
        unit_i, point_i = shapely.STRtree(points).query(self.geoms, predicate="contains")
        count = np.bincount(unit_i, minlength=len(self.frame))
        out = shapely.get_coordinates(shapely.point_on_surface(self.geoms))
        held = count > 0
        for axis in (0, 1):
            total = np.bincount(unit_i, weights=xy[point_i, axis], minlength=len(self.frame))
            out[held, axis] = total[held] / count[held]
        return out


def load_units(region: RegionData, layer: str) -> UnitLayer:
    """Return the units of ``layer`` of a built region, prepared for plans (cached).

    Parameters
    ----------
    region : RegionData
        A built region.
    layer : str
        ``units`` (LSOA 2011) or ``wards`` (2013 electoral wards).

    Returns
    -------
    UnitLayer

    Raises
    ------
    InputError
        ``layer`` is not a unit layer.

    """
    if layer not in UNIT_LAYERS:
        raise InputError(f"unknown unit layer {layer!r}; choose one of: {', '.join(UNIT_LAYERS)}")
    return _load_units(region, layer)


@clearable(maxsize=16)
def _load_units(region: RegionData, layer: str) -> UnitLayer:
    raw = getattr(region, layer).to_crs(BNG)
    geoms, trimmed = clean_coverage(raw.geometry.to_numpy())
    district_names = dict(zip(region.districts["code"], region.districts["name"], strict=True))
    if layer == "units":
        counts = {c: raw[c].to_numpy() for c in ("population", "age65")}
    else:
        counts = apportion(region.units.to_crs(BNG), ["population", "age65"], geoms)
    frame = gpd.GeoDataFrame(
        {
            "name": raw["name"].to_numpy(),
            "district": raw["district"].to_numpy(),
            "district_name": raw["district"].map(district_names).to_numpy(),
            **counts,
            "area_km2": shapely.area(geoms) / 1e6,
        },
        index=pd.Index(raw["code"].to_numpy(), name="unit"),
        geometry=geoms,
        crs=BNG,
    )
    return UnitLayer(region, layer, frame, tuple(frame.index[trimmed]))
