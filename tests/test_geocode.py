import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from geozones._errors import InputError
from geozones.geocode.geocoder import (
    PRECISIONS,
    RESULT_COLUMNS,
    Geocoder,
    GeocodeResult,
    place_key,
)
from geozones.regions.postcodes import format_postcode
from geozones.sources.readers import source_info

SAMPLES = "samples/{}_packages_sample.csv"
CODEPOINT = f"OS Code-Point Open {source_info('codepoint').vintage}"


@pytest.fixture(scope="module")
def gb(gb_index):
    return Geocoder(gb_index)


def sample(source, name):
    return pd.read_csv(source / SAMPLES.format(name), dtype=str, keep_default_na=False)


def distance(r: GeocodeResult, e: float, n: float) -> float:
    return math.hypot(r.easting - e, r.northing - n)


# -- postcodes ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["nr1 3qu", "NR13QU", "  Nr1   3Qu ", "NR1\t3QU", "nr1\u00a03qu"])
def test_a_postcode_in_any_case_and_spacing(nfk, text):
    r = nfk.geocode(text)
    assert (r.status, r.precision, r.matched) == ("ok", "postcode", "NR1 3QU")
    assert r.message == "located by postcode NR1 3QU"
    assert r.source == CODEPOINT
    assert (r.easting, r.northing) == (622760.0, 307925.0)
    assert r.lat == pytest.approx(52.6234, abs=1e-3) and r.lon == pytest.approx(1.2897, abs=1e-3)
    assert r.warnings == () and r.query == text


def test_a_herefordshire_postcode(hfd):
    r = hfd.geocode("hr4 9aa")
    assert (r.status, r.precision, r.matched) == ("ok", "postcode", "HR4 9AA")
    assert (r.easting, r.northing) == (350927.0, 240010.0)
    assert r.lat == pytest.approx(52.0563, abs=1e-3) and r.lon == pytest.approx(-2.7171, abs=1e-3)
    assert r.message == "located by postcode HR4 9AA" and r.source == CODEPOINT


def test_a_terminated_postcode_sits_at_its_output_area_and_says_when(nfk):
    r = nfk.geocode("NR10 3BD")
    assert (r.status, r.precision, r.matched) == ("ok", "terminated", "NR10 3BD")
    assert r.message == "located by terminated postcode NR10 3BD"
    assert r.warnings == (
        (
            "postcode NR10 3BD was terminated in May 2010; "
            "placed at the centre of the live postcodes of its output area"
        ),
    )
    assert r.source.startswith("ONS postcode lookup May 2022")
    district = nfk.geocode("NR10")
    assert distance(r, district.easting, district.northing) < 15_000


def test_a_herefordshire_terminated_postcode(hfd):
    r = hfd.geocode("HR4 0AE")
    assert (r.status, r.precision) == ("ok", "terminated")
    assert "was terminated in January 2004" in r.warnings[0]


def test_a_postcode_gone_from_codepoint_after_the_lookup(nfk):
    r = nfk.geocode("HR4 0BH")
    assert r.precision == "terminated"
    assert "was terminated after May 2022" in r.warnings[0]


def test_an_unknown_postcode_falls_back_to_its_sector(nfk):
    r = nfk.geocode("NR1 3ZZ")
    assert (r.status, r.precision, r.matched) == ("ok", "sector", "NR1 3")
    assert r.message == "located by postcode sector NR1 3"
    assert r.warnings == (
        "postcode NR1 3ZZ not found; placed at the centre of postcode sector NR1 3",
    )
    assert r.source == CODEPOINT
    # the sector centre lies among its postcodes (NR1 3QU is one of them)
    assert distance(r, 622760, 307925) < 3_000


def test_an_unknown_sector_falls_back_to_the_district(nfk):
    r = nfk.geocode("nr1 9zz")
    assert (r.status, r.precision, r.matched) == ("ok", "district", "NR1")
    assert r.warnings == (
        "postcode NR1 9ZZ not found; placed at the centre of postcode district NR1",
    )
    assert distance(r, 622760, 307925) < 5_000


