import csv
import io
import json
import logging
import re
import time

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from geozones.classification.classifier import CLASSIFY_COLUMNS
from geozones.classification.package import PACKAGE_COLUMNS
from geozones.web import create_app
from geozones.web.api import MAX_QUERIES
from geozones.zones.builders import district_plan

SERVED = ["norfolk", "herefordshire"]


@pytest.fixture(scope="module")
def app(norfolk, herefordshire, build_root, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    return create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(instance),
            "REGIONS": SERVED,
            "TESTING": True,
        }
    )


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def saved_plan(app, norfolk):
    store = app.extensions["geozones"].store
    plan = district_plan(norfolk, name="norfolk-test-districts")
    store.save(plan)
    store.save(store.get(plan.name).reassign({plan.assignment.index[0]: "Moved"}), base_version=1)
    return store.list().set_index("name").loc[plan.name]


def check(doc, response, path, method="get"):
    """Assert ``response`` is one the document promises for this operation, and return its body."""
    spec = doc["paths"][path][method]["responses"][str(response.status_code)]
    if "$ref" in spec:
        spec = doc["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
    content = spec["content"]
    assert response.mimetype in content, (response.mimetype, list(content))
    if response.mimetype == "text/csv":
        return response.get_data(as_text=True)
    body = json.loads(response.get_data())
    schema = content[response.mimetype]["schema"]
    OAS31Validator({**schema, "components": doc["components"]}).validate(body)
    return body


def csv_rows(text):
    """The cells of a CSV text (byte order mark dropped), as a spreadsheet shows them."""
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def check_error(doc, response, path, method, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = check(doc, response, path, method)
    assert set(body) == {"error", "detail"} and body["detail"]
    return body


def test_the_document_is_valid_openapi(doc):
    validate(doc)
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]


def test_every_route_is_documented_and_every_documented_path_is_a_route(app, doc):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1") :])
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented
    for path, ops in doc["paths"].items():
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_lookup_a_norwich_postcode(client, doc):
    response = client.get("/api/v1/lookup", query_string={"q": "NR1 3QU", "scheme": "norfolk-2019"})
    answer = check(doc, response, "/lookup")
    assert answer["status"] == "ok" and answer["band"] == "Band 1" and answer["rate"] == "18.24"
    assert answer["district"] == "Norwich" and answer["method"] == "road"
    assert answer["pcn"] == "CENTRAL NORWICH PCN" and answer["query"] == "NR1 3QU"
    assert answer["nearest_surgery"] == "St Stephens Gate Medical Partnership (D82008)"
    assert answer["distance_miles"] == 0.57 and answer["caveats"] == []
    assert answer["drive_minutes"] == 1.6 and answer["road_miles"] == 0.57
    assert answer["area"] == "Central Belt: Norwich CCG area (April 2019)"
    again = client.get("/api/v1/lookup", query_string={"q": "NR1 3QU", "scheme": "norfolk-2019"})
    assert again.get_json() == answer


def test_lookup_says_which_area_applied(client, doc):
    query = {"q": "NR13 3XR", "scheme": "norfolk-2019"}
    broadland = check(doc, client.get("/api/v1/lookup", query_string=query), "/lookup")
    assert (broadland["band"], broadland["rate"]) == ("Band 3", "21.72")
    assert broadland["area"] == "Central Belt: North Norfolk CCG area (April 2019)"
    query = {"q": "PE30 1EX", "scheme": "norfolk-2019"}
    lynn = check(doc, client.get("/api/v1/lookup", query_string=query), "/lookup")
    assert (lynn["band"], lynn["rate"]) == ("Spot rate (outside the Central Belt)", "18.24")
    assert lynn["area"] == "outside the Central Belt (West Norfolk CCG area, April 2019): spot rate"


def test_lookup_a_point_by_lat_lon_or_text(client, doc):
    by_point = check(
        doc,
        client.get("/api/v1/lookup?lat=52.63&lon=1.30&scheme=norfolk-2019"),
        "/lookup",
    )
    assert by_point["status"] == "ok" and by_point["precision"] == "coordinates"
    assert by_point["district"] == "Norwich" and by_point["band"] == "Band 1"
    assert by_point["rate"] == "18.24" and by_point["distance_miles"] == 0.65
    assert by_point["nearest_surgery"] == "Norwich Practices Health Centre (Y02751)"
    by_text = client.get(
        "/api/v1/lookup", query_string={"q": "52.63, 1.3", "scheme": "norfolk-2019"}
    )
    assert by_text.get_json()["easting"] == by_point["easting"]


def test_lookup_answers_not_found_and_outside_with_a_status(client, doc):
    nowhere = check(doc, client.get("/api/v1/lookup?q=zzzz+qqqq&scheme=norfolk-2019"), "/lookup")
    assert nowhere["status"] == "error" and nowhere["band"] is None
    assert nowhere["message"] == (
        "no place named 'zzzz qqqq' in or near Norfolk, and no postcode, coordinates or grid "
        "reference"
    )
    hereford = check(doc, client.get("/api/v1/lookup?q=HR1+2HX&scheme=norfolk-2019"), "/lookup")
    assert hereford["status"] == "outside_region" and hereford["rate"] is None
    assert hereford["message"] == (
        "HR1 2HX is outside Norfolk; it lies in Herefordshire: look it up under Herefordshire's "
        "scheme, Herefordshire Help to Live at Home fixed rates (2017/18) (herefordshire-2017)"
    )
    assert hereford["elsewhere"]["scheme"] == "herefordshire-2017"
    urban = check(doc, client.get("/api/v1/lookup?q=HR1+2HX&scheme=herefordshire-2016"), "/lookup")
    assert urban["band"] == "Urban" and urban["method"] == "straight line"
    assert urban["rate"] == "14.76"
    assert urban["message"] == "Urban: 0.21 miles in a straight line from Hereford"


def test_lookup_without_a_scheme_answers_under_the_scheme_in_force_there(client, doc):
    norwich = check(doc, client.get("/api/v1/lookup?q=NR1+3QU"), "/lookup")
    assert norwich["scheme"] == "norfolk-2019"
    assert (norwich["band"], norwich["rate"]) == ("Band 1", "18.24")
    hereford = check(doc, client.get("/api/v1/lookup?q=HR1+2HX"), "/lookup")
    assert (hereford["scheme"], hereford["status"]) == ("herefordshire-2017", "ok")
    by_point = check(doc, client.get("/api/v1/lookup?lat=52.63&lon=1.30"), "/lookup")
    assert (by_point["scheme"], by_point["band"]) == ("norfolk-2019", "Band 1")


GIVE_Q = "give q (an address, postcode, place, grid reference or 'lat, lon'), or lat and lon"
KNOWN_SCHEMES = (
    "known schemes: herefordshire-2016, herefordshire-2017, hertfordshire-2022, norfolk-2019, "
    "nottinghamshire-2017, rutland-demo"
)


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("q=EH1+1YZ", 422, ("EH1 1YZ lies in none of the regions built (norfolk, herefordshire); "
                            "give scheme=")),
        ("q=LE15+6NT", 422, ("LE15 6NT lies in none of the regions built (norfolk, herefordshire); "
                             "give scheme=")),
        ("scheme=norfolk-2019", 400, GIVE_Q),
        ("q=+&scheme=norfolk-2019", 400, GIVE_Q),
        ("q=NR1+3QU&lat=52&lon=1&scheme=norfolk-2019", 400, "give q, or lat and lon, not both"),
        ("lat=52.6&scheme=norfolk-2019", 400, "missing query parameter 'lon'"),
        ("lat=95&lon=1.3&scheme=norfolk-2019", 422,
         "lat must be between -90 and 90 degrees; got '95'"),
        ("lat=north&lon=1.3&scheme=norfolk-2019", 422,
         "lat must be a number of degrees; got 'north'"),
        (f"q={'x' * 400}&scheme=norfolk-2019", 422, "q is longer than 300 characters"),
        ("q=NR1+3QU&scheme=no-such-scheme", 404,
         f"unknown scheme 'no-such-scheme'; {KNOWN_SCHEMES}"),
        ("q=LE15+6NT&scheme=rutland-demo", 404,
         ("scheme 'rutland-demo' (region rutland) is not served here; served schemes: "
         "herefordshire-2016, herefordshire-2017, norfolk-2019")),
    ],
)  # fmt: skip
def test_lookup_errors(client, doc, query, status, detail):
    body = check_error(doc, client.get(f"/api/v1/lookup?{query}"), "/lookup", "get", status)
    assert body["detail"] == detail


