"""Time classifying and pricing packages: issue 12's figures.

* 100,000 Norfolk package rows (an in-region postcode each, ``visit_minutes``,
  ``visits_per_week`` and ``pathway``) classified and priced under norfolk-2019
  in-process (:func:`geozones.batch.classify.classify_table`, the classifier
  already loaded), best of ``--repeat``; then its steps apart;
* the same rows through the whole CLI command (``geozones classify IN.csv -o
  OUT.csv --scheme norfolk-2019``), a new process each run, start-up included;
* single priced lookups in-process (:meth:`Classifier.classify` then
  :func:`~geozones.classification.package.price_package`): p50 and p95 over
  ``--lookups`` random postcodes.

Usage: python benchmarks/pricing.py [--build DIR] [--rows N] [--repeat N] [--lookups N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from geozones.batch.classify import classify_table, with_package_prices
from geozones.classification.package import Package, price_package
from geozones.regions.data import load_region
from geozones.zones.lookup import classifier_for, warm_caches

ENTRY = "import sys; from geozones.cli.main import main; sys.exit(main())"


def package_rows(build: Path | None, rows: int) -> pd.DataFrame:
    """``rows`` Norfolk packages at random in-region postcodes, cells as text."""
    postcodes = load_region("norfolk", build).postcodes
    live = postcodes.loc[postcodes["in_region"].astype(bool), "postcode"].to_numpy()
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "address": rng.choice(live, size=rows),
            "visit_minutes": rng.choice(["15", "30", "45", "60"], size=rows),
            "visits_per_week": rng.integers(1, 29, size=rows).astype(str),
            "pathway": rng.choice(["O", "D"], size=rows),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=2_000)
    args = parser.parse_args()
    table = package_rows(args.build, args.rows)
    # the start-up caches as `geozones data build` leaves them
    warm_caches("norfolk", args.build)
    classifier = classifier_for("norfolk-2019", args.build)
    classifier.classify("NR1 3QU")

    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        _, result = classify_table(table, "address", classifier)
        times.append(time.perf_counter() - t)
    print(f"{len(table):,} package rows classified and priced in-process: best {min(times):.2f} s, "
          f"median {statistics.median(times):.2f} s (target: under 1.5 s)")  # fmt: skip
    t = time.perf_counter()
    located = classifier.locate(table["address"])
    t_locate = time.perf_counter() - t
    t = time.perf_counter()
    answers = classifier.classify_many(table["address"])
    t_classify = time.perf_counter() - t
    t = time.perf_counter()
    with_package_prices(table, "address", answers, classifier)
    t_price = time.perf_counter() - t
    print(f"  steps: geocode {t_locate:.2f} s; geocode and classify {t_classify:.2f} s; "
          f"package prices {t_price:.2f} s ({int(located.ok.sum()):,} located)")  # fmt: skip
    print("  weekly cost (£) total:", f"{pd.to_numeric(result['weekly_cost']).sum():,.2f}")
    print("  status:", result["status"].value_counts().to_dict())

    with tempfile.TemporaryDirectory() as tmp:
        infile, outfile = Path(tmp) / "packages.csv", Path(tmp) / "out.csv"
        table.to_csv(infile, index=False)
        command = [sys.executable, "-c", ENTRY, "classify", str(infile), "-o", str(outfile),
                   "--scheme", "norfolk-2019"]  # fmt: skip
        if args.build is not None:
            command += ["--build", str(args.build)]
        walls = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - t)
        print(f"whole CLI command (new process, start-up, read and write {len(table):,} rows): "
              f"best {min(walls):.2f} s, median {statistics.median(walls):.2f} s")  # fmt: skip

    sample = table["address"].to_numpy()[: args.lookups]
    package = Package(visit_seconds=Decimal(1800), visits_per_week=Decimal(7))
    single = []
    for postcode in sample:
        t = time.perf_counter()
        answer = classifier.classify(str(postcode))
        price_package(classifier.scheme, answer.band, package)
        single.append(time.perf_counter() - t)
    ms = np.array(single) * 1000
    print(f"single priced lookup in-process over {len(ms):,} postcodes: "
          f"p50 {np.percentile(ms, 50):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms "
          "(target: p50 under 1 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
