from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pytest
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from geozones._errors import DataError, InputError
from geozones.network.graph import (
    CACHE_FORMAT,
    DEFAULT_SPEEDS_KMH,
    HIGHWAYS,
    KMH_PER_MPH,
    MAXSPEED_SHARE,
    RoadNetwork,
    build_network,
    class_speeds,
    network_from_lines,
    parse_maxspeed,
)
from geozones.sources.readers import source_path

# A hand-made OSM file: A-B-C residential, C->D one-way (a 20 mph limit), D-E oneway=-1
# (drivable E->D), a roundabout E-F-G-E, and three ways a car may not use (car park aisle,
# private road, footway) beside one private road opened to cars by motor_vehicle=yes.
TINY_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="geozones tests">
  <node id="1" version="1" lat="52.600" lon="-0.700"/>
  <node id="2" version="1" lat="52.600" lon="-0.699"/>
  <node id="3" version="1" lat="52.600" lon="-0.698"/>
  <node id="4" version="1" lat="52.601" lon="-0.698"/>
  <node id="5" version="1" lat="52.602" lon="-0.698"/>
  <node id="6" version="1" lat="52.602" lon="-0.697"/>
  <node id="7" version="1" lat="52.603" lon="-0.6975"/>
  <node id="8" version="1" lat="52.599" lon="-0.699"/>
  <node id="9" version="1" lat="52.599" lon="-0.698"/>
  <node id="10" version="1" lat="52.599" lon="-0.700"/>
  <node id="11" version="1" lat="52.601" lon="-0.697"/>
  <way id="100" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="name" v="Church Street"/></way>
  <way id="101" version="1"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="tertiary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="20 mph"/></way>
  <way id="102" version="1"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="unclassified"/><tag k="oneway" v="-1"/></way>
  <way id="103" version="1"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="5"/>
    <tag k="highway" v="residential"/><tag k="junction" v="roundabout"/></way>
  <way id="104" version="1"><nd ref="2"/><nd ref="8"/>
    <tag k="highway" v="service"/><tag k="service" v="parking_aisle"/></way>
  <way id="105" version="1"><nd ref="3"/><nd ref="9"/>
    <tag k="highway" v="residential"/><tag k="access" v="private"/></way>
  <way id="106" version="1"><nd ref="1"/><nd ref="10"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/>
    <tag k="motor_vehicle" v="yes"/></way>
  <way id="107" version="1"><nd ref="4"/><nd ref="11"/><tag k="highway" v="footway"/></way>
