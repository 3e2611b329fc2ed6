"""The per-lot report of a plan: clients, hours, cost, deviation, compactness, viability.

Viability is judged by the council's own published figures (the ``[viability]``
table of its scheme file, :class:`~geozones.schemes.scheme.Viability`), never
by another council's: Herefordshire's providers put a viable lot at 700 to
"2,000+" hours a week, a floor and no ceiling; where a council published none,
every lot says "no published threshold". A provider minimum (Hertfordshire:
each provider at least 200 hours a week) is shown beside each lot's hours.

A plan with targets gets each lot's target and its deviation from it
(:data:`TARGET_COLUMNS`); given the council's published per-zone table
(:attr:`ZoneLayer.reference <geozones.schemes.scheme.ZoneLayer.reference>`, e.g.
Herefordshire's seed 002 Table 12.2), its figures stand beside the plan's
(:data:`REFERENCE_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
import shapely

from geozones._errors import InputError
from geozones._vocab import Status
from geozones.balance.solver import polsby_popper, unit_demand
from geozones.classification.classifier import Classifier
from geozones.demand.packages import Demand, hours_column, package_hours
from geozones.schemes.pricing import WEEKS_PER_YEAR
from geozones.schemes.scheme import Scheme, Viability, ZoneReference
from geozones.zones.plan import TARGET_COLUMN, TOTAL, ZonePlan

__all__ = [
    "NO_THRESHOLD",
    "REFERENCE_COLUMNS",
    "REPORT_COLUMNS",
    "TARGET_COLUMNS",
    "Viability",
    "lot_report",
    "own_price_demand",
]

#: The viability of every lot where the council published no threshold.
NO_THRESHOLD = "no published threshold"
#: Columns of :func:`lot_report`.
REPORT_COLUMNS: tuple[str, ...] = (
    "lot", "units", "clients", "weekly_hours", "provider_min_hours", "annual_hours", "rate",
    "cost", "deviation_pct", "polsby_popper", "viability", "modelled",
)  # fmt: skip
#: Columns added after :data:`REPORT_COLUMNS` for a plan with targets.
TARGET_COLUMNS: tuple[str, ...] = (TARGET_COLUMN, "target_deviation_pct")
#: Columns added last, given the council's published table: its figures of each lot.
REFERENCE_COLUMNS: tuple[str, ...] = (
    "council_clients", "council_weekly_hours", "council_annual_hours", "council_cost",
)  # fmt: skip
#: The :class:`ZoneReference` field each of :data:`REFERENCE_COLUMNS` shows.
_REFERENCE_FIELDS = dict(
    zip(REFERENCE_COLUMNS, ("clients", "weekly_hours", "annual_hours", "annual_cost"), strict=True)
)


def _lot_sums(plan: ZonePlan, demand: pd.DataFrame) -> pd.DataFrame:
    """Clients, weekly hours and modelled flag per lot, and a :data:`TOTAL` row."""
    unit_demand(plan.units, demand)
    flagged = np.full(len(demand), bool(demand.attrs.get("modelled")))
    if "modelled" in demand.columns:
        flagged |= demand["modelled"].fillna(False).astype(bool).to_numpy()
    work = pd.DataFrame(
        {
            "lot": plan.assignment.reindex(demand["unit"].astype(str).to_numpy()).to_numpy(),
            "clients": pd.to_numeric(demand["clients"]).to_numpy(),
            "weekly_hours": pd.to_numeric(demand["weekly_hours"]).to_numpy(),
            "modelled": flagged,
        }
    )
    sums = work.groupby("lot").agg(
        clients=("clients", "sum"),
        weekly_hours=("weekly_hours", "sum"),
        modelled=("modelled", "any"),
    )
    sums.loc[TOTAL] = pd.Series(
        {
            "clients": work["clients"].sum(),
            "weekly_hours": work["weekly_hours"].sum(),
            "modelled": flagged.any(),
        }
    )
    return sums


def lot_report(
    plan: ZonePlan,
    demand: Demand | pd.DataFrame,
    scheme: Scheme | None = None,
    *,
    rate: str | None = None,
    viability: Viability | None = None,
    reference: Sequence[ZoneReference] = (),
) -> pd.DataFrame:
    """Per-lot clients, hours, cost, deviation, compactness, viability, targets and reference.

    Parameters
    ----------
    plan : ZonePlan
        The lots.
    demand : Demand or DataFrame
        Demand per unit (as for :func:`balance`).
    scheme : Scheme, optional
        Pricing scheme for the cost (via :meth:`ZonePlan.summary`, i.e.
        :func:`geozones.schemes.pricing.zone_table`); without it ``rate`` and ``cost`` are None.
    rate : str, optional
        Band, rate or blend to price at (default the scheme's).
    viability : Viability, optional
        Hours a week that make a lot viable (default: the scheme's published
        ``[viability]``; without either, no lot is judged).
    reference : sequence of ZoneReference
        The council's published figures per zone (a scheme's
        ``zone_layer(...).reference``), matched to the lots by name.

    Returns
    -------
    DataFrame
        :data:`REPORT_COLUMNS`, one row per lot in plan order then a
        ``Total`` row: ``weekly_hours`` (hours a week), ``annual_hours``
        (x 52), ``rate`` (pounds an hour), ``cost`` (pounds a year, Decimal),
        ``deviation_pct`` (from the mean hours of the lots holding units,
        percent), ``polsby_popper`` (4 pi area / perimeter^2, 1 for a
        circle), ``viability`` ("viable", "under minimum", "over maximum", or
        :data:`NO_THRESHOLD` where neither a minimum nor a maximum was
        published), ``provider_min_hours`` (hours a week each provider must
        deliver, NaN where none was published) and ``modelled``. Then, for a
        plan with targets, :data:`TARGET_COLUMNS`: ``target_hours`` (NaN for
        a lot without one; the total row: their sum) and
        ``target_deviation_pct`` (percent of the target); given a reference,
        :data:`REFERENCE_COLUMNS`: the council's clients (int), hours a week
        and a year (float) and cost (pounds a year, Decimal) of each lot,
        None (NaN for hours) for a lot it has no figures of; the total row
        adds up the council's rows
        (the printed totals may differ by rounding: Table 12.2's costs add up
        to £7,557,965, printed £7,557,964).

    Raises
    ------
    InputError
        A reference that names none of the plan's lots (naming both).

    """
    if viability is None and scheme is not None:
        viability = scheme.viability
    frame = demand.units if isinstance(demand, Demand) else demand
    if scheme is not None:
        table = plan.summary(frame, scheme, rate=rate)
    else:
        table = plan.summary().join(_lot_sums(plan, frame), on="zone")
        table["clients"] = table["clients"].fillna(0).astype(np.int64)
        table["weekly_hours"] = table["weekly_hours"].fillna(0.0)
        table["modelled"] = table["modelled"].fillna(False)
        table["annual_hours"] = table["weekly_hours"] * WEEKS_PER_YEAR
        table["rate"], table["cost"] = None, None
    is_lot = (table["zone"] != TOTAL).to_numpy()
    weekly = table["weekly_hours"].to_numpy(dtype=float)
    mean = weekly[is_lot].sum() / max(int((table["units"].to_numpy()[is_lot] > 0).sum()), 1)
    shapes = plan.geometry()
    geoms = shapes.geometry.to_numpy()
    score = pd.Series(polsby_popper(shapely.area(geoms), shapely.length(geoms)), shapes["zone"])
    # no demand at all (mean 0): no lot deviates from anything
    table["deviation_pct"] = np.where(
        is_lot & (mean > 0), 100 * (weekly - mean) / (mean or 1), np.nan
    )
    table["polsby_popper"] = table["zone"].map(score)
    low = viability.min_hours if viability is not None else None
    high = viability.max_hours if viability is not None else None
    table["viability"] = np.select(
        [
            ~is_lot,
            np.full(len(table), low is None and high is None),
            weekly < (-np.inf if low is None else low),
            weekly > (np.inf if high is None else high),
        ],
        ["", NO_THRESHOLD, "under minimum", "over maximum"],
        "viable",
    )
    provider = viability.provider_min_hours if viability is not None else None
    table["provider_min_hours"] = np.where(is_lot, np.nan if provider is None else provider, np.nan)
    table["modelled"] = table["modelled"].astype(bool)
    columns = list(REPORT_COLUMNS)
    if plan.targets:
        target = table[TARGET_COLUMN].to_numpy(dtype=float)
        table["target_deviation_pct"] = 100 * (weekly - target) / target
        columns += TARGET_COLUMNS
    if reference:
        table = _with_reference(table, reference, plan)
        columns += REFERENCE_COLUMNS
    return table.rename(columns={"zone": "lot"})[columns]


def _with_reference(
    table: pd.DataFrame, reference: Sequence[ZoneReference], plan: ZonePlan
) -> pd.DataFrame:
    """``table`` with :data:`REFERENCE_COLUMNS`: the council's figures of each lot, summed."""
    rows = {row.zone: row for row in reference}
    if not set(rows) & set(plan.zones):
        raise InputError(
            f"the council's table names zones {', '.join(rows)}, and plan {plan.name} has none "
            f"of them (its zones: {', '.join(plan.zones)}); give the table of this plan's zones"
        )
    zones = table["zone"].tolist()
    out = table.copy()
    for column, name in _REFERENCE_FIELDS.items():
        values = [getattr(rows[z], name) if z in rows else None for z in zones]
        values[zones.index(TOTAL)] = sum(getattr(row, name) for row in reference)
        out[column] = pd.Series(values, index=out.index, dtype=object)
    for column in ("council_weekly_hours", "council_annual_hours"):
        out[column] = out[column].astype(float)
    return out


