"""The map and batch pages in headless Chromium (Debian's /usr/bin/chromium) through playwright."""

import csv
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geozones.web import assets, create_app
from geozones.web.mapview import ROUTE_COLOUR

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
    ),
]


@contextmanager
def live(app):
    """``app`` served on a free loopback port in a thread: its base URL, until the block ends."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def server(norfolk, build_root, tmp_path_factory):
    if assets.missing():
        pytest.fail("the front-end assets are not installed: run `make assets`")
    app = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "REGIONS": ["norfolk"],
        }
    )
    with live(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


#: The sizes the layout is tested at: a desktop browser, and a phone held upright (emulated as
#: a mobile browser with touch, so that the page's viewport is the one that applies).
SIZES = {
    "desktop": {"viewport": {"width": 1400, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
#: axe-core's impacts a page must not have.
SERIOUS = ("serious", "critical")
#: A package list to upload: two rows located, one not.
PACKAGES = b"package_id,address,weekly_hours\nA1,NR1 3QU,10\nA2,NR21 0AA,4\nA3,nowhere,1\n"


@contextmanager
def watched_page(browser, **options):
    """A page in a context of its own that must ask no other site and raise no JavaScript error.

    The Content-Security-Policy is bypassed (playwright's waits evaluate strings in the page)
    unless ``bypass_csp=False`` is given: tests/test_hardening.py drives the pages under it.
    """
    options.setdefault("bypass_csp", True)
    context = browser.new_context(accept_downloads=True, **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "data:"))
            else None
        ),
    )
    failed = []
    page.on("pageerror", lambda error: failed.append(str(error)))
    yield page
    context.close()
    assert outside == [], "the page asked another site"
    assert failed == [], "the page raised JavaScript errors"


@pytest.fixture
def page(browser):
    with watched_page(browser, viewport={"width": 1280, "height": 800}) as page:
        yield page


@pytest.fixture(params=list(SIZES))
def sized(browser, request):
    """A page at each of :data:`SIZES`."""
    with watched_page(browser, **SIZES[request.param]) as page:
        yield page


@pytest.fixture
def phone(browser):
    with watched_page(browser, **SIZES["phone"]) as page:
        yield page


def open_map(page, server):
    page.goto(f"{server}/?region=norfolk&scheme=norfolk-2019")
    page.wait_for_selector(".leaflet-overlay-pane path")
    return page.evaluate("Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")


def settle(page, name):
    """Wait until the map has stopped zooming and panning."""
    page.wait_for_function(
        f"!{name}._animatingZoom && !({name}._panAnim && {name}._panAnim._inProgress)"
    )


def search(page, text):
    page.fill("#gz-q", text)
    page.click("#gz-search button[type=submit]")


def answer_value(page, term):
    """The value of the answer's row ``term``."""
    return page.locator(
        f"xpath=//*[@id='gz-answer']//dt[normalize-space()='{term}']/following-sibling::dd[1]"
    )


def shot(page, name):
    size = page.viewport_size
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"))


def axe_violations(page, server):
    """axe-core's serious and critical violations on the page as it is, one line each."""
    page.add_script_tag(url=f"{server}/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:5]})"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


def upload(page, server, body, name="packages.csv"):
    """Upload ``body`` on the batch page and wait for its result."""
    page.goto(f"{server}/batch?scheme=norfolk-2019")
    page.set_input_files("#gz-file", files=[{"name": name, "mimeType": "text/csv", "buffer": body}])
    page.click("#gz-batch button[type=submit]")
    page.wait_for_selector("#gz-result:not([hidden])")


def test_search_a_norwich_postcode_shows_the_band_and_a_marker(page, server):
    name = open_map(page, server)
    page.fill("#gz-q", "NR1 3QU")
    page.click("#gz-search button[type=submit]")
    page.wait_for_selector("#gz-answer .gz-band")
    panel = page.inner_text("#gz-answer")
    assert page.inner_text("#gz-answer .gz-band") == "Band 1"
    for line in ("£18.24 an hour", "0.57 miles (road)", "1.6 min (the quickest from any surgery)",
                 "Norwich", "CENTRAL NORWICH PCN",
                 "St Stephens Gate Medical Partnership (D82008)"):  # fmt: skip
        assert line in panel.splitlines(), (line, panel)
    assert page.locator(".leaflet-marker-icon").count() == 1
    # the map zooms in on the answer: wait for the zoom and pan to end, not a fixed time
    page.wait_for_function(
        f"{name}.getZoom() >= 12 && !{name}._animatingZoom"
        f" && !({name}._panAnim && {name}._panAnim._inProgress)"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))


def test_a_click_on_the_map_identifies_the_band_there(page, server):
    name = open_map(page, server)
    box = page.locator(".gz-map .folium-map").bounding_box()
    point = page.evaluate(f"{name}.latLngToContainerPoint([52.7, 0.85])")
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#gz-answer .gz-band")
    panel = page.inner_text("#gz-answer")
    # 52.7 N 0.85 E is in Breckland, no Central Belt district but in South Norfolk CCG's area:
    # banded by its road distance (4.14 miles)
    assert page.inner_text("#gz-answer .gz-band") == "Band 2"
    for line in ("£19.68 an hour", "Central Belt: South Norfolk CCG area (April 2019)",
                 "Breckland", "MID NORFOLK PCN", "Litcham Health Centre (D82049)",
                 "coordinates"):  # fmt: skip
        assert line in panel.splitlines(), (line, panel)
    assert "banding applies only" not in panel
    assert page.locator(".leaflet-marker-icon").count() == 1


def test_layers_toggle_in_the_layer_control(page, server):
    open_map(page, server)
    paths = page.locator(".leaflet-overlay-pane path")
    control = page.locator(".leaflet-control-layers")
    surgeries = control.get_by_label("GP surgeries")
    pcn = control.get_by_label("PCN areas")
    assert surgeries.is_checked() and not pcn.is_checked()
    shown = paths.count()
    surgeries.uncheck()
    without = paths.count()
    assert without < shown
    pcn.check()
    assert paths.count() > without
    surgeries.check()
    pcn.uncheck()
    assert paths.count() == shown


def test_choosing_a_file_proposes_the_scheme_where_its_rows_lie(page, server):
    page.goto(f"{server}/batch")
    upload = b"address\nNR1 3QU\nNR21 0AA\nnowhere\n"
    page.set_input_files(
        "#gz-file", files=[{"name": "rows.csv", "mimeType": "text/csv", "buffer": upload}]
    )
    page.wait_for_function(
        "document.getElementById('gz-scheme-note').textContent.startsWith('Proposed')"
    )
    assert page.inner_text("#gz-scheme-note") == (
        "Proposed: 2 of 3 rows lie in Norfolk: Norfolk banded home support pricing 2019/20 "
        "(Central Belt) (norfolk-2019)."
    )
    assert page.eval_on_selector("#gz-scheme", "s => s.value") == "norfolk-2019"


def test_upload_a_csv_and_download_the_result(page, server):
    upload(page, server, PACKAGES)
    assert page.inner_text("#gz-counts") == "2 ok, 1 error (read as CSV, comma-separated, UTF-8)"
    cells = page.eval_on_selector_all(
        "#gz-summary tbody tr", "rows => rows.map(r => Array.from(r.cells, c => c.textContent))"
    )
    assert cells == [
        # weekly and annual cost: 4 h x £21.72 = £86.88, x 52 = £4,517.76
        ["North Norfolk", "Band 3", "1", "4", "208", "21.72", "86.88", "4517.76"],
        ["Norwich", "Band 1", "1", "10", "520", "18.24", "182.40", "9484.80"],
        ["Total", "", "2", "14", "728", "", "269.28", "14002.56"],
    ]
    assert page.inner_text("#gz-summary-note") == (
        "Summary of the located rows by district and band. 1 row(s) not located are left out."
    )
    assert page.eval_on_selector("#gz-rows-bar", "bar => bar.value") == 3
    with page.expect_download() as download:
        page.click("#gz-download")
    with Path(download.value.path()).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert download.value.suggested_filename == "packages-norfolk-2019.csv"
    assert len(rows) == 3 and list(rows[0])[:5] == [
        "package_id", "address", "weekly_hours", "lat", "lon",
    ]  # fmt: skip
    assert [(r["band"], r["rate"]) for r in rows[:2]] == [("Band 1", "18.24"), ("Band 3", "21.72")]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "batch.png"), full_page=True)


