import numpy as np
import pytest

from geozones._settings import METRES_PER_MILE
from geozones.cli.main import main
from geozones.regions.build import build_region
from geozones.regions.postcodes import INDEX_FILE
from geozones.regions.specs import REGIONS
from geozones.schemes.scheme import get_scheme
from geozones.zones.derived import DERIVED_LAYERS
from geozones.zones.lookup import classifier_for

HEREFORD = (350897.0, 239976.0)  # OS Open Names point of Hereford (City)
KINGTON = (329779.0, 256672.0)
RADIUS = 4 * METRES_PER_MILE


@pytest.fixture(scope="module")
def norfolk_bands(norfolk, build_root):
    return classifier_for("norfolk-2019", build_root)


@pytest.fixture(scope="module")
def hereford_roads(source, gb_index, build_root, tmp_path_factory):
    """A build folder holding Herefordshire built with its road extract (the session's has none)."""
    folder = tmp_path_factory.mktemp("herefordshire-roads")
    (folder / INDEX_FILE).symlink_to(build_root / INDEX_FILE)
    roads = source / "roads" / "herefordshire-roads-2021-08.osm.pbf"
    build_region(REGIONS["herefordshire"], source, folder, gb_index, roads=roads,
                 derive=DERIVED_LAYERS)  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def hereford_2016(herefordshire, build_root):
    return classifier_for("herefordshire-2016", build_root)


def test_norwich_postcode_is_banded_in_the_central_belt(norfolk_bands):
    answer = norfolk_bands.classify("nr1 3qu")
    assert answer.status == "ok"
    assert answer.band == "Band 1" and str(answer.rate) == "18.24"
    assert answer.method == "road" and answer.confidence == "exact"
    assert answer.district == "Norwich"
    assert answer.pcn == "CENTRAL NORWICH PCN"
    assert answer.nearest_surgery == "St Stephens Gate Medical Partnership (D82008)"
    assert answer.distance_miles == answer.road_miles == 0.57
    assert answer.drive_minutes == 1.6
    assert answer.message == (
        "Band 1: 0.57 miles (road, 2 min) from St Stephens Gate Medical Partnership (D82008)"
    )
    assert answer.area == "Central Belt: Norwich CCG area (April 2019)"
    assert answer.caveats == ()


def test_broadland_is_in_the_central_belt_by_its_ccg_area(norfolk_bands):
    # Broadland is no Central Belt district, but NR13 3XR lies in North Norfolk CCG's area
    answer = norfolk_bands.classify("NR13 3XR")
    assert answer.status == "ok" and answer.district == "Broadland"
    assert answer.band == "Band 3" and str(answer.rate) == "21.72"
    assert answer.distance_miles == 6.85 and answer.method == "road"
    assert answer.nearest_surgery == "Acle Medical Partnership (D82104)"
    # 11 km of Broadland's lanes and B roads: 17.4 minutes at the roads' free-flow speeds
    assert answer.drive_minutes == 17.4 and answer.road_miles == 6.85
    assert 20 < answer.distance_miles * 1.609344 / (answer.drive_minutes / 60) < 60  # km/h
    assert answer.message == (
        "Band 3: 6.85 miles (road, 17 min) from Acle Medical Partnership (D82104)"
    )
    assert answer.area == "Central Belt: North Norfolk CCG area (April 2019)"
    assert answer.caveats == ()


SPOT_CAVEAT = (
    "Spot rate (outside the Central Belt): banding applies only in the Central Belt CCG areas"
)


def test_kings_lynn_gets_the_spot_rate_with_the_caveat(norfolk_bands):
    answer = norfolk_bands.classify("PE30 1EX")
    assert answer.band == "Spot rate (outside the Central Belt)"
    assert str(answer.rate) == "18.24"
    assert answer.distance_band == "Band 1" and answer.distance_miles == 0.69
    assert answer.district == "King's Lynn and West Norfolk" and answer.pcn == "KINGS LYNN PCN"
    assert answer.area == "outside the Central Belt (West Norfolk CCG area, April 2019): spot rate"
    assert answer.caveats == (SPOT_CAVEAT,)


def test_great_yarmouth_gets_the_spot_rate_with_the_area(norfolk_bands):
    answer = norfolk_bands.classify("NR30 2DE")
    assert answer.band == "Spot rate (outside the Central Belt)" and str(answer.rate) == "18.24"
    assert answer.district == "Great Yarmouth" and answer.distance_band == "Band 1"
    assert answer.area == (
        "outside the Central Belt (Great Yarmouth and Waveney CCG area, April 2019): spot rate"
    )
    assert answer.caveats == (SPOT_CAVEAT,)


