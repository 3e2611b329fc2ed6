"""The ``geozones`` command line.

Every :class:`~geozones._errors.GeozonesError` becomes one line on standard
error and the exit code :mod:`geozones.cli.errors` gives its kind; :func:`main`
is the only place that mapping happens.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from geozones._errors import DataError, GeozonesError, InputError, SourceError
from geozones._settings import METRES_PER_MILE
from geozones.cli.balance import balance
from geozones.cli.errors import EXIT_HELP, EXIT_INTERRUPTED, exit_code
from geozones.cli.options import BUILD_HELP, PATH, build_option, scheme_option
from geozones.cli.route import route
from geozones.cli.rurality import rurality
from geozones.cli.users import users
from geozones.cli.visits import visits
from geozones.cli.zones import zones

if TYPE_CHECKING:
    from geozones.classification.package import PackagePrice
    from geozones.regions.checks import Check
    from geozones.schemes.scheme import Scheme

_SOURCE_HELP = "Source folder (default ../shared/data or $GEOZONES_SOURCE)."


@click.group(epilog=EXIT_HELP)
@click.option("-v", "--verbose", is_flag=True, help="Log debugging detail.")
@click.version_option(package_name="geozones")
def cli(verbose: bool) -> None:
    """geozones: home-care zones, lots and price bands for English councils."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("pyogrio").setLevel(logging.WARNING)


@cli.group()
def data() -> None:
    """Source datasets and region builds."""


@data.command("sources")
@click.option("--source", type=PATH, help=_SOURCE_HELP)
def data_sources(source: Path | None) -> None:
    """List the source datasets and whether each is in the source folder."""
    from geozones._settings import source_dir
    from geozones.sources.readers import source_status

    folder = source_dir(source)
    table = source_status(folder)
    click.echo(f"source folder: {folder}")
    for row in table.itertuples():
        mark = "present" if row.present else ("MISSING" if row.required else "absent (optional)")
        click.echo(f"{row.id:<20} {mark:<18} {row.file}")
        click.echo(f"{'':<20} {row.publisher}; {row.licence}; {row.vintage}")
        click.echo(f"{'':<20} {row.url}")
    missing = table[~table["present"] & table["required"]]
    if len(missing):
        raise SourceError(
            f"{len(missing)} required dataset(s) missing from {folder}: " + ", ".join(missing["id"])
        )


@data.command("regions")
@click.option("--source", type=PATH, help=_SOURCE_HELP)
@build_option
def data_regions(source: Path | None, build: Path | None) -> None:
    """List the declared regions (one file each) and what the source folder has for each."""
    from geozones._settings import source_dir
    from geozones.regions.build import region_status

    click.echo(f"source folder: {source_dir(source)}")
    for status in region_status(source, build):
        spec = status.spec
        click.echo(f"{spec.name:<16} {spec.title} ({spec.path})")
        districts = len(spec.districts)
        if spec.roads is None:
            roads = "no road extract declared"
        else:
            roads = f"roads {spec.roads} {'present' if status.roads_present else 'ABSENT'}"
        scheme = spec.default_scheme or "none"
        click.echo(
            f"{'':<16} {districts} district(s), wards for {status.wards} of {districts}; {roads}; "
            f"default scheme {scheme}; {'built' if status.built else 'not built'}"
        )


