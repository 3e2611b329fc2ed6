from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from geozones._errors import InputError
from geozones.schemes.pricing import (
    capacity_incentive,
    hourly_rate,
    package_cost,
    to_pounds,
    visit_price,
    visit_rule_cost,
    zone_table,
)
from geozones.schemes.scheme import get_scheme

# Herefordshire Table 12.2, 'O' pathway zones (seed 002): zone, clients,
# weekly hours (rounded), annual hours (rounded), indicative cost 17/18.
O_ZONES = [
    ("Zone A", 161, 1682, 87452, 1381734),
    ("Zone B", 178, 2174, 113046, 1786126),
    ("Zone C", 152, 1696, 88169, 1393072),
    ("Zone D", 191, 2352, 122327, 1932765),
    ("Zone E", 86, 1295, 67359, 1064268),
]


@pytest.fixture(scope="module")
def herts():
    return get_scheme("hertfordshire-2022")


@pytest.fixture(scope="module")
def hfd17():
    return get_scheme("herefordshire-2017")


@pytest.fixture(scope="module")
def norfolk():
    return get_scheme("norfolk-2019")


@pytest.fixture(scope="module")
def notts():
    return get_scheme("nottinghamshire-2017")


@pytest.mark.parametrize(
    ("duration", "price"),
    [
        ("0:01", "8.77"),
        ("20:59", "8.77"),
        (20 + 59 / 60, "8.77"),
        ("21:00", "13.15"),
        (21, "13.15"),
        ("35:59", "13.15"),
        (30, "13.15"),
        ("36:00", "17.54"),
        ("50:59", "17.54"),
        ("51:00", "21.92"),
        ("60:00", "21.92"),
        (60, "21.92"),
        (75, "27.40"),
        (Decimal(90), "32.88"),
    ],
)
def test_hertfordshire_call_prices(herts, duration, price):
    assert visit_price(herts, duration) == Decimal(price)


@pytest.mark.parametrize("duration", [0, -5, "0:00", "abc", None, float("nan"), True, "-1"])
def test_bad_durations_are_input_errors(herts, duration):
    with pytest.raises(InputError, match="minutes"):
        visit_price(herts, duration)


def test_rounding_is_half_up_at_the_end():
    assert to_pounds(Decimal("2.345")) == Decimal("2.35")
    assert to_pounds(Decimal("8.768")) == Decimal("8.77")
    assert to_pounds(Decimal("13.152")) == Decimal("13.15")


def test_herefordshire_2017_visits_pro_rata(hfd17):
    assert visit_price(hfd17, 60) == Decimal("15.80")
    assert visit_price(hfd17, 30) == Decimal("7.90")
    assert visit_price(hfd17, 20) == Decimal("5.27")
    assert visit_price(hfd17, 60, rate="sleep-in") == Decimal("12.80")


def test_norfolk_visit_needs_a_band(norfolk):
    assert visit_price(norfolk, 60, rate="Band 2") == Decimal("19.68")
    assert visit_price(norfolk, 45, rate="band-3") == Decimal("16.29")
    assert visit_price(norfolk, 60, rate="spot") == Decimal("18.24")
    with pytest.raises(InputError, match=r"band-1 \(Band 1\)"):
        visit_price(norfolk, 60)
    with pytest.raises(InputError, match="no rate 'Band 4'"):
        visit_price(norfolk, 60, rate="Band 4")


def test_d_pathway_blended_rate(hfd17):
    assert hourly_rate(hfd17, "d-pathway") == Decimal("13.70")
    assert str(hourly_rate(hfd17, "d-pathway")) == "13.70"


def test_d_pathway_lot_c_d_e_cost(hfd17):
    cost = package_cost(hfd17, weekly_hours=975, rate="d-pathway")
    assert cost.annual_hours == 50700
    assert cost.annual == Decimal("694590.00")


def test_d_pathway_published_956302_transposes_digits_of_965302(hfd17):
    """70,460 h x £13.70 = £965,302; the report prints £956,302 for Complex A & B.

    Its own D-pathway total (£1,659,892) is the sum with £965,302, so the printed
    lot cost has two digits swapped.
    """
    cost = package_cost(hfd17, weekly_hours=1355, rate="d-pathway")
    assert cost.annual_hours == 70460
    assert cost.annual == Decimal("965302.00")
    assert cost.annual != Decimal(956302)
    assert cost.annual + Decimal(694590) == Decimal(1659892)


