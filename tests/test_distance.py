from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely import LineString, Point

from geozones._errors import InputError
from geozones._settings import BNG, METRES_PER_MILE
from geozones.distance.facility import GAP_MINUTES_PER_METRE, GAP_SPEED_KMH, NearestFacility
from geozones.network.graph import RoadNetwork, build_network, network_from_lines
from geozones.schemes.bands import band_index
from geozones.schemes.scheme import get_scheme
from geozones.sources.readers import source_path

X0, Y0 = 500_000.0, 300_000.0  # a hand-made street plan placed in Rutland's grid square


def _lines(*rows: tuple[str, str | None, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    """Road lines from (name, oneway, [(x, y) metres from X0, Y0]) rows."""
    return gpd.GeoDataFrame(
        {"highway": "residential", "name": [r[0] for r in rows], "oneway": [r[1] for r in rows]},
        geometry=[LineString([(X0 + x, Y0 + y) for x, y in r[2]]) for r in rows],
        crs=BNG,
    )


def _points(*xy: tuple[float, float], **columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=BNG)


@pytest.fixture(scope="module")
def one_way_plan() -> RoadNetwork:
    """A 1 km one-way street A->B and a 2 km two-way road back from B to A."""
    return network_from_lines(
        _lines(
            ("One Way Street", "yes", [(0, 0), (1000, 0)]),
            ("Loop Road", None, [(1000, 0), (1000, 500), (0, 500), (0, 0)]),
        )
    )


def test_distance_follows_one_way_streets_from_surgery_to_home(one_way_plan):
    # surgery 200 m along the one-way street, home at 700 m: straight along it
    surgery = _points((200, 10), code=["S1"], name=["Downstream Surgery"])
    home = _points((700, -10))
    out = NearestFacility(one_way_plan, surgery).distance_to_nearest(home)
    assert out["metres"].iloc[0] == pytest.approx(500.0)
    assert out["code"].iloc[0] == "S1" and out["status"].iloc[0] == "ok"
    assert out["snap_gap_m"].iloc[0] == pytest.approx(10.0)

    # swap them: the carer cannot drive back up the one-way street, so goes round the loop
    surgery = _points((700, 10), code=["S2"], name=["Upstream Surgery"])
    home = _points((200, -10))
    out = NearestFacility(one_way_plan, surgery).distance_to_nearest(home)
    assert out["metres"].iloc[0] == pytest.approx(300 + 2000 + 200)


def test_minutes_time_the_drive_at_each_roads_speed(one_way_plan):
    # residential streets at 25 km/h: 500 m is 1.2 minutes; each 10 m snap gap (surgery and
    # home) is crossed at 15 km/h, 0.04 minutes
    assert GAP_SPEED_KMH == 15.0
    surgery = _points((200, 10))
    home = _points((700, -10))
    out = NearestFacility(one_way_plan, surgery).distance_to_nearest(home)
    assert out["minutes"].iloc[0] == pytest.approx(1.2 + 2 * 0.04)

    # against the one-way street: round the loop, 2,500 m
    out = NearestFacility(one_way_plan, _points((700, 10))).distance_to_nearest(_points((200, 0)))
    assert out["minutes"].iloc[0] == pytest.approx(2500 / (25_000 / 60) + 0.04)

    # a surgery on the home's own edge: only the stretch between counts
    homes = _points((500, 490), (900, 500))
    out = NearestFacility(one_way_plan, _points((800, 510))).distance_to_nearest(homes)
    np.testing.assert_allclose(out["minutes"], [0.72 + 0.08, 0.24 + 0.04])


def test_minutes_are_the_quickest_drive_from_any_surgery():
    # Home Close (100 m, residential) meets a living street with Lane Surgery 1 km up it
    # (10 km/h: 6 minutes) and a primary road with Main Road Surgery 3 km along (65 km/h:
    # 2.77 minutes): the nearest surgery by road is Lane Surgery, the quickest Main Road
    lines = gpd.GeoDataFrame(
        {"highway": ["residential", "living_street", "primary"]},
        geometry=[
            LineString([(X0 - 100, Y0), (X0, Y0)]),
            LineString([(X0, Y0), (X0, Y0 + 1000)]),
            LineString([(X0, Y0), (X0 + 3000, Y0)]),
        ],
        crs=BNG,
    )
    surgeries = _points((0, 1000), (3000, 0), code=["LANE", "MAIN"])
    out = NearestFacility(network_from_lines(lines), surgeries).distance_to_nearest(
        _points((-100, 5))
    )
    assert out["metres"].iloc[0] == pytest.approx(1100.0) and out["code"].iloc[0] == "LANE"
    quickest = 3000 / (65_000 / 60) + 100 / (25_000 / 60) + 5 * GAP_MINUTES_PER_METRE
    assert out["minutes"].iloc[0] == pytest.approx(quickest)
    assert quickest < 6.0 < 1000 / (10_000 / 60) + 100 / (25_000 / 60)


def test_same_edge_counts_only_the_stretch_between(one_way_plan):
    # both on Loop Road's top side (two-way): only the 300 m between them counts
    surgery = _points((800, 510))
    homes = _points((500, 490), (900, 500))
    out = NearestFacility(one_way_plan, surgery).distance_to_nearest(homes)
    np.testing.assert_allclose(out["metres"], [300.0, 100.0])


def test_snap_gap_is_reported_and_counted_only_beyond_the_threshold(one_way_plan):
    surgery = _points((200, 30))
    home = _points((700, -50))
    plain = NearestFacility(one_way_plan, surgery).distance_to_nearest(home)
    counted = NearestFacility(one_way_plan, surgery, count_gap_beyond_m=20).distance_to_nearest(
        home
    )
    assert plain["metres"].iloc[0] == pytest.approx(500.0)
    assert counted["metres"].iloc[0] == pytest.approx(500.0 + 10 + 30)
    assert plain["snap_gap_m"].iloc[0] == counted["snap_gap_m"].iloc[0] == pytest.approx(50.0)
    # minutes always cross both whole gaps at the slow gap speed, counted in metres or not
    assert plain["minutes"].iloc[0] == counted["minutes"].iloc[0]
    assert plain["minutes"].iloc[0] == pytest.approx(1.2 + (30 + 50) * GAP_MINUTES_PER_METRE)


def test_unreachable_and_off_network_points():
    plan = network_from_lines(
        _lines(
            ("High Street", None, [(0, 0), (1000, 0)]),
            ("Private Estate", None, [(0, 1500), (400, 1500)]),  # no road links it
        )
    )
    surgery = _points((100, 5), code=["S1"])
    homes = _points((500, 5), (200, 1490), (200, 6000))
    out = NearestFacility(plan, surgery).distance_to_nearest(homes)
    assert out["status"].tolist() == ["ok", "unreachable", "off_network"]
    assert out["metres"].isna().tolist() == [False, True, True]
    assert out["minutes"].isna().tolist() == [False, True, True]
    assert out["facility"].isna().tolist() == [False, True, True]
    assert out["code"].iloc[0] == "S1" and out["code"].iloc[1:].isna().all()

    # reachable_only snaps the estate home to High Street, 1490 m away, instead
    out = NearestFacility(plan, surgery, reachable_only=True).distance_to_nearest(homes)
    assert out["status"].tolist() == ["ok", "ok", "off_network"]
    assert out["metres"].iloc[1] == pytest.approx(100.0)
    assert out["snap_gap_m"].iloc[1] == pytest.approx(1490.0)


def _xy(points: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(points.geometry)[0]


def _meet(route) -> None:
    """The route is one line: each piece starts where the one before ends, and they add up."""
    for before, after in zip(route.pieces[:-1], route.pieces[1:], strict=True):
        np.testing.assert_allclose(before.coords[-1], after.coords[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(route.line.coords[0], route.pieces[0].coords[0], atol=1e-6)
    np.testing.assert_allclose(route.line.coords[-1], route.pieces[-1].coords[-1], atol=1e-6)
    assert route.line.length == pytest.approx(sum(p.length for p in route.pieces))
    assert route.metres == pytest.approx(route.line.length)
    assert len(route.edges) == len(route.pieces)


def test_the_route_is_the_drive_the_distance_measured(one_way_plan):
    # against the one-way street: off the surgery's edge at B, round the loop to A, on to home
    surgery, home = _points((700, 10)), _points((200, -10))
    engine = NearestFacility(one_way_plan, surgery)
    route = engine.route(_xy(home))
    _meet(route)
    want = [(700, 0), (1000, 0), (1000, 500), (0, 500), (0, 0), (200, 0)]
    np.testing.assert_allclose(route.line.coords, [(X0 + x, Y0 + y) for x, y in want])
    assert route.metres == pytest.approx(engine.nearest(_xy(home)[None]).metres[0]) == 2500
    assert route.facility == 0 and len(route.pieces) == 3
    net = one_way_plan
    assert [(net.node_x[n] - X0, net.node_y[n] - Y0) for n in route.nodes] == [(1000, 0), (0, 0)]
    assert route.minutes == pytest.approx(2500 / (25_000 / 60))
    assert route.door_minutes == pytest.approx(route.minutes + 20 * GAP_MINUTES_PER_METRE)
    assert route.facility_gap_m == pytest.approx(10) and route.snap_gap_m == pytest.approx(10)


def test_a_route_on_one_edge_is_the_stretch_between(one_way_plan):
    route = NearestFacility(one_way_plan, _points((800, 510))).route(_xy(_points((500, 490))))
    _meet(route)
    np.testing.assert_allclose(route.line.coords, [(X0 + 800, Y0 + 500), (X0 + 500, Y0 + 500)])
    assert route.metres == pytest.approx(300.0) and len(route.nodes) == 0


def test_a_route_leaves_the_surgery_the_way_the_search_did():
    # the surgery is 100 m along Long Road from the junction with Side Road: it drives back
    plan = network_from_lines(
        _lines(
            ("Long Road", None, [(0, 0), (1000, 0)]),
            ("Side Road", None, [(0, 0), (0, 1000)]),
        )
    )
    route = NearestFacility(plan, _points((100, 5))).route(_xy(_points((5, 500))))
    _meet(route)
    np.testing.assert_allclose(route.line.coords, [(X0 + x, Y0 + y) for x, y in
                                                   [(100, 0), (0, 0), (0, 500)]])  # fmt: skip
    assert route.metres == pytest.approx(600.0)


def test_a_route_leaves_out_the_snap_gaps_the_distance_counts(one_way_plan):
    surgery, home = _points((200, 30)), _points((700, -50))
    engine = NearestFacility(one_way_plan, surgery, count_gap_beyond_m=20)
    route = engine.route(_xy(home))
    assert engine.nearest(_xy(home)[None]).metres[0] == pytest.approx(500.0 + 10 + 30)
    assert route.metres == pytest.approx(500.0)
    assert route.facility_gap_m == pytest.approx(30) and route.snap_gap_m == pytest.approx(50)


def test_a_point_with_no_road_route_says_why():
    plan = network_from_lines(
        _lines(
            ("High Street", None, [(0, 0), (1000, 0)]),
            ("Private Estate", None, [(0, 1500), (400, 1500)]),  # no road links it
        )
    )
    engine = NearestFacility(plan, _points((100, 5)))
    with pytest.raises(InputError, match="cut off from the rest of the network"):
        engine.route(_xy(_points((200, 1490))))
    with pytest.raises(InputError, match=r"4,000 m from the nearest road .* off the network"):
        engine.route(_xy(_points((200, 5500))))
    with pytest.raises(InputError, match="a route goes to one point"):
        engine.route([[X0, Y0], [X0, Y0]])


def test_points_in_other_crs_or_units(one_way_plan):
    surgery = _points((200, 10))
    engine = NearestFacility(one_way_plan, surgery)
    home = _points((700, -10))
    as_lonlat = engine.distance_to_nearest(home.to_crs(4326))
    as_array = engine.distance_to_nearest(np.array([[X0 + 700, Y0 - 10]]))
    assert as_lonlat["metres"].iloc[0] == pytest.approx(500.0, abs=1e-3)
    assert as_array["metres"].iloc[0] == pytest.approx(500.0)
    lonlat = shapely.get_coordinates(home.to_crs(4326).geometry)
    with pytest.raises(InputError, match=r"not British National Grid \(EPSG:27700\) metres"):
        engine.distance_to_nearest(lonlat)
    with pytest.raises(InputError, match="none of the 1 points lies within 2,000 m of a road"):
        NearestFacility(one_way_plan, _points((9000, 9000)))


# --- real data: Rutland -----------------------------------------------------------------


@pytest.fixture(scope="module")
def network(source: Path) -> RoadNetwork:
    return build_network(source_path("roads_rutland", source))


@pytest.fixture(scope="module")
def surgeries(rutland) -> gpd.GeoDataFrame:
    return rutland.gp_practices


@pytest.fixture(scope="module")
def engine(network, surgeries) -> NearestFacility:
    return NearestFacility(network, surgeries).solve()


@pytest.fixture(scope="module")
def addresses(rutland) -> gpd.GeoDataFrame:
    postcodes = rutland.postcodes
    return postcodes[postcodes["in_region"]].sample(200, random_state=20191)


def test_answers_carry_the_surgery_and_its_pcn(engine, addresses, surgeries):
    out = engine.distance_to_nearest(addresses)
    assert list(out.columns) == [
        "metres", "miles", "minutes", "facility", "code", "name", "pcn_code", "pcn_name",
        "snap_gap_m", "status",
    ]  # fmt: skip
    assert out.index.equals(addresses.index)
    ok = out[out["status"] == "ok"]
    assert len(ok) >= 190
    np.testing.assert_allclose(ok["miles"], ok["metres"] / METRES_PER_MILE)
    picked = surgeries.iloc[ok["facility"].to_numpy(int)]
    assert ok["code"].tolist() == picked["code"].tolist()
    assert ok["pcn_name"].tolist() == picked["pcn_name"].tolist()
    assert ok["metres"].max() < 20_000  # nowhere in Rutland is 12 miles from a surgery
    assert ok["snap_gap_m"].median() < 50
    assert out["minutes"].notna().equals(out["status"] == "ok")
    # no drive beats the fastest road, and nowhere in Rutland is 20 minutes from a surgery
    fastest = engine.network.edge_speed.max() * 1000 / 60
    assert (ok["minutes"] >= ok["metres"] / fastest).all()
    assert 2 < ok["minutes"].median() < 10 and ok["minutes"].max() < 20


def test_surgeries_outside_the_extract_are_left_out(engine, surgeries):
    snap = engine.facility_snap
    assert snap.index.equals(surgeries.index)
    assert (snap["status"] == "ok").sum() >= 5
    assert (snap.loc[snap["status"] == "ok", "snap_gap_m"] <= 2000).all()
    assert (snap.loc[snap["status"] == "off_network", "snap_gap_m"] > 2000).all()


def _independent_distances(
    network: RoadNetwork,
    surgeries: gpd.GeoDataFrame,
    homes: gpd.GeoDataFrame,
    minutes: bool = False,
) -> np.ndarray:
    """Nearest-surgery road metres (or quickest minutes) with networkx, independently.

    Snapping is brute force over the osmnx edge frame (every arc at the smallest
    distance counts). One virtual ``source`` node has an arc to the head of each
    arc a surgery sits on, costing the rest of that arc; networkx's Dijkstra from
    it gives every node its distance from the nearest surgery. A home on arc
    c->d at s metres is reached from c, or from a surgery on the same arc behind it.
    With ``minutes``, each metre of an arc costs its ``travel_time`` share and each
    snap gap (surgery and home) its metres at the gap speed.
    """
    graph = network.to_networkx(geometry=True)
    for _, _, data in graph.edges(data=True):
        data["cost"] = data["travel_time"] / 60 if minutes else data["length"]
    arcs = gpd.GeoDataFrame(
        [
            (u, v, d["length"], 0.06 / d["speed_kph"] if minutes else 1.0, d["geometry"])
            for u, v, d in graph.edges(data=True)
        ],
        columns=["u", "v", "length", "pace", "geometry"],
        geometry="geometry",
    )
    gap_pace = GAP_MINUTES_PER_METRE if minutes else 0.0

    def snaps(point: Point) -> tuple[list[tuple[int, int, float, float, float]], float]:
        gap = shapely.distance(arcs.geometry.to_numpy(), point)
        near = arcs[gap <= gap.min() + 1e-6]
        along = shapely.line_locate_point(near.geometry.to_numpy(), point)
        rows = zip(near["u"], near["v"], near["length"], near["pace"], along, strict=True)
        return list(rows), gap.min()

    surgery_snaps = [(at, gap) for at, gap in map(snaps, surgeries.geometry) if gap <= 2000]
    for at, gap in surgery_snaps:
        for _, v, length, pace, along in at:
            graph.add_edge("source", v, cost=(length - along) * pace + gap * gap_pace)
    dist = nx.single_source_dijkstra_path_length(graph, "source", weight="cost")
    best = np.full(len(homes), np.inf)
    for i, point in enumerate(homes.geometry):
        home_snaps, home_gap = snaps(point)
        for c, d, _, pace, s in home_snaps:
            best[i] = min(best[i], dist.get(c, np.inf) + s * pace)
            for at, gap in surgery_snaps:
                for a, b, _, _, s_surgery in at:
                    if (a, b) == (c, d) and s_surgery <= s:
                        best[i] = min(best[i], (s - s_surgery) * pace + gap * gap_pace)
        best[i] += home_gap * gap_pace
    return best


@pytest.mark.parametrize("name", ["rutland", "norfolk"])
def test_acceptance_matches_networkx_on_200_postcodes(name, request):
    region = request.getfixturevalue(name)
    surgeries = region.gp_practices
    postcodes = region.postcodes
    addresses = postcodes[postcodes["in_region"]].sample(200, random_state=20191)
    expected = _independent_distances(region.network, surgeries, addresses)
    out = NearestFacility(region.network, surgeries).distance_to_nearest(addresses)
    got = out["metres"].fillna(np.inf).to_numpy()

    assert np.array_equal(np.isinf(got), np.isinf(expected))
    assert np.isinf(got).sum() <= 5
    finite = np.isfinite(expected)
    assert np.abs(got[finite] - expected[finite]).max() < 1.0

    scheme = get_scheme("rutland-demo" if name == "rutland" else "norfolk-2019")
    expected_band = np.digitize(expected[finite] / METRES_PER_MILE, [3.0, 6.0])
    assert np.array_equal(band_index(got[finite], scheme), expected_band)
    # The samples hold Bands 1 and 2 often enough to compare (Band 3 is rare in both).
    assert np.bincount(expected_band, minlength=3)[:2].min() >= 20


def test_minutes_match_networkx_on_200_rutland_postcodes(rutland):
    # Rutland's extract has speed limits on a sixth of its roads, so the quickest drive is
    # often not along the shortest
    surgeries = rutland.gp_practices
    postcodes = rutland.postcodes
    addresses = postcodes[postcodes["in_region"]].sample(200, random_state=20191)
    expected = _independent_distances(rutland.network, surgeries, addresses, minutes=True)
    out = NearestFacility(rutland.network, surgeries).distance_to_nearest(addresses)
    got = out["minutes"].fillna(np.inf).to_numpy()
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    finite = np.isfinite(expected)
    assert np.abs(got[finite] - expected[finite]).max() < 0.01
    by_length = out["metres"].to_numpy()[finite] / got[finite]
    assert by_length.max() > 1.2 * by_length.min()  # speeds differ from road to road
