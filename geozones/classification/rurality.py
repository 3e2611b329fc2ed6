"""A council's urban/rural rule beside the official ONS Rural-Urban Classification.

Herefordshire's 2016 scheme pays the rural rate beyond four miles in a straight
line of Hereford and every market town; the ONS classifies each LSOA as urban
or rural from its settlement pattern (RUC 2011: classes D and E are rural; RUC
2021: the ONS urban/rural flag). :func:`rule_vs_ruc` measures how far the two
agree, in people: every live postcode of the region is classified by the rule
as a lookup would, and carries its LSOA's class and an equal share of the
LSOA's population (mid-2017), so a share is a share of residents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geozones._errors import InputError
from geozones._vocab import SchemeMethod, Status
from geozones.classification.classifier import Classifier


@dataclass(frozen=True)
class RuralAgreement:
    """How far a scheme's rural class agrees with one RUC vintage, in residents.

    Attributes
    ----------
    vintage : str
        ``"RUC 2011"`` or ``"RUC 2021"``.
    rule_rural : float
        Residents the scheme's rule calls rural.
    ruc_rural : float
        Residents the RUC calls rural.
    both_rural : float
        Residents both call rural.
    residents : float
        Residents of the postcodes compared.

    """

    vintage: str
    rule_rural: float
    ruc_rural: float
    both_rural: float
    residents: float

    @property
    def rule_in_ruc(self) -> float:
        """Share of the people the rule calls rural that the RUC calls rural (0-1)."""
        return self.both_rural / self.rule_rural if self.rule_rural else float("nan")

    @property
    def ruc_in_rule(self) -> float:
        """Share of the people the RUC calls rural that the rule calls rural (0-1)."""
        return self.both_rural / self.ruc_rural if self.ruc_rural else float("nan")

    def sentence(self, rural: str) -> str:
        """The agreement in words, ``rural`` being the rule's rural class."""
        return (
            f"{self.vintage}: {self.rule_in_ruc:.0%} of the {self.rule_rural:,.0f} people the "
            f"rule pays as {rural} live in LSOAs the ONS calls rural; {self.ruc_in_rule:.0%} of "
            f"the {self.ruc_rural:,.0f} people in ONS-rural LSOAs are paid as {rural} "
            f"(of {self.residents:,.0f} residents)"
        )


def rule_vs_ruc(classifier: Classifier) -> tuple[str, list[RuralAgreement]]:
    """The agreement of a straight-line-radius scheme's rural class with RUC 2011 and 2021.

    Parameters
    ----------
    classifier : Classifier
        Of a ``straight-line-radius`` scheme (its second band is beyond every
        centre: the rural class).

    Returns
    -------
    (str, list of RuralAgreement)
        The rule's rural class label, and the agreement with each vintage.

    Raises
    ------
    InputError
        The scheme is not a straight-line-radius scheme.

    """
    scheme = classifier.scheme
    if scheme.method != SchemeMethod.STRAIGHT_LINE_RADIUS:
        raise InputError(
            f"scheme {scheme.id} uses {scheme.method}; the rule-vs-RUC comparison needs an "
            "urban/rural radius scheme such as herefordshire-2016"
        )
    rural = scheme.bands[1].label
    region = classifier.region
    postcodes = region.postcodes
    live = postcodes[postcodes["in_region"].astype(bool) & postcodes["lsoa"].notna()]
    xy = np.column_stack([live.geometry.x, live.geometry.y])
    answers = classifier.classify_points(xy)
    answered = (answers["status"] == Status.OK).to_numpy()
    units = region.units.set_index("code")
    lsoa = live["lsoa"].to_numpy()[answered]
    per_postcode = units["population"] / pd.Series(lsoa).value_counts()
    people = per_postcode.reindex(lsoa).to_numpy(dtype=float)
    rule = (answers["band"].to_numpy()[answered] == rural).astype(float)
    out = []
    for vintage, column in (("RUC 2011", "rural11"), ("RUC 2021", "rural21")):
        ruc = units[column].reindex(lsoa).fillna(False).to_numpy(dtype=bool).astype(float)
        out.append(
            RuralAgreement(
                vintage=vintage,
                rule_rural=float((people * rule).sum()),
                ruc_rural=float((people * ruc).sum()),
                both_rural=float((people * rule * ruc).sum()),
                residents=float(people.sum()),
            )
        )
    return rural, out
