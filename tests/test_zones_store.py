import json
import multiprocessing
import sqlite3
import threading
from contextlib import closing
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from geozones._errors import ConflictError, InputError, NotFoundError
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import district_plan
from geozones.zones.store import (
    AUDIT_COLUMNS,
    DEMAND_ROW_COLUMNS,
    SCHEMA_VERSION,
    STORE_FILE,
    PlanConflict,
    PlanStore,
    default_store_path,
)


@pytest.fixture(scope="module")
def plan(hertfordshire):
    return district_plan(hertfordshire, get_scheme("hertfordshire-2022"))


@pytest.fixture
def store(tmp_path, build_root):
    return PlanStore(tmp_path / "plans" / STORE_FILE, build=build_root)


def test_default_store_is_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GEOZONES_INSTANCE", str(tmp_path))
    assert default_store_path() == tmp_path / "zones.sqlite"


def test_saved_plan_reads_back_identical_in_wal_mode(store, plan):
    assert store.save(plan) == 1
    back = store.get(plan.name)
    assert (back.version, back.parent) == (1, None)
    assert back.assignment.equals(plan.assignment)
    assert (back.zones, back.colours) == (plan.zones, plan.colours)
    assert (back.method, back.author, back.created) == (plan.method, plan.author, plan.created)
    assert back.region.name == "hertfordshire" and back.unit_layer == "units"
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store.get(store.list().loc[0, "id"]).version == 1


def test_saving_adds_versions_and_keeps_history(store, plan):
    store.save(plan)
    first = store.get(plan.name)
    unit = first.assignment.index[0]
    second = first.reassign({unit: "Stevenage"}, author="alice", notes="move one LSOA")
    assert store.save(second) == 2
    history = store.history(plan.name)
    assert history["version"].tolist() == [1, 2]
    assert history["parent"].tolist()[1] == 1
    assert history.loc[1, ["author", "notes", "units"]].tolist() == ["alice", "move one LSOA", 690]
    assert store.get(plan.name, 1).assignment.equals(plan.assignment)
    assert store.get(plan.name).assignment[unit] == "Stevenage"
    listed = store.list().set_index("name").loc[plan.name]
    assert (listed["version"], listed["versions"], listed["author"]) == (2, 2, "alice")


def test_concurrent_edit_is_refused_and_nothing_is_lost(store, plan):
    store.save(plan)
    alice, bob = store.get(plan.name), PlanStore(store.path, store.build).get(plan.name)
    units = alice.assignment.index
    assert store.save(alice.reassign({units[0]: "Stevenage"}, author="alice")) == 2
    bobs_edit = bob.reassign({units[1]: "Watford"}, author="bob")
    with pytest.raises(ConflictError) as error:
        store.save(bobs_edit)
    message = str(error.value)
    assert plan.name in message and "based on version 1" in message
    assert "latest version is 2" in message and "nothing was saved" in message
    assert store.history(plan.name)["author"].tolist() == ["geozones", "alice"]
    assert store.get(plan.name, 1).assignment.equals(plan.assignment)
    latest = store.get(plan.name)
    assert latest.assignment[units[0]] == "Stevenage"
    assert latest.assignment[units[1]] == plan.assignment[units[1]]
    # bob redoes his edit on version 2 and it goes in
    assert store.save(latest.reassign({units[1]: "Watford"}, author="bob")) == 3


def test_simultaneous_saves_from_one_base_let_exactly_one_through(store, plan):
    store.save(plan)
    base = store.get(plan.name)
    edits = [base.reassign({base.assignment.index[i]: "Stevenage"}) for i in range(4)]
    barrier = threading.Barrier(len(edits))
    outcomes = []

    def save(edit):
        mine = PlanStore(store.path, store.build)
        barrier.wait()
        try:
            outcomes.append(mine.save(edit))
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(edit,)) for edit in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [2, "conflict", "conflict", "conflict"]
    assert store.latest(plan.name) == 2


def test_a_new_plan_under_a_taken_name_is_a_conflict(store, plan):
    store.save(plan)
    with pytest.raises(ConflictError, match="already exists \\(latest version 1\\)"):
        store.save(plan)
    with pytest.raises(ConflictError, match="based on version 4 but the latest version is 1"):
        store.save(plan, base_version=4)
    with pytest.raises(ConflictError, match="plan fresh has no version 4 to save on top of"):
        store.save(replace(plan, name="fresh"), base_version=4)
    assert store.list()["name"].tolist() == [plan.name]


