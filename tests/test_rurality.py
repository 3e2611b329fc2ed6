"""The ONS Rural-Urban Classification on every unit; Herefordshire's four-mile rule beside it."""

import pytest

from geozones._errors import InputError
from geozones.classification.classifier import Classifier
from geozones.classification.rurality import rule_vs_ruc
from geozones.schemes.scheme import get_scheme


def test_every_unit_carries_ruc_2011_and_2021(herefordshire):
    units = herefordshire.units.set_index("code")
    assert units["ruc11"].notna().all() and units["ruc21"].notna().all()
    # the ONS LSOA-level counts for Herefordshire (the shared data README)
    assert units["ruc11"].value_counts().to_dict() == {
        "C1": 53, "E1": 40, "D1": 10, "E2": 10, "D2": 2, "C2": 1,
    }  # fmt: skip
    assert int(units["rural11"].sum()) == 62
    assert set(units["ruc21_method"]) == {"same-code", "msoa-majority"}
    assert units.loc[units["ruc11"] == "E2", "ruc21_name"].str.contains("rural").all()


def test_the_four_mile_rule_against_ruc(herefordshire, build_root):
    rural, (ruc11, ruc21) = rule_vs_ruc(Classifier(get_scheme("herefordshire-2016"), build_root))
    assert rural == "Rural"
    assert round(ruc11.rule_in_ruc, 2) == 0.96 and round(ruc11.ruc_in_rule, 2) == 0.54
    assert ruc11.sentence(rural).startswith(
        "RUC 2011: 96% of the 55,942 people the rule pays as Rural live in LSOAs the ONS calls "
        "rural; 54% of the 100,531 people in ONS-rural LSOAs are paid as Rural"
    )
    assert ruc21.vintage == "RUC 2021" and ruc21.residents == ruc11.residents


def test_only_a_radius_scheme_has_a_rule_to_compare(herefordshire, build_root):
    with pytest.raises(InputError, match="herefordshire-2017 uses flat; the rule-vs-RUC"):
        rule_vs_ruc(Classifier(get_scheme("herefordshire-2017"), build_root))


def test_cli_prints_the_agreement(herefordshire, build_root, run_cli):
    code, out, err = run_cli("rurality", "--scheme", "herefordshire-2016", "--build", build_root)
    assert (code, err) == (0, "")
    assert "RUC 2011: 96% of the 55,942 people the rule pays as Rural" in out
    assert "RUC 2021: " in out
