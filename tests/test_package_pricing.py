"""The price of a package (issue 12, section 2): the figures a user sees."""

from decimal import Decimal

import pandas as pd
import pytest

from geozones.batch.classify import classify_file
from geozones.classification.package import (
    find_package_columns,
    price_package,
    read_package,
)
from geozones.schemes.scheme import get_scheme
from geozones.web import create_app

SAMPLES = "/work/shared/data/samples"
HERTS_RATE = "Flat rate across the county"


def _price(scheme: str, band: str | None, **values: str):
    package, problems = read_package(values)
    assert problems == ()
    return price_package(get_scheme(scheme), band, package)


@pytest.mark.parametrize(
    ("minutes", "visit", "weekly", "annual", "rule"),
    [
        ("30", "13.15", "92.06", "4787.33", "30-minute call, 60% of £21.92 = £13.15"),
        ("20:59", "8.77", "61.38", "3191.55", "20:59 call, 40% of £21.92 = £8.77"),
        ("21:00", "13.15", "92.06", "4787.33", "21-minute call, 60% of £21.92 = £13.15"),
        ("60:01", "21.93", "153.48", "7981.10", "60:01 call, pro rata 60:01 of 60 minutes x £21.92 = £21.93"),  # noqa: E501
    ],
)  # fmt: skip
def test_hertfordshire_calls_by_duration(minutes, visit, weekly, annual, rule):
    # 7 calls a week: the weekly cost sums unrounded calls (7 x 13.152 = 92.064 -> £92.06)
    price = _price("hertfordshire-2022", HERTS_RATE, visit_minutes=minutes, visits_per_week="7")
    assert (price.visit_price, price.weekly_cost, price.annual_cost) == (
        Decimal(visit),
        Decimal(weekly),
        Decimal(annual),
    )
    assert price.rules[0] == f"Hertfordshire: {rule}"
    assert price.rules[1].endswith(f"£{Decimal(weekly):,} a week (each visit unrounded until the "
                                   f"total); x 52 weeks = £{Decimal(annual):,} a year")  # fmt: skip


def test_herefordshire_rates_by_pathway_and_care_type():
    standard = "Fixed rate (pro rata for shorter visits)"
    d = _price("herefordshire-2017", standard, weekly_hours="10", pathway="D")
    assert (d.priced_at, d.hourly_rate, d.weekly_cost, d.annual_cost) == (
        "'D' pathway blended rate",
        Decimal("13.70"),
        Decimal("137.00"),
        Decimal("7124.00"),
    )
    assert d.rules == (
        (
            "Herefordshire: 10 hours a week x £13.70 ('D' pathway blended rate) = £137.00 a "
            "week; x 52 weeks = £7,124.00 a year"
        ),
    )
    o = _price("herefordshire-2017", standard, weekly_hours="10", pathway="O")
    assert o.hourly_rate == Decimal("15.80")
    night = _price("herefordshire-2017", standard, weekly_hours="10", care_type="24-hour")
    assert night.hourly_rate == Decimal("12.80")
    sleep_2016 = _price("herefordshire-2016", "Rural", weekly_hours="10", care_type="sleep-in")
    assert (sleep_2016.hourly_rate, sleep_2016.weekly_cost) == (Decimal("11.48"), Decimal("114.80"))
    visit = _price("herefordshire-2017", standard, visit_minutes="45")
    assert visit.visit_price == Decimal("11.85")
    assert visit.rules == ("Herefordshire: 45-minute visit, pro rata 45 of 60 minutes x £15.80 = £11.85",)  # fmt: skip  # noqa: E501


def test_norfolk_incentive_only_in_designated_periods():
    inputs = {"weekly_hours": "10", "workers": "2", "hours_to_start": "20"}
    inside = _price("norfolk-2019", "Band 2", **inputs, requested_at="2019-01-10T09:30")
    assert inside.weekly_cost == Decimal("196.80")
    assert inside.incentive == Decimal("142.50")
    assert inside.rules[1].startswith(
        "Norfolk: capacity incentive, double-worker package started within 24 hours of a "
        "request on 10 Jan 2019 (Christmas, New Year, up to and including February Half-Term) "
        "= £142.50"
    )
    single = _price("norfolk-2019", "Band 1", workers="1", hours_to_start="6",
                    requested_at="22/05/2019", referral="acute hospital")  # fmt: skip
    assert single.incentive == Decimal("130.00")
    outside = _price("norfolk-2019", "Band 2", **inputs, requested_at="2019-03-01")
    assert outside.incentive is None
    assert outside.rules[1] == (
        "no capacity incentive: requested on 01 Mar 2019, outside the designated periods "
        "(21 Dec 2018 - 24 Feb 2019, 08 Apr 2019 - 24 Apr 2019, 01 May 2019 - 08 May 2019, "
        "22 May 2019 - 29 May 2019)"
    )
    other = _price("norfolk-2019", "Band 2", **inputs, requested_at="2019-01-10", referral="other")
    assert other.incentive is None
    assert other.rules[1].startswith("no capacity incentive: referral other is not eligible")