</osm>
"""
FOOTPATH_WAY = """  <way id="200" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="footway"/></way>
"""


@pytest.fixture(scope="module")
def rutland_pbf(source: Path) -> Path:
    return source_path("roads_rutland", source)


@pytest.fixture(scope="module")
def rutland_net(rutland_pbf: Path) -> RoadNetwork:
    return build_network(rutland_pbf)


@pytest.fixture
def tiny(tmp_path: Path) -> RoadNetwork:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM, encoding="utf-8")
    return build_network(path)


def _node_at(net: RoadNetwork, lon: float, lat: float) -> int:
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
    return int(np.argmin(np.hypot(net.node_x - x, net.node_y - y)))


def test_tiny_file_keeps_car_roads_and_splits_at_junctions(tiny):
    assert tiny.info["highway_ways_read"] == 8
    assert tiny.info["ways_dropped"] == {"access": 1, "highway class": 1, "service kind": 1}
    # B is no junction once the car park aisle is gone: A-B-C is one edge
    assert tiny.n_nodes == 5
    assert sorted(tiny.edge_way.tolist()) == [100, 101, 102, 103, 106]
    church = np.flatnonzero(tiny.edge_way == 100)[0]
    assert shapely.get_num_points(tiny.geometry[church]) == 3
    assert tiny.names[tiny.edge_name[church]] == "Church Street"
    assert tiny.edge_length[church] == pytest.approx(2 * 67.8, abs=1.0)  # 0.002 deg lon at 52.6N
    assert HIGHWAYS[tiny.edge_highway[church]] == "residential"


def test_tiny_file_one_way_rules(tiny):
    oneway = dict(zip(tiny.edge_way.tolist(), tiny.edge_oneway.tolist(), strict=True))
    assert oneway == {100: False, 101: True, 102: True, 103: True, 106: False}
    c, d, e = (_node_at(tiny, -0.698, lat) for lat in (52.600, 52.601, 52.602))
    graph = tiny.to_networkx()
    assert graph.has_edge(c, d) and not graph.has_edge(d, c)  # oneway=yes
    assert graph.has_edge(e, d) and not graph.has_edge(d, e)  # oneway=-1 runs against the way
    assert graph.number_of_edges() == tiny.stats().arcs == 7


def test_line_layers_follow_the_same_tag_rules(tiny):
    # the tiny file's ways as a line layer with tag columns, in lon/lat
    lonlat = {1: (-0.7, 52.6), 2: (-0.699, 52.6), 3: (-0.698, 52.6), 4: (-0.698, 52.601)}
    lonlat |= {5: (-0.698, 52.602), 6: (-0.697, 52.602), 7: (-0.6975, 52.603)}
    lonlat |= {8: (-0.699, 52.599), 9: (-0.698, 52.599), 10: (-0.7, 52.599), 11: (-0.697, 52.601)}
    rows = [
        (100, [1, 2, 3], "residential", {"name": "Church Street"}),
        (101, [3, 4], "tertiary", {"oneway": "yes"}),
        (102, [4, 5], "unclassified", {"oneway": "-1"}),
        (103, [5, 6, 7, 5], "residential", {"junction": "roundabout"}),
        (104, [2, 8], "service", {"service": "parking_aisle"}),
        (105, [3, 9], "residential", {"access": "private"}),
        (106, [1, 10], "service", {"access": "private", "motor_vehicle": "yes"}),
        (107, [4, 11], "footway", {}),
    ]
    lines = gpd.GeoDataFrame(
        [{"osm_id": str(way), "highway": highway, **tags} for way, _, highway, tags in rows],
        geometry=[shapely.LineString([lonlat[n] for n in nodes]) for _, nodes, _, _ in rows],
        crs=4326,
    )
    net = network_from_lines(lines)
    assert net.info["ways_dropped"] == tiny.info["ways_dropped"]
    assert net.info["ends_joined"] == 0
    for name in ("edge_way", "edge_oneway", "edge_highway"):
        np.testing.assert_array_equal(np.sort(getattr(net, name)), np.sort(getattr(tiny, name)))
    got, want = net.stats(), tiny.stats()
    assert (got.nodes, got.edges, got.arcs, got.components) == (5, 5, 7, 1)
    assert (want.nodes, want.edges, want.arcs, want.components) == (5, 5, 7, 1)
    assert got.km == pytest.approx(want.km, abs=1e-9)


@pytest.mark.parametrize(
    ("tag", "kmh"),
    [
        ("30", 30 * 1.609344),  # a bare number in a British extract is a sign in mph
        ("30 mph", 30 * 1.609344),
        ("20mph", 20 * 1.609344),
        (" 40 MPH ", 40 * 1.609344),
        ("50 km/h", 50.0),
        ("48 kph", 48.0),
        ("national", 60 * 1.609344),
        ("GB:nsl_single", 60 * 1.609344),
        ("GB:nsl_dual", 70 * 1.609344),
        ("UK:nsl_dual", 70 * 1.609344),
        ("walk", 5.0),
        ("none", None),
        ("signals", None),
        ("30 mph;40 mph", None),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_maxspeed_tags_are_read_as_km_per_hour(tag, kmh):
    got = parse_maxspeed(tag)
    assert got == (None if kmh is None else pytest.approx(kmh))


def test_class_speeds_are_the_defaults_with_the_given_speeds_over_them():
    assert class_speeds() == dict(DEFAULT_SPEEDS_KMH)
    assert list(class_speeds()) == list(HIGHWAYS)
    assert DEFAULT_SPEEDS_KMH["motorway"] == 90 and DEFAULT_SPEEDS_KMH["residential"] == 25
    given = class_speeds({"residential": 30, "service": 10.5})
    assert (given["residential"], given["service"], given["primary"]) == (30.0, 10.5, 65.0)
    with pytest.raises(InputError, match=r"unknown highway class.*'footway'"):
        class_speeds({"footway": 5})
    for bad in (0, -5, float("nan"), float("inf"), True, "30"):
        with pytest.raises(InputError, match="km/h must be positive numbers"):
            class_speeds({"service": bad})


def test_edges_take_their_maxspeed_then_the_given_speeds_then_the_defaults():
    rows = [
        ("residential", None, [(0, 0), (100, 0)]),
        ("residential", "20 mph", [(100, 0), (200, 0)]),
        ("tertiary", "national", [(200, 0), (300, 0)]),
        ("service", "none", [(300, 0), (400, 0)]),
    ]
    lines = gpd.GeoDataFrame(
        {"highway": [r[0] for r in rows], "maxspeed": [r[1] for r in rows]},
        geometry=[shapely.LineString([(500_000 + x, 300_000 + y) for x, y in r[2]]) for r in rows],
        crs=27700,
    )
    for speeds, residential in ((None, 25.0), ({"residential": 32.0}, 32.0)):
        net = network_from_lines(lines, speeds=speeds)
        order = np.argsort(shapely.get_coordinates(net.geometry)[::2, 0])
        want = [residential, 20 * KMH_PER_MPH * 0.8, 60 * KMH_PER_MPH * 0.8, 15.0]
        np.testing.assert_allclose(net.edge_speed[order], want)
        np.testing.assert_allclose(net.edge_minutes[order], 100 / (np.array(want) * 1000 / 60))
        assert net.info["speeds"]["maxspeed_edges"] == 2
        assert net.info["speeds"]["kmh_by_class"]["residential"] == residential
    with pytest.raises(InputError, match="unknown highway class"):
        network_from_lines(lines, speeds={"footway": 5.0})


def test_tiny_file_edges_have_speeds(tiny):
    speed = dict(zip(tiny.edge_way.tolist(), tiny.edge_speed.tolist(), strict=True))
    assert speed == pytest.approx(
        {100: 25.0, 101: 20 * KMH_PER_MPH * MAXSPEED_SHARE, 102: 25.0, 103: 25.0, 106: 15.0}
    )
    assert tiny.info["speeds"]["maxspeed_edges"] == 1
    assert MAXSPEED_SHARE == 0.8  # as OSRM's car profile drives a limit


def test_rutland_builds_a_drivable_network(rutland_net):
    info = rutland_net.info
    assert info["highway_ways_read"] == 6665
    assert info["ways_kept"] == 4181  # README: 4,643 drivable highway ways before access rules
    assert info["ways_dropped"]["service kind"] == 139  # 137 car park aisles, 2 drive-throughs
    assert info["ways_dropped"]["access"] == 322
    stats = rutland_net.stats()
    print(stats)
    assert 6_000 < stats.nodes < 7_500
    assert 7_000 < stats.edges < 8_000
    assert 850 < stats.km < 900
    assert stats.largest_share > 0.98
    classes = {HIGHWAYS[code] for code in np.unique(rutland_net.edge_highway)}
    assert {"trunk", "primary", "residential", "service"} <= classes
    x0, y0, x1, y1 = shapely.total_bounds(rutland_net.geometry)
    assert 470_000 < x0 < x1 < 515_000 and 285_000 < y0 < y1 < 330_000  # Rutland, in BNG


def test_rutland_edges_take_the_speed_limits_the_extract_has(rutland_net, rutland_pbf):
    # 554 of Rutland's 6,665 highway ways have a maxspeed, all of them "N mph"
    thirty = _tagged_ways(rutland_pbf, "maxspeed", "30 mph")
    seventy = _tagged_ways(rutland_pbf, "maxspeed", "70 mph")
    at_thirty = np.isin(rutland_net.edge_way, list(thirty))
    at_seventy = np.isin(rutland_net.edge_way, list(seventy))
    assert at_thirty.sum() > 300 and at_seventy.sum() > 20
    np.testing.assert_allclose(rutland_net.edge_speed[at_thirty], 30 * KMH_PER_MPH * 0.8)
    np.testing.assert_allclose(rutland_net.edge_speed[at_seventy], 70 * KMH_PER_MPH * 0.8)
    speeds = rutland_net.info["speeds"]
    assert speeds["maxspeed_edges"] + speeds["class_speed_edges"] == rutland_net.n_edges
    assert 1_000 < speeds["maxspeed_edges"] < 2_500
    untagged = ~np.isin(rutland_net.edge_way, _maxspeed_ways(rutland_pbf))
    classes = np.asarray(HIGHWAYS)[rutland_net.edge_highway[untagged]]
    by_class = np.array([DEFAULT_SPEEDS_KMH[c] for c in classes])
    np.testing.assert_array_equal(rutland_net.edge_speed[untagged], by_class)
    assert (rutland_net.edge_minutes > 0).sum() == (rutland_net.edge_length > 0).sum()


def _maxspeed_ways(path: Path) -> list[int]:
    """Ids of the ways with any maxspeed tag, read independently with pyosmium."""
    ways = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("maxspeed")
    )
    return [w.id for w in ways]


def _tagged_ways(path: Path, key: str, value: str) -> dict[int, list[int]]:
    """Node ids of every way tagged key=value, read independently with pyosmium."""
    ways = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.TagFilter((key, value))
    )
    return {w.id: [n.ref for n in w.nodes] for w in ways}


def test_rutland_one_way_streets_are_respected(rutland_net, rutland_pbf):
    forward = _tagged_ways(rutland_pbf, "oneway", "yes")
    roundabouts = _tagged_ways(rutland_pbf, "junction", "roundabout")
    backward = _tagged_ways(rutland_pbf, "oneway", "-1")
    one_way = set(forward) | set(roundabouts) | set(backward)
    kept = np.isin(rutland_net.edge_way, list(one_way))
    assert kept.sum() > 200
    assert rutland_net.edge_oneway[kept].all()
    assert not rutland_net.edge_oneway[~kept].any()

    # the graph holds each of their edges once, in the edge's direction only
    graph = rutland_net.to_networkx()
    arcs = [(u, v, d) for u, v, d in graph.edges(data=True) if d["osmid"] in one_way]
    assert len(arcs) == kept.sum()
    assert {(u, v) for u, v, _ in arcs} == set(
        zip(rutland_net.edge_u[kept].tolist(), rutland_net.edge_v[kept].tolist(), strict=True)
    )
    assert not any(d["reversed"] for _, _, d in arcs)

    # oneway=-1 ways are reversed: each edge starts at a node later in the OSM way
    assert len(backward) == 3
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    locations = osmium.FileProcessor(str(rutland_pbf), osmium.osm.NODE | osmium.osm.WAY)
    wanted = {ref for refs in backward.values() for ref in refs}
    lonlat = {n.id: (n.lon, n.lat) for n in locations if n.type_str() == "n" and n.id in wanted}
    for way, refs in backward.items():
        xy = np.array([to_bng.transform(*lonlat[r]) for r in refs])
        for e in np.flatnonzero(rutland_net.edge_way == way):
            ends = shapely.get_coordinates(rutland_net.geometry[e])[[0, -1]]
            first, last = (int(np.argmin(np.hypot(*(xy - p).T))) for p in ends)
            assert first > last


def test_isle_of_wight_lines_are_noded_into_one_network(source):
    net = build_network(source_path("roads_isle_of_wight", source))
    stats = net.stats()
    info = net.info
    print(
        f"Isle of Wight: {info['pieces_before_noding']} pieces before noding "
        f"(largest {info['largest_share_before_noding']:.1%}); after: {stats}"
    )
    assert info["lines_read"] == 7129
    assert info["pieces_before_noding"] == 147  # README: ends only give 147 pieces
    assert stats.km == pytest.approx(868.7, abs=0.5)
    assert stats.components < 70
    assert stats.largest_share > 0.89 > info["largest_share_before_noding"]
    assert stats.km_disconnected < 95


def test_save_and_load_round_trip(rutland_net, tmp_path):
    rutland_net.save(tmp_path / "net")
    loaded = RoadNetwork.load(tmp_path / "net")
    for name in ("node_x", "node_y", "edge_u", "edge_v", "edge_length", "edge_speed",
                 "edge_oneway", "edge_ref", "names"):  # fmt: skip
        np.testing.assert_array_equal(getattr(loaded, name), getattr(rutland_net, name))
    assert shapely.equals_exact(loaded.geometry, rutland_net.geometry, tolerance=0).all()
    assert loaded.stats() == rutland_net.stats()
    assert loaded.info == rutland_net.info


def test_load_refuses_a_missing_or_foreign_cache(rutland_net, tmp_path):
    with pytest.raises(DataError, match="no readable road network in"):
        RoadNetwork.load(tmp_path / "nowhere")
    rutland_net.save(tmp_path / "net")
    (tmp_path / "net" / "network.json").write_text('{"format": "something-else"}')
    with pytest.raises(DataError, match="rebuild it with build_network"):
        RoadNetwork.load(tmp_path / "net")
    # a network saved before edges had speeds is refused, saying how to rebuild it
    (tmp_path / "net" / "network.json").write_text('{"format": "geozones-road-network/1"}')
    with pytest.raises(DataError, match=r"geozones data build --region") as refused:
        RoadNetwork.load(tmp_path / "net")
    assert f"this version reads {CACHE_FORMAT!r} (edges with speeds)" in str(refused.value)


def test_to_networkx_is_an_osmnx_graph(rutland_net):
    graph = rutland_net.to_networkx(geometry=True)
    ox.convert.validate_graph(graph)
    assert graph.graph["crs"] == "EPSG:27700"
    nodes, edges = ox.convert.graph_to_gdfs(graph)
    assert len(nodes) == rutland_net.n_nodes
    assert len(edges) == rutland_net.stats().arcs
    np.testing.assert_allclose(edges["length"], edges.geometry.length, atol=1e-6)
    np.testing.assert_allclose(edges["travel_time"], edges["length"] / (edges["speed_kph"] / 3.6))

    # osmnx routing and scipy on the network's own matrix find the same shortest path
    a, b = 0, rutland_net.n_nodes // 2
    route = ox.routing.shortest_path(graph, a, b, weight="length")
    route_m = nx.path_weight(nx.DiGraph(ox.convert.to_digraph(graph)), route, "length")
    scipy_m = dijkstra(rutland_net.matrix(), indices=a)[b]
    assert route_m == pytest.approx(scipy_m, abs=1e-6)


def test_build_network_explains_bad_inputs(tmp_path, source):
    with pytest.raises(InputError, match=r"accepted files are OpenStreetMap \(.osm.pbf"):
        build_network(tmp_path / "roads.shp")
    with pytest.raises(InputError, match="does not exist"):
        build_network(tmp_path / "missing.osm.pbf")
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"not an OSM file")
    with pytest.raises(DataError, match=r"cannot read .*junk\.osm\.pbf as OpenStreetMap data"):
        build_network(junk)
    footpaths = tmp_path / "footpaths.osm"
    footpaths.write_text(TINY_OSM.split("  <way")[0] + FOOTPATH_WAY + "</osm>\n")
    with pytest.raises(DataError, match="no drivable road"):
        build_network(footpaths)
    wards = tmp_path / "wards.gpkg"
    gpd.read_file(source / "boundaries/wards/E06000017.geojson").to_file(wards, layer="wards")
    with pytest.raises(DataError, match=r"cannot read layer 'network' of .*wards\.gpkg"):
        build_network(wards)
