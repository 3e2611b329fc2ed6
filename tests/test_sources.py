import pytest

from geozones._errors import SourceError
from geozones.sources.readers import (
    load_manifest,
    read_ccg_2019,
    read_districts,
    read_gp_practices,
    read_pcn_membership,
    source_status,
)


def test_manifest_records_provenance_of_every_dataset():
    manifest = load_manifest()
    assert {"lad", "lsoa", "wards", "codepoint", "postcode_lookup", "gp_practices", "pcn",
            "open_names", "population_2017", "census_2021_age",
            "ccg_2019"} <= set(manifest)  # fmt: skip
    for info in manifest.values():
        assert info.url.startswith("https://")
        assert info.licence and info.attribution and info.vintage


def test_every_required_dataset_is_in_the_shared_folder(source):
    status = source_status(source)
    assert status.loc[status["required"], "present"].all()


def test_missing_file_names_the_file_and_dataset(tmp_path):
    with pytest.raises(SourceError) as err:
        read_districts(tmp_path, ["E07000148"])
    message = str(err.value)
    assert str(tmp_path / "boundaries" / "lad_gb.topojson") in message
    assert "dataset lad" in message
    assert "\n" not in message


def test_unreadable_file_names_the_file_and_dataset(tmp_path):
    bad = tmp_path / "nhs" / "epraccur.csv"
    bad.parent.mkdir()
    bad.write_bytes(b"\x00\x01 not a csv")
    with pytest.raises(SourceError, match=r"epraccur.csv .*dataset gp_practices"):
        read_gp_practices(tmp_path)


def test_the_ccg_lookup_of_april_2019(source):
    info = load_manifest()["ccg_2019"]
    assert info.vintage == "April 2019" and info.licence == "Open Government Licence v3.0"
    assert info.url.startswith("https://data.gov.uk/dataset/b26b727a-df7a-4946-b5f0-6a8f474e8319")
    lookup = read_ccg_2019(source)
    assert len(lookup) == 32_844 and lookup["lsoa11cd"].is_unique
    assert list(lookup.columns) == ["lsoa11cd", "ccg19cd", "ccg", "ccg_name"]
    assert lookup["ccg"].nunique() == 191
    norwich = lookup[lookup["ccg"] == "06W"]
    assert set(norwich["ccg_name"]) == {"NHS Norwich CCG"}
    assert set(norwich["ccg19cd"]) == {"E38000218"}


def test_active_gp_practices_match_the_published_count(source):
    practices = read_gp_practices(source)
    assert len(practices) == 6750
    assert practices["code"].is_unique


def test_pcn_membership_is_current_only(source):
    members = read_pcn_membership(source)
    assert len(members) == 6224
