"""Time the road-distance engine on Norfolk and Rutland, and report Isle of Wight noding.

For each region with an OpenStreetMap extract: build the network from the
.osm.pbf, save and reload the cache, run the one all-surgeries Dijkstra,
classify every postcode in the region, and compare with the naive way
(networkx shortest path from each of the nearest surgeries to each address,
node to node, minimum taken) on 200 sampled postcodes. Surgeries and postcodes
come from region builds made into a temporary folder (without the roads layer)
by a child process, so the peak memory printed is the engine's own.

Usage: python benchmarks/network.py [--source DIR] [--nearby N]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
from _timing import best_of

from geozones._settings import METRES_PER_MILE, source_dir
from geozones.distance.facility import NearestFacility
from geozones.network.graph import RoadNetwork, build_network
from geozones.regions.build import build_region, ensure_postcode_index
from geozones.regions.data import RegionData
from geozones.regions.specs import REGIONS
from geozones.sources.readers import source_path

SAMPLE = 200
SEED = 20191  # the acceptance test's sample of Rutland postcodes


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_inputs(source: Path, out: Path, names: tuple[str, ...]) -> dict[str, Path]:
    """Build the regions' practices and postcodes (run in a child process)."""
    index = ensure_postcode_index(source, out)
    specs = [dataclasses.replace(REGIONS[name], roads=None) for name in names]
    return {spec.name: build_region(spec, source, out, index).path for spec in specs}


def naive(
    network: RoadNetwork, surgeries: gpd.GeoDataFrame, homes: gpd.GeoDataFrame, nearby: int
) -> tuple[np.ndarray, float]:
    """Road metres from the nearest of the ``nearby`` closest surgeries, networkx node to node."""
    graph = network.to_networkx()
    start = time.perf_counter()
    s_xy = surgeries.get_coordinates().to_numpy()
    h_xy = homes.get_coordinates().to_numpy()
    s_node = ox.distance.nearest_nodes(graph, s_xy[:, 0], s_xy[:, 1])
    h_node = ox.distance.nearest_nodes(graph, h_xy[:, 0], h_xy[:, 1])
    best = np.full(len(homes), np.inf)
    for i, (xy, home) in enumerate(zip(h_xy, h_node, strict=True)):
        closest = np.argsort(np.hypot(*(s_xy - xy).T))[:nearby]
        for j in closest:
            try:
                metres = nx.shortest_path_length(graph, s_node[j], home, weight="length")
            except nx.NetworkXNoPath:
                continue
            best[i] = min(best[i], metres)
    return best, time.perf_counter() - start


def bench_region(name: str, region: RegionData, source: Path, cache: Path, nearby: int) -> None:
    pbf = source_path(REGIONS[name].roads, source)
    print(f"\n== {REGIONS[name].title} ({pbf.name})")
    start = time.perf_counter()
    built = build_network(pbf)
    build_s = time.perf_counter() - start
    built.save(cache / name)
    start = time.perf_counter()
    network = RoadNetwork.load(cache / name)
    load_s = time.perf_counter() - start
    print(f"build from .pbf:     {build_s:7.2f} s   ({built.info['ways_kept']:,} ways kept)")
    print(f"load from cache:     {load_s:7.3f} s")
    print(f"network:             {network.stats()}")

    surgeries = region.gp_practices
    postcodes = region.postcodes[region.postcodes["in_region"]]
    start = time.perf_counter()
    engine = NearestFacility(network, surgeries)
    setup_s = time.perf_counter() - start
    solve_s = best_of(engine.solve)
    classify_s = best_of(lambda: engine.distance_to_nearest(postcodes), repeat=3)
    out = engine.distance_to_nearest(postcodes)
    usable = int((engine.facility_snap["status"] == "ok").sum())
    status = ", ".join(f"{k} {v:,}" for k, v in out["status"].value_counts().items())
    bands = np.bincount(np.digitize(out["miles"].dropna(), [3.0, 6.0]), minlength=3)
    print(f"surgeries:           {usable} of {len(surgeries)} within 2 km of a road")
    print(f"snap surgeries:      {setup_s:7.3f} s   (edges, positions, graph with virtual nodes)")
    print(f"all-surgeries Dijkstra: {solve_s:7.4f} s")
    print(f"classify {len(postcodes):,} postcodes: {classify_s:7.3f} s   ({status})")
    reroute = NearestFacility(network, surgeries, reachable_only=True)
    status = reroute.distance_to_nearest(postcodes)["status"].value_counts()
    print(f"  with reachable_only=True: {', '.join(f'{k} {v:,}' for k, v in status.items())}")
    print(f"bands 1/2/3:         {bands[0]:,} / {bands[1]:,} / {bands[2]:,}")
    print(f"peak memory so far:  {peak_mb():,.0f} MB")

    sample = postcodes.sample(min(SAMPLE, len(postcodes)), random_state=SEED)
    start = time.perf_counter()
    engine.solve()
    ours = engine.distance_to_nearest(sample)["metres"].to_numpy()
    ours_s = time.perf_counter() - start
    usable_surgeries = surgeries[engine.facility_snap["status"] == "ok"]
    naive_m, naive_s = naive(network, usable_surgeries, sample, nearby)
    both = np.isfinite(ours) & np.isfinite(naive_m)
    band_diff = np.digitize(ours[both] / METRES_PER_MILE, [3.0, 6.0]) != np.digitize(
        naive_m[both] / METRES_PER_MILE, [3.0, 6.0]
    )
    gap = np.abs(ours[both] - naive_m[both])
    print(
        f"naive networkx ({len(sample)} addresses x {nearby} nearest surgeries): {naive_s:7.2f} s; "
        f"engine (Dijkstra + {len(sample)} addresses): {ours_s:.4f} s; "
        f"speed ratio {naive_s / ours_s:,.0f}x"
    )
    print(
        f"naive vs engine: median |diff| {np.median(gap):.0f} m, max {gap.max():.0f} m, "
        f"band differs for {int(band_diff.sum())} of {int(both.sum())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--nearby", type=int, default=5, help="surgeries per address, naive way")
    args = parser.parse_args()
    source = source_dir(args.source)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=1) as child:
            paths = child.submit(build_inputs, source, out, ("norfolk", "rutland")).result()
        print(f"inputs (region builds, not timed below): {time.perf_counter() - start:.1f} s")
        for name, path in paths.items():
            region = RegionData(REGIONS[name], path)
            bench_region(name, region, source, out / "networks", args.nearby)

    gpkg = source_path("roads_isle_of_wight", source)
    start = time.perf_counter()
    wight = build_network(gpkg)
    seconds = time.perf_counter() - start
    stats = wight.stats()
    print(f"\n== Isle of Wight ({gpkg.name}, un-noded lines)")
    print(
        f"before noding:       {wight.info['pieces_before_noding']} pieces, the largest holds "
        f"{wight.info['largest_share_before_noding']:.2%} of the length"
    )
    print(f"after noding:        {stats} (built in {seconds:.2f} s)")
    print(f"\npeak memory:         {peak_mb():,.0f} MB (with the naive way's networkx graphs)")


if __name__ == "__main__":
    main()
