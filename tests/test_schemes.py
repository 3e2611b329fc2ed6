from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from geozones._errors import DataError, NotFoundError
from geozones._settings import METRES_PER_MILE
from geozones.regions.specs import REGIONS, get_region_spec
from geozones.schemes.scheme import SCHEME_DIR, get_scheme, list_schemes, load_scheme

SHIPPED = [
    "herefordshire-2016",
    "herefordshire-2017",
    "hertfordshire-2022",
    "norfolk-2019",
    "nottinghamshire-2017",
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
    # the Central Belt is three CCG areas of April 2019, not the districts of the same names
    assert scheme.area.kind == "ccg" and scheme.area.codes == ("06W", "06Y", "06V")
    assert scheme.area.name == "Central Belt" and scheme.area.vintage == "April 2019"
    assert not scheme.area.whole_region
    assert scheme.priced(scheme.elsewhere_rate).rate == Decimal("18.24")
    assert all(b.colour.startswith("#") for b in scheme.bands)
    assert scheme.centres.kind == "gp-surgeries"


def test_rutland_demo_is_labelled_and_bands_everywhere():
    scheme = get_scheme("rutland-demo")
    assert scheme.demonstration
    assert "demonstration" in scheme.title.lower()
    assert scheme.area.kind == "district" and scheme.area.whole_region
    assert scheme.area.codes == tuple(get_region_spec("rutland").districts)
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


def test_nottinghamshire_2017_pays_30_minutes_at_least_and_publishes_its_demand():
    scheme = get_scheme("nottinghamshire-2017")
    assert (scheme.method, scheme.region, scheme.default_rate) == (
        "flat",
        "nottinghamshire",
        "average",
    )
    assert scheme.priced("average").rate == Decimal("15.56")
    assert [(t.from_s, t.to_s, t.percent) for t in scheme.visits.tiers] == [(0, 1800, 50)]
    estimate = scheme.visits.estimate
    assert (estimate.replaces.rule, estimate.annual_cost, estimate.visit_minutes) == (
        "pro-rata",
        Decimal(700000),
        15,
    )
    [demand] = scheme.demand
    assert (demand.clients, demand.weekly_hours, demand.rate, demand.pathway) == (
        1800,
        20137,
        "average",
        None,
    )
    assert demand.as_at == "April 2017"
    assert [(z.id, z.kind) for z in scheme.zone_layers] == [
        ("care-delivery-groups", "zone"),
        ("lot-areas", "lot"),
        ("core-areas", "zone"),
    ]
    assert scheme.zone_layer("lot-areas").names == ()  # built from data by the rule file
    assert len(scheme.zone_layer("core-areas").names) == 4
    assert scheme.viability is None  # the report gives no lot viability figure
    assert get_scheme("herefordshire-2017").demand[0].pathway == "O"


def notts_text() -> str:
    return (SCHEME_DIR / "nottinghamshire-2017.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("clients = 1800", "clients = 1800.5", r"demand\[0\]\.clients: expected a whole number"),
        ("weekly_hours = 20137", "weekly_hours = 0", r"demand\[0\]\.weekly_hours"),
        ('rate = "average"\nas_at', 'rate = "spot"\nas_at', r"demand\[0\]\.rate: expected the id"),
        (
            'replaces = "pro-rata"',
            'replaces = "tiers"',
            r"visits\.estimate\.replaces: expected one",
        ),
        ('annual_cost = "700000"', 'annual_cost = "£700k"', r"visits\.estimate\.annual_cost"),
        ("visit_minutes = 15", "visit_minutes = 0", r"visits\.estimate\.visit_minutes"),
    ],
)
def test_invalid_demand_and_estimates_name_their_key(tmp_path, old, new, key):
    text = notts_text()
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(DataError, match=key) as err:
        load_scheme(path)
    assert str(path) in str(err.value)


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
        ('"06W", ', '"E07000148", ', r"applies\.ccgs\[0\]"),
        ('vintage = "April 2019"', 'vintage = "2020"', r"applies\.vintage"),
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


# -- where the bands apply: one of four ways, errors naming the file and the key -----------------


def norfolk_with_area(area: str) -> str:
    """norfolk-2019.toml with its [applies] area keys replaced by ``area``."""
    text = norfolk_text()
    old = 'name = "Central Belt"\nccgs = ["06W", "06Y", "06V"]\nvintage = "April 2019"\n'
    assert old in text
    return text.replace(old, area)


def test_two_area_keys_are_an_error_naming_the_file_and_key(tmp_path):
    area = 'name = "Central Belt"\ndistricts = ["E07000148"]\nccgs = ["06W"]\n'
    path = write(tmp_path, norfolk_with_area(area))
    with pytest.raises(DataError) as err:
        load_scheme(path)
    assert str(err.value) == (
        f"{path}: applies.ccgs: expected one way of declaring the area, not both "
        "applies.districts and applies.ccgs (one of: districts, ccgs, lsoas, polygon), "
        "got ['06W']"
    )


def test_an_unknown_ccg_code_is_an_error_naming_the_file_and_key(tmp_path):
    area = 'name = "Central Belt"\nccgs = ["06W", "06X"]\nvintage = "April 2019"\n'
    path = write(tmp_path, norfolk_with_area(area))
    with pytest.raises(DataError) as err:
        load_scheme(path)
    assert str(err.value) == (
        f"{path}: applies.ccgs[1]: expected a CCG code (April 2019) of region norfolk "
        "(06M, 06V, 06W, 06Y, 07J), got '06X'"
    )


