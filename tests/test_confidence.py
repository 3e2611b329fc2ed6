"""Confidence that tells the truth (issue 12, section 3).

Each answer's confidence follows from how the query was located; a postcode
that is in no dataset answers the range of bands over its sector's live
postcodes; a place answers the band at its centre and the share of its
postcodes in each band; malformed postcodes and text that is not text are
refused with a message. The figures are those a user reads.
"""

import math
import string
import sys

import numpy as np
import pandas as pd
import pytest

from geozones._vocab import Confidence, Status
from geozones.classification.classifier import (
    CLASSIFY_COLUMNS,
    LOCATION_CONFIDENCE,
    Answer,
    answer_confidence,
)
from geozones.geocode.geocoder import PLACE_RADIUS_M, PRECISIONS, UNUSED_UNIT_LETTERS
from geozones.regions.postcodes import format_postcode
from geozones.web import create_app
from geozones.zones.lookup import classifier_for

NFK = "norfolk-2019"


@pytest.fixture(scope="module")
def bands(norfolk, build_root):
    return classifier_for(NFK, build_root)


@pytest.fixture(scope="module")
def client(norfolk, build_root, tmp_path_factory):
    app = create_app(
        {
            "BUILD_DIR": str(build_root),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "REGIONS": ["norfolk"],
            "TESTING": True,
        }
    )
    return app.test_client()


# -- confidence follows from how the address was located -----------------------------------


def test_a_live_postcode_is_exact(bands):
    answer = bands.classify("NR1 3QU")
    assert (answer.status, answer.precision, answer.confidence) == ("ok", "postcode", "exact")
    assert answer.located_by == "live postcode" and answer.band_shares is None


def test_a_terminated_postcode_is_approximate_at_its_output_area(bands):
    answer = bands.classify("NR10 3BD")
    assert (answer.status, answer.precision) == ("ok", "terminated")
    assert answer.confidence == "approximate"
    assert answer.located_by == "terminated postcode, at its output area's centre"
    assert answer.band == "Band 2" and answer.distance_miles == 3.47


def test_an_unknown_postcode_answers_the_range_of_its_sector(bands):
    answer = bands.classify("NR21 0ZZ")
    assert answer.status == "imprecise" and answer.confidence == "range"
    assert (answer.precision, answer.matched) == ("sector", "NR21 0")
    assert answer.band == "Band 1-3" and answer.rate is None
    assert answer.message == (
        "Band 1-3: NR21 0ZZ is not a postcode; the live postcodes of sector NR21 0 lie "
        "0.69-6.98 miles (road) from their nearest surgery"
    )
    assert answer.band_shares == "211 postcodes: Band 1 25%, Band 2 59%, Band 3 16%"
    assert answer.distance_miles is None and answer.nearest_surgery is None
    assert answer.drive_minutes is None and answer.road_miles is None
    assert answer.distance_band is None
    assert (
        "district, zone, lot and PCN are those at the centre of postcode sector NR21 0"
        in answer.caveats
    )


def test_the_range_is_that_of_the_sector_postcodes_classified_one_by_one(bands, norfolk):
    postcodes = norfolk.postcodes
    sector = postcodes.loc[
        postcodes["in_region"] & postcodes["postcode"].str.startswith("NR21 0"), "postcode"
    ]
    each = bands.classify_many(sector.reset_index(drop=True))
    assert len(each) == 211 and set(each["status"]) == {"ok"}
    assert set(each["band"]) == {"Band 1", "Band 2", "Band 3"}
    assert (each["distance_miles"].min(), each["distance_miles"].max()) == (0.69, 6.98)
    shares = each["band"].value_counts(normalize=True).round(2).to_dict()
    assert shares == {"Band 1": 0.25, "Band 2": 0.59, "Band 3": 0.16}


def test_nr99_9zz_is_not_band_1_exact_from_a_district_centre(bands):
    answer = bands.classify("NR99 9ZZ")
    assert answer.status == "imprecise" and answer.confidence == "range"
    assert (answer.precision, answer.matched) == ("district", "NR99")
    assert answer.band == "Band 1" and str(answer.rate) == "18.24"  # all 7 share Band 1
    assert answer.message == (
        "Band 1: NR99 9ZZ is not a postcode; the live postcodes of district NR99 lie "
        "0.89 miles (road) from their nearest surgery"
    )
    assert answer.band_shares == "7 postcodes: Band 1 100%"


