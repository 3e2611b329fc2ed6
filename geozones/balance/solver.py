"""Balancing care hours across contract lots: contiguous lots of whole units with equal hours.

A council splits its county into lots that providers bid for, each with about
the same weekly care hours (Herefordshire drew its 'D' lots "looking at
broadly equitable hours per lot"; providers called a lot viable at 700 to
2,000+ hours a week). :func:`balance` draws ``k`` such lots from units (LSOAs
or wards) and the demand in each; :func:`improve` rebalances an existing plan
with as few unit moves as possible; :func:`geozones.balance.report.lot_report`
gives the per-lot figures (hours, cost, deviation, compactness, viability).

The solvers follow spopt's pattern: construct :class:`LotBalancer` or
:class:`LotImprover` with the data and parameters, call ``solve()``, read
``labels_`` (and ``hours_``, ``deviation_``, ``met_``).

:class:`LotBalancer`, from each of ``restarts`` starts drawn from one seeded
generator (:func:`numpy.random.default_rng`), keeping the best:

1. **Seeds**: farthest-point sampling on the units' population-weighted
   points (the first seed drawn at random), per parent when nested.
2. **Growth**: the lot with the fewest hours takes its unassigned neighbour
   nearest its seed, until every unit has a lot.
3. **Balance**: steepest descent on the sum of squared differences between
   each lot's hours and the mean, by moving a boundary unit to a neighbouring
   lot or swapping two units between neighbouring lots; ties go to the more
   compact result. Short of the target (e.g. a lot hemmed in by one
   neighbour), a "kick": the worst lot and a random neighbouring lot are
   merged and grown again as two lots from two far-apart units of the union,
   then descend again; the best state is kept.
4. **Compactness**: once every lot meets the target, moves and swaps that
   raise the lots' summed Polsby-Popper score while every lot stays within it.

Contiguity: neighbours are those of :attr:`UnitLayer.adjacency
<geozones.zones.units.UnitLayer.adjacency>` (within one parent when nested);
a group of units cut off from the rest of its parent (an island) is linked to
its nearest unit, so an island joins its nearest unit's lot. A unit leaves its
lot only when the lot stays connected (:func:`scipy.sparse.csgraph.connected_components`
on the lot's subgraph without it). Hours are hours a week; distances and areas
EPSG:27700 metres.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from geozones.zones.plan import DEMAND_COLUMNS, ZonePlan
from geozones.zones.units import UnitLayer

__all__ = [
    "DEFAULT_RESTARTS",
    "DEFAULT_TOLERANCE",
    "KICKS",
    "MOVE_COLUMNS",
    "Constraints",
    "LotBalancer",
    "LotImprover",
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
        Every lot's hours within this fraction of the mean (0.02: +/-2%).
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

    Raises
    ------
    InputError
        A tolerance outside (0, 1), negative or crossed hour limits, no
        target at all, or ``within`` that is neither "districts" nor a plan.

    """

    tolerance: float | None = DEFAULT_TOLERANCE
    min_hours: float | None = None
    max_hours: float | None = None
    within: str | ZonePlan | None = None
    locked: Mapping[str, str] = field(default_factory=dict)
    compactness: bool = True

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

    def band(self, mean: float) -> tuple[float, float]:
        """The hours a week every lot must have, (low, high), given the mean hours per lot."""
        low, high = 0.0, np.inf
        if self.tolerance is not None:
            low, high = mean * (1 - self.tolerance), mean * (1 + self.tolerance)
        if self.min_hours is not None:
            low = max(low, self.min_hours)
        if self.max_hours is not None:
            high = min(high, self.max_hours)
        return low, high

    def describe(self) -> str:
        """The target in words, e.g. ``"within 2% of the mean hours, inside districts"``."""
        parts = []
        if self.tolerance is not None:
            parts.append(f"within {self.tolerance:.1%} of the mean hours")
        if self.min_hours is not None:
            parts.append(f"at least {self.min_hours:,.0f} h/week")
        if self.max_hours is not None:
            parts.append(f"at most {self.max_hours:,.0f} h/week")
        if isinstance(self.within, ZonePlan):
            parts.append(f"inside the zones of plan {self.within.name}")
        elif self.within:
            parts.append(f"inside {self.within}")
        if self.locked:
            parts.append(f"{len(self.locked)} locked unit(s)")
        return ", ".join(parts)


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
    """An assignment of units to lots with running hours, areas and perimeters."""

    def __init__(self, graph: _Graph, hours: Floats, labels: Ints, k: int, fixed: Bools) -> None:
        self.g, self.w, self.k, self.fixed = graph, hours, k, fixed
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
        edge = movable[g.src] & (lab[g.src] != lab[g.dst])
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
    graph: _Graph, hours: Floats, k: int, band: tuple[float, float], target: str
) -> None:
    """Fail before searching when no plan can meet the target; say what to change."""
    units, (low, high), total = graph.units, band, hours.sum()
    if k > graph.n:
        raise InputError(
            f"{k} lots need at least {k} units; {units.region.name} has {graph.n} "
            f"{units.layer} units"
        )
    if total <= 0:
        raise InputError("the demand has no hours to balance; check the package list or pathway")
    if low > high:
        raise InputError(
            f"no lot can be {target}: that asks for {low:,.1f} to {high:,.1f} hours a week"
        )
    big = np.flatnonzero(hours > high)
    if len(big):
        top = big[np.argmax(hours[big])]
        others = f" ({len(big) - 1} other unit(s) too)" if len(big) > 1 else ""
        raise InputError(
            f"unit {_unit_label(units, int(top))} alone has {hours[top]:,.1f} hours a week, "
            f"more than the maximum of {high:,.1f} hours a week per lot ({target}){others}; "
            "allow more hours per lot (tolerance or maximum), or use fewer lots"
        )
    if k * low > total or k * high < total:
        raise InputError(
            f"{k} lots {target} need between {k * low:,.1f} and {k * high:,.1f} hours a week "
            f"in all, but the demand has {total:,.1f}; change the number of lots or the limits"
        )