def test_a_missing_polygon_file_is_an_error_naming_the_file_and_key(tmp_path):
    path = write(tmp_path, norfolk_with_area('name = "Central Belt"\npolygon = "belt.geojson"\n'))
    with pytest.raises(DataError) as err:
        load_scheme(path)
    message = str(err.value)
    assert message.startswith(f"{path}: applies.polygon: expected a polygon file")
    assert f"(no file {tmp_path / 'belt.geojson'})" in message and "got 'belt.geojson'" in message


def test_an_area_needs_one_of_the_four_keys(tmp_path):
    path = write(tmp_path, norfolk_with_area('name = "Central Belt"\n'))
    with pytest.raises(DataError, match=r"applies: missing the area: give one of applies\."):
        load_scheme(path)


def test_a_partial_area_needs_a_name(tmp_path):
    path = write(tmp_path, norfolk_with_area('ccgs = ["06W"]\nvintage = "April 2019"\n'))
    with pytest.raises(DataError, match=r"missing key applies\.name"):
        load_scheme(path)


def test_an_area_by_district_and_by_lsoa_list(tmp_path):
    districts = 'name = "Old belt"\ndistricts = ["E07000148"]\n'
    by_district = load_scheme(write(tmp_path, norfolk_with_area(districts), "a.toml"))
    assert by_district.area.kind == "district" and by_district.area.codes == ("E07000148",)
    lsoas = 'name = "Two LSOAs"\nlsoas = ["E01026543", "E01026544"]\n'
    by_lsoa = load_scheme(write(tmp_path, norfolk_with_area(lsoas), "b.toml"))
    assert by_lsoa.area.kind == "lsoa" and by_lsoa.area.codes == ("E01026543", "E01026544")
    bad = 'name = "Two LSOAs"\nlsoas = ["E01026543", "Norwich 001A"]\n'
    with pytest.raises(DataError, match=r"c\.toml: applies\.lsoas\[1\]: expected an LSOA 2011"):
        load_scheme(write(tmp_path, norfolk_with_area(bad), "c.toml"))


def test_a_polygon_area_in_the_crs_its_file_declares(tmp_path):
    import geopandas as gpd
    import shapely

    # a square around Norwich drawn in WGS84 longitude/latitude, saved as GeoPackage
    square = shapely.box(1.25, 52.60, 1.33, 52.66)
    folder = tmp_path / "areas"
    folder.mkdir()
    gpd.GeoDataFrame({"name": ["belt"]}, geometry=[square], crs="EPSG:4326").to_file(
        folder / "belt.gpkg", driver="GPKG"
    )
    text = norfolk_with_area('name = "Central Belt"\npolygon = "areas/belt.gpkg"\n')
    path = write(tmp_path, text)
    area = load_scheme(path).area
    assert area.kind == "polygon" and area.polygon_file == folder / "belt.gpkg"
    # held in British National Grid metres: about 5.4 km x 6.7 km
    minx, miny, maxx, maxy = area.polygon.bounds
    assert 615_000 < minx < maxx < 630_000 and 300_000 < miny < maxy < 315_000
    assert area.polygon.area / 1e6 == pytest.approx(36.3, rel=0.02)
    # a file without a CRS is refused
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(geometry=[square]).to_file(folder / "bare.shp")
    text = norfolk_with_area('name = "Central Belt"\npolygon = "areas/bare.shp"\n')
    with pytest.raises(DataError, match=r"applies\.polygon: expected a polygon file that declares"):
        load_scheme(write(tmp_path, text, "bare.toml"))


# -- viability: each council's own published figures -------------------------------------------


def test_viability_is_each_councils_own_published_figures():
    hfd = get_scheme("herefordshire-2017").viability
    # providers said 700 to "2,000+" hours a week: a floor, and no ceiling
    assert (hfd.min_hours, hfd.max_hours, hfd.provider_min_hours) == (700, None, None)
    assert "seed 002" in hfd.source
    herts = get_scheme("hertfordshire-2022").viability
    # a provider minimum, not a lot threshold
    assert (herts.min_hours, herts.max_hours, herts.provider_min_hours) == (None, None, 200)
    assert "seed 000" in herts.source
    assert get_scheme("norfolk-2019").viability is None
    assert get_scheme("rutland-demo").viability is None


def test_a_viability_maximum_must_be_above_the_minimum(tmp_path):
    text = FLAT.format(rate='"21.92"') + (
        '\n[viability]\nsource = "test"\nmin_hours = 700\nmax_hours = 500\n'
    )
    with pytest.raises(DataError, match=r"viability\.max_hours: expected a maximum above"):
        load_scheme(write(tmp_path, text))
    empty = FLAT.format(rate='"21.92"') + '\n[viability]\nsource = "test"\n'
    with pytest.raises(DataError, match=r"missing key viability\.min_hours or viability\.provider"):
        load_scheme(write(tmp_path, empty, "empty.toml"))


def test_every_declared_default_scheme_is_a_scheme_of_its_region():
    defaults = {name: spec.default_scheme for name, spec in REGIONS.items()}
    assert defaults == {
        "norfolk": "norfolk-2019",
        "herefordshire": "herefordshire-2017",
        "hertfordshire": "hertfordshire-2022",
        "rutland": "rutland-demo",
        "isle-of-wight": None,
        "nottinghamshire": "nottinghamshire-2017",
    }
    for name, scheme_id in defaults.items():
        if scheme_id is not None:
            assert get_scheme(scheme_id).region == name
