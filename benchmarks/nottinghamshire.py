"""Nottinghamshire's 30-minute visit minimum, costed beside the council's £700,000 a year.

Seed 004, paragraph 41: paying 30 minutes for the 15-minute visits "would
equate to an additional cost of approximately £700,000 per annum". This
costs the scheme's visit rule (``nottinghamshire-2017``: at least 30 minutes,
then by the minute) over payment by the minute on the sample package list's
visits and on the modelled demand (1,800 clients and 20,137 hours a week,
visit lengths drawn from the sample), prints both beside the estimate, and
times the what-if (best of 5 runs). It also times the three zone layers the
scheme's lookups answer with (lot areas with the hard-to-cover areas, Care
Delivery Groups by road).

Usage: python benchmarks/nottinghamshire.py [--build DIR] [--sample CSV]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _timing import best_of

from geozones._settings import source_dir
from geozones.demand.visits import package_visits, visit_whatif
from geozones.regions.data import load_region
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import district_plan, lot_plan, pcn_zone_plan

SCHEME = "nottinghamshire-2017"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument(
        "--sample",
        type=Path,
        default=source_dir() / "samples" / "nottinghamshire_packages_sample.csv",
    )
    args = parser.parse_args()
    scheme = get_scheme(SCHEME)
    region = load_region(scheme.region, args.build)
    mix = package_visits(args.sample)
    whatifs = visit_whatif(scheme, mix, region=region)
    print(f"{scheme.id}: {scheme.title}")
    for whatif in whatifs:
        print("\n".join(whatif.describe()))
    seconds = best_of(lambda: visit_whatif(scheme, package_visits(args.sample), region=region))
    print(f"what-if (read the list, model the demand, price both): {seconds * 1000:,.0f} ms")
    for name, build in (
        ("core areas", district_plan),
        ("lot areas with the hard-to-cover areas", lot_plan),
        ("Care Delivery Groups (by road)", pcn_zone_plan),
    ):
        plan = build(region, scheme)
        seconds = best_of(lambda build=build: build(region, scheme))
        print(f"{name}: {len(plan.zones)} zones in {seconds * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
