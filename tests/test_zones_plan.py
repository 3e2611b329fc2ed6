from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import shapely

from geozones._errors import InputError
from geozones.distance.surgeries import NearestSurgery
from geozones.schemes.pricing import zone_table
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import district_plan
from geozones.zones.plan import DRIVE_COLUMNS, TOTAL, ZonePlan
from geozones.zones.units import load_units


@pytest.fixture(scope="module")
def herts_districts(hertfordshire) -> ZonePlan:
    return district_plan(hertfordshire, get_scheme("hertfordshire-2022"))


def test_district_areas_cover_the_county_once(herts_districts, hertfordshire):
    zones = herts_districts.geometry()
    assert zones["zone"].tolist() == list(
        get_scheme("hertfordshire-2022").zone_layer("district-areas").names
    )
    assert zones.crs == "EPSG:27700"
    assert zones.is_valid.all() and (zones.geom_type == "MultiPolygon").all()
    union = shapely.union_all(hertfordshire.units.geometry.to_numpy())
    assert zones.area.sum() == pytest.approx(union.area, rel=1e-4)
    geoms = zones.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.sum() < 1.0  # square metres, over 1,641 km2


def test_district_areas_check_clean(herts_districts):
    check = herts_districts.check()
    assert check.ok and check.contiguous
    assert check.report() == [
        "plan hertfordshire-district-areas: every unit in one zone, every zone contiguous"
    ]


def test_norfolk_districts_report_great_yarmouth_cut_by_the_yare(norfolk):
    check = district_plan(norfolk).check()
    assert check.ok and not check.contiguous
    island = check.islands.set_index("zone").loc["Great Yarmouth"]
    assert len(island["units"]) == 31 and "E01026581" in island["units"]
    assert any(
        line.startswith("zone 'Great Yarmouth' has an island of 31") for line in check.report()
    )


def test_check_lists_unassigned_unknown_units_and_zones(herts_districts):
    plan = ZonePlan(
        "broken",
        herts_districts.region,
        "units",
        pd.concat(
            [
                herts_districts.assignment.iloc[2:],
                pd.Series(
                    {"E99999999": "Stevenage", herts_districts.assignment.index[1]: "Narnia"}
                ),
            ]
        ),
        zones=(*herts_districts.zones, "Empty"),
    )
    check = plan.check()
    assert not check.ok
    assert check.unassigned == (herts_districts.assignment.index[0],)
    assert check.not_in_region == ("E99999999",)
    assert check.unknown_zones == ("Narnia",)
    assert check.empty_zones == ("Empty",)
    assert len(plan.geometry()) == 9


def test_summary_adds_up_units_people_and_65s(herts_districts, hertfordshire):
    summary = herts_districts.summary()
    assert summary["zone"].tolist() == [*herts_districts.zones, TOTAL]
    total = summary.iloc[-1]
    assert total["units"] == len(hertfordshire.units) == 690
    assert total["population"] == hertfordshire.units["population"].sum()
    assert total["age65"] == hertfordshire.units["age65"].sum()
    merged = summary.set_index("zone").loc["Three Rivers & Watford"]
    lads = hertfordshire.units[
        hertfordshire.units["district_name"].isin(["Three Rivers", "Watford"])
    ]
    assert merged["units"] == len(lads) and merged["population"] == lads["population"].sum()
    # no road network in Hertfordshire's build here: no drive minutes
    assert not set(DRIVE_COLUMNS) & set(summary.columns)


def test_summary_gives_each_zones_drive_minutes_where_there_are_roads(norfolk, build_root):
    summary = district_plan(norfolk).summary()
    assert list(summary.columns) == [
        "zone", "colour", "units", "population", "age65", "area_km2", *DRIVE_COLUMNS,
    ]  # fmt: skip
    summary = summary.set_index("zone")
    zones = summary.drop(TOTAL)
    assert (zones["drive_minutes_mean"] < zones["drive_minutes_p90"]).all()
    # the city is quicker to reach from its nearest surgery than rural North Norfolk
    p90 = zones["drive_minutes_p90"]
    assert p90["Norwich"] < 5 < p90["North Norfolk"]
    # the total is over every live postcode, measured as a lookup measures it
    postcodes = norfolk.postcodes[norfolk.postcodes["in_region"].astype(bool)]
    xy = np.column_stack([postcodes.geometry.x, postcodes.geometry.y])
    minutes = NearestSurgery(norfolk, build_root).measure(xy).minutes
    minutes = minutes[np.isfinite(minutes)]
    total = summary.loc[TOTAL]
    assert total["drive_minutes_mean"] == pytest.approx(minutes.mean(), abs=0.06)
    assert total["drive_minutes_p90"] == pytest.approx(np.percentile(minutes, 90), abs=0.06)
    # with demand, the drive minutes stay beside the people, before clients and hours
    demand = _demand(district_plan(norfolk))
    priced = district_plan(norfolk).summary(demand, get_scheme("norfolk-2019"), rate="Band 1")
    assert list(priced.columns[6:9]) == [*DRIVE_COLUMNS, "clients"]
    assert priced["drive_minutes_p90"].tolist() == summary["drive_minutes_p90"].tolist()


