"""The plans API: create, the editor's payload, save (and conflicts), history, compare, summary,
exports and stored demand, on real Hertfordshire, Herefordshire and Norfolk builds."""

import io
import json
import time
import zipfile
from decimal import Decimal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from auth_helpers import login
from openapi_schema_validator import OAS31Validator

from geozones.web import create_app
from geozones.zones.plan import ZonePlan
from geozones.zones.units import load_units

SERVED = ["hertfordshire", "norfolk", "herefordshire"]
PLAN = "herts-editor-test"
#: A unit of Hertfordshire's and the district it starts in (its plan's zone).
MOVED = "E01023699"


@pytest.fixture(scope="module")
def app(hertfordshire, norfolk, herefordshire, build_root, tmp_path_factory):
    instance = tmp_path_factory.mktemp("plans-instance")
    config = {"BUILD_DIR": str(build_root), "INSTANCE_DIR": str(instance), "REGIONS": SERVED}
    return create_app({**config, "TESTING": True})


@pytest.fixture(scope="module")
def client(app):
    """Nobody logged in (and the ``doc`` fixture's client)."""
    return app.test_client()


def _user(app, name, role):
    client = app.test_client()
    token = login(client, app, name=name, role=role)
    client.environ_base["HTTP_X_CSRF_TOKEN"] = token
    return client


@pytest.fixture(scope="module")
def ann(app):
    return _user(app, "ann", "commissioner")


@pytest.fixture(scope="module")
def bob(app):
    return _user(app, "bob", "commissioner")


@pytest.fixture(scope="module")
def vic(app):
    return _user(app, "vic", "viewer")


def check(doc, response, path, method="get"):
    """Assert ``response`` is one the document promises for this operation; return its body."""
    spec = doc["paths"][path][method]["responses"][str(response.status_code)]
    if "$ref" in spec:
        spec = doc["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
    content = spec["content"]
    assert response.mimetype in content, (response.mimetype, list(content))
    if not response.mimetype.endswith("json"):
        return response.get_data()
    body = json.loads(response.get_data())
    schema = content[response.mimetype]["schema"]
    OAS31Validator({**schema, "components": doc["components"]}).validate(body)
    return body


def expect(doc, response, path, method, status):
    assert response.status_code == status, response.get_data(as_text=True)
    return check(doc, response, path, method)


@pytest.fixture(scope="module")
def created(ann, doc):
    """Hertfordshire, one zone per district of LSOAs, made through the API by ann."""
    body = {"name": PLAN, "region": "hertfordshire", "kind": "districts", "note": "first cut"}
    made = expect(doc, ann.post("/api/v1/plans", json=body), "/plans", "post", 201)
    assert made == {"plan": PLAN, "version": 1}
    return made


@pytest.fixture(scope="module")
def packages(ann, created, hertfordshire, doc):
    """A package list of 40 Hertfordshire postcodes (one in the moved unit) stored for the plan."""
    postcodes = hertfordshire.postcodes
    inside = postcodes[postcodes["in_region"].astype(bool)]
    units = load_units(hertfordshire, "units")
    position = units.index.positions(
        np.column_stack([inside.geometry.x.to_numpy(), inside.geometry.y.to_numpy()])
    )
    chosen = pd.concat(
        [
            inside[units.codes.to_numpy()[np.maximum(position, 0)] == MOVED].head(2),
            inside.iloc[:: len(inside) // 38].head(38),
        ]
    )
    table = pd.DataFrame(
        {"id": range(1, len(chosen) + 1), "postcode": chosen["postcode"].to_numpy()}
    ).assign(weekly_hours=[7.5, 10.0] + [5.0] * (len(chosen) - 2))
    upload = {"file": (io.BytesIO(table.to_csv(index=False).encode()), "packages.csv")}
    response = ann.put(f"/api/v1/plans/{PLAN}/demand", data=upload)
    body = expect(doc, response, "/plans/{plan}/demand", "put", 200)
    return table, body


def test_a_commissioner_creates_a_plan_and_a_taken_name_is_a_conflict(ann, bob, created, doc, app):
    body = {"name": "herts-taken", "region": "hertfordshire", "kind": "pcn"}
    assert expect(doc, ann.post("/api/v1/plans", json=body), "/plans", "post", 201)["version"] == 1
    again = expect(doc, bob.post("/api/v1/plans", json=body), "/plans", "post", 409)
    assert again["error"] == "ConflictError" and again["latest_version"] == 1
    assert "plan herts-taken already exists (latest version 1), saved by ann" in again["detail"]
    assert again["theirs"] == [] and [v["author"] for v in again["versions"]] == ["ann"]
    pcn = app.extensions["geozones"].store.get("herts-taken")
    assert pcn.method.startswith("pcn: each LSOA to the PCN") and pcn.author == "ann"
    store = app.extensions["geozones"].store
    log = store.audit(PLAN)
    assert log.iloc[0][["actor", "action", "version", "note"]].tolist() == [
        "ann",
        "create",
        1,
        "first cut",
    ]
    stored = store.get(PLAN, 1)
    assert (stored.author, stored.notes, len(stored.assignment)) == ("ann", "first cut", 690)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"name": "123", "region": "hertfordshire"}, 422, "not only digits"),
        ({"name": "a/b", "region": "hertfordshire"}, 422, "cannot be used"),
        ({"name": "x", "region": "atlantis"}, 404, "unknown region"),
        ({"name": "x", "region": "hertfordshire", "kind": "bands"}, 422, '"kind" must be one of'),
        ({"name": "x", "region": "hertfordshire", "unit_layer": "wards"}, 422, "copy one"),
        ({"name": "x", "region": "hertfordshire", "colour": "red"}, 422, 'unknown field "colour"'),
        ({"region": "hertfordshire"}, 422, '"name" must be text'),
        ({"name": "x", "region": "norfolk", "copy_of": {"plan": PLAN}}, 422, "a copy keeps both"),
        ({"name": "x", "region": "hertfordshire", "copy_of": "me"}, 422, '"copy_of" must be'),
    ],
)
def test_a_bad_new_plan_is_refused_saying_why(ann, created, doc, body, status, words):
    response = ann.post("/api/v1/plans", json=body)
    answer = expect(doc, response, "/plans", "post", status)
    assert words in answer["detail"], answer["detail"]


