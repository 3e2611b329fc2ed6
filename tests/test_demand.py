import numpy as np
import pandas as pd
import pytest
import shapely

from geozones._errors import InputError
from geozones._settings import source_dir
from geozones.demand.packages import (
    STATUSES,
    PublishedDemand,
    locate,
    modelled_demand,
    published_demand,
    published_totals,
    read_demand,
)

SAMPLE = source_dir() / "samples" / "herefordshire_packages_sample.csv"


@pytest.fixture(scope="module")
def units(herefordshire_units):
    return herefordshire_units


@pytest.fixture(scope="module")
def sample(herefordshire):
    return read_demand(SAMPLE, herefordshire, pathway="O")


@pytest.fixture(scope="module")
def modelled(herefordshire):
    return modelled_demand(herefordshire, "O")


def test_every_row_of_the_sample_is_kept_with_a_status(sample):
    assert len(sample.rows) == 826
    assert sample.rows["package_id"].tolist() == [f"HER{i:05d}" for i in range(826)]
    assert set(sample.rows["status"]) <= set(STATUSES)
    assert sample.counts() == {
        "ok": 764,
        "bad_address": 4,
        "outside_region": 0,
        "bad_hours": 2,
        "other_pathway": 56,
    }
    assert sample.id_column == "package_id"
    assert (sample.rows["message"] != "").all()


def test_the_six_bad_rows_are_reported_with_specific_messages(sample):
    problems = sample.problems().set_index("package_id")
    expected = {
        "HER00019": ("bad_address", "not a UK postcode: 'HR1 2ZZZ'"),
        "HER00066": ("bad_address", "no place named 'no fixed abode'"),
        "HER00442": ("bad_address", "no address or postcode given"),
        "HER00708": ("bad_address", "postcode NR99 9ZZ not found"),
        "HER00391": ("bad_hours", "weekly_hours is negative (-3.0)"),
        "HER00783": ("bad_hours", "weekly_hours is missing"),
    }
    assert sorted(problems.index) == sorted(expected)
    for package, (status, words) in expected.items():
        assert problems.loc[package, "status"] == status
        assert words in problems.loc[package, "message"]
    assert "too coarse to place in a unit" in problems.loc["HER00708", "message"]
    assert problems.loc["HER00391", "row"] == 393  # spreadsheet row: header is row 1


def test_ok_rows_are_summed_per_unit(sample, units):
    ok = sample.rows[sample.rows["status"] == "ok"]
    totals = sample.units
    assert totals["unit"].tolist() == units.codes.tolist()
    assert totals["clients"].sum() == len(ok) == sample.clients == 764
    assert totals["weekly_hours"].sum() == pytest.approx(ok["weekly_hours"].astype(float).sum())
    by_unit = ok.groupby("unit")["weekly_hours"].apply(lambda s: s.astype(float).sum())
    assert totals.set_index("unit")["weekly_hours"][by_unit.index].tolist() == pytest.approx(
        by_unit.tolist()
    )
    assert (totals["pathway"] == "O").all()
    assert not totals["modelled"].any() and not totals.attrs["modelled"]


def test_the_pathway_filter_is_case_blind_and_optional(herefordshire):
    complex_care = read_demand(SAMPLE, herefordshire, pathway="d")
    assert complex_care.counts()["ok"] == 56
    everything = read_demand(SAMPLE, herefordshire)
    assert everything.counts()["other_pathway"] == 0
    assert everything.clients == 820
    assert (everything.units["pathway"] == "all").all()


def test_an_excel_package_list_reads_like_the_csv(herefordshire, sample, tmp_path):
    path = tmp_path / "packages.xlsx"
    pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).to_excel(path, index=False)
    demand = read_demand(path, herefordshire, pathway="O")
    assert demand.counts() == sample.counts() and demand.source == "packages.xlsx"
    pd.testing.assert_frame_equal(demand.units, sample.units)


def test_a_small_table_with_its_own_headers(herefordshire):
    table = pd.DataFrame(
        {
            "Client ref": ["A", "B", "C", "D"],
            "Post code": ["HR4 7BW", "HR4 7BW", "NR1 3QU", "HR6 0HN"],
            "Hours per week": ["10", "ten", "5", "7.5"],
            "status": ["x", "y", "z", "w"],
        }
    )
    demand = read_demand(table, herefordshire, name="mine.xlsx")
    rows = demand.rows.set_index("Client ref")
    assert rows["status"].tolist() == ["ok", "bad_hours", "outside_region", "ok"]
    assert "weekly_hours 'ten' is not a number" in rows.loc["B", "message"]
    assert "outside Herefordshire" in rows.loc["C", "message"]
    assert rows["status_input"].tolist() == ["x", "y", "z", "w"]
    assert demand.id_column == "Client ref"
    assert demand.weekly_hours == 17.5 and demand.clients == 2


