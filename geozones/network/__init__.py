"""Stage 3, network: drivable road graphs from OpenStreetMap extracts.

Takes in an ``.osm.pbf`` extract or a layer of un-noded road lines (EPSG:27700
after projection). Gives out a :class:`~geozones.network.graph.RoadNetwork`:
nodes and directed edges with lengths in metres, one-way streets respected, edge
snapping, saved to and loaded from a region's build folder.
"""
