"""A lookup only reads: it leaves the instance folder and the build as it found them."""

from decimal import Decimal

import pandas as pd
import pytest

import geozones
from geozones.zones.builders import district_plan
from geozones.zones.lookup import classifier_for
from geozones.zones.store import INSTANCE_ENV, STORE_FILE, PlanStore

SCHEME = "herefordshire-2017"  # zone layers 'o-zones' and 'd-lots': every lookup reads the store
HEREFORD = "HR1 2HX"


def files(folder):
    """Every file and folder under ``folder``, relative, with its size (folders: None)."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size if p.is_file() else None)
        for p in folder.rglob("*")
    }


@pytest.fixture
def empty_instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv(INSTANCE_ENV, str(folder))
    return folder


def lookups(build_root, run_cli, tmp_path):
    """One lookup each way: geozones.classify, ``geozones lookup``, a few rows, ``classify``."""
    answer = geozones.classify(HEREFORD, SCHEME, build_root)
    code, out, err = run_cli("lookup", HEREFORD, "--scheme", SCHEME, "--build", build_root)
    assert (code, err) == (0, ""), err
    rows = classifier_for(SCHEME, build_root).classify_many([HEREFORD, "HR4 9AA", "nowhere"])
    packages = tmp_path / "packages.csv"
    packages.write_text(f"id,postcode\n1,{HEREFORD}\n2,HR4 9AA\n")
    code, _, err = run_cli("classify", packages, "-o", tmp_path / "classified.csv",
                           "--scheme", SCHEME, "--build", build_root)  # fmt: skip
    assert (code, err) == (0, ""), err
    return answer, out, rows


def test_a_lookup_creates_no_file_in_an_empty_instance_folder(
    herefordshire, build_root, run_cli, tmp_path, empty_instance
):
    build_before = files(build_root)  # start-up caches too: only `data build` writes them
    answer, out, rows = lookups(build_root, run_cli, tmp_path)
    assert (answer.rate, answer.zone, answer.lot) == (Decimal("15.80"), None, None)
    assert answer.pcn == "THE WBC (HEREFORD CITY) PCN"
    assert "rate:     £15.80 an hour" in out
    assert rows["status"].tolist() == ["ok", "ok", "error"]
    assert files(empty_instance) == {}
    assert files(build_root) == build_before


def test_a_lookup_after_a_save_leaves_the_instance_folder_as_it_was(
    herefordshire, build_root, run_cli, tmp_path, empty_instance
):
    store = PlanStore(empty_instance / STORE_FILE, build_root)
    plan = district_plan(herefordshire, name="herefordshire-o-zones")
    assert store.save(plan.reassign(dict.fromkeys(plan.assignment.index, "Zone A"))) == 1
    saved, build_before = files(empty_instance), files(build_root)
    assert STORE_FILE in saved
    answer, out, rows = lookups(build_root, run_cli, tmp_path)
    assert answer.zone == "Zone A" and "zone:     Zone A" in out
    assert rows["zone"].tolist()[:2] == ["Zone A", "Zone A"] and pd.isna(rows["zone"].iloc[2])
    assert files(empty_instance) == saved  # no -wal or -shm file left behind, no size changed
    assert files(build_root) == build_before


@pytest.mark.parametrize(
    ("query", "district", "lot", "cdg", "pcn"),
    [
        ("NG18 1AE", "Mansfield", "Mansfield & Ashfield", "ROSEWOOD CDG", "ROSEWOOD PCN"),
        ("S80 2DY", "Bassetlaw", "Bassetlaw", "LARWOOD & BAWTRY CDG", "LARWOOD & BAWTRY PCN"),
        # Misterton, a Bassetlaw village: by its postcode and by its name
        ("DN10 4AA", "Bassetlaw", "Bassetlaw rural 2", "RETFORD AND VILLAGES CDG",
         "RETFORD AND VILLAGES PCN"),
        ("Misterton", "Bassetlaw", "Bassetlaw rural 2", "RETFORD AND VILLAGES CDG",
         "RETFORD AND VILLAGES PCN"),
    ],
)  # fmt: skip
def test_nottinghamshire_answers_area_cdg_pcn_and_rate(
    nottinghamshire, build_root, empty_instance, query, district, lot, cdg, pcn
):
    answer = geozones.classify(query, "nottinghamshire-2017", build_root)
    assert (answer.status, answer.district, answer.rate) == ("ok", district, Decimal("15.56"))
    assert (answer.lot, answer.zone, answer.pcn) == (lot, cdg, pcn)


@pytest.mark.parametrize(
    ("minutes", "price", "rule"),
    [
        ("15", "£7.78", "15-minute call, 50% of £15.56 = £7.78"),  # paid as 30 minutes
        ("45", "£11.67", "45-minute call, pro rata 45 of 60 minutes x £15.56 = £11.67"),
    ],
)
def test_a_nottinghamshire_lookup_prices_the_30_minute_minimum(
    nottinghamshire, build_root, empty_instance, run_cli, minutes, price, rule
):
    code, out, err = run_cli(
        "lookup", "NG18 1AE", "--visit-minutes", minutes, "--build", build_root
    )
    assert (code, err) == (0, ""), err
    assert "scheme:   nottinghamshire-2017" in out  # the scheme in force there
    assert f"per visit: {price}" in out
    assert rule in out
