"""The words geozones answers in, one enumeration each.

Every value is a ``StrEnum`` member, so it compares equal to, prints as and
serialises to its text (``SchemeMethod.FLAT == "flat"``); code compares
members, never bare strings, and the text lives here only.
"""

from __future__ import annotations

import re
from enum import StrEnum


class SchemeMethod(StrEnum):
    """How a scheme turns a place into a band or class."""

    #: Road distance from the nearest GP surgery, in bands (Norfolk 2019).
    ROAD_DISTANCE_BANDS = "road-distance-bands"
    #: Straight-line radius around named centres, urban within, rural beyond (Herefordshire 2016).
    STRAIGHT_LINE_RADIUS = "straight-line-radius"
    #: One rate wherever the place is (Herefordshire 2017, Hertfordshire).
    FLAT = "flat"


class AreaKind(StrEnum):
    """How a scheme declares the area where its bands apply (``[applies]`` in its file)."""

    #: LAD 2013 districts: a point is in the area when its unit's district is listed.
    DISTRICT = "district"
    #: CCGs of April 2019 (3-character codes): by the CCG of the point's unit (Norfolk 2019).
    CCG = "ccg"
    #: A list of LSOA 2011 codes: by the point's unit.
    LSOA = "lsoa"
    #: A polygon file: by the point itself, inside or on the polygon.
    POLYGON = "polygon"


class DistanceMethod(StrEnum):
    """How the distance behind an answer was measured."""

    #: Along the road network, surgery to home.
    ROAD = "road"
    #: A straight line (the council's own rule, e.g. Herefordshire's four-mile radius).
    STRAIGHT_LINE = "straight line"
    #: Straight-line distance times the circuity measured on other road networks.
    ESTIMATE = "straight-line estimate"


class ZoneDistance(StrEnum):
    """Which distance a zone builder uses (``geozones zones build --distance``)."""

    AUTO = "auto"
    ROAD = "road"
    STRAIGHT_LINE = "straight-line"


class Status(StrEnum):
    """What became of one input row."""

    #: Located and answered.
    OK = "ok"
    #: Located, but outside the region (or the scheme's area): no answer.
    OUTSIDE_REGION = "outside_region"
    #: Located only to a postcode sector or district (a postcode in no dataset, or only
    #: its sector or district given): no one band; the answer is the range of bands over
    #: that sector's or district's live postcodes.
    IMPRECISE = "imprecise"
    #: Not located, or located where no answer can be given (the message says why).
    ERROR = "error"


class Confidence(StrEnum):
    """How sure an answer's band or class is, from how the address was located and measured.

    The members run from surest to least sure; an answer takes the least sure of
    its location's and its measurement's (see
    :func:`geozones.classification.classifier.answer_confidence`).
    """

    #: Located at its own point (a live postcode, typed coordinates, a grid reference
    #: finer than 1 km) and measured by the scheme's own rule.
    EXACT = "exact"
    #: The distance is a straight-line estimate (no road network for the region).
    ESTIMATE = "estimate"
    #: Located at the centre of an area standing for it: a terminated postcode's output
    #: area or LSOA, a place, a grid square of 1 km or more.
    APPROXIMATE = "approximate"
    #: Within the caveat distance of the straight-line radius (the other class is possible).
    NEAR_RADIUS = "near radius"
    #: Near a band edge (the neighbouring band is possible).
    NEAR_BAND_EDGE = "near band edge"
    #: Located only to a postcode sector or district: the answer is a range of bands.
    RANGE = "range"


class Pathway(StrEnum):
    """A package's care pathway (Herefordshire, seed 002)."""

    #: 'O' pathway: ordinary care, priced at the standard rate.
    ORDINARY = "O"
    #: 'D' pathway: complex care, priced at the scheme's D-pathway blend where it has one.
    COMPLEX = "D"


class CareType(StrEnum):
    """What kind of care a package is, for the rates that depend on it."""

    STANDARD = "standard"
    SLEEP_IN = "sleep-in"
    TWENTY_FOUR_HOUR = "24-hour"


class Referral(StrEnum):
    """Where a package's person came from (Norfolk's capacity incentives, seed 003)."""

    ACUTE_HOSPITAL = "acute hospital"
    COMMUNITY_HOSPITAL = "community hospital"
    SHORT_TERM_BLOCK_BED = "short-term block bed"
    BED_BASED_REABLEMENT = "bed-based reablement"
    NFS = "NFS"
    NEAT = "NEAT"
    OUT_OF_HOSPITAL = "out of hospital service"
    #: Any other start of care (from home, a GP...).
    OTHER = "other"


class ZoneColumn(StrEnum):
    """The answer columns that name the areas a point lies in."""

    ZONE = "zone"
    LOT = "lot"
    PCN = "pcn"


class RuleKind(StrEnum):
    """What a zone rule file builds (``kind`` in ``zones/rules/<scheme>.toml``)."""

    DISTRICTS = "districts"
    LOTS = "lots"
    #: Zones from PCN areas (Nottinghamshire's Care Delivery Groups).
    PCN = "pcn"


#: A postcode inside free text (upper-cased): the last one wins (greedy ``^.*``).
TEXT_POSTCODE_RE = re.compile(
    r"^.*\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b", re.DOTALL | re.ASCII
)