def test_a_plan_can_start_as_a_copy_of_another(ann, created, doc, app):
    body = {
        "name": "herts copy",
        "region": "hertfordshire",
        "copy_of": {"plan": PLAN, "version": 1},
    }
    assert expect(doc, ann.post("/api/v1/plans", json=body), "/plans", "post", 201)["version"] == 1
    copy = app.extensions["geozones"].store.get("herts copy")
    assert copy.method.startswith(f"copied from {PLAN} version 1: districts")
    assert copy.assignment.equals(app.extensions["geozones"].store.get(PLAN, 1).assignment)


def test_only_commissioners_write_and_only_users_read(client, vic, created, doc):
    save = {"base_version": 1, "assignment": {}, "zones": []}
    for who, status in ((client, 401), (vic, 403)):
        expect(
            doc,
            who.post("/api/v1/plans", json={"name": "n", "region": "hertfordshire"}),
            "/plans",
            "post",
            status,
        )
        expect(
            doc,
            who.post(f"/api/v1/plans/{PLAN}/versions", json=save),
            "/plans/{plan}/versions",
            "post",
            status,
        )
        upload = {"file": (io.BytesIO(b"postcode,weekly_hours\n"), "p.csv")}
        expect(
            doc,
            who.put(f"/api/v1/plans/{PLAN}/demand", data=upload),
            "/plans/{plan}/demand",
            "put",
            status,
        )
    denied = expect(
        doc,
        vic.post(f"/api/v1/plans/{PLAN}/versions", json=save),
        "/plans/{plan}/versions",
        "post",
        403,
    )
    assert "commissioner" in denied["detail"]
    expect(doc, client.get(f"/api/v1/plans/{PLAN}/editor"), "/plans/{plan}/editor", "get", 401)
    assert vic.get(f"/api/v1/plans/{PLAN}/editor").status_code == 200


