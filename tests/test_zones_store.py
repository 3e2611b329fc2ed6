import sqlite3
import threading
from dataclasses import replace

import pytest

from geozones._errors import ConflictError, InputError, NotFoundError
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import district_plan
from geozones.zones.store import STORE_FILE, PlanStore, default_store_path


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
