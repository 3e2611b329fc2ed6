import numpy as np
import pytest

from geozones._settings import METRES_PER_MILE
from geozones._vocab import DistanceMethod
from geozones.distance.surgeries import ESTIMATE_SPEED_KMH, NearestSurgery

HEREFORD = (350897.0, 239976.0)


def test_region_with_roads_measures_by_road(rutland, build_root):
    surgeries = NearestSurgery(rutland, build_root)
    assert surgeries.method == DistanceMethod.ROAD
    got = surgeries.measure(np.array([[486000.0, 308500.0]]))  # central Oakham
    assert got.status[0] == "ok"
    assert got.label[0] == "Oakham Medical Practice (C82010)"
    assert got.pcn_name[0] == "RUTLAND HEALTH PCN"
    assert got.metres[0] == pytest.approx(1091.44, abs=0.01)  # 0.68 miles by road
    assert got.minutes[0] == pytest.approx(1.96, abs=0.01)  # about 33 km/h through the town
    assert got.spread_m[0] == pytest.approx(0.1 * METRES_PER_MILE)


def test_without_distance_only_the_nearest_surgery_is_named(rutland, build_root):
    got = NearestSurgery(rutland, build_root).measure(np.array([[486000.0, 308500.0]]), False)
    assert np.isnan(got.metres[0]) and got.pcn_name[0] == "RUTLAND HEALTH PCN"
    assert np.isnan(got.minutes[0])
    assert got.label[0] == "Oakham Medical Practice (C82010)" and got.status[0] == "ok"


def test_region_without_roads_answers_with_an_estimate(herefordshire, build_root,
                                                       circuity_measured):  # fmt: skip
    surgeries = NearestSurgery(herefordshire, build_root)
    assert surgeries.method == DistanceMethod.ESTIMATE
    got = surgeries.measure(np.array([HEREFORD]))
    assert got.label[0] == "Cantilupe Surgery (M81032)"
    assert got.pcn_name[0] == "THE WBC (HEREFORD CITY) PCN"
    # the straight line times the circuity measured on Norfolk's, Rutland's and
    # Nottinghamshire's roads
    assert got.metres[0] == pytest.approx(545.62, abs=0.01)
    assert got.spread_m[0] == pytest.approx(301.19, abs=0.01)
    # and its minutes at the average speed of the drives measured on those networks
    assert ESTIMATE_SPEED_KMH == 36.0
    assert got.minutes[0] == pytest.approx(545.62 / 600, abs=0.001)


def test_the_estimate_speed_is_that_of_the_drives_on_real_networks(rutland, norfolk,
                                                                   build_root):  # fmt: skip
    for region in (rutland, norfolk):
        postcodes = region.postcodes[region.postcodes["in_region"].astype(bool)]
        xy = np.column_stack([postcodes.geometry.x, postcodes.geometry.y])
        got = NearestSurgery(region, build_root).measure(xy)
        ok = np.isfinite(got.minutes)
        kmh = got.metres[ok] / 1000 / (got.minutes[ok] / 60)
        assert abs(np.median(kmh) - ESTIMATE_SPEED_KMH) < 1.5, region.name
