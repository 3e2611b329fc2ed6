import pytest


def test_sources_lists_every_dataset_as_present(run_cli, source):
    code, out, _ = run_cli("data", "sources", "--source", str(source))
    assert code == 0
    assert "codepoint" in out and "present" in out and "MISSING" not in out


def test_sources_in_an_empty_folder_exit_5_naming_what_is_missing(run_cli, tmp_path):
    code, out, err = run_cli("data", "sources", "--source", str(tmp_path))
    assert code == 5  # missing data
    assert "MISSING" in out
    assert err.count("\n") == 1 and "required dataset(s) missing" in err and "codepoint" in err


def test_build_with_a_missing_source_is_one_line_and_exit_5(run_cli, tmp_path):
    code, _, err = run_cli("data", "build", "--region", "rutland",
                       "--source", str(tmp_path), "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 5
    assert err.startswith("geozones: error: missing source file")
    assert "dataset codepoint" in err and err.count("\n") == 1


def test_unknown_region_is_refused(run_cli, tmp_path):
    code, _, err = run_cli("data", "build", "--region", "nowhere", "--out", str(tmp_path))
    assert code == 4  # not found
    assert "unknown region 'nowhere'" in err


def test_roads_needs_one_region(run_cli, tmp_path):
    code, _, err = run_cli("data", "build", "--roads", str(tmp_path / "x.osm.pbf"))
    assert code == 3  # input
    assert "--roads needs exactly one --region" in err


@pytest.mark.usefixtures("rutland")
def test_check_prints_the_report(run_cli, build_root):
    code, out, _ = run_cli("data", "check", "--region", "rutland", "--out", str(build_root))
    assert code == 0
    assert "[ok     ] units_in_one_district: 23 units" in out
    assert "[ok     ] crs" in out
