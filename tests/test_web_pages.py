import gzip
import json
import re
from dataclasses import replace

import brotli
import folium
import pytest

from geozones._errors import DataError
from geozones.schemes.scheme import get_scheme
from geozones.web import assets, create_app
from geozones.web.delivery import UNVERSIONED_MAX_AGE, VERSIONED_MAX_AGE
from geozones.web.layers import MapLayers, to_geojson
from geozones.web.mapview import legend
from geozones.zones.builders import district_plan

LINKS = re.compile(r"<(script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)", re.IGNORECASE)


def site(build_root, instance_dir, regions=("norfolk", "herefordshire")):
    config = {
        "BUILD_DIR": str(build_root),
        "INSTANCE_DIR": str(instance_dir),
        "REGIONS": list(regions),
        "TESTING": True,
    }
    return create_app(config)


@pytest.fixture(scope="module")
def app(norfolk, herefordshire, build_root, tmp_path_factory):
    # Its own instance folder (not the session's ``instance``, which it must not shadow).
    return site(build_root, tmp_path_factory.mktemp("pages-instance"))


@pytest.fixture(scope="module")
def norfolk_page(app):
    response = app.test_client().get("/?region=norfolk&scheme=norfolk-2019")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_map_loads_nothing_from_another_site(norfolk_page):
    links = LINKS.findall(norfolk_page)
    urls = [url for _, url in links]
    assert urls and not [u for u in urls if re.match(r"(https?:)?//", u, re.IGNORECASE)]
    paths = [url.split("?")[0] for url in urls]  # each static URL carries its file's version
    assert "/static/vendor/leaflet/leaflet.js" in paths
    assert "/static/vendor/leaflet/leaflet.css" in paths
    assert "/static/map.js" in paths
    assert "glyphicons" not in norfolk_page and "cdn" not in norfolk_page.lower()
    assert "L.tileLayer" not in norfolk_page


def test_every_script_and_sheet_the_map_names_is_served(app, norfolk_page):
    client = app.test_client()
    for _, url in LINKS.findall(norfolk_page):
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


def test_the_map_has_the_layers_legend_attribution_and_config(norfolk_page):
    for name in ("Price bands (norfolk-2019)", "PCN areas", "Districts", "County boundary"):
        assert f'"{name}"' in norfolk_page
    assert '"GP surgeries"' in norfolk_page and "bindPopup" in norfolk_page
    assert "L.control.layers" in norfolk_page
    for words in ("OS data", "Royal Mail", "NHS England", "OpenStreetMap", "ONS"):
        assert words in norfolk_page
    assert "addAttribution" in norfolk_page
    assert "£18.24 an hour" in norfolk_page and "£21.72 an hour" in norfolk_page
    assert "6 miles or more by road" in norfolk_page and "#d73027" in norfolk_page
    config = json.loads(re.search(r"geozonesMap\.init\((.*)\);", norfolk_page).group(1))
    assert config["scheme"] == "norfolk-2019" and config["api"] == "/api/v1"
    assert config["bands"]["Band 3"] == "#d73027" and config["plan"] is None
    assert re.search(rf"var {config['map']} = L\.map", norfolk_page)


def test_the_map_page_can_be_zoomed_has_a_heading_and_a_live_answer(norfolk_page):
    viewports = re.findall(r'<meta name="viewport" content="([^"]*)"', norfolk_page)
    assert viewports == ["width=device-width, initial-scale=1"]
    assert re.search(r"<h1\b[^>]*>Rates and zones in Norfolk: Norfolk banded", norfolk_page)
    answer = re.search(r'<section id="gz-answer"[^>]*>', norfolk_page).group(0)
    assert 'aria-live="polite"' in answer and "hidden" not in answer
    # every credit opens in a new tab: a tap on it does not leave the app
    links = re.findall(r"<a\b[^>]*openstreetmap[^>]*>", norfolk_page)
    assert links and all('target="_blank" rel="noopener"' in a for a in links)


#: A Content-Security-Policy nonce in a page.
NONCE = re.compile(r'nonce="[\w-]+"')


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_pages_come_back_compressed_when_asked(app, norfolk_page, encoding):
    unpack = {"gzip": gzip.decompress, "br": brotli.decompress}[encoding]
    client = app.test_client()
    for url in ("/?region=norfolk&scheme=norfolk-2019", "/batch"):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": encoding})
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in packed.headers["Vary"]
        # the same page but for its script nonce, which is new for every response
        same = [NONCE.sub("", body.decode()) for body in (unpack(packed.data), plain.data)]
        assert same[0] == same[1] and len(packed.data) < len(plain.data) / 2


