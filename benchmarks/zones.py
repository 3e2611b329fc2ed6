"""Time zone plans on Norfolk's LSOAs: dissolve and check (target under 1 s), summary (100 ms).

The plan is Norfolk's PCN areas by straight-line distance (about 540 LSOAs in
19 zones, with islands to find). "Cold" includes preparing the unit layer once
(coverage repair, adjacency) after the layers are read; "warm" is a plan
recomputed on prepared units, as when a commissioner edits a plan. Times are
the best of 5 runs.

Usage: python benchmarks/zones.py [--build DIR]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of

from geozones._settings import build_dir
from geozones.regions.data import RegionData, load_region
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import pcn_plan
from geozones.zones.plan import ZonePlan

REPEAT = 5
LAYERS = ("units", "wards", "postcodes", "gp_practices", "districts")


def read(region: RegionData) -> RegionData:
    """A new RegionData (so no unit layer is prepared yet) with its layers already read."""
    fresh = RegionData(region.spec, region.path)
    for layer in LAYERS:
        getattr(fresh, layer)
    return fresh


def cold(plan: ZonePlan) -> float:
    """Best time of dissolve + check on a region whose unit layer is not prepared yet."""
    plans = [replace(plan, region=read(plan.region)) for _ in range(REPEAT)]
    times = []
    for fresh in plans:
        start = time.perf_counter()
        fresh.geometry()
        fresh.check()
        times.append(time.perf_counter() - start)
    return min(times)


def verdict(seconds: float, limit: float) -> str:
    return f"{'ok' if seconds < limit else 'TOO SLOW'} (target under {limit * 1000:,.0f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    args = parser.parse_args()
    region = read(load_region("norfolk", build_dir(args.build)))
    plan = pcn_plan(region, method="straight-line")
    rng = np.random.default_rng(2019)
    codes = plan.assignment.index
    demand = pd.DataFrame(
        {
            "unit": codes,
            "clients": rng.integers(0, 4, len(codes)),
            "weekly_hours": rng.uniform(0, 40, len(codes)).round(2),
        }
    )
    scheme = get_scheme("norfolk-2019")

    def dissolve_and_check() -> None:
        plan.geometry()
        plan.check()

    print(f"plan: {plan.name}, {len(codes)} LSOAs in {len(plan.zones)} zones")
    print(f"islands found: {len(plan.check().islands)}")
    t = cold(plan)
    print(f"dissolve + check, cold (unit layer prepared): {t * 1000:7.1f} ms  {verdict(t, 1.0)}")
    t = best_of(dissolve_and_check, REPEAT)
    print(f"dissolve + check, warm:                       {t * 1000:7.1f} ms  {verdict(t, 1.0)}")
    t = best_of(plan.summary, REPEAT)
    print(f"summary (units, population, 65+):             {t * 1000:7.1f} ms  {verdict(t, 0.1)}")
    t = best_of(lambda: plan.summary(demand, scheme, rate="Band 1"), REPEAT)
    print(f"summary with demand priced (zone_table):      {t * 1000:7.1f} ms  {verdict(t, 0.1)}")


if __name__ == "__main__":
    main()
