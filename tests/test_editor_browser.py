"""The zone editor in headless Chromium: log in, paint, undo, lock, improve, save, conflict, roles.

A live server of Hertfordshire with its lot plan saved (``hertfordshire-lots``:
the 14 lots of the previous Support at Home contracts, from LSOAs) and three
accounts: two commissioners and a viewer.
"""

from dataclasses import replace

import pytest
import shapely
import test_browser
from auth_helpers import login

from geozones.schemes.scheme import get_scheme
from geozones.web import create_app
from geozones.web.auth import user_store
from geozones.zones.builders import district_plan, lot_plan

PASSWORD = "correct horse battery staple"  # noqa: S105  (the test users' password)
PLAN = "hertfordshire-lots"

pytestmark = test_browser.pytestmark
browser = test_browser.browser


@pytest.fixture(scope="module")
def server(hertfordshire, build_root, source, tmp_path_factory):
    app = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("editor-instance")),
            "REGIONS": ["hertfordshire"],
        }
    )
    users = user_store(app)
    for name, role in (("ann", "commissioner"), ("bob", "commissioner"), ("vic", "viewer")):
        users.add(name, PASSWORD, role)
    plan = lot_plan(hertfordshire, get_scheme("hertfordshire-2022"), name=PLAN)
    app.extensions["geozones"].store.save(plan)
    # the lots are weighed by the sample package list (invented people at real postcodes)
    client = app.test_client()
    token = login(client, app, "admin", "admin")
    packages = source / "samples" / "hertfordshire_packages_sample.csv"
    uploaded = client.put(
        f"/api/v1/plans/{PLAN}/demand",
        data={"file": (packages.open("rb"), packages.name)},
        headers={"X-CSRF-Token": token},
    )
    assert uploaded.status_code == 200, uploaded.get_json()
    with test_browser.live(app) as base:
        yield base


@pytest.fixture
def ann(browser):
    with test_browser.watched_page(browser, viewport={"width": 1400, "height": 900}) as page:
        yield page


@pytest.fixture
def bob(browser):
    with test_browser.watched_page(browser, viewport={"width": 1400, "height": 900}) as page:
        yield page


def log_in(page, server, name):
    page.goto(f"{server}/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def open_editor(page, server, version=None):
    query = f"?version={version}" if version else ""
    page.goto(f"{server}/plans/{PLAN}/edit{query}")
    page.wait_for_function("window.gzEditor && window.gzEditor.state().version !== null")
    page.evaluate("window.gzEditor.ready")


def state(page):
    return page.evaluate("window.gzEditor.state()")


def border_unit(page, server):
    """A unit on the edge of its lot: (code, its lot, a neighbouring lot, a point inside it)."""
    payload = page.evaluate(
        "url => fetch(url, {credentials: 'same-origin'}).then(r => r.json())",
        f"{server}/api/v1/plans/{PLAN}/editor",
    )
    zone = {f["properties"]["code"]: f["properties"]["zone"] for f in payload["units"]["features"]}
    shapes = {
        f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
        for f in payload["units"]["features"]
    }
    for code, neighbours in sorted(payload["adjacency"].items()):
        other = [n for n in neighbours if zone[n] != zone[code]]
        if other:
            inside = shapes[code].point_on_surface()
            return code, zone[code], zone[other[0]], (inside.y, inside.x)
    raise AssertionError("no unit borders another lot")


def click_unit(page, latlng):
    """Click the editor's map at ``latlng``: the unit there takes the zone chosen to paint."""
    box = page.locator("#gz-editor-map").bounding_box()
    xy = page.evaluate("ll => window.gzEditor.containerPoint(ll)", list(latlng))
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])


def zone_row(page, zone):
    return page.locator(f"#gz-zones tbody tr[data-zone='{zone}']")


def test_a_commissioner_moves_a_unit_undoes_locks_improves_and_saves(ann, server):
    log_in(ann, server, "ann")
    open_editor(ann, server)
    start = state(ann)["version"]
    code, own, other, inside = border_unit(ann, server)
    before = state(ann)["totals"]
    ann.get_by_label(f"Paint {other}", exact=True).check()
    ann.evaluate("ll => window.gzEditor.centre(ll)", list(inside))
    click_unit(ann, inside)
    after = state(ann)["totals"]
    assert after[other]["units"] == before[other]["units"] + 1
    assert after[other]["hours"] > before[other]["hours"]
    assert after[own]["hours"] < before[own]["hours"]
    assert after[other]["cost"] > before[other]["cost"]
    hours = zone_row(ann, other).locator("td").nth(3).inner_text()
    assert hours == f"{after[other]['hours']:,.1f}"
    assert "1 unit(s) moved to" in ann.inner_text("#gz-save-status")
    ann.click("#gz-undo")
    assert state(ann)["totals"] == before
    ann.click("#gz-redo")
    assert state(ann)["totals"] == after
    # a locked lot takes no unit and gives none
    zone_row(ann, own).get_by_label(f"Lock {own} (its units stay)", exact=True).check()
    ann.get_by_label(f"Paint {own}", exact=True).check()
    click_unit(ann, inside)
    assert f"{own} is locked" in ann.inner_text("#gz-save-status")
    zone_row(ann, own).get_by_label(f"Lock {own} (its units stay)", exact=True).uncheck()
    # improve proposes moves, which change nothing until applied
    ann.click("#gz-improve")
    ann.wait_for_selector("#gz-proposal:not([hidden])")
    assert state(ann)["totals"] == after
    ann.click("#gz-apply")
    ann.fill("#gz-note", f"{code} to {other}, then improved")
    ann.click("#gz-save button[type=submit]")
    ann.wait_for_function(f"window.gzEditor.state().version === {start + 1}")
    assert f"Saved as version {start + 1}" in ann.inner_text("#gz-save-status")
    ann.goto(f"{server}/?region=hertfordshire")
    assert f'"Zone plan: {PLAN} v{start + 1}"' in ann.content()
    test_browser.shot(ann, "editor-saved")


