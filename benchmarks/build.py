"""Time the region build as ``make run`` does it the first time, into a temporary folder.

First the GB postcode index, then ``geozones data build --region R`` for each
region, each a new process as ``make data`` runs them (the build, the derived
layers, the circuity measure and the start-up caches). Wall time and peak
resident memory of each process come from ``os.wait4``; the total is what a
first ``make run`` spends building.

Usage: python benchmarks/build.py [--source DIR] [--region NAME ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from geozones._settings import source_dir
from geozones.regions.specs import expand_region_names

INDEX = (
    "import sys; from pathlib import Path; from geozones.regions.build import "
    "ensure_postcode_index; ensure_postcode_index(Path(sys.argv[1]), Path(sys.argv[2]))"
)
CLI = "import sys; from geozones.cli.main import main; sys.exit(main())"


def timed(args: list[str]) -> tuple[float, float]:
    """Run a Python process; return its wall seconds and peak resident memory (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--region", action="append", default=[])
    args = parser.parse_args()
    source = source_dir(args.source)
    names = expand_region_names(args.region)
    with tempfile.TemporaryDirectory() as tmp:
        seconds, peak = timed(["-c", INDEX, str(source), tmp])
        total = seconds
        print(f"{'GB postcode index':<18} {seconds:6.1f} s  peak {peak:6,.0f} MB")
        for name in names:
            command = ["-c", CLI, "data", "build", "--region", name, "--source", str(source),
                       "--out", tmp]  # fmt: skip
            seconds, peak = timed(command)
            total += seconds
            print(f"{name:<18} {seconds:6.1f} s  peak {peak:6,.0f} MB")
        print(f"{'all regions':<18} {total:6.1f} s  (make run's first build; target under 180 s)")


if __name__ == "__main__":
    main()
