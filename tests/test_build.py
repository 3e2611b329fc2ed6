import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from geozones._errors import SourceError
from geozones._settings import BNG
from geozones.regions.build import build_region
from geozones.regions.data import RegionData
from geozones.regions.specs import REGIONS

NORFOLK_DISTRICTS = ["Breckland", "Broadland", "Great Yarmouth", "King's Lynn and West Norfolk",
                     "North Norfolk", "Norwich", "South Norfolk"]  # fmt: skip


def test_norfolk_has_its_seven_districts_and_lsoas(norfolk):
    assert sorted(norfolk.districts["name"]) == NORFOLK_DISTRICTS
    assert len(norfolk.units) == 538
    assert norfolk.units["code"].is_unique
    assert set(norfolk.units["district"]) == set(norfolk.districts["code"])
    assert len(norfolk.wards) == 205  # 36+27+17+42+34+13+36 ward files
    assert len(norfolk.boundary) == 1
    assert norfolk.boundary.geometry.area.iloc[0] / 1e6 == pytest.approx(5381, rel=0.005)


def test_every_layer_is_british_national_grid(norfolk):
    for name in ["boundary", "districts", "units", "wards", "gp_practices", "postcodes", "places"]:
        assert getattr(norfolk, name).crs == BNG, name


def test_norfolk_and_waveney_practices_and_their_twenty_pcns(norfolk):
    practices = norfolk.gp_practices
    own = practices[practices["icb"] == "QMM"]
    assert len(own) == 106
    assert own["pcn_code"].nunique() == 20
    assert {"CENTRAL NORWICH PCN", "LOWESTOFT PCN", "KINGS LYNN PCN"} <= set(own["pcn_name"])
    # Waveney practices belong to the ICB but lie outside the county.
    assert not own.loc[own["pcn_name"] == "LOWESTOFT PCN", "in_region"].any()
    # Practices across the border within 10 km are kept, flagged.
    outside = practices[~practices["in_region"] & (practices["icb"] != "QMM")]
    assert len(outside) == 20
    assert len(norfolk.gp_practices_unlocated) == 0


def test_units_carry_population_and_age65(norfolk, source):
    units = norfolk.units
    sape = pd.read_csv(source / "population" / "sape_mid2017_lsoa11.csv")
    assert units["population"].sum() == sape.loc[sape["lad17cd"].isin(norfolk.spec.districts),
                                                 "all_ages"].sum()  # fmt: skip
    assert (units["age65"] > 0).all()
    assert set(units["age65_method"]) == {"census2021", "apportioned-msoa", "district-share"}
    assert (units["age65_method"] == "census2021").sum() == 519
    census = pd.read_csv(source / "population" / "census2021_lsoa21_age6_ew.csv")
    in_norfolk = census["lsoa21_name"].str.rsplit(" ", n=1).str[0].isin(NORFOLK_DISTRICTS)
    # The 19 changed LSOAs are estimated (module docstring): the county total stays within 1%.
    assert units["age65"].sum() == pytest.approx(census.loc[in_norfolk, "age_65_plus"].sum(),
                                                 rel=0.01)  # fmt: skip
    assert (units["area_km2"] > 0).all()


def test_postcodes_in_region_have_lsoa_and_district(norfolk):
    postcodes = norfolk.postcodes
    inside = postcodes[postcodes["in_region"]]
    assert 29_000 < len(inside) < 30_000
    assert inside["lsoa"].isin(norfolk.units["code"]).all()
    assert inside["district"].isin(norfolk.districts["code"]).all()
    row = postcodes[postcodes["postcode"] == "NR1 3QU"].iloc[0]
    assert row["district"] == "E07000148" and row["in_region"]


def test_places_fill_the_missing_norwich_tile_from_geonames(norfolk):
    places = norfolk.places
    norwich = places[places["name"] == "Norwich"]
    assert list(norwich["source"]) == ["GeoNames"]
    assert norwich["in_region"].all()
    assert "Little Snoring" in set(places.loc[places["source"] == "OS Open Names", "name"])


def test_rutland_keeps_its_roads(rutland):
    assert rutland.roads is not None
    assert len(rutland.roads) == 7455  # road lines of the network kept for the map
    assert {"primary", "residential"} <= set(rutland.roads["highway"])
    assert len(rutland.units) == 23
    assert len(rutland.wards) == 16


