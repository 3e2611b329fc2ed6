"""Time the region build: the GB postcode index, then each region, into a temporary folder.

Usage: python benchmarks/build.py [--source DIR] [--region NAME ...]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from geozones._settings import source_dir
from geozones.regions.build import build_region, ensure_postcode_index
from geozones.regions.specs import expand_region_names, get_region_spec
from geozones.zones.derived import DERIVED_LAYERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--region", action="append", default=[])
    args = parser.parse_args()
    source = source_dir(args.source)
    names = expand_region_names(args.region)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        total = time.perf_counter()
        t = time.perf_counter()
        index = ensure_postcode_index(source, out)
        print(f"GB postcode index: {len(index):,} postcodes in {time.perf_counter() - t:.1f} s")
        for name in names:
            result = build_region(get_region_spec(name), source, out, index, derive=DERIVED_LAYERS)
            counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
            print(f"{name:<14} {result.seconds:6.1f} s  ({counts})")
        print(f"all regions:   {time.perf_counter() - total:6.1f} s (target: under 180 s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory:   {peak:,.0f} MB")


if __name__ == "__main__":
    main()