def test_d_pathway_zone_table_reproduces_published_totals(hfd17):
    lots = pd.DataFrame(
        {"lot": ["Complex A & B", "Complex C, D, E"], "clients": [29, 29], "weekly": [1355, 975]}
    )
    table = zone_table(
        lots, hfd17, "lot", "weekly", clients_col="clients", rate=hfd17.zone_layer("d-lots").rate
    )
    assert table["zone"].tolist() == ["Complex A & B", "Complex C, D, E", "Total"]
    assert table["clients"].tolist() == [29, 29, 58]
    assert table["annual_hours"].tolist() == [70460, 50700, 121160]
    assert table["cost"].tolist() == [Decimal(965302), Decimal(694590), Decimal(1659892)]
    assert table["rate"].tolist() == [Decimal("13.70")] * 3


def test_o_zone_table_within_rounding_of_published_costs(hfd17):
    """The published 'O' costs use unrounded hours, so rounded hours x £15.80 differ.

    Each published annual figure is rounded to the hour, so our cost can differ by
    at most half an hour at £15.80 (£7.90) plus half a penny; the worst is Zone A
    (£1,381,741.60 against £1,381,734). Over five zones that is at most £39.50.
    """
    frame = pd.DataFrame(O_ZONES, columns=["zone", "clients", "weekly", "annual", "cost"])
    frame["weekly_unrounded"] = frame["annual"] / 52
    table = zone_table(frame, hfd17, "zone", "weekly_unrounded", clients_col="clients")
    zones, total = table.iloc[:-1], table.iloc[-1]
    bound = Decimal("0.5") * Decimal("15.80") + Decimal("0.005")
    for published, ours in zip(frame["cost"], zones["cost"], strict=True):
        assert abs(ours - published) <= bound
    assert zones["cost"].iloc[0] - 1381734 == Decimal("7.60")
    assert np.round(zones["weekly_hours"]).astype(int).tolist() == frame["weekly"].tolist()
    assert total["zone"] == "Total"
    assert total["clients"] == 768
    assert round(total["weekly_hours"]) == 9199
    assert total["rate"] == Decimal("15.80")
    assert abs(total["cost"] - 7557964) <= 5 * bound


def test_o_zone_published_annual_total_is_not_the_sum_of_its_column(hfd17):
    """Table 12.2 prints 478,348 annual hours in total; its zone rows add up to 478,353."""
    frame = pd.DataFrame(O_ZONES, columns=["zone", "clients", "weekly", "annual", "cost"])
    frame["weekly_unrounded"] = frame["annual"] / 52
    table = zone_table(frame, hfd17, "zone", "weekly_unrounded", clients_col="clients")
    assert table["annual_hours"].iloc[-1] == pytest.approx(478353)
    assert frame["annual"].sum() == 478353 != 478348


def test_zone_table_counts_rows_as_clients_and_prices_per_row_band(norfolk):
    packages = pd.DataFrame(
        {
            "pcn": ["North", "North", "South", "South", "South"],
            "hours": [10.0, 5.0, 7.5, 2.5, 0.0],
            "band": ["Band 1", "Band 3", "Band 2", "Band 2", "band-2"],
        }
    )
    table = zone_table(packages, norfolk, "pcn", "hours", rate_col="band")
    assert table["zone"].tolist() == ["North", "South", "Total"]
    assert table["clients"].tolist() == [2, 3, 5]
    assert table["weekly_hours"].tolist() == [15.0, 10.0, 25.0]
    north = (10 * Decimal("18.24") + 5 * Decimal("21.72")) * 52
    south = 10 * Decimal("19.68") * 52
    assert table["cost"].tolist() == [north, south, north + south]
    assert table["rate"].tolist() == [None, Decimal("19.68"), None]


def test_zone_table_keeps_categorical_zone_order(hfd17):
    zones = pd.Categorical(["North", "South", "North"], categories=["South", "North"])
    frame = pd.DataFrame({"zone": zones, "hours": [1.0, 2.0, 3.0]})
    table = zone_table(frame, hfd17, "zone", "hours")
    assert table["zone"].tolist() == ["South", "North", "Total"]
    assert table["cost"].tolist() == [Decimal("1643.20"), Decimal("3286.40"), Decimal("4929.60")]


@pytest.mark.parametrize(
    ("frame", "kwargs", "match"),
    [
        (pd.DataFrame({"zone": ["A"], "h": [1.0]}), {"hours_col": "hours"}, "missing column"),
        (pd.DataFrame({"zone": [None], "h": [1.0]}), {}, "no zone"),
        (pd.DataFrame({"zone": ["A"], "h": [-1.0]}), {}, "0 or more"),
        (pd.DataFrame({"zone": ["A"], "h": ["lots"]}), {}, "0 or more"),
        (pd.DataFrame({"zone": ["A"], "h": [1.0]}), {"rate": "x", "rate_col": "zone"}, "not both"),
        (
            pd.DataFrame({"zone": ["A"], "h": [1.0], "n": [1.5]}),
            {"clients_col": "n"},
            "whole numbers",
        ),
    ],
)
def test_zone_table_input_errors(hfd17, frame, kwargs, match):
    args = {"zone_col": "zone", "hours_col": "h", **kwargs}
    with pytest.raises(InputError, match=match):
        zone_table(frame, hfd17, **args)