#: What the answer for NR1 3QU says in the rows a provider reads first.
NORWICH = {
    "Band": "Band 1",
    "Rate": "£18.24 an hour",
    "Distance": "0.57 miles (road)",
    "Nearest surgery": "St Stephens Gate Medical Partnership (D82008)",
}


def fully_shown(page, locator):
    """Whether ``locator`` lies inside the viewport and nothing covers its middle."""
    box = locator.bounding_box()
    size = page.viewport_size
    inside = (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )
    return inside and locator.evaluate(
        "(e, [x, y]) => e.contains(document.elementFromPoint(x, y))",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )


def test_a_norwich_postcode_reads_in_full_without_scrolling_sideways(sized, server):
    name = open_map(sized, server)
    search(sized, "NR1 3QU")
    sized.wait_for_selector("#gz-answer .gz-band")
    settle(sized, name)
    for term, value in NORWICH.items():
        cell = answer_value(sized, term)
        assert cell.inner_text().strip() == value
        cell.scroll_into_view_if_needed()
        assert fully_shown(sized, cell), (term, cell.bounding_box(), sized.viewport_size)
    for box in ("#gz-panel", "#gz-answer"):
        assert sized.eval_on_selector(box, "e => e.scrollWidth <= e.clientWidth"), box
    assert sized.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert sized.locator(".leaflet-marker-icon").count() == 1
    shot(sized, "map-norwich")


