"""Stage 11, balancing: contiguous lots with balanced care hours.

Takes in a unit layer, demand per unit, the number of lots (or each lot's own
target hours) and constraints (tolerance or hour bounds, nesting, groups of
lots that form contiguous unions, locked units and zones). Gives out a
:class:`~geozones.zones.plan.ZonePlan` from :func:`~geozones.balance.solver.balance`,
the fewest moves that bring a plan within bounds
(:func:`~geozones.balance.solver.improve`) and a per-lot viability report
(:func:`~geozones.balance.report.lot_report`).
"""