def test_the_editor_payload_has_every_lsoa_with_its_zone_demand_and_neighbours(
    vic, created, doc, hertfordshire
):
    response = vic.get(f"/api/v1/plans/{PLAN}/editor?version=1")
    payload = expect(doc, response, "/plans/{plan}/editor", "get", 200)
    plan = payload["plan"]
    assert (plan["name"], plan["version"], plan["region"], plan["unit_layer"]) == (
        PLAN,
        1,
        "hertfordshire",
        "units",
    )
    assert (
        plan["author"] == "ann" and not plan["modelled"] and plan["method"].startswith("districts")
    )
    assert [z["name"] for z in plan["zones"]] == list(hertfordshire.districts["name"])
    assert all(z["target_hours"] is None for z in plan["zones"])
    features = payload["units"]["features"]
    assert len(features) == 690
    first = features[0]["properties"]
    assert set(first) == {
        "code",
        "name",
        "district",
        "zone",
        "clients",
        "weekly_hours",
        "weekly_cost",
    }
    assert all(f["properties"]["zone"] == f["properties"]["district"] for f in features)
    lon, lat = np.array(features[0]["geometry"]["coordinates"][0][0]).T[:, :1].ravel()
    assert -1 < lon < 1 and 51 < lat < 52.5  # EPSG:4326
    adjacency = payload["adjacency"]
    assert len(adjacency) == 690 and all(adjacency.values())
    assert all(code in adjacency[n] for code, near in adjacency.items() for n in near)
    assert (payload["scheme"], payload["rate"]) == ("hertfordshire-2022", "21.92")
    assert payload["viability"]["provider_min_hours"] == 200
    assert payload["reference"] is None


def test_stored_demand_is_priced_at_the_schemes_rate_and_shown_per_unit(vic, packages, doc):
    table, body = packages
    assert body["clients"] == 40 and body["weekly_hours"] == table["weekly_hours"].sum()
    assert body["counts"]["ok"] == 40 and not body["modelled"]
    assert body["source"].startswith("demand from packages.csv")
    payload = vic.get(f"/api/v1/plans/{PLAN}/editor").get_json()
    assert payload["demand"] == {"source": body["source"], "modelled": False}
    units = {f["properties"]["code"]: f["properties"] for f in payload["units"]["features"]}
    assert units[MOVED]["clients"] == 2 and units[MOVED]["weekly_hours"] == 17.5
    assert units[MOVED]["weekly_cost"] == round(17.5 * 21.92, 2)
    assert sum(u["clients"] for u in units.values()) == 40


def _draft(payload):
    return {
        "assignment": {
            f["properties"]["code"]: f["properties"]["zone"] for f in payload["units"]["features"]
        },
        "zones": [
            {k: z[k] for k in ("name", "colour", "target_hours")} for z in payload["plan"]["zones"]
        ],
    }


@pytest.fixture(scope="module")
def moved(ann, packages, doc, app):
    """Ann moves one LSOA to Stevenage and gives Stevenage a target: version 2."""
    draft = _draft(ann.get(f"/api/v1/plans/{PLAN}/editor?version=1").get_json())
    before = draft["assignment"][MOVED]
    draft["assignment"][MOVED] = "Stevenage"
    next(z for z in draft["zones"] if z["name"] == "Stevenage")["target_hours"] = 500
    body = {"base_version": 1, **draft, "note": "Knebworth goes to Stevenage"}
    response = ann.post(f"/api/v1/plans/{PLAN}/versions", json=body)
    assert expect(doc, response, "/plans/{plan}/versions", "post", 201) == {
        "plan": PLAN,
        "version": 2,
    }
    return before


def test_a_save_makes_a_version_and_an_audit_row_naming_the_actor_and_the_move(moved, app):
    store = app.extensions["geozones"].store
    saved = store.get(PLAN, 2)
    assert saved.version == 2 and saved.parent == 1 and saved.author == "ann"
    assert saved.assignment[MOVED] == "Stevenage" and saved.targets == {"Stevenage": 500.0}
    log = store.audit(PLAN)
    row = log[log["version"] == 2].iloc[0]
    assert (row["actor"], row["action"], row["version"], row["base_version"]) == (
        "ann",
        "save",
        2,
        1,
    )
    assert row["moved"] == 1 and row["units"] == f"{MOVED}: {moved} -> Stevenage"
    assert row["note"] == "Knebworth goes to Stevenage"


@pytest.fixture(scope="module")
def carried(bob, moved, doc, app):
    """Bob saves a move on version 1 (a conflict), then carries it onto version 2: version 3."""
    draft = _draft(bob.get(f"/api/v1/plans/{PLAN}/editor?version=1").get_json())
    other = next(code for code, zone in draft["assignment"].items() if zone == "Watford")
    draft["assignment"][other] = "Three Rivers"
    response = bob.post(
        f"/api/v1/plans/{PLAN}/versions", json={"base_version": 1, **draft, "note": "mine"}
    )
    refused = expect(doc, response, "/plans/{plan}/versions", "post", 409)
    assert app.extensions["geozones"].store.latest(PLAN) == 2
    latest = _draft(bob.get(f"/api/v1/plans/{PLAN}/editor?version=2").get_json())
    latest["assignment"][other] = "Three Rivers"
    again = bob.post(
        f"/api/v1/plans/{PLAN}/versions", json={"base_version": 2, **latest, "note": "mine"}
    )
    assert expect(doc, again, "/plans/{plan}/versions", "post", 201)["version"] == 3
    return refused