# -- LotBalancer -----------------------------------------------------------------------------


class LotBalancer:
    """Contiguous lots with equal weekly hours, spopt-style: construct, ``solve()``, ``labels_``.

    Parameters
    ----------
    units : UnitLayer
        The units (LSOAs or wards) with their polygons, EPSG:27700.
    hours : ndarray of float
        Hours a week in each unit, in layer order.
    k : int
        Number of lots.
    constraints : Constraints, optional
        Target, nesting, locks (default: within 2% of the mean).
    seed : int
        Seed of the random generator; the same seed gives the same lots.
    restarts : int
        Starts (each from its own seeds); the best result is kept.

    Attributes
    ----------
    labels_ : ndarray of int
        Lot number of every unit, in layer order (after :meth:`solve`).
    lot_names_ : tuple of str
        Name of every lot number: the locked lots' names, others "Lot 1",
        "Lot 2"... (or "<parent> lot 1"... when nested), north to south.
    lot_parents_ : tuple of str
        The parent each lot lies in ("" when not nested).
    hours_ : ndarray of float
        Hours a week per lot.
    deviation_ : float
        Largest difference between a lot's hours and the mean, as a fraction of the mean.
    met_ : bool
        True when every lot is within the target band.
    compactness_ : ndarray of float
        Polsby-Popper score per lot.

    Raises
    ------
    InputError
        On construction, before any search: more lots than units, no hours,
        a unit alone above the maximum (naming it, its hours and the
        maximum), limits that ``k`` lots cannot meet, unknown or conflicting
        locks.

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
        parent, names = _parents(units, self.constraints.within)
        self.graph = _graph(units, parent, names)
        self.mean = self.hours.sum() / self.k
        self.band = self.constraints.band(self.mean)
        _check_target(self.graph, self.hours, self.k, self.band, self.constraints.describe())
        self.locked, self._locked_names = _locks(units, self.constraints.locked)
        self.lot_parent = self._share_lots()
        self._start_labels = self._join_locks()
        joined = self._start_labels >= 0
        start = _sum_by(self._start_labels[joined], self.hours[joined], self.k)
        over = np.flatnonzero(start > self.band[1])
        if len(over):
            lot = over[0]
            raise InputError(
                f"the locked units of lot {self._locked_names[lot]!r} (with the units joining "
                f"them) have {start[lot]:,.1f} hours a week, more than the maximum of "
                f"{self.band[1]:,.1f} per lot; lock fewer units or allow more hours"
            )

    def _share_lots(self) -> Ints:
        """Parent of every lot, locked lots first.

        Each parent gets one lot (or one per locked lot in it); each further
        lot goes to the parent whose lots now have the most hours each.
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
        if len(locked_parent) > k:
            raise InputError(f"{len(locked_parent)} lots are named in the locks but k is {k}")
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

    def _join_locks(self) -> Ints:
        """Start labels: locked units, each lot's pieces joined by shortest chains of free units."""
        g = self.graph
        labels = self.locked.copy()
        for lot, name in enumerate(self._locked_names):
            while True:
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

    def solve(self) -> LotBalancer:
        """Search from each start and keep the best plan (target met, then most compact).

        Returns
        -------
        LotBalancer
            ``self``, with the fitted attributes set.

        """
        rng = np.random.default_rng(self.seed)
        best_key, best = self._attempt(rng)
        for _ in range(self.restarts - 1):
            key, lots = self._attempt(rng)
            if key < best_key:
                best_key, best = key, lots
        self._finish(best)
        return self

    def _attempt(self, rng: np.random.Generator) -> tuple[tuple[bool, float, float], _Lots]:
        """One start grown, balanced and (target met) compacted, with its rank (lowest best)."""
        lots = _Lots(self.graph, self.hours, self._start(rng), self.k, self.locked >= 0)
        lots = self._balance(lots, rng)
        met = bool(_inside(self.band, self.mean, lots.hours).all())
        if met and self.constraints.compactness:
            self._compact(lots)
        deviation = float(np.abs(lots.hours - self.mean).max() / self.mean)
        return (not met, 0.0 if met else deviation, -float(lots.compactness().sum())), lots

    def _start(self, rng: np.random.Generator) -> Ints:
        """Start labels: locked lots as joined, free lots seeded far apart, all grown."""
        labels = self._start_labels.copy()
        seeds = self._seeds(labels, rng)
        for lot, members in enumerate(seeds):
            labels[members] = lot
        _grow(self.graph, self.hours, labels, seeds)
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
        _descend(lots, self.mean)
        best = lots
        for _ in range(KICKS):
            if _inside(self.band, self.mean, best.hours).all():
                break
            trial = self._kick(best, rng)
            if trial is None:
                break
            _descend(trial, self.mean)
            if _spread(trial, self.mean) < _spread(best, self.mean):
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
        gap = np.abs(lots.hours - self.mean)[first]
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
        _grow(g, self.hours, labels, seeds)
        return _Lots(g, self.hours, labels, self.k, self.locked >= 0)

    def _compact(self, lots: _Lots) -> None:
        """Raise the summed Polsby-Popper score by moves and swaps that keep the target."""
        while True:
            o = lots.options()
            inside = _inside(self.band, self.mean, lots.hours[o.a] - o.transfer)
            inside &= _inside(self.band, self.mean, lots.hours[o.b] + o.transfer)
            gain = np.where(inside, o.compactness, -np.inf)
            if not len(gain) or gain.max() <= 1e-9:
                return
            lots.apply(o, int(np.argmax(gain)))

    def _finish(self, lots: _Lots) -> None:
        """Number the lots: locked lots keep their names, others north to south per parent."""
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
        rank = np.empty(self.k, dtype=np.int64)
        rank[order] = np.arange(self.k)
        self.labels_ = rank[lots.labels]
        self.lot_names_ = tuple(names)
        self.lot_parents_ = tuple(g.parent_names[p] for p in self.lot_parent[order])
        self.hours_ = lots.hours[order]
        self.deviation_ = float(np.abs(self.hours_ - self.mean).max() / self.mean)
        self.met_ = bool(_inside(self.band, self.mean, self.hours_).all())
        self.compactness_ = lots.compactness()[order]