def test_package_cost_from_hours_and_from_visits(hfd17, herts):
    weekly = package_cost(hfd17, weekly_hours=10)
    assert (weekly.weekly, weekly.annual) == (Decimal("158.00"), Decimal("8216.00"))
    visits = package_cost(hfd17, visits_per_week=np.int64(7), visit_minutes=45)
    assert visits.weekly_hours == Decimal("5.25")
    assert (visits.weekly, visits.annual) == (Decimal("82.95"), Decimal("4313.40"))
    calls = package_cost(herts, visits_per_week=14, visit_minutes="30:00")
    assert calls.weekly == Decimal("184.13")  # 14 x 13.152, rounded once at the end
    assert calls.annual == Decimal("9574.66")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"weekly_hours": 5, "visits_per_week": 7, "visit_minutes": 30},
        {"visits_per_week": 7},
        {"visits_per_week": 0, "visit_minutes": 30},
        {"weekly_hours": -1},
        {"weekly_hours": "ten"},
    ],
)
def test_package_cost_input_errors(hfd17, kwargs):
    with pytest.raises(InputError):
        package_cost(hfd17, **kwargs)


@pytest.mark.parametrize(
    ("hours", "single", "double"),
    [
        (0, "130", "195"),
        (12, "130", "195"),
        (12.5, "95", "142.50"),
        (24, "95", "142.50"),
        (30, "60", "90"),
        (48, "60", "90"),
        (48.5, "0", "0"),
    ],
)
def test_norfolk_capacity_incentives(norfolk, hours, single, double):
    assert capacity_incentive(norfolk, 1, hours) == Decimal(single)
    assert capacity_incentive(norfolk, 2, hours) == Decimal(double)


def test_capacity_incentive_input_errors(norfolk, herts):
    with pytest.raises(InputError, match="1 \\(single\\) or 2"):
        capacity_incentive(norfolk, 3, 5)
    with pytest.raises(InputError, match="negative"):
        capacity_incentive(norfolk, 1, -1)
    with pytest.raises(InputError, match="schemes with one: norfolk-2019"):
        capacity_incentive(herts, 1, 5)


@pytest.mark.parametrize(
    ("minutes", "price"),
    [
        (15, "7.78"),  # paid as 30 minutes at £15.56
        ("0:01", "7.78"),
        (30, "7.78"),
        ("30:01", "7.78"),  # then by the minute: 30 min 1 s is £7.7843
        (31, "8.04"),
        (45, "11.67"),
        (60, "15.56"),
        (90, "23.34"),
    ],
)
def test_nottinghamshire_pays_at_least_30_minutes_then_by_the_minute(notts, minutes, price):
    assert visit_price(notts, minutes) == Decimal(price)


def test_a_visit_rule_is_costed_over_the_rule_it_replaces(notts):
    # 7 visits of 15 minutes and 3 of 20 are paid as 30 minutes; 14 of 45 do not change
    cost = visit_rule_cost(notts, [7, 14, 3], [15, 45, 20])
    assert (cost.visits, cost.hours, cost.changed_visits) == (24, 13.25, 10)
    short = 7 * Decimal("15.56") * 15 / 60 + 3 * Decimal("15.56") * 10 / 60
    assert cost.extra == to_pounds(short * 52) == Decimal("1820.52")
    assert cost.before == Decimal("10720.84")  # 13.25 hours a week x £15.56 x 52, pro rata
    assert cost.after == cost.before + cost.extra
    # the council's £700,000 a year is 3,461 15-minute visits a week paid 30 minutes
    assert cost.implied_visits == pytest.approx(700_000 / 52 / 3.89)
    lines = cost.describe("three packages")
    assert lines[0].startswith("three packages: 24 visits and 13.2 hours a week; 10 visits")
    assert "extra: £1,820.52 a year" in lines[3]
    assert "council's estimate of £700,000 a year (seed 004, paragraph 41)" in lines[4]


def test_a_pro_rata_scheme_costs_nothing_over_pro_rata(hfd17):
    cost = visit_rule_cost(hfd17, np.array([7.0, 14.0]), np.array([15.0, 45.0]))
    assert cost.extra == 0 and cost.changed_visits == 0
    assert (cost.estimate, cost.implied_visits) == (None, None)


@pytest.mark.parametrize(
    ("visits", "minutes", "match"),
    [
        ([1, 2], [15], "two equal lists"),
        ([-1], [15], "0 or more"),
        ([1], [0], "more than 0 minutes"),
        ([1], [float("nan")], "more than 0 minutes"),
    ],
)
def test_visit_rule_cost_input_errors(notts, visits, minutes, match):
    with pytest.raises(InputError, match=match):
        visit_rule_cost(notts, visits, minutes)
