"""The per-lot report of a plan: clients, hours, cost, deviation, compactness, viability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geozones.balance.solver import polsby_popper, unit_demand
from geozones.demand.packages import Demand
from geozones.schemes.pricing import WEEKS_PER_YEAR
from geozones.schemes.scheme import Scheme
from geozones.zones.plan import TOTAL, ZonePlan

__all__ = ["REPORT_COLUMNS", "VIABLE_MAX_HOURS", "VIABLE_MIN_HOURS", "Viability", "lot_report"]

#: Providers' viability range for a lot, hours a week (seed 002, section 12:
#: "Business viability for providers ranged from 700 - 2000+ hours per week").
VIABLE_MIN_HOURS = 700.0
VIABLE_MAX_HOURS = 2000.0
#: Columns of :func:`lot_report`.
REPORT_COLUMNS: tuple[str, ...] = (
    "lot", "units", "clients", "weekly_hours", "annual_hours", "rate", "cost",
    "deviation_pct", "polsby_popper", "viability", "modelled",
)  # fmt: skip


@dataclass(frozen=True)
class Viability:
    """Hours a week a lot must have to be commercially viable (flags in :func:`lot_report`)."""

    min_hours: float = VIABLE_MIN_HOURS
    max_hours: float = VIABLE_MAX_HOURS


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
) -> pd.DataFrame:
    """Per-lot clients, hours, cost, deviation, compactness and viability.

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
        Hours a week a lot must have (default 700 to 2,000).

    Returns
    -------
    DataFrame
        :data:`REPORT_COLUMNS`, one row per lot in plan order then a
        ``Total`` row: ``weekly_hours`` (hours a week), ``annual_hours``
        (x 52), ``rate`` (pounds an hour), ``cost`` (pounds a year, Decimal),
        ``deviation_pct`` (from the mean hours of the lots holding units,
        percent), ``polsby_popper`` (4 pi area / perimeter^2, 1 for a
        circle), ``viability`` ("viable", "under minimum", "over maximum")
        and ``modelled``.

    """
    viability = viability or Viability()
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
    table["deviation_pct"] = np.where(is_lot, 100 * (weekly - mean) / mean, np.nan)
    table["polsby_popper"] = table["zone"].map(score)
    table["viability"] = np.select(
        [~is_lot, weekly < viability.min_hours, weekly > viability.max_hours],
        ["", "under minimum", "over maximum"],
        "viable",
    )
    table["modelled"] = table["modelled"].astype(bool)
    return table.rename(columns={"zone": "lot"})[list(REPORT_COLUMNS)]