def test_a_save_on_an_old_version_is_a_conflict_showing_their_moves(carried, moved, app):
    assert carried["error"] == "ConflictError" and carried["latest_version"] == 2
    assert carried["theirs"] == [{"unit": MOVED, "before": moved, "after": "Stevenage"}]
    assert [(v["version"], v["author"], v["note"]) for v in carried["versions"]] == [
        (2, "ann", "Knebworth goes to Stevenage")
    ]
    detail = carried["detail"]
    assert "your edit is based on version 1 but the latest version is 2, saved by ann" in detail
    assert "nothing was saved. Carry your edits onto version 2 and save again" in detail
    log = app.extensions["geozones"].store.audit(PLAN)
    assert log.loc[log["version"] == 3, ["actor", "base_version"]].values.tolist() == [["bob", 2]]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("base_version"), "the body needs base_version"),
        (lambda d: d.update(base_version="1"), "base_version must be a version number"),
        (
            lambda d: d["assignment"].update(E00000000="Stevenage"),
            "does not have, e.g. 'E00000000'",
        ),
        (
            lambda d: d["assignment"].update({MOVED: "Atlantis"}),
            "zone(s) the zones list does not have: Atlantis",
        ),
        (lambda d: d["zones"].append({"name": "Stevenage"}), "zone(s) listed twice: Stevenage"),
        (lambda d: d["zones"][0].update(target_hours="lots"), "target_hours must be hours a week"),
        (
            lambda d: d["zones"][0].update(target_hours=-5),
            "must be a number of hours a week above 0",
        ),
        (lambda d: d["zones"][0].update(colour="red"), "colours must be '#rrggbb'"),
        (lambda d: d.update(note="x" * 2001), "at most 2,000"),
    ],
)
def test_a_bad_draft_is_refused_saying_why(ann, moved, doc, change, words):
    draft = {"base_version": 2, **_draft(ann.get(f"/api/v1/plans/{PLAN}/editor").get_json())}
    change(draft)
    response = ann.post(f"/api/v1/plans/{PLAN}/versions", json=draft)
    body = expect(doc, response, "/plans/{plan}/versions", "post", 422)
    assert words in body["detail"], body["detail"]
    assert ann.post(f"/api/v1/plans/{PLAN}/versions", data="nope").status_code == 400


def test_history_lists_every_version_with_the_units_it_moved(vic, carried, doc):
    body = expect(
        doc, vic.get(f"/api/v1/plans/{PLAN}/history"), "/plans/{plan}/history", "get", 200
    )
    assert body["plan"] == PLAN
    versions = body["versions"]
    assert [v["version"] for v in versions[:3]] == [1, 2, 3]
    assert [v["parent"] for v in versions[:3]] == [None, 1, 2]
    assert [v["moved"] for v in versions[:3]] == [None, 1, 1]
    assert [v["author"] for v in versions[:3]] == ["ann", "ann", "bob"]


def test_compare_shows_the_unit_moved_and_the_hours_it_took_along(vic, moved, doc):
    response = vic.get(f"/api/v1/plans/{PLAN}/compare?a=1&b=2")
    body = expect(doc, response, "/plans/{plan}/compare", "get", 200)
    assert (body["plan"], body["a"], body["b"]) == (PLAN, 1, 2)
    [unit] = body["moved"]
    assert (unit["unit"], unit["before"], unit["after"]) == (MOVED, moved, "Stevenage") and unit[
        "name"
    ]
    zones = {z["zone"]: z for z in body["zones"]}
    gained, lost = zones["Stevenage"]["delta"], zones[moved]["delta"]
    assert gained == {
        "units": 1,
        "clients": 2,
        "weekly_hours": 17.5,
        "weekly_cost": round(17.5 * 21.92, 2),
    }
    assert lost == {k: -v for k, v in gained.items()}
    assert zones["Stevenage"]["b"]["weekly_hours"] - zones["Stevenage"]["a"]["weekly_hours"] == 17.5
    assert all(
        not any(z["delta"].values())
        for name, z in zones.items()
        if name not in ("Stevenage", moved)
    )
    for query in ("a=1", "a=1&b=x"):
        status = 400 if query == "a=1" else 422
        expect(
            doc,
            vic.get(f"/api/v1/plans/{PLAN}/compare?{query}"),
            "/plans/{plan}/compare",
            "get",
            status,
        )
    expect(
        doc, vic.get(f"/api/v1/plans/{PLAN}/compare?a=1&b=9"), "/plans/{plan}/compare", "get", 404
    )