def _distance(points: Floats, point: Floats) -> Floats:
    """Metres from each of ``points`` (n, 2) to ``point`` (2,)."""
    metres: Floats = np.hypot(points[:, 0] - point[0], points[:, 1] - point[1])
    return metres


def _grow(graph: _Graph, hours: Floats, labels: Ints, seeds: list[Ints]) -> None:
    """Grow the seeded lots over the units labelled -1 until none is left that they can reach.

    In turn, the lot with the fewest hours (each unit also counting a tenth of
    a mean unit's hours, so lots also grow through units without demand) takes
    its free neighbour nearest its seed. Changes ``labels`` in place.
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
        lot = min(open_lots, key=lambda x: (size[x], x))
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


def _inside(band: tuple[float, float], mean: float, hours: Floats) -> Bools:
    """Whether each of ``hours`` lies within ``band`` (low, high), up to rounding."""
    low, high = band
    slack = 1e-9 * max(mean, 1.0)
    return (hours >= low - slack) & (hours <= high + slack)


def _spread(lots: _Lots, mean: float) -> tuple[float, float]:
    gap = lots.hours - mean
    return float(np.abs(gap).max()), float((gap**2).sum())


def _descend(lots: _Lots, mean: float) -> None:
    """Steepest descent on the summed squared deviations (ties: more compact)."""
    eps = 1e-9 * max(mean, 1.0) ** 2
    while True:
        o = lots.options()
        if not len(o.first):
            return
        gap = lots.hours - mean
        t = o.transfer
        change = 2 * t * (t + gap[o.b] - gap[o.a])
        x = int(np.lexsort((-o.compactness, change))[0])
        if change[x] >= -eps:
            return
        lots.apply(o, x)


# -- LotImprover -----------------------------------------------------------------------------


class LotImprover:
    """Rebalance existing lots with as few unit moves as possible, spopt-style.

    Greedy: each step makes the move of one boundary unit to a neighbouring
    lot that most reduces the largest deviation from the mean (then the sum
    of squared deviations), keeping every lot connected; only when no single
    move helps, a swap of two units. It stops as soon as every lot meets the
    target, or when no move helps.

    Parameters
    ----------
    units : UnitLayer
        The units, EPSG:27700.
    hours : ndarray of float
        Hours a week per unit, in layer order.
    labels : ndarray of int
        Lot number of every unit (0 to ``len(lot_names) - 1``), each lot holding units.
    lot_names : sequence of str
        The lots' names (locks name lots by these).
    constraints : Constraints, optional
        Target, nesting (each lot must already lie in one parent) and locks
        (locked units must already be in their lot; they do not move).

    Attributes
    ----------
    labels_ : ndarray of int
        Lot number of every unit after :meth:`solve`.
    moves_ : list of tuple of int
        Each step's (unit position, from lot, to lot), in order.
    hours_ : ndarray of float
        Hours a week per lot.
    deviation_ : float
        Largest difference from the mean, as a fraction of the mean.
    met_ : bool
        True when every lot is within the target band.

    Raises
    ------
    InputError
        On construction: a lot without units, a lot across parents, a
        locked unit in another lot, or a target no plan can meet (e.g. a unit
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
        self.mean = self.hours.sum() / self.k
        self.band = self.constraints.band(self.mean)
        _check_target(self.graph, self.hours, self.k, self.band, self.constraints.describe())
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
        self.fixed = locked >= 0

    def solve(self) -> LotImprover:
        """Move units greedily until the target is met or no move helps.

        Returns
        -------
        LotImprover
            ``self``, with the fitted attributes set.

        """
        lots = _Lots(self.graph, self.hours, self.labels, self.k, self.fixed)
        self.moves_: list[tuple[int, int, int]] = []
        eps = 1e-9 * max(self.mean, 1.0)
        while not _inside(self.band, self.mean, lots.hours).all():
            o = lots.options()
            gap = lots.hours - self.mean
            new_a, new_b = gap[o.a] - o.transfer, gap[o.b] + o.transfer
            worst = np.maximum(_other_worst(np.abs(gap), o.a, o.b), np.abs(new_a))
            worst = np.maximum(worst, np.abs(new_b))
            squares = (gap**2).sum() - gap[o.a] ** 2 - gap[o.b] ** 2 + new_a**2 + new_b**2
            now_worst, now_squares = np.abs(gap).max(), (gap**2).sum()
            better = (worst < now_worst - eps) | (
                (worst <= now_worst + eps) & (squares < now_squares - eps * self.mean)
            )
            if not better.any():
                break
            pick = np.flatnonzero(better & (o.units_moved == o.units_moved[better].min()))
            x = int(pick[np.lexsort((-o.compactness[pick], squares[pick], worst[pick]))[0]])
            self.moves_.append((int(o.first[x]), int(o.a[x]), int(o.b[x])))
            if o.second[x] >= 0:
                self.moves_.append((int(o.second[x]), int(o.b[x]), int(o.a[x])))
            lots.apply(o, x)
        self.labels_ = lots.labels
        self.hours_ = lots.hours
        self.deviation_ = float(np.abs(lots.hours - self.mean).max() / self.mean)
        self.met_ = bool(_inside(self.band, self.mean, lots.hours).all())
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
    k: int,
    constraints: Constraints | None = None,
    *,
    seed: int = 0,
    restarts: int = DEFAULT_RESTARTS,
    name: str | None = None,
    author: str = "geozones",
) -> ZonePlan:
    """Draw ``k`` contiguous lots of units with equal weekly care hours.

    Parameters
    ----------
    units : UnitLayer
        The units (``load_units(region, "units")`` for LSOAs), EPSG:27700.
    demand : Demand or DataFrame
        Hours per unit: a :class:`~geozones.demand.packages.Demand`, or a frame with
        ``unit``, ``clients`` and ``weekly_hours`` (several rows per unit are
        added up; ``modelled`` column or ``attrs["modelled"]`` flags modelled demand).
    k : int
        Number of lots.
    constraints : Constraints, optional
        Default: every lot within 2% of the mean.
    seed : int
        Random seed: the same seed gives the same plan.
    restarts : int
        Starts tried; the best is kept.
    name : str, optional
        Plan name (default ``<region>-<pathway>-<k>-lots``).
    author : str
        Recorded on the plan.

    Returns
    -------
    ZonePlan
        Unsaved; its ``method`` states the target and seed, its ``notes`` the
        demand (with ``modelled=True`` when modelled), the largest deviation
        and whether the target was met.

    Raises
    ------
    InputError
        Before searching, when the target cannot be met (e.g. a unit alone
        above the maximum, naming it), or bad demand or locks.

    """
    hours, modelled = unit_demand(units, demand)
    constraints = constraints or Constraints()
    solver = LotBalancer(units, hours, k, constraints, seed=seed, restarts=restarts).solve()
    pathway = demand.pathway if isinstance(demand, Demand) else None
    default = f"{units.region.name}-{pathway.lower() + '-' if pathway else ''}{k}-lots"
    outcome = "target met" if solver.met_ else "TARGET NOT MET"
    return ZonePlan(
        name=name or default,
        region=units.region,
        unit_layer=units.layer,
        assignment=pd.Series(
            np.array(solver.lot_names_, dtype=object)[solver.labels_], index=units.codes
        ),
        zones=solver.lot_names_,
        method=(
            f"balanced {k} lots of {units.layer} by weekly hours ({constraints.describe()}); "
            f"seed {seed}, best of {solver.restarts} starts"
        ),
        author=author,
        notes=(
            f"{_describe_demand(demand, hours, modelled)}; largest deviation from the mean "
            f"{solver.deviation_:.2%} ({outcome})"
        ),
    )


