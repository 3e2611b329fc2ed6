"""Checks at the boundary of every public function that takes geometries or tables.

One CRS rule for all of geozones: a GeoDataFrame must say its CRS. With one,
it is reprojected to British National Grid (EPSG:27700); without one it is
refused with a message saying how to declare it, because guessing (WGS84 for
one reader, BNG for another) silently puts points kilometres or continents
away. Readers of formats that fix the CRS (GeoJSON is WGS84 by RFC 7946) set
it when they read, so files never reach this rule without one.
"""

from __future__ import annotations

from typing import TypeVar

import geopandas as gpd

from geozones._errors import InputError
from geozones._settings import BNG

#: A GeoDataFrame or GeoSeries: anything that carries a CRS.
Geo = TypeVar("Geo", gpd.GeoDataFrame, gpd.GeoSeries)


def to_bng(frame: Geo, what: str) -> Geo:
    """``frame`` in EPSG:27700, reprojected if needed.

    Parameters
    ----------
    frame : GeoDataFrame or GeoSeries
        Any CRS, but it must have one.
    what : str
        What the frame is, for the error message (e.g. ``"the zone layer of lots.gpkg"``).

    Raises
    ------
    InputError
        When ``frame`` has no CRS.

    """
    if frame.crs is None:
        raise InputError(
            f"{what} has no coordinate reference system; declare it "
            "(EPSG:27700 British National Grid metres, or EPSG:4326 longitude/latitude), "
            "e.g. frame.set_crs('EPSG:27700'), or save the file with its CRS"
        )
    return frame if frame.crs == BNG else frame.to_crs(BNG)
