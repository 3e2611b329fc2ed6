"""Layers made from a region after its build: scheme centres and price-band areas.

:data:`DERIVED_LAYERS` is what ``geozones data build`` passes to
:func:`geozones.regions.build.build_region`, so the region stage itself knows
nothing of schemes, distances or zones.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geozones._settings import BNG
from geozones._vocab import SchemeMethod
from geozones.regions.build import Derivation
from geozones.regions.data import RegionData
from geozones.schemes.centres import centres_layer
from geozones.schemes.scheme import list_schemes
from geozones.zones.builders import band_colours, band_labels, scheme_band_polygons
from geozones.zones.plan import DRIVE_COLUMNS, DRIVE_PERCENTILE


def band_areas_layer(region: RegionData) -> dict[str, gpd.GeoDataFrame]:
    """The ``band_areas`` layer of a freshly built region (see :func:`band_areas`)."""
    return {"band_areas": band_areas(region)}


def band_areas(region: RegionData) -> gpd.GeoDataFrame:
    """Band polygons of every road-distance scheme of a region that has a road network.

    Each in-region postcode is banded as a lookup would band it
    (:func:`geozones.zones.builders.band_labels`); each place in the county takes
    the band of its nearest postcode (Voronoi cells dissolved by band, clipped to
    the boundary), and the bands are cut to the scheme's declared area, the rest
    of the county taking the elsewhere rate
    (:func:`geozones.zones.builders.scheme_band_polygons`). Regions without a
    network get none: their bands would be estimates, which the map shows point
    by point instead.

    Returns
    -------
    GeoDataFrame
        scheme, band, colour, the mean and 90th percentile drive minutes of the
        band's postcodes (:data:`~geozones.zones.plan.DRIVE_COLUMNS`), geometry
        (EPSG:27700).

    """
    frames = []
    if region.network is not None:
        for scheme in list_schemes():
            if scheme.region != region.name or scheme.method != SchemeMethod.ROAD_DISTANCE_BANDS:
                continue
            colours = band_colours(scheme)
            points = band_labels(region, scheme)  # measured once, for the areas and their minutes
            polygons = scheme_band_polygons(region, scheme, points)
            polygons = polygons.rename(columns={"label": "band"})
            polygons["scheme"] = scheme.id
            polygons["colour"] = polygons["band"].map(colours)
            minutes = points.groupby("band")["minutes"]
            mean, p90 = DRIVE_COLUMNS
            polygons[mean] = polygons["band"].map(minutes.mean()).round(1)
            polygons[p90] = polygons["band"].map(minutes.quantile(DRIVE_PERCENTILE)).round(1)
            frames.append(polygons)
    columns = ["scheme", "band", "colour", *DRIVE_COLUMNS]
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=BNG)
    both = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(both[[*columns, "geometry"]], crs=BNG)


#: Every layer made after a region build, in order.
DERIVED_LAYERS: tuple[Derivation, ...] = (centres_layer, band_areas_layer)
