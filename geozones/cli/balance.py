"""The ``geozones balance`` command: lots with balanced weekly care hours.

It reads a package list (or models demand from the Census and the council's
published totals), draws the lots (or rebalances a stored plan with as few
unit moves as possible), prints the per-lot report, writes the plan to a file
(:func:`geozones.zones.io.export_plan`) and saves it as a new version in the
plan store (:class:`geozones.zones.store.PlanStore`). Errors are geozones
errors, which :func:`geozones.cli.main.main` prints as one line.

Lots can have targets of their own (``--target``, or a council's published
table with ``--targets-from``, whose figures the report then prints beside the
plan's) and be drawn in groups that form contiguous unions (``--group``; build
the union plan with ``geozones zones union``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geozones._errors import InputError
from geozones.cli.options import PATH, PLAN, build_option, scheme_option, store_option
from geozones.cli.targets import parse_groups, parse_targets, reference_layer

if TYPE_CHECKING:
    import pandas as pd

    from geozones.balance.solver import Constraints
    from geozones.demand.packages import Demand
    from geozones.schemes.scheme import Scheme, Viability, ZoneLayer
    from geozones.zones.plan import ZonePlan
    from geozones.zones.store import PlanRef, PlanStore

#: Problem rows of a package list printed in full (the rest are counted).
SHOWN_PROBLEMS = 20
#: The council's figures printed beside the plan's: (plan column, council column).
SIDE_BY_SIDE: tuple[tuple[str, str], ...] = (
    ("clients", "council_clients"),
    ("weekly_hours", "council_weekly_hours"),
    ("annual_hours", "council_annual_hours"),
    ("cost", "council_cost"),
)


def _read_locks(path: Path | None) -> dict[str, str]:
    """Unit code -> lot name from a CSV or XLSX with columns ``unit`` and ``lot``."""
    if path is None:
        return {}
    from geozones.tables.files import read_table

    table = read_table(path)
    columns = {str(c).strip().lower(): c for c in table.columns}
    if "unit" not in columns or "lot" not in columns:
        raise InputError(
            f"{path.name}: a lock file needs columns 'unit' (unit code) and 'lot' (lot name); "
            "columns: " + ", ".join(map(str, table.columns))
        )
    units = table[columns["unit"]].str.strip()
    lots = table[columns["lot"]].str.strip()
    keep = units != ""
    empty = keep & (lots == "")
    if empty.any():
        first = int(empty.to_numpy().argmax())
        raise InputError(f"{path.name}: row {first + 2} names a unit but no lot")
    locks: dict[str, str] = {}
    for row, unit, lot in zip(table.index[keep], units[keep], lots[keep], strict=True):
        if locks.setdefault(unit, lot) != lot:
            raise InputError(
                f"{path.name}: unit {unit} is locked to both {locks[unit]!r} and {lot!r} "
                f"(row {row + 2})"
            )
    return locks


def _pricing(
    region: str, pathway: str | None, given: Scheme | None, rate: str | None
) -> tuple[Scheme | None, str | None]:
    """The scheme and rate to price lots at: as given, else those of the published totals."""
    from geozones.demand.packages import published_totals
    from geozones.schemes.scheme import get_scheme, list_schemes

    published = published_totals(region, pathway)
    scheme: Scheme | None
    if given is not None:
        scheme = given
    elif len({p.scheme for p in published}) == 1:
        scheme = get_scheme(published[0].scheme)
    else:
        fits = [s for s in list_schemes() if s.region == region and s.default_rate is not None]
        scheme = fits[0] if len(fits) == 1 else None
    if rate is None and scheme is not None:
        rates = {p.rate for p in published if p.scheme == scheme.id}
        rate = rates.pop() if len(rates) == 1 else None
    return scheme, rate


def _viability(region: str, chosen: Scheme | None) -> Viability | None:
    """The council's published lot viability: the pricing scheme's, else its region's.

    A region's council schemes that publish one must agree on it; a
    demonstration scheme's figures are never used. None: none published.
    """
    from geozones.schemes.scheme import list_schemes

    if chosen is not None and chosen.viability is not None:
        return chosen.viability
    published = {
        s.viability
        for s in list_schemes()
        if s.region == region and not s.demonstration and s.viability is not None
    }
    return published.pop() if len(published) == 1 else None


def _echo_viability(region: str, viability: Viability | None) -> None:
    """One line saying which published figures judged the lots, and whose they are."""
    if viability is None:
        click.echo(
            f"viability: no published threshold for {region} (no [viability] in its scheme "
            "files); no other council's figures are used"
        )
        return
    low, high, provider = viability.min_hours, viability.max_hours, viability.provider_min_hours
    parts = []
    if low is None:
        parts.append("no published lot threshold")
    else:
        ceiling = f"up to {high:,.0f}" if high is not None else "no maximum published"
        parts.append(f"a lot is viable from {low:,.0f} hours a week ({ceiling})")
    if provider is not None:
        parts.append(
            f"each provider delivers at least {provider:,.0f} hours a week "
            "(provider_min_hours, beside each lot's hours)"
        )
    click.echo(f"viability: {'; '.join(parts)}; source: {viability.source}")


def _echo_demand(demand: Demand) -> None:
    click.echo(demand.describe())
    counts = ", ".join(f"{n:,} {status}" for status, n in demand.counts().items() if n)
    click.echo(f"  rows: {counts}")
    problems = demand.problems()
    ids = problems[demand.id_column] if demand.id_column else problems["row"]
    for row, ident, status, message in zip(
        problems["row"].head(SHOWN_PROBLEMS),
        ids.head(SHOWN_PROBLEMS),
        problems["status"].head(SHOWN_PROBLEMS),
        problems["message"].head(SHOWN_PROBLEMS),
        strict=True,
    ):
        click.echo(f"  row {row} ({ident}): {status}: {message}")
    if len(problems) > SHOWN_PROBLEMS:
        click.echo(f"  ... and {len(problems) - SHOWN_PROBLEMS:,} more rows not counted")


def _money(value: object) -> str:
    return "-" if value is None or value != value else f"£{value:,.2f}"


#: How the report prints its columns.
_FORMATS = {
    "weekly_hours": "{:,.1f}".format,
    "provider_min_hours": lambda v: "" if v != v else f"{v:,.0f}",
    "annual_hours": "{:,.0f}".format,
    "rate": _money,
    "cost": _money,
    "deviation_pct": lambda v: "" if v != v else f"{v:+.2f}%",
    "polsby_popper": lambda v: "" if v != v else f"{v:.3f}",
    "target_hours": lambda v: "" if v != v else f"{v:,.1f}",
    "target_deviation_pct": lambda v: "" if v != v else f"{v:+.2f}%",
    "council_clients": lambda v: "" if v is None else f"{v:,}",
    "council_weekly_hours": lambda v: "" if v != v else f"{v:,.0f}",
    "council_annual_hours": lambda v: "" if v != v else f"{v:,.0f}",
    "council_cost": _money,
}


def _echo_report(
    report: pd.DataFrame, constraints: Constraints, plan: ZonePlan, layer: ZoneLayer | None
) -> None:
    """The per-lot report, whether the target is met, the council's figures beside the plan's."""
    import numpy as np

    own = report.drop(columns=[c for _, c in SIDE_BY_SIDE if c in report])
    click.echo(own.to_string(index=False, formatters=_FORMATS, na_rep=""))
    lots = report.iloc[:-1]
    mean = lots["weekly_hours"].sum() / max(int((lots["units"] > 0).sum()), 1)
    targeted = "target_hours" in lots
    goal = lots["target_hours"].to_numpy(dtype=float) if targeted else np.full(len(lots), mean)
    met = constraints.met(
        lots["weekly_hours"].to_numpy(dtype=float), np.where(np.isnan(goal), mean, goal)
    )
    if targeted:
        shown = constraints if constraints.targets else replace(constraints, targets=plan.targets)
        deviation = f"from a lot's target: {lots['target_deviation_pct'].abs().max():.2f}%"
    else:
        shown = constraints
        deviation = f"from the mean ({mean:,.1f} h/week): {lots['deviation_pct'].abs().max():.2f}%"
    click.echo(
        f"largest deviation {deviation}; target ({shown.describe()}) "
        + ("met" if met else "NOT MET")
    )
    if layer is not None:
        click.echo(f"beside the council's figures ({layer.reference[0].source}):")
        columns = ["lot", *(c for pair in SIDE_BY_SIDE for c in pair)]
        click.echo(report[columns].to_string(index=False, formatters=_FORMATS, na_rep=""))
    for line in plan.check().report():
        click.echo(f"  check: {line}")


def _constraints(
    plans: PlanStore,
    tolerance: float | None,
    min_hours: float | None,
    max_hours: float | None,
    within: str | None,
    lock: Path | None,
    lots: Lots,
) -> Constraints:
    """The hours target, per-lot targets, groups, nesting and locks of a balance run."""
    from geozones.balance.solver import DEFAULT_TOLERANCE, Constraints
    from geozones.zones.store import parse_plan_ref

    if tolerance is None and min_hours is None and max_hours is None:
        tolerance = DEFAULT_TOLERANCE
    parent: ZonePlan | str | None = within
    if within not in (None, "districts"):
        ref = parse_plan_ref(within)
        parent = plans.get(ref.key, ref.version)
    return Constraints(
        tolerance=tolerance,
        min_hours=min_hours,
        max_hours=max_hours,
        within=parent,
        locked=_read_locks(lock),
        targets=lots.targets,
        scale_targets=lots.scale,
        locked_zones=lots.locked_zones,
        groups=lots.groups,
    )


@dataclass(frozen=True)
class Lots:
    """What the options say of the lots: targets, the council's table, groups, locked zones."""

    targets: dict[str, float]
    layer: ZoneLayer | None
    scale: bool
    groups: dict[str, tuple[str, ...]]
    locked_zones: tuple[str, ...]

    @classmethod
    def read(
        cls,
        region: str,
        target: tuple[str, ...],
        targets_from: str | None,
        scale: bool,
        group: tuple[str, ...],
        lock_zone: tuple[str, ...],
        base: ZonePlan | None,
    ) -> Lots:
        """The lots' options: ``--target`` values over the ``--targets-from`` table's hours.

        ``base`` is the plan to improve (--lock-zone locks its zones; none without one).
        """
        if lock_zone and base is None:
            raise InputError("--lock-zone keeps a zone of a plan as it is; use it with --improve")
        layer = None if targets_from is None else reference_layer(targets_from, region)
        table = {} if layer is None else {r.zone: float(r.weekly_hours) for r in layer.reference}
        return cls(
            targets={**table, **parse_targets(target)},
            layer=layer,
            scale=scale,
            groups=parse_groups(group),
            locked_zones=lock_zone,
        )