def test_rural_north_norfolk_is_band_3_by_road(norfolk_bands):
    answer = norfolk_bands.classify("NR21 0AA")
    assert answer.district == "North Norfolk"
    assert answer.distance_miles == 6.18 and answer.band == "Band 3"
    assert str(answer.rate) == "21.72"
    assert answer.nearest_surgery == "Fakenham Medical Practice (D82054)"
    assert answer.pcn == "WEST NORFOLK COASTAL PCN"


def test_band_matches_the_engine_distance(norfolk_bands):
    answer = norfolk_bands.classify("Little Snoring")
    got = norfolk_bands.surgeries.measure(np.array([[answer.easting, answer.northing]]))
    assert answer.distance_miles == pytest.approx(got.metres[0] / METRES_PER_MILE, abs=0.005)
    assert answer.precision == "place" and answer.matched == "Little Snoring"


def test_outside_the_region_has_no_band(norfolk_bands):
    answer = norfolk_bands.classify("HR1 2HX")
    assert answer.status == "outside_region" and answer.band is None and answer.rate is None
    assert "outside the scheme's area (Norfolk)" in answer.caveats


def test_bad_input_is_an_error_with_the_reason(norfolk_bands):
    answer = norfolk_bands.classify("ZZ99")
    assert answer.status == "error" and answer.band is None and answer.rate is None
    assert answer.message == "not a UK postcode: 'ZZ99' (expected a form like NR1 3QU)"


def test_central_hereford_and_leominster_are_urban(hereford_2016):
    # a place answers at its centre, with its postcodes' shares: approximate (issue 12)
    for query, message, confidence in [
        ("HR1 2HX", "Urban: 0.21 miles in a straight line from Hereford", "exact"),
        ("Leominster", ("Leominster: Urban at the centre, 0.00 miles (straight line); "
                        "all 136 of its postcodes are Urban"), "approximate"),
    ]:  # fmt: skip
        answer = hereford_2016.classify(query)
        assert answer.band == "Urban" and str(answer.rate) == "14.76", query
        assert answer.message == message
        assert answer.area == "the whole of Herefordshire"
        assert answer.method == "straight line" and answer.confidence == confidence
        # no road network here: no road distance or drive to the nearest surgery
        assert answer.road_miles is None and answer.drive_minutes is None


def test_the_radius_scheme_also_gives_the_drive_from_the_nearest_surgery(hereford_roads, run_cli):
    classifier = classifier_for("herefordshire-2016", hereford_roads)
    answer = classifier.classify("HR1 2HX")
    # priced by the straight line from Hereford, as without roads
    assert answer.message == "Urban: 0.21 miles in a straight line from Hereford"
    assert answer.distance_miles == 0.21 and answer.method == "straight line"
    # and the drive from the nearest surgery by road beside it
    assert answer.road_miles == 0.39 and answer.drive_minutes == 1.3
    assert answer.nearest_surgery == "Wargrave House Surgery (M81066)"
    place = classifier.classify("Leominster")
    assert place.message.startswith("Leominster: Urban at the centre, 0.00 miles (straight line);")
    assert place.road_miles == 0.47 and place.drive_minutes == 1.4
    code, out, _ = run_cli("lookup", "HR1 2HX", "--scheme", "herefordshire-2016",
                           "--build", hereford_roads)  # fmt: skip
    lines = out.splitlines()
    assert code == 0 and "distance: 0.21 miles (straight line)" in lines
    assert "by road:  0.39 miles" in lines
    assert "drive:    1.3 min (the quickest from any surgery)" in lines


def test_a_flat_scheme_gives_the_drive_where_the_region_has_roads(hereford_roads, herefordshire,
                                                                  build_root):  # fmt: skip
    answer = classifier_for("herefordshire-2017", hereford_roads).classify("HR1 2HX")
    assert answer.distance_miles is None and answer.method is None
    assert (answer.road_miles, answer.drive_minutes) == (0.39, 1.3)
    without = classifier_for("herefordshire-2017", build_root).classify("HR1 2HX")
    assert without.road_miles is None and without.drive_minutes is None
    flat = "Fixed rate (pro rata for shorter visits): £15.80 an hour"
    assert without.message == answer.message == flat


def test_just_over_four_miles_from_every_centre_is_rural(hereford_2016):
    step = (RADIUS + 20) / np.sqrt(2)
    answer = hereford_2016.classify((HEREFORD[0] - step, HEREFORD[1] - step))
    assert answer.status == "ok"
    assert answer.band == "Rural" and str(answer.rate) == "15.76"
    assert answer.message == "Rural: 4.01 miles in a straight line from Hereford"
    assert answer.confidence == "near radius"
    assert answer.caveats == ("within 0.1 miles of the 4-mile radius",)


