"""Defects a council's IT team found (issue 16), each a test that failed before the fix.

Security headers and a Content-Security-Policy without unmarked inline script;
plan and zone names that are HTML shown as text on the map; a 405 that names
the methods allowed; version numbers and plan ids no store can hold; an
unbounded upload limit.
"""

import re

import pytest
import test_browser

from geozones._errors import InputError
from geozones.web import create_app
from geozones.web.security import policy
from geozones.zones.builders import district_plan

#: A plan name and a zone name that would run as script if shown as HTML.
EVIL_PLAN = "<img src=x onerror=alert(1)>"
EVIL_ZONE = "<script>alert(2)</script>"

browser = test_browser.browser


@pytest.fixture(scope="module")
def app(rutland, build_root, tmp_path_factory):
    made = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("hardening")),
            "REGIONS": ["rutland"],
            "TESTING": True,
        }
    )
    plan = district_plan(rutland, name=EVIL_PLAN)
    renamed = plan.assignment.map(lambda _: EVIL_ZONE)
    made.extensions["geozones"].store.save(
        type(plan)(EVIL_PLAN, rutland, plan.unit_layer, renamed, zones=(EVIL_ZONE,))
    )
    return made


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def test_every_response_carries_the_security_headers(client):
    for url in ("/?region=rutland", "/api/v1/regions", "/batch", "/no-such-page"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, url
        assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'", policy), url
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_every_inline_script_of_the_map_carries_this_responses_nonce(client):
    response = client.get("/?region=rutland")
    nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
    page = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    again = client.get("/?region=rutland").headers["Content-Security-Policy"]
    assert nonce not in again  # a new nonce for every response


def test_plan_and_zone_names_reach_the_map_as_text_not_html(client):
    page = client.get("/?region=rutland").get_data(as_text=True)
    assert EVIL_PLAN not in page and EVIL_ZONE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # in the layer control and the key


def test_a_wrong_method_is_json_and_names_the_methods_allowed(client):
    response = client.post("/api/v1/regions")
    assert response.status_code == 405
    assert response.get_json()["error"] == "MethodNotAllowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/plans/rutland-districts?version=9223372036854775808",
        "/api/v1/plans/1/zone?lat=52.67&lon=-0.72&version=99999999999999999999",
    ],
)
def test_a_version_no_store_can_hold_is_a_422_saying_what_is_accepted(client, url):
    response = client.get(url)
    assert response.status_code == 422
    assert response.get_json()["detail"].startswith(
        "version must be a version number (a whole number from 1)"
    )


def test_a_plan_id_of_other_digits_is_no_plan(client):
    response = client.get("/api/v1/plans/%C2%B2")  # "²", a digit to str.isdigit
    assert response.status_code == 404
    assert response.get_json()["detail"].startswith("no plan '²' here; plans: ")


@pytest.mark.parametrize("limit", ["inf", "nan", "-1", "0"])
def test_an_upload_limit_that_bounds_nothing_is_refused(tmp_path, limit):
    with pytest.raises(InputError, match="GEOZONES_MAX_UPLOAD_MB must be a finite number"):
        create_app({"INSTANCE_DIR": str(tmp_path), "MAX_UPLOAD_MB": limit})


@pytest.fixture(scope="module")
def server(app):
    with test_browser.live(app) as base:
        yield base


def _policed(message):
    return "Content Security Policy" in message.text


@pytest.mark.browser
def test_under_its_policy_the_map_works_and_runs_no_script_from_a_name(browser, server):
    viewport = {"width": 1280, "height": 800}
    with test_browser.watched_page(browser, viewport=viewport, bypass_csp=False) as page:
        dialogs, violations = [], []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda m: violations.append(m.text) if _policed(m) else None)
        page.goto(f"{server}/?region=rutland")
        page.wait_for_selector(".leaflet-overlay-pane path")
        control = page.locator(".leaflet-control-layers")
        assert EVIL_PLAN in control.inner_text()  # shown as the text it is
        assert page.locator(".gz-key", has_text=EVIL_PLAN).is_visible()
        # the search, the answer, the route and the basemap all work under the policy
        test_browser.search(page, "LE15 6DT")
        page.wait_for_selector("#gz-answer .gz-route")
        assert page.inner_text("#gz-answer .gz-band") == "Band 1"
        page.wait_for_selector("canvas.leaflet-tile")
        box = page.locator(".gz-map .folium-map").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert dialogs == [] and violations == []


def test_a_configured_tile_server_may_send_images_and_nothing_else():
    found = policy("n0nce", "https://{s}.tiles.example/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tiles.example;" in found
    assert "tiles.example" not in found.replace("img-src 'self' data: https://*.tiles.example", "")
