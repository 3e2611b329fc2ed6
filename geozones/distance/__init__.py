"""Stage 6, distances: how far each point is from its nearest GP surgery.

Takes in a region's road network and practices, and points in EPSG:27700.
Gives out road distances in metres from the nearest facility (one multi-source
Dijkstra), circuity factors for regions without roads, and
:class:`~geozones.distance.surgeries.NearestSurgery`, the one answer to "which
surgery is nearest and how far" that every later stage uses.
"""