def own_price_demand(demand: Demand, classifier: Classifier) -> pd.DataFrame:
    """The counted packages of ``demand``, one row each, at the price of their own band.

    A banded scheme (Norfolk's road-distance bands) has no single rate: each
    package is classified at its point and costed at the hourly rate answered
    there, as :meth:`ZonePlan.summary <geozones.zones.plan.ZonePlan.summary>`
    and :func:`lot_report` take it.

    Parameters
    ----------
    demand : Demand
        Packages placed in units (:func:`geozones.demand.packages.read_demand`).
    classifier : Classifier
        The pricing scheme's classifier over the same region.

    Returns
    -------
    DataFrame
        ``unit``, ``clients`` (1), ``weekly_hours``, ``price`` (pounds an
        hour, Decimal) and ``modelled``, one row per ``ok`` package in order.

    Raises
    ------
    InputError
        The rows hold no weekly hours column, or a counted package cannot be
        priced there (e.g. no surgery reachable by road), naming its row.

    """
    rows = demand.rows[(demand.rows["status"] == Status.OK).to_numpy()]
    column = hours_column(rows)
    if column is None:
        raise InputError(f"{demand.source}: no weekly hours column to cost each package by")
    hours, _ = package_hours(rows[column])
    xy = rows[["easting", "northing"]].to_numpy(dtype=float)
    answers = classifier.classify_points(xy)
    unpriced = answers["rate"].isna().to_numpy()
    if unpriced.any():
        first = int(np.flatnonzero(unpriced)[0])
        raise InputError(
            f"{int(unpriced.sum()):,} package(s) cannot be priced under "
            f"{classifier.scheme.id}, e.g. spreadsheet row {rows['row'].iloc[first]}: "
            f"{answers['message'].iloc[first]}"
        )
    return pd.DataFrame(
        {
            "unit": rows["unit"].to_numpy(),
            "clients": 1,
            "weekly_hours": hours,
            "price": [Decimal(r) for r in answers["rate"]],
            "modelled": rows["modelled"].to_numpy(dtype=bool),
        }
    )