def improve(
    plan: ZonePlan,
    demand: Demand | pd.DataFrame,
    constraints: Constraints | None = None,
    *,
    author: str | None = None,
) -> tuple[ZonePlan, pd.DataFrame]:
    """Rebalance a plan's lots with as few unit moves as possible.

    Parameters
    ----------
    plan : ZonePlan
        The plan; every unit of its layer must have a lot. Lots without units are left as they are.
    demand : Demand or DataFrame
        Hours per unit (as for :func:`balance`).
    constraints : Constraints, optional
        Target (default within 2% of the mean), nesting, locked units.
    author : str, optional
        Who made the edit (default the plan's author).

    Returns
    -------
    plan : ZonePlan
        The edited plan (unsaved; ``parent`` is the plan's version).
    moves : DataFrame
        One row per unit that changed lot, in the order moved: :data:`MOVE_COLUMNS`.

    Raises
    ------
    InputError
        Units without a lot, lots across parents, a locked unit elsewhere,
        or a target no plan can meet.

    """
    units = plan.units
    hours, modelled = unit_demand(units, demand)
    constraints = constraints or Constraints()
    zone = pd.Index(plan.zones).get_indexer(
        pd.Index(plan.assignment.reindex(units.codes).to_numpy())
    )
    loose = units.codes[zone < 0]
    if len(loose):
        raise InputError(
            f"plan {plan.name} leaves {len(loose)} unit(s) without a lot, e.g. {loose[0]}; "
            "assign every unit first"
        )
    held, labels = np.unique(zone, return_inverse=True)
    names = [plan.zones[z] for z in held]
    solver = LotImprover(units, hours, labels, names, constraints).solve()
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
            f"balance hours; largest deviation from the mean {solver.deviation_:.2%} ({outcome})"
        ),
    )
    return replace(edited, method=f"improved by unit moves ({constraints.describe()})"), moves
