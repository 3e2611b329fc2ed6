"""Map layers as GeoJSON for the browser: simplified, in EPSG:4326, computed once.

Geometry is simplified by :data:`SIMPLIFY_M` metres in British National Grid
and rounded to :data:`PRECISION_DEG` degrees (about a metre) after the
conversion to WGS84. Layers that take a computation (PCN areas, price-band
areas) are kept on disk under ``<instance>/map-layers/<region>-<build stamp>/``,
so a rebuilt region gets fresh layers and a restarted app does not recompute
them; every layer is also kept in memory. The band areas and the outline of a
scheme's declared area (Norfolk's Central Belt) come from the same area, so
they meet exactly.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from geozones._settings import WGS84
from geozones._vocab import SchemeMethod
from geozones.regions.data import RegionData
from geozones.schemes.pricing import hourly_rate
from geozones.schemes.scheme import Scheme
from geozones.zones.builders import area_outline, band_colours, pcn_plan, radius_areas
from geozones.zones.plan import DRIVE_COLUMNS, ZonePlan

__all__ = ["PRECISION_DEG", "SIMPLIFY_M", "MapLayers", "to_geojson"]

#: Simplification tolerance before conversion to WGS84 (metres).
SIMPLIFY_M = 20.0
#: Coordinate grid of the GeoJSON sent to the browser (degrees).
PRECISION_DEG = 1e-5

GeoJSON = dict[str, Any]


def to_geojson(frame: gpd.GeoDataFrame, columns: list[str], simplify: bool = True) -> GeoJSON:
    """A FeatureCollection of ``frame``'s ``columns`` in EPSG:4326, for the browser.

    Parameters
    ----------
    frame : GeoDataFrame
        Any CRS (simplified in its own units, so give EPSG:27700 metres).
    columns : list of str
        Properties kept.
    simplify : bool
        Simplify by :data:`SIMPLIFY_M` (leave False for points).

    """
    # the index is not sent (drop_id) and geopandas 1.0 cannot read an Arrow-backed one
    out = frame[[*columns, frame.geometry.name]].reset_index(drop=True)
    if simplify:
        out = out.set_geometry(out.geometry.simplify(SIMPLIFY_M))
    out = out.to_crs(WGS84)
    out = out.set_geometry(shapely.set_precision(out.geometry.to_numpy(), PRECISION_DEG))
    collection: dict[str, Any] = json.loads(out.to_json(drop_id=True, na="null"))
    return collection


class MapLayers:
    """The map layers of a site's regions, cached in memory and under ``folder``.

    Parameters
    ----------
    folder : Path
        Disk cache (``<instance>/map-layers``).

    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._memory: dict[tuple[str, ...], GeoJSON] = {}
        self._lock = threading.Lock()

    def _cached(
        self, key: tuple[str, ...], make: Callable[[], GeoJSON], disk: Path | None = None
    ) -> GeoJSON:
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            layer: dict[str, Any]
            if disk is not None and disk.exists():
                layer = json.loads(disk.read_text(encoding="utf-8"))
            else:
                layer = make()
                if disk is not None:
                    disk.parent.mkdir(parents=True, exist_ok=True)
                    tmp = disk.with_name(f".{disk.name}.{os.getpid()}.tmp")
                    tmp.write_text(json.dumps(layer), encoding="utf-8")
                    tmp.replace(disk)
            self._memory[key] = layer
            return layer

    def _disk(self, region: RegionData, stamp: int, name: str) -> Path:
        return self.folder / f"{region.name}-{stamp}" / f"{name}.geojson"

    def boundary(self, region: RegionData, stamp: int) -> GeoJSON:
        """The county or unitary outline, with its ``name``."""
        return self._cached(
            ("boundary", region.name, str(stamp)),
            lambda: to_geojson(region.boundary.assign(name=region.spec.title), ["name"]),
        )

    def districts(self, region: RegionData, stamp: int) -> GeoJSON:
        """Districts with ``code`` and ``name``."""
        return self._cached(
            ("districts", region.name, str(stamp)),
            lambda: to_geojson(region.districts, ["code", "name"]),
        )

    def practices(self, region: RegionData, stamp: int) -> GeoJSON:
        """GP practices (in the buffer too): code, name, postcode, PCN and ``in_region``."""
        columns = ["code", "name", "postcode", "pcn_code", "pcn_name", "in_region"]
        return self._cached(
            ("practices", region.name, str(stamp)),
            lambda: to_geojson(
                region.gp_practices.assign(in_region=region.gp_practices["in_region"].astype(bool)),
                columns,
                simplify=False,
            ),
        )

    def pcn_areas(self, region: RegionData, stamp: int) -> GeoJSON:
        """PCN areas (:func:`geozones.zones.pcn_plan`) with ``zone`` and ``colour``."""
        return self._cached(
            ("pcn", region.name, str(stamp)),
            lambda: to_geojson(pcn_plan(region).geometry(), ["zone", "colour"]),
            self._disk(region, stamp, "pcn-areas"),
        )

    def band_areas(self, region: RegionData, stamp: int, scheme: Scheme) -> GeoJSON | None:
        """Price-band areas of a banded scheme (None for a flat rate): label, colour and rate.

        Road-distance bands: the region's built ``band_areas`` layer (each place
        takes the band of its nearest postcode, cut to the scheme's declared
        area: :mod:`geozones.zones.derived`), with the band's mean and 90th
        percentile drive minutes (:data:`DRIVE_COLUMNS`). A straight-line
        radius: the areas within and beyond the radius of the scheme's centres
        (:func:`geozones.zones.builders.radius_areas`), with the ``centres``
        named. ``rate`` is pounds an hour, as text.
        """
        if scheme.method == SchemeMethod.FLAT:
            return None

        def make() -> GeoJSON:
            if scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS:
                areas, extra = radius_areas(region, scheme), ["centres"]
            else:
                layer = region.band_areas
                areas = layer[layer["scheme"] == scheme.id].rename(columns={"band": "label"})
                extra = list(DRIVE_COLUMNS)
            rates = {label: str(hourly_rate(scheme, label)) for label in band_colours(scheme)}
            areas = areas.assign(rate=areas["label"].map(rates))
            return to_geojson(areas, ["label", "colour", "rate", *extra])

        return self._cached(
            ("bands", region.name, str(stamp), scheme.id),
            make,
            self._disk(region, stamp, f"bands-{scheme.id}"),
        )

    def scheme_area(self, region: RegionData, stamp: int, scheme: Scheme) -> GeoJSON | None:
        """The outline of the area where a scheme's bands apply, with ``name`` and ``area``.

        None where they apply in the whole region or the scheme has no bands
        (:func:`geozones.zones.builders.area_outline`).
        """
        if scheme.area is None or scheme.area.whole_region:
            return None

        return self._cached(
            ("area", region.name, str(stamp), scheme.id),
            lambda: to_geojson(area_outline(region, scheme), ["name", "area"]),
            self._disk(region, stamp, f"area-{scheme.id}"),
        )

    def plan_zones(self, plan: ZonePlan, stamp: int) -> GeoJSON:
        """A plan's zones with ``zone`` and ``colour`` (cached per region build and plan version).

        An unsaved plan (version None) is one a rule file builds from the region's data.
        """
        return self._cached(
            ("plan", plan.region.name, str(stamp), plan.name, str(plan.version)),
            lambda: to_geojson(plan.geometry(), ["zone", "colour"]),
        )
