"""Council pricing schemes, declared as TOML data and read into frozen objects.

Each ``*.toml`` file beside this module is one scheme: one council's rules and
rates for one year, so a new council or a new year's rates is a data change.
Reading a file validates it completely; a malformed file raises
:class:`~geozones._errors.DataError` naming the file, the key (dotted path such
as ``bands[1].rate``) and what was expected. Unknown keys are errors too.

Schema
------
Top level:

``id``, ``title``, ``council``, ``region``, ``year`` (text, ``year`` like
"2019/20"); ``effective`` (TOML date, optional); ``method``: one of
``road-distance-bands``, ``straight-line-radius``, ``flat``;
``demonstration`` (bool, default false: true marks a scheme that shows a method
and is not a council's rates); ``default_rate`` (id of a band, rate or blend
used when a caller names none; required for ``flat``); ``caveats`` (list of
text).

``[source]``: ``seed`` (file name in the shared seeds folder), ``title``,
``section`` (optional): where the figures were published.

``[centres]`` (banded methods only): ``kind`` = ``gp-surgeries`` (road-distance
bands) or ``named-places`` with ``names`` (places a build step resolves to
points) and ``radius_miles`` (straight-line radius).

``[applies]`` (banded methods only): the area where the bands apply, declared
in exactly one of four ways (two of them in one file is an error):

- ``districts``: LAD 2013 codes of the scheme's region;
- ``ccgs``: CCG codes of April 2019, the 3-character CCG19CDH codes such as
  "06W" (the region's CCGs are declared in :mod:`geozones.regions.specs`), with
  ``vintage = "April 2019"``;
- ``lsoas``: LSOA 2011 codes (like "E01026543"; checked against the region's
  units when a classifier or a band area uses the scheme);
- ``polygon``: a polygon file (GeoJSON, GeoPackage, Shapefile...) whose path
  is relative to the folder of the scheme file, in any CRS the file declares
  (a file without one is refused); its polygons are read on load.

A point is in a district, CCG or LSOA area by the unit it lies in (the one rule
of :class:`geozones._spatial.UnitIndex`), and in a polygon area when it lies
inside or on the polygon. ``name`` names the area in answers ("Central Belt";
required unless districts or CCGs cover the whole region). ``elsewhere`` is the
id of a ``rates`` entry paid in the rest of the region: required unless
districts or CCGs cover the whole region, refused when they do. Answers name
the elsewhere rate by its label without a closing parenthesis ("spot rate").

``[viability]`` (optional): the hours a week that make a lot commercially
viable, as the council or its providers published them: ``source`` (text: who
said it, where), ``min_hours`` (a lot under it is under the minimum),
``max_hours`` (more than ``min_hours``; only where a ceiling was published:
"2,000+" is not one) and ``provider_min_hours`` (hours each provider must
deliver a week, a framework condition rather than a lot threshold); at least
one of ``min_hours`` and ``provider_min_hours``. A scheme without the table
has no published threshold; none is borrowed from another council.

``[[bands]]``: ``id``, ``label``, ``rate`` (pounds per hour), ``colour``
(``#rrggbb``) and, for road-distance bands, ``from_miles`` (the first band from
0, strictly increasing; a distance exactly on an edge is in the higher band).
A straight-line-radius scheme has exactly two bands: the first within the
radius (a distance exactly on the radius counts as within), the second beyond.

``[[rates]]``: other hourly rates, ``id``, ``label``, ``rate`` and
``care_types`` (optional list of ``sleep-in``, ``24-hour``: the care types a
package is priced at this rate for).

``[[blends]]``: ``id``, ``label``, ``parts`` = list of ``{rate = <id of a rates
entry>, percent = <number>}`` whose percents add up to 100, and ``pathway``
(optional, ``O`` or ``D``: the pathway a package is priced at this blend for).

``[visits]``: ``rule`` = ``pro-rata`` (minutes / 60 x hourly rate) or ``tiers``
with ``[[visits.tiers]]`` of ``from`` and ``to`` ("mm:ss", inclusive, each
``from`` one second after the previous ``to``, the first "0:00") and
``percent`` of the hourly rate; longer than the last ``to`` is pro rata (so a
single tier from "0:00" to "30:00" at 50% pays at least 30 minutes a visit,
then by the minute). ``[visits.estimate]`` (optional): what the council
estimated this rule costs a year over the rule it replaces: ``replaces``
(``pro-rata``), ``annual_cost`` (pounds), ``visit_minutes`` (the length of the
visits it costed) and ``source``.

``[[demand]]`` (optional): the council's published demand, which modelled
demand is scaled to (:mod:`geozones.demand.packages`): ``clients`` (a whole
number), ``weekly_hours``, ``rate`` (id of the band, rate or blend the hours
are priced at), ``pathway`` (optional, ``O`` or ``D``; none: every pathway),
``as_at`` (text: when) and ``source``.

``[[zone_layers]]``: ``id``, ``title``, ``kind`` (``zone`` or ``lot``: which
answer the layer fills), ``names`` (zone or lot names as the council wrote
them; optional for a layer its rule file builds from data, which then takes
the names the rules make), ``rate`` (optional id of the rate the council's
table used for that layer). ``[[zone_layers.reference]]`` (optional, needs
``names``): the council's published figures of one zone, a reference a plan's
summary shows beside its own: ``zone`` (one of ``names``, each at most once),
``clients`` (a whole number), ``weekly_hours``, ``annual_hours``,
``annual_cost`` (pounds, as published; a caveat says where a figure is
misprinted) and ``source`` (the table it comes from).

``[capacity_incentive]``: ``title``, ``period``, ``[[capacity_incentive.tiers]]``
of ``within_hours``, ``single_worker`` and ``double_worker`` amounts in pounds,
``[[capacity_incentive.periods]]`` of ``label``, ``from`` and ``to`` (TOML dates,
inclusive: the designated periods the payments apply in) and ``referrals`` (the
eligible referral sources, words of :class:`~geozones._vocab.Referral`).

Money is read as :class:`~decimal.Decimal` from text or TOML numbers (never a
float) with at most two decimal places; miles are converted to metres on load.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict, TypeVar

import numpy as np
import numpy.typing as npt

from geozones._cache import clearable
from geozones._errors import DataError, InputError, NotFoundError
from geozones._settings import METRES_PER_MILE
from geozones._toml import (
    Table,
    each,
    load_toml,
    not_negative,
    optional,
    positive,
    read_each,
    sub,
)
from geozones._vocab import AreaKind, CareType, Pathway, Referral, SchemeMethod, ZoneColumn
from geozones.regions.specs import CCG_VINTAGE, REGIONS, Viability, get_region_spec, read_viability

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "SCHEME_DIR",
    "Band",
    "BandingArea",
    "Blend",
    "BlendPart",
    "CapacityIncentive",
    "Centres",
    "DemandTotal",
    "DurationTier",
    "IncentivePeriod",
    "IncentiveTier",
    "Rate",
    "Scheme",
    "Source",
    "Viability",
    "VisitEstimate",
    "VisitRule",
    "ZoneLayer",
    "ZoneReference",
    "get_scheme",
    "list_schemes",
    "load_scheme",
]

#: Folder of the shipped scheme files.
SCHEME_DIR = Path(__file__).resolve().parent

_METHODS: tuple[SchemeMethod, ...] = tuple(SchemeMethod)
_BANDED = (SchemeMethod.ROAD_DISTANCE_BANDS, SchemeMethod.STRAIGHT_LINE_RADIUS)
_CENTRE_KIND = {
    SchemeMethod.ROAD_DISTANCE_BANDS: "gp-surgeries",
    SchemeMethod.STRAIGHT_LINE_RADIUS: "named-places",
}
_MILE = Decimal(str(METRES_PER_MILE))
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LSOA = re.compile(r"[EW]01\d{6}")
#: The ``[applies]`` key of each way of declaring the area.
_AREA_KEYS: dict[str, AreaKind] = {
    "districts": AreaKind.DISTRICT,
    "ccgs": AreaKind.CCG,
    "lsoas": AreaKind.LSOA,
    "polygon": AreaKind.POLYGON,
}

S = TypeVar("S", bound=str)


@dataclass(frozen=True)
class Source:
    """Where a scheme's figures were published.

    Attributes
    ----------
    seed : str
        File name of the council document in the shared seeds folder.
    title : str
        Title of that document.
    section : str | None
        Section or table the figures come from.

    """

    seed: str
    title: str
    section: str | None = None


@dataclass(frozen=True)
class Band:
    """One price band.

    Attributes
    ----------
    id, label : str
        Identifier and the council's name for the band (e.g. "Band 1").
    rate : Decimal
        Pounds per hour.
    colour : str
        ``#rrggbb`` colour on the map.
    from_miles : Decimal | None
        Lower edge in miles (road-distance bands only).
    from_m : float | None
        Lower edge in metres (``from_miles`` x 1,609.344).

    """

    id: str
    label: str
    rate: Decimal
    colour: str
    from_miles: Decimal | None = None
    from_m: float | None = None


@dataclass(frozen=True)
class Rate:
    """A named hourly rate that is not a band (spot rate, sleep-in rate...), in pounds."""

    id: str
    label: str
    rate: Decimal
    care_types: tuple[CareType, ...] = ()


@dataclass(frozen=True)
class BlendPart:
    """``percent`` of the hours of a blend paid at the rate ``rate`` (id of a :class:`Rate`)."""

    rate: str
    percent: Decimal


@dataclass(frozen=True)
class Blend:
    """A blended hourly rate declared as shares of other rates (computed by pricing)."""

    id: str
    label: str
    parts: tuple[BlendPart, ...]
    pathway: Pathway | None = None


@dataclass(frozen=True)
class DurationTier:
    """Calls from ``from_s`` to ``to_s`` seconds (inclusive) are paid ``percent`` of the rate."""

    from_s: int
    to_s: int
    percent: Decimal


@dataclass(frozen=True)
class VisitEstimate:
    """A council's estimate of what its visit rule costs a year over the rule it replaces.

    Attributes
    ----------
    replaces : VisitRule
        The rule before (pro rata).
    annual_cost : Decimal
        Pounds a year more, as the council estimated it.
    visit_minutes : Decimal
        The length of the visits the council costed (minutes).
    source : str
        Where the estimate was published.

    """

    replaces: VisitRule
    annual_cost: Decimal
    visit_minutes: Decimal
    source: str


@dataclass(frozen=True)
class VisitRule:
    """How one visit is priced: ``pro-rata`` by minutes, or by duration ``tiers``.

    Past the last tier's ``to_s`` a tiered visit is priced pro rata.
    ``estimate`` is the council's estimate of the rule's cost, where it published one.
    """

    rule: Literal["pro-rata", "tiers"]
    tiers: tuple[DurationTier, ...] = ()
    estimate: VisitEstimate | None = None


@dataclass(frozen=True)
class DemandTotal:
    """A council's published demand: clients at one time and hours a week.

    Attributes
    ----------
    clients : int
        Clients (service users) at one time.
    weekly_hours : Decimal
        Hours of care a week.
    rate : str
        Id of the band, rate or blend these hours are priced at.
    as_at, source : str
        When the figures held, and where they were published.
    pathway : Pathway | None
        The pathway counted; None: every pathway.

    """

    clients: int
    weekly_hours: Decimal
    rate: str
    as_at: str
    source: str
    pathway: Pathway | None = None


@dataclass(frozen=True)
class Centres:
    """The points distances are measured from.

    Attributes
    ----------
    kind : str
        ``gp-surgeries`` or ``named-places``.
    names : tuple[str, ...]
        Place names for ``named-places`` (resolved to points by a build step).
    radius_miles : Decimal | None
        Straight-line radius in miles (``straight-line-radius`` only).
    radius_m : float | None
        The radius in metres.

    """

    kind: str
    names: tuple[str, ...] = ()
    radius_miles: Decimal | None = None
    radius_m: float | None = None


@dataclass(frozen=True)
class ZoneReference:
    """A council's published figures of one zone or lot (e.g. seed 002, Table 12.2, Zone A).

    Attributes
    ----------
    zone : str
        The zone's name, as in its layer's ``names``.
    clients : int
        Clients at one time.
    weekly_hours, annual_hours : Decimal
        Hours a week and a year, as published (rounded as the council rounded them).
    annual_cost : Decimal
        Pounds a year, as published.
    source : str
        Where the figures were published.

    """

    zone: str
    clients: int
    weekly_hours: Decimal
    annual_hours: Decimal
    annual_cost: Decimal
    source: str


@dataclass(frozen=True)
class ZoneLayer:
    """A set of zones or lots the council named (e.g. Herefordshire's 'O' zones A-E).

    ``reference`` holds the council's published figures per zone (none where it
    published none), in the file's order.
    """

    id: str
    title: str
    names: tuple[str, ...]
    rate: str | None = None
    #: Which answer the layer fills: ``zone`` or ``lot``.
    kind: ZoneColumn = ZoneColumn.ZONE
    reference: tuple[ZoneReference, ...] = ()


@dataclass(frozen=True)
class BandingArea:
    """Where a banded scheme's bands apply, as its ``[applies]`` table declares it.

    Attributes
    ----------
    kind : AreaKind
        ``district``, ``ccg``, ``lsoa`` or ``polygon``.
    codes : tuple[str, ...]
        LAD 2013, CCG (April 2019, e.g. "06W") or LSOA 2011 codes, in the
        file's order; empty for a polygon.
    name : str | None
        The area's name in answers (e.g. "Central Belt"); None for the whole region.
    whole_region : bool
        True when the districts or CCGs cover the scheme's whole region.
    vintage : str | None
        The CCG vintage ("April 2019"), for CCG areas only.
    polygon_file : Path | None
        The polygon file (absolute path), for polygon areas only.
    polygon : shapely geometry | None
        Its polygons, united, in EPSG:27700 metres.

    """

    kind: AreaKind
    codes: tuple[str, ...] = ()
    name: str | None = None
    whole_region: bool = False
    vintage: str | None = None
    polygon_file: Path | None = None
    polygon: BaseGeometry | None = None


@dataclass(frozen=True)
class IncentiveTier:
    """Payment in pounds when care starts within ``within_hours`` of the request."""

    within_hours: Decimal
    single_worker: Decimal
    double_worker: Decimal


@dataclass(frozen=True)
class IncentivePeriod:
    """A designated period (``start`` to ``end``, both days included) when incentives apply."""

    label: str
    start: date
    end: date


@dataclass(frozen=True)
class CapacityIncentive:
    """A one-off payment table for starting care promptly (tiers by increasing hours).

    Payments are due only for requests made inside one of ``periods`` and for
    packages referred from one of ``referrals``.
    """

    title: str
    period: str
    tiers: tuple[IncentiveTier, ...]
    periods: tuple[IncentivePeriod, ...]
    referrals: tuple[Referral, ...]


@dataclass(frozen=True)
class Scheme:
    """One council's pricing rules for one year, as declared in its TOML file.

    Attributes
    ----------
    id, title, council, region, year : str
        ``region`` is a geozones region name (see :mod:`geozones.regions.specs`).
    method : SchemeMethod
        ``road-distance-bands``, ``straight-line-radius`` or ``flat``.
    source : Source
    path : Path
        The file the scheme was read from.
    effective : date | None
    demonstration : bool
        True when the scheme demonstrates a method and is not a council's rates.
    default_rate : str | None
        Id of the band, rate or blend used when a caller names none.
    caveats : tuple[str, ...]
    centres : Centres | None
    area : BandingArea | None
        Where the bands apply (None for ``flat``).
    elsewhere_rate : str | None
        Id of the rate paid in the rest of the region.
    bands, rates, blends, zone_layers : tuple
    demand : tuple of DemandTotal
        The council's published demand (none where it published none).
    visits : VisitRule
    capacity_incentive : CapacityIncentive | None
    viability : Viability | None
        The council's published lot viability, None where it published none.

    """

    id: str
    title: str
    council: str
    region: str
    year: str
    method: SchemeMethod
    source: Source
    path: Path
    visits: VisitRule
    effective: date | None = None
    demonstration: bool = False
    default_rate: str | None = None
    caveats: tuple[str, ...] = ()
    centres: Centres | None = None
    area: BandingArea | None = None
    elsewhere_rate: str | None = None
    bands: tuple[Band, ...] = ()
    rates: tuple[Rate, ...] = ()
    blends: tuple[Blend, ...] = ()
    zone_layers: tuple[ZoneLayer, ...] = ()
    demand: tuple[DemandTotal, ...] = ()
    capacity_incentive: CapacityIncentive | None = None
    viability: Viability | None = None

    @property
    def edges_m(self) -> npt.NDArray[np.float64]:
        """Band edges in metres (lower edges of every band after the first), float64."""
        return np.array([b.from_m for b in self.bands[1:] if b.from_m is not None], dtype=float)

    @property
    def _priced_items(self) -> tuple[Band | Rate | Blend, ...]:
        return (*self.bands, *self.rates, *self.blends)

    def priced(self, name: str) -> Band | Rate | Blend:
        """Return the band, rate or blend whose id or label is ``name``.

        Raises
        ------
        InputError
            When the scheme has nothing of that name; the message lists the choices.

        """
        for item in self._priced_items:
            if name in (item.id, item.label):
                return item
        raise InputError(
            f"scheme {self.id} has no rate {name!r}; choose one of: {self.rate_choices()}"
        )

    def rate_choices(self) -> str:
        """The ids (and labels) a caller may name as a rate, as one line of text."""
        return ", ".join(f"{item.id} ({item.label})" for item in self._priced_items)

    @property
    def elsewhere(self) -> Rate | None:
        """The rate paid outside the banding area (None where banding covers the region)."""
        return next((rate for rate in self.rates if rate.id == self.elsewhere_rate), None)

    def zone_layer(self, layer_id: str) -> ZoneLayer:
        """Return the zone layer ``layer_id`` or raise NotFoundError listing the layers."""
        for layer in self.zone_layers:
            if layer.id == layer_id:
                return layer
        known = ", ".join(layer.id for layer in self.zone_layers) or "none"
        raise NotFoundError(f"scheme {self.id} has no zone layer {layer_id!r}; layers: {known}")


def _read_source(t: Table) -> Source:
    return Source(
        seed=t.text("seed"),
        title=t.text("title"),
        section=t.text("section") if t.has("section") else None,
    )


def _read_band(t: Table, method: SchemeMethod) -> Band:
    band = Band(
        id=t.ident("id"), label=t.text("label"), rate=t.money("rate"), colour=t.text("colour")
    )
    if not _COLOUR.fullmatch(band.colour):
        raise t.fail("colour", 'a colour like "#1a9850"', band.colour)
    if method != SchemeMethod.ROAD_DISTANCE_BANDS:
        return band
    miles = t.number("from_miles", "a distance in miles, 0 or more", not_negative)
    return replace(band, from_miles=miles, from_m=float(miles * _MILE))


def _choices(t: Table, name: str, options: tuple[S, ...]) -> tuple[S, ...]:
    """A list of words each one of ``options`` (an error names the key and the options)."""
    chosen = []
    for word in t.texts(name):
        match = next((option for option in options if word == option), None)
        if match is None:
            raise t.fail(name, "a list of words among " + ", ".join(options), word)
        chosen.append(match)
    return tuple(chosen)


def _read_rate(t: Table) -> Rate:
    care = _choices(t, "care_types", tuple(CareType)) if t.has("care_types") else ()
    return Rate(id=t.ident("id"), label=t.text("label"), rate=t.money("rate"), care_types=care)


def _read_blend(t: Table) -> Blend:
    parts = read_each(
        t.tables("parts"),
        lambda p: BlendPart(
            rate=p.ident("rate"),
            percent=p.number("percent", "a percentage more than 0", positive),
        ),
    )
    total = sum((part.percent for part in parts), Decimal(0))
    if total != 100:
        raise t.fail("parts", "percents that add up to 100", f"{total}")
    pathway = t.choice("pathway", tuple(Pathway)) if t.has("pathway") else None
    return Blend(id=t.ident("id"), label=t.text("label"), parts=parts, pathway=pathway)


def _read_tier(t: Table) -> DurationTier:
    return DurationTier(
        from_s=t.seconds("from"),
        to_s=t.seconds("to"),
        percent=t.number("percent", "a percentage more than 0", positive),
    )


def _read_estimate(t: Table) -> VisitEstimate:
    t.choice("replaces", ("pro-rata",))
    return VisitEstimate(
        replaces=VisitRule(rule="pro-rata"),
        annual_cost=t.money("annual_cost"),
        visit_minutes=t.number("visit_minutes", "minutes more than 0", positive),
        source=t.text("source"),
    )


def _read_visits(t: Table) -> VisitRule:
    rule = t.choice("rule", ("pro-rata", "tiers"))
    estimate = optional(t, "estimate", _read_estimate)
    if rule == "pro-rata":
        return VisitRule(rule="pro-rata", estimate=estimate)
    tables = t.tables("tiers")
    tiers = read_each(tables, _read_tier)
    previous_to = -1
    for table, tier in zip(tables, tiers, strict=True):
        if tier.from_s != previous_to + 1:
            want = "0:00" if previous_to < 0 else _mmss(previous_to + 1)
            raise table.fail(
                "from", f"{want!r} (one second after the previous tier)", _mmss(tier.from_s)
            )
        if tier.to_s < tier.from_s:
            raise table.fail(
                "to", f"a time not before from {_mmss(tier.from_s)!r}", _mmss(tier.to_s)
            )
        previous_to = tier.to_s
    return VisitRule(rule="tiers", tiers=tiers, estimate=estimate)


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _read_centres(t: Table, method: SchemeMethod) -> Centres:
    kind = t.choice("kind", (_CENTRE_KIND[method],))
    if method == SchemeMethod.ROAD_DISTANCE_BANDS:
        return Centres(kind=kind)
    miles = t.number("radius_miles", "a radius in miles more than 0", positive)
    return Centres(
        kind=kind, names=t.texts("names"), radius_miles=miles, radius_m=float(miles * _MILE)
    )


def _whole(t: Table, name: str, check: Callable[[Decimal], bool], expected: str) -> int:
    """A whole number ``check`` accepts (an error says ``expected``)."""
    number = t.number(name, expected, check)
    if number != number.to_integral_value():
        raise t.fail(name, expected, number)
    return int(number)


def _read_demand(t: Table) -> DemandTotal:
    return DemandTotal(
        clients=_whole(t, "clients", positive, "a whole number of clients more than 0"),
        weekly_hours=t.number("weekly_hours", "hours a week more than 0", positive),
        rate=t.ident("rate"),
        as_at=t.text("as_at"),
        source=t.text("source"),
        pathway=t.choice("pathway", tuple(Pathway)) if t.has("pathway") else None,
    )


def _read_reference(t: Table, names: tuple[str, ...]) -> ZoneReference:
    zone = t.text("zone")
    if zone not in names:
        raise t.fail("zone", "one of the layer's names " + ", ".join(names), zone)
    hours = "hours more than 0"
    return ZoneReference(
        zone=zone,
        clients=_whole(t, "clients", not_negative, "a whole number of clients, 0 or more"),
        weekly_hours=t.number("weekly_hours", f"weekly {hours}", positive),
        annual_hours=t.number("annual_hours", f"annual {hours}", positive),
        annual_cost=t.money("annual_cost"),
        source=t.text("source"),
    )


def _read_zone_layer(t: Table) -> ZoneLayer:
    names = t.texts("names") if t.has("names") else ()
    reference: tuple[ZoneReference, ...] = ()
    if t.has("reference"):
        if not names:
            raise DataError(
                f"{t.file}: {t.key('reference')}: a reference needs the layer's names "
                "(names = [...]) to match its zones against"
            )
        reference = read_each(t.tables("reference"), lambda r: _read_reference(r, names))
        seen: set[str] = set()
        for i, row in enumerate(reference):
            if row.zone in seen:
                raise t.fail(f"reference[{i}].zone", "each zone at most once", row.zone)
            seen.add(row.zone)
    return ZoneLayer(
        id=t.ident("id"),
        title=t.text("title"),
        names=names,
        rate=t.text("rate") if t.has("rate") else None,
        kind=t.choice("kind", (ZoneColumn.ZONE, ZoneColumn.LOT)),
        reference=reference,
    )


def _read_incentive(t: Table) -> CapacityIncentive:
    tiers = read_each(
        t.tables("tiers"),
        lambda p: IncentiveTier(
            within_hours=p.number("within_hours", "a number of hours more than 0", positive),
            single_worker=p.money("single_worker"),
            double_worker=p.money("double_worker"),
        ),
    )
    hours = [tier.within_hours for tier in tiers]
    if hours != sorted(set(hours)):
        raise t.fail("tiers", "tiers in increasing within_hours", [str(h) for h in hours])
    periods = read_each(
        t.tables("periods"),
        lambda p: IncentivePeriod(label=p.text("label"), start=p.day("from"), end=p.day("to")),
    )
    for i, period in enumerate(periods):
        if period.end < period.start:
            raise t.fail(f"periods[{i}].to", f"a day not before {period.start}", period.end)
    return CapacityIncentive(
        title=t.text("title"),
        period=t.text("period"),
        tiers=tiers,
        periods=periods,
        referrals=_choices(t, "referrals", tuple(Referral)),
    )


def _check_bands(t: Table, method: SchemeMethod, bands: tuple[Band, ...]) -> None:
    if method == SchemeMethod.STRAIGHT_LINE_RADIUS and len(bands) != 2:
        raise t.fail("bands", "exactly two bands (within the radius, then beyond)", len(bands))
    if method == SchemeMethod.ROAD_DISTANCE_BANDS:
        if len(bands) < 2:
            raise t.fail("bands", "two or more bands", len(bands))
        # every band of a road-distance scheme has from_miles (_read_band)
        edges = [b.from_miles for b in bands if b.from_miles is not None]
        if edges[0] != 0:
            raise t.fail("bands[0].from_miles", "0 (the first band starts at 0 miles)", edges[0])
        for i in range(1, len(edges)):
            if edges[i] <= edges[i - 1]:
                raise t.fail(f"bands[{i}].from_miles", f"more than {edges[i - 1]}", edges[i])


def _area_codes(t: Table, key: str, known: dict[str, str], what: str) -> tuple[str, ...]:
    """The codes listed under ``key``, each one of ``known`` (code to name)."""
    codes = t.texts(key)
    for i, code in enumerate(codes):
        if code not in known:
            raise t.fail(f"{key}[{i}]", f"{what} ({', '.join(known)})", code)
    return codes


def _lsoa_codes(t: Table) -> tuple[str, ...]:
    codes = t.texts("lsoas")
    for i, code in enumerate(codes):
        if not _LSOA.fullmatch(code):
            raise t.fail(f"lsoas[{i}]", 'an LSOA 2011 code like "E01026543"', code)
    return codes


def _read_polygon(t: Table) -> tuple[Path, BaseGeometry]:
    """The polygon file named by ``polygon`` (relative to the scheme file) and its polygons.

    The file may be in any CRS it declares; its polygons are united in EPSG:27700.
    """
    import pyogrio  # GDAL and geopandas load only for a scheme with a polygon area
    import shapely

    from geozones._validate import to_bng

    value = t.text("polygon")
    path = (t.file.parent / value).absolute()
    if not path.is_file():
        raise t.fail(
            "polygon",
            f"a polygon file, its path relative to the scheme file's folder (no file {path})",
            value,
        )
    try:
        frame = pyogrio.read_dataframe(path)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise t.fail("polygon", f"a readable polygon file ({exc})", value) from exc
    try:
        frame = to_bng(frame, f"polygon file {path}")
    except InputError as exc:
        raise t.fail("polygon", f"a polygon file that declares its CRS ({exc})", value) from exc
    parts = shapely.get_parts(shapely.make_valid(frame.geometry.to_numpy()))
    polygons = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    if not len(polygons):
        raise t.fail("polygon", f"a file of polygons ({path} holds none)", value)
    return path, shapely.union_all(polygons)


def _read_applies(t: Table, region: str) -> tuple[BandingArea, str | None]:
    """The area where the bands apply (one of four ways) and the rate paid elsewhere."""
    given = [key for key in _AREA_KEYS if t.has(key)]
    if len(given) > 1:
        raise t.fail(
            given[1],
            f"one way of declaring the area, not both {t.key(given[0])} and {t.key(given[1])} "
            f"(one of: {', '.join(_AREA_KEYS)})",
            t.raw[given[1]],
        )
    if not given:
        raise DataError(
            f"{t.file}: {t.path}: missing the area: give one of "
            + ", ".join(t.key(key) for key in _AREA_KEYS)
        )
    spec = get_region_spec(region)
    kind = _AREA_KEYS[given[0]]
    area = BandingArea(kind=kind)
    if kind == AreaKind.DISTRICT:
        codes = _area_codes(t, "districts", spec.districts, f"a LAD 2013 code of region {region}")
        area = replace(area, codes=codes, whole_region=set(codes) == set(spec.districts))
    elif kind == AreaKind.CCG:
        what = f"a CCG code ({CCG_VINTAGE}) of region {region}"
        codes = _area_codes(t, "ccgs", spec.ccgs, what)
        area = replace(
            area,
            codes=codes,
            whole_region=set(codes) == set(spec.ccgs),
            vintage=t.choice("vintage", (CCG_VINTAGE,)),
        )
    elif kind == AreaKind.LSOA:
        area = replace(area, codes=_lsoa_codes(t))
    else:
        path, polygon = _read_polygon(t)
        area = replace(area, polygon_file=path, polygon=polygon)
    if not area.whole_region:
        return replace(area, name=t.text("name")), t.ident("elsewhere")
    if t.has("elsewhere"):
        raise t.fail(
            "elsewhere",
            f"no elsewhere rate ({given[0]} cover the whole region)",
            t.raw["elsewhere"],
        )
    return replace(area, name=t.text("name") if t.has("name") else None), None


def _check_names(t: Table, scheme: Scheme) -> None:
    """Ids and labels must be unique, and every rate a scheme refers to must exist."""
    seen: dict[str, str] = {}
    for group in ("bands", "rates", "blends"):
        for i, item in enumerate(getattr(scheme, group)):
            for name in dict.fromkeys((item.id, item.label)):
                if name in seen:
                    raise t.fail(f"{group}[{i}]", f"a name not already used by {seen[name]}", name)
                seen[name] = f"{group}[{i}]"
    rate_ids = {rate.id for rate in scheme.rates}
    for i, blend in enumerate(scheme.blends):
        for j, part in enumerate(blend.parts):
            if part.rate not in rate_ids:
                raise t.fail(
                    f"blends[{i}].parts[{j}].rate", "the id of a [[rates]] entry", part.rate
                )
    if scheme.elsewhere_rate is not None and scheme.elsewhere_rate not in rate_ids:
        raise t.fail("applies.elsewhere", "the id of a [[rates]] entry", scheme.elsewhere_rate)
    refs = [("default_rate", scheme.default_rate)]
    refs += [(f"zone_layers[{i}].rate", z.rate) for i, z in enumerate(scheme.zone_layers)]
    refs += [(f"demand[{i}].rate", d.rate) for i, d in enumerate(scheme.demand)]
    for key, name in refs:
        if name is not None and name not in seen:
            raise t.fail(key, "the id of a band, rate or blend of this scheme", name)


class _Banding(TypedDict, total=False):
    """The :class:`Scheme` fields only banded methods have."""

    bands: tuple[Band, ...]
    centres: Centres
    area: BandingArea
    elsewhere_rate: str | None


def _read_banding(t: Table, method: SchemeMethod, region: str) -> _Banding:
    """The keys only banded methods have: bands, centres and where banding applies."""
    if method not in _BANDED:
        for name in ("bands", "centres", "applies"):
            if name in t.raw:
                raise t.fail(name, f"no {name} for method {method}", t.raw[name])
        return {}
    bands = read_each(t.tables("bands"), lambda b: _read_band(b, method))
    _check_bands(t, method, bands)
    area, elsewhere = sub(t, "applies", lambda a: _read_applies(a, region))
    return {
        "bands": bands,
        "centres": sub(t, "centres", lambda c: _read_centres(c, method)),
        "area": area,
        "elsewhere_rate": elsewhere,
    }


def _read_region(t: Table) -> str:
    region = t.text("region")
    if region not in REGIONS:
        raise t.fail("region", "one of the geozones regions " + ", ".join(REGIONS), region)
    return region


def _read_scheme(t: Table) -> Scheme:
    method = t.choice("method", _METHODS)
    region = _read_region(t)
    needs_default = method not in _BANDED
    scheme = Scheme(
        id=t.ident("id"),
        title=t.text("title"),
        council=t.text("council"),
        region=region,
        year=t.text("year"),
        method=method,
        source=sub(t, "source", _read_source),
        path=t.file,
        visits=sub(t, "visits", _read_visits),
        effective=t.day("effective") if t.has("effective") else None,
        demonstration=t.flag("demonstration") if t.has("demonstration") else False,
        default_rate=t.ident("default_rate") if t.has("default_rate") or needs_default else None,
        caveats=t.texts("caveats") if t.has("caveats") else (),
        rates=each(t, "rates", _read_rate),
        blends=each(t, "blends", _read_blend),
        zone_layers=each(t, "zone_layers", _read_zone_layer),
        demand=each(t, "demand", _read_demand),
        capacity_incentive=optional(t, "capacity_incentive", _read_incentive),
        viability=optional(t, "viability", read_viability),
        **_read_banding(t, method, region),
    )
    _check_names(t, scheme)
    t.finish()
    return scheme


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate one scheme file.

    Parameters
    ----------
    path : str | Path
        A scheme TOML file.

    Returns
    -------
    Scheme

    Raises
    ------
    DataError
        The file is missing, is not TOML, or breaks the schema; the message names
        the file, the key and what was expected.

    """
    return _read_scheme(load_toml(path, "scheme file"))


@clearable(maxsize=None)
def _shipped() -> tuple[Scheme, ...]:
    schemes = tuple(load_scheme(p) for p in sorted(SCHEME_DIR.glob("*.toml")))
    ids = [s.id for s in schemes]
    for scheme in schemes:
        if ids.count(scheme.id) > 1:
            raise DataError(f"{scheme.path}: id {scheme.id!r} is used by more than one scheme file")
    return schemes


def list_schemes() -> list[Scheme]:
    """Every shipped scheme, sorted by file name (validated on first use)."""
    return list(_shipped())


def get_scheme(scheme_id: str) -> Scheme:
    """Return the shipped scheme ``scheme_id``.

    Raises
    ------
    NotFoundError
        No scheme has that id; the message lists the known ids.

    """
    for scheme in _shipped():
        if scheme.id == scheme_id:
            return scheme
    known = ", ".join(s.id for s in _shipped())
    raise NotFoundError(f"unknown scheme {scheme_id!r}; known schemes: {known}")
