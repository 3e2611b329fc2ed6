"""The editor's solver on real builds: improve a drafted Norfolk plan, balance Herefordshire.

Cases (issue 14, "Figures"):

* **Improve a drafted Norfolk 20-lot plan**: 20 lots of Norfolk's 538 LSOAs
  balanced within 2% (demand modelled like Herefordshire 'O', scaled by the
  65+ population: ``benchmarks/balance.py``), then drafted as a commissioner
  would leave it: ``--perturb`` (30) boundary units each moved to a
  neighbouring lot, every lot kept contiguous. ``improve`` brings it back
  within 2% of the mean with as few moves as it can: seconds and moves.
* **Balance Herefordshire to the council's five targets** (seed 002, Table
  12.2: Zone A 1,682 to Zone D 2,352 hours a week), modelled 'O' demand (9,199
  hours), within 2% of each target, for ``--seeds`` seeds: with the 'D' lots as
  groups (Complex A & B = A + B, Complex C, D, E = C + D + E, so that they come
  out contiguous) and without; seconds and the worst deviation from a target.

Seconds are wall time of one call with the unit layer already loaded (the
first call of each case is a warm-up, not timed). The build is read, never
written; the plans are saved to a plan store in a temporary folder.

Usage: python benchmarks/editor_solver.py [--build DIR] [--perturb N] [--seeds N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from balance import norfolk_demand

from geozones._settings import build_dir
from geozones.balance.report import lot_report
from geozones.balance.solver import Constraints, balance, improve
from geozones.demand.packages import Demand, modelled_demand
from geozones.regions.data import load_region
from geozones.schemes.scheme import get_scheme
from geozones.zones.nesting import nested_in, union_plan
from geozones.zones.plan import ZonePlan
from geozones.zones.store import PlanStore
from geozones.zones.units import UnitLayer, load_units

D_LOTS = {"Complex A & B": ("Zone A", "Zone B"), "Complex C, D, E": ("Zone C", "Zone D", "Zone E")}


def figures(plan: ZonePlan, demand: Demand, constraints: Constraints) -> tuple[float, bool]:
    """The largest deviation (%) from a lot's target (else the mean), and whether all are met."""
    report = lot_report(plan, demand).iloc[:-1]
    hours = report["weekly_hours"].to_numpy(dtype=float)
    if "target_hours" in report:
        deviation, targets = report["target_deviation_pct"], report["target_hours"].to_numpy()
    else:
        deviation, targets = report["deviation_pct"], np.full(len(hours), hours.mean())
    return float(deviation.abs().max()), constraints.met(hours, targets)


def perturb(plan: ZonePlan, units: UnitLayer, count: int, seed: int) -> ZonePlan:
    """``plan`` with ``count`` boundary units moved to a neighbouring lot, no lot cut in two."""
    rng = np.random.default_rng(seed)
    zone = plan.assignment.reindex(units.codes).to_numpy(dtype=object)
    adjacency = units.adjacency.tocsr()

    def pieces() -> int:
        return len(np.unique(units.components(np.unique(zone, return_inverse=True)[1])))

    start = pieces()  # islands linked by the balancer count as pieces of their own here
    moved: set[int] = set()
    while len(moved) < count:
        unit = int(rng.integers(len(zone)))
        near = adjacency.indices[adjacency.indptr[unit] : adjacency.indptr[unit + 1]]
        others = sorted({zone[n] for n in near} - {zone[unit]})
        if unit in moved or not others or (zone == zone[unit]).sum() < 2:
            continue
        before, zone[unit] = zone[unit], others[int(rng.integers(len(others)))]
        if pieces() <= start:
            moved.add(unit)
        else:
            zone[unit] = before
    changes = {units.codes[u]: zone[u] for u in sorted(moved)}
    return plan.reassign(changes, author="benchmark", notes=f"{count} units moved by hand")


