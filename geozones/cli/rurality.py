"""The ``geozones rurality`` command: a council's urban/rural rule beside the ONS classification."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from geozones.cli.options import build_option, scheme_option

if TYPE_CHECKING:
    from geozones.schemes.scheme import Scheme


@click.command("rurality")
@scheme_option(required=True)
@build_option
def rurality(scheme: Scheme, build: Path | None) -> None:
    """How far a scheme's rural class agrees with ONS RUC 2011 and 2021, in residents."""
    from geozones.classification.rurality import rule_vs_ruc
    from geozones.zones.lookup import classifier_for

    rural, agreements = rule_vs_ruc(classifier_for(scheme.id, build))
    click.echo(f"{scheme.title} ({scheme.id}) against the ONS Rural-Urban Classification:")
    for agreement in agreements:
        click.echo(f"  {agreement.sentence(rural)}")