def test_the_summary_has_each_zones_figures_target_and_viability(vic, moved, doc):
    response = vic.get(f"/api/v1/plans/{PLAN}/summary?version=2")
    body = expect(doc, response, "/plans/{plan}/summary", "get", 200)
    zones = {z["zone"]: z for z in body["zones"]}
    stevenage = zones["Stevenage"]
    assert stevenage["target_hours"] == 500 and stevenage["target_deviation_pct"] is not None
    assert stevenage["rate"] == "21.92" and stevenage["viability"] == "no published threshold"
    assert stevenage["provider_min_hours"] == 200
    total = body["total"]
    assert total["zone"] == "Total" and total["clients"] == 40 and total["units"] == 690
    assert Decimal(total["annual_cost"]) == sum(Decimal(z["annual_cost"]) for z in body["zones"])
    assert body["unassigned"] == {"units": 0, "clients": 0, "weekly_hours": 0.0}
    assert body["plan"]["version"] == 2 and not body["demand"]["modelled"]


def test_every_export_format_opens(vic, moved, doc, tmp_path):
    url = f"/api/v1/plans/{PLAN}/export"
    geojson = vic.get(f"{url}?format=geojson&version=2")
    collection = expect(doc, geojson, "/plans/{plan}/export", "get", 200)
    assert f'filename="{PLAN}-v2.geojson"' in geojson.headers["Content-Disposition"]
    assert collection["geozones"]["version"] == 2 and collection["geozones"]["targets"] == {
        "Stevenage": 500.0
    }
    zones = {f["properties"]["zone"]: f["properties"] for f in collection["features"]}
    assert len(zones) == 10 and zones["Stevenage"]["target_hours"] == 500
    assert sum(z["clients"] for z in zones.values()) == 40
    for fmt, suffix in (("gpkg", "gpkg"), ("shp", "zip"), ("csv", "csv")):
        response = vic.get(f"{url}?format={fmt}&version=2")
        expect(doc, response, "/plans/{plan}/export", "get", 200)
        (tmp_path / f"plan.{suffix}").write_bytes(response.get_data())
    gpkg = tmp_path / "plan.gpkg"
    assert {name for name, _ in pyogrio.list_layers(gpkg)} == {"zones", "units"}
    assert len(gpd.read_file(gpkg, layer="zones")) == 10
    assert len(pyogrio.read_dataframe(gpkg, layer="units")) == 690
    shapes = gpd.read_file(f"/vsizip/{tmp_path / 'plan.zip'}/zones.shp")
    assert len(shapes) == 10 and shapes.crs.to_epsg() == 27700
    assert all(len(c) <= 10 for c in shapes.columns) and "target_hrs" in shapes.columns
    with zipfile.ZipFile(tmp_path / "plan.zip") as archive:
        readme = archive.read("README.txt").decode()
    assert (
        "at most 10 characters" in readme and "weekly_hrs" in readme and "(weekly_hours)" in readme
    )
    units = pd.read_csv(tmp_path / "plan.csv")
    assert len(units) == 690
    assert units.set_index("unit").loc[MOVED, "zone"] == "Stevenage"
    bad = vic.get(f"{url}?format=pdf")
    assert (
        "use one of: geojson, gpkg, shp, csv, report"
        in expect(doc, bad, "/plans/{plan}/export", "get", 422)["detail"]
    )