@data.command("build")
@click.option(
    "--region", "regions", multiple=True, help="Region to build (repeatable; default: all)."
)
@click.option("--source", type=PATH, help=_SOURCE_HELP)
@click.option("--out", type=PATH, help=BUILD_HELP)
@click.option(
    "--buffer-km",
    type=click.FloatRange(min=0),
    help="Keep practices, postcodes and places this far beyond the region "
    "(default: the region file's buffer_km, 10 km unless it says otherwise).",
)
@click.option(
    "--roads", type=PATH, help="Road extract (.osm.pbf) to use instead of the region's own."
)
def data_build(
    regions: tuple[str, ...],
    source: Path | None,
    out: Path | None,
    buffer_km: float | None,
    roads: Path | None,
) -> None:
    """Build region data (GeoPackage per region, EPSG:27700) from the source folder."""
    from geozones.distance.circuity import update_circuity
    from geozones.regions.build import build_regions
    from geozones.regions.data import NETWORK_DIR
    from geozones.regions.specs import expand_region_names
    from geozones.zones.derived import DERIVED_LAYERS
    from geozones.zones.lookup import warm_caches

    names = expand_region_names(regions)
    if roads is not None and len(names) != 1:
        raise InputError("--roads needs exactly one --region (the extract covers one region)")
    buffer_m = None if buffer_km is None else buffer_km * 1000.0
    results = build_regions(names, source, out, buffer_m, roads, DERIVED_LAYERS)
    for result in results:
        _print_checks(result.region, result.path, result.checks)
        click.echo(f"{result.region}: built in {result.seconds:.1f} s")
    if any((r.path / NETWORK_DIR).exists() for r in results):
        update_circuity(out)
    for result in results:
        warm_caches(result.region, out)


@data.command("circuity")
@click.option("--out", type=PATH, help=BUILD_HELP)
def data_circuity(out: Path | None) -> None:
    """Measure road/straight-line circuity on the built networks and write it into the build."""
    from geozones.distance.circuity import update_circuity

    circuity, path = update_circuity(out)
    click.echo(f"wrote {path}")
    pooled = circuity.pooled()
    for from_m, to_m, median, low, high, points in zip(
        pooled["from_m"], pooled["to_m"], pooled["median"], pooled["low"], pooled["high"],
        pooled["points"], strict=True,
    ):  # fmt: skip
        click.echo(
            f"  {from_m / METRES_PER_MILE:4.0f}-{to_m / METRES_PER_MILE:<4.0f} miles: "
            f"x{median:.3f} (spread {low:.3f}-{high:.3f}, {points:,} postcodes)"
        )


@data.command("check")
@click.option("--region", "regions", multiple=True, help="Region to check (default: all built).")
@click.option("--out", type=PATH, help=BUILD_HELP)
def data_check(regions: tuple[str, ...], out: Path | None) -> None:
    """Re-verify built regions and print the report."""
    from geozones.regions.checks import network_check, run_checks
    from geozones.regions.data import load_region
    from geozones.regions.specs import expand_region_names

    failed = []
    for name in expand_region_names(regions):
        region = load_region(name, out)
        layers = {n: getattr(region, n) for n in region.layer_names()}
        repaired = {c["name"]: 0 for c in region.report["checks"]}
        results = [*run_checks(layers, repaired), network_check(region.network)]
        _print_checks(name, region.path, results)
        failed += [f"{name}: {c.name}" for c in results if c.level == "error"]
    if failed:
        raise DataError(
            "checks failed: " + "; ".join(failed) + "; rebuild with: geozones data build --region R"
        )


