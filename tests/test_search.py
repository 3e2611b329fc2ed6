"""Search that helps: streets in towns, suggestions as the user types, the region a search lies in.

Aylsham (a Broadland town) and its Market Place are inside the fixtures' Norfolk build, with
its road extract; Herefordshire and Hertfordshire are built without one.
"""

import math

import pytest
import shapely
from test_web_api import check, check_error

from geozones.geocode.geocoder import place_key
from geozones.web import create_app

SERVED = ["norfolk", "herefordshire", "hertfordshire"]
#: A St Albans postcode: in Hertfordshire, far outside Norfolk.
HERTS = "AL1 3JE"


@pytest.fixture(scope="module")
def client(norfolk, herefordshire, hertfordshire, build_root, tmp_path_factory):
    app = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "REGIONS": SERVED,
            "TESTING": True,
        }
    )
    return app.test_client()


def place_point(region, name):
    place = region.places[region.places["name"] == name].geometry.iloc[0]
    return place.x, place.y


def metres_to_street(region, name, e, n):
    """Distance (metres) from a point to the nearest way of the region's roads named ``name``."""
    roads = region.roads
    ways = roads.geometry[roads["name"].map(place_key) == place_key(name)].to_numpy()
    return float(shapely.distance(ways, shapely.Point(e, n)).min())