def test_a_postcode_whose_district_is_unknown_is_not_found(nfk):
    r = nfk.geocode("ZZ9 9ZZ")
    assert (r.status, r.precision, r.easting, r.lat) == ("error", None, None, None)
    assert r.message == (
        f"postcode not found: ZZ9 9ZZ is not in {CODEPOINT} or the ONS postcode lookup, "
        "and neither is its sector or district"
    )


def test_a_northern_ireland_postcode_says_why(nfk):
    r = nfk.geocode("BT1 1AA")
    assert r.status == "error"
    assert r.message == (
        "postcode not found: BT1 1AA is in Northern Ireland, which the GB postcode index "
        "does not cover"
    )


@pytest.mark.parametrize("text", ["HR1 2ZZZ", "NR1 3Q", "NRI 3QU", "12 3QU"])
def test_malformed_postcodes(nfk, text):
    r = nfk.geocode(text)
    assert r.status == "error"
    assert r.message == f"not a UK postcode: '{text}' (expected a form like NR1 3QU)"


def test_a_district_or_sector_alone(nfk):
    district = nfk.geocode("NR1")
    assert (district.precision, district.matched) == ("district", "NR1")
    assert district.warnings == (
        "only the postcode district NR1 was given; placed at the centre of its live postcodes",
    )
    sector = nfk.geocode("nr1 3")
    assert (sector.precision, sector.matched) == ("sector", "NR1 3")
    assert sector.warnings[0].startswith("only the postcode sector NR1 3 was given")
    missing_sector = nfk.geocode("NR1 9")
    assert (missing_sector.precision, missing_sector.matched) == ("district", "NR1")
    assert missing_sector.warnings == (
        "postcode sector NR1 9 not found; placed at the centre of postcode district NR1",
    )
    unknown = nfk.geocode("ZZ9")
    assert unknown.status == "error"
    assert unknown.message == (
        "postcode not found: there is no postcode district ZZ9 (give a full postcode such as "
        "NR1 3QU)"
    )


# -- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision", "matched"),
    [
        ("Flat 2, 10 Prince of Wales Road, Norwich NR1 1BE", "terminated", "NR1 1BE"),
        ("18 Any Street, Walcott Green, NR12 7DA", "postcode", "NR12 7DA"),
        ("10 high st, norwich nr13qu", "postcode", "NR1 3QU"),
        ("moved from NR1 3QU to\n nr12 7da last May", "postcode", "NR12 7DA"),
        ("NR12 7DA, Flat 3", "postcode", "NR12 7DA"),
    ],
)
def test_a_postcode_anywhere_in_an_address(nfk, text, precision, matched):
    r = nfk.geocode(text)
    assert (r.status, r.precision, r.matched) == ("ok", precision, matched)


def test_postcode_shaped_tokens_inside_words_are_not_postcodes(nfk):
    r = nfk.geocode("Unit HR1 2ZZZ, Little Snoring")
    assert (r.precision, r.matched) == ("place", "Little Snoring")


# -- places -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Little Snoring", "Little Snoring"),
        ("little  snoring", "Little Snoring"),
        ("Kings Lynn", "King's Lynn"),
        ("KINGS-LYNN", "King's Lynn"),
        ("Saint Olaves", "St Olaves"),
        ("St. Olaves", "St Olaves"),
        ("10 High Street, Little Snoring", "Little Snoring"),
        ("High Street, Little Snoring, Fakenham", "Little Snoring"),
        ("Norwich", "Norwich"),
    ],
)
def test_a_place_name(nfk, text, matched):
    r = nfk.geocode(text)
    assert (r.status, r.precision, r.matched) == ("ok", "place", matched)
    assert r.message == f"located by place {matched}"
    assert r.candidates[0].chosen and r.candidates[0].name == matched