def test_route_of_an_answer_by_road_as_geojson(client, doc):
    response = client.get("/api/v1/route", query_string={"q": "NR13 3XR", "scheme": "norfolk-2019"})
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = check(doc, response, "/route")
    line, surgery, address = body["features"]
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) > 10
    props = line["properties"]
    assert (props["miles"], props["band"], props["scheme"]) == (6.85, "Band 3", "norfolk-2019")
    assert props["surgery"] == surgery["properties"]["name"] == "Acle Medical Partnership (D82104)"
    assert props["edges"] == (
        "0.85 miles beyond Band 2's edge (6 miles); Band 3 is the farthest band: no edge beyond it"
    )
    assert props["quickest_minutes"] == 17.4 <= props["minutes"]
    answer = body["answer"]
    assert address["geometry"]["coordinates"] == [answer["lon"], answer["lat"]]
    assert answer == client.get("/api/v1/lookup?q=NR13+3XR&scheme=norfolk-2019").get_json()
    # without a scheme, the scheme in force there
    placed = check(doc, client.get("/api/v1/route?q=NR13+3XR"), "/route")
    assert placed["features"][0]["properties"]["scheme"] == "norfolk-2019"


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("q=HR1+2HX", 422, ("Herefordshire has no road network in this build, so its distances "
         "are straight-line estimates and there is no road route to show; build it with a road "
         "extract: geozones data build --region herefordshire --roads FILE")),
        ("q=NR21+0&scheme=norfolk-2019", 422, ("'NR21 0' is located only to a postcode sector "
         "(NR21 0): a route needs one point; give a full postcode, an address or coordinates")),
        ("q=HR1+2HX&scheme=norfolk-2019", 422,
         "'HR1 2HX' has no route: HR1 2HX is outside Norfolk"),
        ("q=EH1+1YZ", 422, ("EH1 1YZ lies in none of the regions built (norfolk, herefordshire); "
                            "give scheme=")),
        ("scheme=norfolk-2019", 400, "missing query parameter 'q'"),
        ("q=NR1+3QU&scheme=no-such-scheme", 404,
         f"unknown scheme 'no-such-scheme'; {KNOWN_SCHEMES}"),
    ],
)  # fmt: skip
def test_route_errors(client, doc, query, status, detail):
    body = check_error(doc, client.get(f"/api/v1/route?{query}"), "/route", "get", status)
    assert body["detail"] == detail