def test_a_sector_alone_answers_its_range_without_calling_it_a_postcode(bands):
    answer = bands.classify("NR21 0")
    assert answer.status == "imprecise" and answer.band == "Band 1-3"
    assert answer.message == (
        "Band 1-3: the live postcodes of sector NR21 0 lie 0.69-6.98 miles (road) from their "
        "nearest surgery"
    )
    assert answer.located_by == "postcode sector, over its live postcodes"


@pytest.mark.parametrize(
    ("query", "confidence", "located_by"),
    [
        ("TG 23 08", "approximate", "grid reference, at the centre of its 1 km square"),
        ("TG 2300 0800", "exact", "grid reference, at the centre of its 10 m square"),
        ("52.63, 1.30", "exact", "coordinates"),
    ],
)
def test_grid_references_and_coordinates(bands, query, confidence, located_by):
    answer = bands.classify(query)
    assert (answer.status, answer.confidence, answer.located_by) == ("ok", confidence, located_by)


def test_the_least_sure_of_location_and_measurement_wins():
    got = answer_confidence(
        ["exact", "approximate", "exact", None, None, "range"],
        ["near band edge", "estimate", None, "exact", None, "exact"],
    )
    assert list(got) == ["near band edge", "approximate", "exact", "exact", None, "range"]


def test_every_precision_has_a_confidence():
    assert set(LOCATION_CONFIDENCE) == set(PRECISIONS)
    assert LOCATION_CONFIDENCE["postcode"] == Confidence.EXACT
    assert LOCATION_CONFIDENCE["terminated"] == Confidence.APPROXIMATE
    assert LOCATION_CONFIDENCE["sector"] == LOCATION_CONFIDENCE["district"] == Confidence.RANGE


# -- places --------------------------------------------------------------------------------


def test_a_place_answers_its_centre_and_the_shares_of_its_postcodes(bands):
    answer = bands.classify("Little Snoring")
    assert (answer.status, answer.precision, answer.confidence) == ("ok", "place", "approximate")
    assert answer.band == "Band 1" and answer.distance_miles == 2.63
    assert answer.message == (
        "Little Snoring: Band 1 at the centre, 2.63 miles (road, 5 min); 90% of its 29 postcodes "
        "are Band 1, 10% Band 2"
    )
    assert answer.band_shares == "29 postcodes: Band 1 90%, Band 2 10%"
    assert answer.located_by == "place, at its centre"


