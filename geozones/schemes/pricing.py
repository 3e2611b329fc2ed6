"""Money from a scheme: hourly rates, visit and package prices, per-zone cost tables.

And what a scheme's visit rule costs over the rule it replaces on a mix of
visits (:func:`visit_rule_cost`: Nottinghamshire's 30-minute minimum against
payment by the minute).

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
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import InputError
from geozones.schemes.scheme import (
    Band,
    Blend,
    DurationTier,
    Rate,
    Scheme,
    VisitEstimate,
    VisitRule,
    list_schemes,
)

__all__ = [
    "WEEKS_PER_YEAR",
    "PackageCost",
    "VisitRuleCost",
    "capacity_incentive",
    "hourly_rate",
    "package_cost",
    "rates_in_words",
    "rules_in_words",
    "to_pounds",
    "visit_price",
    "visit_rule_cost",
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


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def rates_in_words(scheme: Scheme) -> list[tuple[str, Decimal, str]]:
    """Every band, rate and blend of a scheme: its label, pounds an hour and what it is for.

    The note says the care types a rate is for ("sleep-in care"), the shares of
    a blend and the pathway it prices, or is empty.
    """
    out: list[tuple[str, Decimal, str]] = []
    items: tuple[Band | Rate | Blend, ...] = (*scheme.bands, *scheme.rates, *scheme.blends)
    for item in items:
        note = ""
        if isinstance(item, Blend):
            shares = " and ".join(
                f"{part.percent:g}% at {scheme.priced(part.rate).label}" for part in item.parts
            )
            pathway = f"pathway {item.pathway} packages; " if item.pathway else ""
            note = f"{pathway}the hours paid {shares}"
        elif isinstance(item, Rate) and item.care_types:
            note = "for " + " and ".join(f"{care} care" for care in item.care_types)
        out.append((item.label, to_pounds(hourly_rate(scheme, item.id)), note))
    return out


def rules_in_words(scheme: Scheme) -> list[str]:
    """How a scheme pays, in plain sentences: its visit rule, then the council's own caveats."""
    rule = scheme.visits
    if rule.rule == "tiers":
        tiers = "; ".join(
            f"{_mmss(t.from_s)} to {_mmss(t.to_s)}, {t.percent:g}% of the hourly rate"
            for t in rule.tiers
        )
        visits = (
            f"A visit is paid by its length: {tiers}; longer visits by the minute "
            "(pro rata to the hourly rate)."
        )
    else:
        visits = "A visit is paid by the minute, pro rata to the hourly rate."
    extra = []
    if scheme.capacity_incentive is not None:
        extra.append(
            f"{scheme.capacity_incentive.title} ({scheme.capacity_incentive.period}) are paid "
            "on top, for eligible referrals in the designated periods."
        )
    return [visits, *extra, *scheme.caveats]


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


@dataclass(frozen=True)
class VisitRuleCost:
    """What a scheme's visit rule costs a year over the rule it replaces, on a mix of visits.

    Attributes
    ----------
    scheme : str
        The scheme id.
    hourly_rate : Decimal
        Pounds per hour the visits were priced at.
    visits, hours : float
        Visits and hours of care a week in the mix.
    changed_visits : float
        Visits a week the two rules pay differently (a minimum: the shorter ones).
    before, after : Decimal
        Pounds a year under the replaced rule and under the scheme's, each
        rounded half-up to the penny once.
    estimate : VisitEstimate or None
        The council's own estimate of the extra cost, where it published one.
    implied_visits : float or None
        Visits a week of the estimate's length whose change of rule costs the
        council's estimate (None without one).

    """

    scheme: str
    hourly_rate: Decimal
    visits: float
    hours: float
    changed_visits: float
    before: Decimal
    after: Decimal
    estimate: VisitEstimate | None
    implied_visits: float | None

    @property
    def extra(self) -> Decimal:
        """Pounds a year more under the scheme's rule (negative when it pays less)."""
        return self.after - self.before

    def describe(self, label: str) -> list[str]:
        """Lines of text: the mix (``label`` names it), both costs, the extra and the estimate."""
        mix = f"{self.visits:,.0f} visits and {self.hours:,.1f} hours a week"
        lines = [
            f"{label}: {mix}; {self.changed_visits:,.0f} visits a week paid differently",
            f"  before (pro rata at £{self.hourly_rate} an hour): £{self.before:,.2f} a year",
            f"  {self.scheme}: £{self.after:,.2f} a year",
            f"  extra: £{self.extra:,.2f} a year",
        ]
        if self.estimate is not None and self.implied_visits is not None:
            lines.append(
                f"  beside the council's estimate of £{self.estimate.annual_cost:,.0f} a year "
                f"({self.estimate.source}): the cost of {self.implied_visits:,.0f} "
                f"{self.estimate.visit_minutes:g}-minute visits a week paid by this rule "
                "instead of pro rata"
            )
        return lines