def test_places_carry_their_source_dataset(nfk):
    assert nfk.geocode("Little Snoring").source == "OS Open Names"
    # Norwich lies in an OS Open Names tile missing from the source: GeoNames fills it
    norwich = nfk.geocode("Norwich")
    assert norwich.source == "GeoNames"
    assert distance(norwich, 622760, 307925) < 3_000


def test_herefordshire_places(hfd):
    ross = hfd.geocode("Ross on Wye")
    assert (ross.status, ross.precision, ross.matched) == ("ok", "place", "Ross-on-Wye")
    assert ross.candidates[0].local_type == "Town"
    assert hfd.geocode("weobley").matched == "Weobley"


def test_a_welsh_second_name_finds_the_place(hfd):
    r = hfd.geocode("Y Clas-ar-Wy")
    assert (r.precision, r.matched) == ("place", "Glasbury")
    assert r.status == "outside_region" and r.message == "Glasbury is outside Herefordshire"


def test_an_ambiguous_name_returns_every_candidate_ranked(nfk):
    r = nfk.geocode("Fritton")
    assert (r.status, r.matched) == ("ok", "Fritton")
    assert [(c.local_type, c.area, c.chosen) for c in r.candidates] == [
        ("Village", "Great Yarmouth", True),
        ("Village", "South Norfolk", False),
        ("Hamlet", "North Norfolk", False),
    ]
    assert (r.easting, r.northing) == (r.candidates[0].easting, r.candidates[0].northing)
    assert r.warnings == (
        (
            "3 places named 'Fritton': chose Fritton (Village, Great Yarmouth); the others: "
            "Fritton (Village, South Norfolk), Fritton (Hamlet, North Norfolk)"
        ),
    )


def test_in_region_places_rank_first(nfk, hfd):
    hopton = nfk.geocode("Hopton")
    assert [(c.in_region, c.area) for c in hopton.candidates] == [
        (True, "Great Yarmouth"),
        (False, "Suffolk"),
    ]
    crossway = hfd.geocode("Crossway")
    assert [(c.in_region, c.local_type) for c in crossway.candidates] == [
        (True, "Hamlet"),
        (True, "Other Settlement"),
        (False, "Hamlet"),
    ]


def test_no_place_of_that_name(nfk):
    r = nfk.geocode("no fixed abode")
    assert r.status == "error"
    assert r.message == (
        "no place named 'no fixed abode' in or near Norfolk, "
        "and no postcode, coordinates or grid reference"
    )


def test_place_names_need_a_region(gb):
    r = gb.geocode("Little Snoring")
    assert r.status == "error"
    assert r.message == (
        "no postcode, coordinates or grid reference in 'Little Snoring' (place names need a region)"
    )


def test_place_key_folds_case_punctuation_accents_and_saint():
    assert place_key("King's Lynn") == place_key("kings lynn") == "kingslynn"
    assert place_key("Saint Albans") == place_key("St. Albans") == "stalbans"
    assert place_key("Ross-on-Wye") == place_key("Ross on Wye")
    assert place_key("Llanfair Caereinion") == place_key("LLANFAIR CAEREINION")
    assert place_key("Ystradgynlais") == place_key("Ystradgynlaïs")


# -- coordinates and grid references ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("52.63, 1.30", 52.63, 1.3),
        ("52.63 1.3", 52.63, 1.3),
        ("52.63N 1.30E", 52.63, 1.3),
        ("1.30E, 52.63N", 52.63, 1.3),
        ("52.63°N, 1.30°E", 52.63, 1.3),
    ],
)
def test_latitude_longitude(nfk, text, lat, lon):
    r = nfk.geocode(text)
    assert (r.status, r.precision, r.matched) == ("ok", "coordinates", "52.63, 1.3")
    assert (r.lat, r.lon) == (lat, lon)
    assert distance(r, 623424, 308695) < 5
    assert r.source == "typed coordinates"


def test_western_longitudes(nfk):
    r = nfk.geocode("1.30W 52.63N")
    assert (r.lat, r.lon, r.matched) == (52.63, -1.3, "52.63, -1.3")
    assert r.status == "outside_region"


