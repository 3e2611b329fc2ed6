"""Why an answer is in its band (geozones/classification/explain.py), a radius scheme's areas
(geozones/zones/builders.radius_areas) and a scheme's rules and rates in words."""

from decimal import Decimal

import pytest
import shapely

from geozones._settings import METRES_PER_MILE
from geozones.classification.explain import explain
from geozones.schemes.pricing import rates_in_words, rules_in_words
from geozones.schemes.scheme import get_scheme
from geozones.web import create_app
from geozones.zones.builders import radius_areas
from geozones.zones.lookup import classifier_for


@pytest.fixture(scope="module")
def norfolk_bands(norfolk, build_root):
    return classifier_for("norfolk-2019", build_root)


@pytest.fixture(scope="module")
def herefordshire_radius(herefordshire, build_root):
    return classifier_for("herefordshire-2016", build_root)


def _why(classifier, query):
    return explain(classifier.scheme, classifier.classify(query))


def test_a_central_belt_band_says_the_rule_the_area_the_surgery_and_the_edges(norfolk_bands):
    why = _why(norfolk_bands, "NR13 3XR")
    assert why.counts == "road"
    assert why.sentences == (
        "Norfolk County Council pays by the distance by road from the nearest GP surgery.",
        "The place lies in Central Belt: North Norfolk CCG area (April 2019).",
        "Band 3: 6.85 miles (road, 17 min) from Acle Medical Partnership (D82104).",
        "0.85 miles beyond Band 2's edge (6 miles).",
        "Band 3 is the farthest band: no edge beyond it.",
        "Band 3 is paid £21.72 an hour.",
    )


def test_the_spot_rate_says_the_distance_plays_no_part(norfolk_bands):
    why = _why(norfolk_bands, "PE30 1EX")
    assert why.counts is None
    assert why.sentences[1] == (
        "The place lies outside the Central Belt (West Norfolk CCG area, April 2019): spot rate."
    )
    assert why.sentences[2] == (
        "Here it pays one rate, Spot rate (outside the Central Belt): £18.24 an hour, whatever "
        "the distance. The distance by road (0.69 miles) plays no part in the rate."
    )


def test_the_four_mile_rule_names_the_centres_and_the_margin(herefordshire_radius):
    why = _why(herefordshire_radius, "HR4 9HL")
    assert why.counts == "straight line"
    assert why.sentences[0] == (
        "Herefordshire Council pays the Urban rate within 4 miles in a straight line of "
        "Hereford, Leominster, Ross-on-Wye, Ledbury, Bromyard and Kington, and the Rural rate "
        "beyond."
    )
    assert why.sentences[1:] == (
        "Urban: 0.45 miles in a straight line from Hereford.",
        "That is 3.55 miles inside the 4-mile radius: £14.76 an hour.",
        "The distance by road plays no part in the rate.",
    )


def test_a_flat_rate_and_an_unlocated_query(hertfordshire, build_root, norfolk_bands):
    flat = _why(classifier_for("hertfordshire-2022", build_root), "AL1 3JB")
    assert flat.counts is None and flat.to_dict() == {
        "sentences": [
            (
                "Hertfordshire County Council pays one rate wherever the place lies in its area: "
                "Flat rate across the county, £21.92 an hour."
            ),
            "No distance plays a part in the rate.",
        ],
        "counts": None,
    }
    assert _why(norfolk_bands, "ZZ99 9ZZ").sentences == ()


def test_the_urban_areas_are_the_circles_around_the_centres_cut_to_the_county(herefordshire):
    areas = radius_areas(herefordshire, get_scheme("herefordshire-2016"))
    assert list(areas["label"]) == ["Urban", "Rural"]
    assert list(areas["colour"]) == ["#4575b4", "#91cf60"]
    assert areas["centres"].iloc[0].startswith("Hereford, Leominster")
    urban, rural = areas.geometry
    county = shapely.union_all(herefordshire.boundary.geometry.to_numpy())
    assert urban.union(rural).symmetric_difference(county).area < 1.0  # they cover it once
    assert urban.intersection(rural).area < 1.0
    # every point within 4 miles of Hereford lies in the urban area, one just beyond does not
    hereford = herefordshire.scheme_centres.set_index("name").geometry["Hereford"]
    radius = 4 * METRES_PER_MILE
    assert urban.covers(shapely.Point(hereford.x + radius - 1, hereford.y))
    assert rural.covers(shapely.Point(hereford.x + radius + 1, hereford.y))


def test_rates_and_rules_in_words():
    assert rates_in_words(get_scheme("herefordshire-2017"))[1:] == [
        ("24 hour packages and sleep-in nights", Decimal("12.80"), ("for sleep-in care and "
         "24-hour care")),
        ("'D' pathway blended rate", Decimal("13.70"), ("pathway D packages; the hours paid "
         "70% at 24 hour packages and sleep-in nights and 30% at Fixed rate (pro rata for "
         "shorter visits)")),
    ]  # fmt: skip
    herts = rules_in_words(get_scheme("hertfordshire-2022"))
    assert herts[0].startswith(
        "A visit is paid by its length: 0:00 to 20:59, 40% of the hourly rate; 21:00 to 35:59, "
        "60% of the hourly rate;"
    )
    norfolk = rules_in_words(get_scheme("norfolk-2019"))
    assert norfolk[0] == "A visit is paid by the minute, pro rata to the hourly rate."
    assert "Block contract rates are negotiated individually and are not covered here." in norfolk


def test_lookups_and_routes_say_why(norfolk, build_root, tmp_path):
    app = create_app({"BUILD_DIR": str(build_root), "INSTANCE_DIR": str(tmp_path), "TESTING": True})
    client = app.test_client()
    spot = client.get("/api/v1/lookup?q=PE30+1EX&scheme=norfolk-2019").get_json()
    assert spot["why"]["counts"] is None
    assert spot["why"]["sentences"][-1].endswith("plays no part in the rate.")
    route = client.get("/api/v1/route?q=NR13+3XR").get_json()
    looked_up = client.get("/api/v1/lookup?q=NR13+3XR").get_json()
    assert route["answer"] == looked_up and looked_up["why"]["counts"] == "road"
    assert "0.85 miles beyond Band 2's edge (6 miles)." in looked_up["why"]["sentences"]
    many = client.post("/api/v1/lookup", json={"queries": ["NR13 3XR", "EH1 1YZ"]}).get_json()
    assert many["answers"][0]["why"] == looked_up["why"]
    assert many["answers"][1]["why"] == {"sentences": [], "counts": None}