def _print_checks(region: str, path: Path, results: list[Check]) -> None:
    click.echo(f"{region} ({path})")
    for c in results:
        click.echo(f"  [{c.level:<7}] {c.name}: {c.detail}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app (development server; use gunicorn in production)."""
    from werkzeug.serving import run_simple

    from geozones.web import create_app

    app = create_app()
    click.echo(f"geozones is serving at http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, app, use_reloader=False, threaded=True)


@cli.command()
@click.argument("infile", type=PATH)
@click.option(
    "-o", "--out", "outfile", required=True, type=PATH, help="Output table (.csv or .xlsx)."
)
@click.option("--column", help="Column to geocode (default: found by header, else by content).")
@click.option(
    "--region", help="Region for place names and outside_region flags (default: GB, no places)."
)
@build_option
def geocode(
    infile: Path, outfile: Path, column: str | None, region: str | None, build: Path | None
) -> None:
    """Geocode a CSV or XLSX table, adding lat, lon, easting, northing, precision, status..."""
    from geozones.geocode.files import geocode_file

    summary = geocode_file(infile, outfile, column, region, build)
    click.echo(f"{summary} -> {outfile}")


def _package_options(command: Callable[..., None]) -> Callable[..., None]:
    """One ``--visit-minutes``-style option per package input (``PACKAGE_INPUTS``)."""
    from geozones.classification.package import PACKAGE_INPUTS

    for item in reversed(PACKAGE_INPUTS):
        flag = "--" + item.name.replace("_", "-")
        command = click.option(flag, item.name, help=f"Package: {item.accepted}.")(command)
    return command


@cli.command()
@click.argument("query", nargs=-1, required=True)
@scheme_option(
    text="Scheme id, e.g. norfolk-2019 (default: the scheme in force where the place lies)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@build_option
@_package_options
def lookup(
    query: tuple[str, ...],
    scheme: Scheme | None,
    as_json: bool,
    build: Path | None,
    **package: str | None,
) -> None:
    """Band or class, rate, distance, district, PCN and caveats of an address, postcode or place.

    Given the package options, also the price per visit, the weekly and annual
    cost and any capacity incentive, each with the rule behind it. Without
    --scheme, the scheme in force in the built region where the place lies
    answers (the answer's ``scheme`` says which).
    """
    from geozones.classification.package import price_package, read_package
    from geozones.zones.lookup import classify
    from geozones.zones.place import scheme_at

    given = {name: value for name, value in package.items() if value is not None}
    flags = {name: "--" + name.replace("_", "-") for name in given}
    inputs, problems = read_package(given, flags)
    if problems:
        raise InputError("; ".join(problems))
    text = " ".join(query)
    if scheme is None:
        scheme = scheme_at(text, build)
    answer = classify(text, scheme.id, build)
    price = price_package(scheme, answer.band, inputs) if inputs.given else None
    if as_json:
        out = answer.to_dict()
        if price is not None:
            out["package"] = price.to_dict()
        click.echo(json.dumps(out, indent=2))
        return
    _print_answer(answer)
    if price is not None:
        _print_price(price)


def _print_price(price: PackagePrice) -> None:
    rows = [
        (
            "priced at",
            f"{price.priced_at}, £{price.hourly_rate} an hour" if price.priced_at else None,
        ),
        ("per visit", price.visit_price and f"£{price.visit_price}"),
        ("weekly", price.weekly_cost and f"£{price.weekly_cost:,}"),
        ("annual", price.annual_cost and f"£{price.annual_cost:,}"),
        ("incentive", price.incentive and f"£{price.incentive}"),
    ]
    for key, value in rows:
        if value:
            click.echo(f"{key + ':':<10} {value}")
    for rule in price.rules:
        click.echo(f"{'rule:':<10} {rule}")
    for problem in price.problems:
        click.echo(f"{'problem:':<10} {problem}")


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--region", default="norfolk", show_default=True, help="Region to answer in.")
@build_option
def band(query: tuple[str, ...], region: str, build: Path | None) -> None:
    """Road distance to the nearest GP surgery and the band it gives (where the region has one)."""
    from geozones.distance.surgeries import NearestSurgery
    from geozones.geocode.geocoder import Geocoder
    from geozones.regions.data import load_region
    from geozones.schemes.scheme import list_schemes
    from geozones.zones.lookup import classifier_for

    text = " ".join(query)
    schemes = [s for s in list_schemes() if s.region == region and s.centres is not None
               and s.centres.kind == "gp-surgeries"]  # fmt: skip
    if schemes:
        _print_answer(classifier_for(schemes[0].id, build).classify(text))
        return
    place = Geocoder.for_region(region, build).geocode(text)
    if place.status == "error":
        raise InputError(f"{text!r}: {place.message}")
    surgeries = NearestSurgery(load_region(region, build), build)
    got = surgeries.measure(np.array([[place.easting, place.northing]]))
    click.echo(f"{place.matched} ({place.precision}): {place.message}")
    click.echo(f"band:     none ({region} has no road-distance band scheme)")
    click.echo(f"distance: {got.metres[0] / METRES_PER_MILE:.2f} miles")
    click.echo(f"drive:    {got.minutes[0]:.1f} min ({surgeries.method})")
    click.echo(f"surgery:  {got.label[0]}, {got.pcn_name[0]}")
    click.echo(f"method:   {surgeries.method}")
    if surgeries.method != "road":
        click.echo(f"caveat:   {surgeries.estimate_caveat}")


@cli.command("classify")
@click.argument("infile", type=PATH)
@click.option("-o", "--out", "outfile", required=True, type=PATH, help="Output (.csv or .xlsx).")
@scheme_option(required=True)
@click.option("--column", help="Address/postcode column (default: found by header or content).")
@click.option(
    "--summary",
    "summary_by",
    type=click.Choice(("lot", "zone", "pcn", "district")),
    help="Also print clients, hours and cost (each package at its own rate) by lot, zone, PCN "
    "or district and band.",
)
@build_option
def classify_command(
    infile: Path,
    outfile: Path,
    scheme: Scheme,
    column: str | None,
    summary_by: str | None,
    build: Path | None,
) -> None:
    """Geocode and classify every row of a package list, adding band, rate, district, PCN..."""
    from geozones.batch.classify import classify_file
    from geozones.batch.summary import summarise

    done = classify_file(infile, outfile, scheme.id, column, build)
    counts = ", ".join(f"{v:,} {k}" for k, v in done.counts.items())
    read_as = f" (read as {done.format.describe()})" if done.format is not None else ""
    click.echo(f"classified {sum(done.counts.values()):,} rows ({counts}) -> {outfile}{read_as}")
    if summary_by is not None:
        summary = summarise(done.result, done.table, scheme, summary_by)
        click.echo(summary.table.to_string(index=False, na_rep=""))
        if summary.note:
            click.echo(f"note: {summary.note}")


def _print_answer(answer: Any) -> None:
    miles = "" if answer.distance_miles is None else f"{answer.distance_miles:.2f} miles"
    drive = answer.drive_minutes
    road = answer.road_miles
    rows = [
        ("query", answer.query),
        ("located", f"{answer.matched} ({answer.located_by})" if answer.matched else None),
        ("status", f"{answer.status}: {answer.message}"),
        ("scheme", answer.scheme),
        ("band", answer.band),
        ("by miles", answer.distance_band if answer.distance_band != answer.band else None),
        ("rate", f"£{answer.rate} an hour" if answer.rate is not None else None),
        ("area", answer.area),
        ("distance", f"{miles} ({answer.method})" if miles else None),
        ("by road", None if road in (None, answer.distance_miles) else f"{road:.2f} miles"),
        ("drive", None if drive is None else f"{drive:.1f} min (the quickest from any surgery)"),
        ("confidence", answer.confidence),
        ("shares", answer.band_shares),
        ("surgery", answer.nearest_surgery),
        ("district", answer.district),
        ("RUC 2011", answer.ruc11),
        ("RUC 2021", answer.ruc21),
        ("zone", answer.zone),
        ("lot", answer.lot),
        ("PCN", answer.pcn),
    ]
    for key, value in rows:
        if value:
            click.echo(f"{key + ':':<9} {value}")
    for caveat in answer.caveats:
        click.echo(f"{'caveat:':<10}{caveat}")


cli.add_command(zones)
cli.add_command(balance)
cli.add_command(visits)
cli.add_command(rurality)
cli.add_command(route)
cli.add_command(users)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning geozones errors into one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="geozones", standalone_mode=False)
    except GeozonesError as exc:
        click.echo(f"geozones: error: {exc}", err=True)
        sys.exit(exit_code(exc))
    except click.exceptions.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
