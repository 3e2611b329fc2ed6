"""The price of a package: the one pricing step after classification.

An answer gives a band (or class) and its hourly rate; told about the package
(:data:`PACKAGE_INPUTS`, each optional), this step gives the price per visit,
the weekly and annual cost and any capacity incentive, each with the rule that
produced it in words a user reads ("Hertfordshire: 30-minute call, 60% of
£21.92 = £13.15"). Amounts are :class:`~decimal.Decimal` pounds from
:mod:`geozones.schemes.pricing`, rounded half-up once, at the end.

Which rate a package is priced at:

- ``care_type`` sleep-in or 24-hour: the scheme's rate declared for that care
  type (Herefordshire 2016 £11.48, 2017 £12.80);
- else ``pathway`` D: the scheme's blend declared for the D pathway
  (Herefordshire 2017: £13.70);
- else the answer's band (Norfolk's Band 2, Herefordshire's rural class, a flat
  scheme's rate).

The weekly cost comes from visits (``visits_per_week`` x the price of a visit
of ``visit_minutes``) when both are given, else from ``weekly_hours``. The
capacity incentive (Norfolk 2018/19) needs ``workers``, ``hours_to_start`` and
``requested_at``, is due only for requests inside the scheme's designated
periods and, where ``referral`` is given, only for the eligible referral
sources; otherwise the answer says why none is due. A value that cannot be used
is a problem naming its column and what is accepted; the rest is still priced.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from geozones._errors import InputError
from geozones._vocab import CareType, Pathway, Referral
from geozones.regions.specs import get_region_spec
from geozones.schemes.pricing import (
    WEEKS_PER_YEAR,
    capacity_incentive,
    hourly_rate,
    package_cost,
    visit_price,
    visit_tier,
)
from geozones.schemes.scheme import CapacityIncentive, Scheme

__all__ = [
    "PACKAGE_COLUMNS",
    "PACKAGE_INPUTS",
    "Package",
    "PackageInput",
    "PackagePrice",
    "find_package_columns",
    "price_package",
    "price_table",
    "read_package",
]


@dataclass(frozen=True)
class PackageInput:
    """One package input: its name, the header words that name it, and what it accepts.

    ``aliases`` are compared with headers lower-cased, letters and digits only
    (``"Visits per week"`` -> ``visitsperweek``).
    """

    name: str
    aliases: tuple[str, ...]
    accepted: str


#: The package inputs, in order: the one list of their names, aliases and accepted values
#: (CLI options ``--visit-minutes``..., API query parameters and JSON fields, table headers).
PACKAGE_INPUTS: tuple[PackageInput, ...] = (
    PackageInput(
        "visit_minutes",
        (
            "visitminutes",
            "minutespervisit",
            "callminutes",
            "visitlength",
            "callduration",
            "visitduration",
            "minutes",
        ),
        "minutes per visit more than 0, as a number (30) or mm:ss (20:59)",
    ),
    PackageInput(
        "visits_per_week",
        ("visitsperweek", "visitsaweek", "weeklyvisits", "callsperweek", "visits"),
        "a number of visits a week more than 0",
    ),
    PackageInput(
        "weekly_hours",
        ("weeklyhours", "hoursperweek", "hoursaweek", "weeklyhrs", "hours"),
        "hours a week, 0 or more",
    ),
    PackageInput("pathway", ("pathway",), "O (ordinary) or D (complex)"),
    PackageInput("care_type", ("caretype", "typeofcare"), ", ".join(c.value for c in CareType)),
    PackageInput(
        "workers",
        ("workers", "carers", "workerspervisit", "carerspervisit"),
        "1 (single worker) or 2 (double worker)",
    ),
    PackageInput(
        "hours_to_start",
        ("hourstostart", "hourstocommence", "starthours"),
        "hours from the request to care starting, 0 or more",
    ),
    PackageInput(
        "requested_at",
        ("requestedat", "requestdate", "requested", "requesttime", "referraldate"),
        "a date or date and time, 2019-01-10, 2019-01-10T09:30 or 10/01/2019",
    ),
    PackageInput(
        "referral",
        ("referral", "referralsource", "referredfrom"),
        ", ".join(r.value for r in Referral),
    ),
)
_INPUTS = {i.name: i for i in PACKAGE_INPUTS}

#: Columns :func:`price_table` gives, in order.
PACKAGE_COLUMNS = [
    "priced_at", "visit_price", "weekly_cost", "annual_cost", "incentive", "price_rule",
]  # fmt: skip

_MMSS = re.compile(r"(\d+):([0-5]\d)")
_UK_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?")


@dataclass(frozen=True)
class Package:
    """The package inputs that could be used (None: not given, or not usable)."""

    visit_seconds: Decimal | None = None
    visits_per_week: Decimal | None = None
    weekly_hours: Decimal | None = None
    pathway: Pathway | None = None
    care_type: CareType | None = None
    workers: int | None = None
    hours_to_start: Decimal | None = None
    requested_at: datetime | None = None
    referral: Referral | None = None

    @property
    def given(self) -> bool:
        """True when any input was given (and usable)."""
        return any(getattr(self, f.name) is not None for f in fields(self))


@dataclass(frozen=True)
class PackagePrice:
    """The price of one package, with the rule behind each amount.

    Attributes
    ----------
    priced_at : str | None
        Label of the band, rate or blend the package was priced at.
    hourly_rate : Decimal | None
        Its pounds per hour (unrounded, e.g. a blend's 13.70).
    visit_price, weekly_cost, annual_cost : Decimal | None
        Pounds, rounded half-up to the penny; None when not told enough.
    incentive : Decimal | None
        The capacity incentive due (0.00 when care started too late); None when
        none is due or it could not be worked out (``rules`` says why).
    rules : tuple[str, ...]
        One sentence per amount and per reason none is due.
    problems : tuple[str, ...]
        Values that could not be used, each naming its column and what is accepted.

    """

    priced_at: str | None = None
    hourly_rate: Decimal | None = None
    visit_price: Decimal | None = None
    weekly_cost: Decimal | None = None
    annual_cost: Decimal | None = None
    incentive: Decimal | None = None
    rules: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values: pounds as text (``"13.15"``), rules and problems as lists."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = str(value) if isinstance(value, Decimal) else value
        out["rules"], out["problems"] = list(self.rules), list(self.problems)
        return out


def _key(header: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


def find_package_columns(columns: Sequence[str], taken: Collection[str] = ()) -> dict[str, str]:
    """The column of each package input, found by its aliases (first alias first).

    Parameters
    ----------
    columns : list of str
        The table's headers.
    taken : set of str
        Headers already used for something else (the address column).

    Returns
    -------
    dict
        Input name -> header, for the inputs the table has.

    """
    keys: dict[str, str] = {}
    for column in reversed(columns):
        if column not in taken:
            keys[_key(column)] = column
    found: dict[str, str] = {}
    for item in PACKAGE_INPUTS:
        header = next((keys[a] for a in item.aliases if a in keys), None)
        if header is not None and header not in found.values():
            found[item.name] = header
    return found


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _seconds(text: str) -> Decimal | None:
    match = _MMSS.fullmatch(text)
    minutes = _number(text) if match is None else None
    seconds: Decimal | None = (
        Decimal(int(match[1]) * 60 + int(match[2]))
        if match is not None
        else None
        if minutes is None
        else minutes * 60
    )
    return seconds if seconds is not None and seconds > 0 else None


def _positive(text: str) -> Decimal | None:
    number = _number(text)
    return number if number is not None and number > 0 else None


def _not_negative(text: str) -> Decimal | None:
    number = _number(text)
    return number if number is not None and number >= 0 else None


def _workers(text: str) -> int | None:
    number = _number(text)
    return int(number) if number in (1, 2) else None


def _when(text: str) -> datetime | None:
    match = _UK_DAY.fullmatch(text)
    try:
        if match is not None:
            day, month, year, hour, minute = match.groups()
            return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _word(kind: type[Pathway] | type[CareType] | type[Referral]) -> Any:
    by_text = {member.value.lower(): member for member in kind}
    if kind is CareType:
        by_text |= {"24 hour": CareType.TWENTY_FOUR_HOUR, "sleep in": CareType.SLEEP_IN}

    def read(text: str) -> Any:
        return by_text.get(text.lower())

    return read


_READERS: dict[str, Any] = {
    "visit_minutes": _seconds,
    "visits_per_week": _positive,
    "weekly_hours": _not_negative,
    "pathway": _word(Pathway),
    "care_type": _word(CareType),
    "workers": _workers,
    "hours_to_start": _not_negative,
    "requested_at": _when,
    "referral": _word(Referral),
}
_FIELD = {"visit_minutes": "visit_seconds"}


def read_package(
    values: Mapping[str, object], columns: Mapping[str, str] | None = None
) -> tuple[Package, tuple[str, ...]]:
    """Read package inputs from text (a table row, query parameters or JSON fields).

    Parameters
    ----------
    values : mapping
        Input name (:data:`PACKAGE_INPUTS`) -> value; empty text, None and NaN
        are "not given".
    columns : mapping, optional
        Input name -> the column (or parameter) it came from, for the messages.

    Returns
    -------
    (Package, tuple of str)
        The usable inputs, and one problem per value that is not, naming its
        column and what is accepted.

    Raises
    ------
    InputError
        ``values`` names an input geozones does not know.

    """
    unknown = sorted(set(values) - set(_INPUTS))
    if unknown:
        raise InputError(f"unknown package input {unknown[0]!r}; known: {', '.join(_INPUTS)}")
    read: dict[str, Any] = {}
    problems = []
    for name, raw in values.items():
        if raw is None or (isinstance(raw, float) and pd.isna(raw)):
            continue
        text = str(raw).strip()
        if not text:
            continue
        value = _READERS[name](text)
        if value is None:
            column = (columns or {}).get(name, name)
            problems.append(f"{column} {text!r} cannot be used; give {_INPUTS[name].accepted}")
        else:
            read[_FIELD.get(name, name)] = value
    return Package(**read), tuple(problems)


def _money(amount: Decimal) -> str:
    return f"£{amount:,}"


def _duration(seconds: Decimal) -> str:
    if seconds % 60 == 0:
        return f"{seconds // 60}-minute"
    if seconds == seconds.to_integral_value():
        whole = int(seconds)
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{seconds / 60:.4g}-minute"


def _minutes_arg(seconds: Decimal) -> str | Decimal:
    """A duration as the pricing library reads it exactly: "mm:ss" when whole seconds."""
    if seconds == seconds.to_integral_value():
        whole = int(seconds)
        return f"{whole // 60}:{whole % 60:02d}"
    return seconds / 60


def _rate_for(scheme: Scheme, band: str | None, package: Package) -> tuple[str | None, str | None]:
    """The band, rate or blend id the package is priced at, and a problem if none fits."""
    if package.care_type not in (None, CareType.STANDARD):
        rate = next((r for r in scheme.rates if package.care_type in r.care_types), None)
        if rate is None:
            return None, (
                f"care_type {package.care_type!s}: {scheme.id} has no rate for it; "
                f"give {CareType.STANDARD}"
            )
        return rate.id, None
    if package.pathway is not None:
        blend = next((b for b in scheme.blends if b.pathway == package.pathway), None)
        if blend is not None:
            return blend.id, None
    if band is None:
        return None, "no band or rate to price the package at (the place was not answered)"
    try:
        return scheme.priced(band).id, None
    except InputError:
        return None, f"{band!r} is a range of bands, not one rate: the package is not priced"


def _visit_rule(scheme: Scheme, who: str, seconds: Decimal, hourly: Decimal, price: Decimal) -> str:
    tier = visit_tier(scheme, seconds)
    how = (
        f"{tier.percent:g}% of {_money(hourly)}"
        if tier is not None
        else f"pro rata {_duration(seconds).removesuffix('-minute')} of 60 minutes x "
        f"{_money(hourly)}"
    )
    return f"{who}: {_duration(seconds)} {_kind(scheme)}, {how} = {_money(price)}"


def _kind(scheme: Scheme) -> str:
    """A visit as the scheme pays it: a "call" by duration tiers, else a "visit"."""
    return "call" if scheme.visits.rule == "tiers" else "visit"


def _incentive(scheme: Scheme, who: str, package: Package) -> tuple[Decimal | None, str | None]:
    """The capacity incentive due and its rule (or why none is due); (None, None) if not asked."""
    asked = (package.workers, package.hours_to_start, package.requested_at, package.referral)
    if all(value is None for value in asked):
        return None, None
    table = scheme.capacity_incentive
    if table is None:
        return None, f"no capacity incentive: {scheme.id} has none"
    workers, hours, requested = package.workers, package.hours_to_start, package.requested_at
    if workers is None or hours is None or requested is None:
        missing = [
            name
            for name, value in zip(
                ("workers", "hours_to_start", "requested_at"), asked, strict=False
            )
            if value is None
        ]
        return None, f"no capacity incentive worked out: give {', '.join(missing)}"
    day = requested.date()
    period = next((p for p in table.periods if p.start <= day <= p.end), None)
    if period is None:
        return None, (
            f"no capacity incentive: requested on {day:%d %b %Y}, outside the designated "
            f"periods ({_periods(table)})"
        )
    if package.referral is not None and package.referral not in table.referrals:
        return None, (
            f"no capacity incentive: referral {package.referral!s} is not eligible; "
            f"eligible: {', '.join(table.referrals)}"
        )
    amount = capacity_incentive(scheme, workers, hours)
    worker = "single" if workers == 1 else "double"
    tier = next((t for t in table.tiers if hours <= t.within_hours), None)
    if tier is None:
        return amount, (
            f"{who}: {worker}-worker package started {hours:g} hours after the request, later "
            f"than {table.tiers[-1].within_hours:g} hours: no capacity incentive"
        )
    condition = (
        ""
        if package.referral is not None
        else f"; due only for a discharge or transfer from: {', '.join(table.referrals)}"
    )
    return amount, (
        f"{who}: capacity incentive, {worker}-worker package started within "
        f"{tier.within_hours:g} hours of a request on {day:%d %b %Y} ({period.label}) = "
        f"{_money(amount)}{condition}"
    )


def _periods(table: CapacityIncentive) -> str:
    return ", ".join(f"{p.start:%d %b %Y} - {p.end:%d %b %Y}" for p in table.periods)


def price_package(scheme: Scheme, band: str | None, package: Package) -> PackagePrice:
    """Price one package under ``scheme``, from the band of its answer.

    Parameters
    ----------
    scheme : Scheme
        The answer's scheme.
    band : str or None
        The answer's band, class or rate label (``Answer.band``); None when unanswered.
    package : Package
        The package inputs (:func:`read_package`).

    Returns
    -------
    PackagePrice
        What could be priced, with a rule per amount and a problem per gap.

    """
    who = get_region_spec(scheme.region).title
    rules: list[str] = []
    problems: list[str] = []
    rate_id, problem = _rate_for(scheme, band, package)
    incentive, incentive_rule = _incentive(scheme, who, package)
    if rate_id is None:
        problems.append(str(problem))
        rules += [incentive_rule] if incentive_rule else []
        return PackagePrice(incentive=incentive, rules=tuple(rules), problems=tuple(problems))
    hourly = hourly_rate(scheme, rate_id)
    label = scheme.priced(rate_id).label
    seconds, visits = package.visit_seconds, package.visits_per_week
    per_visit = None
    if seconds is not None:
        per_visit = visit_price(scheme, _minutes_arg(seconds), rate_id)
        rules.append(_visit_rule(scheme, who, seconds, hourly, per_visit))
    weekly = annual = None
    if seconds is not None and visits is not None:
        cost = package_cost(
            scheme, visits_per_week=visits, visit_minutes=_minutes_arg(seconds), rate=rate_id
        )
        weekly, annual = cost.weekly, cost.annual
        rules.append(
            f"{who}: {visits:g} {_duration(seconds)} {_kind(scheme)}s a week = "
            f"{_money(weekly)} a week (each visit unrounded until the total); "
            f"x {WEEKS_PER_YEAR} weeks = "
            f"{_money(annual)} a year"
        )
    elif package.weekly_hours is not None:
        cost = package_cost(scheme, weekly_hours=package.weekly_hours, rate=rate_id)
        weekly, annual = cost.weekly, cost.annual
        rules.append(
            f"{who}: {package.weekly_hours:g} hours a week x {_money(hourly)} ({label}) = "
            f"{_money(weekly)} a week; x {WEEKS_PER_YEAR} weeks = {_money(annual)} a year"
        )
    rules += [incentive_rule] if incentive_rule else []
    return PackagePrice(
        priced_at=label,
        hourly_rate=hourly,
        visit_price=per_visit,
        weekly_cost=weekly,
        annual_cost=annual,
        incentive=incentive,
        rules=tuple(rules),
        problems=tuple(problems),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def price_table(
    scheme: Scheme, bands: pd.Series, table: pd.DataFrame, columns: Mapping[str, str]
) -> tuple[pd.DataFrame, list[tuple[str, ...]]]:
    """Price every row of a package list from its answer's band.

    Parameters
    ----------
    scheme : Scheme
        The answers' scheme.
    bands : Series
        Each row's ``band`` (None where unanswered), in the order of ``table``.
    table : DataFrame
        The package list, cells as text.
    columns : mapping
        Input name -> column of ``table`` (:func:`find_package_columns`).

    Returns
    -------
    (DataFrame, list of tuple of str)
        :data:`PACKAGE_COLUMNS` (pounds as text, rules joined by ``"; "``), one
        row per row of ``table`` in order (index 0..n-1); and each row's problems.

    """
    names = list(columns)
    keys = pd.DataFrame(
        {"band": bands.to_numpy(dtype=object)}
        | {n: table[columns[n]].to_numpy(dtype=object) for n in names}
    )
    # each distinct (band, package) is priced once; its rows take its answer
    of = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(of, return_index=True)
    answers: list[list[str | None]] = []
    found: list[tuple[str, ...]] = []
    for band, *row in keys.to_numpy(dtype=object)[first]:
        package, bad = read_package(dict(zip(names, row, strict=True)), columns)
        band_text = None if band is None or pd.isna(band) else str(band)
        price = price_package(scheme, band_text, package)
        answers.append(
            [_text(getattr(price, c)) for c in PACKAGE_COLUMNS[:-1]]
            + ["; ".join(price.rules) or None]
        )
        # an unanswered row already says why; a price problem is news only on an answer
        answered = package.given and band_text is not None
        found.append(bad + (price.problems if answered else ()))
    distinct = np.array(answers, dtype=object).reshape(len(answers), len(PACKAGE_COLUMNS))
    priced = pd.DataFrame(distinct[of], columns=PACKAGE_COLUMNS, dtype=object)
    problems = np.empty(len(found), dtype=object)
    problems[:] = found
    return priced, list(problems[of])