def test_easting_northing(nfk):
    r = nfk.geocode("623000 308000")
    assert (r.status, r.precision, r.matched) == ("ok", "coordinates", "623000, 308000")
    assert (r.easting, r.northing) == (623000.0, 308000.0)
    assert r.lat == pytest.approx(52.6239, abs=1e-3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("95, 1.3", "latitude out of range: 95 (must be -90 to 90)"),
        ("52.6, 200", "longitude out of range: 200 (must be -180 to 180)"),
        ("40.7, -74.0", "not in or near Great Britain: 40.7, -74 (latitude, longitude)"),
        (
            "1.30, 52.63",
            (
                "not in or near Great Britain: 1.3, 52.63 (latitude, longitude); "
                "did you mean 52.63, 1.3 (latitude first)?"
            ),
        ),
        ("800000 100000", "easting out of range: 800000 (British National Grid: 0 to 700000 m)"),
        (
            "400000, 1400000",
            "northing out of range: 1.4e+06 (British National Grid: 0 to 1300000 m)",
        ),
        ("52N 1N", "not valid coordinates: '52N 1N' (e.g. 52.63N 1.30E)"),
    ],
)
def test_bad_coordinates(nfk, text, message):
    r = nfk.geocode(text)
    assert (r.status, r.message, r.easting) == ("error", message, None)


@pytest.mark.parametrize(
    ("text", "matched", "e", "n", "warning"),
    [
        ("TG 2 0", "TG 2 0", 625_000, 305_000, "names a 10 km square"),
        ("TG 23 08", "TG 23 08", 623_500, 308_500, "names a 1 km square"),
        ("tg2308", "TG 23 08", 623_500, 308_500, "names a 1 km square"),
        ("TG 234 089", "TG 234 089", 623_450, 308_950, None),
        ("TG23400890", "TG 2340 0890", 623_405, 308_905, None),
        ("TG 23084 08675", "TG 23084 08675", 623_084.5, 308_675.5, None),
    ],
)
def test_grid_references_by_digits(nfk, text, matched, e, n, warning):
    r = nfk.geocode(text)
    assert (r.status, r.precision, r.matched) == ("ok", "grid_reference", matched)
    assert (r.easting, r.northing) == (e, n)
    assert r.message == f"located by grid reference {matched}"
    if warning:
        assert r.warnings == (f"grid reference {matched} {warning}; the point is its centre",)
    else:
        assert r.warnings == ()


@pytest.mark.parametrize(
    ("text", "e", "n"),
    [("SV 0 0", 5_000, 5_000), ("NN 166 712", 216_650, 771_250), ("HP 61 16", 461_500, 1_216_500)],
)
def test_grid_letters_across_great_britain(gb, text, e, n):
    r = gb.geocode(text)
    assert (r.easting, r.northing) == (e, n)


def test_a_herefordshire_grid_reference(hfd, nfk):
    inside = hfd.geocode("SO 51 40")
    assert (inside.status, inside.easting, inside.northing) == ("ok", 351_500, 240_500)
    outside = nfk.geocode("SO 51 40")
    assert (outside.status, outside.message) == ("outside_region", "SO 51 40 is outside Norfolk")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "TG 230 8",
            (
                "not a valid grid reference: 'TG 230 8' needs 2 to 10 digits, the same number for "
                "easting and northing (e.g. TG 23 08 or TG 2300 0800)"
            ),
        ),
        (
            "TI 23 08",
            (
                "not a British National Grid square: 'TI' (squares run from SV in the south-west "
                "to HP in the north; the letter I is not used)"
            ),
        ),
        (
            "AA 23 08",
            (
                "not a British National Grid square: 'AA' (squares run from SV in the south-west "
                "to HP in the north; the letter I is not used)"
            ),
        ),
    ],
)
def test_bad_grid_references(nfk, text, message):
    r = nfk.geocode(text)
    assert (r.status, r.message) == ("error", message)


# -- empty input, outside the region, the result object ----------------------------------


