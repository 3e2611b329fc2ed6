"""Money from a scheme: hourly rates, visit and package prices, per-zone cost tables.

Amounts are :class:`~decimal.Decimal` pounds, never floats. Intermediate
amounts keep full precision; each returned amount is rounded half-up to the
penny once, at the end (so a weekly cost is not the sum of rounded visit
prices). Hours are hours, durations minutes (or "mm:ss" text).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import InputError
from geozones.schemes.scheme import Blend, DurationTier, Scheme, list_schemes

__all__ = [
    "WEEKS_PER_YEAR",
    "PackageCost",
    "capacity_incentive",
    "hourly_rate",
    "package_cost",
    "to_pounds",
    "visit_price",
    "visit_tier",
    "zone_table",
]

#: Weeks in the councils' annual figures (annual hours = weekly hours x 52).
WEEKS_PER_YEAR = 52

_PENNY = Decimal("0.01")
_MMSS = re.compile(r"\s*(\d+):([0-5]\d)\s*")

Number = int | float | Decimal | str


def to_pounds(amount: Decimal) -> Decimal:
    """Round an amount in pounds half-up to the penny (``Decimal("8.768")`` -> ``8.77``)."""
    return amount.quantize(_PENNY, rounding=ROUND_HALF_UP)


def _decimal(value: object, what: str) -> Decimal:
    """Read a finite number (int, float, Decimal or numeric text) as Decimal."""
    number: Decimal | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | np.integer | Decimal):
        number = Decimal(value) if isinstance(value, Decimal) else Decimal(int(value))
    elif isinstance(value, float | np.floating):
        number = Decimal(repr(float(value))) if math.isfinite(value) else None
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        raise InputError(f"{what} must be a number, got {value!r}")
    return number


def _seconds(minutes: object) -> Decimal:
    """A visit duration in minutes (number or "mm:ss" text) as seconds, more than 0."""
    match = _MMSS.fullmatch(minutes) if isinstance(minutes, str) else None
    if match is not None:
        seconds = Decimal(int(match[1]) * 60 + int(match[2]))
    else:
        seconds = _decimal(minutes, "a visit duration in minutes (or 'mm:ss')") * 60
    if seconds <= 0:
        raise InputError(f"a visit must last more than 0 minutes, got {minutes!r}")
    return seconds


def hourly_rate(scheme: Scheme, rate: str | None = None) -> Decimal:
    """Hourly rate in pounds of a band, rate or blend of ``scheme``.

    Parameters
    ----------
    scheme : Scheme
        The pricing scheme.
    rate : str, optional
        Id or label of a band ("band-2", "Band 2"), rate ("sleep-in") or blend
        ("d-pathway"). Defaults to the scheme's ``default_rate``.

    Returns
    -------
    Decimal
        Pounds per hour, unrounded (a blend is the percent-weighted sum of its
        rates, e.g. 70% x 12.80 + 30% x 15.80 = 13.70, shown to the penny when
        that is exact).

    Raises
    ------
    InputError
        The scheme needs a rate named (banded schemes) or has none of that name.

    """
    name = rate if rate is not None else scheme.default_rate
    if name is None:
        raise InputError(
            f"scheme {scheme.id} ({scheme.method}) has no single rate; "
            f"name one with rate=: {scheme.rate_choices()}"
        )
    item = scheme.priced(name)
    if not isinstance(item, Blend):
        return item.rate
    blended = sum(
        (part.percent / 100 * hourly_rate(scheme, part.rate) for part in item.parts), Decimal(0)
    )
    pennies = blended.quantize(_PENNY)
    return pennies if pennies == blended else blended


def visit_tier(scheme: Scheme, seconds: Decimal) -> DurationTier | None:
    """The duration tier a visit of ``seconds`` is paid by; None when it is paid pro rata."""
    tiers = scheme.visits.tiers
    if scheme.visits.rule == "tiers" and seconds <= tiers[-1].to_s:
        return tiers[bisect_right([t.from_s for t in tiers], seconds) - 1]
    return None


def _visit_amount(scheme: Scheme, seconds: Decimal, hourly: Decimal) -> Decimal:
    """Unrounded price of one visit of ``seconds`` at ``hourly`` pounds per hour."""
    tier = visit_tier(scheme, seconds)
    if tier is not None:
        return hourly * tier.percent / 100
    return hourly * seconds / 3600


def visit_price(scheme: Scheme, minutes: Number, rate: str | None = None) -> Decimal:
    """Price in pounds of one visit.

    Parameters
    ----------
    scheme : Scheme
        The pricing scheme (its ``visits`` rule says how a visit is paid).
    minutes : int, float, Decimal or str
        Duration in minutes, or "mm:ss" text ("20:59"). Must be more than 0.
    rate : str, optional
        Band, rate or blend to price at (required for banded schemes, e.g.
        ``"Band 2"`` for Norfolk); defaults to the scheme's default rate.

    Returns
    -------
    Decimal
        Pounds, rounded half-up to the penny. Tiered schemes (Hertfordshire)
        pay a share of the hourly rate by duration band, pro rata past the last
        band; other schemes pay pro rata (minutes / 60 x hourly rate).

    Raises
    ------
    InputError
        The duration is not a number, or is 0 or negative; or the rate is missing
        or unknown.

    """
    seconds = _seconds(minutes)
    return to_pounds(_visit_amount(scheme, seconds, hourly_rate(scheme, rate)))


@dataclass(frozen=True)
class PackageCost:
    """Cost of a care package.

    Attributes
    ----------
    hourly_rate : Decimal
        Pounds per hour the package was priced at (unrounded).
    weekly_hours, annual_hours : Decimal
        Hours of care a week and a year.
    weekly, annual : Decimal
        Pounds a week and a year, each rounded half-up to the penny.

    """

    hourly_rate: Decimal
    weekly_hours: Decimal
    annual_hours: Decimal
    weekly: Decimal
    annual: Decimal


def package_cost(
    scheme: Scheme,
    *,
    weekly_hours: Number | None = None,
    visits_per_week: Number | None = None,
    visit_minutes: Number | None = None,
    rate: str | None = None,
    weeks: int = WEEKS_PER_YEAR,
) -> PackageCost:
    """Weekly and annual cost of a package, from weekly hours or from visits.

    Parameters
    ----------
    scheme : Scheme
        The pricing scheme.
    weekly_hours : number, optional
        Hours of care a week, priced at the hourly rate.
    visits_per_week, visit_minutes : number, optional
        Visits a week and minutes per visit (or "mm:ss"), each visit priced as
        :func:`visit_price` does (before rounding). Give these or
        ``weekly_hours``, not both.
    rate : str, optional
        Band, rate or blend to price at; defaults to the scheme's default rate.
    weeks : int
        Weeks in a year of care (52).

    Returns
    -------
    PackageCost

    """
    hourly = hourly_rate(scheme, rate)
    by_visits = visits_per_week is not None or visit_minutes is not None
    if by_visits == (weekly_hours is not None):
        raise InputError("give either weekly_hours, or visits_per_week and visit_minutes")
    if by_visits:
        if visits_per_week is None or visit_minutes is None:
            raise InputError("pricing by visits needs both visits_per_week and visit_minutes")
        visits = _decimal(visits_per_week, "visits_per_week")
        if visits <= 0:
            raise InputError(f"visits_per_week must be more than 0, got {visits_per_week!r}")
        seconds = _seconds(visit_minutes)
        hours = visits * seconds / 3600
        weekly = visits * _visit_amount(scheme, seconds, hourly)
    else:
        hours = _decimal(weekly_hours, "weekly_hours")
        if hours < 0:
            raise InputError(f"weekly_hours must not be negative, got {weekly_hours!r}")
        weekly = hours * hourly
    return PackageCost(
        hourly_rate=hourly,
        weekly_hours=hours,
        annual_hours=hours * weeks,
        weekly=to_pounds(weekly),
        annual=to_pounds(weekly * weeks),
    )


def _numeric_column(frame: pd.DataFrame, column: str) -> npt.NDArray[np.float64]:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = frame[column].to_numpy()[bad][0]
        raise InputError(
            f"column {column!r} must hold numbers 0 or more; {int(bad.sum())} row(s) do not, "
            f"e.g. {first!r}"
        )
    return values


def _client_counts(frame: pd.DataFrame, clients_col: str | None) -> npt.NDArray[np.int64]:
    if clients_col is None:
        return np.ones(len(frame), dtype=np.int64)
    counts = _numeric_column(frame, clients_col)
    if (counts != np.round(counts)).any():
        raise InputError(f"column {clients_col!r} must hold whole numbers of clients")
    return counts.astype(np.int64)


def _check_columns(frame: pd.DataFrame, columns: list[str | None]) -> None:
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(map(repr, missing))}; "
            f"the table has: {', '.join(map(str, frame.columns))}"
        )


def zone_table(
    frame: pd.DataFrame,
    scheme: Scheme,
    zone_col: str,
    hours_col: str,
    *,
    clients_col: str | None = None,
    rate: str | None = None,
    rate_col: str | None = None,
    price_col: str | None = None,
    weeks: int = WEEKS_PER_YEAR,
    total_label: str = "Total",
) -> pd.DataFrame:
    """Per-zone hours and cost, laid out like the councils' own tables.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per package (or per pre-aggregated group, with ``clients_col``).
    scheme : Scheme
        The pricing scheme.
    zone_col : str
        Column naming each row's zone or lot; every row must have one.
    hours_col : str
        Column of weekly hours (numbers, 0 or more).
    clients_col : str, optional
        Column of client counts per row; without it each row is one client.
    rate : str, optional
        Band, rate or blend every row is priced at (default: the scheme's).
    rate_col : str, optional
        Column naming each row's band, rate or blend instead (e.g. its Norfolk
        band); give ``rate`` or ``rate_col``, not both.
    price_col : str, optional
        Column of each row's own hourly price in pounds (Decimal or numeric
        text, e.g. the ``rate`` a classification answered) instead of a rate
        name; give one of ``rate``, ``rate_col`` and ``price_col`` at most.
    weeks : int
        Weeks in a year (52).
    total_label : str
        Zone name of the total row.

    Returns
    -------
    pandas.DataFrame
        Columns ``zone``, ``clients``, ``weekly_hours``, ``annual_hours``
        (weekly x ``weeks``), ``rate`` (pounds per hour; None where a zone mixes
        rates) and ``cost`` (pounds, annual hours x rate computed from
        unrounded hours and rounded half-up to the penny at the end), one row
        per zone in sorted (or categorical) order, then the total row.

    """
    _check_columns(frame, [zone_col, hours_col, clients_col, rate_col, price_col])
    if sum(x is not None for x in (rate, rate_col, price_col)) > 1:
        options = (("rate", rate), ("rate_col", rate_col), ("price_col", price_col))
        given = [name for name, value in options if value is not None]
        raise InputError(f"give {' or '.join(given)}, not both")
    missing_zone = frame[zone_col].isna()
    if missing_zone.any():
        raise InputError(
            f"{int(missing_zone.sum())} row(s) have no zone in column {zone_col!r}; "
            "assign them a zone or leave them out"
        )
    if price_col is not None:
        names = frame[price_col].map(lambda v: str(_decimal(v, f"a price in {price_col!r}")))
    elif rate_col is None:
        names = pd.Series(rate if rate is not None else scheme.default_rate, index=frame.index)
    else:
        names = frame[rate_col]
        if names.isna().any():
            raise InputError(
                f"{int(names.isna().sum())} row(s) have no rate in column {rate_col!r}"
            )
    rates = {
        name: Decimal(name) if price_col is not None else hourly_rate(scheme, name)
        for name in pd.unique(names.to_numpy())
    }
    work = pd.DataFrame(
        {
            "zone": frame[zone_col].array,
            "rate": names.array,
            "weekly": _numeric_column(frame, hours_col),
            "clients": _client_counts(frame, clients_col),
        }
    )
    groups = work.groupby(["zone", "rate"], sort=True, observed=True)[["weekly", "clients"]].sum()
    sums: dict[Hashable, _ZoneSum] = {}
    for (zone, name), weekly, clients in zip(
        groups.index, groups["weekly"], groups["clients"], strict=True
    ):
        sums.setdefault(zone, _ZoneSum(zone)).add(float(weekly), int(clients), rates[name], weeks)
    total = _ZoneSum(total_label)
    for part in sums.values():
        total.merge(part)
    return pd.DataFrame([part.row() for part in [*sums.values(), total]])


@dataclass
class _ZoneSum:
    """Running totals of one zone (or of all zones); cost kept unrounded."""

    zone: Hashable
    clients: int = 0
    weekly_hours: float = 0.0
    annual_hours: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    rates: set[Decimal] = field(default_factory=set)

    def add(self, weekly: float, clients: int, rate: Decimal, weeks: int) -> None:
        annual = Decimal(repr(weekly)) * weeks
        self.clients += clients
        self.weekly_hours += weekly
        self.annual_hours += annual
        self.cost += annual * rate
        self.rates.add(rate)

    def merge(self, other: _ZoneSum) -> None:
        self.clients += other.clients
        self.weekly_hours += other.weekly_hours
        self.annual_hours += other.annual_hours
        self.cost += other.cost
        self.rates |= other.rates

    def row(self) -> dict[str, object]:
        return {
            "zone": self.zone,
            "clients": self.clients,
            "weekly_hours": self.weekly_hours,
            "annual_hours": float(self.annual_hours),
            "rate": next(iter(self.rates)) if len(self.rates) == 1 else None,
            "cost": to_pounds(self.cost),
        }


def capacity_incentive(scheme: Scheme, workers: int, hours_to_start: Number) -> Decimal:
    """One-off capacity incentive payment for starting a package promptly.

    Parameters
    ----------
    scheme : Scheme
        A scheme with a capacity incentive table (Norfolk).
    workers : int
        1 for a single-worker package, 2 for a double-worker package.
    hours_to_start : number
        Hours from the request for care to care being in place, 0 or more.

    Returns
    -------
    Decimal
        Pounds, to the penny: the first tier whose ``within_hours`` is at least
        ``hours_to_start`` (Norfolk 2018/19, single worker: £130 within 12 h,
        £95 within 24 h, £60 within 48 h); 0.00 when care started later.

    """
    table = scheme.capacity_incentive
    if table is None:
        having = ", ".join(s.id for s in list_schemes() if s.capacity_incentive is not None)
        raise InputError(
            f"scheme {scheme.id} has no capacity incentive table; schemes with one: {having}"
        )
    if isinstance(workers, bool) or workers not in (1, 2):
        raise InputError(f"workers must be 1 (single) or 2 (double), got {workers!r}")
    hours = _decimal(hours_to_start, "hours_to_start")
    if hours < 0:
        raise InputError(f"hours_to_start must not be negative, got {hours_to_start!r}")
    for tier in table.tiers:
        if hours <= tier.within_hours:
            return to_pounds(tier.single_worker if workers == 1 else tier.double_worker)
    return to_pounds(Decimal(0))
