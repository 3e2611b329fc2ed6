import pytest

from geozones._errors import DataError, NotFoundError
from geozones.schemes.scheme import get_scheme
from geozones.zones.rules import RULES_DIR, read_rules, rules_for


def test_shipped_rules_match_their_schemes():
    for path in RULES_DIR.glob("*.toml"):
        scheme = get_scheme(path.stem)
        for rules in read_rules(path):
            names = set(scheme.zone_layer(rules.layer).names)
            made = set(rules.districts.values())
            if rules.rural is not None:
                made |= {lot.name for lot in rules.rural.lots}
            for half in rules.halves:
                made = (made - {half.zone}) | set(half.names)
            assert made == names, (path.name, rules.layer)


def test_hertfordshire_lot_rules_say_how_rural_and_halves_are_made():
    rules = rules_for("hertfordshire-2022", "lots")
    assert (rules.layer, rules.units) == ("lot-areas", "wards")
    assert rules.rural.max_density_per_km2 == 400
    assert {lot.name: lot.districts for lot in rules.rural.lots} == {
        "Dacorum Rural": ("E07000096",),
        "East & North Herts Rural": ("E07000242", "E07000099"),
    }
    assert [(h.zone, h.names) for h in rules.halves] == [
        ("Wel Hat", ("Wel Hat 1", "Wel Hat 2")),
        ("Broxbourne", ("Broxbourne 1", "Broxbourne 2")),
    ]
    districts = rules_for("hertfordshire-2022", "districts").districts
    assert districts["E07000102"] == districts["E07000103"] == "Three Rivers & Watford"


def test_missing_rules_list_what_exists():
    with pytest.raises(
        NotFoundError,
        match=r"for scheme norfolk-2019; rules exist for: .*hertfordshire-2022 \(lots\)",
    ):
        rules_for("norfolk-2019", "lots")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[a]\nkind = "wards"\nunits = "units"\n[a.districts]\nE1 = "X"\n',
            r"a\.kind: expected one of",
        ),
        (
            '[a]\nkind = "lots"\nunits = "oa"\n[a.districts]\nE1 = "X"\n',
            r"a\.units: expected one of",
        ),
        ('[a]\nkind = "lots"\nunits = "units"\n', r"a\.districts: expected a table"),
        (
            '[a]\nkind = "lots"\nunits = "units"\nextra = 1\n[a.districts]\nE1 = "X"\n',
            r"unknown key a\.extra",
        ),
        (
            (
                '[a]\nkind = "lots"\nunits = "units"\n[a.districts]\nE1 = "X"\n'
                "[a.rural]\nmax_density_per_km2 = -1\nlots = []\n"
            ),
            r"a\.rural\.max_density_per_km2: expected a number above 0",
        ),
        (
            (
                '[a]\nkind = "lots"\nunits = "units"\n[a.districts]\nE1 = "X"\n'
                '[[a.halves]]\nzone = "X"\nnames = ["X1"]\n'
            ),
            r"a\.halves\[0\]\.names: expected a list of 2 non-empty texts",
        ),
        ("[a\n", "cannot read zone rules"),
    ],
)
def test_malformed_rules_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "demo.toml"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as error:
        read_rules(path)
    assert str(path) in str(error.value)
