import pytest

from geozones._errors import DataError, NotFoundError
from geozones.schemes.scheme import get_scheme
from geozones.zones.rules import RULES_DIR, read_rules, rules_for


def test_shipped_rules_match_their_schemes():
    for path in RULES_DIR.glob("*.toml"):
        scheme = get_scheme(path.stem)
        for rules in read_rules(path):
            names = set(scheme.zone_layer(rules.layer).names)
            if not names:  # names built from data (hard-to-cover areas, PCNs): the builders check
                assert rules.hard_to_cover is not None or rules.pcn is not None
                continue
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


NOTTS = "nottinghamshire-2017"


def test_nottinghamshire_core_areas_group_the_seven_districts_into_four():
    core = rules_for(NOTTS, "districts")
    assert (core.layer, core.units) == ("core-areas", "units")
    areas = {}
    for code, area in core.districts.items():
        areas.setdefault(area, set()).add(code)
    assert areas == {
        "Bassetlaw": {"E07000171"},
        "Mansfield & Ashfield": {"E07000174", "E07000170"},  # Mears's area (seed 004, para 31)
        "Newark & Sherwood": {"E07000175"},
        "South Nottinghamshire": {"E07000172", "E07000173", "E07000176"},  # the 3 south CCGs
    }
    lots = rules_for(NOTTS, "lots")
    assert (lots.layer, lots.districts) == ("lot-areas", core.districts)  # districts = "core-areas"
    assert lots.hard_to_cover.rural == "rural11"
    assert (lots.hard_to_cover.min_age65, lots.hard_to_cover.max_age65) == (1000, 7000)
    assert lots.hard_to_cover.name == "{district} rural"
    cdgs = rules_for(NOTTS, "pcn")
    assert (cdgs.layer, cdgs.pcn.practices, cdgs.pcn.name) == (
        "care-delivery-groups",
        "in-region",
        "{pcn} CDG",
    )


def test_missing_rules_list_what_exists():
    with pytest.raises(
        NotFoundError,
        match=r"for scheme norfolk-2019; rules exist for: .*hertfordshire-2022 \(lots\)",
    ):
        rules_for("norfolk-2019", "lots")


LOTS = '[a]\nkind = "lots"\nunits = "units"\n[a.districts]\nE1 = "X"\n'
PCN = '[a]\nkind = "pcn"\nunits = "units"\npractices = "icb"\nname = "{pcn}"\n'
HTC = 'rural = "rural11"\nmin_age65 = 1000\nmax_age65 = 7000\nname = "{district} rural"\n'


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
        (
            '[a]\nkind = "lots"\nunits = "units"\ndistricts = "b"\n',
            r"a\.districts: expected a table, or the name of another table",
        ),
        (
            f"{LOTS}[a.hard-to-cover]\n{HTC.replace('rural11', 'urban')}",
            r"a\.hard-to-cover\.rural: expected one of rural11, rural21, got 'urban'",
        ),
        (
            f"{LOTS}[a.hard-to-cover]\n{HTC.replace('min_age65 = 1000', 'min_age65 = 0')}",
            r"a\.hard-to-cover\.min_age65: expected a number above 0, got 0",
        ),
        (
            f"{LOTS}[a.hard-to-cover]\n{HTC.replace('7000', '900')}",
            r"a\.hard-to-cover\.max_age65: expected a number above min_age65 \(1000\), got 900",
        ),
        (
            f"{LOTS}[a.hard-to-cover]\n{HTC.replace('{district}', '{ward}')}",
            r"a\.hard-to-cover\.name: expected a name with \{district\} and/or \{zone\}",
        ),
        (
            f"{LOTS}[a.hard-to-cover]\n{HTC}extra = 1\n",
            r"unknown key a\.hard-to-cover\.extra",
        ),
        (
            LOTS.replace('units = "units"', 'units = "wards"') + f"[a.hard-to-cover]\n{HTC}",
            r"a\.units: expected units \(LSOAs",
        ),
        (
            '[a]\nkind = "pcn"\nunits = "units"\npractices = "all"\nname = "{pcn} CDG"\n',
            r"a\.practices: expected one of icb, in-region, got 'all'",
        ),
        (
            '[a]\nkind = "pcn"\nunits = "units"\npractices = "icb"\nname = "CDG"\n',
            r"a\.name: expected a name with \{pcn\}",
        ),
        (
            PCN + '[a.districts]\nE1 = "X"\n',
            r"unknown key a\.districts",
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
