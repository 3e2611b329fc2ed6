"""Time bulk classification: 100,000 Norfolk postcodes under norfolk-2019 (road distance).

Usage: python benchmarks/classify.py [--build DIR] [--rows N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from geozones.regions.data import load_region
from geozones.zones.lookup import classifier_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    region = load_region("norfolk", args.build)
    postcodes = region.postcodes.loc[region.postcodes["in_region"], "postcode"].to_numpy()
    sample = np.random.default_rng(0).choice(postcodes, size=args.rows)
    t = time.perf_counter()
    classifier = classifier_for("norfolk-2019", args.build)
    classifier.classify("NR1 3QU")
    setup = time.perf_counter() - t
    t = time.perf_counter()
    out = classifier.classify_many(list(sample))
    elapsed = time.perf_counter() - t
    print(f"classifier set-up (load, one Dijkstra): {setup:.2f} s")
    print(f"{len(out):,} postcodes classified in {elapsed:.2f} s (target: under 10 s); "
          f"{len(out) / elapsed:,.0f} a second")  # fmt: skip
    print("bands:", out["band"].value_counts().to_dict())
    print("status:", out["status"].value_counts().to_dict())


if __name__ == "__main__":
    main()
