from decimal import Decimal

import numpy as np
import pytest

from geozones._errors import InputError
from geozones._settings import METRES_PER_MILE
from geozones.schemes.bands import (
    EDGE_TOLERANCE_M,
    Where,
    area_text,
    band_for_distance,
    band_index,
    banding_applies,
    near_edge,
    urban_rural,
)
from geozones.schemes.scheme import get_scheme

MILE = METRES_PER_MILE
#: Hereford city centre, roughly, in EPSG:27700 metres.
HEREFORD = (351000.0, 239900.0)
#: Leominster, roughly.
LEOMINSTER = (349700.0, 259100.0)


@pytest.fixture(scope="module")
def norfolk():
    return get_scheme("norfolk-2019")


@pytest.fixture(scope="module")
def radius_m():
    return get_scheme("herefordshire-2016").centres.radius_m


@pytest.mark.parametrize(
    ("miles", "label", "rate"),
    [
        (0, "Band 1", "18.24"),
        (2.999, "Band 1", "18.24"),
        (3, "Band 2", "19.68"),
        (5.999, "Band 2", "19.68"),
        (6, "Band 3", "21.72"),
        (40, "Band 3", "21.72"),
    ],
)
def test_norfolk_band_for_distance(norfolk, miles, label, rate):
    labels, rates = band_for_distance(np.array([miles * MILE]), norfolk)
    assert labels.tolist() == [label]
    assert rates.tolist() == [Decimal(rate)]


def test_edge_goes_to_higher_band_despite_float_noise(norfolk):
    edge = 3 * MILE
    d = np.array([np.nextafter(edge, 0), edge - 0.001, edge])
    assert band_index(d, norfolk).tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("miles", "below", "above"),
    [(3, ("Band 1", "18.24"), ("Band 2", "19.68")), (6, ("Band 2", "19.68"), ("Band 3", "21.72"))],
)
def test_exactly_on_an_edge_is_the_higher_band(norfolk, miles, below, above):
    edge = miles * MILE
    # on the edge, within EDGE_TOLERANCE_M under it (float noise), and clearly under it
    d = np.array([edge, edge - EDGE_TOLERANCE_M / 2, edge - 2 * EDGE_TOLERANCE_M, edge + 1e-9])
    labels, rates = band_for_distance(d, norfolk)
    assert labels.tolist() == [above[0], above[0], below[0], above[0]]
    assert rates.tolist() == [Decimal(above[1]), Decimal(above[1]), Decimal(below[1]),
                              Decimal(above[1])]  # fmt: skip
    assert near_edge(np.array([edge]), norfolk, 0.0).tolist() == [True]


def test_edges_come_from_the_scheme_in_metres(norfolk):
    assert norfolk.edges_m.tolist() == [3 * 1609.344, 6 * 1609.344]
    assert band_index(np.array([0.0, 4828.032, 4828.031, 9656.064]), norfolk).tolist() == [
        0, 1, 0, 2,
    ]  # fmt: skip


def test_no_distance_means_no_band(norfolk):
    labels, rates = band_for_distance(np.array([np.nan, np.inf, 100.0]), norfolk)
    assert labels.tolist() == [None, None, "Band 1"]
    assert rates.tolist() == [None, None, Decimal("18.24")]
    assert band_index(np.array([np.nan]), norfolk).tolist() == [-1]


def test_negative_distance_is_an_input_error(norfolk):
    with pytest.raises(InputError, match="negative"):
        band_for_distance(np.array([10.0, -1.0]), norfolk)


def units_at(district, ccg):
    """Where n points lie: their units' districts and CCGs (no LSOA, no coordinates needed)."""
    n = len(district)
    return Where(
        district=np.array(district, dtype=object),
        ccg=np.array(ccg, dtype=object),
        lsoa=np.full(n, None, dtype=object),
        xy=np.full((n, 2), np.nan),
    )


def test_spot_rate_outside_the_central_belt_ccg_areas(norfolk):
    # Norwich in 06W; Breckland and Broadland in 06Y and 06V (in the belt, though not the
    # districts of those names); Great Yarmouth in 06M; King's Lynn in 07J; a point in no unit
    where = units_at(
        ["E07000148", "E07000143", "E07000144", "E07000145", "E07000146", None],
        ["06W", "06Y", "06V", "06M", "07J", None],
    )
    d = np.array([4 * MILE, 4 * MILE, 7 * MILE, np.nan, 1.0, 1.0])
    labels, rates = band_for_distance(d, norfolk, where)
    spot = norfolk.priced("spot")
    assert labels.tolist() == ["Band 2", "Band 2", "Band 3", spot.label, spot.label, spot.label]
    assert rates.tolist() == [Decimal(r) for r in
                              ("19.68", "19.68", "21.72", "18.24", "18.24", "18.24")]  # fmt: skip
    assert banding_applies(where, norfolk).tolist() == [True, True, True, False, False, False]
    assert area_text(where, norfolk).tolist() == [
        "Central Belt: Norwich CCG area (April 2019)",
        "Central Belt: South Norfolk CCG area (April 2019)",
        "Central Belt: North Norfolk CCG area (April 2019)",
        "outside the Central Belt (Great Yarmouth and Waveney CCG area, April 2019): spot rate",
        "outside the Central Belt (West Norfolk CCG area, April 2019): spot rate",
        "outside the Central Belt (in no CCG area): spot rate",
    ]