def test_just_under_four_miles_from_kington_alone_is_urban(hereford_2016):
    answer = hereford_2016.classify((KINGTON[0] + RADIUS - 20, KINGTON[1]))
    assert answer.status == "ok"
    assert answer.band == "Urban" and str(answer.rate) == "14.76"
    assert answer.message == "Urban: 3.99 miles in a straight line from Kington"
    assert answer.caveats == ("within 0.1 miles of the 4-mile radius",)


def test_herefordshire_2017_is_a_flat_rate(herefordshire, build_root):
    answer = classifier_for("herefordshire-2017", build_root).classify("HR1 2HX")
    assert str(answer.rate) == "15.80" and answer.method is None
    assert answer.band == "Fixed rate (pro rata for shorter visits)"
    assert answer.message == "Fixed rate (pro rata for shorter visits): £15.80 an hour"


def test_bulk_keeps_every_row_in_order(norfolk_bands, source):
    import pandas as pd

    sample = pd.read_csv(source / "samples" / "norfolk_packages_sample.csv")
    out = norfolk_bands.classify_many(sample["address"])
    assert len(out) == len(sample) and out.index.equals(sample.index)
    assert (out["status"] == "error").sum() == 3  # empty, unknown and malformed address rows
    # the Central Belt by CCG area takes in Broadland and most of Breckland (issue 12)
    assert out["band"].value_counts().to_dict() == {
        "Band 1": 816,
        "Spot rate (outside the Central Belt)": 451,
        "Band 2": 210,
        "Band 3": 20,
    }
    assert out["rate"].fillna("none").value_counts().to_dict() == {
        "18.24": 1267,
        "19.68": 210,
        "21.72": 20,
        "none": 3,  # the three error rows
    }
    spot = out["band"] == "Spot rate (outside the Central Belt)"
    assert out.loc[spot, "area"].str.startswith("outside the Central Belt (").all()
    banded = out["band"].str.startswith("Band", na=False)
    assert out.loc[banded, "area"].str.startswith("Central Belt: ").all()


def test_band_command_says_herefordshire_is_an_estimate(capsys, herefordshire, build_root,
                                                        circuity_measured):  # fmt: skip
    main(["band", "HR1 2HX", "--region", "herefordshire", "--build", str(build_root)])
    out = capsys.readouterr().out
    assert out.splitlines()[:6] == [
        "HR1 2HX (postcode): located by postcode HR1 2HX",
        "band:     none (herefordshire has no road-distance band scheme)",
        "distance: 0.08 miles",
        "drive:    0.2 min (straight-line estimate)",
        "surgery:  Cantilupe Surgery (M81032), THE WBC (HEREFORD CITY) PCN",
        "method:   straight-line estimate",
    ]
    assert "caveat:   estimate: no road network for Herefordshire" in out


def test_lookup_json(capsys, norfolk, build_root):
    import json

    main(["lookup", "NR1", "3QU", "--scheme", "norfolk-2019", "--json", "--build",
          str(build_root)])  # fmt: skip
    answer = json.loads(capsys.readouterr().out)
    assert answer["band"] == "Band 1" and answer["rate"] == "18.24"
    assert answer["distance_miles"] == 0.57 and answer["pcn"] == "CENTRAL NORWICH PCN"
    assert answer["nearest_surgery"] == "St Stephens Gate Medical Partnership (D82008)"


def test_lookup_prints_what_a_person_reads(run_cli, norfolk, build_root):
    code, out, err = run_cli("lookup", "NR1", "3QU", "--scheme", "norfolk-2019",
                             "--build", build_root)  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "query:    NR1 3QU",
        "located:  NR1 3QU (live postcode)",
        (
            "status:   ok: Band 1: 0.57 miles (road, 2 min) from St Stephens Gate Medical "
            "Partnership (D82008)"
        ),
        "scheme:   norfolk-2019",
        "band:     Band 1",
        "rate:     £18.24 an hour",
        "area:     Central Belt: Norwich CCG area (April 2019)",
        "distance: 0.57 miles (road)",
        "drive:    1.6 min (the quickest from any surgery)",
        "confidence: exact",
        "surgery:  St Stephens Gate Medical Partnership (D82008)",
        "district: Norwich",
        "RUC 2011: C1 Urban city and town",
        "RUC 2021: UN1 Urban: Nearer to a major town or city",
        "PCN:      CENTRAL NORWICH PCN",
    ]


