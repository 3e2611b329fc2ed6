"""The ``geozones route`` command: the road from the nearest surgery behind an answer by road."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geozones.cli.options import PATH, build_option, scheme_option

if TYPE_CHECKING:
    from geozones.schemes.scheme import Scheme


@click.command("route")
@click.argument("query", nargs=-1, required=True)
@scheme_option(
    text="Scheme id, e.g. norfolk-2019 (default: the scheme in force where the place lies)."
)
@click.option(
    "--geojson",
    type=PATH,
    help="Also write the route, the surgery and the address as GeoJSON (EPSG:4326) to this file.",
)
@build_option
def route(
    query: tuple[str, ...], scheme: Scheme | None, geojson: Path | None, build: Path | None
) -> None:
    """The road route from the nearest GP surgery, its miles and minutes, and the band edges."""
    from geozones.classification.route import route_for
    from geozones.zones.lookup import classifier_for
    from geozones.zones.place import scheme_at

    text = " ".join(query)
    if scheme is None:
        scheme = scheme_at(text, build)
    found = route_for(classifier_for(scheme.id, build), text)
    answer = found.answer
    quickest = answer.drive_minutes
    rows = [
        ("query", answer.query),
        ("located", f"{answer.matched} ({answer.located_by})"),
        ("scheme", answer.scheme),
        ("band", answer.band),
        ("route", f"{found.miles:.2f} miles, {found.minutes:.1f} min along it"),
        ("quickest", None if quickest is None else f"{quickest:.1f} min from any surgery"),
        ("surgery", found.surgery),
        ("edges", found.edges_text),
    ]
    for key, value in rows:
        if value:
            click.echo(f"{key + ':':<9} {value}")
    if geojson is not None:
        geojson.write_text(json.dumps(found.to_geojson()), encoding="utf-8")
        click.echo(f"{'geojson:':<9} {geojson}")
