"""Stage 1, sources: the open datasets, read as they are published.

Takes in the source folder (``../shared/data`` or ``$GEOZONES_SOURCE``) and the
manifest ``sources.toml`` (where each dataset comes from in the real world and
under which licence). Gives out one reader per dataset: GeoDataFrames in their
published CRS, set explicitly where a format leaves it out, and plain tables.
"""