def test_crash_mid_save_leaves_the_previous_version_intact(store, plan, monkeypatch):
    store.save(plan)
    edit = store.get(plan.name).reassign({plan.assignment.index[0]: "Watford"})

    def half_then_crash(self, db, plan_id, version, saved):
        db.execute(
            "INSERT INTO assignments VALUES (?, ?, ?, ?)", (plan_id, version, "E0", "partial")
        )
        raise RuntimeError("power cut")

    monkeypatch.setattr(PlanStore, "_write_units", half_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save(edit)
    monkeypatch.undo()
    assert store.latest(plan.name) == 1
    assert store.history(plan.name)["version"].tolist() == [1]
    assert store.get(plan.name).assignment.equals(plan.assignment)
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM assignments").fetchone() == (690,)
    assert store.save(edit) == 2


def test_crash_on_a_first_save_leaves_no_plan(store, plan, monkeypatch):
    monkeypatch.setattr(PlanStore, "_write_units", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        store.save(plan)
    assert store.list().empty


def test_unknown_plans_and_versions_are_not_found(store, plan):
    with pytest.raises(NotFoundError, match=r"no zone plan 'nothing'.*plans: none"):
        store.get("nothing")
    store.save(plan)
    with pytest.raises(NotFoundError, match="has no version 9; versions: 1"):
        store.get(plan.name, 9)
    with pytest.raises(NotFoundError, match=f"plans: {plan.name}"):
        store.history("nothing")


def test_a_name_keeps_its_region_and_unit_layer(store, plan, herefordshire):
    store.save(plan)
    other = district_plan(herefordshire, name=plan.name)
    with pytest.raises(InputError, match="stored as a units plan of hertfordshire"):
        store.save(other, base_version=1)


def test_every_save_writes_an_audit_row_in_the_same_transaction(store, plan):
    store.save(plan, actor="ann", note="first draft")
    edit = store.get(plan.name).reassign({"E01023699": "Stevenage"}, author="bob")
    before = plan.assignment["E01023699"]
    assert store.save(edit, actor="bob", note="Knebworth to Stevenage") == 2
    log = store.audit(plan.name)
    assert list(log.columns) == list(AUDIT_COLUMNS)
    assert log["action"].tolist() == ["create", "save"]
    assert log["actor"].tolist() == ["ann", "bob"]
    assert log["version"].tolist() == [1, 2]
    assert log["base_version"].isna().tolist() == [True, False] and log.loc[1, "base_version"] == 1
    assert log["moved"].tolist() == [0, 1]
    assert log.loc[1, "units"] == f"E01023699: {before} -> Stevenage"
    assert log["note"].tolist() == ["first draft", "Knebworth to Stevenage"]
    assert datetime.fromisoformat(log.loc[1, "when"]).tzinfo is not None
    assert store.audit()["plan"].tolist() == [plan.name, plan.name]
    assert store.history(plan.name)["moved"].tolist() == [pd.NA, 1]
    with pytest.raises(NotFoundError, match="no zone plan 'nothing'"):
        store.audit("nothing")


def test_a_failed_save_leaves_no_audit_row(store, plan, monkeypatch):
    store.save(plan)
    monkeypatch.setattr(PlanStore, "_write_units", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        store.save(store.get(plan.name).reassign({"E01023699": "Stevenage"}))
    monkeypatch.undo()
    assert len(store.audit()) == 1


def test_a_conflict_says_who_saved_what_since_the_base(store, plan):
    store.save(plan)
    first = store.get(plan.name)
    units = first.assignment.index
    alice = first.reassign({units[0]: "Stevenage", units[1]: "Watford"}, notes="alice's fix")
    store.save(alice, actor="alice")
    carol = store.get(plan.name).reassign({units[2]: "Stevenage"}, author="carol", notes="carol")
    store.save(carol)
    with pytest.raises(PlanConflict) as error:
        store.save(first.reassign({units[3]: "Watford"}, author="bob"), actor="bob")
    conflict = error.value
    assert isinstance(conflict, ConflictError) and conflict.latest == 3 and conflict.base == 1
    assert [(m.unit, m.before, m.after) for m in conflict.theirs] == [
        (units[0], plan.assignment[units[0]], "Stevenage"),
        (units[1], plan.assignment[units[1]], "Watford"),
        (units[2], plan.assignment[units[2]], "Stevenage"),
    ]
    assert [(v.version, v.author, v.note) for v in conflict.versions] == [
        (2, "geozones", "alice's fix"),
        (3, "carol", "carol"),
    ]
    message = str(conflict)
    assert (
        f"plan {plan.name}: your edit is based on version 1 but the latest version is 3" in message
    )
    assert f"saved by carol at {conflict.versions[-1].created}" in message
    assert "nothing was saved. Carry your edits onto version 3 and save again" in message
    body = conflict.to_dict()
    assert body["latest_version"] == 3 and len(body["theirs"]) == 3
    assert body["theirs"][0] == {
        "unit": units[0],
        "before": plan.assignment[units[0]],
        "after": "Stevenage",
    }
    assert body["versions"][1]["author"] == "carol"
    assert len(store.audit()) == 3  # the refused save wrote nothing


def test_targets_are_kept_with_the_zones(store, plan):
    targets = {plan.zones[0]: 1500.0, plan.zones[2]: 2000.5}
    store.save(replace(plan, targets=targets))
    back = store.get(plan.name)
    assert back.targets == targets and back.zones == plan.zones
    with sqlite3.connect(store.path) as db:
        (zones,) = db.execute("SELECT zones FROM versions").fetchone()
    assert json.loads(zones)[:3] == [
        [plan.zones[0], plan.colours[plan.zones[0]], 1500.0],
        [plan.zones[1], plan.colours[plan.zones[1]], None],
        [plan.zones[2], plan.colours[plan.zones[2]], 2000.5],
    ]


OLD_SCHEMA = """
CREATE TABLE plans (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, region TEXT NOT NULL,
    unit_layer TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE versions (plan_id INTEGER NOT NULL REFERENCES plans(id), version INTEGER NOT NULL,
    parent INTEGER, author TEXT NOT NULL, created TEXT NOT NULL, method TEXT NOT NULL,
    notes TEXT NOT NULL, zones TEXT NOT NULL, PRIMARY KEY (plan_id, version));
CREATE TABLE assignments (plan_id INTEGER NOT NULL, version INTEGER NOT NULL,
    unit TEXT NOT NULL, zone TEXT NOT NULL, PRIMARY KEY (plan_id, version, unit),
    FOREIGN KEY (plan_id, version) REFERENCES versions(plan_id, version)) WITHOUT ROWID;
"""


def test_a_store_of_the_old_schema_opens_and_gains_the_new_tables(store, plan):
    store.path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(store.path)) as db, db:
        db.executescript(OLD_SCHEMA)
        db.execute(
            "INSERT INTO plans VALUES (1, ?, 'hertfordshire', 'units', '2024-01-01')", (plan.name,)
        )
        pairs = json.dumps([[z, plan.colours[z]] for z in plan.zones])
        db.execute(
            "INSERT INTO versions VALUES (1, 1, NULL, 'old', ?, 'm', '', ?)",
            ("2024-01-01T00:00:00+00:00", pairs),
        )
        db.executemany("INSERT INTO assignments VALUES (1, 1, ?, ?)", plan.assignment.items())
    old = store.get(plan.name)
    assert old.zones == plan.zones and old.targets == {} and old.assignment.equals(plan.assignment)
    assert store.audit().empty and store.demand(plan.name) is None
    with closing(sqlite3.connect(store.path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert store.save(old.reassign({"E01023699": "Stevenage"}), actor="ann") == 2
    assert store.audit()["version"].tolist() == [2]
    assert store.history(plan.name)["moved"].tolist() == [pd.NA, 1]


def _race(n, work):
    """Run ``work(i)`` in ``n`` threads released at once; return what each returned or raised."""
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except ConflictError as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_saves_on_one_base_let_exactly_one_through(store, plan):
    store.save(plan)
    base = store.get(plan.name)
    edits = [base.reassign({base.assignment.index[i]: "Stevenage"}) for i in range(20)]
    outcomes = _race(20, lambda i: PlanStore(store.path, store.build).save(edits[i], actor=f"u{i}"))
    assert sorted(o for o in outcomes if isinstance(o, int)) == [2]
    refused = [o for o in outcomes if isinstance(o, PlanConflict)]
    assert len(refused) == 19 and {o.latest for o in refused} == {2}
    winner = outcomes.index(2)
    assert all(o.versions[0].author == "geozones" and len(o.theirs) == 1 for o in refused)
    assert store.audit()["actor"].tolist() == ["geozones", f"u{winner}"]


def test_twenty_creates_of_one_new_plan_give_one_plan(tmp_path, build_root, plan):
    path = tmp_path / "fresh" / STORE_FILE  # not there yet: the creators race to make it too
    outcomes = _race(20, lambda i: PlanStore(path, build_root).save(plan, actor=f"u{i}"))
    assert [o for o in outcomes if isinstance(o, int)] == [1]
    refused = [o for o in outcomes if not isinstance(o, int)]
    assert len(refused) == 19 and all(isinstance(o, PlanConflict) for o in refused)
    assert all("already exists (latest version 1), saved by geozones" in str(o) for o in refused)
    store = PlanStore(path, build_root)
    assert store.list()["name"].tolist() == [plan.name] and store.latest(plan.name) == 1
    assert len(store.audit()) == 1


def test_compare_lists_the_units_moved_and_the_zone_deltas(store, plan):
    store.save(plan)
    units = ["E01023699", "E01023700"]
    was = plan.assignment[units].tolist()
    store.save(store.get(plan.name).reassign(dict.fromkeys(units, "Stevenage")))
    demand = pd.DataFrame(
        {
            "unit": [*units, units[0]],
            "clients": [2, 1, 1],
            "weekly_hours": [10.0, 4.5, 3.0],
            "price": ["21.92", "21.92", "25.00"],
        }
    )
    store.save_demand(plan.name, demand, "test list", modelled=False, actor="ann")
    comparison = store.compare(plan.name, 1, 2)
    assert (comparison.plan, comparison.a, comparison.b) == (plan.name, 1, 2)
    moved = comparison.moved
    assert moved["unit"].tolist() == units and moved["before"].tolist() == was
    assert moved["after"].tolist() == ["Stevenage", "Stevenage"] and moved["name"].notna().all()
    zones = comparison.zones
    assert zones.index.tolist() == list(plan.zones)
    delta = zones["delta"]
    assert delta.loc["Stevenage", "units"] == 2 and delta["units"].sum() == 0
    assert delta.loc["Stevenage", "clients"] == 4 and delta.loc["Stevenage", "weekly_hours"] == 17.5
    cost = 14.5 * 21.92 + 3 * 25
    assert zones.loc["Stevenage", ("b", "weekly_cost")] - zones.loc[
        "Stevenage", ("a", "weekly_cost")
    ] == pytest.approx(cost)
    assert delta["weekly_hours"].sum() == pytest.approx(0)
    no_demand = PlanStore(store.path, store.build).compare(plan.name, 1, 2, demand=None)
    assert "weekly_hours" in no_demand.zones["a"]  # the stored demand


def test_stored_demand_reads_back_summed_per_unit_and_price(store, plan):
    store.save(plan)
    assert store.demand(plan.name) is None
    rows = pd.DataFrame(
        {
            "unit": ["E01023699", "E01023699", "E01023700"],
            "clients": [1, 1, 3],
            "weekly_hours": [5.0, 2.5, 9.0],
            "price": [Decimal("21.92"), 21.92, None],
        }
    )
    store.save_demand(plan.name, rows, "packages.csv", modelled=False, actor="ann")
    frame, source, modelled = store.demand(plan.name)
    assert (source, modelled) == ("packages.csv", False) and list(frame.columns) == list(
        DEMAND_ROW_COLUMNS
    )
    assert frame["unit"].tolist() == ["E01023699", "E01023700"]
    assert frame["clients"].tolist() == [2, 3] and frame["weekly_hours"].tolist() == [7.5, 9.0]
    assert frame["price"].tolist() == [Decimal("21.92"), None]
    assert frame.loc[0, "weekly_cost"] == pytest.approx(7.5 * 21.92) and np.isnan(
        frame.loc[1, "weekly_cost"]
    )
    store.save_demand(plan.name, rows.iloc[:1].drop(columns="price"), "modelled", modelled=True)
    frame, source, modelled = store.demand(plan.name)
    assert (
        len(frame) == 1
        and modelled
        and frame.attrs["modelled"]
        and frame["price"].tolist() == [None]
    )
    log = store.audit(plan.name)
    assert log["action"].tolist() == ["create", "demand", "demand"]
    assert (
        log["actor"].tolist() == ["geozones", "ann", "geozones"]
        and log.loc[1, "note"] == "packages.csv"
    )
    for bad, message in (
        (rows.assign(unit="E0"), "does not have, e.g. 'E0' in row 1"),
        (rows.drop(columns="clients"), "missing column\\(s\\) clients"),
        (rows.assign(weekly_hours=["5", "-1", "x"]), "demand row 2: weekly_hours is '-1'"),
        (rows.assign(price=["21.92", "cheap", None]), "demand row 2: price 'cheap' is not"),
    ):
        with pytest.raises(InputError, match=message):
            store.save_demand(plan.name, bad, "bad", modelled=False)
    with pytest.raises(NotFoundError):
        store.save_demand("nothing", rows, "x", modelled=False)


def _create_in_a_process(path, build, plan, start, results):
    start.wait()
    try:
        results.put(("saved", PlanStore(path, build).save(plan)))
    except PlanConflict as exc:
        results.put(("refused", exc.latest))


def test_creates_in_separate_processes_give_one_plan(tmp_path, build_root, plan):
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    path = tmp_path / STORE_FILE
    workers = [
        context.Process(target=_create_in_a_process, args=(path, build_root, plan, start, results))
        for _ in range(6)
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    # one process saved version 1; each other one was refused, told version 1 exists
    assert outcomes == [("refused", 1)] * 5 + [("saved", 1)]
    assert [w.exitcode for w in workers] == [0] * 6
    store = PlanStore(path, build_root)
    assert store.list()["name"].tolist() == [plan.name] and len(store.audit()) == 1
