"""The basemap drawn from a region's own build: its JSON tiles, and the map drawing them."""

import gzip
import json
import math
import re

import numpy as np
import pytest
import test_browser
from openapi_schema_validator import OAS31Validator

from geozones._errors import InputError
from geozones.network.graph import ARRAYS_FILE, RoadNetwork
from geozones.web import create_app
from geozones.web.basemap import Basemap

#: NR1 3QU, St Stephens, Norwich (WGS84 degrees).
NORWICH = (52.62336, 1.28969)
#: Streets within a few hundred metres of NR1 3QU.
NORWICH_STREETS = {
    "St Stephens Street", "Queens Road", "Chapelfield Road", "Chapelfield North", "Surrey Street",
    "All Saints Green", "Westlegate", "Rampant Horse Street", "Theatre Street", "Red Lion Street",
    "Ber Street", "Union Street", "Vauxhall Street", "Convent Road", "Grapes Hill",
}  # fmt: skip
OAKHAM = (52.6705, -0.7333)
HEREFORD = (52.0565, -2.7160)
#: Mid-Atlantic: no region's roads or places.
ATLANTIC = (50.0, -30.0)
TILE = "/api/v1/basemap/{region}/{z}/{x}/{y}.json"


def tile_at(lat, lon, z):
    """The XYZ tile (x, y) holding a WGS84 point at zoom ``z``."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture(scope="module")
def app(norfolk, rutland, herefordshire, build_root, tmp_path_factory):
    return create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "REGIONS": ["norfolk", "rutland", "herefordshire"],
            "TESTING": True,
        }
    )


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def get_tile(client, doc, region, z, point):
    """The tile of ``region`` holding ``point`` at zoom ``z``, checked against the API document."""
    x, y = tile_at(*point, z)
    response = client.get(TILE.format(region=region, z=z, x=x, y=y))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    spec = doc["paths"]["/basemap/{region}/{z}/{x}/{y}.json"]["get"]["responses"]["200"]
    schema = spec["content"]["application/json"]["schema"]
    OAS31Validator({**schema, "components": doc["components"]}).validate(body)
    return body


def names(tile):
    return {road[1] for road in tile["roads"] if road[1]}


def refs(tile):
    return {road[2] for road in tile["roads"] if road[2]}


def places(tile):
    return {place[0]: place[1] for place in tile["places"]}


def test_a_norwich_street_tile_names_its_streets(client, doc):
    tile = get_tile(client, doc, "norfolk", 15, NORWICH)
    assert len(NORWICH_STREETS & names(tile)) >= 10, names(tile)
    assert "A147" in refs(tile)  # the inner ring road: Queens Road, Chapelfield Road
    classes = {road[0] for road in tile["roads"]}
    assert {"primary", "tertiary", "minor", "service"} <= classes
    # every line lies on the tile (give or take its 8-pixel margin) and has two points or more
    for _, _, _, xy in tile["roads"]:
        assert len(xy) >= 4 and len(xy) % 2 == 0
        assert all(-40 <= v <= tile["extent"] + 40 for v in xy)


def test_a_town_tile_gives_road_numbers_but_no_street_names(client, doc):
    tile = get_tile(client, doc, "norfolk", 11, NORWICH)
    assert {"A11", "A147"} <= refs(tile), refs(tile)
    assert names(tile) == set()
    assert {road[0] for road in tile["roads"]} <= {"motorway", "trunk", "primary", "secondary"}
    assert places(tile)["Norwich"] == "city"


def test_a_rutland_tile_holds_oakham(client, doc):
    tile = get_tile(client, doc, "rutland", 12, OAKHAM)
    assert places(tile)["Oakham"] == "town"
    assert "A606" in refs(tile)


def test_a_region_built_without_roads_has_places_only(client, doc):
    tile = get_tile(client, doc, "herefordshire", 11, HEREFORD)
    assert tile["roads"] == []
    assert "Hereford" in places(tile)


def test_villages_and_hamlets_come_in_as_the_map_zooms_in(client, doc):
    kinds = {z: set(places(get_tile(client, doc, "norfolk", z, NORWICH)).values()) for z in (9, 13)}
    assert kinds[9] <= {"city", "town"}
    assert "suburb" in kinds[13] or "village" in kinds[13]


def test_a_tile_beyond_the_region_is_empty(client, doc):
    for z in (8, 12, 18):
        assert get_tile(client, doc, "norfolk", z, ATLANTIC) == {
            "extent": 1024,
            "roads": [],
            "places": [],
        }


ZOOMS = "the basemap has zooms 8 to 18; got zoom {}. Ask for /<z>/<x>/<y>.json with z from 8 to 18"
GRID = "tile x={}, y={} is outside the grid of zoom 10: x and y run from 0 to 1023"
SERVED = "served regions: norfolk, rutland, herefordshire"


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("norfolk/3/4/2", 422, ZOOMS.format(3)),
        ("norfolk/19/0/0", 422, ZOOMS.format(19)),
        ("norfolk/10/1024/300", 422, GRID.format(1024, 300)),
        ("norfolk/10/515/-1", 422, GRID.format(515, -1)),
        ("atlantis/10/515/335", 404, "unknown region 'atlantis'; known regions: "),
        ("hertfordshire/10/515/335", 404, f"region 'hertfordshire' is not served here; {SERVED}"),
    ],
)
def test_a_tile_that_cannot_be_served_is_a_json_error_saying_what_is_accepted(
    client, doc, path, status, detail
):
    response = client.get(f"/api/v1/basemap/{path}.json")
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "detail"} and body["detail"].startswith(detail), body
    spec = doc["paths"]["/basemap/{region}/{z}/{x}/{y}.json"]["get"]["responses"][str(status)]
    assert spec == {"$ref": f"#/components/responses/E{status}"}


def downloaded(client, z, x, y):
    """The bytes a browser downloads for a Norfolk tile (gzip, as it asks), and the tile."""
    response = client.get(
        TILE.format(region="norfolk", z=z, x=x, y=y), headers={"Accept-Encoding": "gzip"}
    )
    gzipped = response.headers.get("Content-Encoding") == "gzip"
    return len(response.data), json.loads(
        gzip.decompress(response.data) if gzipped else response.data
    )


def test_the_first_view_of_norfolk_downloads_little(client, norfolk):
    """The tiles covering the county at the page's start zoom (9), as the browser gets them."""
    west, south, east, north = norfolk.boundary.to_crs(4326).total_bounds
    (x0, y0), (x1, y1) = tile_at(north, west, 9), tile_at(south, east, 9)
    tiles = [downloaded(client, 9, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    assert len(tiles) >= 4 and sum(len(tile["roads"]) for _, tile in tiles) > 500
    assert sum(size for size, _ in tiles) < 150_000, [size for size, _ in tiles]
    # a whole-county tile at the lowest zoom stays small too
    size, tile = downloaded(client, 8, *tile_at(*NORWICH, 8))
    assert tile["roads"] and size < 50_000


def test_tiles_are_cached_a_day_and_revalidated_by_etag(client):
    x, y = tile_at(*NORWICH, 14)
    url = TILE.format(region="norfolk", z=14, x=x, y=y) + "?v=1"
    first = client.get(url)
    assert first.headers["Cache-Control"] in ("public, max-age=86400", "max-age=86400, public")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"norfolk-') and etag.endswith(f'-14-{x}-{y}"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get(TILE.format(region="norfolk", z=14, x=x + 1, y=y))
    assert other.headers["ETag"] != etag


def test_roads_keep_their_reference_beside_their_name(norfolk, rutland):
    roads = norfolk.roads
    assert list(roads.columns) == [
        "highway",
        "name",
        "ref",
        "oneway",
        "length_m",
        "way",
        "geometry",
    ]
    assert "A147" in set(roads.loc[roads["name"] == "Queens Road", "ref"])  # Norwich's ring road
    assert (roads.loc[roads["highway"] == "residential", "ref"] == "").mean() > 0.99
    assert "A606" in set(rutland.network.names[rutland.network.edge_ref])


def test_a_network_saved_before_references_loads_without_them(rutland, tmp_path):
    rutland.network.save(tmp_path)
    with np.load(tmp_path / ARRAYS_FILE) as saved:
        arrays = {name: saved[name] for name in saved.files if name != "edge_ref"}
    np.savez(tmp_path / ARRAYS_FILE, **arrays)
    old = RoadNetwork.load(tmp_path)
    assert (old.edge_ref == 0).all() and old.n_edges == rutland.network.n_edges


def test_a_build_without_references_labels_roads_by_name(norfolk):
    older = Basemap(norfolk.roads.drop(columns="ref"), norfolk.places)
    x, y = tile_at(*NORWICH, 15)
    tile = older.tile(15, x, y)
    assert refs(tile) == set() and len(NORWICH_STREETS & names(tile)) >= 10


def test_layers_a_basemap_cannot_use_are_refused_saying_why(norfolk):
    with pytest.raises(InputError, match=r"basemap roads need column\(s\) highway; found name"):
        Basemap(norfolk.roads[["name", "geometry"]], norfolk.places)
    with pytest.raises(InputError, match="the basemap's places has no coordinate reference"):
        Basemap(None, norfolk.places.set_crs(None, allow_override=True))


def test_the_map_page_asks_for_tiles_the_app_serves(client, doc):
    page = client.get("/?region=norfolk&scheme=norfolk-2019").get_data(as_text=True)
    template = re.search(r'"basemap": "([^"]+)"', page).group(1)
    assert template.startswith("/api/v1/basemap/norfolk/{z}/{x}/{y}.json?v=")
    x, y = tile_at(*NORWICH, 12)
    response = client.get(template.format(z=12, x=x, y=y))
    assert response.status_code == 200 and "Norwich" in places(response.get_json())


@pytest.mark.browser
@pytest.mark.skipif(not test_browser.CHROMIUM.exists(), reason="no chromium at /usr/bin/chromium")
def test_the_map_draws_norwich_street_names_from_the_build(page, server):
    name = test_browser.open_map(page, server)
    test_browser.settle(page, name)
    page.evaluate(f"{name}.setView([{NORWICH[0]}, {NORWICH[1]}], 15, {{animate: false}})")
    layer = f"Object.values({name}._layers).find(l => l instanceof L.GridLayer.GeozonesBasemap)"
    page.wait_for_function(
        f"(() => {{ const b = {layer}; return b && !b.isLoading()"
        " && b.drawnLabels().some(l => l.kind === 'road'); })()"
    )
    labels = page.evaluate(f"{layer}.drawnLabels()")
    near = {
        label["text"]
        for label in labels
        if label["kind"] == "road"
        and abs(label["lat"] - NORWICH[0]) < 0.004
        and abs(label["lng"] - NORWICH[1]) < 0.006
    }
    assert near & NORWICH_STREETS, near
    assert "A147" in {label["text"] for label in labels if label["kind"] == "ref"}
    assert page.locator("canvas.leaflet-tile").count() >= 4
    assert page.locator("canvas.leaflet-tile:not([aria-hidden='true'])").count() == 0
    test_browser.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(test_browser.ARTIFACTS / "basemap-norwich-z15.png"))


#: The browser tests' fixtures (a live server of Norfolk, chromium, a watched page), by name.
server, browser, page = test_browser.server, test_browser.browser, test_browser.page
