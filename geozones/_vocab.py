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

    OK = "ok"
    OUTSIDE_REGION = "outside_region"
    ERROR = "error"


class Confidence(StrEnum):
    """How sure an answer's band or class is."""

    EXACT = "exact"
    ESTIMATE = "estimate"
    NEAR_BAND_EDGE = "near band edge"
    NEAR_RADIUS = "near radius"


class ZoneColumn(StrEnum):
    """The answer columns that name the areas a point lies in."""

    ZONE = "zone"
    LOT = "lot"
    PCN = "pcn"


class RuleKind(StrEnum):
    """What a zone rule file builds (``kind`` in ``zones/rules/<scheme>.toml``)."""

    DISTRICTS = "districts"
    LOTS = "lots"


#: A postcode inside free text (upper-cased): the last one wins (greedy ``^.*``).
TEXT_POSTCODE_RE = re.compile(
    r"^.*\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b", re.DOTALL | re.ASCII
)