def test_a_point_is_identified_from_the_keyboard_alone(sized, server):
    name = open_map(sized, server)
    settle(sized, name)
    # where the keys start from (set up, not typed): Norwich
    sized.evaluate(f"{name}.setView([52.628, 1.297], 12, {{animate: false}})")
    sized.keyboard.press("Tab")
    assert sized.evaluate("document.activeElement.textContent") == "Skip to the map"
    sized.keyboard.press("Enter")
    assert sized.evaluate(f"document.activeElement === {name}.getContainer()")
    assert sized.locator(".gz-crosshair").is_visible()
    for key in ("ArrowRight", "ArrowDown", "Shift+ArrowLeft"):
        sized.keyboard.press(key)
        settle(sized, name)
    centre = sized.evaluate(f"{name}.getCenter()")
    assert (round(centre["lat"], 3), round(centre["lng"], 3)) != (52.628, 1.297)
    sized.keyboard.press("Enter")
    sized.wait_for_selector("#gz-answer .gz-band")
    assert answer_value(sized, "How it was found").inner_text() == "coordinates"
    assert answer_value(sized, "Band").inner_text().strip() in ("Band 1", "Band 2", "Band 3")
    lat, lon = map(float, re.findall(r"[-\d.]+", sized.inner_text("#gz-answer h2")))
    assert abs(lat - centre["lat"]) < 1e-4 and abs(lon - centre["lng"]) < 1e-4
    assert sized.locator(".leaflet-marker-icon").count() == 1
    assert sized.evaluate(f"document.activeElement === {name}.getContainer()")
    shot(sized, "map-keyboard")


def test_axe_finds_no_serious_violation_on_the_map(sized, server):
    open_map(sized, server)
    search(sized, "NR1 3QU")
    sized.wait_for_selector("#gz-answer .gz-band")
    found = axe_violations(sized, server)
    toggle = sized.locator("#gz-sheet-toggle")
    if toggle.is_visible():  # on a phone, the folded part of the sheet too
        toggle.click()
        found += axe_violations(sized, server)
    assert found == []


def test_axe_finds_no_serious_violation_on_the_batch_page(sized, server):
    sized.goto(f"{server}/batch")
    found = axe_violations(sized, server)
    upload(sized, server, PACKAGES)
    assert axe_violations(sized, server) + found == []
    shot(sized, "batch-result")


def test_the_answer_region_is_live_from_the_start_and_an_error_clears_the_answer(page, server):
    open_map(page, server)
    region = page.locator("#gz-answer")
    assert region.get_attribute("aria-live") == "polite" and region.get_attribute("hidden") is None
    assert page.eval_on_selector("#gz-answer", "e => getComputedStyle(e).display") != "none"
    search(page, "NR1 3QU")
    page.wait_for_selector("#gz-answer .gz-band")
    assert page.locator(".leaflet-marker-icon").count() == 1
    # an answer that locates nothing: its message replaces the answer, and the pin goes
    search(page, "zzzz")
    page.wait_for_selector("#gz-answer .gz-error")
    assert page.locator("#gz-answer .gz-band").count() == 0
    assert page.locator(".leaflet-marker-icon").count() == 0
    assert "no place named 'zzzz'" in page.inner_text("#gz-answer")
    # a refused lookup: the status says why, and no answer or pin is left
    search(page, "NR1 3QU")
    page.wait_for_selector("#gz-answer .gz-band")
    page.route(
        "**/api/v1/lookup?*",
        lambda route: route.fulfill(
            status=503, json={"error": "DataError", "detail": "the build is being replaced"}
        ),
    )
    search(page, "NR1 3QU")
    page.wait_for_function(
        "document.getElementById('gz-status').textContent === 'the build is being replaced'"
    )
    assert page.inner_text("#gz-answer") == ""
    assert page.locator(".leaflet-marker-icon").count() == 0


