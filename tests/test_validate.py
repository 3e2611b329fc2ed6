"""geozones._validate: the one CRS rule and the column check, on hand-made frames."""

import geopandas as gpd
import pytest
from shapely import Point

from geozones._errors import InputError
from geozones._validate import to_bng

#: NR1 3QU: OS Code-Point Open easting/northing and its WGS84 longitude/latitude.
NR1_3QU_BNG = (622760.0, 307925.0)
NR1_3QU_LONLAT = (1.289686, 52.623357)


def test_a_frame_without_a_crs_is_refused_saying_how_to_declare_it():
    frame = gpd.GeoDataFrame({"zone": ["A"]}, geometry=[Point(*NR1_3QU_BNG)])
    with pytest.raises(InputError) as caught:
        to_bng(frame, "the zone layer of lots.gpkg")
    assert str(caught.value) == (
        "the zone layer of lots.gpkg has no coordinate reference system; declare it "
        "(EPSG:27700 British National Grid metres, or EPSG:4326 longitude/latitude), "
        "e.g. frame.set_crs('EPSG:27700'), or save the file with its CRS"
    )


def test_wgs84_is_reprojected_to_british_national_grid():
    frame = gpd.GeoDataFrame({"zone": ["A"]}, geometry=[Point(*NR1_3QU_LONLAT)], crs="EPSG:4326")
    out = to_bng(frame, "points")
    assert out.crs == "EPSG:27700" and out["zone"].tolist() == ["A"]
    point = out.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(NR1_3QU_BNG, abs=1.0)
    assert frame.crs == "EPSG:4326"  # the caller's frame is left as it was


def test_a_frame_already_in_bng_comes_back_as_it_is():
    frame = gpd.GeoDataFrame(geometry=[Point(*NR1_3QU_BNG)], crs="EPSG:27700")
    assert to_bng(frame, "points") is frame


def test_a_geoseries_follows_the_same_rule():
    series = gpd.GeoSeries([Point(*NR1_3QU_LONLAT)], crs="EPSG:4326")
    assert to_bng(series, "points").crs == "EPSG:27700"
    with pytest.raises(InputError, match=r"^points has no coordinate reference system"):
        to_bng(gpd.GeoSeries([Point(0, 0)]), "points")