def test_a_pathway_needs_a_pathway_column(herefordshire):
    table = pd.DataFrame({"postcode": ["HR4 7BW"], "weekly_hours": ["3"]})
    with pytest.raises(InputError, match="no pathway column"):
        read_demand(table, herefordshire, pathway="O")


def test_points_in_slivers_go_to_the_nearest_unit(units):
    xy = shapely.get_coordinates(shapely.coverage_union_all(units.geoms).exterior)
    east = xy[np.argmax(xy[:, 0])]
    owner = np.argmin(shapely.distance(units.geoms, shapely.points(east)))
    points = [np.add(east, (100.0, 0)), np.add(east, (1001.0, 0)), [np.nan] * 2]
    position, distance = locate(units, points)
    assert position.tolist() == [owner, -1, -1]
    assert distance[0] == pytest.approx(100.0, abs=1.0) and np.isnan(distance[1:]).all()


def test_modelled_demand_matches_the_published_totals_exactly(herefordshire, modelled):
    assert modelled.clients == 768 and modelled.weekly_hours == 9199.0
    hours = modelled.rows.loc[modelled.rows["status"] == "ok", "weekly_hours"]
    assert (hours * 2 == np.round(hours * 2)).all() and hours.min() >= 0.5
    complex_care = modelled_demand(herefordshire, "D")
    assert complex_care.clients == 58 and complex_care.weekly_hours == 2330.0
    d_hours = complex_care.rows.loc[complex_care.rows["status"] == "ok", "weekly_hours"]
    assert d_hours.min() >= 14.0


def test_modelled_demand_is_marked_modelled_everywhere(modelled):
    assert modelled.modelled
    assert modelled.units.attrs["modelled"] and modelled.units["modelled"].all()
    assert modelled.rows["modelled"].all()
    assert "modelled=True" in modelled.describe()
    assert "Table 12.2" in modelled.source


def test_modelled_demand_follows_the_65_plus_population(units, modelled):
    age65 = units.frame["age65"].to_numpy(dtype=float)
    clients = modelled.units["clients"].to_numpy()
    top = age65 >= np.median(age65)
    assert clients[top].sum() / clients.sum() == pytest.approx(
        age65[top].sum() / age65.sum(), abs=0.05
    )
    assert np.corrcoef(clients, age65)[0, 1] > 0.4


def test_the_same_seed_gives_the_same_demand(herefordshire, modelled):
    again = modelled_demand(herefordshire, "O", seed=0)
    pd.testing.assert_frame_equal(again.rows, modelled.rows)
    other = modelled_demand(herefordshire, "O", seed=1)
    assert not other.rows["postcode"].equals(modelled.rows["postcode"])
    assert other.weekly_hours == 9199.0


def test_totals_can_be_given_and_missing_ones_are_named(herefordshire):
    mine = PublishedDemand("herefordshire", "X", 10, 100.0, "herefordshire-2017", "standard", "me")
    demand = modelled_demand(herefordshire, totals=[mine])
    assert demand.clients == 10 and demand.weekly_hours == 100.0
    with pytest.raises(InputError, match="no published demand totals for norfolk"):
        published_demand("norfolk")


def test_published_totals_are_the_scheme_files_demand_tables():
    [notts] = published_demand("nottinghamshire")
    assert (notts.pathway, notts.clients, notts.weekly_hours) == (None, 1800, 20137.0)
    assert (notts.scheme, notts.rate) == ("nottinghamshire-2017", "average")
    assert notts.source == (
        "seed 004, paragraph 22: about 1,800 service users and 20,137 hours a week, core and "
        "spot providers (April 2017)"
    )
    assert [(p.pathway, p.clients) for p in published_totals("herefordshire")] == [
        ("O", 768),
        ("D", 58),
    ]
    assert published_totals("herefordshire", "d")[0].weekly_hours == 2330.0
    assert published_totals("nottinghamshire", "O") == ()
    with pytest.raises(InputError, match=r"for nottinghamshire pathway O .*nottinghamshire all"):
        published_demand("nottinghamshire", "O")