def test_unusable_values_name_the_column_and_what_is_accepted():
    package, problems = read_package(
        {"visit_minutes": "-5", "pathway": "X", "workers": "3", "weekly_hours": "4"},
        {"visit_minutes": "Minutes", "pathway": "Pathway"},
    )
    assert problems == (
        (
            "Minutes '-5' cannot be used; give minutes per visit more than 0, as a number (30) "
            "or mm:ss (20:59)"
        ),
        "Pathway 'X' cannot be used; give O (ordinary) or D (complex)",
        "workers '3' cannot be used; give 1 (single worker) or 2 (double worker)",
    )
    # the rest is still priced
    price = price_package(get_scheme("herefordshire-2017"), "Fixed rate (pro rata for shorter "
                          "visits)", package)  # fmt: skip
    assert price.weekly_cost == Decimal("63.20")


def test_columns_found_by_header_and_alias():
    headers = ["Ref", "Postcode", "Visit length", "Calls per week", "Hours a week", "Care type"]
    assert find_package_columns(headers, {"Postcode"}) == {
        "visit_minutes": "Visit length",
        "visits_per_week": "Calls per week",
        "weekly_hours": "Hours a week",
        "care_type": "Care type",
    }


def test_classify_prices_herefordshire_d_rows_at_the_d_rate(herefordshire, build_root, tmp_path):
    out = tmp_path / "classified.csv"
    source = f"{SAMPLES}/herefordshire_packages_sample.csv"
    classify_file(source, out, "herefordshire-2017", build=build_root)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(got) == len(pd.read_csv(source))
    d_rows = got[got["pathway"] == "D"]
    assert len(d_rows) == 56
    answered = d_rows[d_rows["band"] != ""]
    assert set(answered["priced_at"]) == {"'D' pathway blended rate"}
    first = answered.iloc[0]
    hours = Decimal(first["weekly_hours"])
    assert Decimal(first["weekly_cost"]) == (hours * Decimal("13.70")).quantize(Decimal("0.01"))
    o_rows = got[(got["pathway"] == "O") & (got["band"] != "")]
    assert set(o_rows["priced_at"]) == {"Fixed rate (pro rata for shorter visits)"}


def test_classify_prices_hertfordshire_call_by_call(hertfordshire, build_root, tmp_path):
    out = tmp_path / "classified.csv"
    classify_file(f"{SAMPLES}/hertfordshire_packages_sample.csv", out, "hertfordshire-2022",
                  build=build_root)  # fmt: skip
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    thirty = got[(got["visit_minutes"] == "30") & (got["band"] != "")].iloc[0]
    assert thirty["visit_price"] == "13.15"
    assert thirty["price_rule"].startswith("Hertfordshire: 30-minute call, 60% of £21.92 = £13.15")


def test_classify_row_error_keeps_the_rest(herefordshire, build_root, tmp_path):
    infile, out = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(
        {
            "address": ["HR1 2HX", "HR1 2HX"],
            "weekly_hours": ["10", "10"],
            "pathway": ["D", "X"],
        }
    ).to_csv(infile, index=False)
    classify_file(infile, out, "herefordshire-2017", build=build_root)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got["status"]) == ["ok", "error"]
    assert list(got["pathway"]) == ["D", "X"]
    assert got.loc[1, "message"].startswith(
        "pathway 'X' cannot be used; give O (ordinary) or D (complex)"
    )
    assert list(got["weekly_cost"]) == ["137.00", "158.00"]
    assert got.loc[1, "band"] == "Fixed rate (pro rata for shorter visits)"


@pytest.fixture(scope="module")
def client(herefordshire, build_root, tmp_path_factory):
    app = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "REGIONS": ["herefordshire"],
            "TESTING": True,
        }
    )
    return app.test_client()


def test_api_lookup_prices_the_package(client):
    got = client.get(
        "/api/v1/lookup",
        query_string={"q": "HR1 2HX", "scheme": "herefordshire-2017", "weekly_hours": "10",
                      "pathway": "D"},
    )  # fmt: skip
    assert got.status_code == 200
    package = got.get_json()["package"]
    assert (package["hourly_rate"], package["weekly_cost"], package["annual_cost"]) == (
        "13.70",
        "137.00",
        "7124.00",
    )
    plain = client.get(
        "/api/v1/lookup", query_string={"q": "HR1 2HX", "scheme": "herefordshire-2017"}
    )
    assert "package" not in plain.get_json()
    bad = client.get("/api/v1/lookup", query_string={"q": "HR1 2HX", "scheme": "herefordshire-2017",
                                                     "workers": "3"})  # fmt: skip
    assert bad.status_code == 422
    assert "workers '3' cannot be used; give 1 (single worker) or 2 (double worker)" in bad.text
    many = client.post(
        "/api/v1/lookup",
        json={"scheme": "herefordshire-2017", "queries": ["HR1 2HX"],
              "package": {"visit_minutes": 45, "visits_per_week": 14}},
    )  # fmt: skip
    answer = many.get_json()["answers"][0]
    assert (answer["package"]["visit_price"], answer["package"]["weekly_cost"]) == (
        "11.85",
        "165.90",
    )