def test_static_files_carry_their_version_and_cache_headers(app, norfolk_page):
    client = app.test_client()
    url = next(u for _, u in LINKS.findall(norfolk_page) if u.startswith("/static/map.js?"))
    assert re.fullmatch(r"/static/map\.js\?v=[0-9a-f]{12}", url)
    kept = client.get(url, headers={"Accept-Encoding": "br"})
    assert kept.status_code == 200 and kept.headers["Content-Encoding"] == "br"
    assert b"geozonesMap" in brotli.decompress(kept.data)
    assert kept.cache_control.public and kept.cache_control.immutable
    assert kept.cache_control.max_age == VERSIONED_MAX_AGE
    # asked again by its ETag: not sent again
    revalidated = client.get(
        url, headers={"Accept-Encoding": "br", "If-None-Match": kept.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    # without its version, or with an old one (a font a style sheet names): kept for a while
    for other in (url.split("?")[0], "/static/map.js?v=000000000000"):
        response = client.get(other)
        assert response.status_code == 200 and not response.cache_control.immutable
        assert response.cache_control.max_age == UNVERSIONED_MAX_AGE


def test_band_and_pcn_layers_are_computed_once_and_kept_on_disk(norfolk, build_root, tmp_path):
    # A fresh instance folder: the module's app also writes Herefordshire's layers into its own.
    page = "/?region=norfolk&scheme=norfolk-2019"
    assert site(build_root, tmp_path, ["norfolk"]).test_client().get(page).status_code == 200
    layers = tmp_path / "map-layers"
    files = sorted(p.relative_to(layers).as_posix() for p in layers.rglob("*.geojson"))
    stamp = files[0].split("/")[0]
    assert re.fullmatch(r"norfolk-\d+", stamp)
    assert files == [
        f"{stamp}/area-norfolk-2019.geojson",
        f"{stamp}/bands-norfolk-2019.geojson",
        f"{stamp}/pcn-areas.geojson",
    ]
    written = {p: p.stat().st_mtime_ns for p in layers.rglob("*")}
    # a restarted app reads the layers back instead of computing and writing them again
    restarted = site(build_root, tmp_path, ["norfolk"]).test_client().get(page)
    assert restarted.status_code == 200
    assert {p: p.stat().st_mtime_ns for p in layers.rglob("*")} == written
    bands = json.loads((layers / stamp / "bands-norfolk-2019.geojson").read_text())
    labels = [f["properties"]["label"] for f in bands["features"]]
    assert labels == ["Band 1", "Band 2", "Band 3", "Spot rate (outside the Central Belt)"]
    assert [f["properties"]["rate"] for f in bands["features"]] == [
        "18.24",
        "19.68",
        "21.72",
        "18.24",
    ]


def test_a_saved_plan_is_shown_and_a_tile_layer_when_configured(norfolk, build_root, tmp_path):
    app = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path),
            "REGIONS": ["norfolk"],
            "TILES": "https://tiles.example/{z}/{x}/{y}.png",
            "TILES_ATTRIBUTION": "Tiles by Example",
        }
    )
    app.extensions["geozones"].store.save(district_plan(norfolk, name="norfolk-draft"))
    html = app.test_client().get("/").get_data(as_text=True)
    assert '"Zone plan: norfolk-draft v1"' in html
    assert "L.tileLayer" in html and "https://tiles.example/{z}/{x}/{y}.png" in html
    assert "Tiles by Example" in html
    config = json.loads(re.search(r"geozonesMap\.init\((.*)\);", html).group(1))
    assert config["plan"] == {"id": "norfolk-draft", "version": 1, "modelled": False}
    assert config["tiled"] is True  # the configured tiles show; the build's basemap is a choice
    assert "Saved by geozones: districts: one zone per LAD 2013 district" in html


