"""The scheme follows the place: a lookup without a scheme answers under the one in force there."""

import csv
import io

import pytest

from geozones._errors import InputError
from geozones.web import create_app
from geozones.zones.place import scheme_at

BUILT = "herefordshire, hertfordshire, norfolk, nottinghamshire, rutland"


@pytest.fixture(scope="module")
def build(build_root, norfolk, herefordshire, hertfordshire, nottinghamshire, rutland):
    # every region a session builds into build_root, so the list of regions built is the same
    # whatever ran first
    return build_root


@pytest.mark.parametrize(
    ("query", "scheme"),
    [
        ("NR1 3QU", "norfolk-2019"),
        ("HR1 2HX", "herefordshire-2017"),
        ("LE15 6NT", "rutland-demo"),
        ("52.63, 1.30", "norfolk-2019"),
    ],
)
def test_the_region_holding_the_point_gives_its_default_scheme(build, query, scheme):
    assert scheme_at(query, build).id == scheme


def test_only_the_regions_given_and_built_are_looked_in(build):
    with pytest.raises(InputError) as exc:
        scheme_at("NR1 3QU", build, ["herefordshire", "isle-of-wight"], "give scheme=")
    assert str(exc.value) == (
        "NR1 3QU lies in none of the regions built (herefordshire); give scheme="
    )


def test_a_place_that_is_not_located_says_why(build):
    with pytest.raises(InputError) as exc:
        scheme_at("zzzz qqqq", build)
    assert str(exc.value) == (
        "'zzzz qqqq': no postcode, coordinates or grid reference in 'zzzz qqqq' "
        "(place names need a region); name a scheme with --scheme"
    )


def test_cli_lookup_without_scheme_answers_under_norfolk_2019(build, run_cli):
    code, out, err = run_cli("lookup", "NR1 3QU", "--build", build)
    assert (code, err) == (0, ""), err
    assert "scheme:   norfolk-2019" in out
    assert "band:     Band 1" in out and "rate:     £18.24 an hour" in out


def test_cli_lookup_without_scheme_answers_under_herefordshire_2017(build, run_cli):
    code, out, err = run_cli("lookup", "HR1 2HX", "--build", build)
    assert (code, err) == (0, ""), err
    assert "scheme:   herefordshire-2017" in out


def test_cli_lookup_of_a_place_in_no_built_region_exits_3(build, run_cli):
    code, out, err = run_cli("lookup", "EH1 1YZ", "--build", build)
    assert (code, out) == (3, "")
    assert err == (
        f"geozones: error: EH1 1YZ lies in none of the regions built ({BUILT}); "
        "name a scheme with --scheme\n"
    )


@pytest.fixture(scope="module")
def client(build, tmp_path_factory):
    app = create_app(
        {
            "BUILD_DIR": str(build),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "REGIONS": ["norfolk", "herefordshire", "hertfordshire"],
            "TESTING": True,
        }
    )
    return app.test_client()


def test_many_lookups_without_a_scheme_answer_each_under_its_own(client):
    queries = ["NR13 3XR", "HR1 2HX", "EH1 1YZ", "zzzz qqqq"]
    body = client.post("/api/v1/lookup", json={"queries": queries}).get_json()
    assert (body["scheme"], body["schemes"]) == (None, ["herefordshire-2017", "norfolk-2019"])
    broadland, hereford, edinburgh, nowhere = body["answers"]
    assert [a["query"] for a in body["answers"]] == queries
    assert (broadland["scheme"], broadland["band"], broadland["rate"]) == (
        "norfolk-2019", "Band 3", "21.72",
    )  # fmt: skip
    assert (hereford["scheme"], hereford["status"]) == ("herefordshire-2017", "ok")
    assert (edinburgh["scheme"], edinburgh["status"], edinburgh["band"]) == (
        None, "outside_region", None,
    )  # fmt: skip
    assert edinburgh["message"] == (
        "EH1 1YZ lies in none of the regions built (norfolk, herefordshire, hertfordshire); "
        'give "scheme"'
    )
    assert (nowhere["scheme"], nowhere["status"]) == (None, "error")
    one = client.post("/api/v1/lookup", json={"queries": ["NR1 3QU", "NR21 0AA"]}).get_json()
    assert (one["scheme"], one["schemes"]) == ("norfolk-2019", ["norfolk-2019"])


def test_an_upload_is_offered_the_scheme_where_most_rows_lie(client):
    table = b"address\nNR1 3QU\nNR21 0AA\nHR1 2HX\nnowhere\n"
    response = client.post("/api/v1/batch/scheme", data={"file": (io.BytesIO(table), "mixed.csv")})
    assert response.status_code == 200
    assert response.get_json() == {
        "scheme": "norfolk-2019",
        "region": "norfolk",
        "rows": 4,
        "counts": [{"region": "norfolk", "rows": 2}, {"region": "herefordshire", "rows": 1}],
        "message": "2 of 4 rows lie in Norfolk: Norfolk banded home support pricing 2019/20 "
        "(Central Belt) (norfolk-2019)",
    }
    none = client.post(
        "/api/v1/batch/scheme", data={"file": (io.BytesIO(b"address\nEH1 1YZ\n"), "scot.csv")}
    ).get_json()
    assert none["scheme"] is None and none["message"] == (
        "none of the 1 rows lies in a built region with a default scheme "
        "(norfolk, herefordshire, hertfordshire); choose the scheme"
    )


def test_rows_uploaded_under_another_regions_scheme_are_outside_region(client):
    table = b"address,weekly_hours\nNR1 3QU,3\nHR1 2HX,4\n"
    response = client.post(
        "/api/v1/batch",
        data={"file": (io.BytesIO(table), "norfolk.csv"), "scheme": "herefordshire-2016"},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["status"], r["band"]) for r in rows] == [
        ("outside_region", ""), ("ok", "Urban"),
    ]  # fmt: skip
    assert rows[0]["message"] == "NR1 3QU is outside Herefordshire"
