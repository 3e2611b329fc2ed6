"""Stage 4, region data: each council's area built from the sources.

Takes in a region's declaration (:mod:`~geozones.regions.specs`), the source
readers and the road graph builder. Gives out a build folder per region
(``region.gpkg`` in EPSG:27700, the road network, ``build.json``), the GB
postcode index shared by every region, checks of both, and
:class:`~geozones.regions.data.RegionData`, which loads the layers lazily.
"""
