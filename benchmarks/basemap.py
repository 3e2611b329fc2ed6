"""Time the basemap drawn from Norfolk's own build: making it, and cutting tiles from it.

* Reading the ``roads`` and ``places`` layers, then making the
  :class:`~geozones.web.basemap.Basemap` (merging the road network's edges
  into lines, projecting them to Web Mercator once, indexing them): once per
  build and process, on the first tile asked for.
* Tiles at zooms 10, 13 and 15: those of a 1280 x 800 view centred on Norwich,
  and a sample of the county's tiles (their centres inside the boundary),
  each cut afresh and encoded as the app serves it; p50 and p95 of the time
  (target: p95 under 50 ms) and of the bytes, raw and gzipped (as the app
  sends them to a browser asking for gzip).
* The first view: every tile covering the county at the page's start zoom (9),
  the bytes a browser downloads for it (target: under 150 KB gzipped).

The build read is the real one (``data/build/norfolk``, read only); a build made
before roads kept their ``ref`` is labelled by name only, and runs the same.

Usage: python benchmarks/basemap.py [--build DIR] [--sample N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import time
from pathlib import Path

import numpy as np
import shapely

from geozones._settings import build_dir
from geozones.regions.data import RegionData, load_region
from geozones.web.basemap import TILE_PX, Basemap, tile_bounds

NORWICH = (52.6285, 1.2925)
VIEW_PX = (1280, 800)
ZOOMS = (10, 13, 15)
FIRST_ZOOM = 9
TILE_TARGET_S = 0.050
FIRST_VIEW_TARGET = 150_000
#: gzip level flask-compress uses by default.
GZIP_LEVEL = 6


def tile_xy(lat: float, lon: float, z: int) -> tuple[float, float]:
    """Where a WGS84 point lies in the XYZ tile grid of zoom ``z`` (in tiles, fractional)."""
    n = 2**z
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n


def tile_at(lat: float, lon: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a WGS84 point at zoom ``z``."""
    x, y = tile_xy(lat, lon, z)
    return int(x), int(y)


def view_tiles(z: int) -> list[tuple[int, int]]:
    """The tiles of a :data:`VIEW_PX` view centred on Norwich at zoom ``z``."""
    x, y = tile_xy(*NORWICH, z)
    half_x, half_y = VIEW_PX[0] / 2 / TILE_PX, VIEW_PX[1] / 2 / TILE_PX
    columns = range(int(x - half_x), int(x + half_x) + 1)
    return [(c, r) for c in columns for r in range(int(y - half_y), int(y + half_y) + 1)]


def county_tiles(region: RegionData, z: int) -> list[tuple[int, int]]:
    """Every tile of zoom ``z`` over the county's bounding box."""
    west, south, east, north = region.boundary.to_crs(4326).total_bounds
    (x0, y0), (x1, y1) = tile_at(north, west, z), tile_at(south, east, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def inside(region: RegionData, z: int, tiles: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The tiles whose centre lies inside the county."""
    outline = region.boundary.to_crs(3857).geometry.iloc[0]
    bounds = np.array([tile_bounds(z, x, y) for x, y in tiles])
    centres = shapely.points((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
    return [t for t, kept in zip(tiles, shapely.contains(outline, centres), strict=True) if kept]


def cut(basemap: Basemap, z: int, x: int, y: int) -> tuple[float, int, int]:
    """Seconds to cut and encode one tile, and its raw and gzipped bytes."""
    start = time.perf_counter()
    tile = basemap.tile(z, x, y)
    body = json.dumps(tile, ensure_ascii=False, separators=(",", ":")).encode()
    seconds = time.perf_counter() - start
    return seconds, len(body), len(gzip.compress(body, GZIP_LEVEL))


def p50_p95(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=100, help="county tiles per zoom")
    args = parser.parse_args()
    region = load_region("norfolk", build_dir(args.build))

    start = time.perf_counter()
    roads, places = region.roads, region.places
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    basemap = Basemap(roads, places)
    build_s = time.perf_counter() - start
    refs = roads is not None and "ref" in roads
    print(
        f"Norfolk: {0 if roads is None else len(roads):,} road edges "
        f"({'with' if refs else 'without'} ref), {len(places):,} places"
    )
    print(f"  read the roads and places layers: {read_s:6.2f} s")
    print(f"  make the basemap:                 {build_s:6.2f} s ({basemap.n_lines:,} lines)")

    rng = np.random.default_rng(15)
    print("tiles                  n   time p50 / p95 ms   raw p50 / p95 KB   gzip p50 / p95 KB")
    worst = 0.0
    for z in ZOOMS:
        county = inside(region, z, county_tiles(region, z))
        picked = rng.choice(len(county), size=min(args.sample, len(county)), replace=False)
        samples = {"Norwich view": view_tiles(z), "county sample": [county[i] for i in picked]}
        for label, tiles in samples.items():
            figures = [cut(basemap, z, x, y) for x, y in tiles]
            seconds, raw, packed = (list(column) for column in zip(*figures, strict=True))
            t50, t95 = p50_p95(seconds)
            r50, r95 = p50_p95(raw)
            g50, g95 = p50_p95(packed)
            worst = max(worst, t95)
            print(
                f"  z{z:<3}{label:>14} {len(tiles):5}   {t50 * 1000:6.1f} / {t95 * 1000:6.1f}"
                f"     {r50 / 1000:6.1f} / {r95 / 1000:6.1f}"
                f"     {g50 / 1000:6.1f} / {g95 / 1000:6.1f}"
            )
    verdict = "ok" if worst < TILE_TARGET_S else "TOO SLOW"
    print(f"  slowest p95: {worst * 1000:.1f} ms: {verdict} (target under 50 ms)")

    first = [cut(basemap, FIRST_ZOOM, x, y) for x, y in county_tiles(region, FIRST_ZOOM)]
    raw_total = sum(raw for _, raw, _ in first)
    packed_total = sum(packed for _, _, packed in first)
    verdict = "ok" if packed_total < FIRST_VIEW_TARGET else "TOO BIG"
    print(
        f"first view (zoom {FIRST_ZOOM}, {len(first)} tiles over the county): "
        f"{raw_total / 1000:.1f} KB raw, {packed_total / 1000:.1f} KB gzipped: {verdict} "
        f"(target under {FIRST_VIEW_TARGET / 1000:.0f} KB)"
    )


if __name__ == "__main__":
    main()
