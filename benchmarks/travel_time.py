"""Drive minutes: every county's postcodes classified with them, and a cross-check against a model.

1. Every in-region postcode of each built county with roads classified under its default
   scheme in this process (road distance and drive minutes); for Norfolk, also measured
   afresh without the start-up cache, and the two Dijkstras (metres, minutes) solved afresh.
2. The SAMueL stroke model's road travel time from each LSOA to its nearest thrombolysis unit
   (crosscheck/lsoa_travel_time_to_stroke_units.csv) beside ours, for the LSOAs of every built
   region with a road network: each unit located by its postcode (the GB geocoder) and placed
   at the nearest junction of the network's largest connected piece (hospitals sit on estate
   roads a gate or a dropped link cuts off), our drive minutes from the LSOA's
   population-weighted point to it where the unit lies on our roads (within 2 km of them);
   where it lies beyond the extract, only the ranking is compared: our minutes to the junction
   of the extract nearest the unit against their minutes to the unit (Spearman).

Usage: python benchmarks/travel_time.py [--build DIR] [--source DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

from geozones._settings import BNG, build_dir, source_dir
from geozones.distance.facility import MAX_GAP_M, NearestFacility
from geozones.distance.surgeries import NearestSurgery
from geozones.geocode.geocoder import Geocoder
from geozones.network.graph import RoadNetwork
from geozones.regions.data import RegionData, load_region
from geozones.regions.specs import REGIONS
from geozones.zones.lookup import classifier_for
from geozones.zones.units import load_units

CROSSCHECK = "crosscheck/lsoa_travel_time_to_stroke_units.csv"


def classify_county(name: str, build: Path | None) -> None:
    """Every in-region postcode of ``name`` classified under its default scheme, timed."""
    region = load_region(name, build)
    scheme = region.spec.default_scheme
    if scheme is None or region.network is None:
        print(f"{name}: no default scheme or no road network; skipped")
        return
    postcodes = region.postcodes.loc[region.postcodes["in_region"], "postcode"].to_numpy()
    classifier = classifier_for(scheme, build)
    classifier.classify(str(postcodes[0]))  # loads the region, the caches and the solved search
    t = time.perf_counter()
    out = classifier.classify_many(list(postcodes))
    elapsed = time.perf_counter() - t
    minutes = out["drive_minutes"].dropna()
    print(f"{name}: {len(out):,} in-region postcodes classified by road with drive minutes "
          f"under {scheme} in {elapsed:.2f} s ({len(out) / elapsed:,.0f} a second)")  # fmt: skip
    print(f"  with minutes: {len(minutes):,}; median {minutes.median():.1f} min, 90th percentile "
          f"{minutes.quantile(0.9):.1f}, max {minutes.max():.1f}; status "
          f"{out['status'].value_counts().to_dict()}")  # fmt: skip
    if name != "norfolk":
        return
    xy = np.column_stack([out["easting"], out["northing"]]).astype(float)
    surgeries = NearestSurgery(region, build_dir(build))
    t = time.perf_counter()
    fresh = surgeries.measure(xy)
    same = np.allclose(np.round(fresh.minutes, 1), out["drive_minutes"], equal_nan=True)
    print(f"  measured afresh (snap, the solved search restored): {time.perf_counter() - t:.2f} s; "
          f"same minutes as the answers: {same}")  # fmt: skip
    t = time.perf_counter()
    NearestFacility(region.network, surgeries.practices, reachable_only=True).solve()
    print(f"  both Dijkstras (metres, minutes) solved afresh: {time.perf_counter() - t:.2f} s")


def stroke_units(source: Path, build: Path | None) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The model's LSOA rows and its units, located by postcode (EPSG:27700)."""
    model = pd.read_csv(source / CROSSCHECK, dtype={"IVT unit": str})
    codes = pd.unique(model["IVT unit"])
    found = Geocoder.for_region(None, build).geocode_many(list(codes))
    units = gpd.GeoDataFrame(
        {"postcode": codes, "status": found["status"].to_numpy()},
        geometry=gpd.points_from_xy(found["easting"], found["northing"]),
        crs=BNG,
    )
    return model, units