def _demand(plan: ZonePlan) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    codes = plan.assignment.index[::5]
    return pd.DataFrame(
        {
            "unit": codes,
            "clients": rng.integers(0, 4, len(codes)),
            "weekly_hours": rng.uniform(0, 30, len(codes)).round(2),
            "modelled": np.arange(len(codes)) % 7 == 0,
        }
    )


def test_summary_prices_demand_with_the_pricing_module(herts_districts):
    scheme = get_scheme("hertfordshire-2022")
    demand = _demand(herts_districts)
    summary = herts_districts.summary(demand, scheme).set_index("zone")
    expected = zone_table(
        demand.assign(zone=demand["unit"].map(herts_districts.assignment)),
        scheme,
        "zone",
        "weekly_hours",
        clients_col="clients",
    ).set_index("zone")
    for zone in expected.index:
        row = summary.loc[zone]
        assert row["cost"] == expected.loc[zone, "cost"]
        assert row["annual_hours"] == pytest.approx(expected.loc[zone, "annual_hours"])
        assert row["clients"] == expected.loc[zone, "clients"]
    assert summary.loc[TOTAL, "rate"] == Decimal("21.92")
    modelled = demand.loc[demand["modelled"], "unit"].map(herts_districts.assignment)
    assert set(summary.index[summary["modelled"]]) == {*modelled, TOTAL}


def test_modelled_attr_marks_all_demand_and_empty_zones_cost_nothing(herts_districts):
    demand = _demand(herts_districts).drop(columns="modelled")
    demand = demand[demand["unit"].map(herts_districts.assignment) != "Stevenage"]
    demand.attrs["modelled"] = True
    summary = herts_districts.summary(demand, get_scheme("hertfordshire-2022"), total=False)
    stevenage = summary.set_index("zone").loc["Stevenage"]
    assert stevenage["clients"] == 0 and stevenage["cost"] == Decimal("0.00")
    assert summary.loc[summary["zone"] != "Stevenage", "modelled"].all()
    assert TOTAL not in summary["zone"].tolist()


def test_demand_errors_name_the_row(herts_districts):
    scheme = get_scheme("hertfordshire-2022")
    demand = _demand(herts_districts)
    with pytest.raises(InputError, match="needs a scheme"):
        herts_districts.summary(demand)
    with pytest.raises(InputError, match=r"missing column.*weekly_hours"):
        herts_districts.summary(demand.drop(columns="weekly_hours"), scheme)
    demand.loc[3, "unit"] = "E01999999"
    with pytest.raises(InputError, match="'E01999999' in row 4"):
        herts_districts.summary(demand, scheme)


def test_reassign_makes_an_unsaved_child(herts_districts):
    unit = load_units(herts_districts.region, "units").codes[0]
    edited = herts_districts.reassign({unit: "New Zone"}, author="alice", notes="trial")
    assert edited.assignment[unit] == "New Zone" and herts_districts.assignment[unit] != "New Zone"
    assert edited.zones[-1] == "New Zone" and edited.colours["New Zone"].startswith("#")
    assert (edited.version, edited.parent, edited.author) == (None, None, "alice")


def test_plan_refuses_bad_input(hertfordshire):
    units = pd.Series({"E01023289": "A"})
    with pytest.raises(InputError, match="unknown unit layer"):
        ZonePlan("p", hertfordshire, "lsoa", units)
    with pytest.raises(InputError, match="assigned more than once: E01023289"):
        ZonePlan("p", hertfordshire, "units", pd.concat([units, units]))
    with pytest.raises(InputError, match="colours must be"):
        ZonePlan("p", hertfordshire, "units", units, colours={"A": "red"})
    with pytest.raises(InputError, match="needs a name"):
        ZonePlan(" ", hertfordshire, "units", units)
