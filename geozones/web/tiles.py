"""The basemap's JSON vector tiles under ``/api/v1/basemap`` (format: :mod:`geozones.web.basemap`).

``GET /api/v1/basemap/<region>/<z>/<x>/<y>.json`` answers with one tile of the
region's roads and places. A tile depends only on the region's build, so it is
kept by the browser for a day (``Cache-Control: public, max-age=86400``) under a
weak ETag of the region, its build stamp and ``z/x/y`` (a browser asking again
with ``If-None-Match`` gets a 304), and encoded tiles are kept in a bounded
per-process cache. The page adds ``v=<build stamp>`` to the URL, so a rebuilt
region's tiles have new URLs.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from geozones._cache import clearable
from geozones.regions.data import RegionData
from geozones.web.basemap import check_tile, region_basemap
from geozones.web.site import site

__all__ = ["TILE_CACHE_SIZE", "TILE_MAX_AGE", "bp"]

bp = Blueprint("tiles", __name__, url_prefix="/api/v1")

#: Seconds a browser keeps a tile (a day).
TILE_MAX_AGE = 86_400
#: Encoded tiles kept per process.
TILE_CACHE_SIZE = 2_048


@clearable(maxsize=TILE_CACHE_SIZE)
def _tile_body(region: RegionData, stamp: int, z: int, x: int, y: int) -> bytes:
    """Tile ``z/x/y`` of a region's build as compact JSON."""
    tile = region_basemap(region, stamp).tile(z, x, y)
    return json.dumps(tile, ensure_ascii=False, separators=(",", ":")).encode()


@bp.get("/basemap/<region>/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>.json")
def basemap_tile(region: str, z: int, x: int, y: int) -> Response:
    """One basemap tile of a served region: its roads and places (JSON)."""
    gz = site()
    data = gz.region(region)
    check_tile(z, x, y)
    stamp = gz.stamp(region)
    etag = f"{region}-{stamp}-{z}-{x}-{y}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(_tile_body(data, stamp, z, x, y), mimetype="application/json")
    response.set_etag(etag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = TILE_MAX_AGE
    return response