def norfolk_case(build: Path, store: PlanStore, count: int) -> None:
    hereford = load_units(load_region("herefordshire", build), "units")
    units = load_units(load_region("norfolk", build), "units")
    demand = norfolk_demand(units, hereford)
    constraints = Constraints(tolerance=0.02)
    started = time.perf_counter()
    balanced = balance(units, demand, 20, constraints, name="norfolk-20-lots")
    drawn = time.perf_counter() - started
    store.save(balanced)
    draft = perturb(store.get(balanced.name), units, count, seed=1)
    store.save(draft, base_version=1)
    improve(draft, demand, constraints)  # warm-up
    started = time.perf_counter()
    improved, moves = improve(draft, demand, constraints)
    seconds = time.perf_counter() - started
    store.save(improved, base_version=2)
    print(
        f"\nNorfolk, 20 lots of {len(units.codes)} LSOAs, {demand.weekly_hours:,.0f} h/week "
        f"(modelled={demand.modelled}); balanced within 2% in {drawn:.1f} s "
        f"(worst {figures(balanced, demand, constraints)[0]:.2f}%)"
    )
    before, _ = figures(draft, demand, constraints)
    print(f"  draft: {count} boundary units moved; worst deviation {before:.2f}%")
    after, met = figures(improved, demand, constraints)
    print(
        f"  improve: {seconds:.2f} s, {len(moves)} unit move(s), worst deviation {after:.2f}% "
        f"(target 2%: {'met' if met else 'NOT met'}); islands as in the balanced plan: "
        f"{len(improved.check().islands) == len(balanced.check().islands)}"
    )


def herefordshire_case(build: Path, store: PlanStore, seeds: int) -> None:
    region = load_region("herefordshire", build)
    units = load_units(region, "units")
    demand = modelled_demand(region, "O")
    targets = {
        r.zone: float(r.weekly_hours)
        for r in get_scheme("herefordshire-2017").zone_layer("o-zones").reference
    }
    print(
        f"\nHerefordshire, 5 zones of {len(units.codes)} LSOAs to the council's targets "
        f"({', '.join(f'{z} {h:,.0f}' for z, h in targets.items())} h/week), modelled 'O' "
        f"demand {demand.weekly_hours:,.0f} h/week, within 2% of each target:"
    )
    print(f"{'case':<28}{'seed':>5}{'seconds':>9}{'worst dev':>11}{'met':>6}{'D lots':>26}")
    for label, groups in (("with the D lots as groups", D_LOTS), ("zones only", {})):
        constraints = Constraints(targets=targets, groups=groups)
        balance(units, demand, constraints=constraints)  # warm-up
        times = []
        for seed in range(seeds):
            started = time.perf_counter()
            plan = balance(units, demand, constraints=constraints, seed=seed, name="hfd-o-zones")
            times.append(time.perf_counter() - started)
            d_lots = union_plan(plan, D_LOTS, "hfd-d-lots")
            state = "contiguous" if d_lots.check().contiguous else "NOT contiguous"
            nested = "nested" if nested_in(plan, d_lots) else "NOT nested"
            deviation, met = figures(plan, demand, constraints)
            print(
                f"{label:<28}{seed:>5}{times[-1]:>9.2f}{deviation:>10.2f}%"
                f"{met!s:>6}{f'{nested}, {state}':>26}"
            )
            store.save(plan, store.latest(plan.name))
        print(f"{label:<28}{'median':>5}{statistics.median(times):>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=None, help="Build folder (read only).")
    parser.add_argument("--perturb", type=int, default=30, help="Units moved in the draft.")
    parser.add_argument("--seeds", type=int, default=5, help="Herefordshire seeds.")
    args = parser.parse_args()
    build = build_dir(args.build)
    with tempfile.TemporaryDirectory() as folder:
        store = PlanStore(Path(folder) / "zones.sqlite", build)
        norfolk_case(build, store, args.perturb)
        herefordshire_case(build, store, args.seeds)


if __name__ == "__main__":
    main()