@pytest.mark.parametrize("value", ["", "   ", "\n", None, float("nan")])
def test_empty_input(nfk, value):
    r = nfk.geocode(value)
    assert (r.status, r.message, r.precision) == ("error", "empty input", None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("HR4 9AA", "HR4 9AA is outside Norfolk"),
        ("EH1 1YZ", "EH1 1YZ is outside Norfolk"),
        ("52.05, -2.72", "52.05, -2.72 is outside Norfolk"),
        ("HR4", "HR4 is outside Norfolk"),
    ],
)
def test_points_outside_the_region_are_located_and_flagged(nfk, text, message):
    r = nfk.geocode(text)
    assert (r.status, r.message) == ("outside_region", message)
    assert r.easting is not None and r.lat is not None


def test_a_norfolk_postcode_on_the_herefordshire_geocoder(hfd):
    r = hfd.geocode("NR1 3QU")
    assert (r.status, r.message, r.precision) == (
        "outside_region",
        "NR1 3QU is outside Herefordshire",
        "postcode",
    )


def test_without_a_region_everything_located_is_ok(gb):
    assert gb.geocode("EH1 1YZ").status == "ok"
    assert gb.geocode("HR4 0AE").status == "ok"


def test_the_result_is_frozen_and_serialises(nfk):
    r = nfk.geocode("Fritton")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.status = "error"  # type: ignore[misc]
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d) == {f.name for f in dataclasses.fields(GeocodeResult)}
    assert d["precision"] == "place" and isinstance(d["warnings"], list)
    assert [c["chosen"] for c in d["candidates"]] == [True, False, False]
    assert d["candidates"][0]["in_region"] is True


def test_every_precision_is_reachable(nfk):
    texts = ["NR1 3QU", "NR10 3BD", "NR1 3ZZ", "NR1 9ZZ", "Market Place, Aylsham",
             "Little Snoring", "52.63, 1.3", "TG 23 08"]  # fmt: skip
    assert [nfk.geocode(t).precision for t in texts] == list(PRECISIONS)


# -- many at once -------------------------------------------------------------------------


def assert_same_as_single(geocoder, values):
    many = geocoder.geocode_many(values)
    for i, value in enumerate(values):
        r = geocoder.geocode(value)
        row = many.iloc[i]
        assert (row["status"], row["message"]) == (r.status, r.message), value
        assert row["warnings"] == "; ".join(r.warnings)
        if r.status != "error":
            assert (row["precision"], row["matched"], row["source"]) == (
                r.precision,
                r.matched,
                r.source,
            )
            assert (row["easting"], row["northing"], row["lat"], row["lon"]) == (
                r.easting,
                r.northing,
                r.lat,
                r.lon,
            )
        else:
            assert pd.isna(row["precision"]) and np.isnan(row["easting"])


def test_many_matches_one_at_a_time(nfk):
    values = ["nr1 3qu", "NR10 3BD", "NR1 3ZZ", "nr1 9zz", "ZZ9 9ZZ", "BT1 1AA", "HR1 2ZZZ",
              "Flat 2, 10 Prince of Wales Road, Norwich NR1 1BE", "Fritton", "no fixed abode",
              "", None, "52.63, 1.30", "TG 23 08", "HR4 9AA", "IP13 0FN", "NR1\u00a03QU",
              "NR1", "95, 1"]  # fmt: skip
    assert_same_as_single(nfk, values)


def test_a_sector_mean_postcode_carries_a_warning(nfk):
    r = nfk.geocode("IP13 0FN")
    assert r.warnings == (
        (
            "OS Code-Point Open places IP13 0FN at the mean of its postcode sector "
            "(positional quality 60)"
        ),
    )
    row = nfk.geocode_many(["IP13 0FN"]).iloc[0]
    assert row["warnings"] == r.warnings[0]