def test_classify_command_writes_every_row(capsys, norfolk, build_root, source, tmp_path):
    import pandas as pd

    out = tmp_path / "classified.csv"
    main(["classify", str(source / "samples" / "norfolk_packages_sample.csv"), "-o", str(out),
          "--scheme", "norfolk-2019", "--build", str(build_root)])  # fmt: skip
    # NR99 9ZZ, in no dataset, answers its district's range; row 487's -3 weekly hours is a
    # row error naming the column, the rest of that row still answered (issue 12)
    assert "classified 1,500 rows (1,495 ok, 4 error, 1 imprecise)" in capsys.readouterr().out
    table = pd.read_csv(out)
    assert list(table["package_id"]) == list(
        pd.read_csv(source / "samples" / "norfolk_packages_sample.csv")["package_id"]
    )
    assert {"band", "rate", "distance_miles", "pcn", "status", "message"} <= set(table.columns)
    assert table.loc[table["status"] == "ok", "rate"].astype(str).value_counts().to_dict() == {
        "18.24": 1265,  # and NR99 9ZZ, imprecise: the range over district NR99
        "19.68": 210,
        "21.72": 20,
    }


def test_hertfordshire_answers_its_district_area_and_lot(hertfordshire, build_root):
    answer = classifier_for("hertfordshire-2022", build_root).classify("WD17 1HP")
    assert answer.district == "Watford"
    assert answer.zone == "Three Rivers & Watford" and answer.lot == "Watford"
    assert str(answer.rate) == "21.92" and answer.band == "Flat rate across the county"
    assert answer.pcn == "CENTRAL WATFORD PCN"


def test_saved_zone_plan_versions_answer_the_zone(herefordshire, build_root, tmp_path):
    from geozones.zones import PlanStore, district_plan

    store = PlanStore(tmp_path / "zones.sqlite", build_root)
    classifier = classifier_for("herefordshire-2017", build_root, store.path)
    assert classifier.classify("HR1 2HX").zone is None  # no 'O' zones saved yet
    plan = district_plan(herefordshire, name="herefordshire-o-zones")
    plan = plan.reassign(dict.fromkeys(plan.assignment.index, "Zone A"))
    first = store.save(plan)
    answer = classifier.classify("HR1 2HX")
    assert answer.zone == "Zone A"
    unit = answer_unit(herefordshire, answer)
    store.save(store.get("herefordshire-o-zones").reassign({unit: "Zone B"}), base_version=first)
    assert classifier.classify("HR1 2HX").zone == "Zone B"


def answer_unit(region, answer):
    import shapely

    point = shapely.Point(answer.easting, answer.northing)
    return region.units.loc[region.units.contains(point), "code"].iloc[0]


def test_rural_breckland_and_north_norfolk_bands_follow_the_road_distance(norfolk, norfolk_bands):
    import shapely

    from geozones._spatial import UnitIndex
    from geozones.distance.facility import NearestFacility
    from geozones.schemes.bands import band_index

    postcodes = norfolk.postcodes[norfolk.postcodes["in_region"]]
    engine = NearestFacility(norfolk.network, norfolk.gp_practices, reachable_only=True)
    for district, name in [("E07000143", "Breckland"), ("E07000147", "North Norfolk")]:
        here = postcodes[postcodes["district"] == district]
        metres = engine.distance_to_nearest(here)["metres"].to_numpy()
        far = here[band_index(metres, get_scheme("norfolk-2019")) >= 1].head(20)
        out = norfolk_bands.classify_many(far["postcode"])
        expected = np.array(["Band 1", "Band 2", "Band 3"], dtype=object)[
            band_index(engine.distance_to_nearest(far)["metres"].to_numpy(), get_scheme(
                "norfolk-2019"))]  # fmt: skip
        assert len(far) == 20, name
        assert list(out["distance_band"]) == list(expected), name
        assert set(out["distance_band"]) <= {"Band 2", "Band 3"}
        # banded where the postcode's unit is in a Central Belt CCG area (most of Breckland,
        # which is no Central Belt district), the spot rate elsewhere and in no unit (issue 12)
        unit = UnitIndex(norfolk.units.geometry.to_numpy()).positions(
            shapely.get_coordinates(far.geometry.to_numpy())
        )
        ccg = norfolk.units["ccg"].to_numpy()[unit].astype(str)
        in_belt = (unit >= 0) & np.isin(ccg, ["06V", "06W", "06Y"])
        assert list(out["band"][in_belt]) == list(expected[in_belt]), name
        assert (out["band"][~in_belt] == "Spot rate (outside the Central Belt)").all(), name
        assert in_belt.any(), name


def test_an_oakham_postcode_is_band_1(rutland, build_root):
    answer = classifier_for("rutland-demo", build_root).classify("LE15 6NT")
    assert answer.band == "Band 1" and answer.method == "road" and str(answer.rate) == "18.24"
    assert answer.distance_miles == 0.0 and answer.pcn == "RUTLAND HEALTH PCN"
    assert answer.nearest_surgery == "Oakham Medical Practice (C82010)"