def test_build_report_lists_checks_and_sources(rutland):
    report = rutland.report
    assert report["counts"]["units"] == 23
    assert {c["name"] for c in report["checks"]} >= {"crs", "units_in_one_district", "geometry"}
    assert all(c["level"] != "error" for c in report["checks"])
    assert any(s["id"] == "codepoint" for s in report["sources"])


def _source_copy(source: Path, tmp_path: Path, skip: str) -> Path:
    """A source folder linking every top-level entry of ``source`` but ``skip``'s folder."""
    copy = tmp_path / "source"
    copy.mkdir()
    for entry in source.iterdir():
        if entry.name != skip:
            (copy / entry.name).symlink_to(entry)
    return copy


def test_failed_build_leaves_previous_output_intact(source, gb_index, tmp_path):
    out = tmp_path / "out"
    spec = dataclasses.replace(REGIONS["rutland"], roads=None)
    first = build_region(spec, source, out, gb_index)
    before = (first.path / "build.json").read_text()
    broken = _source_copy(source, tmp_path, skip="population")
    with pytest.raises(SourceError, match=r"sape_mid2017_lsoa11\.csv .*dataset population_2017"):
        build_region(spec, broken, out, gb_index)
    assert (first.path / "build.json").read_text() == before
    assert len(RegionData(spec, first.path).units) == 23
    assert sorted(p.name for p in out.iterdir()) == ["rutland"]


def test_rebuild_is_idempotent(source, gb_index, tmp_path):
    spec = dataclasses.replace(REGIONS["rutland"], roads=None)
    a = build_region(spec, source, tmp_path / "a", gb_index)
    b = build_region(spec, source, tmp_path / "b", gb_index)
    assert a.counts == b.counts
    ua, ub = RegionData(spec, a.path).units, RegionData(spec, b.path).units
    pd.testing.assert_frame_equal(ua.drop(columns="geometry"), ub.drop(columns="geometry"))
    assert ua.geometry.geom_equals(ub.geometry).all()


def test_practice_whose_postcode_cannot_be_located_is_listed(source, gb_index, tmp_path):
    copy = _source_copy(source, tmp_path, skip="nhs")
    (copy / "nhs").mkdir()
    shutil.copy(source / "nhs" / "ePCN.xlsx", copy / "nhs" / "ePCN.xlsx")
    lines = (source / "nhs" / "epraccur.csv").read_text().splitlines()
    # Oakham Medical Practice (C82010): give it a postcode no dataset knows
    # (C is never used in an inward code).
    edited = [ln.replace('"LE15 6NT"', '"LE15 0CX"') if ln.startswith('"C82010"') else ln
              for ln in lines]  # fmt: skip
    assert edited != lines
    (copy / "nhs" / "epraccur.csv").write_text("\n".join(edited) + "\n")
    spec = dataclasses.replace(REGIONS["rutland"], roads=None)
    result = build_region(spec, copy, tmp_path / "out", gb_index)
    region = RegionData(spec, result.path)
    lost = region.gp_practices_unlocated
    assert list(lost["code"]) == ["C82010"]
    assert "LE15 0CX" in lost["reason"].iloc[0]
    assert "C82010" not in set(region.gp_practices["code"])
    check = next(c for c in result.checks if c.name == "gp_practices")
    assert check.level == "warning" and "C82010" in check.detail
    assert (
        json.loads((result.path / "build.json").read_text())["counts"]["gp_practices_unlocated"]
        == 1
    )


def test_band_areas_cover_the_county_by_band(norfolk):
    areas = norfolk.band_areas
    assert list(areas["band"]) == ["Band 1", "Band 2", "Band 3",
                                   "Spot rate (outside the Central Belt)"]  # fmt: skip
    assert (areas["scheme"] == "norfolk-2019").all()
    assert list(areas["colour"][:3]) == ["#1a9850", "#fdae61", "#d73027"]
    county = norfolk.boundary.geometry.area.iloc[0]
    assert areas.geometry.area.sum() == pytest.approx(county, rel=1e-6)
    norwich = areas.loc[areas["band"] == "Band 1"].geometry.iloc[0]
    point = norfolk.postcodes.loc[norfolk.postcodes["postcode"] == "NR1 3QU"].geometry.iloc[0]
    assert norwich.contains(point)