def test_a_save_on_an_older_version_is_a_conflict_that_carries_the_edit_over(ann, bob, server):
    log_in(ann, server, "ann")
    log_in(bob, server, "bob")
    open_editor(ann, server)
    open_editor(bob, server)
    start = state(bob)["version"]
    code, _, other, _ = border_unit(ann, server)
    ann.evaluate("([c, z]) => window.gzEditor.paint(c, z)", [code, other])
    ann.fill("#gz-note", "ann's move")
    ann.click("#gz-save button[type=submit]")
    ann.wait_for_function(f"window.gzEditor.state().version === {start + 1}")
    # bob, still on the version he opened, moves another unit and saves
    bob_code, bob_zone = bob.evaluate("c => window.gzEditor.borderUnit(c)", code)
    bob.evaluate("([c, z]) => window.gzEditor.paint(c, z)", [bob_code, bob_zone])
    bob.fill("#gz-note", "bob's move")
    bob.click("#gz-save button[type=submit]")
    bob.wait_for_selector("#gz-conflict:not([hidden])")
    text = bob.inner_text("#gz-conflict")
    assert f"version {start + 1}" in text and "ann" in text and code in text
    bob.click("#gz-carry")
    bob.wait_for_function(f"window.gzEditor.state().version === {start + 1}")
    bob.fill("#gz-note", "bob's move, carried over")
    bob.click("#gz-save button[type=submit]")
    bob.wait_for_function(f"window.gzEditor.state().version === {start + 2}")
    # both moves are in the latest version
    assert bob.evaluate("c => window.gzEditor.zoneOf(c)", code) == other
    assert bob.evaluate("c => window.gzEditor.zoneOf(c)", bob_code) == bob_zone
    test_browser.shot(bob, "editor-conflict-carried")


def test_a_viewer_cannot_edit_and_logout_ends_the_session(ann, server):
    log_in(ann, server, "vic")
    response = ann.goto(f"{server}/plans/{PLAN}/edit")
    assert response.status == 403
    assert "commissioner" in ann.inner_text("main")
    ann.goto(f"{server}/plans/{PLAN}/history")
    ann.wait_for_selector("#gz-versions tbody tr")
    ann.get_by_role("button", name="Log out").click()
    ann.goto(f"{server}/plans/{PLAN}/edit")
    assert "/login" in ann.url


def test_the_editor_page_has_no_serious_accessibility_violation(ann, server):
    log_in(ann, server, "ann")
    open_editor(ann, server)
    assert test_browser.axe_violations(ann, server) == []


@pytest.fixture(scope="module")
def herefordshire_server(herefordshire, build_root, tmp_path_factory):
    """Herefordshire with a plan of the council's zone names: its Table 12.2 is the reference."""
    app = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("editor-herefordshire")),
            "REGIONS": ["herefordshire"],
        }
    )
    user_store(app).add("ann", PASSWORD, "commissioner")
    whole = district_plan(herefordshire, name="o-zones")
    zones = whole.assignment.copy()
    zones[:] = "Zone A"
    zones.iloc[:40] = "Zone B"
    app.extensions["geozones"].store.save(
        replace(whole, assignment=zones, zones=("Zone A", "Zone B"))
    )
    with test_browser.live(app) as base:
        yield base


def test_the_councils_published_zone_figures_sit_beside_the_drafts(ann, herefordshire_server):
    log_in(ann, herefordshire_server, "ann")
    ann.goto(f"{herefordshire_server}/plans/o-zones/edit")
    ann.wait_for_selector("#gz-reference:not([hidden]) tbody tr")
    rows = ann.inner_text("#gz-reference tbody").splitlines()
    assert rows[0].split("\t")[:2] == ["Zone A", "161"]  # seed 002 Table 12.2
    assert "1,682" in rows[0] and "£1,381,734" in rows[0]
    assert rows[4].split("\t")[:2] == ["Zone E", "86"]