@click.command("balance")
@click.option("--region", required=True, help="Region name (e.g. herefordshire).")
@click.option(
    "--lots", "k", type=click.IntRange(min=1), help="Number of lots (not with --improve)."
)
@click.option(
    "--demand",
    "demand_file",
    type=PATH,
    help="Package list (.csv or .xlsx: id, address or postcode, weekly hours, optional "
    "pathway). Default: modelled from Census 65+ and the council's published totals.",
)
@click.option("--pathway", help="Count only packages of this pathway (e.g. O or D).")
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Every lot within this fraction of the mean hours (default 0.02 unless "
    "--min-hours or --max-hours is given).",
)
@click.option(
    "--min-hours",
    type=click.FloatRange(min=0),
    help="Every lot at least this many hours a week (a target of this run; the report judges "
    "viability by the council's published figures).",
)
@click.option(
    "--max-hours",
    type=click.FloatRange(min=0),
    help="Every lot at most this many hours a week (a target of this run, not a viability "
    "threshold).",
)
@click.option(
    "--within",
    help="Keep lots inside 'districts' or the zones of a stored plan (name or id, optionally "
    "@VERSION).",
)
@click.option(
    "--lock", type=PATH, help="CSV or XLSX with columns unit and lot: units fixed in named lots."
)
@click.option(
    "--target",
    multiple=True,
    help='A lot and its own target hours a week, e.g. "Zone A=1682" (repeat for each lot; '
    "the lots take these names; over --targets-from's figure for that lot).",
)
@click.option(
    "--targets-from",
    help="SCHEME:LAYER whose published per-zone table gives each zone's weekly hours as its "
    "target, e.g. herefordshire-2017:o-zones; the report prints its figures beside the plan's.",
)
@click.option(
    "--scale-targets",
    is_flag=True,
    help="Scale the targets in proportion to add up to the demand's total hours.",
)
@click.option(
    "--group",
    multiple=True,
    help='Lots with targets drawn to form one contiguous union, e.g. "Complex A & B=Zone A,'
    'Zone B" (repeat; every target in one group; build the union plan with zones union).',
)
@click.option(
    "--lock-zone",
    multiple=True,
    help="With --improve: a zone of the plan that keeps exactly its units (repeat).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the search.")
