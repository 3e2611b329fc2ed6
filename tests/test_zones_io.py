import json
import zipfile

import pandas as pd
import pyogrio
import pytest

from geozones._errors import InputError
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import lot_plan, pcn_plan
from geozones.zones.io import UNIT_TABLE_COLUMNS, export_plan, import_plan, unit_table

HERTS = "hertfordshire-2022"


@pytest.fixture(scope="module")
def lots(hertfordshire):
    return lot_plan(hertfordshire, get_scheme(HERTS))


def _same(a, b):
    assert a.assignment.equals(b.assignment)
    assert (a.name, a.region.name, a.unit_layer, a.zones) == (
        b.name,
        b.region.name,
        b.unit_layer,
        b.zones,
    )
    assert a.colours == b.colours


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpkg", ".zip"])
def test_export_then_import_gives_the_identical_plan(lots, tmp_path, build_root, suffix):
    path = export_plan(lots, tmp_path / f"lots{suffix}")
    back = import_plan(path, build=build_root)
    _same(back, lots)
    assert back.method == f"imported from lots{suffix}"


def test_norfolk_pcn_plan_round_trips_through_csv_and_geojson(norfolk, tmp_path, build_root):
    plan = pcn_plan(norfolk, method="straight-line")
    for suffix in (".csv", ".geojson"):
        _same(import_plan(export_plan(plan, tmp_path / f"pcn{suffix}"), build=build_root), plan)


def test_geojson_is_wgs84_with_each_zones_summary(lots, tmp_path):
    demand = pd.DataFrame({"unit": lots.assignment.index[:30], "clients": 1, "weekly_hours": 10.0})
    path = export_plan(lots, tmp_path / "lots.geojson", demand=demand, scheme=get_scheme(HERTS))
    data = json.loads(path.read_text())
    assert (
        data["geozones"]["region"] == "hertfordshire" and data["geozones"]["unit_layer"] == "wards"
    )
    assert len(data["features"]) == 14
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0][0]
    assert -1 < lon < 1 and 51 < lat < 53
    properties = {f["properties"]["zone"]: f["properties"] for f in data["features"]}
    summary = lots.summary(demand, get_scheme(HERTS), total=False).set_index("zone")
    for zone, row in properties.items():
        assert row["units"] == summary.loc[zone, "units"]
        assert row["cost"] == pytest.approx(float(summary.loc[zone, "cost"]))
        assert row["weekly_hours"] == pytest.approx(summary.loc[zone, "weekly_hours"])


def test_gpkg_and_zip_hold_zones_and_the_unit_table(lots, tmp_path):
    gpkg = export_plan(lots, tmp_path / "lots.gpkg")
    assert [name for name, _ in pyogrio.list_layers(gpkg)] == ["zones", "units"]
    assert pyogrio.read_info(gpkg, layer="zones")["crs"] == "EPSG:27700"
    with zipfile.ZipFile(export_plan(lots, tmp_path / "lots.zip")) as archive:
        assert {"zones.shp", "zones.dbf", "zones.prj", "units.csv"} <= set(archive.namelist())
    fields = pyogrio.read_info(f"/vsizip/{tmp_path / 'lots.zip'}")["fields"].tolist()
    assert fields[:3] == ["zone", "colour", "units"]


def test_unit_table_is_sorted_by_zone_then_unit(lots):
    table = unit_table(lots)
    assert table.columns.tolist() == list(UNIT_TABLE_COLUMNS)
    assert table["zone"].iloc[0] == lots.zones[0]
    assert pd.unique(table["zone"]).tolist() == list(lots.zones)
    assert len(table) == 186


def _csv(tmp_path, lots, column, row, value):
    """The unit table as CSV with one cell changed (``row`` counts data rows from 0)."""
    table = unit_table(lots)
    table.loc[row, column] = value
    path = tmp_path / "edited.csv"
    table.to_csv(path, index=False)
    return path


def test_csv_with_an_unknown_unit_names_the_row(lots, tmp_path, build_root):
    path = _csv(tmp_path, lots, "unit", 4, "E05999999")
    with pytest.raises(InputError, match="row 6: column 'unit' holds 'E05999999'"):
        import_plan(path, build=build_root)


def test_csv_without_a_zone_column_names_it(lots, tmp_path, build_root):
    path = tmp_path / "no_zone.csv"
    unit_table(lots).drop(columns="zone").to_csv(path, index=False)
    with pytest.raises(InputError, match="has no column\\(s\\) zone"):
        import_plan(path, build=build_root)


def test_csv_with_a_blank_zone_or_a_repeated_unit_names_the_row(lots, tmp_path, build_root):
    with pytest.raises(InputError, match="row 2: column 'zone' is blank"):
        import_plan(_csv(tmp_path, lots, "zone", 0, ""), build=build_root)
    repeated = unit_table(lots).loc[3, "unit"]
    with pytest.raises(InputError, match=f"row 11: unit '{repeated}' is listed twice"):
        import_plan(_csv(tmp_path, lots, "unit", 9, repeated), build=build_root)


def test_minimal_csv_needs_the_region_and_takes_it_as_an_argument(lots, tmp_path, build_root):
    path = tmp_path / "bare.csv"
    unit_table(lots)[["unit", "zone"]].to_csv(path, index=False)
    with pytest.raises(InputError, match="does not say its region"):
        import_plan(path, build=build_root)
    full = export_plan(lots, tmp_path / "full.csv")
    with pytest.raises(InputError, match="the file's region is 'hertfordshire' but 'norfolk'"):
        import_plan(full, region="norfolk", build=build_root)
    back = import_plan(
        path, region="hertfordshire", unit_layer="wards", name="bare", build=build_root
    )
    assert back.assignment.equals(lots.assignment) and back.name == "bare"


def test_polygons_drawn_elsewhere_import_by_representative_point(lots, tmp_path, build_root):
    zones = lots.geometry().to_crs("EPSG:4326").drop(columns="colour")
    path = tmp_path / "drawn.geojson"
    zones.to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match="does not say its region"):
        import_plan(path, build=build_root)
    back = import_plan(path, region="hertfordshire", unit_layer="wards", build=build_root)
    assert back.assignment.equals(lots.assignment)
    assert back.name == "imported" and back.check().ok


def test_unknown_format_lists_the_choices(lots, tmp_path):
    with pytest.raises(
        InputError, match=r"cannot tell the format of lots\.xlsx; use one of: \.csv"
    ):
        export_plan(lots, tmp_path / "lots.xlsx")
    with pytest.raises(InputError, match="no file"):
        import_plan(tmp_path / "missing.csv")