def visit_rule_cost(
    scheme: Scheme,
    visits_per_week: npt.ArrayLike,
    visit_minutes: npt.ArrayLike,
    *,
    rate: str | None = None,
    weeks: int = WEEKS_PER_YEAR,
) -> VisitRuleCost:
    """Cost a year of a mix of visits under the scheme's visit rule and under the one it replaces.

    Parameters
    ----------
    scheme : Scheme
        Its ``[visits]`` rule (e.g. Nottinghamshire's 30-minute minimum) is
        priced against the rule its ``[visits.estimate]`` says it replaces (pro
        rata: paid by the minute); a scheme without an estimate against pro rata.
    visits_per_week : array_like of float
        Visits a week of each package (or group of packages), 0 or more.
    visit_minutes : array_like of float
        Minutes of each of those visits, more than 0.
    rate : str, optional
        Band, rate or blend to price at (default the scheme's).
    weeks : int
        Weeks in a year (52).

    Returns
    -------
    VisitRuleCost
        Each distinct visit length is priced once by both rules (unrounded),
        times its visits a week and ``weeks``; the totals are rounded once.
        With the council's estimate, how many visits of its length a week that
        estimate stands for.

    Raises
    ------
    InputError
        The arrays differ in length, or hold a negative number of visits or a
        visit of 0 minutes or less.

    """
    visits = np.asarray(visits_per_week, dtype=float)
    minutes = np.asarray(visit_minutes, dtype=float)
    if visits.shape != minutes.shape or visits.ndim != 1:
        raise InputError("give one number of visits a week per visit length (two equal lists)")
    if not (np.isfinite(visits) & (visits >= 0)).all():
        raise InputError("visits a week must be numbers, 0 or more")
    if not (np.isfinite(minutes) & (minutes > 0)).all():
        raise InputError("every visit must last more than 0 minutes")
    hourly = hourly_rate(scheme, rate)
    estimate = scheme.visits.estimate
    before_scheme = replace(
        scheme, visits=estimate.replaces if estimate is not None else VisitRule(rule="pro-rata")
    )
    lengths, of = np.unique(np.round(minutes * 60, 6), return_inverse=True)
    per_length = np.bincount(of, weights=visits, minlength=len(lengths))
    before = after = Decimal(0)
    changed = 0.0
    for seconds, count in zip(lengths, per_length, strict=True):
        length, n = Decimal(repr(float(seconds))), Decimal(repr(float(count)))
        old = _visit_amount(before_scheme, length, hourly)
        new = _visit_amount(scheme, length, hourly)
        before, after = before + n * old, after + n * new
        changed += float(count) if new != old else 0.0
    implied = None
    if estimate is not None:
        length = estimate.visit_minutes * 60
        step = _visit_amount(scheme, length, hourly) - _visit_amount(before_scheme, length, hourly)
        implied = float(estimate.annual_cost / weeks / step) if step else None
    return VisitRuleCost(
        scheme=scheme.id,
        hourly_rate=hourly,
        visits=float(visits.sum()),
        hours=float((visits * minutes).sum() / 60),
        changed_visits=changed,
        before=to_pounds(before * weeks),
        after=to_pounds(after * weeks),
        estimate=estimate,
        implied_visits=implied,
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