def test_many_lookups_come_back_in_order(client, doc):
    queries = ["NR21 0AA", "zzzz qqqq", "NR1 3QU", "52.63, 1.30"]
    response = client.post("/api/v1/lookup", json={"scheme": "norfolk-2019", "queries": queries})
    body = check(doc, response, "/lookup", "post")
    assert body["count"] == 4 and [a["query"] for a in body["answers"]] == queries
    assert [a["status"] for a in body["answers"]] == ["ok", "error", "ok", "ok"]
    single = client.get("/api/v1/lookup?q=NR1+3QU&scheme=norfolk-2019").get_json()
    assert body["answers"][2] == single


def test_many_lookups_errors(client, doc):
    too_many = {"scheme": "norfolk-2019", "queries": ["NR1 3QU"] * (MAX_QUERIES + 1)}
    body = check_error(doc, client.post("/api/v1/lookup", json=too_many), "/lookup", "post", 422)
    assert body["detail"] == (
        "at most 1,000 queries per request; got 1,001. Split them, or upload them as a file "
        "to POST /api/v1/batch"
    )
    not_json = client.post("/api/v1/lookup", data="queries=NR1", content_type="text/plain")
    assert check_error(doc, not_json, "/lookup", "post", 400)["detail"] == (
        'the body must be JSON: {"scheme": "...", "queries": ["...", ...]}'
    )
    no_list = client.post("/api/v1/lookup", json={"scheme": "norfolk-2019", "queries": "NR1 3QU"})
    assert check_error(doc, no_list, "/lookup", "post", 400)["detail"] == (
        'the body needs "queries" (a list of text), and may name a "scheme"'
    )
    not_text = client.post("/api/v1/lookup", json={"scheme": "norfolk-2019", "queries": [1]})
    assert check_error(doc, not_text, "/lookup", "post", 422)["detail"] == (
        "queries[0] must be text (an address, postcode, place or 'lat, lon')"
    )
    unknown = client.post("/api/v1/lookup", json={"scheme": "nope", "queries": []})
    assert check_error(doc, unknown, "/lookup", "post", 404)["detail"] == (
        f"unknown scheme 'nope'; {KNOWN_SCHEMES}"
    )


