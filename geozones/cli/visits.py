"""The ``geozones visits`` command: what a scheme's visit rule costs over the one it replaces.

Nottinghamshire's 2017 proposal to pay for at least 30 minutes a visit, then
by the minute, costed on a package list's visits and, with ``--modelled``, on
the modelled demand (:func:`geozones.demand.visits.visit_whatif`), beside the
council's own estimate. Errors are geozones errors, which
:func:`geozones.cli.main.main` prints as one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from geozones.cli.options import PATH, build_option, scheme_option

if TYPE_CHECKING:
    from geozones.schemes.scheme import Scheme

#: Rows without usable visits printed in full (the rest are counted).
SHOWN_PROBLEMS = 10


@click.command("visits")
@click.argument("infile", type=PATH)
@scheme_option(required=True, text="Scheme whose visit rule to cost, e.g. nottinghamshire-2017.")
@click.option(
    "--modelled",
    is_flag=True,
    help="Also cost the modelled demand (the council's published totals), its visits drawn "
    "from the list's visit lengths; needs the scheme's region built.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the modelled demand.")
@build_option
def visits(infile: Path, scheme: Scheme, modelled: bool, seed: int, build: Path | None) -> None:
    """Cost a year of the scheme's visit rule over the rule it replaces, on INFILE's visits.

    INFILE is a package list (CSV or XLSX) with visits a week and either
    minutes per visit or weekly hours (minutes = hours x 60 / visits).
    """
    from geozones.demand.visits import package_visits, visit_whatif
    from geozones.regions.data import load_region

    rows = package_visits(infile)
    region = load_region(scheme.region, build) if modelled else None
    click.echo(f"{scheme.id}: {scheme.title}")
    for whatif in visit_whatif(scheme, rows, region=region, seed=seed):
        for line in whatif.describe():
            click.echo(line)
    bad = rows[rows["status"] != "ok"]
    for row, message in zip(
        bad["row"].head(SHOWN_PROBLEMS), bad["message"].head(SHOWN_PROBLEMS), strict=True
    ):
        click.echo(f"  row {row}: not counted: {message}")
    if len(bad) > SHOWN_PROBLEMS:
        click.echo(f"  ... and {len(bad) - SHOWN_PROBLEMS:,} more rows not counted")