def test_a_modelled_plan_is_labelled_as_modelled(norfolk, build_root, tmp_path):
    client = site(build_root, tmp_path, ["norfolk"]).test_client()
    balanced = replace(
        district_plan(norfolk, name="norfolk-lots"),
        method="balanced 7 lots of units by weekly hours (contiguous); seed 1, best of 4 starts",
    )
    client.application.extensions["geozones"].store.save(balanced)
    html = client.get("/?region=norfolk&scheme=norfolk-2019").get_data(as_text=True)
    assert '"Zone plan: norfolk-lots v1, modelled"' in html
    assert "Modelled by geozones, not zones the council adopted: balanced 7 lots" in html
    config = json.loads(re.search(r"geozonesMap\.init\((.*)\);", html).group(1))
    assert config["plan"]["modelled"] is True


def test_a_radius_scheme_draws_its_urban_areas_with_their_key(app):
    html = app.test_client().get("/?scheme=herefordshire-2016").get_data(as_text=True)
    assert '"Price bands (herefordshire-2016)"' in html and '"PCN areas"' in html
    assert "£14.76 an hour, within 4 miles of a centre" in html
    assert "£15.76 an hour, beyond every centre" in html
    assert "Urban: within 4 miles in a straight line of Hereford, Leominster" in html
    flat = app.test_client().get("/?region=herefordshire&scheme=herefordshire-2017")
    assert "£15.80 an hour" in flat.get_data(as_text=True)


def test_a_browser_asking_for_a_page_gets_the_error_as_a_page(app):
    html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    wrong = app.test_client().get(
        "/?region=norfolk&scheme=herefordshire-2016", headers={"Accept": html}
    )
    assert wrong.status_code == 422 and wrong.mimetype == "text/html"
    page = wrong.get_data(as_text=True)
    assert "<h1>That cannot be answered</h1>" in page
    assert "scheme herefordshire-2016 is for herefordshire, not norfolk" in page
    assert 'href="/">Back to the map</a>' in page
    # the API answers JSON whatever the browser asks for
    api = app.test_client().get("/api/v1/lookup?q=NR1+3QU&scheme=nowhere", headers={"Accept": html})
    assert api.mimetype == "application/json"


def test_page_errors_are_json(app, monkeypatch):
    client = app.test_client()
    mismatch = client.get("/?region=norfolk&scheme=herefordshire-2016")
    assert mismatch.status_code == 422
    assert mismatch.get_json() == {
        "error": "InputError",
        "detail": "scheme herefordshire-2016 is for herefordshire, not norfolk",
    }
    unserved = client.get("/?region=rutland")
    assert unserved.status_code == 404
    assert unserved.get_json()["detail"] == (
        "region 'rutland' is not served here; served regions: norfolk, herefordshire"
    )
    monkeypatch.setattr(assets, "missing", lambda *_args, **_kwargs: ["leaflet/leaflet.js"])
    missing = client.get("/batch")
    assert missing.status_code == 503
    assert missing.get_json()["detail"].startswith("the front-end assets are not installed (1 ")
    assert missing.get_json()["detail"].endswith("e.g. leaflet/leaflet.js); run `make assets`")


def test_the_batch_page_offers_the_schemes_and_progress(app):
    html = app.test_client().get("/batch?scheme=norfolk-2019").get_data(as_text=True)
    assert 'action="/api/v1/batch/jobs"' in html and 'enctype="multipart/form-data"' in html
    assert '<option value="norfolk-2019" selected>' in html
    assert '<option value="herefordshire-2016">' in html and "up to 20 MB" in html
    assert "gz-upload-bar" in html and "/static/batch.js" in html
    assert not [u for _, u in LINKS.findall(html) if re.match(r"(https?:)?//", u)]


def test_localise_points_folium_at_the_vendor_copies():
    fmap = assets.localise(folium.Map(tiles=None), lambda path: f"/v/{path}")
    assert dict(fmap.default_js)["leaflet"] == "/v/leaflet/leaflet.js"
    assert {name for name, _ in fmap.default_css} == {
        "leaflet_css",
        "bootstrap_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
    }
    assert folium.Map.default_js[0][1].startswith("https://")
    assert {name for name, _ in folium.Map.default_js} == {name for name, _ in fmap.default_js}


