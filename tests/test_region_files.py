"""Regions are data: one TOML file per region, validated, and a county added by adding a file."""

import pytest

from geozones._errors import DataError
from geozones.regions.data import load_region
from geozones.regions.specs import REGION_FILES_ENV, REGIONS, load_region_file

TESTSHIRE = """\
name = "testshire"
title = "Testshire"
roads = "roads_rutland"
buffer_km = 5

[districts]
E06000017 = "Rutland"

[ccgs]
"03W" = "NHS East Leicestershire and Rutland CCG"

[viability]
min_hours = 300
source = "a test"

[speeds]
residential = 25
"""


def write(folder, text, name="testshire"):
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_regions_are_files():
    assert list(REGIONS) == [
        "herefordshire", "hertfordshire", "isle-of-wight", "norfolk", "nottinghamshire", "rutland",
    ]  # fmt: skip
    norfolk = REGIONS["norfolk"]
    assert (norfolk.title, norfolk.roads, norfolk.icb, norfolk.buffer_m) == (
        "Norfolk", "roads_norfolk", "QMM", 10_000.0,
    )  # fmt: skip
    assert norfolk.path.name == "norfolk.toml" and len(norfolk.districts) == 7
    assert REGIONS["nottinghamshire"].districts["E07000174"] == "Mansfield"


def test_a_region_file_reads_every_key(tmp_path):
    spec = load_region_file(write(tmp_path, TESTSHIRE))
    assert (spec.name, spec.buffer_m, spec.speeds) == ("testshire", 5000.0, {"residential": 25.0})
    assert spec.viability is not None and spec.viability.min_hours == 300.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("E06000017 =", "X06000017 ="),
         "districts.X06000017: expected a LAD 2013 code like E07000148, got 'X06000017'"),
        (('roads = "roads_rutland"', 'roads = "roads_mars"'),
         "roads: expected the id of a road extract in the source manifest: roads_"),
        (('name = "testshire"', 'name = "other"'),
         ("name: expected the file's name, 'testshire' (lower-case letters, digits and '-'), "
          "got 'other'")),
        (("buffer_km = 5", "bufer_km = 5"),
         "unknown key bufer_km; expected only these keys here: name, districts, buffer_km"),
        (("residential = 25", "runway = 25"), "speeds.runway: expected a highway class: motorway"),
        (("residential = 25", "residential = -5"),
         "speeds.residential: expected a speed in km/h more than 0, got -5"),
        (("min_hours = 300", "max_hours = 300"),
         "viability.max_hours: expected a maximum above min_hours (None), got 300"),
    ],
)  # fmt: skip
def test_a_bad_region_file_names_the_file_and_the_key(tmp_path, change, message):
    path = write(tmp_path, TESTSHIRE.replace(*change))
    with pytest.raises(DataError) as exc:
        load_region_file(path)
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)


def test_a_region_declared_twice_is_refused(tmp_path, monkeypatch):
    write(tmp_path, TESTSHIRE.replace("testshire", "rutland"), "rutland")
    monkeypatch.setenv(REGION_FILES_ENV, str(tmp_path))
    with pytest.raises(DataError, match=r"region 'rutland' is already declared by .*rutland\.toml"):
        list(REGIONS)


def test_a_county_is_added_by_adding_a_file(tmp_path, monkeypatch, run_cli, build_root, source):
    folder = tmp_path / "regions"
    folder.mkdir()
    write(folder, TESTSHIRE)
    monkeypatch.setenv(REGION_FILES_ENV, str(folder))
    out = tmp_path / "build"
    out.mkdir()
    (out / "gb_postcodes.npz").symlink_to(build_root / "gb_postcodes.npz")
    (out / "gb_postcodes.json").symlink_to(build_root / "gb_postcodes.json")
    code, listed, err = run_cli("data", "regions", "--source", source, "--build", out)
    assert code == 0, err
    assert "testshire        Testshire (" in listed
    assert (
        "1 district(s), wards for 1 of 1; roads roads_rutland present; default scheme none; "
        "not built"
    ) in listed
    code, _, err = run_cli("data", "build", "--region", "testshire", "--source", source,
                               "--out", out)  # fmt: skip
    assert code == 0, err
    region = load_region("testshire", out)
    assert region.spec.title == "Testshire" and region.network is not None
    assert region.report["buffer_m"] == 5000.0
    code, answer, err = run_cli("band", "Oakham", "--region", "testshire", "--build", out)
    assert code == 0, err
    assert "method:   road" in answer
