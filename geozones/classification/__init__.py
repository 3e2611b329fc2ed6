"""Stage 8, classification: the band, rate and areas of any address or point.

Takes in a scheme, its region's build, the geocoder, the nearest-surgery
measure and a zone lookup passed in by the caller. Gives out typed answers in
three steps (locate, measure, price) for one query or whole arrays, and the
layers derived from them after a region is built (scheme centres, band areas).
"""
