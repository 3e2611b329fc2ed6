"""Herefordshire and Hertfordshire answer by road, and say where the cut edge matters."""

import pytest

from geozones._settings import METRES_PER_MILE
from geozones.distance.facility import NearestFacility
from geozones.zones.lookup import classifier_for


def test_herefordshire_answers_by_road(herefordshire_roads, roads_root, run_cli):
    code, out, err = run_cli("band", "HR6 8TL", "--region", "herefordshire", "--build", roads_root)
    assert (code, err) == (0, "")
    assert "method:   road" in out and "estimate" not in out


def test_hereford_to_leominster_is_about_13_miles_by_road(herefordshire_roads):
    places = herefordshire_roads.places
    hereford = places[places["name"] == "Hereford"].head(1).reset_index(drop=True)
    leominster = places[places["name"] == "Leominster"].head(1).reset_index(drop=True)
    search = NearestFacility(herefordshire_roads.network, hereford).solve()
    got = search.distance_to_nearest(leominster.geometry)
    assert got["status"].tolist() == ["ok"]
    assert got["metres"].iloc[0] / METRES_PER_MILE == pytest.approx(13.4, abs=0.5)


def test_the_four_mile_rule_stays_a_straight_line_and_reports_the_road(herefordshire_roads,
                                                                      roads_root):  # fmt: skip
    answer = classifier_for("herefordshire-2016", roads_root).classify("HR6 8TL")
    assert answer.method == "straight line" and answer.band == "Urban"
    assert answer.message.startswith("Urban: ")
    assert answer.message.endswith("miles in a straight line from Leominster")
    assert answer.road_miles is not None and answer.drive_minutes is not None


def test_hertfordshire_answers_by_road(hertfordshire_roads, roads_root):
    answer = classifier_for("hertfordshire-2022", roads_root).classify("SG1 1HB")
    assert answer.status == "ok" and str(answer.rate) == "21.92"
    assert answer.road_miles == pytest.approx(0.78, abs=0.05) and answer.drive_minutes > 0
    assert answer.nearest_surgery is not None


def test_a_nearer_surgery_beyond_the_cut_edge_is_said(herefordshire_roads, roads_root):
    # SY8 4LR lies by the Shropshire/Worcestershire edge: Tenbury's surgery is 1.93 miles away
    # in a straight line, but the extract was cut at the county outline, so the roads to it
    # are gone and the road distance is to the nearest surgery the roads reach
    answer = classifier_for("herefordshire-2017", roads_root).classify("SY8 4LR")
    assert answer.nearest_surgery == "Ryeland Surgery (M81016)"
    assert answer.road_miles == pytest.approx(10.33, abs=0.05)
    assert (
        "Tenbury Surgery (M81042), 1.93 miles away in a straight line, lies beyond the edge of "
        "the road extract (cut at the county outline): the road distance is to the nearest "
        "surgery the roads reach, and the drive to Tenbury Surgery (M81042) may be shorter"
    ) in answer.caveats
    inland = classifier_for("herefordshire-2017", roads_root).classify("HR1 2HX")
    assert not [c for c in inland.caveats if "beyond the edge" in c]