def test_the_printable_report_has_the_map_and_the_zone_table(vic, moved, doc):
    response = vic.get(f"/api/v1/plans/{PLAN}/export?format=report&version=2")
    html = expect(doc, response, "/plans/{plan}/export", "get", 200).decode()
    assert "@page { size: A4" in html and "<script" not in html and "<nav" not in html
    assert html.count("<svg") == 1 and html.count('<path d="M') == 10
    assert "<table>" in html and ">Stevenage</th>" in html and "% of target" in html
    assert f"{PLAN}</h1>" in html and "version 2" in html and "Knebworth goes to Stevenage" in html
    assert "Hertfordshire County Council" in html or "hertfordshire-2022" in html
    assert "demand from packages.csv" in html and "Modelled demand" not in html
    assert "Contains OS data" in html and "OpenStreetMap" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.fixture(scope="module")
def hereford_zones(app, herefordshire):
    """Herefordshire's LSOAs in five bands west to east named as the council's 'O' zones."""
    units = load_units(herefordshire, "units")
    rank = np.argsort(np.argsort(units.points[:, 0]))
    zones = ("Zone A", "Zone B", "Zone C", "Zone D", "Zone E")
    names = np.array(zones)[rank * 5 // len(rank)]
    plan = ZonePlan(
        name="hereford-o-test",
        region=herefordshire,
        unit_layer="units",
        assignment=pd.Series(names, index=units.codes),
        zones=zones,
        targets={"Zone A": 1295, "Zone E": 2352},
    )
    app.extensions["geozones"].store.save(plan)
    return plan


def test_without_a_package_list_the_demand_is_modelled_and_said_to_be(vic, hereford_zones, doc):
    response = vic.get("/api/v1/plans/hereford-o-test/editor")
    payload = expect(doc, response, "/plans/{plan}/editor", "get", 200)
    assert (
        payload["demand"]["modelled"]
        and "modelled from Census 2021 65+" in payload["demand"]["source"]
    )
    units = [f["properties"] for f in payload["units"]["features"]]
    assert sum(u["clients"] for u in units) == 768 + 58
    assert sum(u["weekly_hours"] for u in units) == pytest.approx(9199 + 2330)
    # 'O' at the standard rate (£15.80), 'D' at the D-pathway blend (70% £12.80, 30% £15.80)
    cost = 9199 * 15.80 + 2330 * (0.7 * 12.80 + 0.3 * 15.80)
    assert sum(u["weekly_cost"] for u in units) == pytest.approx(cost, abs=1)
    assert payload["scheme"] == "herefordshire-2017" and payload["viability"]["min_hours"] == 700
    assert [r["zone"] for r in payload["reference"]] == [
        "Zone A",
        "Zone B",
        "Zone C",
        "Zone D",
        "Zone E",
    ]
    assert [z["target_hours"] for z in payload["plan"]["zones"]] == [1295, None, None, None, 2352]


def test_the_summary_sets_the_councils_table_beside_the_plans_figures(vic, hereford_zones, doc):
    body = expect(
        doc, vic.get("/api/v1/plans/hereford-o-test/summary"), "/plans/{plan}/summary", "get", 200
    )
    first = body["zones"][0]
    assert first["zone"] == "Zone A" and first["council"]["clients"] > 0 and first["modelled"]
    assert first["target_hours"] == 1295 and first["viability"] in ("viable", "under minimum")
    assert body["total"]["council"]["annual_cost"] is not None and body["demand"]["modelled"]
    html = vic.get("/api/v1/plans/hereford-o-test/export?format=report").get_data(as_text=True)
    assert "<strong>Modelled demand</strong>" in html and "Council: clients" in html


def test_the_payloads_of_hertfordshire_and_norfolk_are_small_and_quick(
    ann, vic, created, doc, norfolk
):
    body = {"name": "norfolk-editor-test", "region": "norfolk", "kind": "districts"}
    expect(doc, ann.post("/api/v1/plans", json=body), "/plans", "post", 201)
    for name, units in ((PLAN, 690), ("norfolk-editor-test", 538)):
        vic.get(f"/api/v1/plans/{name}/editor")  # the units' geometry is made once per build
        started = time.perf_counter()
        response = vic.get(f"/api/v1/plans/{name}/editor")
        seconds = time.perf_counter() - started
        zipped = vic.get(f"/api/v1/plans/{name}/editor", headers={"Accept-Encoding": "gzip"})
        payload = response.get_json()
        assert len(payload["units"]["features"]) == units
        size, compressed = len(response.get_data()), len(zipped.get_data())
        ms = seconds * 1000
        print(f"{name}: {units} units, {size:,} bytes ({compressed:,} gzipped), {ms:.0f} ms")
        assert size < 600_000 and compressed < 250_000 and seconds < 2.0