def test_a_whole_region_area_applies_everywhere():
    rutland = get_scheme("rutland-demo")
    where = units_at(["E06000017", None], ["03W", None])
    assert banding_applies(where, rutland).tolist() == [True, True]
    assert area_text(where, rutland).tolist() == ["the whole of Rutland"] * 2


def test_where_must_match_distances(norfolk):
    with pytest.raises(InputError, match="where holds 1 points but distance_m has shape"):
        band_for_distance(np.array([1.0, 2.0]), norfolk, units_at(["E07000148"], ["06W"]))


def test_band_for_distance_needs_a_banded_scheme():
    with pytest.raises(InputError, match="road-distance-bands"):
        band_for_distance(np.array([1.0]), get_scheme("hertfordshire-2022"))


def test_near_edge_flags_within_the_spread(norfolk):
    d = np.array([3 * MILE - 99, 3 * MILE + 100, 3 * MILE + 101, 6 * MILE, 1.0, np.nan])
    assert near_edge(d, norfolk, 100.0).tolist() == [True, True, False, True, False, False]
    per_point = np.array([0, 0, 200, 0, 0, 0])
    assert near_edge(d, norfolk, per_point).tolist() == [False, False, True, True, False, False]


def _at(centre, distance, angle_deg):
    a = np.deg2rad(angle_deg)
    return (centre[0] + distance * np.cos(a), centre[1] + distance * np.sin(a))


@pytest.mark.parametrize("angle", [0, 90, 180, 270, 53.13010235415598, 200])
def test_exactly_four_miles_is_urban(radius_m, angle):
    point = np.array([_at(HEREFORD, radius_m, angle)])
    labels, nearest, distance = urban_rural(point, np.array([HEREFORD]), radius_m)
    assert labels.tolist() == ["urban"]
    assert nearest.tolist() == [0]
    assert distance[0] == pytest.approx(4 * MILE, abs=1e-6)


@pytest.mark.parametrize("extra_m", [1.0, 0.001])
def test_just_over_four_miles_is_rural(radius_m, extra_m):
    point = np.array([_at(HEREFORD, radius_m + extra_m, 30)])
    labels, _, distance = urban_rural(point, np.array([HEREFORD]), radius_m)
    assert labels.tolist() == ["rural"]
    assert distance[0] > 4 * MILE


def test_within_radius_of_one_centre_only_is_urban(radius_m):
    centres = np.array([HEREFORD, LEOMINSTER])
    # Just under four miles north of Leominster, far beyond four miles of Hereford.
    point = np.array([[LEOMINSTER[0], LEOMINSTER[1] + radius_m - 1.0]])
    assert np.hypot(*(point[0] - HEREFORD)) > 2 * radius_m
    labels, nearest, distance = urban_rural(point, centres, radius_m)
    assert labels.tolist() == ["urban"]
    assert nearest.tolist() == [1]
    assert distance[0] == pytest.approx(radius_m - 1.0)


def test_urban_rural_matches_brute_force(radius_m):
    rng = np.random.default_rng(20160801)
    centres = np.array([HEREFORD, LEOMINSTER, (360000.0, 224000.0)])
    points = rng.uniform((330000, 215000), (375000, 270000), size=(2000, 2))
    labels, nearest, distance = urban_rural(points, centres, radius_m)
    full = np.hypot(*(points[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    np.testing.assert_array_equal(nearest, full.argmin(axis=1))
    np.testing.assert_allclose(distance, full.min(axis=1))
    expected = np.where((full > radius_m).all(axis=1), "rural", "urban")
    assert labels.tolist() == expected.tolist()
    assert {"urban", "rural"} == set(labels.tolist())


def test_urban_rural_nan_points_and_labels(radius_m):
    points = np.array([[np.nan, np.nan], HEREFORD])
    labels, nearest, distance = urban_rural(
        points, np.array([HEREFORD]), radius_m, labels=("Urban", "Rural")
    )
    assert labels.tolist() == [None, "Urban"]
    assert nearest.tolist() == [-1, 0]
    assert np.isnan(distance[0]) and distance[1] == 0


@pytest.mark.parametrize(
    ("points", "centres", "radius"),
    [
        (np.zeros((3, 3)), np.zeros((1, 2)), 10.0),
        (np.zeros((3, 2)), np.zeros((0, 2)), 10.0),
        (np.zeros((3, 2)), np.zeros((1, 2)), 0.0),
    ],
)
def test_urban_rural_rejects_bad_input(points, centres, radius):
    with pytest.raises(InputError):
        urban_rural(points, centres, radius)
