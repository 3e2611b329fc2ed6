"""geozones.demand.visits: visits of package lists and the cost of a visit rule on them."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from geozones._errors import InputError
from geozones.demand.packages import modelled_packages
from geozones.demand.visits import modelled_visits, package_visits, visit_whatif
from geozones.schemes.scheme import get_scheme

NOTTS = "nottinghamshire-2017"


def table(**columns):
    """A package list as read (cells as text), with a postcode column."""
    rows = len(next(iter(columns.values())))
    return pd.DataFrame({"address": ["NG18 1AE"] * rows, **columns}, dtype=object)


@pytest.fixture(scope="module")
def sample(source):
    return source / "samples" / "nottinghamshire_packages_sample.csv"


def test_visit_minutes_come_from_hours_over_visits_and_bad_rows_are_kept():
    rows = package_visits(
        table(
            weekly_hours=["1.75", "10.5", "3", "", "0", "-2"],
            visits_per_week=["7", "14", "x", "4", "7", "7"],
        )
    )
    assert rows["row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert rows["status"].tolist() == ["ok", "ok"] + ["bad_visits"] * 4
    assert rows["visit_minutes"].tolist()[:2] == [15.0, 45.0]
    assert rows["visits_per_week"].tolist()[:2] == [7.0, 14.0]
    messages = rows["message"].tolist()
    assert messages[:2] == ["", ""]
    assert messages[2] == "visits_per_week is not a number of visits more than 0"
    assert messages[3].startswith("weekly_hours is missing")
    assert messages[4] == "0 hours a week: no visit to price"
    assert messages[5].startswith("weekly_hours is negative")


def test_a_visit_minutes_column_is_read_as_numbers_or_mm_ss():
    rows = package_visits(
        table(visit_minutes=["15", "20:30", "0"], visits_per_week=["7", "14", "2"])
    )
    assert rows["visit_minutes"].tolist()[:2] == [15.0, 20.5]
    assert rows["status"].tolist() == ["ok", "ok", "bad_visits"]
    assert rows["message"][2] == "visit_minutes is not a number of minutes more than 0"


def test_a_list_without_visits_or_lengths_is_refused():
    with pytest.raises(InputError, match="no visits-a-week column"):
        package_visits(table(weekly_hours=["3"]))
    with pytest.raises(InputError, match="no visit minutes or weekly hours column"):
        package_visits(table(visits_per_week=["3"]))


def test_modelled_packages_keep_their_hours_and_take_the_lists_lengths():
    packages = pd.DataFrame({"weekly_hours": [0.5, 7.0, 10.5, 21.0]})
    mix = package_visits(table(weekly_hours=["1.75", "10.5"], visits_per_week=["7", "14"]))
    visits = modelled_visits(packages, mix, seed=1)
    assert (visits["visits_per_week"] >= 1).all()
    assert (visits["visits_per_week"] == np.round(visits["visits_per_week"])).all()
    np.testing.assert_allclose(
        visits["visits_per_week"] * visits["visit_minutes"] / 60, packages["weekly_hours"]
    )
    again = modelled_visits(packages, mix, seed=1)
    pd.testing.assert_frame_equal(visits, again)
    with pytest.raises(InputError, match="no row with usable visits"):
        modelled_visits(packages, mix.assign(status="bad_visits"))


def test_the_30_minute_minimum_costs_only_the_short_visits_of_a_list():
    mix = package_visits(table(weekly_hours=["1.75", "10.5"], visits_per_week=["7", "14"]))
    [whatif] = visit_whatif(get_scheme(NOTTS), mix)
    assert whatif.label == "the package list (2 of 2 rows with usable visits)"
    assert whatif.cost.changed_visits == 7
    assert whatif.cost.extra == Decimal("1415.96")  # 7 x 15 more minutes x £15.56 x 52


def test_the_sample_and_the_modelled_demand_have_no_visit_under_30_minutes(nottinghamshire, sample):
    mix = package_visits(sample)
    assert mix["status"].value_counts().to_dict() == {"ok": 1798, "bad_visits": 2}
    minutes = mix["visit_minutes"].dropna()
    assert (minutes.min(), minutes.max()) == (40.0, 60.0)
    listed, modelled = visit_whatif(get_scheme(NOTTS), mix, region=nottinghamshire)
    assert (listed.cost.visits, listed.cost.hours) == (26999, pytest.approx(20258.0))
    assert listed.cost.extra == modelled.cost.extra == 0
    assert listed.cost.before == Decimal("16391152.96")
    assert modelled.cost.hours == pytest.approx(20137.0)
    assert modelled.label.startswith("modelled demand (1,800 clients, 20,137 h/week; seed 0")
    assert round(modelled.cost.implied_visits) == 3461
    packages = modelled_packages(nottinghamshire)
    assert (len(packages), packages["weekly_hours"].sum()) == (1800, 20137.0)
    assert set(packages["pathway"]) == {""}  # the published totals count every pathway


def test_the_visits_command_prints_the_what_if_beside_the_estimate(
    nottinghamshire, sample, build_root, run_cli
):
    code, out, err = run_cli(
        "visits", sample, "--scheme", NOTTS, "--modelled", "--build", build_root
    )
    assert (code, err) == (0, ""), err
    assert out.count("extra: £0.00 a year") == 2
    assert "council's estimate of £700,000 a year (seed 004, paragraph 41)" in out
    assert "3,461 15-minute visits a week" in out
    assert "row 1454: not counted: weekly_hours is negative (-3.0)" in out
    code, _, err = run_cli("visits", sample, "--scheme", "kent-2020")
    assert code == 2 and "unknown scheme 'kent-2020'" in err
