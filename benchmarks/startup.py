"""Time two everyday commands as whole processes, from a cold interpreter each run.

* ``geozones lookup "NR1 3QU" --scheme norfolk-2019``
* ``geozones classify IN.csv -o OUT.csv --scheme rutland-demo``, IN.csv holding
  every in-region postcode of the built Rutland region (column ``address``),
  classified by road distance.

Each command runs once untimed first (its time printed apart: the operating
system's file cache is cold then; the start-up caches beside each region are
written by ``geozones data build``, never by a lookup), then ``--runs`` more
times. Every run is a new Python process
(nothing is kept between runs but the operating system's file cache), timed
from outside with ``time.perf_counter``; its CPU time and peak resident memory
come from ``os.wait4``. The machine is shared, so read the minimum and the
median: the maximum mostly measures the neighbours.

``--checkout DIR`` times another copy of the source tree (e.g. an earlier
commit, exported with ``git archive``) with the same interpreter and build;
``--against DIR`` times a second tree in turn with the first, run for run, and
prints the ratio pair by pair, which holds even while the machine's speed
drifts. The output digests printed tell whether both gave the same answers.

Usage: python benchmarks/startup.py [--build DIR] [--runs N] [--checkout DIR] [--against DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from geozones._settings import build_dir
from geozones.regions.data import load_region

ROOT = Path(__file__).resolve().parent.parent
#: What the ``geozones`` console script runs.
ENTRY = "import sys; from geozones.cli.main import main; sys.exit(main())"


@dataclass(frozen=True)
class Run:
    """One finished process: wall and CPU seconds, peak resident memory (MB), output."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    stdout: bytes


def in_region_postcodes(build: Path, path: Path) -> int:
    """Write Rutland's in-region postcodes as a one-column CSV (``address``); return the count."""
    postcodes = load_region("rutland", build).postcodes
    values = postcodes.loc[postcodes["in_region"], "postcode"].tolist()
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["address"])
        writer.writerows([v] for v in values)
    return len(values)


def run_once(args: list[str], checkout: Path) -> Run:
    """Run ``geozones ARGS`` from ``checkout`` as a new process and measure it."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("GEOZONES_BUILD", None)
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY, *args],
            cwd=checkout,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        # reaped here rather than by Popen, for the child's own CPU time and peak memory
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            sys.exit(
                f"geozones {' '.join(args)} failed ({proc.returncode}):\n{err.read().decode()}"
            )
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out)


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[Run, list[Run]]]:
    """Per tree: its untimed first run and ``runs`` timed ones, the trees taking turns."""
    firsts = {tree: run_once(args, Path(tree)) for tree, args in commands.items()}
    timed: dict[str, list[Run]] = {tree: [] for tree in commands}
    for _ in range(runs):
        for tree, args in commands.items():
            timed[tree].append(run_once(args, Path(tree)))
    return {tree: (firsts[tree], timed[tree]) for tree in commands}


def spread(values: list[float]) -> str:
    """min / median / max of some figures."""
    return f"{min(values):6.3f} / {statistics.median(values):6.3f} / {max(values):6.3f}"


def report(label: str, first: Run, runs: list[Run], digest: str) -> None:
    """Print one command's figures."""
    print(label)
    print(f"  first run (cold file cache): {first.wall_s:6.3f} s wall")
    print(
        f"  wall s      min / median / max: {spread([r.wall_s for r in runs])}  ({len(runs)} runs)"
    )
    print(f"  cpu s       min / median / max: {spread([r.cpu_s for r in runs])}  (user + system)")
    print(f"  peak RSS MB min / median / max: {spread([r.peak_mb for r in runs])}")
    print(f"  output sha256: {digest}")


def ratios(results: dict[str, tuple[Run, list[Run]]]) -> None:
    """Against another tree: its time over this tree's, run pair by run pair."""
    (_, mine), (_, other) = results.values()
    wall = [b.wall_s / a.wall_s for a, b in zip(mine, other, strict=True)]
    cpu = [b.cpu_s / a.cpu_s for a, b in zip(mine, other, strict=True)]
    print(f"  against / this, pair by pair: wall {spread(wall)}; cpu {spread(cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--build", type=Path, default=None, help="build folder (default data/build)"
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command (>= 5)")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="source tree to time")
    parser.add_argument(
        "--against", type=Path, default=None, help="another source tree, timed in turn with it"
    )
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    build = build_dir(args.build).resolve()
    trees = [str(args.checkout.resolve())]
    if args.against is not None:
        trees.append(str(args.against.resolve()))
    print(f"python {sys.version.split()[0]}; build {build}; {args.runs} timed runs per tree")
    with tempfile.TemporaryDirectory() as tmp:
        infile = Path(tmp) / "IN.csv"
        count = in_region_postcodes(build, infile)
        print(f"IN.csv: {count:,} in-region Rutland postcodes")

        lookup = ["lookup", "NR1 3QU", "--scheme", "norfolk-2019", "--build", str(build)]
        results = measure(dict.fromkeys(trees, lookup), args.runs)
        for tree, (first, runs) in results.items():
            digest = hashlib.sha256(runs[-1].stdout).hexdigest()[:16]
            if any(r.stdout != runs[-1].stdout for r in [first, *runs]):
                digest += " (differs between runs!)"
            report(f'(a) geozones lookup "NR1 3QU" --scheme norfolk-2019  [{tree}]',
                   first, runs, digest)  # fmt: skip
        if len(results) == 2:
            ratios(results)

        outfiles = {tree: Path(tmp) / f"OUT-{i}.csv" for i, tree in enumerate(trees)}
        commands = {
            tree: ["classify", str(infile), "-o", str(outfiles[tree]), "--scheme", "rutland-demo",
                   "--build", str(build)]
            for tree in trees
        }  # fmt: skip
        results = measure(commands, args.runs)
        for tree, (first, runs) in results.items():
            digest = hashlib.sha256(outfiles[tree].read_bytes()).hexdigest()[:16]
            report(f"(b) geozones classify IN.csv ({count:,} rows) --scheme rutland-demo  [{tree}]",
                   first, runs, digest)  # fmt: skip
            said = runs[-1].stdout.decode().strip().replace(str(outfiles[tree]), "OUT.csv")
            print(f"  said: {said}")
        if len(results) == 2:
            ratios(results)


if __name__ == "__main__":
    main()