def suggest(client, q, **params):
    response = client.get("/api/v1/suggest", query_string={"q": q, "region": "norfolk", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def texts(client, q, **params):
    return [s["text"] for s in suggest(client, q, **params)["suggestions"]]


# -- streets in towns ---------------------------------------------------------------------


def test_the_fixture_has_market_place_in_aylsham(norfolk):
    e, n = place_point(norfolk, "Aylsham")
    assert metres_to_street(norfolk, "Market Place", e, n) < 100


@pytest.mark.parametrize(
    "text", ["Market Place, Aylsham", "market place, aylsham", "MARKET PLACE,AYLSHAM",
             "Market Place Aylsham", "Market Place, Aylsham, Norfolk"],
)  # fmt: skip
def test_a_street_and_its_town_land_on_that_street(nfk, norfolk, text):
    r = nfk.geocode(text)
    assert (r.status, r.precision, r.matched) == ("ok", "street", "Market Place, Aylsham")
    assert r.message == "located by street Market Place, Aylsham"
    assert r.source == "OpenStreetMap roads 2021-08-06"
    assert metres_to_street(norfolk, "Market Place", r.easting, r.northing) < 1
    assert math.dist((r.easting, r.northing), place_point(norfolk, "Aylsham")) < 2_500


def test_a_street_away_from_the_centre_is_not_the_town_centre(nfk, norfolk):
    r = nfk.geocode("St Michaels Avenue, Aylsham")
    # OpenStreetMap spells it Saint: St and Saint fold alike, and the street keeps its own name
    assert (r.precision, r.matched) == ("street", "Saint Michaels Avenue, Aylsham")
    assert metres_to_street(norfolk, "Saint Michaels Avenue", r.easting, r.northing) < 1
    assert math.dist((r.easting, r.northing), place_point(norfolk, "Aylsham")) > 500
    assert nfk.geocode("Market Place, North Walsham").matched == "Market Place, North Walsham"


def test_a_street_name_must_be_whole_and_a_place_stays_a_place(nfk):
    short = nfk.geocode("Market Pl, Aylsham")
    assert (short.precision, short.matched) == ("place", "Aylsham")
    assert nfk.geocode("Thorpe Market").precision == "place"
    assert nfk.geocode("10 High Street, Little Snoring").precision == "place"


def test_a_region_without_roads_places_the_town_as_before(hfd):
    r = hfd.geocode("Broad Street, Hereford")
    assert (r.status, r.precision, r.matched) == ("ok", "place", "Hereford")


def test_a_street_in_a_batch_is_the_single_answer(nfk):
    values = ["Market Place, Aylsham", "NR1 3QU", "St Michaels Avenue, Aylsham", "Aylsham"]
    many = nfk.geocode_many(values)
    for text, (_, row) in zip(values, many.iterrows(), strict=True):
        one = nfk.geocode(text)
        got = (row["precision"], row["matched"], row["easting"], row["northing"], row["message"])
        assert got == (one.precision, one.matched, one.easting, one.northing, one.message)


def test_the_lookup_of_a_street_answers_its_band_and_rate(client, doc):
    query = {"q": "Market Place, Aylsham", "scheme": "norfolk-2019"}
    answer = check(doc, client.get("/api/v1/lookup", query_string=query), "/lookup")
    assert (answer["status"], answer["precision"]) == ("ok", "street")
    assert (answer["band"], answer["rate"], answer["district"]) == ("Band 1", "18.24", "Broadland")
    assert answer["located_by"] == "street, at its point nearest the place's centre"
    assert answer["confidence"] == "approximate" and answer["elsewhere"] is None
    body = {"scheme": "norfolk-2019", "queries": ["NR1 3QU", "Market Place, Aylsham"]}
    many = check(doc, client.post("/api/v1/lookup", json=body), "/lookup", "post")
    assert many["answers"][1] == answer


# -- suggestions as the user types --------------------------------------------------------


def test_street_suggestions_name_their_town(client, doc):
    body = check(doc, client.get("/api/v1/suggest?q=Market+Pl&region=norfolk&limit=20"), "/suggest")
    assert (body["query"], body["region"]) == ("Market Pl", "norfolk")
    found = [(s["text"], s["kind"]) for s in body["suggestions"]]
    assert ("Market Place, Aylsham", "street") in found
    assert ("Market Place, North Walsham", "street") in found
    assert all(text.startswith("Market Place, ") for text, _ in found)
    assert texts(client, "Market Place, Ayl") == ["Market Place, Aylsham"]
    assert texts(client, "market place ayl") == ["Market Place, Aylsham"]
    assert suggest(client, "Market Place, Aylsham")["suggestions"] == [
        {"text": "Market Place, Aylsham", "kind": "street", "detail": "Broadland"}
    ]


def test_place_suggestions_put_the_exact_name_and_towns_first(client):
    ayl = suggest(client, "Ayl")["suggestions"]
    assert ayl[0] == {"text": "Aylsham", "kind": "place", "detail": "Town, Broadland"}
    kinds = [s["kind"] for s in ayl]
    assert kinds == sorted(kinds, key=["place", "street"].index)  # places, then streets
    assert "Burgh next Aylsham" in texts(client, "Aylsham")  # a later word's start
    assert texts(client, "Aylsham")[0] == "Aylsham"
    assert texts(client, "walsham")[0] == "North Walsham"
    assert texts(client, "Holt")[0] == "Holt"


def test_postcode_suggestions_ignore_spaces(client):
    nr13 = suggest(client, "nr13")["suggestions"]
    assert len(nr13) == 8 and all(s["kind"] == "postcode" for s in nr13)
    assert all(s["text"].replace(" ", "").startswith("NR13") for s in nr13)
    spaced = texts(client, "NR1 3")
    assert len(spaced) == 8 and all(t.startswith("NR1 3") for t in spaced)
    assert suggest(client, "nr1 3qu")["suggestions"][0] == {
        "text": "NR1 3QU", "kind": "postcode", "detail": "Norwich",
    }  # fmt: skip
    assert len(texts(client, "NR1", limit=3)) == 3


def test_every_suggestion_looked_up_is_located_by_its_kind(client):
    typed = ["Market Pl", "Market Place, Ayl", "Ayl", "walsham", "Holt", "nr13", "NR1 3", "Nor"]
    found = [s for q in typed for s in suggest(client, q, limit=20)["suggestions"]]
    assert {s["kind"] for s in found} == {"postcode", "place", "street"}
    body = {"scheme": "norfolk-2019", "queries": [s["text"] for s in found]}
    answers = client.post("/api/v1/lookup", json=body).get_json()["answers"]
    for suggestion, answer in zip(found, answers, strict=True):
        assert answer["precision"] == suggestion["kind"], (suggestion, answer["message"])
        assert answer["status"] in ("ok", "imprecise"), (suggestion, answer["message"])


def test_short_text_has_no_suggestions_and_a_region_without_roads_no_streets(client):
    assert suggest(client, "a")["suggestions"] == []
    assert suggest(client, " ")["suggestions"] == []
    hereford = client.get("/api/v1/suggest", query_string={"q": "Here", "region": "herefordshire"})
    found = hereford.get_json()["suggestions"]
    assert found[0] == {
        "text": "Hereford",
        "kind": "place",
        "detail": "City, Herefordshire, County of",
    }
    assert {s["kind"] for s in found} == {"place"}


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"q": "Ayl\x00", "region": "norfolk"}, 422,
         ("q holds the control character U+0000 at character 4; send only the text typed in "
          "the search box")),
        ({"q": "x" * 301, "region": "norfolk"}, 422, "q is longer than 300 characters"),
        ({"q": "Ayl", "region": "atlantis"}, 404, "unknown region 'atlantis'; known regions:"),
        ({"q": "Ayl", "region": "rutland"}, 404,
         ("region 'rutland' is not served here; served regions: norfolk, herefordshire, "
          "hertfordshire")),
        ({"region": "norfolk"}, 400, "missing query parameter 'q' (the text typed so far)"),
        ({"q": "Ayl"}, 400, "missing query parameter 'region'"),
        ({"q": "Ayl", "region": "norfolk", "limit": "50"}, 422,
         "limit must be a whole number from 1 to 20; got '50'"),
    ],
)  # fmt: skip
def test_bad_suggestion_requests_say_what_to_send(client, doc, params, status, detail):
    response = client.get("/api/v1/suggest", query_string=params)
    body = check_error(doc, response, "/suggest", "get", status)
    assert body["detail"].startswith(detail), body["detail"]


