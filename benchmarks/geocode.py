"""Benchmark the offline geocoder on the real GB postcode index.

Usage: python benchmarks/geocode.py [--build DIR] [--region NAME]

Targets: one postcode under 50 us (median of 10,000 single calls); 100,000 mixed
inputs under 3 s; loading the GB index under 2 s and under 300 MB resident;
1,000,000 GB postcodes under 20 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from geozones._settings import build_dir
from geozones.geocode.geocoder import Geocoder
from geozones.regions.data import load_region
from geozones.regions.postcodes import INDEX_FILE, PostcodeIndex, format_postcode

SEED = 20251122


def rss_mb() -> float:
    """Resident set size of this process in MB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def report(label: str, value: float, unit: str, limit: float) -> bool:
    ok = value < limit
    verdict = "PASS" if ok else "FAIL"
    print(f"{label:<50} {value:>8.2f} {unit:<3} (target < {limit:g} {unit}) {verdict}")
    return ok


def mixed_inputs(keys: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Postcodes as people type them: 5% malformed, the rest upper, lower or without space.

    Returns the inputs and the postcode each valid one should match ('' for malformed).
    """
    postcodes = format_postcode(keys).astype(object)
    kind = rng.choice(4, size=len(keys), p=[0.05, 0.35, 0.30, 0.30])
    inputs = postcodes.copy()
    lower = kind == 1
    inputs[lower] = np.char.lower(postcodes[lower].astype(str))
    compact = kind == 2
    inputs[compact] = keys[compact]
    bad = kind == 0
    # the inward code's digit becomes a letter: "NR1 3QU" -> "NR1 XQU"
    inputs[bad] = [p[:-3] + "X" + p[-2:] for p in postcodes[bad]]
    expected = np.where(bad, "", postcodes)
    return inputs, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, help="build folder (default: geozones._settings)")
    parser.add_argument("--region", default="norfolk", help="region for the geocoder")
    args = parser.parse_args()
    folder = build_dir(args.build)
    index_path = folder / INDEX_FILE
    if not index_path.exists() or not (folder / args.region).exists():
        print(
            f"{folder} has not been built (needs {INDEX_FILE} and {args.region}/); "
            f"run: geozones data build --region {args.region} --out {folder}"
        )
        return 1

    results = []
    before = rss_mb()
    started = time.perf_counter()
    index = PostcodeIndex.load(index_path)
    load_s = time.perf_counter() - started
    rss = rss_mb() - before
    print(f"GB postcode index: {len(index):,} live, {len(index.terminated_keys):,} terminated")
    results.append(report("load the GB postcode index", load_s, "s", 2))
    results.append(report("resident memory of the index (RSS after - before)", rss, "MB", 300))

    geocoder = Geocoder(index, load_region(args.region, args.build))
    rng = np.random.default_rng(SEED)
    keys = index.keys[rng.choice(len(index), size=10_000, replace=False)].astype(str)
    queries = format_postcode(keys).tolist()
    geocoder.geocode(queries[0])  # reads the region's postcodes once
    times = []
    for q in queries:
        t0 = time.perf_counter_ns()
        geocoder.geocode(q)
        times.append(time.perf_counter_ns() - t0)
    median_us = statistics.median(times) / 1000
    results.append(report("one postcode (median of 10,000 single calls)", median_us, "us", 50))

    keys = index.keys[rng.integers(0, len(index), size=100_000)].astype(str)
    inputs, expected = mixed_inputs(keys, rng)
    started = time.perf_counter()
    out = geocoder.geocode_many(inputs)
    mixed_s = time.perf_counter() - started
    in_order = bool((out["matched"].fillna("").to_numpy() == expected).all())
    rows_ok = len(out) == 100_000 and in_order
    bad = int((expected == "").sum())
    errors = int((out["status"] == "error").sum())
    print(f"100,000 mixed: {len(out):,} rows out, in order: {in_order}; "
          f"{bad:,} malformed given, {errors:,} errors reported")  # fmt: skip
    results.append(report("100,000 mixed inputs (5% malformed)", mixed_s, "s", 3))
    results.append(rows_ok and errors == bad)

    keys = index.keys[rng.integers(0, len(index), size=1_000_000)].astype(str)
    inputs = format_postcode(keys)
    started = time.perf_counter()
    out = geocoder.geocode_many(inputs)
    million_s = time.perf_counter() - started
    print(f"1,000,000 GB postcodes: {len(out):,} rows out, "
          f"{int((out['status'] == 'outside_region').sum()):,} outside {args.region}")  # fmt: skip
    results.append(report("1,000,000 postcodes from all of GB", million_s, "s", 20))
    results.append(len(out) == 1_000_000)
    print("all targets met" if all(results) else "SOME TARGETS MISSED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
