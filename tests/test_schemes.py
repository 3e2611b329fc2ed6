from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from geozones._errors import DataError, NotFoundError
from geozones._settings import METRES_PER_MILE
from geozones.regions.specs import get_region_spec
from geozones.schemes.scheme import SCHEME_DIR, get_scheme, list_schemes, load_scheme

SHIPPED = [
    "herefordshire-2016",
    "herefordshire-2017",
    "hertfordshire-2022",
    "norfolk-2019",
    "rutland-demo",
]

FLAT = """
id = "test-flat"
title = "Test flat scheme"
council = "Test council"
region = "hertfordshire"
year = "2022/23"
method = "flat"
default_rate = "standard"

[source]
seed = "000_2ca437240f39b606.txt"
title = "Test source"

[[rates]]
id = "standard"
label = "Flat rate"
rate = {rate}

[visits]
rule = "pro-rata"
"""


def write(tmp_path: Path, text: str, name: str = "scheme.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def norfolk_text() -> str:
    return (SCHEME_DIR / "norfolk-2019.toml").read_text(encoding="utf-8")


def test_every_shipped_scheme_loads_and_validates():
    schemes = list_schemes()
    assert [s.id for s in schemes] == SHIPPED
    for scheme in schemes:
        assert load_scheme(scheme.path) == scheme
        assert get_scheme(scheme.id) is scheme
        get_region_spec(scheme.region)
        assert scheme.source.seed.endswith(".txt")


def test_scheme_files_ship_inside_the_package():
    names = {p.name for p in files("geozones.schemes").iterdir() if p.name.endswith(".toml")}
    assert names == {f"{i}.toml" for i in SHIPPED}


def test_unknown_scheme_lists_the_known_ids():
    with pytest.raises(NotFoundError) as err:
        get_scheme("kent-2020")
    assert "kent-2020" in str(err.value)
    for scheme_id in SHIPPED:
        assert scheme_id in str(err.value)


def test_norfolk_bands_edges_in_metres_and_central_belt():
    scheme = get_scheme("norfolk-2019")
    assert scheme.method == "road-distance-bands"
    assert scheme.effective == date(2019, 4, 8)
    assert [b.label for b in scheme.bands] == ["Band 1", "Band 2", "Band 3"]
    assert [b.rate for b in scheme.bands] == [Decimal("18.24"), Decimal("19.68"), Decimal("21.72")]
    assert [b.from_miles for b in scheme.bands] == [0, 3, 6]
    np.testing.assert_array_equal(scheme.edges_m, [3 * METRES_PER_MILE, 6 * METRES_PER_MILE])
    assert set(scheme.banding_districts) == {"E07000148", "E07000149", "E07000147"}
    assert scheme.priced(scheme.elsewhere_rate).rate == Decimal("18.24")
    assert all(b.colour.startswith("#") for b in scheme.bands)
    assert scheme.centres.kind == "gp-surgeries"


def test_rutland_demo_is_labelled_and_bands_everywhere():
    scheme = get_scheme("rutland-demo")
    assert scheme.demonstration
    assert "demonstration" in scheme.title.lower()
    assert scheme.banding_districts == tuple(get_region_spec("rutland").districts)
    assert scheme.elsewhere_rate is None
    assert [b.rate for b in scheme.bands] == [b.rate for b in get_scheme("norfolk-2019").bands]
    assert not any(s.demonstration for s in list_schemes() if s.id != "rutland-demo")


def test_herefordshire_2016_names_the_centres_and_radius():
    scheme = get_scheme("herefordshire-2016")
    assert scheme.method == "straight-line-radius"
    assert scheme.centres.names == (
        "Hereford",
        "Leominster",
        "Ross-on-Wye",
        "Ledbury",
        "Bromyard",
        "Kington",
    )
    assert scheme.centres.radius_m == pytest.approx(6437.376, abs=1e-9)
    assert [(b.id, b.rate) for b in scheme.bands] == [
        ("urban", Decimal("14.76")),
        ("rural", Decimal("15.76")),
    ]
    assert scheme.priced("sleep-in").rate == Decimal("11.48")


def test_herefordshire_2017_and_hertfordshire_zone_layers():
    hfd = get_scheme("herefordshire-2017")
    assert hfd.zone_layer("o-zones").names == tuple(f"Zone {z}" for z in "ABCDE")
    assert hfd.zone_layer("d-lots").rate == "d-pathway"
    herts = get_scheme("hertfordshire-2022")
    assert len(herts.zone_layer("district-areas").names) == 9
    assert len(herts.zone_layer("lot-areas").names) == 14
    assert [t.percent for t in herts.visits.tiers] == [40, 60, 80, 100]
    with pytest.raises(NotFoundError, match="district-areas, lot-areas"):
        herts.zone_layer("wards")


def test_money_is_read_as_decimal_from_text_or_number(tmp_path):
    from_text = load_scheme(write(tmp_path, FLAT.format(rate='"21.92"'), "a.toml"))
    from_number = load_scheme(write(tmp_path, FLAT.format(rate="21.92"), "b.toml"))
    assert from_text.rates[0].rate == from_number.rates[0].rate == Decimal("21.92")
    assert isinstance(from_number.rates[0].rate, Decimal)


@pytest.mark.parametrize("bad", ['"abc"', '"18.245"', '"-1.00"', "true", '""'])
def test_malformed_money_names_file_key_and_expectation(tmp_path, bad):
    path = write(tmp_path, norfolk_text().replace('rate = "19.68"', f"rate = {bad}"))
    with pytest.raises(DataError) as err:
        load_scheme(path)
    message = str(err.value)
    assert str(path) in message
    assert "bands[1].rate" in message
    assert "expected a decimal amount in pounds like 18.24" in message


def test_malformed_money_message_shows_the_bad_value(tmp_path):
    path = write(tmp_path, norfolk_text().replace('rate = "19.68"', 'rate = "abc"'))
    with pytest.raises(DataError, match=r"got 'abc'"):
        load_scheme(path)


def test_unknown_key_is_an_error(tmp_path):
    path = write(
        tmp_path, norfolk_text().replace('colour = "#fdae61"', 'colour = "#fdae61"\nweight = 2')
    )
    with pytest.raises(DataError) as err:
        load_scheme(path)
    assert str(path) in str(err.value)
    assert "unknown key bands[1].weight" in str(err.value)
    assert "id, label, rate, colour, from_miles" in str(err.value)


def test_misspelt_key_is_named_with_the_missing_one(tmp_path):
    path = write(tmp_path, norfolk_text().replace('colour = "#fdae61"', 'colur = "#fdae61"'))
    with pytest.raises(
        DataError, match=r"missing key bands\[1\]\.colour \(found bands\[1\]\.colur"
    ):
        load_scheme(path)


def test_unknown_top_level_key_is_an_error(tmp_path):
    path = write(tmp_path, 'discount = "5%"\n' + FLAT.format(rate='"21.92"'))
    with pytest.raises(DataError, match="unknown key discount"):
        load_scheme(path)


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(DataError, match=r"nowhere\.toml"):
        load_scheme(path)


def test_not_toml_names_the_file(tmp_path):
    path = write(tmp_path, "id = \n")
    with pytest.raises(DataError, match=r"scheme.toml: not valid TOML"):
        load_scheme(path)


def test_missing_key_is_named(tmp_path):
    path = write(
        tmp_path, FLAT.format(rate='"21.92"').replace('seed = "000_2ca437240f39b606.txt"', "")
    )
    with pytest.raises(DataError, match=r"missing key source\.seed"):
        load_scheme(path)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('method = "road-distance-bands"', 'method = "nearest"', "method"),
        ('region = "norfolk"', 'region = "kent"', "region"),
        ('"E07000148", ', '"E06000017", ', r"applies\.districts\[0\]"),
        ('elsewhere = "spot"', 'elsewhere = "band-1"', r"applies\.elsewhere"),
        ("from_miles = 6", "from_miles = 2", r"bands\[2\]\.from_miles"),
        ("from_miles = 3", 'from_miles = "three"', r"bands\[1\]\.from_miles"),
        ('colour = "#d73027"', 'colour = "red"', r"bands\[2\]\.colour"),
        ("effective = 2019-04-08", 'effective = "8 April 2019"', "effective"),
        ('label = "Band 2"', 'label = "Band 1"', r"bands\[1\]"),
        ('single_worker = "95"', 'single_worker = "ninety"', r"capacity_incentive\.tiers\[1\]"),
    ],
)
def test_invalid_values_name_their_key(tmp_path, old, new, key):
    text = norfolk_text()
    assert old in text
    with pytest.raises(DataError, match=key):
        load_scheme(write(tmp_path, text.replace(old, new, 1)))


