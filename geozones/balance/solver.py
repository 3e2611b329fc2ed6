"""Balancing care hours across contract lots: contiguous lots of whole units near their targets.

A council splits its county into lots that providers bid for, each with about
the same weekly care hours (Herefordshire drew its 'D' lots "looking at
broadly equitable hours per lot"; providers called a lot viable at 700 to
2,000+ hours a week), or each with hours of its own (Herefordshire's 'O'
zones, seed 002 Table 12.2: Zone A 1,682 to Zone D 2,352 hours a week).
:func:`balance` draws ``k`` such lots from units (LSOAs or wards) and the
demand in each; :func:`improve` rebalances an existing plan with as few unit
moves as possible; :func:`geozones.balance.report.lot_report` gives the
per-lot figures (hours, cost, deviation, compactness, viability).

The solvers follow spopt's pattern: construct :class:`LotBalancer` or
:class:`LotImprover` with the data and parameters, call ``solve()``, read
``labels_`` (and ``hours_``, ``deviation_``, ``met_``).

Each lot aims at its **target**: an equal share of the hours (the mean), or,
given :attr:`Constraints.targets`, its own hours a week; the tolerance applies
to each lot's own target. Deviations are weighed relative to the targets (a lot
10 hours off a 1,000-hour target counts as much as one 20 hours off 2,000).

:class:`LotBalancer`, from each of ``restarts`` starts drawn from one seeded
generator (:func:`numpy.random.default_rng`), keeping the best:

1. **Seeds**: farthest-point sampling on the units' population-weighted
   points (the first seed drawn at random), per parent when nested.
2. **Growth**: the lot furthest below its target (the fewest hours when the
   targets are equal) takes its unassigned neighbour nearest its seed, until
   every unit has a lot.
3. **Balance**: steepest descent on the sum of squared relative differences
   between each lot's hours and its target, by moving a boundary unit to a
   neighbouring lot or swapping two units between neighbouring lots; ties go
   to the more compact result. Short of the target (e.g. a lot hemmed in by
   one neighbour), a "kick": the worst lot and a random neighbouring lot are
   merged and grown again as two lots from two far-apart units of the union,
   then descend again; the best state is kept.
4. **Compactness**: once every lot meets the target, moves and swaps that
   raise the lots' summed Polsby-Popper score while every lot stays within it.

Locks: a locked unit stays in its lot; a locked zone (:attr:`Constraints.locked_zones`)
keeps exactly its units, neither losing nor gaining one. Both solvers can report
their progress to a ``progress(fraction, message)`` callback (a web job shows it).

Contiguity: neighbours are those of :attr:`UnitLayer.adjacency
<geozones.zones.units.UnitLayer.adjacency>` (within one parent when nested);
a group of units cut off from the rest of its parent (an island) is linked to
its nearest unit, so an island joins its nearest unit's lot. A unit leaves its
lot only when the lot stays connected (:func:`scipy.sparse.csgraph.connected_components`
on the lot's subgraph without it). Hours are hours a week; distances and areas
EPSG:27700 metres.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from geozones._errors import InputError
from geozones.demand.packages import Demand
from geozones.zones.nesting import union_plan
from geozones.zones.plan import DEMAND_COLUMNS, ZonePlan, target_hours
from geozones.zones.units import UnitLayer

__all__ = [
    "DEFAULT_RESTARTS",
    "DEFAULT_TOLERANCE",
    "KICKS",
    "MOVE_COLUMNS",
    "Constraints",
    "LotBalancer",
    "LotImprover",
    "Progress",
    "balance",
    "improve",
    "polsby_popper",
    "unit_demand",
]

#: Default target: every lot within 2% of the mean hours.
DEFAULT_TOLERANCE = 0.02
#: Starts of :class:`LotBalancer`, each from its own seeds.
DEFAULT_RESTARTS = 4
#: Kicks (re-split the worst lot with a neighbour, descend again) per start short of the target.
KICKS = 12
#: Columns of the moves :func:`improve` lists.
MOVE_COLUMNS: tuple[str, ...] = ("unit", "unit_name", "from_lot", "to_lot", "weekly_hours")

_GROWTH_UNIT_SHARE = 0.1  # a unit counts this share of a mean unit's hours while growing

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.integer]
Bools = npt.NDArray[np.bool_]
#: A progress callback: ``progress(fraction, message)``, the fraction done from 0 to 1.
Progress = Callable[[float, str], None]


def _sum_by(index: npt.ArrayLike, weights: npt.ArrayLike, minlength: int) -> Floats:
    """``np.bincount`` with weights: the sum of ``weights`` per value of ``index``."""
    # numpy's stub types bincount as intp even when float weights make it float64
    return cast("Floats", np.bincount(index, weights=weights, minlength=minlength))


@dataclass(frozen=True)
class Constraints:
    """What the lots must satisfy.

    Attributes
    ----------
    tolerance : float or None
        Every lot's hours within this fraction of its target (0.02: +/-2%):
        of the mean, or of its own target when ``targets`` are given.
        None: no tolerance target (then give ``min_hours`` and/or ``max_hours``).
    min_hours, max_hours : float or None
        Every lot within these hours a week. With ``tolerance`` too, both apply.
    within : str, ZonePlan or None
        Nesting: ``"districts"`` keeps lots inside districts, a plan (same
        region and unit layer) inside its zones. The lots are shared out
        across the parents in proportion to their hours.
    locked : mapping of str to str
        Unit code to the lot name it must be in.
    compactness : bool
        Once the target is met, improve the lots' compactness within it.
    targets : mapping of str to float
        Lot name to its own target hours a week (e.g. Herefordshire's
        ``{"Zone A": 1682, ...}``). :func:`balance` then draws one lot per
        target, named as the targets name them; :func:`improve` needs one
        for every lot holding units. Empty: every lot aims at the mean.
    scale_targets : bool
        Scale the targets in proportion so that they add up to the demand's
        total (the council's shares applied to other demand, e.g. a package
        list of another month); default: the hours as given.
    locked_zones : tuple of str
        Lots that keep exactly the units they have, neither losing nor gaining
        one. In :func:`improve`, zones of the plan; in :func:`balance`, lots
        named in ``locked`` (their locked units are all they hold).
    groups : mapping of str to tuple of str
        Lots with targets that together form larger lots, each group one
        contiguous union (Herefordshire's 'D' lots: ``{"Complex A & B":
        ("Zone A", "Zone B"), "Complex C, D, E": ("Zone C", "Zone D", "Zone
        E")}``), every target in one group. :func:`balance` draws the groups
        first (each aiming at its lots' summed targets), then the lots inside
        them; given ``within`` too, its zones are the groups. :func:`improve`
        keeps every lot inside its group's union as the plan has it.

    Raises
    ------
    InputError
        A tolerance outside (0, 1), negative or crossed hour limits, no
        target at all, ``within`` that is neither "districts" nor a plan,
        a target that is not a number of hours above 0, targets with
        ``within`` but no groups, groups without targets or not sharing them
        out one to a group, or ``scale_targets`` without targets.

    """

    tolerance: float | None = DEFAULT_TOLERANCE
    min_hours: float | None = None
    max_hours: float | None = None
    within: str | ZonePlan | None = None
    locked: Mapping[str, str] = field(default_factory=dict)
    compactness: bool = True
    targets: Mapping[str, float] = field(default_factory=dict)
    scale_targets: bool = False
    locked_zones: tuple[str, ...] = ()
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.tolerance is not None and not 0 < self.tolerance < 1:
            raise InputError(
                f"tolerance must be a fraction between 0 and 1 (0.02 is +/-2%), "
                f"got {self.tolerance}"
            )
        if self.tolerance is None and self.min_hours is None and self.max_hours is None:
            raise InputError("give a tolerance, a minimum or a maximum of hours per lot")
        for name in ("min_hours", "max_hours"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise InputError(f"{name} must be 0 or more hours a week, got {value}")
        if (
            self.min_hours is not None
            and self.max_hours is not None
            and self.min_hours >= self.max_hours
        ):
            raise InputError(
                f"min_hours ({self.min_hours:,}) must be less than max_hours ({self.max_hours:,})"
            )
        if isinstance(self.within, str) and self.within != "districts":
            raise InputError(f"within must be 'districts' or a zone plan, got {self.within!r}")
        object.__setattr__(self, "targets", target_hours(self.targets, "lot"))
        object.__setattr__(self, "locked_zones", tuple(str(z) for z in self.locked_zones))
        object.__setattr__(
            self, "groups", {str(g): tuple(map(str, m)) for g, m in self.groups.items()}
        )
        if self.scale_targets and not self.targets:
            raise InputError("scale_targets scales the lots' targets; give targets too")
        self._check_groups()

    def _check_groups(self) -> None:
        """Groups share out the targets, one group each; nesting with targets needs groups."""
        if self.targets and self.within is not None and not self.groups:
            raise InputError(
                "lots with targets nest only in groups: give groups (the zones of within, "
                "each with the lots it holds), or leave out within"
            )
        if not self.groups:
            return
        if not self.targets:
            raise InputError("groups join lots with targets of their own; give the targets too")
        owner: dict[str, str] = {}
        for group, members in self.groups.items():
            for lot in members:
                if lot not in self.targets:
                    raise InputError(
                        f"group {group!r} holds lot {lot!r}, which has no target; "
                        f"the targets: {', '.join(self.targets)}"
                    )
                if lot in owner:
                    raise InputError(
                        f"lot {lot!r} is in group {owner[lot]!r} and in {group!r}; "
                        "a lot can be in one group"
                    )
                owner[lot] = group
        left = [lot for lot in self.targets if lot not in owner]
        if left:
            raise InputError(f"lot(s) {', '.join(left)} are in no group; put each in one")

    def group_targets(self) -> dict[str, float]:
        """Each group's target: the sum of its lots' targets (hours a week)."""
        return {g: sum(self.targets[lot] for lot in m) for g, m in self.groups.items()}

    def band(self, mean: float) -> tuple[float, float]:
        """The hours a week a lot must have, (low, high), given its target (the mean hours)."""
        low, high = self.bands(np.array([mean]))
        return float(low[0]), float(high[0])

    def bands(self, targets: Floats) -> tuple[Floats, Floats]:
        """The hours a week (low, high) of lots with these target hours, one pair per lot."""
        low, high = np.zeros(len(targets)), np.full(len(targets), np.inf)
        if self.tolerance is not None:
            low, high = targets * (1 - self.tolerance), targets * (1 + self.tolerance)
        if self.min_hours is not None:
            low = np.maximum(low, self.min_hours)
        if self.max_hours is not None:
            high = np.minimum(high, self.max_hours)
        return low, high

    def met(self, hours: Floats, targets: Floats) -> bool:
        """True when each lot's ``hours`` are within its band (up to rounding) for ``targets``."""
        low, high = self.bands(targets)
        return bool(_Goal(targets, low, high, float(targets.mean())).inside(hours).all())

    def describe(self) -> str:
        """The target in words, e.g. ``"within 2% of the mean hours, inside districts"``."""
        parts = []
        if self.tolerance is not None and self.targets:
            parts.append(f"within {self.tolerance:.1%} of each lot's target hours")
        elif self.tolerance is not None:
            parts.append(f"within {self.tolerance:.1%} of the mean hours")
        if self.targets:
            scaled = ", scaled to the demand's total" if self.scale_targets else ""
            parts.append(
                f"targets {', '.join(f'{n} {h:,.0f}' for n, h in self.targets.items())} "
                f"h/week{scaled}"
            )
        if self.min_hours is not None:
            parts.append(f"at least {self.min_hours:,.0f} h/week")
        if self.max_hours is not None:
            parts.append(f"at most {self.max_hours:,.0f} h/week")
        if self.groups:
            parts.append(
                "in groups " + "; ".join(f"{g} = {' + '.join(m)}" for g, m in self.groups.items())
            )
        if isinstance(self.within, ZonePlan):
            parts.append(f"inside the zones of plan {self.within.name}")
        elif self.within:
            parts.append(f"inside {self.within}")
        if self.locked:
            parts.append(f"{len(self.locked)} locked unit(s)")
        if self.locked_zones:
            parts.append(f"locked zone(s) {', '.join(self.locked_zones)}")
        return ", ".join(parts)

    def lot_targets(self, names: Sequence[str], total: float) -> Floats:
        """Target hours a week of the lots ``names``, given the demand's ``total``.

        Raises
        ------
        InputError
            With targets: a lot without one, or a target for no lot of ``names``.

        """
        if not self.targets:
            return np.full(len(names), total / len(names))
        missing = [n for n in names if n not in self.targets]
        unknown = [n for n in self.targets if n not in names]
        if missing or unknown:
            problems = [f"no target for lot(s) {', '.join(missing)}"] if missing else []
            problems += [f"targets for no lot: {', '.join(unknown)}"] if unknown else []
            raise InputError(
                f"{'; '.join(problems)}; give one target for each of the lots "
                f"{', '.join(names)}, or none (equal shares)"
            )
        hours = np.array([self.targets[n] for n in names], dtype=float)
        return hours * (total / hours.sum()) if self.scale_targets else hours


@dataclass(frozen=True)
class _Goal:
    """What each lot aims at: its target and band (hours a week) and how its deviation weighs.

    ``scale`` is ``mean / target``: a lot's gap times its scale is its gap as
    a share of its target, in hours of the mean lot (1 when the targets are
    equal, so the sums are those of plain hours).
    """

    target: Floats
    low: Floats
    high: Floats
    mean: float

    @property
    def scale(self) -> Floats:
        scale: Floats = self.mean / self.target
        return scale

    def inside(self, hours: Floats, lots: Ints | slice = slice(None)) -> Bools:
        """Whether lots ``lots`` with ``hours`` lie within their bands, up to rounding."""
        slack = 1e-9 * max(self.mean, 1.0)
        inside: Bools = (hours >= self.low[lots] - slack) & (hours <= self.high[lots] + slack)
        return inside

    def gap(self, hours: Floats) -> Floats:
        """Every lot's hours less its target, weighed by :attr:`scale`."""
        gap: Floats = (hours - self.target) * self.scale
        return gap

    def deviation(self, hours: Floats) -> float:
        """The largest difference between a lot's hours and its target, as a share of it."""
        return float((np.abs(hours - self.target) / self.target).max())

    def excess(self, hours: Floats) -> float:
        """Hours a week outside the bands, over every lot."""
        return float((np.maximum(self.low - hours, 0) + np.maximum(hours - self.high, 0)).sum())


def _goal(constraints: Constraints, names: Sequence[str], total: float) -> _Goal:
    """The goal of lots ``names`` (their targets and bands) for demand of ``total`` hours."""
    target = constraints.lot_targets(names, total)
    low, high = constraints.bands(target)
    return _Goal(target, low, high, total / len(names))


# -- the units as a graph --------------------------------------------------------------------


@dataclass(eq=False)
class _Graph:
    """Units as the solvers see them: neighbours within a parent, islands linked, shapes."""

    units: UnitLayer
    parent: Ints  # parent number of every unit
    parent_names: tuple[str, ...]
    src: Ints  # directed edges (both directions), sorted by src * n + dst
    dst: Ints
    shared: Floats  # metres of boundary each edge's units share (0 for island links)
    matrix: sparse.csr_array  # the same edges as a symmetric 0/1 matrix
    degree: Ints
    area: Floats  # m2
    perimeter: Floats  # m
    points: Floats  # population-weighted points, (n, 2) metres

    @property
    def n(self) -> int:
        return len(self.parent)

    def pairs(self, i: Ints, j: Ints) -> tuple[Bools, Floats]:
        """Whether units ``i[x]`` and ``j[x]`` are neighbours, and the boundary they share (m)."""
        keys = self.src * self.n + self.dst
        want = i * self.n + j
        at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
        hit = keys[at] == want
        return hit, np.where(hit, self.shared[at], 0.0)


def _graph(units: UnitLayer, parent: Ints, parent_names: tuple[str, ...]) -> _Graph:
    n = len(units.codes)
    adjacency = units.adjacency.tocoo()
    a, b = adjacency.row.astype(np.int64), adjacency.col.astype(np.int64)
    same = parent[a] == parent[b]
    a, b = a[same], b[same]
    rings = shapely.boundary(units.geoms)
    shared = shapely.length(shapely.intersection(rings[a], rings[b]))
    link_a, link_b = _island_links(units, parent, a, b)
    a = np.concatenate([a, link_a, link_b])
    b = np.concatenate([b, link_b, link_a])
    shared = np.concatenate([shared, np.zeros(2 * len(link_a))])
    order = np.argsort(a * n + b, kind="stable")
    a, b, shared = a[order], b[order], shared[order]
    matrix = sparse.csr_array((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return _Graph(
        units=units,
        parent=parent,
        parent_names=parent_names,
        src=a,
        dst=b,
        shared=shared,
        matrix=matrix,
        degree=np.bincount(a, minlength=n),
        area=shapely.area(units.geoms),
        perimeter=shapely.length(rings),
        points=units.points,
    )


def _island_links(units: UnitLayer, parent: Ints, a: Ints, b: Ints) -> tuple[Ints, Ints]:
    """Links joining every piece of a parent cut off from the rest to its nearest unit."""
    n = len(parent)
    geoms = units.geoms
    links: list[tuple[int, int]] = []
    while True:
        ends = np.array(links, dtype=np.int64).reshape(-1, 2)
        rows = np.concatenate([a, ends[:, 0]])
        cols = np.concatenate([b, ends[:, 1]])
        graph = sparse.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        piece = connected_components(graph, directed=False)[1]
        found: list[tuple[int, int]] = []
        for p in np.unique(parent):
            members = np.flatnonzero(parent == p)
            pieces, sizes = np.unique(piece[members], return_counts=True)
            for cut in pieces[np.argsort(-sizes, kind="stable")][1:]:
                inside = members[piece[members] == cut]
                rest = members[piece[members] != cut]
                (i, j), gap = shapely.STRtree(geoms[rest]).query_nearest(
                    geoms[inside], return_distance=True, all_matches=False
                )
                best = int(np.argmin(gap))
                pair = (int(inside[i[best]]), int(rest[j[best]]))
                found.append((min(pair), max(pair)))
        if not found:
            ends = np.array(links, dtype=np.int64).reshape(-1, 2)
            return ends[:, 0], ends[:, 1]
        links.extend(sorted(set(found)))


def _parents(units: UnitLayer, within: str | ZonePlan | None) -> tuple[Ints, tuple[str, ...]]:
    """Parent number of every unit and the parents' names (one unnamed parent when not nested)."""
    if within is None:
        return np.zeros(len(units.codes), dtype=np.int64), ("",)
    if isinstance(within, ZonePlan):
        if (within.region.name, within.unit_layer) != (units.region.name, units.layer):
            raise InputError(
                f"plan {within.name} is a {within.unit_layer} plan of {within.region.name}; "
                f"nesting needs a {units.layer} plan of {units.region.name}"
            )
        names = within.assignment.reindex(units.codes)
        loose = names.index[names.isna()]
        if len(loose):
            raise InputError(
                f"{len(loose)} unit(s) have no zone in plan {within.name}, e.g. {loose[0]}; "
                "lots can only nest in a plan that covers the region"
            )
        order = [z for z in within.zones if z in set(names)]
    else:
        names = units.frame["district_name"].fillna(units.frame["district"])
        order = sorted(set(names.astype(str)))
    codes = pd.Categorical(names.astype(str), categories=order).codes
    return codes.astype(np.int64), tuple(order)


# -- lots: the state the solvers change ------------------------------------------------------


@dataclass
class _Options:
    """Candidate changes: ``first`` moves from lot ``a`` to ``b``; ``second`` (or -1) back."""

    first: Ints
    second: Ints
    a: Ints
    b: Ints
    transfer: Floats  # hours a week leaving a for b
    compactness: Floats  # change of the Polsby-Popper scores of a and b, summed

    @property
    def units_moved(self) -> Ints:
        return np.where(self.second >= 0, 2, 1)


def polsby_popper(area: Floats, perimeter: Floats) -> Floats:
    """Polsby-Popper compactness of each shape: 4 pi area / perimeter^2 (1 for a circle)."""
    score: Floats = 4 * np.pi * area / np.maximum(perimeter, 1e-9) ** 2
    return score


class _Lots:
    """An assignment of units to lots with running hours, areas and perimeters.

    ``fixed`` units never leave their lot; ``closed`` lots (locked zones) take no unit.
    """

    def __init__(
        self,
        graph: _Graph,
        hours: Floats,
        labels: Ints,
        k: int,
        fixed: Bools,
        closed: Bools | None = None,
    ) -> None:
        self.g, self.w, self.k, self.fixed = graph, hours, k, fixed
        self.closed = np.zeros(k, dtype=bool) if closed is None else closed
        self.labels = labels.astype(np.int64).copy()
        self.hours = _sum_by(self.labels, hours, k)
        self.area = _sum_by(self.labels, graph.area, k)
        inner = self.labels[graph.src] == self.labels[graph.dst]
        outline = _sum_by(self.labels, graph.perimeter, k)
        self.perimeter = outline - _sum_by(self.labels[graph.src[inner]], graph.shared[inner], k)
        self.size = np.bincount(self.labels, minlength=k)
        self._movable = np.zeros(graph.n, dtype=bool)
        self._stale = np.ones(k, dtype=bool)

    def compactness(self) -> Floats:
        """Polsby-Popper score of every lot (1 for a circle)."""
        return polsby_popper(self.area, self.perimeter)

    def move(self, unit: int, to: int) -> None:
        """Move one unit to lot ``to``, updating the running figures."""
        g, lab = self.g, self.labels
        frm = lab[unit]
        lo, hi = np.searchsorted(g.src, [unit, unit + 1])
        near, length = lab[g.dst[lo:hi]], g.shared[lo:hi]
        self.perimeter[frm] -= g.perimeter[unit] - 2 * length[near == frm].sum()
        self.perimeter[to] += g.perimeter[unit] - 2 * length[near == to].sum()
        for lot, sign in ((frm, -1), (to, 1)):
            self.hours[lot] += sign * self.w[unit]
            self.area[lot] += sign * g.area[unit]
            self.size[lot] += sign
        lab[unit] = to
        self._stale[[frm, to]] = True

    def apply(self, options: _Options, x: int) -> None:
        """Make candidate change ``x``."""
        self.move(int(options.first[x]), int(options.b[x]))
        if options.second[x] >= 0:
            self.move(int(options.second[x]), int(options.a[x]))

    def movable(self) -> Bools:
        """Units that may leave their lot: not fixed, on its edge, not cutting it in two."""
        if self._stale.any():
            members, ok = _leavable(self.g, self.labels, np.flatnonzero(self._stale), self.fixed)
            self._movable[members] = ok
        self._stale[:] = False
        return self._movable

    def options(self, swaps: bool = True) -> _Options:
        """Every single move and (with ``swaps``) every swap that keeps all lots connected."""
        g, lab, k = self.g, self.labels, self.k
        movable = self.movable()
        edge = movable[g.src] & (lab[g.src] != lab[g.dst]) & ~self.closed[lab[g.dst]]
        key = np.unique(g.src[edge] * k + lab[g.dst[edge]])
        u, b = key // k, key % k
        a = lab[u]
        flat = g.src * k + lab[g.dst]
        touching = np.bincount(flat, minlength=g.n * k).reshape(g.n, k)
        toward = _sum_by(flat, g.shared, g.n * k).reshape(g.n, k)
        i, j = _swap_pairs(a, b, k) if swaps else (np.zeros(0, int), np.zeros(0, int))
        adjacent, between = g.pairs(u[i], u[j])
        ok = (touching[u[i], b[i]] > adjacent) & (touching[u[j], a[i]] > adjacent)
        i, j, between = i[ok], j[ok], between[ok]
        first = np.concatenate([u, u[i]])
        second = np.concatenate([np.full(len(u), -1), u[j]])
        a2, b2 = np.concatenate([a, a[i]]), np.concatenate([b, b[i]])
        back = second >= 0
        s = np.where(back, second, 0)
        w, ar, per = self.w, g.area, g.perimeter
        transfer = w[first] - np.where(back, w[s], 0.0)
        area_a = self.area[a2] - ar[first] + np.where(back, ar[s], 0.0)
        area_b = self.area[b2] + ar[first] - np.where(back, ar[s], 0.0)
        join = np.concatenate([np.zeros(len(u)), 2 * between])
        perim_a = (
            self.perimeter[a2] - per[first] + 2 * toward[first, a2]
            + np.where(back, per[s] - 2 * toward[s, a2], 0.0) + join
        )  # fmt: skip
        perim_b = (
            self.perimeter[b2] + per[first] - 2 * toward[first, b2]
            - np.where(back, per[s] - 2 * toward[s, b2], 0.0) + join
        )  # fmt: skip
        score = self.compactness()
        change = (
            polsby_popper(area_a, perim_a) + polsby_popper(area_b, perim_b)
            - score[a2] - score[b2]
        )  # fmt: skip
        return _Options(first, second, a2, b2, transfer, change)


def _ranges(start: Ints, count: Ints) -> Ints:
    """``arange(start[x], start[x] + count[x])`` for every x, concatenated."""
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    out: Ints = np.repeat(start, count) + offset
    return out


def _leavable(graph: _Graph, labels: Ints, lots: Ints, fixed: Bools) -> tuple[Ints, Bools]:
    """The units of ``lots`` and whether each may leave its lot (the contiguity check).

    A unit may leave when it is not fixed, its lot has another unit, it has a
    neighbour outside the lot, and the lot without it has no more connected
    pieces than with it. Every candidate of every lot is tested by one call of
    :func:`~scipy.sparse.csgraph.connected_components`, on a graph holding one
    copy of the candidate's lot without the candidate.
    """
    in_lots = np.isin(labels, lots)
    members = np.flatnonzero(in_lots)
    members = members[np.argsort(labels[members], kind="stable")]
    m = len(members)
    local = np.full(graph.n, -1)
    local[members] = np.arange(m)
    inner = in_lots[graph.src] & (labels[graph.src] == labels[graph.dst])
    s, d = local[graph.src[inner]], local[graph.dst[inner]]
    lot_ids, first, size = np.unique(labels[members], return_index=True, return_counts=True)
    lot_of = np.repeat(np.arange(len(lot_ids)), size)
    piece = connected_components(
        sparse.coo_array((np.ones(len(s)), (s, d)), shape=(m, m)), directed=False
    )[1]
    pieces = np.bincount(lot_of[np.unique(piece, return_index=True)[1]], minlength=len(lot_ids))
    inside = np.bincount(s, minlength=m)
    cand = np.flatnonzero((graph.degree[members] > inside) & ~fixed[members] & (size[lot_of] > 1))
    ok = np.zeros(m, dtype=bool)
    if not len(cand):
        return members, ok
    lot = lot_of[cand]
    order = np.argsort(lot_of[s], kind="stable")
    s, d = s[order], d[order]
    edges = np.bincount(lot_of[s], minlength=len(lot_ids))
    copy = np.repeat(np.arange(len(cand)), edges[lot])
    e = _ranges(np.cumsum(edges)[lot] - edges[lot], edges[lot])
    keep = (s[e] != cand[copy]) & (d[e] != cand[copy])
    base = (np.cumsum(size[lot]) - size[lot] - first[lot])[copy[keep]]
    total = int(size[lot].sum())
    comp = connected_components(
        sparse.coo_array(
            (np.ones(int(keep.sum())), (base + s[e][keep], base + d[e][keep])),
            shape=(total, total),
        ),
        directed=False,
    )[1]
    node_copy = np.repeat(np.arange(len(cand)), size[lot])
    node = _ranges(first[lot], size[lot])
    alive = node != cand[node_copy]
    seen = np.unique(comp[np.flatnonzero(alive)], return_index=True)[1]
    after = np.bincount(node_copy[alive][seen], minlength=len(cand))
    ok[cand] = after <= pieces[lot]
    return members, ok


def _swap_pairs(a: Ints, b: Ints, k: int) -> tuple[Ints, Ints]:
    """Index pairs (i, j) of single moves a->b and b->a with a < b (each swap once)."""
    key = a * k + b
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    reverse = b * k + a
    lo = np.searchsorted(sorted_key, reverse, side="left")
    count = np.where(a < b, np.searchsorted(sorted_key, reverse, side="right") - lo, 0)
    return np.repeat(np.arange(len(a)), count), order[_ranges(lo, count)]


# -- shared set-up of both solvers -----------------------------------------------------------


def unit_demand(units: UnitLayer, demand: Demand | pd.DataFrame) -> tuple[Floats, bool]:
    """Hours a week per unit in layer order, and whether the demand is modelled."""
    frame = demand.units if isinstance(demand, Demand) else demand
    position = units.demand_positions(frame, DEMAND_COLUMNS)
    hours = pd.to_numeric(frame["weekly_hours"], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(hours) | (hours < 0))
    if len(bad):
        raise InputError(
            f"demand weekly_hours must be numbers 0 or more; row {bad[0] + 1} has "
            f"{frame['weekly_hours'].iloc[bad[0]]!r}"
        )
    modelled = bool(frame.attrs.get("modelled")) or (
        "modelled" in frame.columns and bool(frame["modelled"].fillna(False).astype(bool).any())
    )
    return _sum_by(position, hours, len(units.codes)), modelled


def _describe_demand(demand: Demand | pd.DataFrame, hours: Floats, modelled: bool) -> str:
    if isinstance(demand, Demand):
        return demand.describe()
    return f"demand of {hours.sum():,.1f} hours a week; modelled={modelled}"


def _locks(units: UnitLayer, locked: Mapping[str, str]) -> tuple[Ints, tuple[str, ...]]:
    """Locked lot number of every unit (-1 free) and the locked lots' names."""
    codes = pd.Index([str(c) for c in locked])
    position = units.positions(codes)
    unknown = codes[position < 0]
    if len(unknown):
        raise InputError(
            f"locked unit(s) not in {units.region.name}'s {units.layer} layer: "
            + ", ".join(unknown[:10])
        )
    names = [str(v) for v in locked.values()]
    lot, lots = pd.factorize(pd.Series(names, dtype=object), sort=False)
    out = np.full(len(units.codes), -1, dtype=np.int64)
    out[position] = lot
    return out, tuple(lots)


def _unit_label(units: UnitLayer, i: int) -> str:
    return f"{units.codes[i]} ({units.frame['name'].iloc[i]})"


def _check_target(
    graph: _Graph, hours: Floats, goal: _Goal, target: str, names: Sequence[str] | None
) -> None:
    """Fail before searching when no plan can meet the target; say what to change.

    ``names`` are the names of lots with targets of their own (None: lots aim at the mean).
    """
    units, total, k = graph.units, hours.sum(), len(goal.target)
    if k > graph.n:
        raise InputError(
            f"{k} lots need at least {k} units; {units.region.name} has {graph.n} "
            f"{units.layer} units"
        )
    if total <= 0:
        raise InputError("the demand has no hours to balance; check the package list or pathway")
    crossed = np.flatnonzero(goal.low > goal.high)
    if len(crossed):
        lot = crossed[0]
        which = "no lot can" if names is None else f"lot {names[lot]!r} cannot"
        raise InputError(
            f"{which} be {target}: that asks for {goal.low[lot]:,.1f} to "
            f"{goal.high[lot]:,.1f} hours a week"
        )
    high = goal.high.max()
    big = np.flatnonzero(hours > high)
    if len(big):
        top = big[np.argmax(hours[big])]
        others = f" ({len(big) - 1} other unit(s) too)" if len(big) > 1 else ""
        raise InputError(
            f"unit {_unit_label(units, int(top))} alone has {hours[top]:,.1f} hours a week, "
            f"more than the maximum of {high:,.1f} hours a week per lot ({target}){others}; "
            "allow more hours per lot (tolerance or maximum), or use fewer lots"
        )
    low_sum, high_sum = goal.low.sum(), goal.high.sum()
    if low_sum > total or high_sum < total:
        fix = "the number of lots" if names is None else "the targets (or scale them)"
        raise InputError(
            f"{k} lots {target} need between {low_sum:,.1f} and {high_sum:,.1f} hours a week "
            f"in all, but the demand has {total:,.1f}; change {fix} or the limits"
        )


# -- LotBalancer -----------------------------------------------------------------------------


class LotBalancer:
    """Contiguous lots near their target hours, spopt-style: construct, ``solve()``, ``labels_``.

    Parameters
    ----------
    units : UnitLayer
        The units (LSOAs or wards) with their polygons, EPSG:27700.
    hours : ndarray of float
        Hours a week in each unit, in layer order.
    k : int
        Number of lots (with targets: one per target).
    constraints : Constraints, optional
        Target, per-lot targets, nesting, locks, locked zones (default:
        within 2% of the mean).
    seed : int
        Seed of the random generator; the same seed gives the same lots.
    restarts : int
        Starts (each from its own seeds); the best result is kept.

    Attributes
    ----------
    labels_ : ndarray of int
        Lot number of every unit, in layer order (after :meth:`solve`).
    lot_names_ : tuple of str
        Name of every lot number: with targets, the targets' names in their
        order; else the locked lots' names, others "Lot 1", "Lot 2"... (or
        "<parent> lot 1"... when nested), north to south.
    lot_parents_ : tuple of str
        The parent each lot lies in ("" when not nested).
    hours_ : ndarray of float
        Hours a week per lot.
    targets_ : ndarray of float
        Target hours a week per lot (the mean for every lot without targets).
    deviation_ : float
        Largest difference between a lot's hours and its target, as a fraction of the target.
    met_ : bool
        True when every lot is within its target band.
    compactness_ : ndarray of float
        Polsby-Popper score per lot.

    Raises
    ------
    InputError
        On construction, before any search: more lots than units, no hours,
        a unit alone above the maximum (naming it, its hours and the
        maximum), limits that ``k`` lots cannot meet, unknown or conflicting
        locks, a ``k`` other than the number of targets, a lock or locked
        zone naming a lot without a target, a locked zone without locked units,
        or groups that are not the zones of ``within`` (each holding a lot).

    """

    def __init__(
        self,
        units: UnitLayer,
        hours: npt.ArrayLike,
        k: int,
        constraints: Constraints | None = None,
        *,
        seed: int = 0,
        restarts: int = DEFAULT_RESTARTS,
    ) -> None:
        self.units = units
        self.hours = np.asarray(hours, dtype=float)
        self.k = int(k)
        self.constraints = constraints or Constraints()
        self.seed = seed
        self.restarts = max(1, int(restarts))
        if self.k < 1:
            raise InputError(f"ask for at least one lot, got {k}")
        targets = self.constraints.targets
        if targets and self.k != len(targets):
            raise InputError(
                f"{len(targets)} targets make {len(targets)} lots, but {k} lots were asked for; "
                "leave out the number of lots or give a target for each"
            )
        parent, names = _parents(units, self.constraints.within)
        self.graph = _graph(units, parent, names)
        self.locked, self._locked_names = _locks(units, self.constraints.locked)
        self._names = self._lot_names()
        self.goal = _goal(self.constraints, self._names, self.hours.sum())
        _check_target(
            self.graph,
            self.hours,
            self.goal,
            self.constraints.describe(),
            self._names if targets else None,
        )
        self.closed = np.isin(self._names, self.constraints.locked_zones)
        self.lot_parent = self._share_lots()
        self._start_labels = self._join_locks()
        joined = self._start_labels >= 0
        start = _sum_by(self._start_labels[joined], self.hours[joined], self.k)
        over = np.flatnonzero(start > self.goal.high)
        if len(over):
            lot = over[0]
            raise InputError(
                f"the locked units of lot {self._locked_names[lot]!r} (with the units joining "
                f"them) have {start[lot]:,.1f} hours a week, more than the maximum of "
                f"{self.goal.high[lot]:,.1f} for that lot; lock fewer units or allow more hours"
            )

    def _lot_names(self) -> tuple[str, ...]:
        """Lot names by lot number: the locked lots', then the other targets' ("" unnamed yet).

        Raises
        ------
        InputError
            A lock naming a lot without a target, or a locked zone without locked units.

        """
        targets, locked = self.constraints.targets, self._locked_names
        untargeted = [name for name in locked if targets and name not in targets]
        if untargeted:
            raise InputError(
                f"unit(s) are locked to lot(s) without a target: {', '.join(untargeted)}; "
                f"lock units to the lots of the targets ({', '.join(targets)})"
            )
        if len(locked) > self.k:
            raise InputError(f"{len(locked)} lots are named in the locks but k is {self.k}")
        unlocked = [z for z in self.constraints.locked_zones if z not in locked]
        if unlocked:
            raise InputError(
                f"locked zone(s) {', '.join(unlocked)} have no locked units; a locked zone "
                "keeps exactly its locked units, so lock its units to it"
            )
        if targets:
            return (*locked, *(name for name in targets if name not in locked))
        return (*locked, *[""] * (self.k - len(locked)))

    def _share_lots(self) -> Ints:
        """Parent of every lot, locked lots first.

        With groups, each lot's group is its parent. Otherwise each parent gets
        one lot (or one per locked lot in it), and each further lot goes to the
        parent whose lots now have the most hours each.
        """
        g, k = self.graph, self.k
        n_parents = len(g.parent_names)
        locked_parent = []
        for lot, name in enumerate(self._locked_names):
            parents = np.unique(g.parent[self.locked == lot])
            if len(parents) > 1:
                raise InputError(
                    f"lot {name!r} has locked units in {len(parents)} different parents "
                    f"({', '.join(g.parent_names[p] for p in parents)}); lots must nest in one"
                )
            locked_parent.append(int(parents[0]))
        if self.constraints.groups:
            return self._grouped(np.array(locked_parent, dtype=np.int64))
        per = np.bincount(np.array(locked_parent, dtype=np.int64), minlength=n_parents)
        count = np.maximum(per, 1)
        if count.sum() > k:
            raise InputError(
                f"{n_parents} parents need at least {count.sum()} lots (one each, "
                f"plus locked lots); ask for at least {count.sum()}"
            )
        parent_hours = _sum_by(g.parent, self.hours, n_parents)
        capacity = per + np.bincount(g.parent[self.locked < 0], minlength=n_parents)
        for _ in range(k - count.sum()):
            share = np.where(count < capacity, parent_hours / count, -np.inf)
            count[int(np.argmax(share))] += 1
        free = np.repeat(np.arange(n_parents), count - per)
        return np.concatenate([np.array(locked_parent, dtype=np.int64), free])

    def _grouped(self, locked_parent: Ints) -> Ints:
        """Parent of every lot: its group, which must be a zone of ``within``.

        Raises
        ------
        InputError
            A group that is no zone of ``within``, a zone of ``within`` without
            a lot, or a lot whose locked units lie outside its group.

        """
        parents = pd.Index(self.graph.parent_names)
        owner = {lot: grp for grp, members in self.constraints.groups.items() for lot in members}
        unknown = [grp for grp in self.constraints.groups if grp not in parents]
        if unknown:
            raise InputError(
                f"group(s) {', '.join(unknown)} are not zones of the plan the lots nest in "
                f"(its zones: {', '.join(parents)}); name the groups as its zones"
            )
        lot_parent = parents.get_indexer(pd.Index([owner[name] for name in self._names]))
        empty = [parents[p] for p in np.setdiff1d(np.arange(len(parents)), lot_parent)]
        if empty:
            raise InputError(
                f"zone(s) {', '.join(empty)} of the plan the lots nest in hold no lot; give "
                "each a group of lots"
            )
        wrong = np.flatnonzero(locked_parent != lot_parent[: len(locked_parent)])
        if len(wrong):
            name = self._names[wrong[0]]
            raise InputError(
                f"lot {name!r} has locked units in {parents[locked_parent[wrong[0]]]}, "
                f"outside its group {owner[name]!r}"
            )
        return lot_parent.astype(np.int64)

    def _join_locks(self) -> Ints:
        """Start labels: locked units, each lot's pieces joined by shortest chains of free units.

        A locked zone's units are taken as they are: it gains no unit, not even to join them.
        """
        g = self.graph
        labels = self.locked.copy()
        for lot, name in enumerate(self._locked_names):
            while not self.closed[lot]:
                members = np.flatnonzero(labels == lot)
                piece = connected_components(g.matrix[members][:, members], directed=False)[1]
                if not piece.any():
                    break
                index = np.flatnonzero((labels < 0) | (labels == lot))
                sub = g.matrix[index][:, index]
                dist, pred, _ = dijkstra(
                    sub,
                    directed=False,
                    indices=np.searchsorted(index, members[piece == 0]),
                    min_only=True,
                    return_predecessors=True,
                )
                targets = np.searchsorted(index, members[piece != 0])
                target = targets[np.argmin(dist[targets])]
                if not np.isfinite(dist[target]):
                    raise InputError(
                        f"the locked units of lot {name!r} cannot be joined into one "
                        f"contiguous lot ({g.units.codes[index[target]]} is cut off from the "
                        "others by other lots' locked units or by the edge of its parent)"
                    )
                step = pred[target]
                while labels[index[step]] != lot:
                    labels[index[step]] = lot
                    step = pred[step]
        return labels

    def solve(self, progress: Progress | None = None) -> LotBalancer:
        """Search from each start and keep the best plan (target met, then most compact).

        Parameters
        ----------
        progress : callable, optional
            Called as ``progress(fraction, message)`` after each start (fraction 0 to 1).

        Returns
        -------
        LotBalancer
            ``self``, with the fitted attributes set.

        """
        rng = np.random.default_rng(self.seed)
        best_key, best = self._attempt(rng)
        for start in range(1, self.restarts + 1):
            if start > 1:
                key, lots = self._attempt(rng)
                if key < best_key:
                    best_key, best = key, lots
            if progress is not None:
                progress(
                    start / self.restarts,
                    f"start {start} of {self.restarts} done; the best so far is "
                    f"{self.goal.deviation(best.hours):.2%} from target at most",
                )
        self._finish(best)
        return self

    def _lots(self, labels: Ints) -> _Lots:
        return _Lots(self.graph, self.hours, labels, self.k, self.locked >= 0, self.closed)

    def _attempt(self, rng: np.random.Generator) -> tuple[tuple[bool, float, float], _Lots]:
        """One start grown, balanced and (target met) compacted, with its rank (lowest best)."""
        lots = self._balance(self._lots(self._start(rng)), rng)
        met = bool(self.goal.inside(lots.hours).all())
        if met and self.constraints.compactness:
            self._compact(lots)
        deviation = self.goal.deviation(lots.hours)
        return (not met, 0.0 if met else deviation, -float(lots.compactness().sum())), lots

    def _start(self, rng: np.random.Generator) -> Ints:
        """Start labels: locked lots as joined, free lots seeded far apart, all grown.

        Locked zones do not grow.
        """
        labels = self._start_labels.copy()
        seeds = self._seeds(labels, rng)
        for lot, members in enumerate(seeds):
            labels[members] = lot
        for closed in np.flatnonzero(self.closed):
            seeds[closed] = np.zeros(0, dtype=np.int64)
        _grow(self.graph, self.hours, labels, seeds, self.goal.scale)
        return labels

    def _seeds(self, labels: Ints, rng: np.random.Generator) -> list[Ints]:
        """Units each lot starts from: its locked units, else a farthest-point seed."""
        g = self.graph
        seeds: list[Ints] = [np.flatnonzero(labels == lot) for lot in range(self.k)]
        for p in range(len(g.parent_names)):
            free = np.flatnonzero(self.lot_parent == p)
            free = free[free >= len(self._locked_names)]
            pool = np.flatnonzero((g.parent == p) & (labels < 0))
            held = np.flatnonzero((g.parent == p) & (labels >= 0))
            near = np.full(len(pool), np.inf)
            for u in held:
                near = np.minimum(near, _distance(g.points[pool], g.points[u]))
            for lot in free:
                if lot != free[0]:
                    pick = int(np.argmax(near))
                else:
                    weight = self.hours[pool] + 1e-9
                    pick = int(rng.choice(len(pool), p=weight / weight.sum()))
                seeds[lot] = pool[[pick]]
                near = np.minimum(near, _distance(g.points[pool], g.points[pool[pick]]))
                near[pick] = -1.0
        return seeds

    def _balance(self, lots: _Lots, rng: np.random.Generator) -> _Lots:
        """Descend; while short of the target, re-split the worst lot with a neighbour."""
        _descend(lots, self.goal)
        best = lots
        for _ in range(KICKS):
            if self.goal.inside(best.hours).all():
                break
            trial = self._kick(best, rng)
            if trial is None:
                break
            _descend(trial, self.goal)
            if _spread(trial, self.goal) < _spread(best, self.goal):
                best = trial
        return best

    def _kick(self, lots: _Lots, rng: np.random.Generator) -> _Lots | None:
        """Merge the worst lot with a random neighbouring lot and grow two lots in the union.

        Lots holding locked units are left alone. Returns None when no lot can be re-split.
        """
        g, labels = self.graph, lots.labels.copy()
        free = np.bincount(labels[self.locked >= 0], minlength=self.k) == 0
        touch = labels[g.src] != labels[g.dst]
        pairs = np.unique(labels[g.src[touch]] * self.k + labels[g.dst[touch]])
        first, second = pairs // self.k, pairs % self.k
        usable = free[first] & free[second]
        if not usable.any():
            return None
        gap = np.abs(self.goal.gap(lots.hours))[first]
        worst = first[usable][np.argmax(gap[usable])]
        partners = second[usable & (first == worst)]
        other = int(partners[rng.integers(len(partners))])
        union = np.flatnonzero((labels == worst) | (labels == other))
        start = union[rng.integers(len(union))]
        one = union[np.argmax(_distance(g.points[union], g.points[start]))]
        two = union[np.argmax(_distance(g.points[union], g.points[one]))]
        labels[union] = -1
        labels[one], labels[two] = worst, other
        seeds: list[Ints] = [np.zeros(0, dtype=np.int64)] * self.k
        seeds[worst], seeds[other] = np.array([one]), np.array([two])
        _grow(g, self.hours, labels, seeds, self.goal.scale)
        return self._lots(labels)

    def _compact(self, lots: _Lots) -> None:
        """Raise the summed Polsby-Popper score by moves and swaps that keep the target."""
        while True:
            o = lots.options()
            inside = self.goal.inside(lots.hours[o.a] - o.transfer, o.a)
            inside &= self.goal.inside(lots.hours[o.b] + o.transfer, o.b)
            gain = np.where(inside, o.compactness, -np.inf)
            if not len(gain) or gain.max() <= 1e-9:
                return
            lots.apply(o, int(np.argmax(gain)))

    def _finish(self, lots: _Lots) -> None:
        """Number and name the lots: in the targets' order, else as :meth:`_numbered` does."""
        if self.constraints.targets:
            order = np.array([self._names.index(t) for t in self.constraints.targets])
            names = list(self.constraints.targets)
        else:
            order, names = self._numbered(lots)
        rank = np.empty(self.k, dtype=np.int64)
        rank[order] = np.arange(self.k)
        self.labels_ = rank[lots.labels]
        self.lot_names_ = tuple(names)
        self.lot_parents_ = tuple(self.graph.parent_names[p] for p in self.lot_parent[order])
        self.hours_ = lots.hours[order]
        self.targets_ = self.goal.target[order]
        self.deviation_ = self.goal.deviation(lots.hours)
        self.met_ = bool(self.goal.inside(lots.hours).all())
        self.compactness_ = lots.compactness()[order]

    def _numbered(self, lots: _Lots) -> tuple[Ints, list[str]]:
        """Lot order and names: locked lots first, the others north to south per parent."""
        g = self.graph
        n_locked = len(self._locked_names)
        north = _sum_by(lots.labels, g.points[:, 1], self.k) / lots.size
        east = _sum_by(lots.labels, g.points[:, 0], self.k) / lots.size
        free = np.arange(n_locked, self.k)
        free = free[np.lexsort((east[free], -north[free], self.lot_parent[free]))]
        order = np.concatenate([np.arange(n_locked), free]).astype(np.int64)
        names = list(self._locked_names)
        taken = set(names)
        counter: dict[int, int] = {}
        for lot in free:
            parent = int(self.lot_parent[lot])
            while True:
                counter[parent] = counter.get(parent, 0) + 1
                prefix = f"{g.parent_names[parent]} lot" if g.parent_names[parent] else "Lot"
                name = f"{prefix} {counter[parent]}"
                if name not in taken:
                    break
            names.append(name)
            taken.add(name)
        return order, names


def _distance(points: Floats, point: Floats) -> Floats:
    """Metres from each of ``points`` (n, 2) to ``point`` (2,)."""
    metres: Floats = np.hypot(points[:, 0] - point[0], points[:, 1] - point[1])
    return metres


def _grow(graph: _Graph, hours: Floats, labels: Ints, seeds: list[Ints], scale: Floats) -> None:
    """Grow the seeded lots over the units labelled -1 until none is left that they can reach.

    In turn, the lot with the fewest hours for its target (its hours times its
    ``scale``, mean / target; each unit also counting a tenth of a mean unit's
    hours, so lots also grow through units without demand) takes its free
    neighbour nearest its seed. Changes ``labels`` in place.
    """
    per_unit = _GROWTH_UNIT_SHARE * hours.mean()
    grown = [lot for lot, members in enumerate(seeds) if len(members)]
    centre = {lot: graph.points[seeds[lot]].mean(axis=0) for lot in grown}
    size = {
        lot: float(hours[labels == lot].sum() + per_unit * (labels == lot).sum()) for lot in grown
    }
    frontier: dict[int, set[int]] = {lot: set() for lot in grown}
    for start in np.flatnonzero(np.isin(labels, grown)):
        frontier[int(labels[start])].update(_free_neighbours(graph, labels, int(start)))
    while open_lots := [lot for lot in grown if frontier[lot]]:
        lot = min(open_lots, key=lambda x: (size[x] * scale[x], x))
        choices = np.array(sorted(frontier[lot]))
        u = int(choices[np.argmin(_distance(graph.points[choices], centre[lot]))])
        labels[u] = lot
        size[lot] += hours[u] + per_unit
        for edge in frontier.values():
            edge.discard(u)
        frontier[lot].update(_free_neighbours(graph, labels, u))


def _free_neighbours(graph: _Graph, labels: Ints, u: int) -> list[int]:
    lo, hi = np.searchsorted(graph.src, [u, u + 1])
    near = graph.dst[lo:hi]
    return [int(v) for v in near[labels[near] < 0]]


def _spread(lots: _Lots, goal: _Goal) -> tuple[float, float]:
    gap = goal.gap(lots.hours)
    return float(np.abs(gap).max()), float((gap**2).sum())


def _descend(lots: _Lots, goal: _Goal) -> None:
    """Steepest descent on the summed squared deviations, weighed (ties: more compact).

    A move of ``t`` hours from lot a to b changes ``sum w (hours - target)^2``
    (``w = scale^2``) by ``2 t ((w_a + w_b) / 2 t + w_b gap_b - w_a gap_a)``.
    """
    eps = 1e-9 * max(goal.mean, 1.0) ** 2
    w = goal.scale**2
    while True:
        o = lots.options()
        if not len(o.first):
            return
        gap = lots.hours - goal.target
        t = o.transfer
        wa, wb = w[o.a], w[o.b]
        change = 2 * t * ((wa + wb) / 2 * t + wb * gap[o.b] - wa * gap[o.a])
        x = int(np.lexsort((-o.compactness, change))[0])
        if change[x] >= -eps:
            return
        lots.apply(o, x)


# -- LotImprover -----------------------------------------------------------------------------


class LotImprover:
    """Rebalance existing lots with as few unit moves as possible, spopt-style.

    Greedy: each step makes the move of one boundary unit to a neighbouring
    lot that most reduces the largest deviation from the target (then the sum
    of squared deviations; both relative to each lot's target), keeping every
    lot connected; only when no single move helps, a swap of two units. It
    stops as soon as every lot meets the target, or when no move helps.

    Parameters
    ----------
    units : UnitLayer
        The units, EPSG:27700.
    hours : ndarray of float
        Hours a week per unit, in layer order.
    labels : ndarray of int
        Lot number of every unit (0 to ``len(lot_names) - 1``), each lot holding units.
    lot_names : sequence of str
        The lots' names (locks, locked zones and targets name lots by these).
    constraints : Constraints, optional
        Target (the mean, or a target for every lot), nesting (each lot must
        already lie in one parent), locks (locked units must already be in
        their lot; they do not move) and locked zones (they neither lose nor
        gain a unit).

    Attributes
    ----------
    labels_ : ndarray of int
        Lot number of every unit after :meth:`solve`.
    moves_ : list of tuple of int
        Each step's (unit position, from lot, to lot), in order.
    hours_ : ndarray of float
        Hours a week per lot.
    targets_ : ndarray of float
        Target hours a week per lot.
    deviation_ : float
        Largest difference from the target, as a fraction of the target.
    met_ : bool
        True when every lot is within its target band.

    Raises
    ------
    InputError
        On construction: a lot without units, a lot across parents, a
        locked unit in another lot, a locked zone the plan does not have,
        targets missing for a lot, or a target no plan can meet (e.g. a unit
        alone above the maximum).

    """

    def __init__(
        self,
        units: UnitLayer,
        hours: npt.ArrayLike,
        labels: npt.ArrayLike,
        lot_names: tuple[str, ...] | list[str],
        constraints: Constraints | None = None,
    ) -> None:
        self.units = units
        self.hours = np.asarray(hours, dtype=float)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.lot_names = tuple(lot_names)
        self.constraints = constraints or Constraints()
        self.k = len(self.lot_names)
        empty = [
            self.lot_names[z]
            for z in np.flatnonzero(np.bincount(self.labels, minlength=self.k) == 0)
        ]
        if empty:
            raise InputError(f"lot(s) without units cannot be balanced: {', '.join(empty)}")
        parent, names = _parents(units, self.constraints.within)
        for lot in range(self.k):
            spans = np.unique(parent[self.labels == lot])
            if len(spans) > 1:
                raise InputError(
                    f"lot {self.lot_names[lot]!r} spans {len(spans)} parents "
                    f"({', '.join(names[p] for p in spans[:5])}); nesting needs each lot in one"
                )
        self.graph = _graph(units, parent, names)
        self.goal = _goal(self.constraints, self.lot_names, self.hours.sum())
        _check_target(
            self.graph,
            self.hours,
            self.goal,
            self.constraints.describe(),
            self.lot_names if self.constraints.targets else None,
        )
        unknown = [z for z in self.constraints.locked_zones if z not in self.lot_names]
        if unknown:
            raise InputError(
                f"locked zone(s) {', '.join(unknown)} are not lots holding units; "
                f"the lots: {', '.join(self.lot_names)}"
            )
        self.closed = np.isin(self.lot_names, self.constraints.locked_zones)
        locked, locked_names = _locks(units, self.constraints.locked)
        want = pd.Index(self.lot_names).get_indexer(pd.Index(list(locked_names)))
        for lot, name in enumerate(locked_names):
            at = np.flatnonzero(locked == lot)
            wrong = at[self.labels[at] != want[lot]]
            if len(wrong):
                now = self.lot_names[self.labels[wrong[0]]]
                raise InputError(
                    f"unit {_unit_label(units, int(wrong[0]))} is locked to lot {name!r} but "
                    f"the plan has it in lot {now!r}; move it there first or unlock it"
                )
        self.fixed = (locked >= 0) | self.closed[self.labels]

    def solve(self, progress: Progress | None = None) -> LotImprover:
        """Move units greedily until the target is met or no move helps.

        Parameters
        ----------
        progress : callable, optional
            Called as ``progress(fraction, message)`` after each step, the
            fraction being the share of the hours outside the target bands
            at the start that is no longer outside (at most 0.99 until done).

        Returns
        -------
        LotImprover
            ``self``, with the fitted attributes set.

        """
        goal, scale = self.goal, self.goal.scale
        lots = _Lots(self.graph, self.hours, self.labels, self.k, self.fixed, self.closed)
        self.moves_: list[tuple[int, int, int]] = []
        eps = 1e-9 * max(goal.mean, 1.0)
        outside = goal.excess(lots.hours)
        while not goal.inside(lots.hours).all():
            o = lots.options()
            raw = lots.hours - goal.target
            gap = raw * scale
            new_a = (raw[o.a] - o.transfer) * scale[o.a]
            new_b = (raw[o.b] + o.transfer) * scale[o.b]
            worst = np.maximum(_other_worst(np.abs(gap), o.a, o.b), np.abs(new_a))
            worst = np.maximum(worst, np.abs(new_b))
            squares = (gap**2).sum() - gap[o.a] ** 2 - gap[o.b] ** 2 + new_a**2 + new_b**2
            now_worst, now_squares = np.abs(gap).max(), (gap**2).sum()
            better = (worst < now_worst - eps) | (
                (worst <= now_worst + eps) & (squares < now_squares - eps * goal.mean)
            )
            if not better.any():
                break
            pick = np.flatnonzero(better & (o.units_moved == o.units_moved[better].min()))
            x = int(pick[np.lexsort((-o.compactness[pick], squares[pick], worst[pick]))[0]])
            self.moves_.append((int(o.first[x]), int(o.a[x]), int(o.b[x])))
            if o.second[x] >= 0:
                self.moves_.append((int(o.second[x]), int(o.b[x]), int(o.a[x])))
            lots.apply(o, x)
            if progress is not None:
                done = 1 - goal.excess(lots.hours) / outside
                progress(
                    min(max(done, 0.0), 0.99),
                    f"{len(self.moves_)} unit move(s); largest deviation from target "
                    f"{goal.deviation(lots.hours):.2%}",
                )
        self.labels_ = lots.labels
        self.hours_ = lots.hours
        self.targets_ = goal.target
        self.deviation_ = goal.deviation(lots.hours)
        self.met_ = bool(goal.inside(lots.hours).all())
        if progress is not None:
            outcome = "target met" if self.met_ else "no move brings the lots nearer the target"
            progress(1.0, f"{len(self.moves_)} unit move(s); {outcome}")
        return self


def _other_worst(size: Floats, a: Ints, b: Ints) -> Floats:
    """For each pair of lots (a, b), the largest ``size`` among the other lots (0 if none)."""
    out = np.zeros(len(a))
    done = np.zeros(len(a), dtype=bool)
    for lot in np.argsort(-size, kind="stable")[:3]:
        use = ~done & (a != lot) & (b != lot)
        out[use] = size[lot]
        done |= use
    return out


# -- the public functions --------------------------------------------------------------------


def balance(
    units: UnitLayer,
    demand: Demand | pd.DataFrame,
    k: int | None = None,
    constraints: Constraints | None = None,
    *,
    seed: int = 0,
    restarts: int = DEFAULT_RESTARTS,
    name: str | None = None,
    author: str = "geozones",
    progress: Progress | None = None,
) -> ZonePlan:
    """Draw ``k`` contiguous lots of units, each near its target weekly care hours.

    Parameters
    ----------
    units : UnitLayer
        The units (``load_units(region, "units")`` for LSOAs), EPSG:27700.
    demand : Demand or DataFrame
        Hours per unit: a :class:`~geozones.demand.packages.Demand`, or a frame with
        ``unit``, ``clients`` and ``weekly_hours`` (several rows per unit are
        added up; ``modelled`` column or ``attrs["modelled"]`` flags modelled demand).
    k : int, optional
        Number of lots; default (and only choice) with targets: one per target.
    constraints : Constraints, optional
        Default: every lot within 2% of the mean. With ``targets``, the lots
        take the targets' names, in their order, each within the tolerance
        of its own target; with ``groups`` too, the groups are drawn first
        (to their summed targets) and the lots inside them, so that every
        group's union is contiguous.
    seed : int
        Random seed: the same seed gives the same plan.
    restarts : int
        Starts tried; the best is kept.
    name : str, optional
        Plan name (default ``<region>-<pathway>-<k>-lots``).
    author : str
        Recorded on the plan.
    progress : callable, optional
        ``progress(fraction, message)``, called after each start.

    Returns
    -------
    ZonePlan
        Unsaved; its ``method`` states the target and seed, its ``notes`` the
        demand (with ``modelled=True`` when modelled), the largest deviation
        and whether the target was met; with targets, its ``targets`` are
        those the lots were drawn to (scaled, when asked).

    Raises
    ------
    InputError
        Before searching, when the target cannot be met (e.g. a unit alone
        above the maximum, naming it), no number of lots (nor targets), or
        bad demand, targets or locks.

    """
    hours, modelled = unit_demand(units, demand)
    constraints = constraints or Constraints()
    if k is None and not constraints.targets:
        raise InputError("give the number of lots, or a target for each lot")
    k = len(constraints.targets) if k is None else k
    nested = constraints
    if constraints.groups and constraints.within is None:
        outer = balance(
            units,
            demand,
            constraints=_group_constraints(constraints),
            seed=seed,
            restarts=restarts,
            name=f"{name or units.region.name}-groups",
            progress=_half(progress, 0.0, "groups: "),
        )
        nested = replace(constraints, within=outer)
        progress = _half(progress, 0.5, "lots in the groups: ")
    solver = LotBalancer(units, hours, k, nested, seed=seed, restarts=restarts)
    solver.solve(progress)
    pathway = demand.pathway if isinstance(demand, Demand) else None
    default = f"{units.region.name}-{pathway.lower() + '-' if pathway else ''}{k}-lots"
    outcome = "target met" if solver.met_ else "TARGET NOT MET"
    targets = dict(zip(solver.lot_names_, solver.targets_.tolist(), strict=True))
    return ZonePlan(
        name=name or default,
        region=units.region,
        unit_layer=units.layer,
        assignment=pd.Series(
            np.array(solver.lot_names_, dtype=object)[solver.labels_], index=units.codes
        ),
        zones=solver.lot_names_,
        targets=targets if constraints.targets else {},
        method=(
            f"balanced {k} lots of {units.layer} by weekly hours ({constraints.describe()}); "
            f"seed {seed}, best of {solver.restarts} starts"
        ),
        author=author,
        notes=(
            f"{_describe_demand(demand, hours, modelled)}; largest deviation from "
            f"{_from(constraints)} {solver.deviation_:.2%} ({outcome})"
        ),
    )


def _group_constraints(constraints: Constraints) -> Constraints:
    """The constraints of drawing the groups: the summed targets, locks moved to the groups."""
    owner = {lot: grp for grp, members in constraints.groups.items() for lot in members}
    return replace(
        constraints,
        targets=constraints.group_targets(),
        groups={},
        locked={unit: owner[lot] for unit, lot in constraints.locked.items() if lot in owner},
        locked_zones=(),
    )


def _half(progress: Progress | None, start: float, prefix: str) -> Progress | None:
    """``progress`` of half the work: fractions 0 to 1 told as ``start`` to ``start + 0.5``."""
    if progress is None:
        return None
    report = progress
    return lambda fraction, message: report(start + fraction / 2, prefix + message)


def _from(constraints: Constraints) -> str:
    """What the deviations are measured from, in words."""
    return "a lot's target" if constraints.targets else "the mean"


def improve(
    plan: ZonePlan,
    demand: Demand | pd.DataFrame,
    constraints: Constraints | None = None,
    *,
    author: str | None = None,
    progress: Progress | None = None,
) -> tuple[ZonePlan, pd.DataFrame]:
    """Rebalance a plan's lots with as few unit moves as possible.

    Parameters
    ----------
    plan : ZonePlan
        The plan; every unit of its layer must have a lot. Lots without units are left as they are.
    demand : Demand or DataFrame
        Hours per unit (as for :func:`balance`).
    constraints : Constraints, optional
        Target (default within 2% of the mean), nesting, locked units, locked
        zones (zones of the plan that keep exactly their units) and targets
        (for every lot holding units; default the plan's own ``targets``,
        when it has some).
    author : str, optional
        Who made the edit (default the plan's author).
    progress : callable, optional
        ``progress(fraction, message)``, called after each move.

    Returns
    -------
    plan : ZonePlan
        The edited plan (unsaved; ``parent`` is the plan's version), with the
        targets it was balanced to.
    moves : DataFrame
        One row per unit that changed lot, in the order moved: :data:`MOVE_COLUMNS`.

    Raises
    ------
    InputError
        Units without a lot, lots across parents, a locked unit elsewhere,
        targets for zones the plan does not have or missing for a lot, or a
        target no plan can meet.

    """
    units = plan.units
    hours, modelled = unit_demand(units, demand)
    constraints = constraints or Constraints()
    if not constraints.targets and plan.targets:
        constraints = replace(constraints, targets=plan.targets)
    if constraints.groups and constraints.within is None:
        constraints = replace(
            constraints, within=union_plan(plan, constraints.groups, f"{plan.name}-groups")
        )
    zone = pd.Index(plan.zones).get_indexer(
        pd.Index(plan.assignment.reindex(units.codes).to_numpy())
    )
    loose = units.codes[zone < 0]
    if len(loose):
        raise InputError(
            f"plan {plan.name} leaves {len(loose)} unit(s) without a lot, e.g. {loose[0]}; "
            "assign every unit first"
        )
    unknown = [z for z in constraints.targets if z not in plan.zones]
    if unknown:
        raise InputError(
            f"target(s) for zone(s) plan {plan.name} does not have: {', '.join(unknown)}; "
            f"its zones: {', '.join(plan.zones)}"
        )
    held, labels = np.unique(zone, return_inverse=True)
    names = [plan.zones[z] for z in held]
    if constraints.targets:
        constraints = replace(
            constraints, targets={z: h for z, h in constraints.targets.items() if z in names}
        )
    solver = LotImprover(units, hours, labels, names, constraints).solve(progress)
    in_order = dict.fromkeys(u for u, _, _ in solver.moves_)
    moved = [u for u in in_order if solver.labels_[u] != labels[u]]
    moves = pd.DataFrame(
        {
            "unit": units.codes[moved].to_numpy(dtype=object),
            "unit_name": units.frame["name"].to_numpy()[moved],
            "from_lot": [names[labels[u]] for u in moved],
            "to_lot": [names[solver.labels_[u]] for u in moved],
            "weekly_hours": hours[moved],
        },
        columns=list(MOVE_COLUMNS),
    )
    outcome = "target met" if solver.met_ else "TARGET NOT MET"
    edited = plan.reassign(
        pd.Series(moves["to_lot"].to_numpy(), index=moves["unit"].to_numpy(), dtype=object),
        author=author,
        notes=(
            f"{_describe_demand(demand, hours, modelled)}; {len(moves)} unit(s) moved to "
            f"balance hours; largest deviation from {_from(constraints)} "
            f"{solver.deviation_:.2%} ({outcome})"
        ),
    )
    targets = dict(plan.targets)
    if constraints.targets:
        targets.update(zip(names, solver.targets_.tolist(), strict=True))
    return replace(
        edited, method=f"improved by unit moves ({constraints.describe()})", targets=targets
    ), moves
