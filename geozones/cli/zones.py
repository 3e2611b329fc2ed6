"""The ``geozones zones`` commands: build, list, show, history, export, import and union plans.

Plans are kept in the plan store (``--store``, default ``zones.sqlite`` in the
instance folder, ``$GEOZONES_INSTANCE``); regions are read from the build
folder (``--build``, default ``$GEOZONES_BUILD`` or ``data/build``). Errors are
raised as geozones errors, which :func:`geozones.cli.main.main` prints as one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from geozones._errors import InputError
from geozones._vocab import SchemeMethod, ZoneDistance
from geozones.cli.options import (
    PATH,
    PLAN,
    build_option,
    scheme_option,
    store_option,
    with_version,
)
from geozones.cli.targets import parse_groups

if TYPE_CHECKING:
    import pandas as pd

    from geozones.schemes.scheme import Scheme
    from geozones.zones.plan import ZonePlan
    from geozones.zones.store import PlanRef, PlanStore

_BUILD = build_option
_STORE = store_option
_SCHEME = scheme_option(text="Scheme id (default: the region's scheme, if one fits).")
_DEMAND = click.option(
    "--demand",
    type=PATH,
    help="CSV of unit, clients, weekly_hours (optional modelled) to price per zone.",
)
_RATE = click.option("--rate", help="Band, rate or blend to price demand at.")
KINDS = ("districts", "lots", "pcn", "bands")


def _store(path: Path | None, build: Path | None) -> PlanStore:
    from geozones.zones.store import PlanStore

    return PlanStore(path, build)


def _stored(plan: PlanRef, version: int | None, store: Path | None, build: Path | None) -> ZonePlan:
    """A stored plan by reference, at ``--version``, its ``@VERSION`` or its latest."""
    ref = with_version(plan, version)
    return _store(store, build).get(ref.key, ref.version)


def _fitting_schemes(region: str, kind: str) -> list[Scheme]:
    """The region's schemes that can build ``kind``: road-distance bands, or rules of that kind."""
    from geozones.schemes.scheme import list_schemes
    from geozones.zones.rules import RULES_DIR, read_rules

    if kind == "bands":
        fits = [s for s in list_schemes() if s.method == SchemeMethod.ROAD_DISTANCE_BANDS]
    else:
        ruled = {
            r.scheme for p in RULES_DIR.glob("*.toml") for r in read_rules(p) if r.kind == kind
        }
        fits = [s for s in list_schemes() if s.id in ruled]
    return [s for s in fits if s.region == region]


def _scheme(region: str, kind: str, scheme: Scheme | None) -> Scheme:
    """The scheme given, or the region's one scheme that can build ``kind`` (lots, bands)."""
    if scheme is not None:
        return scheme
    fits = _fitting_schemes(region, kind)
    if len(fits) == 1:
        return fits[0]
    if not fits:
        having = "road-distance bands" if kind == "bands" else f"{kind} rules"
        raise InputError(f"no scheme of region {region} has {having}; name one with --scheme")
    choices = ", ".join(s.id for s in fits)
    raise InputError(f"region {region} has several schemes for {kind}; name one of: {choices}")


def _district_scheme(region: str, scheme: Scheme | None) -> Scheme | None:
    """The scheme whose district areas to build; None (plain districts) when none has rules."""
    if scheme is None and not _fitting_schemes(region, "districts"):
        return None
    return _scheme(region, "districts", scheme)