def test_a_saved_plan_changes_the_zone_answer_at_once(app, client, herefordshire):
    url = "/api/v1/lookup?q=HR1+2HX&scheme=herefordshire-2017"
    assert client.get(url).get_json()["zone"] is None
    plan = district_plan(herefordshire, name="herefordshire-o-zones")
    store = app.extensions["geozones"].store
    store.save(plan.reassign(dict.fromkeys(plan.assignment.index, "Zone A")))
    assert client.get(url).get_json()["zone"] == "Zone A"


def test_regions(client, doc):
    body = check(doc, client.get("/api/v1/regions"), "/regions")
    regions = {r["name"]: r for r in body["regions"]}
    assert list(regions) == SERVED
    assert regions["norfolk"]["distance_method"] == "road"
    assert regions["herefordshire"]["distance_method"] == "straight-line estimate"
    (south, west), (north, east) = regions["norfolk"]["bounds"]
    assert 52.3 < south < 52.5 and 52.9 < north < 53.1 and 0.1 < west < 0.3 and 1.7 < east < 1.8
    assert regions["herefordshire"]["schemes"] == ["herefordshire-2016", "herefordshire-2017"]
    assert {"code": "E07000148", "name": "Norwich"} in regions["norfolk"]["districts"]


def test_schemes(client, doc):
    body = check(doc, client.get("/api/v1/schemes"), "/schemes")
    assert [s["id"] for s in body["schemes"]] == [
        "herefordshire-2016",
        "herefordshire-2017",
        "norfolk-2019",
    ]
    norfolk = check(doc, client.get("/api/v1/schemes?region=norfolk"), "/schemes")["schemes"]
    assert [(b["label"], b["rate"], b["from_miles"]) for b in norfolk[0]["bands"]] == [
        ("Band 1", "18.24", 0.0),
        ("Band 2", "19.68", 3.0),
        ("Band 3", "21.72", 6.0),
    ]
    assert norfolk[0]["area"] == {
        "kind": "ccg",
        "name": "Central Belt",
        "description": "Norwich, South Norfolk and North Norfolk CCG areas (April 2019)",
        "whole_region": False,
        "codes": ["06W", "06Y", "06V"],
        "vintage": "April 2019",
        "polygon_file": None,
    }
    assert norfolk[0]["viability"] is None
    hfd = {s["id"]: s for s in body["schemes"]}["herefordshire-2017"]
    assert hfd["area"] is None
    assert (hfd["viability"]["min_hours"], hfd["viability"]["max_hours"]) == (700.0, None)
    rutland = check_error(doc, client.get("/api/v1/schemes?region=rutland"), "/schemes", "get", 404)
    assert rutland["detail"] == (
        "region 'rutland' is not served here; served regions: norfolk, herefordshire"
    )
    atlantis = check_error(doc, client.get("/api/v1/schemes?region=atlantis"), "/schemes", "get",
                           404)  # fmt: skip
    known = "unknown region 'atlantis'; known regions: herefordshire, "
    assert atlantis["detail"].startswith(known)


