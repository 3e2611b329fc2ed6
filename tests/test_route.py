"""The route behind an answer by road (geozones/classification/route.py) and ``geozones route``."""

import json

import numpy as np
import pytest
import shapely
from shapely import Point

from geozones._errors import InputError
from geozones._settings import METRES_PER_MILE
from geozones.classification.classifier import Answer
from geozones.classification.route import edge_words, route_for
from geozones.schemes.scheme import get_scheme
from geozones.zones.lookup import classifier_for


@pytest.fixture(scope="module")
def norfolk_bands(norfolk, build_root):
    return classifier_for("norfolk-2019", build_root)


@pytest.fixture(scope="module")
def broadland(norfolk_bands):
    """NR13 3XR, in Broadland: Band 3, 6.85 miles by road from Acle Medical Partnership."""
    return route_for(norfolk_bands, "NR13 3XR")


def _answer(band, distance_band=None, **values):
    return Answer("a query", "a scheme", "ok", "a message", band=band,
                  distance_band=distance_band, **values)  # fmt: skip


def test_nr13_3xr_is_driven_from_acle_along_the_distance_it_is_banded_by(norfolk_bands, broadland):
    answer, route = broadland.answer, broadland.route
    assert answer.band == "Band 3" and answer.distance_miles == 6.85
    assert broadland.surgery == answer.nearest_surgery == "Acle Medical Partnership (D82104)"
    practice = norfolk_bands.surgeries.practices.iloc[route.facility]
    assert practice["code"] == "D82104"
    assert broadland.miles == pytest.approx(answer.distance_miles, abs=0.01)
    xy = np.array([[answer.easting, answer.northing]])
    measured = norfolk_bands.surgeries.measure(xy).metres[0]
    assert abs(route.metres - measured) < 1.0  # no snap gap counts: the same metres
    # the line runs from the surgery's road to the address's, as far from each as their gaps
    start, end = (Point(route.line.coords[i]) for i in (0, -1))
    assert start.distance(practice.geometry) == pytest.approx(route.facility_gap_m)
    assert end.distance(Point(xy[0])) == pytest.approx(route.snap_gap_m)
    # a drive is never quicker than the quickest drive from any surgery
    assert broadland.minutes >= answer.drive_minutes
    assert broadland.minutes == round(route.door_minutes, 1)


def test_the_route_is_one_continuous_line_through_its_nodes(norfolk, broadland):
    route, net = broadland.route, norfolk.network
    assert len(route.pieces) == len(route.nodes) + 1 > 10
    for before, after in zip(route.pieces[:-1], route.pieces[1:], strict=True):
        np.testing.assert_allclose(before.coords[-1], after.coords[0], rtol=0, atol=1e-6)
    # each whole edge between joins the nodes before and after it
    ends = np.sort(np.column_stack([net.edge_u, net.edge_v])[route.edges[1:-1]], axis=1)
    pairs = np.sort(np.column_stack([route.nodes[:-1], route.nodes[1:]]), axis=1)
    np.testing.assert_array_equal(ends, pairs)
    assert route.line.length == pytest.approx(route.metres)
    assert route.line.length == pytest.approx(sum(p.length for p in route.pieces))
    assert shapely.is_simple(route.line)  # a shortest drive never crosses itself


def test_the_band_edges_of_nr13_3xr_in_words(broadland):
    scheme = get_scheme("norfolk-2019")
    band_3 = next(b for b in scheme.bands if b.label == "Band 3")
    assert band_3.from_miles == 6  # Band 3 starts at 6 miles: 6.85 is 0.85 beyond it
    beyond = broadland.route.metres / METRES_PER_MILE - float(band_3.from_miles)
    assert f"{beyond:.2f}" == "0.85"
    assert broadland.edges == (
        "0.85 miles beyond Band 2's edge (6 miles)",
        "Band 3 is the farthest band: no edge beyond it",
    )
    assert broadland.edges_text == "; ".join(broadland.edges)


def test_band_edges_on_both_sides_and_close_by():
    scheme = get_scheme("norfolk-2019")
    band_2 = _answer("Band 2", "Band 2")
    assert edge_words(scheme, band_2, 4.12 * METRES_PER_MILE) == (
        "1.12 miles beyond Band 1's edge (3 miles)",
        "1.88 miles short of Band 3 (6 miles)",
    )
    band_1 = _answer("Band 1", "Band 1")
    assert edge_words(scheme, band_1, 2.999 * METRES_PER_MILE) == (
        "under 0.01 miles short of Band 2 (3 miles)",
    )