def _demand(path: Path | None, scheme: Scheme | None) -> pd.DataFrame | None:
    """The --demand table (unit, clients, weekly_hours), which needs --scheme to be priced."""
    if path is None:
        return None
    if scheme is None:
        raise InputError("--demand needs --scheme to price the hours")
    import pandas as pd

    try:
        return pd.read_csv(path, dtype={"unit": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read demand file {path}: {exc}") from exc


def _echo_plan(
    plan: ZonePlan,
    demand: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    rate: str | None = None,
) -> None:
    """Print the plan's header, summary table and check report."""
    version = f" version {plan.version}" if plan.version is not None else ""
    parent = f" (parent {plan.parent})" if plan.parent is not None else ""
    click.echo(f"plan {plan.name}{version}{parent}: {plan.region.name}, {plan.unit_layer}")
    click.echo(f"  by {plan.author} at {plan.created.isoformat()}")
    click.echo(f"  method: {plan.method}")
    if plan.notes:
        click.echo(f"  notes: {plan.notes}")
    table = plan.summary(demand, scheme, rate=rate).drop(columns="colour")
    formats = {
        "population": "{:,.0f}".format,
        "age65": "{:,.0f}".format,
        "area_km2": "{:,.1f}".format,
        "weekly_hours": "{:,.1f}".format,
        "annual_hours": "{:,.0f}".format,
        "cost": lambda v: f"£{v:,.2f}",
        "rate": lambda v: "mixed" if v is None else f"£{v:,.2f}",
    }
    click.echo(table.to_string(index=False, formatters=formats))
    for line in plan.check().report():
        click.echo(f"  check: {line}")


@click.group()
def zones() -> None:
    """Zone plans: build, list, show, export and import (stored with their history)."""


@zones.command("build")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--region", required=True, help="Region name (e.g. hertfordshire).")
@_SCHEME
@_BUILD
@_STORE
@click.option("--name", help="Plan name (default <region>-<zone layer>).")
@click.option("--author", default="geozones", show_default=True, help="Recorded on the version.")
@click.option(
    "--distance",
    type=click.Choice([d.value for d in ZoneDistance]),
    default=ZoneDistance.AUTO.value,
    show_default=True,
    help="pcn and bands: distance to practices by road (auto: when the region has roads).",
)
def build_cmd(
    kind: str,
    region: str,
    scheme: Scheme | None,
    build: Path | None,
    store: Path | None,
    name: str | None,
    author: str,
    distance: str,
) -> None:
    """Build a plan of KIND for a region, save it as a new version and print its summary.

    pcn with --scheme builds the scheme's zones made from PCN areas by its rule
    file (Nottinghamshire's Care Delivery Groups); without, the PCN areas.
    """
    from geozones.regions.data import load_region
    from geozones.zones import builders

    data = load_region(region, build)
    if kind == "districts":
        plan = builders.district_plan(
            data, _district_scheme(region, scheme), name=name, author=author
        )
    elif kind == "lots":
        plan = builders.lot_plan(data, _scheme(region, kind, scheme), name=name, author=author)
    elif kind == "pcn" and scheme is not None:
        plan = builders.pcn_zone_plan(data, scheme, method=distance, name=name, author=author)
    elif kind == "pcn":
        plan = builders.pcn_plan(data, method=distance, name=name, author=author)
    else:
        chosen = _scheme(region, kind, scheme)
        labels = builders.band_labels(data, chosen)
        plan = builders.band_plan(
            data,
            labels,
            colours=builders.band_colours(chosen),
            name=name or f"{chosen.id}-bands",
            method=labels.attrs["method"],
            author=author,
        )
    plans = _store(store, build)
    version = plans.save(plan, base_version=plans.latest(plan.name))
    click.echo(f"saved {plan.name} version {version} in {plans.path}")
    _echo_plan(plans.get(plan.name, version))


@zones.command("list")
@_STORE
def list_cmd(store: Path | None) -> None:
    """List the stored plans with their latest version."""
    plans = _store(store, None)
    table = plans.list()
    if table.empty:
        click.echo(f"no plans in {plans.path}")
        return
    click.echo(table.to_string(index=False))


@zones.command("history")
@click.argument("plan", type=PLAN)
@_STORE
def history_cmd(plan: PlanRef, store: Path | None) -> None:
    """List every version of PLAN (name or id) with its parent, author and method."""
    table = _store(store, None).history(plan.key)
    click.echo(table.drop(columns="method").to_string(index=False))


@zones.command("show")
@click.argument("plan", type=PLAN)
@click.option("--version", "version", type=int, help="Version (default the latest).")
@_STORE
@_BUILD
@_DEMAND
@_SCHEME
@_RATE
def show_cmd(
    plan: PlanRef,
    version: int | None,
    store: Path | None,
    build: Path | None,
    demand: Path | None,
    scheme: Scheme | None,
    rate: str | None,
) -> None:
    """Show PLAN (name or id, optionally @VERSION): metadata, per-zone summary and check."""
    stored = _stored(plan, version, store, build)
    _echo_plan(stored, _demand(demand, scheme), scheme, rate)


@zones.command("export")
@click.argument("plan", type=PLAN)
@click.option(
    "-o",
    "--out",
    required=True,
    type=PATH,
    help="File to write: .csv (unit table), .geojson, .gpkg or .zip (Shapefile).",
)
@click.option("--version", "version", type=int, help="Version (default the latest).")
@_STORE
@_BUILD
@_DEMAND
@_SCHEME
@_RATE
def export_cmd(
    plan: PlanRef,
    out: Path,
    version: int | None,
    store: Path | None,
    build: Path | None,
    demand: Path | None,
    scheme: Scheme | None,
    rate: str | None,
) -> None:
    """Export PLAN (name or id, optionally @VERSION) to the --out file."""
    from geozones.zones.io import export_plan

    stored = _stored(plan, version, store, build)
    table = _demand(demand, scheme)
    path = export_plan(stored, out, demand=table, scheme=scheme, rate=rate)
    click.echo(f"wrote {stored.name} version {stored.version} to {path}")


@zones.command("import")
@click.argument("file", type=PATH)
@click.option("--region", help="Region, when the file does not say it.")
@click.option("--layer", "unit_layer", type=click.Choice(("units", "wards")), help="Unit layer.")
@click.option("--name", help="Plan name (default: the file's).")
@click.option(
    "--base-version",
    type=int,
    help="Version the file is an edit of (default: the plan's latest); a newer one is a conflict.",
)
@click.option("--author", default="geozones", show_default=True, help="Recorded on the version.")
@_STORE
@_BUILD
def import_cmd(
    file: Path,
    region: str | None,
    unit_layer: str | None,
    name: str | None,
    base_version: int | None,
    author: str,
    store: Path | None,
    build: Path | None,
) -> None:
    """Import a plan from FILE (.csv, .geojson, .gpkg, .zip) and save it as a new version."""
    from geozones.zones.io import import_plan

    plan = import_plan(
        file, region=region, unit_layer=unit_layer, name=name, build=build, author=author
    )
    plans = _store(store, build)
    base = base_version if base_version is not None else plans.latest(plan.name)
    version = plans.save(plan, base_version=base)
    click.echo(f"saved {plan.name} version {version} in {plans.path}")
    _echo_plan(plans.get(plan.name, version))


@zones.command("union")
@click.argument("plan", type=PLAN)
@click.option(
    "--group",
    "groups",
    multiple=True,
    required=True,
    help='A zone of the new plan and the zones of PLAN it joins, e.g. "Complex A & B=Zone A,'
    'Zone B" (repeat; every zone of PLAN in one group; ";" separates names holding commas).',
)
@click.option("--name", required=True, help="Name of the new plan.")
@click.option("--author", default="geozones", show_default=True, help="Recorded on the version.")
@_STORE
@_BUILD
def union_cmd(
    plan: PlanRef,
    groups: tuple[str, ...],
    name: str,
    author: str,
    store: Path | None,
    build: Path | None,
) -> None:
    """Save a plan whose zones are unions of PLAN's zones (name or id, optionally @VERSION).

    Herefordshire's 'D' lots from its 'O' zones: --group "Complex A & B=Zone
    A,Zone B" --group "Complex C, D, E=Zone C,Zone D,Zone E". The new plan
    nests in PLAN by construction; it is saved as a new version of --name.
    """
    from geozones.zones.nesting import nested_in, union_plan

    plans = _store(store, build)
    parent = plans.get(plan.key, plan.version)
    union = union_plan(parent, parse_groups(groups), name, author=author)
    version = plans.save(union, base_version=plans.latest(union.name))
    click.echo(f"saved {union.name} version {version} in {plans.path}")
    saved = plans.get(union.name, version)
    nested = "yes" if nested_in(parent, saved) else "NO"
    click.echo(f"  {parent.name} version {parent.version} nests in it: {nested}")
    _echo_plan(saved)
