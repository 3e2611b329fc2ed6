import pytest


@pytest.fixture
def where(tmp_path, build_root, hertfordshire):
    return ["--build", str(build_root), "--store", str(tmp_path / "zones.sqlite")]


def test_build_lots_saves_a_version_and_prints_the_summary(run_cli, where):
    code, out, _ = run_cli("zones", "build", "lots", "--region", "hertfordshire", *where)
    assert code == 0
    assert "saved hertfordshire-lot-areas version 1" in out
    assert "East & North Herts Rural" in out and "Total" in out and "1,178,979" in out
    assert "check: zone 'Dacorum Rural' has an island" in out
    code, out, _ = run_cli("zones", "build", "lots", "--region", "hertfordshire", *where)
    assert "saved hertfordshire-lot-areas version 2" in out and "(parent 1)" in out


def test_list_show_history_export_import(run_cli, where, tmp_path):
    run_cli("zones", "build", "districts", "--region", "hertfordshire", *where)
    code, out, _ = run_cli("zones", "list", where[2], where[3])
    assert code == 0 and "hertfordshire-district-areas" in out
    code, out, _ = run_cli("zones", "show", "hertfordshire-district-areas", *where)
    assert code == 0 and "Three Rivers & Watford" in out and "every zone contiguous" in out
    csv = tmp_path / "districts.csv"
    code, out, _ = run_cli(
        "zones", "export", "hertfordshire-district-areas", "-o", str(csv), *where
    )
    assert code == 0 and csv.exists()
    code, out, _ = run_cli("zones", "import", str(csv), "--author", "carol", *where)
    assert code == 0 and "saved hertfordshire-district-areas version 2" in out
    code, out, _ = run_cli("zones", "history", "hertfordshire-district-areas", *where[2:4])
    assert code == 0 and "carol" in out
    code, _, err = run_cli("zones", "import", str(csv), "--base-version", "1", *where)
    assert code == 6 and err.count("\n") == 1
    assert "based on version 1 but the latest version is 2" in err


def test_show_prices_demand_with_a_scheme(run_cli, where, tmp_path, hertfordshire):
    run_cli("zones", "build", "districts", "--region", "hertfordshire", *where)
    demand = tmp_path / "demand.csv"
    code = hertfordshire.units["code"].iloc[0]
    demand.write_text(f"unit,clients,weekly_hours\n{code},2,10\n")
    args = ("zones", "show", "hertfordshire-district-areas", "--demand", str(demand))
    code, out, _ = run_cli(*args, "--scheme", "hertfordshire-2022", *where)
    assert code == 0 and "£11,398.40" in out  # 10 h x 52 x £21.92
    code, _, err = run_cli(*args, *where)
    assert code == 3 and "--demand needs --scheme" in err


def test_errors_are_one_line(run_cli, where):
    code, _, err = run_cli("zones", "show", "nothing", *where)
    assert code == 4 and err.startswith("geozones: error: no zone plan 'nothing'")
    code, _, err = run_cli("zones", "build", "bands", "--region", "hertfordshire", *where)
    assert code == 3 and "no scheme of region hertfordshire has road-distance bands" in err
    assert err.count("\n") == 1


def test_nottinghamshire_builds_its_core_areas_lots_and_cdgs(
    run_cli, tmp_path, build_root, nottinghamshire
):
    where = ["--region", "nottinghamshire", "--build", str(build_root),
             "--store", str(tmp_path / "zones.sqlite")]  # fmt: skip
    code, out, err = run_cli("zones", "build", "districts", *where)
    assert (code, err) == (0, "") and "saved nottinghamshire-core-areas version 1" in out
    assert "South Nottinghamshire" in out and "every zone contiguous" in out
    code, out, _ = run_cli("zones", "build", "lots", *where)
    assert code == 0 and "saved nottinghamshire-lot-areas version 1" in out
    assert "Mansfield rural" in out and "11 piece(s) with at least 1,000 became zones" in out
    code, out, _ = run_cli("zones", "build", "pcn", "--scheme", "nottinghamshire-2017", *where)
    assert code == 0 and "saved nottinghamshire-care-delivery-groups version 1" in out
    assert "MANSFIELD NORTH CDG" in out
    code, out, _ = run_cli("zones", "build", "pcn", *where)  # without a scheme: the PCN areas
    assert code == 0 and "saved nottinghamshire-pcn-areas version 1" in out
