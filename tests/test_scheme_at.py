"""The scheme follows the place: a lookup without a scheme answers under the one in force there."""

import pytest

from geozones._errors import InputError
from geozones.zones.lookup import scheme_at

BUILT = "norfolk, herefordshire, hertfordshire, rutland"


@pytest.fixture(scope="module")
def build(build_root, norfolk, herefordshire, hertfordshire, rutland):
    return build_root


@pytest.mark.parametrize(
    ("query", "scheme"),
    [
        ("NR1 3QU", "norfolk-2019"),
        ("HR1 2HX", "herefordshire-2017"),
        ("LE15 6NT", "rutland-demo"),
        ("52.63, 1.30", "norfolk-2019"),
    ],
)
def test_the_region_holding_the_point_gives_its_default_scheme(build, query, scheme):
    assert scheme_at(query, build).id == scheme


def test_only_the_regions_given_and_built_are_looked_in(build):
    with pytest.raises(InputError) as exc:
        scheme_at("NR1 3QU", build, ["herefordshire", "isle-of-wight"], "give scheme=")
    assert str(exc.value) == (
        "NR1 3QU lies in none of the regions built (herefordshire); give scheme="
    )


def test_a_place_that_is_not_located_says_why(build):
    with pytest.raises(InputError) as exc:
        scheme_at("zzzz qqqq", build)
    assert str(exc.value) == (
        "'zzzz qqqq': no postcode, coordinates or grid reference in 'zzzz qqqq' "
        "(place names need a region); name a scheme with --scheme"
    )


def test_cli_lookup_without_scheme_answers_under_norfolk_2019(build, run_cli):
    code, out, err = run_cli("lookup", "NR1 3QU", "--build", build)
    assert (code, err) == (0, ""), err
    assert "scheme:   norfolk-2019" in out
    assert "band:     Band 1" in out and "rate:     £18.24 an hour" in out


def test_cli_lookup_without_scheme_answers_under_herefordshire_2017(build, run_cli):
    code, out, err = run_cli("lookup", "HR1 2HX", "--build", build)
    assert (code, err) == (0, ""), err
    assert "scheme:   herefordshire-2017" in out


def test_cli_lookup_of_a_place_in_no_built_region_exits_3(build, run_cli):
    code, out, err = run_cli("lookup", "EH1 1YZ", "--build", build)
    assert (code, out) == (3, "")
    assert err == (
        f"geozones: error: EH1 1YZ lies in none of the regions built ({BUILT}); "
        "name a scheme with --scheme\n"
    )
