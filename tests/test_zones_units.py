import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import box

from geozones._errors import InputError
from geozones._settings import BNG
from geozones.zones.units import UnitLayer, apportion, clean_coverage, load_units


@pytest.fixture
def four_units() -> UnitLayer:
    """A and B share an edge, C touches B at a corner only, D lies offshore."""
    frame = gpd.GeoDataFrame(
        {"population": [10, 20, 30, 40]},
        index=["A", "B", "C", "D"],
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 10, 30, 20), box(90, 90, 99, 99)],
        crs=BNG,
    )
    return UnitLayer(region=None, layer="units", frame=frame, trimmed=())


def test_components_follow_neighbours_with_the_same_label(four_units):
    one_zone = four_units.components(np.zeros(4, dtype=int))
    assert one_zone[0] == one_zone[1] == one_zone[2] != one_zone[3]
    b_apart = four_units.components(np.array([0, 1, 0, 0]))
    assert len(set(b_apart.tolist())) == 4


def test_adjacency_counts_corners_and_leaves_the_offshore_unit_alone(four_units):
    adjacency = four_units.adjacency.toarray()
    assert adjacency.tolist() == [
        [False, True, False, False],
        [True, False, True, False],
        [False, True, False, False],
        [False, False, False, False],
    ]
    assert four_units.positions(["C", "X"]).tolist() == [2, -1]


def test_clean_coverage_trims_the_later_of_overlapping_polygons():
    geoms = np.array([box(0, 0, 10, 10), box(9, 0, 20, 10), box(20, 0, 30, 10)])
    cleaned, trimmed = clean_coverage(geoms)
    assert trimmed.tolist() == [False, True, False]
    assert shapely.area(cleaned).tolist() == [100.0, 100.0, 100.0]
    assert shapely.coverage_is_valid(cleaned)


def test_norfolk_lsoas_are_trimmed_into_a_valid_coverage(norfolk):
    raw = norfolk.units.geometry.to_numpy()
    assert not shapely.coverage_is_valid(raw)  # two LSOAs overlap by 0.006 m2 in the source
    layer = load_units(norfolk, "units")
    assert shapely.coverage_is_valid(layer.geoms)
    assert layer.trimmed == ("E01026830",)
    assert layer.frame["area_km2"].sum() == pytest.approx(shapely.area(raw).sum() / 1e6, rel=1e-9)
    assert load_units(norfolk, "units") is layer


def test_norfolk_adjacency_is_symmetric_and_joins_every_lsoa(norfolk):
    layer = load_units(norfolk, "units")
    adjacency = layer.adjacency
    assert (adjacency != adjacency.T).nnz == 0
    assert adjacency.diagonal().sum() == 0
    assert (np.asarray(adjacency.sum(axis=1)).ravel() > 0).all()
    assert len(np.unique(layer.components(np.zeros(len(layer.frame), dtype=int)))) == 1


def test_apportion_splits_counts_by_the_share_of_area():
    source = gpd.GeoDataFrame(
        {"people": [100, 40]}, geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)]
    )
    targets = np.array([box(0, 0, 5, 10), box(5, 0, 20, 10)])
    assert apportion(source, ["people"], targets)["people"].tolist() == [50.0, 90.0]


def test_ward_population_is_apportioned_from_lsoas(hertfordshire):
    wards = load_units(hertfordshire, "wards")
    lsoas = hertfordshire.units
    # wards and LSOAs cover the county to within 0.2%, so the totals agree that closely
    assert wards.frame["population"].sum() == pytest.approx(lsoas["population"].sum(), rel=2e-3)
    assert wards.frame["age65"].sum() == pytest.approx(lsoas["age65"].sum(), rel=2e-3)
    assert set(wards.frame["district_name"]) == set(hertfordshire.districts["name"])


def test_points_are_postcode_means_in_or_beside_their_units(norfolk):
    layer = load_units(norfolk, "units")
    points = shapely.points(layer.points)
    assert shapely.contains(layer.geoms, points).mean() > 0.9
    assert shapely.distance(layer.geoms, points).max() < 1000


def test_unknown_layer_is_refused(norfolk):
    with pytest.raises(InputError, match="unknown unit layer 'oa'; choose one of: units, wards"):
        load_units(norfolk, "oa")