def test_a_route_outside_the_central_belt_says_the_distance_plays_no_part(norfolk_bands):
    found = route_for(norfolk_bands, "PE30 1EX")
    assert found.answer.band == "Spot rate (outside the Central Belt)"
    (words,) = found.edges
    assert words == (
        "Spot rate (outside the Central Belt): banding applies only in the Central Belt CCG "
        "areas, so the road distance plays no part in the rate here (by distance alone it "
        "would be Band 1)"
    )


def test_flat_and_radius_schemes_say_the_road_distance_plays_no_part():
    (flat,) = edge_words(get_scheme("herefordshire-2017"), _answer("Fixed rate"), 800.0)
    assert flat == (
        "Fixed rate is paid wherever the place lies under herefordshire-2017: the road "
        "distance plays no part in its rate"
    )
    rural = _answer("Rural", distance_miles=4.5)
    (radius,) = edge_words(get_scheme("herefordshire-2016"), rural, 9000.0)
    assert radius == (
        "Rural is paid by the straight-line distance from herefordshire-2016's centres "
        "(4.50 miles): the road distance plays no part in its rate"
    )


def test_the_geojson_is_the_route_the_surgery_and_the_address_in_wgs84(broadland):
    collection = json.loads(json.dumps(broadland.to_geojson()))
    assert collection["type"] == "FeatureCollection"
    line, surgery, address = collection["features"]
    assert line["geometry"]["type"] == "LineString"
    assert line["properties"] == {
        "kind": "route",
        "miles": 6.85,
        "minutes": broadland.minutes,
        "quickest_minutes": 17.4,
        "surgery": "Acle Medical Partnership (D82104)",
        "scheme": "norfolk-2019",
        "band": "Band 3",
        "edges": broadland.edges_text,
    }
    lonlat = np.array(line["geometry"]["coordinates"])
    assert len(lonlat) == len(shapely.get_coordinates(broadland.route.line))
    assert ((lonlat[:, 0] > 1.2) & (lonlat[:, 0] < 1.7) & (lonlat[:, 1] > 52.5)).all()
    assert surgery["geometry"]["type"] == address["geometry"]["type"] == "Point"
    assert surgery["properties"] == {"kind": "surgery", "name": broadland.surgery}
    assert address["geometry"]["coordinates"] == [broadland.answer.lon, broadland.answer.lat]
    assert collection["answer"]["band"] == "Band 3"


def test_no_route_without_one_point_measured_by_road(herefordshire, norfolk_bands, build_root):
    with pytest.raises(InputError, match="Herefordshire has no road network in this build, so its"):
        route_for(classifier_for("herefordshire-2016", build_root), "HR1 2HX")
    with pytest.raises(InputError, match=r"'NR21 0' is located only to a postcode sector"):
        route_for(norfolk_bands, "NR21 0")
    with pytest.raises(InputError, match=r"'EH1 1YZ' has no route: .*outside"):
        route_for(norfolk_bands, "EH1 1YZ")


def test_the_route_command(norfolk, build_root, run_cli, tmp_path):
    out_file = tmp_path / "route.geojson"
    code, out, err = run_cli("route", "NR13", "3XR", "--scheme", "norfolk-2019",
                             "--build", build_root, "--geojson", out_file)  # fmt: skip
    assert code == 0, err
    lines = dict(line.split(":", 1) for line in out.splitlines())
    assert lines["route"].strip().startswith("6.85 miles, ")
    assert lines["surgery"].strip() == "Acle Medical Partnership (D82104)"
    assert lines["edges"].strip() == (
        "0.85 miles beyond Band 2's edge (6 miles); Band 3 is the farthest band: no edge beyond it"
    )
    assert lines["quickest"].strip() == "17.4 min from any surgery"
    written = json.loads(out_file.read_text(encoding="utf-8"))
    assert [f["properties"]["kind"] for f in written["features"]] == ["route", "surgery", "address"]


def test_the_route_command_without_roads_is_an_input_error(herefordshire, build_root, run_cli):
    code, out, err = run_cli("route", "HR1 2HX", "--build", build_root)
    assert code == 3 and not out
    assert err.startswith("geozones: error: Herefordshire has no road network in this build")
