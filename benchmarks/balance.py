"""Balance care hours across lots on real units, side by side with spopt's regionalisers.

Cases (modelled demand, seed 0; targets from issue 6):

* Herefordshire, 5 lots of LSOAs, 'O' pathway (768 clients, 9,199 h/week):
  largest deviation from the mean at most 2%, under 10 s.
* Herefordshire, 2 lots, 'D' pathway (58 clients, 2,330 h/week): at most 5%.
* Norfolk, 20 lots of LSOAs, demand modelled from Census 65+ and scaled from
  Herefordshire's 'O' totals per resident aged 65+: at most 5%, under 30 s.

spopt (``pip install spopt``) runs on the same units, neighbours and number
of lots: ``RegionKMeansHeuristic`` and ``Skater`` (at least n/(2k) units a
region), both on the hours per unit. Neither balances a total, so their
largest deviation shows what balancing adds. Skater fails on the 'D' demand:
neighbours with equal hours (many units have no 'D' package) have zero
dissimilarity, which its minimum spanning tree drops, leaving "islands"
smaller than its floor. Seconds are wall time of one run with the unit layer
already prepared.

Usage: python benchmarks/balance.py [--build DIR]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from geozones._settings import build_dir
from geozones.balance.report import lot_report
from geozones.balance.solver import Constraints, balance
from geozones.demand.packages import Demand, PublishedDemand, modelled_demand, published_demand
from geozones.regions.data import load_region
from geozones.zones.plan import ZonePlan
from geozones.zones.units import UnitLayer, load_units


def norfolk_demand(norfolk: UnitLayer, herefordshire: UnitLayer) -> Demand:
    """Norfolk packages modelled like Herefordshire 'O', scaled by the 65+ population."""
    ratio = norfolk.frame["age65"].sum() / herefordshire.frame["age65"].sum()
    ordinary = published_demand("herefordshire", "O")[0]
    totals = PublishedDemand(
        region="norfolk",
        pathway="O",
        clients=round(ordinary.clients * ratio),
        weekly_hours=float(round(ordinary.weekly_hours * ratio)),
        scheme="norfolk-2019",
        rate="band-1",
        source=f"Herefordshire 'O' per resident aged 65+, x{ratio:.2f}",
    )
    return modelled_demand(norfolk.region, totals=[totals])


def figures(units: UnitLayer, labels: np.ndarray, hours: np.ndarray, name: str) -> tuple:
    """Largest deviation (%), contiguity and mean Polsby-Popper of a labelling."""
    plan = ZonePlan(
        name, units.region, units.layer, pd.Series(labels.astype(str), index=units.codes)
    )
    demand = pd.DataFrame({"unit": units.codes, "clients": 0, "weekly_hours": hours})
    report = lot_report(plan, demand).iloc[:-1]
    return (
        report["deviation_pct"].abs().max(),
        plan.check().contiguous,
        report["polsby_popper"].mean(),
    )


def spopt_rows(units: UnitLayer, hours: np.ndarray, k: int) -> list[tuple]:
    try:
        from libpysal.weights import W
        from spopt.region import RegionKMeansHeuristic, Skater
    except ImportError:
        return [("spopt", "not installed (pip install spopt): comparison skipped")]
    import geopandas as gpd

    matrix = units.adjacency.tocsr()
    neighbours = {
        i: matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]].tolist()
        for i in range(matrix.shape[0])
    }
    w = W(neighbours, silence_warnings=True)
    frame = gpd.GeoDataFrame({"hours": hours}, geometry=units.geoms, crs=units.frame.crs)
    solvers = {
        "spopt RegionKMeansHeuristic": lambda: RegionKMeansHeuristic(
            hours.reshape(-1, 1), k, w, seed=0
        ),
        "spopt Skater": lambda: Skater(
            frame, w, ["hours"], n_clusters=k, floor=len(hours) // (2 * k)
        ),
    }
    rows = []
    for label, make in solvers.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            model = make()
            try:
                model.solve()
            except ValueError as exc:
                rows.append((label, f"failed: {exc}"))
                continue
            seconds = time.perf_counter() - start
        rows.append((label, *figures(units, np.asarray(model.labels_), hours, label), seconds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=None, help="Build folder.")
    args = parser.parse_args()
    build = build_dir(args.build)
    hereford = load_units(load_region("herefordshire", build), "units")
    norfolk = load_units(load_region("norfolk", build), "units")
    cases = [
        ("Herefordshire 5 lots 'O'", hereford, modelled_demand(hereford.region, "O"), 5, 0.02),
        ("Herefordshire 2 lots 'D'", hereford, modelled_demand(hereford.region, "D"), 2, 0.05),
        ("Norfolk 20 lots", norfolk, norfolk_demand(norfolk, hereford), 20, 0.05),
    ]
    header = (
        f"{'case / method':<34}{'max dev':>9}{'target':>8}{'contiguous':>12}"
        f"{'mean PP':>9}{'seconds':>9}"
    )
    for title, units, demand, k, tolerance in cases:
        hours = demand.units["weekly_hours"].to_numpy()
        print(f"\n{title}: {len(units.codes)} LSOAs, {demand.clients:,} clients, "
              f"{demand.weekly_hours:,.0f} h/week (modelled={demand.modelled})")  # fmt: skip
        print(header)
        start = time.perf_counter()
        plan = balance(units, demand, k, Constraints(tolerance=tolerance))
        seconds = time.perf_counter() - start
        labels = pd.Index(plan.zones).get_indexer(plan.assignment.reindex(units.codes))
        dev, contiguous, pp = figures(units, labels, hours, plan.name)
        print(f"{'geozones balance':<34}{dev:>8.2f}%{tolerance:>7.0%}{contiguous!s:>12}"
              f"{pp:>9.3f}{seconds:>9.2f}")  # fmt: skip
        for row in spopt_rows(units, hours, k):
            if len(row) == 2:
                print(f"{row[0]:<34}{row[1]}")
                continue
            label, dev, contiguous, pp, seconds = row
            print(f"{label:<34}{dev:>8.2f}%{'':>8}{contiguous!s:>12}{pp:>9.3f}{seconds:>9.2f}")


if __name__ == "__main__":
    main()