def boxes_overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_on_a_phone_the_panel_is_a_bottom_sheet_and_the_map_controls_keep_apart(phone, server):
    name = open_map(phone, server)
    settle(phone, name)
    viewport = phone.locator("meta[name=viewport]")
    assert viewport.count() == 1
    assert not re.search(r"user-scalable|maximum-scale", viewport.get_attribute("content"))
    width = phone.viewport_size["width"]
    assert phone.locator("#gz-search .input-group").bounding_box()["width"] >= 0.9 * width
    area = phone.locator(".gz-map").bounding_box()
    sheet = phone.locator("#gz-panel").bounding_box()
    assert sheet["y"] >= area["y"] + area["height"] - 1
    # the sheet folds to the search and the answer; its handle opens the rest
    toggle = phone.locator("#gz-sheet-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert phone.locator(".gz-legend").is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert phone.locator(".gz-legend").is_visible()
    toggle.click()
    assert phone.locator(".gz-legend").is_hidden()
    # zoom, layers, scale and credits each have a corner, and the layer list folds
    controls = [
        phone.locator(f".gz-map {selector}").bounding_box()
        for selector in (".leaflet-control-zoom", ".leaflet-control-layers",
                         ".leaflet-control-scale", ".gz-credits")
    ]  # fmt: skip
    assert not any(boxes_overlap(a, b) for i, a in enumerate(controls) for b in controls[i + 1 :])
    assert phone.locator(".leaflet-control-layers-list").is_hidden()
    phone.click(".leaflet-control-layers-toggle")
    assert phone.get_by_label("PCN areas").is_visible()
    phone.keyboard.press("Escape")
    assert phone.locator(".leaflet-control-layers-list").is_hidden()
    assert phone.evaluate("document.activeElement.title") == "Layers"
    # the credits are a line until asked for; their links open in a new tab
    button = phone.locator(".gz-credits")
    attribution = phone.locator(".leaflet-control-attribution")
    assert attribution.is_hidden() and button.get_attribute("aria-expanded") == "false"
    box = button.bounding_box()
    assert box["width"] * box["height"] < 0.05 * area["width"] * area["height"]
    button.click()
    assert attribution.is_visible() and button.get_attribute("aria-expanded") == "true"
    links = attribution.locator("a")
    assert links.count() >= 2
    for i in range(links.count()):
        assert links.nth(i).get_attribute("target") == "_blank"
        assert "noopener" in links.nth(i).get_attribute("rel")
    shot(phone, "map-credits")


def test_the_route_from_the_nearest_surgery_is_drawn_and_the_answer_says_why(sized, server):
    name = open_map(sized, server)
    search(sized, "NR1 3QU")
    sized.wait_for_selector("#gz-answer .gz-route")
    settle(sized, name)
    route = sized.locator(f".leaflet-overlay-pane path[stroke='{ROUTE_COLOUR}']")
    assert route.count() == 2  # the road, and the ring around the surgery
    surgery = sized.locator(".leaflet-tooltip", has_text="St Stephens Gate Medical Partnership")
    assert surgery.is_visible()
    why = sized.inner_text("#gz-answer .gz-why")
    for line in ("Why Band 1",
                 "Norfolk County Council pays by the distance by road from the nearest GP surgery.",
                 "2.43 miles short of Band 2 (3 miles).",
                 ("The route drawn on the map: 0.57 miles, 2 min from St Stephens Gate Medical "
                 "Partnership (D82008).")):  # fmt: skip
        assert line in why.splitlines(), (line, why)
    # the whole route is in view
    drawn, shown = route.first.bounding_box(), sized.locator(".gz-map .folium-map").bounding_box()
    assert shown["x"] <= drawn["x"] and drawn["x"] + drawn["width"] <= shown["x"] + shown["width"]
    assert shown["y"] <= drawn["y"] and drawn["y"] + drawn["height"] <= shown["y"] + shown["height"]
    # the question is in the page's address, to share
    assert "q=NR1+3QU" in sized.url and "scheme=norfolk-2019" in sized.url
    # the basemap the app draws from the build names the streets around the pin
    pin = sized.evaluate(
        f"Object.values({name}._layers).find(l => l instanceof L.Marker).getLatLng()"
    )
    basemap = f"Object.values({name}._layers).find(l => l instanceof L.GridLayer.GeozonesBasemap)"
    sized.wait_for_function(
        f"(() => {{ const b = {basemap}; return !b.isLoading()"
        " && b.drawnLabels().some(l => l.kind === 'road'); })()"
    )
    streets = {
        label["text"]
        for label in sized.evaluate(f"{basemap}.drawnLabels()")
        if label["kind"] == "road"
        and abs(label["lat"] - pin["lat"]) < 0.005
        and abs(label["lng"] - pin["lng"]) < 0.008
    }
    assert len(streets) >= 3, streets
    shot(sized, "map-route")


def test_a_spot_rate_answer_does_not_show_the_distance_as_part_of_the_rate(page, server):
    open_map(page, server)
    search(page, "PE30 1EX")
    page.wait_for_selector("#gz-answer .gz-band")
    assert answer_value(page, "Distance").count() == 0
    assert answer_value(page, "By road").inner_text() == (
        "0.69 miles from the nearest surgery (not part of the rate)"
    )
    assert "plays no part in the rate." in page.inner_text("#gz-answer .gz-why")


def test_a_shared_link_opens_with_its_answer(page, server):
    page.goto(f"{server}/?region=norfolk&scheme=norfolk-2019&q=NR13+3XR")
    page.wait_for_selector("#gz-answer .gz-band")
    assert page.input_value("#gz-q") == "NR13 3XR"
    assert page.inner_text("#gz-answer .gz-band") == "Band 3"
    assert answer_value(page, "Rate").inner_text() == "£21.72 an hour"


def test_suggestions_come_as_the_user_types_and_a_pick_asks_at_once(page, server):
    open_map(page, server)
    page.click("#gz-q")
    page.keyboard.type("NR1 3Q")
    page.wait_for_function("document.querySelectorAll('#gz-suggestions option').length > 0")
    offered = page.eval_on_selector_all("#gz-suggestions option", "os => os.map(o => o.value)")
    assert len(offered) == 8 and all(text.startswith("NR1 3Q") for text in offered)
    page.keyboard.type("U")
    page.wait_for_function(
        "[...document.querySelectorAll('#gz-suggestions option')].map(o => o.value).join() "
        "=== 'NR1 3QU'"
    )
    labels = page.eval_on_selector_all("#gz-suggestions option", "os => os.map(o => o.label)")
    assert all(label.startswith("Postcode") for label in labels)
    # picking one from the list replaces the text and asks straight away
    page.evaluate(
        "() => { const q = document.getElementById('gz-q'); q.value = 'NR1 3QU';"
        " q.dispatchEvent(new InputEvent('input', {inputType: 'insertReplacementText'})); }"
    )
    page.wait_for_selector("#gz-answer .gz-band")
    assert page.inner_text("#gz-answer h2") == "NR1 3QU"


def test_the_map_key_shows_the_key_of_each_layer_on_the_map(page, server):
    open_map(page, server)
    control = page.locator(".leaflet-control-layers")
    pcn = page.locator(".gz-key[data-layer='PCN areas']")
    surgeries = page.locator(".gz-key[data-layer='GP surgeries']")
    assert pcn.is_hidden() and surgeries.is_visible()
    assert "£21.72 an hour, 6 miles or more by road" in page.inner_text(
        ".gz-key[data-layer='Price bands (norfolk-2019)']"
    )
    control.get_by_label("PCN areas").check()
    assert pcn.is_visible() and "primary care networks" in pcn.inner_text()
    control.get_by_label("GP surgeries").uncheck()
    assert surgeries.is_hidden()
    page.click(".gz-rules summary")
    rules = page.inner_text(".gz-rules")
    assert "Block contract rates are negotiated individually and are not covered here." in rules
    assert "Spot rate (outside the Central Belt) £18.24 an hour" in rules
