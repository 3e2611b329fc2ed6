"""Stage 7, schemes and pricing: each council's rules and rates as data.

Takes in the scheme files beside this module (``<id>.toml``, validated with
errors that name the file and key). Gives out :class:`~geozones.schemes.scheme.Scheme`,
band and urban/rural classifiers over distances in metres and the area where a
scheme's bands apply, by district, CCG, LSOA or polygon
(:mod:`~geozones.schemes.bands`), and prices in ``Decimal`` pounds for visits,
packages and zones (:mod:`~geozones.schemes.pricing`).
"""
