"""Issue 12, section 5: the batch defects analysts hit (summaries, file formats, formulas, cost)."""

import codecs
import csv
import json
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from geozones.batch.summary import TOTAL, summarise
from geozones.classification.classifier import CLASSIFY_COLUMNS
from geozones.schemes.pricing import zone_table
from geozones.schemes.scheme import get_scheme
from geozones.tables.files import read_table, table_format, write_table
from geozones.web import batch
from geozones.web.batch import JobStore, read_upload
from geozones.zones.lookup import classifier_for


@pytest.fixture(scope="module")
def classifier(norfolk, build_root, tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "zones.sqlite"
    return classifier_for("norfolk-2019", build_root, store)


def answers(rows):
    """CLASSIFY_COLUMNS of a few (district, band, rate, lot, zone, pcn) rows, all located."""
    frame = pd.DataFrame({c: [None] * len(rows) for c in CLASSIFY_COLUMNS})
    names = ["district", "band", "rate", "lot", "zone", "pcn"]
    for i, row in enumerate(rows):
        frame.loc[i, ["status", *names]] = ["ok", *row]
    return frame


def wait(wait_until, jobs, job):
    def finished():
        status = jobs.status(job)
        return status if status["state"] != "running" else None

    return wait_until(finished, f"batch job {job} to finish")


HERTS = answers(
    [
        ("Watford", "Flat rate", "21.92", "Watford", None, None),
        ("Dacorum", "Flat rate", "21.92", "Dacorum Rural", None, None),
        ("Watford", "Flat rate", "21.92", "Watford", None, None),
    ]
)


def test_a_summary_by_one_key_with_hours_prices_every_lot():
    # Every Hertfordshire upload with hours ended in "internal error": one group key.
    hours = pd.DataFrame({"weekly_hours": ["3", "2", "4"]})
    summary = summarise(HERTS, hours, get_scheme("hertfordshire-2022"))
    assert summary.by == ["lot"] and summary.note is None
    frame = summary.table.set_index("lot")
    assert frame.loc["Watford", "clients"] == 2
    assert frame.loc["Watford", "weekly_hours"] == 7
    assert frame.loc["Watford", "annual_hours"] == 364
    assert frame.loc["Watford", "weekly_cost"] == Decimal("153.44")
    assert frame.loc["Watford", "cost"] == Decimal("7978.88")
    assert frame.loc["Dacorum Rural", "cost"] == Decimal("2279.68")
    assert frame.loc[TOTAL, "weekly_cost"] == Decimal("197.28")
    assert frame.loc[TOTAL, "cost"] == Decimal("10258.56")


def test_summaries_by_pcn_and_district_with_band_price_each_package_at_its_own_rate():
    rows = answers(
        [
            ("Norwich", "Band 1", "18.24", None, None, "Norwich PCN"),
            ("Broadland", "Band 3", "21.72", None, None, "Norwich PCN"),
            ("Broadland", "Band 3", "21.72", None, None, "Broadland PCN"),
        ]
    )
    hours = pd.DataFrame({"hours": ["10", "5", "1"]})
    scheme = get_scheme("norfolk-2019")
    pcn = summarise(rows, hours, scheme, by="pcn").table.set_index("pcn")
    assert pcn.loc["Norwich PCN", "weekly_cost"] == Decimal("291.00")  # 10 x 18.24 + 5 x 21.72
    assert pcn.loc["Norwich PCN", "cost"] == Decimal("15132.00")
    assert pcn.loc["Norwich PCN", "rate"] is None  # the PCN mixes two bands
    district = summarise(rows, hours, scheme, by="district")
    assert district.by == ["district", "band"]
    frame = district.table.set_index(["district", "band"])
    assert frame.loc[("Broadland", "Band 3"), "weekly_hours"] == 6
    assert frame.loc[("Broadland", "Band 3"), "cost"] == Decimal("6776.64")
    assert frame.loc[(TOTAL, ""), "cost"] == Decimal("16261.44")
    with pytest.raises(Exception, match="cannot summarise by 'ward'; choose one of: lot, zone"):
        summarise(rows, hours, scheme, by="ward")


def test_a_failing_summary_still_hands_back_every_row(
    classifier, tmp_path, wait_until, monkeypatch
):
    def broken(*args, **kwargs):
        raise ValueError("Length of indexer and values mismatch")

    monkeypatch.setattr(batch, "summarise", broken)
    jobs = JobStore(tmp_path)
    upload = read_upload(b"address,weekly_hours\nNR1 3QU,3\nnowhere,4\n", "week.csv")
    status = wait(wait_until, jobs, jobs.start(upload, classifier.scheme, classifier)["id"])
    assert status["state"] == "done" and status["error"] is None
    assert status["summary_error"] == (
        "the summary failed (ValueError: Length of indexer and values mismatch); "
        "every row is classified"
    )
    result = pd.read_csv(jobs.file(status["id"], "result.csv"), encoding="utf-8-sig")
    assert result["address"].tolist() == ["NR1 3QU", "nowhere"]
    assert result["status"].tolist() == ["ok", "error"]


ROWS = "address;weekly_hours;note\nFlat 2, 1 High St, NR1 3QU;3;café £5\n"


@pytest.mark.parametrize(
    ("data", "read_as"),
    [
        (ROWS.encode(), "CSV, semicolon-separated, UTF-8"),
        (codecs.BOM_UTF8 + ROWS.encode(), "CSV, semicolon-separated, UTF-8 with BOM"),
        (ROWS.encode("cp1252"), "CSV, semicolon-separated, Windows-1252"),
        (ROWS.replace(";", "\t").encode("utf-16"), "CSV, tab-separated, UTF-16 with BOM"),
        (ROWS.replace(";", "|").encode(), "CSV, pipe-separated, UTF-8"),
    ],
)
def test_delimiter_and_encoding_are_detected_and_reported(data, read_as):
    table = read_table(data, "x.csv")
    assert table.to_dict("records") == [
        {"address": "Flat 2, 1 High St, NR1 3QU", "weekly_hours": "3", "note": "café £5"}
    ]
    assert table_format(table).describe() == read_as
    assert read_upload(data, "x.csv").format.describe() == read_as


def test_a_semicolon_upload_is_classified_and_says_how_it_was_read(
    classifier, tmp_path, wait_until
):
    jobs = JobStore(tmp_path)
    upload = read_upload(codecs.BOM_UTF8 + ROWS.encode(), "excel.csv")
    status = wait(wait_until, jobs, jobs.start(upload, classifier.scheme, classifier)["id"])
    assert status["read_as"] == "CSV, semicolon-separated, UTF-8 with BOM"
    assert status["counts"] == {"ok": 1}
    assert status["summary"][-1]["cost"] == "2845.44"  # 3 h x 52 x £18.24 (Band 1)


def test_cli_outputs_neutralise_formulas_and_keep_numbers(tmp_path):
    table = pd.DataFrame(
        {"text": ["=HYPERLINK(1)", "+44 1603", "@x", "\tt", "-2+3", "-3.5"], "n": [-1.5] * 6}
    )
    escaped = ["'=HYPERLINK(1)", "'+44 1603", "'@x", "'\tt", "'-2+3", "'-3.5"]
    write_table(table, tmp_path / "o.csv")
    with (tmp_path / "o.csv").open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    assert back[0] == ["text", "n"]
    assert [r[0] for r in back[1:]] == escaped and [r[1] for r in back[1:]] == ["-1.5"] * 6
    write_table(table, tmp_path / "o.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "o.xlsx").active
    assert [c.value for c in sheet["A"][1:]] == escaped
    assert [c.data_type for c in sheet["A"][1:]] == ["s"] * 6
    assert [c.value for c in sheet["B"][1:]] == [-1.5] * 6
    assert table["text"].iloc[0] == "=HYPERLINK(1)"  # the caller's table is not changed


def test_zone_table_prices_each_row_at_its_own_price():
    frame = pd.DataFrame({"lot": ["A", "A"], "h": [1.0, 2.0], "p": ["18.24", Decimal("21.72")]})
    table = zone_table(frame, get_scheme("norfolk-2019"), "lot", "h", price_col="p")
    assert table["cost"].tolist() == [Decimal("3207.36"), Decimal("3207.36")]
    with pytest.raises(Exception, match="give rate or price_col, not both"):
        zone_table(frame, get_scheme("norfolk-2019"), "lot", "h", rate="band-1", price_col="p")


def test_norfolk_balance_costs_each_package_at_its_own_band(run_cli, tmp_path, build_root, norfolk):
    demand = tmp_path / "packages.csv"
    demand.write_text("id,postcode,weekly_hours\n1,NR1 3QU,10\n2,NR21 0AA,5\n")
    out = tmp_path / "lots.geojson"
    code, text, err = run_cli(
        "balance", "--region", "norfolk", "--scheme", "norfolk-2019", "--lots", "1",
        "--demand", demand, "-o", out, "--build", build_root, "--store", tmp_path / "z.sqlite",
    )  # fmt: skip
    assert code == 0, err
    assert "no rate" not in text + err
    # 10 h x 52 x £18.24 (Band 1) + 5 h x 52 x £21.72 (Band 3)
    assert "£15,132.00" in text
    written = json.loads(out.read_text())
    assert {f["properties"]["cost"] for f in written["features"]} == {15132.0}


def test_a_norfolk_file_under_herefordshire_2016_ends_done_with_every_row(
    herefordshire, build_root, tmp_path, wait_until
):
    wrong = classifier_for("herefordshire-2016", build_root, tmp_path / "z.sqlite")
    jobs = JobStore(tmp_path / "batch")
    upload = read_upload(b"address,weekly_hours\nNR1 3QU,3\nNR21 0AA,4\n", "norfolk.csv")
    status = wait(wait_until, jobs, jobs.start(upload, wrong.scheme, wrong)["id"])
    assert status["state"] == "done" and status["error"] is None
    assert sum(status["counts"].values()) == 2 and "ok" not in status["counts"]
    assert status["summary"][-1]["clients"] == 0
    assert status["summary_note"] == "2 row(s) not located are left out"


def test_cli_classify_reports_the_format_and_prints_a_summary(
    run_cli, tmp_path, build_root, norfolk
):
    rows = tmp_path / "excel.csv"
    rows.write_bytes(codecs.BOM_UTF8 + b"id;postcode;weekly_hours\n1;NR1 3QU;10\n2;NR21 0AA;5\n")
    out = tmp_path / "out.xlsx"
    code, printed, err = run_cli(
        "classify", rows, "-o", out, "--scheme", "norfolk-2019", "--build", build_root,
        "--summary", "district",
    )  # fmt: skip
    assert code == 0, err
    assert f"classified 2 rows (2 ok) -> {out} (read as CSV, semicolon-separated, " in printed
    assert "UTF-8 with BOM)" in printed
    assert "15132.00" in printed  # 10 h x 52 x £18.24 + 5 h x 52 x £21.72
