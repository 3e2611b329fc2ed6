import json
import os
import re
import time
from decimal import Decimal

import pandas as pd
import pytest

from geozones._errors import ConflictError, InputError, NotFoundError
from geozones.batch.summary import TOTAL, summarise
from geozones.classification.classifier import CLASSIFY_COLUMNS
from geozones.schemes.scheme import get_scheme
from geozones.web.batch import (
    CHUNK_ROWS,
    STALE_AFTER_S,
    JobStore,
    Upload,
    classify_upload,
    csv_bytes,
    escape_formulas,
    read_upload,
)
from geozones.zones.lookup import classifier_for


@pytest.fixture(scope="module")
def classifier(norfolk, build_root, tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "zones.sqlite"
    return classifier_for("norfolk-2019", build_root, store)


def result_frame(rows):
    """A classification result of CLASSIFY_COLUMNS from a few (status, district, band, lot) rows."""
    frame = pd.DataFrame({c: [None] * len(rows) for c in CLASSIFY_COLUMNS})
    for i, (status, district, band, lot) in enumerate(rows):
        frame.loc[i, ["status", "district", "band", "lot"]] = [status, district, band, lot]
    return frame


def test_formulas_are_escaped_and_other_cells_kept():
    table = pd.DataFrame(
        {
            "text": ["=1+1", "+44 1603", "-3", "@SUM(A1)", "\tTAB", "NR1 3QU", "a=b", ""],
            "number": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    out = escape_formulas(table)
    assert list(out["text"]) == [
        "'=1+1",
        "'+44 1603",
        "'-3",
        "'@SUM(A1)",
        "'\tTAB",
        "NR1 3QU",
        "a=b",
        "",
    ]
    assert out["number"].tolist() == table["number"].tolist()
    assert table.loc[0, "text"] == "=1+1"
    assert csv_bytes(table).startswith(
        '\ufeff"text","number"\n"\'=1+1",1.5\n"\'+44 1603",-2\n'.encode()
    )
    assert list(escape_formulas(table.rename(columns={"text": "=cmd"})).columns) == [
        "'=cmd",
        "number",
    ]


def test_upload_column_is_detected_or_named():
    data = b"id,Post Code,hours\n1,NR1 3QU,3\n"
    assert read_upload(data, "x.csv").column == "Post Code"
    assert read_upload(data, "x.csv", "id").column == "id"
    words = "x.csv: no address column 'nope'; columns: id, Post Code, hours"
    with pytest.raises(InputError, match=re.escape(words)):
        read_upload(data, "x.csv", "nope")


def test_classified_table_keeps_every_row_in_chunks(classifier):
    n = CHUNK_ROWS + 5
    table = pd.DataFrame({"address": ["NR1 3QU", "nowhere"] * (n // 2) + ["NR1 3QU"]})
    table["status"] = "mine"
    done = []
    out, result = classify_upload(Upload(table, "x.csv", "address"), classifier, done.append)
    assert done == [CHUNK_ROWS, n]
    assert len(out) == n and list(out.columns[:2]) == ["address", "status"]
    assert "geozones_status" in out.columns and (out["status"] == "mine").all()
    assert list(result["status"][:2]) == ["ok", "error"] and result.index.equals(pd.RangeIndex(n))


def test_summary_by_district_and_band_prices_each_band():
    result = result_frame(
        [
            ("ok", "Norwich", "Band 1", None),
            ("ok", "Norwich", "Band 1", None),
            ("ok", "North Norfolk", "Band 3", None),
            ("error", None, None, None),
            ("ok", "North Norfolk", "Band 3", None),
        ]
    )
    table = pd.DataFrame({"Weekly Hours": ["10", "2.5", "4", "7", "-1"]})
    summary = summarise(result, table, get_scheme("norfolk-2019"))
    assert summary.by == ["district", "band"]
    frame = summary.table.set_index(["district", "band"])
    assert frame.loc[("Norwich", "Band 1"), "clients"] == 2
    assert frame.loc[("Norwich", "Band 1"), "weekly_hours"] == 12.5
    assert frame.loc[("Norwich", "Band 1"), "cost"] == Decimal("11856.00")
    assert frame.loc[("North Norfolk", "Band 3"), "weekly_hours"] == 4
    assert frame.loc[("North Norfolk", "Band 3"), "rate"] == Decimal("21.72")
    assert frame.loc[("North Norfolk", "Band 3"), "clients"] == 1  # row 6's -1 h is bad_hours
    assert frame.loc[(TOTAL, ""), "clients"] == 3
    assert frame.loc[(TOTAL, ""), "cost"] == Decimal("16373.76")  # + 4 h x 52 x £21.72
    assert summary.note == (
        "1 row(s) not located are left out; 1 located row(s) whose weekly hours cannot be "
        "used are left out (bad_hours; spreadsheet row 6)"
    )


def test_summary_by_lot_without_hours_counts_clients():
    result = result_frame(
        [
            ("ok", "Watford", "Flat", "Watford"),
            ("ok", "Dacorum", "Flat", "Dacorum Rural"),
            ("ok", "Watford", "Flat", "Watford"),
        ]
    )
    summary = summarise(result, pd.DataFrame({"id": ["1", "2", "3"]}), get_scheme("norfolk-2019"))
    assert summary.by == ["lot"] and summary.note is None
    assert summary.table.to_dict("records") == [
        {"lot": "Dacorum Rural", "clients": 1},
        {"lot": "Watford", "clients": 2},
        {"lot": TOTAL, "clients": 3},
    ]


def wait(wait_until, jobs, job):
    """The job's status once it has stopped running."""

    def finished():
        status = jobs.status(job)
        return status if status["state"] != "running" else None

    return wait_until(finished, f"batch job {job} to finish")


def test_a_job_runs_in_the_background_and_keeps_its_files(classifier, tmp_path, wait_until):
    jobs = JobStore(tmp_path / "batch")
    upload = read_upload(b"address,weekly_hours\nNR1 3QU,3\nNR21 0AA,4\n", "week.csv")
    started = jobs.start(upload, classifier.scheme, classifier)
    assert started["state"] == "running" and started["rows"] == 2
    status = wait(wait_until, jobs, started["id"])
    assert status["state"] == "done" and status["counts"] == {"ok": 2} and status["done"] == 2
    assert [row["clients"] for row in status["summary"]] == [1, 1, 2]
    assert json.loads((tmp_path / "batch" / started["id"] / "status.json").read_text()) == status
    result = pd.read_csv(jobs.file(started["id"], "result.csv"), encoding="utf-8-sig")
    assert list(result["band"]) == ["Band 1", "Band 3"]
    assert jobs.file(started["id"], "summary.csv").exists()


def test_job_errors(classifier, tmp_path):
    jobs = JobStore(tmp_path)
    with pytest.raises(NotFoundError, match="no batch job"):
        jobs.status("f" * 32)
    with pytest.raises(NotFoundError):
        jobs.status("../" + "f" * 29)
    job = "b" * 32
    (tmp_path / job).mkdir()
    running = {"id": job, "state": "running", "updated": "2020-01-01T00:00:00+00:00"}
    (tmp_path / job / "status.json").write_text(json.dumps(running))
    assert jobs.status(job)["state"] == "failed" and "restarted" in jobs.status(job)["error"]
    recent = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - STALE_AFTER_S / 2))
    (tmp_path / job / "status.json").write_text(json.dumps({**running, "updated": recent}))
    with pytest.raises(ConflictError, match="is running"):
        jobs.file(job, "result.csv")


def test_old_jobs_are_deleted_when_a_new_one_starts(classifier, tmp_path, wait_until):
    jobs = JobStore(tmp_path)
    old = tmp_path / ("c" * 32)
    old.mkdir()
    stamp = time.time() - 2 * 24 * 3600
    os.utime(old, (stamp, stamp))
    started = jobs.start(read_upload(b"address\nNR1 3QU\n", "x.csv"), classifier.scheme, classifier)
    wait(wait_until, jobs, started["id"])
    assert not old.exists() and (tmp_path / started["id"]).exists()
