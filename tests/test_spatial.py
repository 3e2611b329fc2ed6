"""geozones._spatial: UnitIndex on hand-made squares, PointMemo and unique_points (EPSG:27700 m)."""

import numpy as np
import pytest
from shapely import box

from geozones._spatial import UNIT_SNAP_M, PointMemo, UnitIndex, unique_points

#: West and East share the edge x = 10; North sits on top of West and touches East at a corner.
WEST, EAST, NORTH = box(0, 0, 10, 10), box(10, 0, 20, 10), box(0, 10, 10, 20)


@pytest.fixture
def index():
    return UnitIndex([WEST, EAST, NORTH])


def test_a_point_inside_a_unit_is_in_it_at_no_distance(index):
    position, distance = index.locate([[5, 5], [15, 5], [5, 15]])
    assert position.tolist() == [0, 1, 2]
    assert distance.tolist() == [0.0, 0.0, 0.0]


def test_a_point_on_a_shared_edge_goes_to_the_first_unit_in_the_layer(index):
    position, distance = index.locate([[10, 5], [5, 10], [10, 10]])
    assert position.tolist() == [0, 0, 0]  # West before East, West before North, at the corner
    assert distance.tolist() == [0.0, 0.0, 0.0]
    # the layer's order decides, not the geometry: listed the other way round, East wins
    assert UnitIndex([EAST, WEST]).positions([[10, 5]]).tolist() == [0]


def test_a_point_999_m_outside_is_snapped_to_the_nearest_unit():
    assert UNIT_SNAP_M == 1000.0
    index = UnitIndex([WEST, EAST])
    position, distance = index.locate([[-999, 5], [20 + 999, 5]])
    assert position.tolist() == [0, 1]
    assert distance == pytest.approx([999.0, 999.0])


def test_a_point_1001_m_outside_has_no_unit():
    index = UnitIndex([WEST, EAST])
    position, distance = index.locate([[-1001, 5], [5, 10 + 1001]])
    assert position.tolist() == [-1, -1]
    assert np.isnan(distance).all()


def test_a_point_without_coordinates_has_no_unit_and_keeps_its_row(index):
    position, distance = index.locate([[np.nan, np.nan], [15, 5], [np.inf, 5]])
    assert position.tolist() == [-1, 1, -1]
    assert np.isnan(distance[[0, 2]]).all() and distance[1] == 0.0
    empty = index.locate(np.zeros((0, 2)))
    assert [a.tolist() for a in empty] == [[], []]


def test_positions_are_those_of_locate(index):
    xy = [[5, 5], [10, 5], [-500, 5], [5000, 5000]]
    assert index.positions(xy).tolist() == index.locate(xy)[0].tolist() == [0, 0, 0, -1]
    assert index.positions([15, 5]).tolist() == [1]  # one point as a flat pair


def test_a_point_memo_finds_only_the_very_same_points():
    memo = PointMemo(np.array([[10.0, 20.0], [5.5, 7.25]]), {"unit": np.array([3, 4])})
    assert memo.find([[5.5, 7.25], [10.0, 20.0], [10.0, 20.05], [np.nan, 1.0]]).tolist() == [
        1, 0, -1, -1,
    ]  # fmt: skip


def test_a_point_memo_computes_what_it_does_not_hold():
    memo = PointMemo(np.array([[10.0, 20.0]]), {"unit": np.array([3]), "gap": np.array([0.5])})
    asked = []

    def compute(xy):
        asked.append(xy.tolist())
        return {"unit": np.array([9] * len(xy)), "gap": np.full(len(xy), 2.0)}

    got = memo.apply(np.array([[1.0, 1.0], [10.0, 20.0], [2.0, 2.0]]), compute)
    assert got["unit"].tolist() == [9, 3, 9] and got["gap"].tolist() == [2.0, 0.5, 2.0]
    assert asked == [[[1.0, 1.0], [2.0, 2.0]]]
    asked.clear()
    assert memo.apply(np.array([[10.0, 20.0]]), compute)["unit"].tolist() == [3]
    assert asked == []  # nothing to compute


def test_an_empty_point_memo_holds_nothing():
    memo = PointMemo(np.empty((0, 2)), {"unit": np.empty(0, dtype=np.int64)})
    assert memo.find([[1.0, 2.0]]).tolist() == [-1]


def test_unique_points_gives_each_row_its_point():
    xy = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [1.0, 2.5]])
    points, of = unique_points(xy)
    assert len(points) == 3
    assert np.array_equal(points[of], xy)