def test_many_keeps_order_count_and_index(nfk):
    values = pd.Series(["TG 23 08", "nr1 3qu", "", "Little Snoring"], index=[10, 3, 7, 1])
    out = nfk.geocode_many(values)
    assert list(out.columns) == RESULT_COLUMNS
    assert list(out.index) == [10, 3, 7, 1]
    assert out["precision"].tolist()[:2] == ["grid_reference", "postcode"]
    assert out["status"].tolist() == ["ok", "ok", "error", "ok"]
    assert list(nfk.geocode_many([]).columns) == RESULT_COLUMNS


def test_many_resolves_postcodes_without_the_per_text_path(nfk, gb_index, monkeypatch):
    calls = []
    single = Geocoder._text
    monkeypatch.setattr(Geocoder, "_text", lambda self, t: calls.append(t) or single(self, t))
    keys = gb_index.keys[::5000].astype(str)
    values = list(format_postcode(keys)) + ["Little Snoring"] * 50 + ["10 Any St NR12 7DA"] * 5
    out = nfk.geocode_many(values)
    assert len(out) == len(values)
    assert (out["matched"].iloc[: len(keys)] == format_postcode(keys)).all()
    assert calls == ["Little Snoring"]


def test_the_norfolk_sample_reports_its_bad_rows(nfk, source):
    packages = sample(source, "norfolk")
    out = nfk.geocode_many(packages["address"])
    assert len(out) == len(packages) == 1500
    assert out.index.equals(packages.index)
    assert out["status"].value_counts().to_dict() == {"ok": 1497, "error": 3}
    errors = out.loc[out["status"] == "error", "message"]
    assert errors.to_dict() == {
        13: "no place named 'no fixed abode' in or near Norfolk, and no postcode, coordinates "
        "or grid reference",
        1151: "empty input",
        1201: "not a UK postcode: 'HR1 2ZZZ' (expected a form like NR1 3QU)",
    }
    unknown = out.loc[265]
    assert (unknown["precision"], unknown["matched"]) == ("district", "NR99")
    assert unknown["warnings"] == (
        "postcode NR99 9ZZ not found; placed at the centre of postcode district NR99"
    )
    assert out.loc[3, "matched"] == "NR18 0JF" and out.loc[7, "matched"] == "NR12 7DA"


def test_the_herefordshire_sample_flags_a_norwich_postcode(hfd, source):
    packages = sample(source, "herefordshire")
    out = hfd.geocode_many(packages["address"])
    assert len(out) == 826
    assert out["status"].value_counts().to_dict() == {"ok": 822, "error": 3, "outside_region": 1}
    assert out.loc[708, "message"] == "NR99 is outside Herefordshire"
    assert out.loc[[19, 66, 442], "status"].tolist() == ["error"] * 3


# -- tables -------------------------------------------------------------------------------


def test_geocode_table_adds_columns_in_chunks(nfk):
    where = ["NR1 3QU", "Fritton", "", "TG 23 08", "HR4 9AA", "nowhere", "nr12 7da"]
    table = pd.DataFrame({"id": list("abcdefg"), "where": where})
    whole = nfk.geocode_table(table, "where")
    chunked = nfk.geocode_table(table, "where", chunk_rows=3)
    pd.testing.assert_frame_equal(whole, chunked)
    assert list(whole.columns) == ["id", "where", *RESULT_COLUMNS]
    assert whole["id"].tolist() == list("abcdefg")
    assert whole["status"].tolist() == ["ok", "ok", "error", "ok", "outside_region", "error", "ok"]


def test_geocode_table_prefixes_columns_it_would_overwrite(nfk):
    table = pd.DataFrame({"postcode": ["NR1 3QU"], "status": ["open"]})
    out = nfk.geocode_table(table, "postcode")
    assert out["status"].tolist() == ["open"]
    assert out["geocode_status"].tolist() == ["ok"]
    assert "geocode_lat" in out.columns


def test_geocode_table_names_a_missing_column(nfk):
    with pytest.raises(InputError, match="no column 'address' in the table; its columns are: a"):
        nfk.geocode_table(pd.DataFrame({"a": ["x"]}), "address")