def test_plans_list_and_geojson(client, doc, saved_plan):
    plans = check(doc, client.get("/api/v1/plans"), "/plans")["plans"]
    mine = next(p for p in plans if p["name"] == "norfolk-test-districts")
    assert mine["version"] == 2 and mine["versions"] == 2 and mine["region"] == "norfolk"
    hereford = check(doc, client.get("/api/v1/plans?region=herefordshire"), "/plans")["plans"]
    assert {p["region"] for p in hereford} <= {"herefordshire"}
    assert "norfolk-test-districts" not in {p["name"] for p in hereford}
    response = client.get(f"/api/v1/plans/{mine['id']}")
    assert response.mimetype == "application/geo+json"
    collection = check(doc, response, "/plans/{plan}")
    assert collection["geozones"]["version"] == 2
    zones = {f["properties"]["zone"] for f in collection["features"]}
    assert "Moved" in zones and "Norwich" in zones
    lon, lat = collection["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 0 < lon < 2 and 52 < lat < 53.2
    first = check(
        doc, client.get("/api/v1/plans/norfolk-test-districts?version=1"), "/plans/{plan}"
    )
    assert "Moved" not in {f["properties"]["zone"] for f in first["features"]}


def test_plan_errors(client, doc, saved_plan):
    for url, status, detail in [
        # the plans listed are those of the module's store, which other tests add to
        ("/api/v1/plans/no-such-plan", 404, "no plan 'no-such-plan' here; plans: "),
        ("/api/v1/plans/norfolk-test-districts?version=9", 404,
         "plan norfolk-test-districts has no version 9; versions: 1, 2"),
        ("/api/v1/plans/norfolk-test-districts?version=latest", 422,
         "version must be a version number (a whole number from 1); got 'latest'"),
    ]:  # fmt: skip
        body = check_error(doc, client.get(url), "/plans/{plan}", "get", status)
        assert body["detail"].startswith(detail), url
    check_error(doc, client.get("/api/v1/plans?region=atlantis"), "/plans", "get", 404)


def test_plan_zone_at_a_point(client, doc, saved_plan):
    url = "/api/v1/plans/norfolk-test-districts/zone"
    norwich = check(doc, client.get(f"{url}?lat=52.6234&lon=1.2897"), "/plans/{plan}/zone")
    assert (norwich["zone"], norwich["version"]) == ("Norwich", 2)
    assert (norwich["unit"], norwich["unit_name"]) == ("E01026855", "Norwich 011D")
    at_sea = check(doc, client.get(f"{url}?lat=53.5&lon=2.5"), "/plans/{plan}/zone")
    assert at_sea["zone"] is None and at_sea["unit"] is None
    no_lon = check_error(doc, client.get(f"{url}?lat=52.6"), "/plans/{plan}/zone", "get", 400)
    assert no_lon["detail"] == "missing query parameter 'lon'"
    bad = check_error(doc, client.get(f"{url}?lat=x&lon=1"), "/plans/{plan}/zone", "get", 422)
    assert bad["detail"] == "lat must be a number of degrees; got 'x'"


def test_gp_practices(client, doc, norfolk):
    response = client.get("/api/v1/gp-practices?region=norfolk")
    assert response.mimetype == "application/geo+json"
    body = check(doc, response, "/gp-practices")
    assert len(body["features"]) == len(norfolk.gp_practices)
    props = body["features"][0]["properties"]
    assert {"code", "name", "pcn_name", "in_region"} <= set(props)
    assert any(f["properties"]["in_region"] for f in body["features"])
    none = check_error(doc, client.get("/api/v1/gp-practices"), "/gp-practices", "get", 400)
    assert none["detail"] == "missing query parameter 'region'"
    rutland = client.get("/api/v1/gp-practices?region=rutland")
    assert check_error(doc, rutland, "/gp-practices", "get", 404)["detail"] == (
        "region 'rutland' is not served here; served regions: norfolk, herefordshire"
    )


UPLOAD = (
    "package_id,Address,weekly_hours,note\n"
    "=HYPERLINK(1),NR1 3QU,10,@SUM(A1)\n"
    "P2,NR21 0AA,5.5,-3\n"
    "P3,nowhere at all,2,+44\n"
)


def test_batch_upload_comes_back_as_csv_with_every_row(client, doc):
    response = client.post(
        "/api/v1/batch",
        data={"file": (io.BytesIO(UPLOAD.encode()), "packages.csv"), "scheme": "norfolk-2019"},
    )
    rows = csv_rows(check(doc, response, "/batch", "post"))
    assert "packages-norfolk-2019.csv" in response.headers["Content-Disposition"]
    header, body = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert header[:6] == ["package_id", "Address", "weekly_hours", "note", "lat", "lon"]
    assert header[4:] == [*CLASSIFY_COLUMNS, *PACKAGE_COLUMNS]
    assert len(body) == 3
    shown = ["package_id", "Address", "note", "easting", "scheme", "band", "rate", "area",
             "distance_miles", "method", "confidence", "district", "ruc11", "pcn",
             "nearest_surgery", "status", "message", "weekly_cost", "annual_cost",
             "price_rule"]  # fmt: skip
    assert [[row[c] for c in shown] for row in body] == [
        ["'=HYPERLINK(1)", "NR1 3QU", "'@SUM(A1)", "622760", "norfolk-2019", "Band 1", "18.24",
         "Central Belt: Norwich CCG area (April 2019)", "0.57", "road", "exact", "Norwich",
         "C1 Urban city and town", "CENTRAL NORWICH PCN",
         "St Stephens Gate Medical Partnership (D82008)", "ok",
         "Band 1: 0.57 miles (road, 2 min) from St Stephens Gate Medical Partnership (D82008)",
         "182.40", "9484.80",
         ("Norfolk: 10 hours a week x £18.24 (Band 1) = £182.40 a week; x 52 weeks = £9,484.80 "
          "a year")],
        ["P2", "NR21 0AA", "'-3", "598292", "norfolk-2019", "Band 3", "21.72",
         "Central Belt: North Norfolk CCG area (April 2019)", "6.18", "road", "exact",
         "North Norfolk", "E2 Rural village and dispersed in a sparse setting",
         "WEST NORFOLK COASTAL PCN", "Fakenham Medical Practice (D82054)", "ok",
         "Band 3: 6.18 miles (road, 11 min) from Fakenham Medical Practice (D82054)",
         "119.46", "6211.92",
         ("Norfolk: 5.5 hours a week x £21.72 (Band 3) = £119.46 a week; x 52 weeks = £6,211.92 "
          "a year")],
        ["P3", "nowhere at all", "'+44", "", "norfolk-2019", "", "", "", "", "", "", "", "", "",
         "", "error",
         ("no place named 'nowhere at all' in or near Norfolk, and no postcode, coordinates or "
          "grid reference"),
         "", "", ""],
    ]  # fmt: skip


def test_batch_reads_xlsx(client, doc, tmp_path):
    import pandas as pd

    path = tmp_path / "list.xlsx"
    pd.DataFrame({"postcode": ["NR1 3QU", "NR21 0AA"], "hours": ["3", "4"]}).to_excel(
        path, index=False
    )
    response = client.post(
        "/api/v1/batch",
        data={
            "file": (path.open("rb"), "list.xlsx"),
            "scheme": "norfolk-2019",
            "column": "postcode",
        },
    )
    rows = csv_rows(check(doc, response, "/batch", "post"))
    assert len(rows) == 3 and rows[0][:4] == ["postcode", "hours", "lat", "lon"]
    assert [row[8:11] for row in rows[1:]] == [
        ["norfolk-2019", "Band 1", "18.24"],
        ["norfolk-2019", "Band 3", "21.72"],
    ]


def test_batch_errors(client, doc):
    def post(**data):
        return client.post("/api/v1/batch", data=data)

    def detail(response, status):
        return check_error(doc, response, "/batch", "post", status)["detail"]

    assert detail(post(scheme="norfolk-2019"), 400) == (
        "send the table as the multipart/form-data field 'file' (.csv or .xlsx)"
    )
    no_scheme = post(file=(io.BytesIO(UPLOAD.encode()), "p.csv"))
    assert detail(no_scheme, 400) == "missing form field 'scheme' (e.g. norfolk-2019)"
    pdf = post(file=(io.BytesIO(b"%PDF"), "p.pdf"), scheme="norfolk-2019")
    assert detail(pdf, 422) == "p.pdf: unsupported file type '.pdf'; use a .csv or .xlsx file"
    no_column = post(file=(io.BytesIO(b"a,b\n1,2\n"), "p.csv"), scheme="norfolk-2019")
    assert detail(no_column, 422) == (
        "p.csv: no address or postcode column found (by header or content); name it with "
        "--column; columns: a, b"
    )
    bad_column = post(
        file=(io.BytesIO(UPLOAD.encode()), "p.csv"), scheme="norfolk-2019", column="x"
    )
    assert detail(bad_column, 422) == (
        "p.csv: no address column 'x'; columns: package_id, Address, weekly_hours, note"
    )
    unknown = post(file=(io.BytesIO(UPLOAD.encode()), "p.csv"), scheme="nope")
    assert detail(unknown, 404) == f"unknown scheme 'nope'; {KNOWN_SCHEMES}"


def test_an_upload_over_the_limit_is_refused_with_the_limit(norfolk, build_root, tmp_path):
    app = create_app(
        {"BUILD_DIR": str(build_root), "INSTANCE_DIR": str(tmp_path), "MAX_UPLOAD_MB": 0.01}
    )
    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "0.01 MB" in doc["paths"]["/batch"]["post"]["description"]
    big = b"address\n" + b"NR1 3QU\n" * 2000
    for path in ("/batch", "/batch/jobs"):
        response = client.post(
            f"/api/v1{path}", data={"file": (io.BytesIO(big), "big.csv"), "scheme": "norfolk-2019"}
        )
        body = check_error(doc, response, path, "post", 413)
        assert "0.01 MB" in body["detail"] and "GEOZONES_MAX_UPLOAD_MB" in body["detail"]
    many = {"scheme": "norfolk-2019", "queries": ["NR1 3QU"] * 2000}
    check_error(doc, client.post("/api/v1/lookup", json=many), "/lookup", "post", 413)


def wait_for(wait_until, client, url):
    """The job's status once it has stopped running."""

    def finished():
        job = client.get(url).get_json()
        return job if job["state"] != "running" else None

    return wait_until(finished, f"the batch job at {url} to finish")


def test_batch_job_progress_result_and_summary(client, doc, wait_until):
    upload = "package_id,address,weekly_hours\n" + "".join(
        f"P{i},{pc},{hours}\n"
        for i, (pc, hours) in enumerate(
            [
                ("NR1 3QU", "10"),
                ("NR2 4TJ", "2.5"),
                ("NR21 0AA", "4"),
                ("PE30 1EX", "3"),
                ("x", "1"),
            ]
        )
    )
    response = client.post(
        "/api/v1/batch/jobs",
        data={"file": (io.BytesIO(upload.encode()), "week.csv"), "scheme": "norfolk-2019"},
    )
    started = check(doc, response, "/batch/jobs", "post")
    assert response.status_code == 202 and started["rows"] == 5 and started["column"] == "address"
    job = wait_for(wait_until, client, started["status_url"])
    check(doc, client.get(started["status_url"]), "/batch/jobs/{job}")
    assert job["state"] == "done" and job["done"] == 5
    assert job["counts"] == {"ok": 4, "error": 1} and job["summary_by"] == ["district", "band"]
    assert "1 row(s) not located" in job["summary_note"]
    rows = {(r["district"], r["band"]): r for r in job["summary"]}
    assert rows[("Norwich", "Band 1")]["clients"] == 2
    assert rows[("Norwich", "Band 1")]["weekly_hours"] == 12.5
    assert rows[("Norwich", "Band 1")]["cost"] == "11856.00"  # 12.5 h x 52 x £18.24
    assert rows[("Total", "")]["clients"] == 4
    result = client.get(job["result_url"])
    assert "week-norfolk-2019.csv" in result.headers["Content-Disposition"]
    assert len(csv_rows(check(doc, result, "/batch/jobs/{job}/result"))) == 6
    summary = check(doc, client.get(job["summary_url"]), "/batch/jobs/{job}/summary")
    assert csv_rows(summary)[0][:4] == ["district", "band", "clients", "weekly_hours"]


def test_batch_job_errors(app, client, doc):
    missing = "/batch/jobs/{job}"
    nothing = check_error(doc, client.get("/api/v1/batch/jobs/" + "0" * 32), missing, "get", 404)
    assert nothing["detail"] == f"no batch job '{'0' * 32}' (jobs are kept for a day)"
    check_error(doc, client.get("/api/v1/batch/jobs/../../etc"), missing, "get", 404)
    jobs = app.extensions["geozones"].jobs
    job = "a" * 32
    (jobs.folder / job).mkdir(parents=True)
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    status = {"id": job, "state": "running", "updated": now}
    (jobs.folder / job / "status.json").write_text(json.dumps(status))
    running = client.get(f"/api/v1/batch/jobs/{job}/result")
    assert "running" in check_error(doc, running, "/batch/jobs/{job}/result", "get", 409)["detail"]
    summary = client.get(f"/api/v1/batch/jobs/{job}/summary")
    check_error(doc, summary, "/batch/jobs/{job}/summary", "get", 409)
    no_file = client.post("/api/v1/batch/jobs", data={"scheme": "norfolk-2019"})
    check_error(doc, no_file, "/batch/jobs", "post", 400)


def test_unknown_urls_and_methods_answer_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"] == "NotFound"
    response = client.delete("/api/v1/lookup")
    assert response.status_code == 405 and response.get_json()["error"] == "MethodNotAllowed"


def test_a_served_region_not_built_is_503(tmp_path, doc):
    app = create_app(
        {"BUILD_DIR": str(tmp_path), "INSTANCE_DIR": str(tmp_path), "REGIONS": ["rutland"]}
    )
    client = app.test_client()
    regions = check(doc, client.get("/api/v1/regions"), "/regions")["regions"]
    assert regions == [
        {
            "name": "rutland",
            "title": "Rutland",
            "built": False,
            "districts": [{"code": "E06000017", "name": "Rutland"}],
            "schemes": ["rutland-demo"],
            "distance_method": None,
            "bounds": None,
        }
    ]
    body = check_error(
        doc, client.get("/api/v1/lookup?q=LE15+6NT&scheme=rutland-demo"), "/lookup", "get", 503
    )
    assert "geozones data build --region rutland" in body["detail"]


def test_an_unexpected_error_is_500_without_details_and_logged(app, client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals at /srv/geozones")

    monkeypatch.setattr("geozones.web.site.list_schemes", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/schemes")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "InternalServerError",
        "detail": "an internal error occurred; it has been logged",
    }
    assert "secret" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text and "Traceback" in caplog.text
