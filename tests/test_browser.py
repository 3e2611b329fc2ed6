"""The map and batch pages in headless Chromium (Debian's /usr/bin/chromium) through playwright."""

import csv
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geozones.web import assets, create_app

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
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
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


def open_map(page, server):
    page.goto(f"{server}/?region=norfolk&scheme=norfolk-2019")
    page.wait_for_selector(".leaflet-overlay-pane path")
    return page.evaluate("Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")


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
    page.goto(f"{server}/batch?scheme=norfolk-2019")
    upload = b"package_id,address,weekly_hours\nA1,NR1 3QU,10\nA2,NR21 0AA,4\nA3,nowhere,1\n"
    page.set_input_files(
        "#gz-file", files=[{"name": "packages.csv", "mimeType": "text/csv", "buffer": upload}]
    )
    page.click("#gz-batch button[type=submit]")
    page.wait_for_selector("#gz-result:not([hidden])")
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
