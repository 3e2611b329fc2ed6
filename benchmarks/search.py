"""Benchmark the search box's server side: suggestions as typed, and street geocoding.

Usage: python benchmarks/search.py [--build DIR] [--region NAME]

Reads the real build (default data/build) and writes nothing. Types each of a set of
searches a character at a time (from 2 characters) and times every suggestion, then
geocodes "Street, Town" texts the suggestions give for a seeded sample of the region's
street names, one at a time. Targets: suggestions p50 under 2 ms and p95 under 5 ms;
a street geocode p50 under 2 ms and p95 under 5 ms; the indexes built under 3 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from geozones._settings import build_dir
from geozones.geocode.geocoder import Geocoder
from geozones.regions.postcodes import INDEX_FILE

SEED = 20251122
#: Searches typed a character at a time (Norfolk's; others still time, with fewer hits).
TYPED = [
    "Market Place, Aylsham", "NR1 3QU", "nr13 3xr", "Aylsham", "North Walsham",
    "Prince of Wales Road, Norwich", "Holt Road, Cromer", "King's Lynn", "St Michaels Avenue",
    "Church Lane", "Great Yarmouth", "PE30 1EX",
]  # fmt: skip
#: Street names sampled, and rounds of the typed searches.
STREETS = 400
ROUNDS = 5


def report(label: str, value: float, unit: str, limit: float) -> bool:
    ok = value < limit
    verdict = "PASS" if ok else "FAIL"
    print(f"{label:<50} {value:>8.3f} {unit:<3} (target < {limit:g} {unit}) {verdict}")
    return ok


def percentiles_ms(times_ns: list[int]) -> tuple[float, float]:
    """Median and 95th percentile of timings, in milliseconds."""
    ms = np.asarray(times_ns, dtype=np.float64) / 1e6
    return float(np.median(ms)), float(np.percentile(ms, 95))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, help="build folder (default: geozones._settings)")
    parser.add_argument("--region", default="norfolk", help="region searched")
    args = parser.parse_args()
    folder = build_dir(args.build)
    if not (folder / INDEX_FILE).exists() or not (folder / args.region).exists():
        print(
            f"{folder} has not been built (needs {INDEX_FILE} and {args.region}/); "
            f"run: geozones data build --region {args.region} --out {folder}"
        )
        return 1
    geocoder = Geocoder.for_region(args.region, folder)
    if geocoder.region is None or geocoder.region.roads is None:
        print(f"{args.region} was built without a road extract: no streets to search")
        return 1
    results = []

    started = time.perf_counter()
    geocoder.suggest("Market Pl")  # builds the street, place and postcode indexes
    geocoder.suggest("NR1 3")
    build_s = time.perf_counter() - started
    results.append(report("build the suggestion indexes (first calls)", build_s, "s", 3))

    prefixes = [text[:k] for text in TYPED for k in range(2, len(text) + 1)]
    times: list[int] = []
    for _ in range(ROUNDS):
        for prefix in prefixes:
            t0 = time.perf_counter_ns()
            geocoder.suggest(prefix)
            times.append(time.perf_counter_ns() - t0)
    p50, p95 = percentiles_ms(times)
    print(f"{len(times):,} suggestions ({len(prefixes)} prefixes x {ROUNDS})")
    results.append(report("suggestion p50", p50, "ms", 2))
    results.append(report("suggestion p95", p95, "ms", 5))

    rng = np.random.default_rng(SEED)
    names = geocoder.region.roads["name"].replace("", np.nan).dropna().unique()
    sample = rng.choice(names, size=min(STREETS, len(names)), replace=False)
    texts = [
        s.text
        for name in sample
        for s in geocoder.suggest(str(name), limit=2)
        if s.kind == "street"
    ]
    times, located = [], 0
    for text in texts:
        t0 = time.perf_counter_ns()
        found = geocoder.geocode(text)
        times.append(time.perf_counter_ns() - t0)
        located += found.precision == "street"
    p50, p95 = percentiles_ms(times)
    print(f"{len(texts):,} street texts from {len(sample)} street names: {located:,} on a street")
    results.append(report("street geocode p50", p50, "ms", 2))
    results.append(report("street geocode p95", p95, "ms", 5))
    results.append(located == len(texts) > 0)
    print("all targets met" if all(results) else "SOME TARGETS MISSED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