# -- a search outside the region offers the region it lies in -----------------------------


HERTS_OFFER = {
    "region": "hertfordshire",
    "region_title": "Hertfordshire",
    "scheme": "hertfordshire-2022",
    "scheme_title": "Hertfordshire home care flat rate by call duration (2022)",
}


def test_a_postcode_in_another_served_region_offers_it(client, doc):
    query = {"q": HERTS, "scheme": "norfolk-2019"}
    answer = check(doc, client.get("/api/v1/lookup", query_string=query), "/lookup")
    assert answer["status"] == "outside_region" and answer["elsewhere"] == HERTS_OFFER
    assert answer["message"] == (
        f"{HERTS} is outside Norfolk; it lies in Hertfordshire: look it up under "
        "Hertfordshire's scheme, Hertfordshire home care flat rate by call duration (2022) "
        "(hertfordshire-2022)"
    )


def test_coordinates_in_another_served_region_offer_it(client, doc):
    query = {"lat": 51.75, "lon": -0.34, "scheme": "norfolk-2019"}
    answer = check(doc, client.get("/api/v1/lookup", query_string=query), "/lookup")
    assert answer["elsewhere"] == HERTS_OFFER
    assert answer["message"].endswith("look it up under Hertfordshire's scheme, "
                                      "Hertfordshire home care flat rate by call duration "
                                      "(2022) (hertfordshire-2022)")  # fmt: skip


def test_many_lookups_offer_the_region_each_lies_in(client, doc):
    body = {"scheme": "norfolk-2019", "queries": [HERTS, "NR1 3QU", "EH1 1YZ"]}
    herts, norwich, edinburgh = check(
        doc, client.post("/api/v1/lookup", json=body), "/lookup", "post"
    )["answers"]
    assert herts["elsewhere"] == HERTS_OFFER
    assert norwich["elsewhere"] is None and norwich["status"] == "ok"
    # Edinburgh lies in no served region: outside Norfolk, and nothing to offer
    assert (edinburgh["status"], edinburgh["elsewhere"]) == ("outside_region", None)
    assert edinburgh["message"] == "EH1 1YZ is outside Norfolk"