def on_main_piece(
    network: RoadNetwork, main: np.ndarray, unit: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, float]:
    """The unit moved to the nearest of the ``main`` piece's junctions, and its gap to any road."""
    xy = np.column_stack([unit.geometry.x, unit.geometry.y])
    gap = float(network.snap(xy)[2][0])
    near = main[
        np.argmin(np.hypot(network.node_x[main] - xy[0, 0], network.node_y[main] - xy[0, 1]))
    ]
    moved = gpd.points_from_xy([network.node_x[near]], [network.node_y[near]])
    return gpd.GeoDataFrame(geometry=moved, crs=BNG), gap


def cross_check(region: RegionData, model: pd.DataFrame, units: gpd.GeoDataFrame) -> None:
    network = region.network
    if network is None:
        print(f"{region.name}: no road network, not compared")
        return
    layer = load_units(region, "units")
    lsoas = pd.DataFrame({"area": layer.frame["name"].to_numpy()})
    lsoas[["x", "y"]] = layer.points
    rows = lsoas.merge(model, on="area", how="inner")
    print(f"{region.name}: {len(rows)} of {len(layer.frame)} LSOAs in the model")
    main = np.flatnonzero(network.components() == 0)
    direct, ranked = [], []
    for postcode, group in rows.groupby("IVT unit"):
        unit = units[units["postcode"] == postcode]
        if unit["status"].iloc[0] != "ok":
            print(f"  unit {postcode}: {len(group)} LSOAs, the postcode is not found")
            continue
        moved, gap = on_main_piece(network, main, unit)
        engine = NearestFacility(network, moved, reachable_only=True)
        ours = engine.nearest(group[["x", "y"]].to_numpy(dtype=float)).minutes
        both = pd.DataFrame({"ours": ours, "theirs": group["time_to_thrombolysis_unit"]}).dropna()
        if gap <= MAX_GAP_M:
            direct.append(both)
            print(f"  unit {postcode}: {len(both)} LSOAs, on our roads")
        elif len(both) >= 5:
            rho = spearmanr(both["ours"], both["theirs"])[0]
            ranked.append((len(both), rho))
            print(f"  unit {postcode}: {len(both)} LSOAs, {gap / 1000:.0f} km beyond the "
                  f"extract: Spearman rho {rho:.3f} (our minutes to its nearest junction, theirs "
                  "to it)")  # fmt: skip
        else:
            print(f"  unit {postcode}: {len(both)} LSOAs, beyond the extract: too few to rank")
    if direct:
        both = pd.concat(direct)
        gap = both["ours"] - both["theirs"]
        print(f"  on our roads ({len(both)} LSOAs): median ours {both['ours'].median():.1f} min, "
              f"theirs {both['theirs'].median():.1f}; median ratio "
              f"{(both['ours'] / both['theirs']).median():.2f}; mean difference {gap.mean():+.1f} "
              f"min, mean absolute {gap.abs().mean():.1f}; Pearson r "
              f"{pearsonr(both['ours'], both['theirs'])[0]:.3f}, Spearman rho "
              f"{spearmanr(both['ours'], both['theirs'])[0]:.3f}")  # fmt: skip
    if ranked:
        n = sum(k for k, _ in ranked)
        rho = sum(k * r for k, r in ranked) / n
        print(f"  beyond the extract ({n} LSOAs): Spearman rho {rho:.3f}, the units' own "
              "weighted by their LSOAs")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument("--source", type=Path, default=None)
    args = parser.parse_args()
    built = [name for name in REGIONS if (build_dir(args.build) / name).is_dir()]
    for name in built:
        classify_county(name, args.build)
    model, units = stroke_units(source_dir(args.source), args.build)
    for name in built:
        cross_check(load_region(name, args.build), model, units)


if __name__ == "__main__":
    main()