def test_a_place_extent_is_its_radius_and_no_nearer_place(bands, norfolk):
    answer = bands.classify("Little Snoring")
    mine = bands.geocoder.place_postcodes(answer.easting, answer.northing)
    assert len(mine) == 29
    metres = np.hypot(mine[:, 0] - answer.easting, mine[:, 1] - answer.northing)
    assert metres.max() <= PLACE_RADIUS_M["Village"]
    places = np.column_stack([norfolk.places.geometry.x, norfolk.places.geometry.y])
    nearest = np.hypot(*(mine[:, None, :] - places[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    assert np.allclose(metres, nearest, atol=0.5)  # no other place is nearer


def test_many_places_and_sectors_answer_as_one_at_a_time(bands):
    queries = ["Little Snoring", "NR21 0ZZ", "NR1 3QU", "Little Snoring", "NR21 0XX", "NR99 9ZZ"]
    frame = bands.classify_many(queries)
    many = [
        Answer.from_row(q, row) for q, row in zip(queries, frame.to_dict("records"), strict=True)
    ]
    assert many == [bands.classify(q) for q in queries]
    assert many[4].message.startswith("Band 1-3: NR21 0XX is not a postcode; ")


# -- malformed postcodes and text that is not text -----------------------------------------


def test_nr1_3ci_is_malformed_not_placed_at_its_sector(bands):
    answer = bands.classify("NR1 3CI")
    assert answer.status == "error" and answer.band is None and answer.precision is None
    assert answer.message == (
        "not a UK postcode: NR1 3CI has C and I in its last two letters, where Royal Mail "
        "never uses C, I, K, M, O or V"
    )


def test_every_unused_letter_in_either_of_the_last_two_places_is_malformed(bands):
    texts, unused = [], []
    for letter in string.ascii_uppercase:
        for template in ("NR1 3{}U", "nr1 3q{}", "10 High St, NR1 3{}A"):
            texts.append(template.format(letter if template[0] != "n" else letter.lower()))
            unused.append(letter in UNUSED_UNIT_LETTERS)
    geocoded = bands.geocoder.geocode_many(texts)
    for text, bad, (_, row) in zip(texts, unused, geocoded.iterrows(), strict=True):
        single = bands.geocoder.geocode(text)
        said = "where Royal Mail never uses C, I, K, M, O or V" in single.message
        assert said == bad, text
        assert (row["status"], row["message"]) == (single.status, single.message), text
        if bad:
            assert single.status == "error" and single.easting is None


@pytest.mark.parametrize(("text", "letter"), [("ſW1A 2AA", "ſ"), ("ß1 1AA", "ß"), ("ıp1 1aa", "ı")])
def test_letters_upper_case_would_turn_into_ascii_are_refused(bands, text, letter):
    answer = bands.classify(text)
    assert answer.status == "error" and answer.matched is None
    assert answer.message == (
        f"not a UK postcode: '{text}' has {letter}, and postcodes use only the letters A-Z "
        "and digits 0-9"
    )


def _folds_to_ascii(c):
    return next((f for f in (c.upper(), c.lower().upper()) if f.isascii() and f.isalpha()), None)


def test_no_letter_outside_ascii_is_read_as_the_letters_it_folds_to(bands):
    """Every character of Unicode whose case mapping gives A-Z, at the head of a postcode."""
    folding = {
        c: f
        for c in map(chr, range(0x80, sys.maxunicode + 1))
        if not 0xD800 <= ord(c) < 0xE000 and (f := _folds_to_ascii(c))
    }
    assert {"ſ", "ß", "ı", "ﬅ", "\u212a"} <= set(folding)  # long s, sharp s, ..., Kelvin sign
    keys = bands.geocoder.index.keys.astype(str)
    texts = []
    for c, letters in folding.items():
        key = next((k for k in keys if k.startswith(letters)), None)
        if key is not None:
            postcode = str(format_postcode(np.array([key]))[0])
            texts += [c + postcode[len(letters) :], f"Flat 1, {c}{postcode[len(letters) :]}"]
            assert bands.geocoder.geocode(postcode).status != "error"  # the ASCII form is found
    assert len(texts) >= 10
    for text, (_, row) in zip(texts, bands.geocoder.geocode_many(texts).iterrows(), strict=True):
        single = bands.geocoder.geocode(text)
        assert single.status == row["status"] == "error", text
        assert single.message == row["message"], text


def test_a_lone_surrogate_is_an_error_row_in_the_geocoder(bands):
    frame = bands.classify_many(["NR1 3QU", "\ud800", "x\udc80 NR1 3QU"])
    assert list(frame["status"]) == ["ok", "error", "error"]
    assert frame["message"].iloc[1] == (
        "not text: it holds a lone surrogate (U+D800), half of a UTF-16 pair and no character; "
        "send the text as UTF-8"
    )
    assert bands.classify("\ud800").message == frame["message"].iloc[1]


def test_the_api_refuses_a_lone_surrogate_with_422(client):
    body = '{"scheme": "norfolk-2019", "queries": ["NR1 3QU", "\\ud800"]}'
    response = client.post("/api/v1/lookup", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "InputError",
        "detail": (
            "queries[1] holds a lone surrogate (U+D800) at character 1: half of a UTF-16 pair, "
            "no character; send the text as UTF-8"
        ),
    }


@pytest.mark.parametrize("inside", [True, False])
def test_the_api_refuses_json_nested_1000_deep_with_400(client, inside):
    deep = "[" * 1000 + "]" * 1000
    body = '{"scheme": "norfolk-2019", "queries": ' + deep + "}" if inside else deep
    response = client.post("/api/v1/lookup", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"] == (
        'the JSON body is nested too deeply to read; send {"scheme": "...", "queries": '
        '["...", ...]}'
    )


def test_the_api_says_a_body_is_not_utf8(client):
    body = b'{"scheme": "norfolk-2019", "queries": ["\xff"]}'
    response = client.post("/api/v1/lookup", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("the body is not UTF-8 (byte 0xff at 40)")


# -- every answer carries its precision and confidence -------------------------------------

EVERY_KIND = ["NR1 3QU", "NR10 3BD", "NR21 0ZZ", "NR99 9ZZ", "NR1 3", "Little Snoring",
              "52.63, 1.30", "TG 23 08", "HR1 2HX", "NR1 3CI", ""]  # fmt: skip


def test_every_answer_has_a_precision_and_a_confidence_consistent_with_it(bands):
    frame = bands.classify_many(EVERY_KIND)
    for query, record in zip(EVERY_KIND, frame.to_dict("records"), strict=True):
        row = {k: None if pd.isna(v) else v for k, v in record.items()}
        located = row["precision"] is not None
        assert (row["located_by"] is not None) == located, query
        if row["status"] in (Status.OK, Status.IMPRECISE):
            least = LOCATION_CONFIDENCE[row["precision"]]
            order = list(Confidence)
            assert order.index(Confidence(row["confidence"])) >= order.index(least), query
        else:
            assert row["confidence"] is None and row["band"] is None, query
        assert "_" not in (row["located_by"] or "")  # plain words, not field values
        assert row["confidence"] != "exact" or row["precision"] in (
            "postcode", "coordinates", "grid_reference"
        )  # fmt: skip
    assert list(frame["status"]) == [
        "ok", "ok", "imprecise", "imprecise", "imprecise", "ok", "ok", "ok", "outside_region",
        "error", "error",
    ]  # fmt: skip


def test_the_api_document_and_the_answers_agree(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    answer = doc["components"]["schemas"]["Answer"]["properties"]
    assert set(Answer.__dataclass_fields__) <= set(answer)
    assert set(CLASSIFY_COLUMNS) <= set(answer)
    assert "imprecise" in answer["status"]["enum"] and "range" in answer["confidence"]["enum"]
    assert answer["precision"]["enum"] == [*PRECISIONS, None]
    got = client.get("/api/v1/lookup?q=NR21+0ZZ&scheme=norfolk-2019").get_json()
    assert (got["status"], got["confidence"], got["band"]) == ("imprecise", "range", "Band 1-3")
    assert got["located_by"] == "postcode sector, over its live postcodes"


def test_the_cli_prints_plain_words(run_cli, norfolk, build_root):
    code, out, _ = run_cli("lookup", "NR10", "3BD", "--scheme", NFK, "--build", build_root)
    lines = out.splitlines()
    assert code == 0
    assert "located:  NR10 3BD (terminated postcode, at its output area's centre)" in lines
    assert "confidence: approximate" in lines and "distance: 3.47 miles (road)" in lines
    code, out, _ = run_cli("lookup", "Little Snoring", "--scheme", NFK, "--build", build_root)
    assert "shares:   29 postcodes: Band 1 90%, Band 2 10%" in out.splitlines()


def test_the_classified_file_carries_them(run_cli, norfolk, build_root, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("id,address\n1,NR21 0ZZ\n2,NR1 3QU\n3,Little Snoring\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, printed, _ = run_cli("classify", rows, "-o", out, "--scheme", NFK, "--build", build_root)
    assert code == 0 and "(2 ok, 1 imprecise)" in printed
    table = pd.read_csv(out, dtype=str)
    assert list(table["confidence"]) == ["range", "exact", "approximate"]
    assert list(table["status"]) == ["imprecise", "ok", "ok"]
    assert table["band_shares"].iloc[0] == "211 postcodes: Band 1 25%, Band 2 59%, Band 3 16%"
    assert math.isnan(float(table["rate"].iloc[0]))
    assert table["located_by"].iloc[1] == "live postcode"