@click.option(
    "--demand-seed", type=int, default=0, show_default=True, help="Seed of modelled demand."
)
@scheme_option(
    text="Scheme id to price the lots (default: the published totals' scheme, else the "
    "region's only single-rate scheme; none: no cost)."
)
@click.option("--rate", help="Band, rate or blend to price at (default: the pathway's).")
@click.option(
    "--improve",
    "improve_plan",
    type=PLAN,
    help="Rebalance this stored plan (name or id, optionally @VERSION) with as few unit "
    "moves as possible.",
)
@click.option(
    "--layer",
    type=click.Choice(("units", "wards")),
    default="units",
    show_default=True,
    help="Units the lots are made of (units: LSOAs).",
)
@click.option("--name", help="Plan name (default <region>-<pathway>-<lots>-lots).")
@click.option("--author", default="geozones", show_default=True, help="Recorded on the version.")
@click.option(
    "-o",
    "--out",
    required=True,
    type=PATH,
    help="Plan file to write: .geojson, .gpkg, .zip (Shapefile) or .csv (unit table).",
)
@build_option
@store_option
def balance(
    region: str,
    k: int | None,
    demand_file: Path | None,
    pathway: str | None,
    tolerance: float | None,
    min_hours: float | None,
    max_hours: float | None,
    within: str | None,
    lock: Path | None,
    target: tuple[str, ...],
    targets_from: str | None,
    scale_targets: bool,
    group: tuple[str, ...],
    lock_zone: tuple[str, ...],
    seed: int,
    demand_seed: int,
    scheme: Scheme | None,
    rate: str | None,
    improve_plan: PlanRef | None,
    layer: str,
    name: str | None,
    author: str,
    out: Path,
    build: Path | None,
    store: Path | None,
) -> None:
    """Draw lots with balanced weekly care hours (or rebalance a stored plan).

    Prints the per-lot report (clients, hours, cost, deviation from the mean,
    Polsby-Popper compactness, viability against the council's published
    figures or "no published threshold", modelled flag; with targets, each
    lot's target and deviation from it; with --targets-from, the council's
    figures beside the plan's), writes the plan to the --out file and saves
    it as a new version in the plan store.
    """
    from geozones.balance.report import lot_report, own_price_demand
    from geozones.balance.solver import balance as draw_lots
    from geozones.balance.solver import improve
    from geozones.demand.packages import modelled_demand, read_demand
    from geozones.regions.data import load_region
    from geozones.zones.io import FORMATS, export_plan
    from geozones.zones.lookup import classifier_for
    from geozones.zones.store import PlanStore
    from geozones.zones.units import load_units

    if out.suffix.lower() not in (*FORMATS, ".json"):
        raise InputError(
            f"{out.name}: cannot tell the plan format; end -o with one of: " + ", ".join(FORMATS)
        )
    plans = PlanStore(store, build)
    base = plans.get(improve_plan.key, improve_plan.version) if improve_plan else None
    if base is not None and (k is not None or name is not None):
        raise InputError(
            "--improve keeps the plan's lots and name (saved as its next version); "
            "leave out --lots and --name"
        )
    if base is not None and base.region.name != region:
        raise InputError(f"plan {base.name} is a plan of {base.region.name}, not {region}")
    data = load_region(region, build)
    layer = base.unit_layer if base is not None else layer
    if demand_file is not None:
        demand = read_demand(demand_file, data, layer=layer, pathway=pathway)
    else:
        demand = modelled_demand(data, pathway, layer=layer, seed=demand_seed)
    _echo_demand(demand)
    lots = Lots.read(region, target, targets_from, scale_targets, group, lock_zone, base)
    constraints = _constraints(plans, tolerance, min_hours, max_hours, within, lock, lots)
    started = time.perf_counter()
    if base is not None:
        plan, moves = improve(base, demand, constraints, author=author)
    elif k is None and not lots.targets:
        raise InputError(
            "give the number of lots with --lots, targets (--target, --targets-from), "
            "or a plan to rebalance (--improve)"
        )
    else:
        units = load_units(data, layer)
        plan = draw_lots(units, demand, k, constraints, seed=seed, name=name, author=author)
    seconds = time.perf_counter() - started
    chosen, rate = _pricing(region, pathway, scheme, rate)
    viability = _viability(region, chosen)
    costed: pd.DataFrame | None = None
    if chosen is not None:
        costed = demand.units
        if rate is None and chosen.default_rate is None:
            costed = own_price_demand(demand, classifier_for(chosen.id, build, store))
    report = lot_report(
        plan,
        demand if costed is None else costed,
        chosen,
        rate=rate,
        viability=viability,
        reference=() if lots.layer is None else lots.layer.reference,
    )
    click.echo(f"plan {plan.name}: {plan.method} ({seconds:.1f} s)")
    _echo_report(report, constraints, plan, lots.layer)
    _echo_viability(region, viability)
    if chosen is None:
        click.echo("  cost: no single-rate scheme for this region; name one with --scheme/--rate")
    if base is not None:
        click.echo(f"{len(moves)} unit(s) moved:")
        if len(moves):
            click.echo(moves.to_string(index=False))
    saved_as = plans.save(plan, base.version if base is not None else plans.latest(plan.name))
    click.echo(f"saved {plan.name} version {saved_as} in {plans.path}")
    stored = plans.get(plan.name, saved_as)
    path = export_plan(stored, out, demand=costed, scheme=chosen, rate=rate)
    click.echo(f"wrote {path}")
