import numpy as np
import pytest

from geozones._errors import BuildMissingError, DataError
from geozones.distance.circuity import load_circuity, measure_circuity


@pytest.fixture(scope="module")
def circuity(rutland):
    return measure_circuity([rutland])


def test_roads_are_longer_than_the_straight_line_in_every_range(circuity):
    pooled = circuity.pooled()
    assert len(pooled) >= 4
    assert (pooled["median"] > 1.0).all()
    assert (pooled["low"] <= pooled["median"]).all() and (pooled["median"] <= pooled["high"]).all()
    assert pooled["points"].sum() > 1000
    assert set(circuity.table["region"]) == {"all", "rutland"}


def test_estimate_scales_straight_line_by_the_factor_of_its_range(circuity):
    pooled = circuity.pooled()
    first = pooled.iloc[0]
    estimate, low, high = circuity.estimate(np.array([800.0]))
    assert estimate[0] == pytest.approx(800.0 * first["median"])
    assert low[0] < estimate[0] < high[0]


def test_saved_factors_read_back(circuity, tmp_path):
    circuity.save(tmp_path)
    loaded = load_circuity(tmp_path)
    np.testing.assert_allclose(loaded.estimate(np.array([5000.0]))[0], circuity.estimate(
        np.array([5000.0]))[0])  # fmt: skip


def test_missing_factors_name_the_command(tmp_path):
    with pytest.raises(BuildMissingError, match="run: geozones data circuity"):
        load_circuity(tmp_path)


def test_regions_without_roads_cannot_be_measured(herefordshire):
    with pytest.raises(DataError, match="no built region has a road network"):
        measure_circuity([herefordshire])
