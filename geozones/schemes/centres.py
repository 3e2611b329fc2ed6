"""The named centres of a region's schemes (Hereford and its market towns), as points."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geozones._errors import DataError
from geozones._settings import BNG
from geozones.regions.data import RegionData
from geozones.schemes.scheme import list_schemes


def centres_layer(region: RegionData) -> dict[str, gpd.GeoDataFrame]:
    """The ``scheme_centres`` layer of a freshly built region (see :func:`scheme_centres`)."""
    return {"scheme_centres": scheme_centres(region.name, region.places)}


def scheme_centres(region: str, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Resolve the named centres of the region's schemes to OS Open Names points.

    Each name must match an OS Open Names place in the region exactly; where
    several do, the highest settlement type wins (City, then Town, ...).

    Returns
    -------
    GeoDataFrame
        scheme, name, local_type, geometry (EPSG:27700).

    Raises
    ------
    DataError
        Naming the scheme and the place that matched nothing.

    """
    rank = {"City": 0, "Town": 1, "Village": 2, "Suburban Area": 3, "Hamlet": 4}
    own = places[places["in_region"] & (places["source"] == "OS Open Names")].copy()
    own["rank"] = own["local_type"].map(rank).fillna(len(rank))
    own = own.sort_values("rank", kind="stable").drop_duplicates("name")
    rows = []
    for scheme in list_schemes():
        if scheme.region != region or scheme.centres is None or not scheme.centres.names:
            continue
        names = pd.Index(scheme.centres.names)
        missing = names.difference(pd.Index(own["name"]))
        if len(missing):
            raise DataError(
                f"scheme {scheme.id} ({scheme.path.name}) names centre(s) "
                f"{', '.join(missing)} that match no OS Open Names place in {region}; "
                "correct centres.names to the official place names"
            )
        found = own.set_index("name").loc[names].reset_index()
        found["scheme"] = scheme.id
        rows.append(found[["scheme", "name", "local_type", "geometry"]])
    if not rows:
        return gpd.GeoDataFrame({"scheme": [], "name": [], "local_type": []}, geometry=[], crs=BNG)
    return gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), geometry="geometry", crs=BNG)
