"""Stage 5, geocoder: text and coordinates to points in British National Grid.

Takes in what people type (postcodes, addresses, place names, lat/lon,
easting/northing, OS grid references), one at a time or in bulk, and a built
region. Gives out each input's point (EPSG:27700 metres) with its precision,
status and message; :mod:`~geozones.geocode.files` does it for whole tables.
"""
