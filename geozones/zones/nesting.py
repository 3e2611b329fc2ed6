"""Plans made of other plans' zones, and whether one plan's zones nest in another's.

Councils commission lots that are unions of their zones: Herefordshire's two
'D' pathway lots are "Complex A & B" (Zone A and Zone B of its 'O' zones) and
"Complex C, D, E" (seed 002, Tables 12.1 and 12.2). :func:`union_plan` builds
such a plan from another plan's zones, so it nests in it by construction;
:func:`nesting_breaks` lists the units that keep one plan's zones from
nesting in another's (:func:`nested_in`: none do).

A union's zones take no targets from the zones they join: the union may serve
another pathway (the 'D' lots' hours are not the 'O' zones').
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geozones._errors import InputError
from geozones.zones.plan import ZonePlan

__all__ = ["BREAK_COLUMNS", "nested_in", "nesting_breaks", "union_plan"]

#: Columns of :func:`nesting_breaks`.
BREAK_COLUMNS: tuple[str, ...] = ("unit", "zone", "parent_zone", "expected_parent")


def union_plan(
    plan: ZonePlan,
    groups: Mapping[str, Sequence[str]],
    name: str,
    *,
    author: str | None = None,
    notes: str = "",
) -> ZonePlan:
    """A plan whose zones are unions of ``plan``'s zones.

    Parameters
    ----------
    plan : ZonePlan
        The plan whose zones are joined (e.g. Herefordshire's 'O' zones A-E).
    groups : mapping of str to sequence of str
        Each new zone's name to the names of the zones of ``plan`` it joins,
        e.g. ``{"Complex A & B": ["Zone A", "Zone B"], "Complex C, D, E":
        ["Zone C", "Zone D", "Zone E"]}``; the new plan's zones in this order.
        Every zone of ``plan`` holding units must be in exactly one group.
    name : str
        The new plan's name.
    author : str, optional
        Recorded on the plan (default ``plan``'s author).
    notes : str
        Why.

    Returns
    -------
    ZonePlan
        Unsaved, of the same region and unit layer, every unit of ``plan``
        in the union of its zone; ``method`` names the plan, its version and
        the groups.

    Raises
    ------
    InputError
        No group, a group without zones, a zone ``plan`` does not have, a zone
        in two groups (or twice in one), or a zone holding units in no group.

    """
    if not groups:
        raise InputError("give at least one group: a new zone's name and the zones it joins")
    owner: dict[str, str] = {}
    for union, members in groups.items():
        if not members:
            raise InputError(
                f"group {union!r} joins no zone; name the zones of {plan.name} it joins"
            )
        unknown = [z for z in members if z not in plan.zones]
        if unknown:
            raise InputError(
                f"group {union!r} names zone(s) plan {plan.name} does not have: "
                f"{', '.join(unknown)}; its zones: {', '.join(plan.zones)}"
            )
        for zone in members:
            if zone in owner:
                where = "twice" if owner[zone] == union else f"in {owner[zone]!r} too"
                raise InputError(
                    f"zone {zone!r} is in group {union!r} and {where}; a zone can be in one group"
                )
            owner[zone] = union
    held = pd.unique(plan.assignment.to_numpy())
    left = [z for z in plan.zones if z in held and z not in owner]
    if left:
        raise InputError(
            f"zone(s) {', '.join(left)} of plan {plan.name} are in no group; put each zone "
            "holding units in one group, so the union covers the plan"
        )
    version = f" version {plan.version}" if plan.version is not None else ""
    joined = "; ".join(f"{union} = {' + '.join(members)}" for union, members in groups.items())
    return ZonePlan(
        name=name,
        region=plan.region,
        unit_layer=plan.unit_layer,
        assignment=plan.assignment.map(owner),
        zones=tuple(groups),
        method=f"union of the zones of plan {plan.name}{version}: {joined}",
        author=author or plan.author,
        notes=notes,
    )


def nesting_breaks(child: ZonePlan, parent: ZonePlan) -> pd.DataFrame:
    """The units that keep ``child``'s zones from nesting in ``parent``'s.

    A child zone nests when all its units lie in one parent zone. Each child
    zone is expected in the parent zone holding most of its units (ties: the
    parent zone listed first); its other units break the nesting, as do its
    units without a parent zone.

    Parameters
    ----------
    child, parent : ZonePlan
        Plans of the same region and unit layer.

    Returns
    -------
    DataFrame
        :data:`BREAK_COLUMNS`, one row per breaking unit, by child zone then
        unit: ``parent_zone`` (None where the parent leaves the unit without
        a zone) and ``expected_parent``.

    Raises
    ------
    InputError
        The plans are of different regions or unit layers.

    """
    if (child.region.name, child.unit_layer) != (parent.region.name, parent.unit_layer):
        raise InputError(
            f"plan {child.name} ({child.region.name}, {child.unit_layer}) and plan "
            f"{parent.name} ({parent.region.name}, {parent.unit_layer}) are not of the same "
            "units; nesting is judged unit by unit"
        )
    units = child.assignment.index
    zone, found = pd.factorize(child.assignment)
    above = parent.assignment.reindex(units)
    rank = pd.Index(parent.zones).get_indexer(pd.Index(above.to_numpy()))
    width = len(parent.zones)
    placed = rank >= 0
    counts = np.bincount(zone[placed] * width + rank[placed], minlength=len(found) * width).reshape(
        -1, width
    )
    expected = np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -1)[zone]
    broken = np.flatnonzero(~placed | (rank != expected))
    order = broken[
        np.argsort(pd.Index(child.zones).get_indexer(found[zone[broken]]), kind="stable")
    ]
    names = np.array([*parent.zones, None], dtype=object)
    return pd.DataFrame(
        {
            "unit": units[order].to_numpy(dtype=object),
            "zone": child.assignment.to_numpy()[order],
            "parent_zone": names[rank[order]],
            "expected_parent": names[expected[order]],
        },
        columns=list(BREAK_COLUMNS),
    )


def nested_in(child: ZonePlan, parent: ZonePlan) -> bool:
    """True when each zone of ``child`` lies in one zone of ``parent`` (no nesting breaks)."""
    return nesting_breaks(child, parent).empty
