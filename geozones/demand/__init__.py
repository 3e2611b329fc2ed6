"""Stage 10, demand: care packages placed in units.

Takes in a package list (CSV/XLSX with addresses and weekly hours) or, without
one, the council's published totals with Census 65+ population, and a unit
layer. Gives out :class:`~geozones.demand.packages.Demand`: every row with a
status, its unit, and hours per unit (modelled demand is marked as such); and
the visits of a package list, or of the modelled demand, with what a scheme's
visit rule costs on them (:mod:`~geozones.demand.visits`).
"""