def test_copy_vendor_copies_the_listed_files(tmp_path):
    modules = tmp_path / "node_modules"
    for src in assets.VENDOR_FILES.values():
        target = modules / src
        if "." in target.name:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(src)
        else:
            (target / "a.png").parent.mkdir(parents=True, exist_ok=True)
            (target / "a.png").write_text("png")
    vendor = tmp_path / "vendor"
    (vendor / "stale").mkdir(parents=True)
    assert assets.copy_vendor(modules, vendor) == len(assets.VENDOR_FILES)
    assert assets.missing(vendor) == [] and not (vendor / "stale").exists()
    assert (vendor / "leaflet" / "leaflet.js").read_text() == "leaflet/dist/leaflet.js"
    (modules / "jquery" / "dist" / "jquery.min.js").unlink()
    with pytest.raises(DataError, match=r"jquery/dist/jquery\.min\.js; run `npm ci`"):
        assets.copy_vendor(modules, vendor)


def test_geojson_for_the_browser_is_simplified_wgs84(norfolk):
    full = norfolk.districts
    layer = to_geojson(full, ["code", "name"])
    assert [f["properties"]["name"] for f in layer["features"]] == list(full["name"])
    coords = [c for f in layer["features"] for c in _coords(f["geometry"]["coordinates"])]
    assert all(0 < lon < 2 and 52 < lat < 53.1 for lon, lat in coords)
    assert all(round(v, 5) == v for lon, lat in coords for v in (lon, lat))
    assert len(coords) < sum(len(_coords(json.loads(full.to_json())["features"][i]["geometry"][
        "coordinates"])) for i in range(len(full)))  # fmt: skip


def _coords(nested):
    if isinstance(nested[0], int | float):
        return [nested]
    return [c for part in nested for c in _coords(part)]


def test_layers_are_kept_in_memory(norfolk, tmp_path):
    layers = MapLayers(tmp_path)
    assert layers.districts(norfolk, 1) is layers.districts(norfolk, 1)
    assert layers.band_areas(norfolk, 1, get_scheme("herefordshire-2017")) is None


def test_legend_lists_bands_and_the_elsewhere_rate():
    entries = legend(get_scheme("norfolk-2019"))
    assert [(e.label, e.rate, e.colour, e.outline) for e in entries] == [
        ("Band 1", "18.24", "#1a9850", False),
        ("Band 2", "19.68", "#fdae61", False),
        ("Band 3", "21.72", "#d73027", False),
        ("Spot rate (outside the Central Belt)", "18.24", "#969696", False),
        ("Central Belt", "", "#6a3d9a", True),
    ]
    assert entries[0].note == "0 to 3 miles by road"
    assert entries[3].note == "outside the Central Belt"
    assert entries[4].note == (
        "Norwich, South Norfolk and North Norfolk CCG areas (April 2019): "
        "the bands apply inside this outline"
    )
    assert [e.outline for e in legend(get_scheme("rutland-demo"))] == [False] * 3
    assert legend(None) == []


def test_the_map_draws_the_central_belt_as_its_own_layer(norfolk, build_root, tmp_path):
    client = site(build_root, tmp_path, ["norfolk"]).test_client()
    page = client.get("/?region=norfolk&scheme=norfolk-2019").get_data(as_text=True)
    # an overlay of its own in the layer control, and a legend entry
    overlay = '"Central Belt: Norwich, South Norfolk and North Norfolk CCG areas (April 2019)" :'
    assert overlay in page
    assert 'class="gz-swatch gz-dashed" style="--gz-colour: #6a3d9a"' in page
    layers = MapLayers(tmp_path / "layers")
    outline = layers.scheme_area(norfolk, 1, get_scheme("norfolk-2019"))
    assert [f["properties"]["name"] for f in outline["features"]] == ["Central Belt"]
    assert layers.scheme_area(norfolk, 1, get_scheme("herefordshire-2017")) is None


def test_the_nottinghamshire_map_shows_its_lots_hard_to_cover_areas_and_cdgs(
    nottinghamshire, build_root, tmp_path
):
    app = site(build_root, tmp_path, ["nottinghamshire"])
    response = app.test_client().get("/?region=nottinghamshire&scheme=nottinghamshire-2017")
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert '"Zones: nottinghamshire-care-delivery-groups (from rules)"' in page
    assert '"Lots: nottinghamshire-lot-areas (from rules)"' in page
    # the lot areas hold the four core areas (what is left of them) and the hard-to-cover areas
    for zone in ("Bassetlaw", "South Nottinghamshire", "Mansfield rural", "Rushcliffe rural 3",
                 "MANSFIELD NORTH CDG"):  # fmt: skip
        assert f'"zone": "{zone}"' in page
    assert "£15.56 an hour" in page