def test_the_ccg_areas_of_april_2019_are_dissolved_from_the_lsoas(norfolk):
    areas = norfolk.ccg_areas
    assert areas.crs == BNG
    assert dict(zip(areas["code"], areas["lsoas"], strict=True)) == {
        "06M": 61, "06V": 107, "06W": 130, "06Y": 138, "07J": 102,
    }  # fmt: skip
    assert areas.set_index("code").loc["06W", "name"] == "NHS Norwich CCG"
    # the Central Belt CCGs hold 375 Norfolk LSOAs: all of Broadland and most of Breckland
    belt = ["06V", "06W", "06Y"]
    assert areas.loc[areas["code"].isin(belt), "lsoas"].sum() == 375
    units = norfolk.units
    assert units["ccg"].notna().all()
    assert units[units["ccg"].isin(belt)].groupby("district_name").size().to_dict() == {
        "Breckland": 65, "Broadland": 84, "North Norfolk": 62, "Norwich": 83, "South Norfolk": 81,
    }  # fmt: skip
    assert areas.geometry.area.sum() == pytest.approx(units.geometry.area.sum(), rel=1e-6)
    check = next(c for c in norfolk.report["checks"] if c["name"] == "ccg_areas")
    assert check["level"] == "ok" and "06W 130" in check["detail"]


def test_the_band_areas_follow_the_ccg_areas(norfolk):
    from geozones.schemes.scheme import get_scheme
    from geozones.zones.builders import area_outline

    outline = area_outline(norfolk, get_scheme("norfolk-2019"))
    assert list(outline["name"]) == ["Central Belt"]
    assert outline["area"].iloc[0] == (
        "Norwich, South Norfolk and North Norfolk CCG areas (April 2019)"
    )
    belt = outline.geometry.iloc[0]
    areas = norfolk.band_areas.set_index("band")
    spot = areas.geometry["Spot rate (outside the Central Belt)"]
    assert spot.intersection(belt).area < 1.0  # m2: the spot area ends at the belt's edge
    banded = areas.geometry[["Band 1", "Band 2", "Band 3"]]
    assert banded.difference(belt).area.sum() < 1.0
    at = norfolk.postcodes.set_index("postcode").geometry
    assert areas.geometry["Band 3"].contains(at["NR13 3XR"])  # Broadland, 6.85 miles by road
    assert spot.contains(at["NR30 2DE"]) and spot.contains(at["PE30 1EX"])


def test_ccgs_the_region_does_not_declare_fail_the_build(source, gb_index, tmp_path):
    from geozones._errors import DataError

    spec = dataclasses.replace(REGIONS["rutland"], roads=None, ccgs={"03W": "NHS Rutland CCG"})
    with pytest.raises(DataError) as err:
        build_region(spec, source, tmp_path / "out", gb_index)
    assert str(err.value) == (
        "region rutland: the ccg_2019 lookup puts its LSOAs in CCGs 03W "
        f"'NHS East Leicestershire and Rutland CCG', which its region file {spec.path} does not "
        "declare in [ccgs] (declared: 03W 'NHS Rutland CCG')"
    )
    assert not (tmp_path / "out" / "rutland").exists()


def test_regions_without_roads_have_no_band_areas(herefordshire):
    assert len(herefordshire.band_areas) == 0


def test_an_unresolved_scheme_centre_is_an_error(herefordshire):
    from geozones._errors import DataError
    from geozones.schemes.centres import scheme_centres

    places = herefordshire.places[herefordshire.places["name"] != "Kington"]
    with pytest.raises(DataError, match=r"herefordshire-2016 .* names centre\(s\) Kington"):
        scheme_centres("herefordshire", places)


def test_any_road_extract_can_be_given(source, gb_index, tmp_path):
    spec = dataclasses.replace(REGIONS["rutland"], roads=None)
    pbf = source / "roads" / "rutland-latest.osm.pbf"
    result = build_region(spec, source, tmp_path, gb_index, roads=pbf)
    region = RegionData(spec, result.path)
    assert region.network is not None and region.network.n_edges > 7000
    assert region.report["road_source"] == str(pbf)
    assert region.report["network"]["components"] >= 1