def test_flat_scheme_cannot_have_bands(tmp_path):
    text = FLAT.format(rate='"21.92"') + '\n[centres]\nkind = "gp-surgeries"\n'
    with pytest.raises(DataError, match="no centres for method flat"):
        load_scheme(write(tmp_path, text))


def test_blend_percents_must_add_up_to_100(tmp_path):
    text = (SCHEME_DIR / "herefordshire-2017.toml").read_text(encoding="utf-8")
    text = text.replace("percent = 30", "percent = 20")
    with pytest.raises(
        DataError, match=r"blends\[0\]\.parts: expected percents that add up to 100"
    ):
        load_scheme(write(tmp_path, text))


def test_duration_tiers_must_follow_on(tmp_path):
    text = (SCHEME_DIR / "hertfordshire-2022.toml").read_text(encoding="utf-8")
    text = text.replace('from = "21:00"', 'from = "22:00"')
    with pytest.raises(DataError, match=r"visits\.tiers\[1\]\.from: expected '21:00'"):
        load_scheme(write(tmp_path, text))


def test_default_rate_must_exist(tmp_path):
    text = FLAT.format(rate='"21.92"').replace('default_rate = "standard"', 'default_rate = "spot"')
    with pytest.raises(DataError, match="default_rate: expected the id of a band, rate or blend"):
        load_scheme(write(tmp_path, text))
