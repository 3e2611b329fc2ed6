"""Offline geocoding: postcodes, addresses, place names, coordinates and grid references.

Turns what a person typed into a point, from the built data only: the GB
postcode index (OS Code-Point Open with terminated postcodes from the ONS
lookup) and, when a region is given, its populated places (OS Open Names with
gaps filled from GeoNames), its streets (the names of its road centre lines,
OpenStreetMap, when it was built with a road extract: "Market Place, Aylsham")
and its boundary. :meth:`Geocoder.suggest` completes what a person is typing
from the same data (the region's live postcodes, places and streets).

Points are EPSG:27700 metres (``easting``, ``northing``); WGS84 ``lat``/``lon``
are added for the edges (web map, exports). Every answer says how it was found
(``precision``), from which dataset (``source``), what text matched and any
caveat (``warnings``); a failure carries the reason instead of a point.

Only the letters a-z are upper-cased (``str.upper`` would read the long s as S
and the sharp s as SS), a letter outside ASCII next to a postcode keeps it from
being read, and a postcode with C, I, K, M, O or V in its last two letters is
malformed (:data:`UNUSED_UNIT_LETTERS`). For answers that stand for many
postcodes, :meth:`Geocoder.area_postcodes` gives a sector's or district's and
:meth:`Geocoder.place_postcodes` a place's (:data:`PLACE_RADIUS_M`).

Examples
--------
>>> geocoder = Geocoder.for_region("norfolk")  # doctest: +SKIP
>>> geocoder.geocode("nr1 3qu").precision  # doctest: +SKIP
'postcode'
>>> geocoder.geocode_many(["NR13QU", "Little Snoring", "TG 23 08"])  # doctest: +SKIP
>>> geocoder.geocode("Market Place, Aylsham").precision  # doctest: +SKIP
'street'
>>> [s.text for s in geocoder.suggest("Market Place, Ayl")]  # doctest: +SKIP
['Market Place, Aylsham']

"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any, TypedDict, cast, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

from geozones._cache import clearable
from geozones._chunks import in_chunks, progress_bar
from geozones._errors import InputError
from geozones._settings import BNG, WGS84, build_dir
from geozones._vocab import TEXT_POSTCODE_RE
from geozones.geocode.streets import StreetIndex, Towns, prefix_range
from geozones.regions.cache import LAYER_CODE, cached_arrays
from geozones.regions.data import RegionData, load_region
from geozones.regions.postcodes import (
    INDEX_FILE,
    POSTCODE_RE,
    PostcodeIndex,
    district_key,
    format_postcode,
    sector_key,
    sorted_lookup,
)
from geozones.sources.manifest import source_info

#: How a point was found, finest first (the first four are the postcode fallback's steps).
PRECISIONS = (
    "postcode", "terminated", "sector", "district", "street", "place", "coordinates",
    "grid_reference",
)  # fmt: skip
#: ``ok`` located (inside the region when there is one), ``outside_region`` located
#: elsewhere, ``error`` not located (``message`` says why).
STATUSES = ("ok", "outside_region", "error")
#: Columns :meth:`Geocoder.geocode_many` returns, in order.
RESULT_COLUMNS = [
    "lat", "lon", "easting", "northing", "precision", "matched", "status", "message",
    "source", "warnings", "unknown_postcode",
]  # fmt: skip
#: Letters Royal Mail never uses in the last two characters of a postcode (the unit):
#: a postcode with one there is malformed, not an unknown postcode of a known sector.
UNUSED_UNIT_LETTERS = "CIKMOV"
#: Rank of an OS Open Names LOCAL_TYPE when one name fits several places (lower first).
LOCAL_TYPE_RANK = {
    "City": 0, "Town": 1, "Village": 2, "Suburban Area": 3, "Hamlet": 4, "Other Settlement": 5,
}  # fmt: skip
#: How far a place's extent reaches from its point (metres), by OS Open Names LOCAL_TYPE
#: (GeoNames places are typed Town from 10,000 people, else Village). A place's
#: postcodes are the region's live postcodes within this radius that are nearer to it
#: than to any other place of the region's places layer (:meth:`Geocoder.place_postcodes`).
PLACE_RADIUS_M = {
    "City": 5_000.0, "Town": 2_500.0, "Village": 1_000.0, "Suburban Area": 1_000.0,
    "Hamlet": 500.0, "Other Settlement": 500.0,
}  # fmt: skip
#: Radius (metres) of a place whose LOCAL_TYPE is not in :data:`PLACE_RADIUS_M`.
DEFAULT_PLACE_RADIUS_M = 1_000.0
#: How near a place (metres) its streets lie at the least: "STREET, PLACE" is a street of
#: that name within the place's extent (:data:`PLACE_RADIUS_M`), or within this of the
#: point of a place smaller than that.
STREET_MIN_REACH_M = 1_000.0
#: OS Open Names LOCAL_TYPEs of the places a street is suggested with ("Market Place,
#: Aylsham"): the nearest such place to one of its ways, within that place's reach.
STREET_TOWN_TYPES = ("City", "Town", "Village")
#: Suggestions :meth:`Geocoder.suggest` gives by default, the most the web API asks it for,
#: and the fewest characters it completes.
SUGGESTIONS = 8
MAX_SUGGESTIONS = 20
MIN_SUGGEST_CHARS = 2
#: Kinds of suggestion (each a precision its text is located by), in the order they are listed
#: after the exact matches.
SUGGESTION_KINDS = ("postcode", "place", "street")
Bytes = npt.NDArray[np.bytes_]
Ints = npt.NDArray[np.int64]
Objects = npt.NDArray[np.object_]

# Python's white space (what str.split() splits on) in RE2 syntax, for pyarrow.
_WHITESPACE_RE2 = r"[\s\v\pZ\x{1C}-\x{1F}\x{85}]+"
#: Rows per chunk in :meth:`Geocoder.geocode_table`.
CHUNK_ROWS = 50_000

_FLOAT_COLUMNS = ("lat", "lon", "easting", "northing")
# British National Grid extent (metres): what "in or near Great Britain" means here.
_GRID_MAX_E, _GRID_MAX_N = 700_000.0, 1_300_000.0
_LABEL = {
    "postcode": "postcode",
    "terminated": "terminated postcode",
    "sector": "postcode sector",
    "district": "postcode district",
    "street": "street",
    "place": "place",
    "coordinates": "coordinates",
    "grid_reference": "grid reference",
}
_NUMBER = r"([+-]?[0-9]+(?:\.[0-9]+)?)\s*°?\s*([NSEW]?)"
_COORDS_RE = re.compile(rf"^{_NUMBER}(?:\s*[,;]\s*|\s+){_NUMBER}$")
_OUTWARD_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)(?: ([0-9]))?$")
_GRID_RE = re.compile(r"^([A-Z]{2}) ?([0-9]+)(?: ([0-9]+))?$")
# The start of a postcode as typed (area letters, district digit), spaces removed.
_POSTCODE_START_RE = re.compile(r"^[A-Z]{1,2}[0-9]")
_POSTCODE_LIKE_RE = re.compile(r"^(?=.*[0-9])(?=.*[A-Z])[A-Z0-9]{2,4} ?[A-Z0-9]{2,4}$")
# The same shape with a letter outside A-Z (marked "_" by _mark_non_ascii) in it.
_POSTCODE_LIKE_MARKED_RE = re.compile(r"^(?=.*_)(?=.*[0-9])[A-Z0-9_]{2,4} ?[A-Z0-9_]{2,4}$")
# Lower-case ASCII letters to upper case, and nothing else: str.upper() would read the
# long s (U+017F) as S, sharp s as SS and dotless i (U+0131) as I, turning text that is
# not a postcode into one.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
# A letter, digit or mark outside ASCII (RE2 syntax, for pyarrow): marked as "_", a word
# character that is in no postcode, so no postcode is read across it.
_NON_ASCII_WORD_RE2 = r"[^\P{L}A-Za-z]|[^\P{N}0-9]|\p{M}"
_STREET_RE = re.compile(
    r"\b(STREET|ST|ROAD|RD|LANE|LN|CLOSE|AVENUE|AVE|DRIVE|WAY|COURT|CRESCENT|GARDENS|TERRACE|"
    r"WALK|MEWS|GROVE)\.?$"
)
_BASIS = {"oa": "output area", "lsoa": "LSOA"}
# Two distances this close (metres) count as a tie between places.
_TIE_M = 0.5
# Precision of each step of the postcode fallback, then None for not found.
_PRECISION_CODES = (*PRECISIONS[:4], None)


@dataclass(frozen=True)
class PlaceCandidate:
    """One populated place whose name fits the text, EPSG:27700 metres and WGS84.

    ``area`` is the region district the place lies in, else its county.
    """

    name: str
    local_type: str
    area: str
    in_region: bool
    population: int | None
    source: str
    easting: float
    northing: float
    lat: float
    lon: float
    chosen: bool

    def to_dict(self) -> dict[str, Any]:
        """The candidate as a plain dict (JSON-ready)."""
        return asdict(self)


class _PlaceRecord(TypedDict):
    """A region place as :meth:`Geocoder._places` keeps it: a candidate not yet chosen."""

    name: str
    local_type: str
    area: str
    in_region: bool
    population: int | None
    source: str
    easting: float
    northing: float
    lat: float
    lon: float


class _PostcodeFinds(TypedDict):
    """What :meth:`Geocoder._resolve_postcodes` finds, one element per key."""

    easting: npt.NDArray[np.float64]
    northing: npt.NDArray[np.float64]
    code: npt.NDArray[np.int8]
    precision: npt.NDArray[np.object_]
    matched: npt.NDArray[np.object_]
    source: npt.NDArray[np.object_]
    warning: npt.NDArray[np.object_]
    message: npt.NDArray[np.object_]
    inside: npt.NDArray[np.bool_]
    unknown: npt.NDArray[np.object_]


@dataclass(frozen=True)
class GeocodeResult:
    """What one input resolved to.

    Attributes
    ----------
    query : str
        The text as given.
    status : str
        ``ok``, ``outside_region`` (located, but outside the geocoder's region)
        or ``error`` (not located).
    message : str
        One line for a person: how it was located, that it is outside the
        region (naming it), or why it failed ("not a UK postcode: ...",
        "postcode not found: ...", "no place named ...", "empty input",
        "latitude out of range: ...", ...).
    precision : str or None
        One of :data:`PRECISIONS`; None on error.
    easting, northing : float or None
        EPSG:27700 metres (rounded to 0.1 m).
    lat, lon : float or None
        WGS84 degrees (rounded to 6 decimals).
    matched : str or None
        The postcode, sector, district, street and place, place name,
        coordinates or grid reference that was used, in its official form
        (``"NR1 3QU"``, ``"Market Place, Aylsham"``, ``"King's Lynn"``, ``"TG 23 08"``).
    source : str or None
        The dataset that placed the point (e.g. ``"OS Code-Point Open 2025.4.0"``).
    warnings : tuple of str
        Caveats: terminated postcode, sector or district fallback, ambiguous
        place name, coarse grid square...
    candidates : tuple of PlaceCandidate
        For places: every place of that name, ranked, the chosen one marked.
    unknown_postcode : str or None
        A well-formed postcode read from the text that is in neither dataset, so
        that its sector or district placed the point (``"NR21 0ZZ"``); else None.

    """

    query: str
    status: str
    message: str
    precision: str | None = None
    easting: float | None = None
    northing: float | None = None
    lat: float | None = None
    lon: float | None = None
    matched: str | None = None
    source: str | None = None
    warnings: tuple[str, ...] = ()
    candidates: tuple[PlaceCandidate, ...] = ()
    unknown_postcode: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as a plain dict (JSON-ready; warnings and candidates as lists)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["warnings"] = list(self.warnings)
        out["candidates"] = [c.to_dict() for c in self.candidates]
        return out


@dataclass(frozen=True)
class Suggestion:
    """A completion of what a person is typing (:meth:`Geocoder.suggest`).

    Attributes
    ----------
    text : str
        What to search for: geocoded, it is located by ``kind`` (``"NR1 3QU"``,
        ``"Aylsham"``, ``"Market Place, Aylsham"``).
    kind : str
        One of :data:`SUGGESTION_KINDS`: ``postcode``, ``place`` or ``street``.
    detail : str
        What tells it from others of its name: a postcode's district, a place's
        type and district (``"Town, Broadland"``), a street's district.

    """

    text: str
    kind: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """The suggestion as a plain dict (JSON-ready)."""
        return asdict(self)


def _name_words(name: str) -> list[str]:
    """The words of a name as :func:`place_key` folds them (``"Saint"`` as ``"st"``)."""
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’`]", "", text))
    return ["st" if w == "saint" else w for w in words]


def place_key(name: str) -> str:
    """Fold a place or street name for matching: case, accents, punctuation, spaces and St/Saint.

    ``"King's Lynn"`` and ``"kings lynn"`` give ``"kingslynn"``; ``"Saint Albans"``
    and ``"St. Albans"`` give ``"stalbans"``. Only the letters a-z and digits remain.
    """
    return "".join(_name_words(name))


@clearable(maxsize=2)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


@clearable(maxsize=2)
def _load_index(path: Path, stamp: int) -> PostcodeIndex:
    """One loaded index per file version (a rebuild changes ``stamp``)."""
    del stamp
    return PostcodeIndex.load(path)


def _lookup_one(table: npt.NDArray[np.bytes_], key: bytes) -> int:
    """Row of ``key`` in the sorted ``table``, or -1."""
    i = int(np.searchsorted(table, key))
    return i if i < len(table) and table[i] == key else -1


def _to_wgs84(
    e: npt.NDArray[np.floating], n: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """WGS84 (lat, lon) of EPSG:27700 points, rounded to 6 decimals."""
    lon, lat = _transformer(BNG, WGS84).transform(e, n)
    return np.round(lat, 6), np.round(lon, 6)


def _error(query: str, message: str) -> GeocodeResult:
    return GeocodeResult(query=query, status="error", message=message)


def _lone_surrogate(text: str) -> str | None:
    """The first lone surrogate (half of a UTF-16 pair, no character) in ``text``, or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return text[exc.start]
    return None


def _surrogate_message(surrogate: str) -> str:
    """Why text holding the lone surrogate ``surrogate`` is not read."""
    return (
        f"not text: it holds a lone surrogate (U+{ord(surrogate):04X}), half of a UTF-16 "
        "pair and no character; send the text as UTF-8"
    )


def _non_ascii_word(c: str) -> bool:
    """True for a letter, digit or combining mark outside ASCII (as :data:`_NON_ASCII_WORD_RE2`)."""
    return not c.isascii() and unicodedata.category(c)[0] in "LNM"


def _malformed(text: str, upper: str) -> str | None:
    """Why postcode-shaped ``text`` is no postcode, or None when it is not postcode-shaped.

    ``upper`` is the text as :meth:`Geocoder._text` reads it (ASCII upper case,
    other letters marked by :func:`_mark_non_ascii`).
    """
    if _POSTCODE_LIKE_RE.match(upper):
        return f"not a UK postcode: '{text}' (expected a form like NR1 3QU)"
    if _POSTCODE_LIKE_MARKED_RE.match(upper):
        nfc = unicodedata.normalize("NFC", text)
        letters = ", ".join(dict.fromkeys(c for c in nfc if _non_ascii_word(c)))
        return (
            f"not a UK postcode: '{text}' has {letters}, and postcodes use only the "
            "letters A-Z and digits 0-9"
        )
    return None


def _mark_non_ascii(text: str) -> str:
    """``text`` with each non-ASCII letter, digit or mark replaced by ``"_"``.

    ``"_"`` is a word character in no postcode, so a postcode is not read out
    of ``"\u017fW1A 2AA"`` (as W1A 2AA) or ``"\u0131P1 1AA"`` (as P1 1AA).
    """
    if text.isascii():
        return text
    return "".join("_" if _non_ascii_word(c) else c for c in text)


class Geocoder:
    """Geocode text offline against the GB postcode index and, optionally, one region.

    Parameters
    ----------
    index : PostcodeIndex
        The GB postcode index (``<build>/gb_postcodes.npz``).
    region : RegionData, optional
        A built region: its places answer place names, and located points
        outside its boundary get status ``outside_region``. Without a region,
        postcodes, coordinates and grid references still work everywhere in GB.

    """

    def __init__(self, index: PostcodeIndex, region: RegionData | None = None) -> None:
        self.index = index
        self.region = region
        self._boundary: shapely.Geometry | None = None
        if region is not None:
            self._boundary = region.boundary.geometry.iloc[0]
            shapely.prepare(self._boundary)
        codepoint = source_info("codepoint").vintage
        self._live_source = f"OS Code-Point Open {codepoint}"
        self._terminated_source = (
            f"ONS postcode lookup {source_info('postcode_lookup').vintage}; "
            f"OS Code-Point Open {codepoint}"
        )

    @classmethod
    def for_region(cls, name: str | None, build: Path | None = None) -> Geocoder:
        """Load the postcode index and the region ``name`` (None: GB only) from the build folder.

        Raises
        ------
        BuildMissingError
            When the index or the region has not been built.

        """
        path = build_dir(build) / INDEX_FILE
        stamp = path.stat().st_mtime_ns if path.exists() else 0
        index = _load_index(path.resolve(), stamp)
        return cls(index, load_region(name, build) if name is not None else None)

    def __repr__(self) -> str:
        region = self.region.name if self.region is not None else None
        return f"Geocoder({len(self.index)} postcodes, region={region!r})"

    @property
    def region_title(self) -> str | None:
        """Name of the region shown to people, or None."""
        return self.region.spec.title if self.region is not None else None

    # -- single inputs -------------------------------------------------------------------

    def geocode(self, text: object) -> GeocodeResult:
        """Geocode one input: postcode, address, place name, coordinates or grid reference.

        Parameters
        ----------
        text : str
            What a person typed: ``"nr1 3qu"``, ``"Flat 2, 10 Prince of Wales Road,
            Norwich NR1 1BE"``, ``"Little Snoring"``, ``"52.63, 1.30"`` (latitude,
            longitude), ``"623000 308000"`` (easting, northing, EPSG:27700 metres)
            or ``"TG 23 08"``. None and NaN count as empty.

        Returns
        -------
        GeocodeResult
            Never raises for bad input: a failure is ``status="error"`` with the reason.
            Only the letters a-z are upper-cased, so ``"\u017fW1A 2AA"`` (long s) is
            no postcode (``str.upper`` would read it as SW1A 2AA).

        """
        if not isinstance(text, str):
            missing = text is None or (isinstance(text, float) and math.isnan(text))
            text = "" if missing else str(text)
        if (surrogate := _lone_surrogate(text)) is not None:
            return _error(text, _surrogate_message(surrogate))
        key = text.translate(_ASCII_UPPER).replace(" ", "")
        if POSTCODE_RE.fullmatch(key):
            return self._postcode(text, key)
        return self._text(text)

    def _text(self, query: str) -> GeocodeResult:
        """Everything but a bare postcode (the slower path), each reading tried in turn."""
        text = " ".join(query.split())
        upper = _mark_non_ascii(text.translate(_ASCII_UPPER))
        if not upper:
            return _error(query, "empty input")
        compact = upper.replace(" ", "")
        if POSTCODE_RE.fullmatch(compact):
            return self._postcode(query, compact)
        if m := _COORDS_RE.match(upper):
            return self._coordinates(query, m)
        outward = _OUTWARD_RE.match(upper)
        if outward and (found := self._outward(query, outward[1], outward[2])):
            return found
        if m := _GRID_RE.match(upper):
            grid = self._grid_reference(query, m[1], m[2], m[3])
            if grid.status != "error" or not outward:
                return grid
        if m := TEXT_POSTCODE_RE.match(upper):
            return self._postcode(query, m[1] + m[2])
        if (malformed := _malformed(text, upper)) is not None:
            return _error(query, malformed)
        if self.region is not None and (
            found := self._street(query, text) or self._place(query, text)
        ):
            return found
        if outward:
            return _error(
                query,
                f"postcode not found: there is no postcode district {outward[1]}"
                " (give a full postcode such as NR1 3QU)",
            )
        if self.region is None:
            return _error(
                query,
                f"no postcode, coordinates or grid reference in '{text}' "
                "(place names need a region)",
            )
        return _error(
            query,
            f"no place named '{text}' in or near {self.region_title}, "
            "and no postcode, coordinates or grid reference",
        )

    def _located(
        self,
        query: str,
        precision: str,
        xy: tuple[float, float],
        matched: str,
        source: str,
        warnings: tuple[str, ...] = (),
        inside: bool | None = None,
        candidates: tuple[PlaceCandidate, ...] = (),
        unknown_postcode: str | None = None,
    ) -> GeocodeResult:
        """A located result; ``inside`` None means test the point against the boundary."""
        e, n = xy
        lon, lat = _transformer(BNG, WGS84).transform(e, n)
        if inside is None:
            inside = self._boundary is None or bool(shapely.contains_xy(self._boundary, e, n))
        if inside:
            status, message = "ok", f"located by {_LABEL[precision]} {matched}"
        else:
            status, message = "outside_region", f"{matched} is outside {self.region_title}"
        return GeocodeResult(
            query=query,
            status=status,
            message=message,
            precision=precision,
            easting=round(e, 1),
            northing=round(n, 1),
            lat=round(lat, 6),
            lon=round(lon, 6),
            matched=matched,
            source=source,
            warnings=warnings,
            candidates=candidates,
            unknown_postcode=unknown_postcode,
        )

    def _postcode(self, query: str, key: str) -> GeocodeResult:
        """A well-formed postcode key (``"NR13QU"``): the live fast path, else the fallbacks."""
        kb = key.encode()
        i = _lookup_one(self.index.keys, kb)
        if i >= 0:
            postcode = f"{key[:-3]} {key[-3:]}"
            warnings = (_quality_warning(postcode),) if self.index.quality[i] >= 60 else ()
            inside = self._boundary is None or _lookup_one(self._region_keys, kb) >= 0
            xy = (float(self.index.xy[i, 0]), float(self.index.xy[i, 1]))
            source = self._live_source
            return self._located(query, "postcode", xy, postcode, source, warnings, inside)
        f = self._resolve_postcodes(np.array([key]))
        if f["precision"][0] is None:
            return _error(query, f["message"][0])
        return self._located(
            query,
            f["precision"][0],
            (float(f["easting"][0]), float(f["northing"][0])),
            f["matched"][0],
            f["source"][0],
            (f["warning"][0],),
            bool(f["inside"][0]),
            unknown_postcode=f["unknown"][0],
        )

    def _outward(self, query: str, district: str, sector: str | None) -> GeocodeResult | None:
        """An outward code alone (``"NR1"``) or with its sector digit (``"NR1 3"``), or None."""
        if sector is not None:
            i = _lookup_one(self.index.sector_keys, f"{district} {sector}".encode())
            if i >= 0:
                return self._located(
                    query,
                    "sector",
                    tuple(self.index.sector_xy[i].tolist()),
                    f"{district} {sector}",
                    self._live_source,
                    ((f"only the postcode sector {district} {sector} was given; "
                      "placed at the centre of its live postcodes"),),
                )  # fmt: skip
        i = _lookup_one(self.index.district_keys, district.encode())
        if i < 0:
            return None
        warning = (
            f"postcode sector {district} {sector} not found; placed at the centre of "
            f"postcode district {district}"
            if sector is not None
            else f"only the postcode district {district} was given; "
            "placed at the centre of its live postcodes"
        )
        return self._located(
            query,
            "district",
            tuple(self.index.district_xy[i].tolist()),
            district,
            self._live_source,
            (warning,),
        )

    def _coordinates(self, query: str, m: re.Match[str]) -> GeocodeResult:
        """Latitude, longitude (WGS84 degrees) or easting, northing (EPSG:27700 metres)."""
        (a, ha), (b, hb) = (float(m[1]), m[2]), (float(m[3]), m[4])
        if not ha + hb and max(abs(a), abs(b)) >= 1000:
            return self._easting_northing(query, a, b)
        if ha in ("E", "W") or hb in ("N", "S"):
            (a, ha), (b, hb) = (b, hb), (a, ha)
        if ha not in ("", "N", "S") or hb not in ("", "E", "W"):
            return _error(query, f"not valid coordinates: '{query.strip()}' (e.g. 52.63N 1.30E)")
        lat = -abs(a) if ha == "S" else a
        lon = -abs(b) if hb == "W" else b
        if not -90 <= lat <= 90:
            return _error(query, f"latitude out of range: {lat:g} (must be -90 to 90)")
        if not -180 <= lon <= 180:
            return _error(query, f"longitude out of range: {lon:g} (must be -180 to 180)")
        e, n = _transformer(WGS84, BNG).transform(lon, lat)
        if not _in_grid(e, n):
            message = f"not in or near Great Britain: {lat:g}, {lon:g} (latitude, longitude)"
            if -90 <= lon <= 90 and _in_grid(*_transformer(WGS84, BNG).transform(lat, lon)):
                message += f"; did you mean {lon:g}, {lat:g} (latitude first)?"
            return _error(query, message)
        return self._located(query, "coordinates", (e, n), f"{lat:g}, {lon:g}", "typed coordinates")

    def _easting_northing(self, query: str, e: float, n: float) -> GeocodeResult:
        if not 0 <= e <= _GRID_MAX_E:
            return _error(
                query, f"easting out of range: {e:g} (British National Grid: 0 to 700000 m)"
            )
        if not 0 <= n <= _GRID_MAX_N:
            return _error(
                query, f"northing out of range: {n:g} (British National Grid: 0 to 1300000 m)"
            )
        return self._located(query, "coordinates", (e, n), f"{e:g}, {n:g}", "typed coordinates")

    def _grid_reference(
        self, query: str, letters: str, first: str, second: str | None
    ) -> GeocodeResult:
        """An OS grid reference: two letters, then 2 to 10 digits split evenly."""
        if second is None:
            half = len(first) // 2
            first, second = first[:half], first[half:]
        if len(first) != len(second) or not 1 <= len(first) <= 5:
            return _error(
                query,
                f"not a valid grid reference: '{query.strip()}' needs 2 to 10 digits, the same "
                "number for easting and northing (e.g. TG 23 08 or TG 2300 0800)",
            )
        square = _grid_square(letters)
        if square is None:
            return _error(
                query,
                f"not a British National Grid square: '{letters}' (squares run from SV in the "
                "south-west to HP in the north; the letter I is not used)",
            )
        size = 10 ** (5 - len(first))
        e = square[0] + int(first) * size + size / 2
        n = square[1] + int(second) * size + size / 2
        matched = f"{letters} {first} {second}"
        warnings: tuple[str, ...] = ()
        if size >= 1000:
            warnings = ((f"grid reference {matched} names a {size // 1000} km square; "
                         "the point is its centre"),)  # fmt: skip
        return self._located(
            query, "grid_reference", (e, n), matched, "typed grid reference", warnings
        )

    def _place(self, query: str, text: str) -> GeocodeResult | None:
        """The best place named by the whole text or one of its comma-separated parts."""
        records, lookup = self._places
        for part in _place_parts(text):
            rows = lookup.get(place_key(part))
            if not rows:
                continue
            candidates = tuple(
                PlaceCandidate(**records[r], chosen=j == 0) for j, r in enumerate(rows)
            )
            best = candidates[0]
            warnings: tuple[str, ...] = ()
            if len(candidates) > 1:
                others = ", ".join(_place_label(c) for c in candidates[1:])
                warnings = ((f"{len(candidates)} places named '{part}': chose "
                             f"{_place_label(best)}; the others: {others}"),)  # fmt: skip
            return self._located(
                query,
                "place",
                (best.easting, best.northing),
                best.name,
                best.source,
                warnings,
                best.in_region,
                candidates,
            )
        return None

    def _street(self, query: str, text: str) -> GeocodeResult | None:
        """A street of a place: ``"STREET, PLACE"``, or ``"STREET PLACE"`` when one split fits.

        The comma form takes each comma-separated part with the part after it
        (``"Market Place, Aylsham, Norfolk"``), the first pair that fits
        winning; without a comma, the words are split in two every way, and
        only a text that exactly one split fits is a street (``"Market Place
        Aylsham"``). A text that is itself a place's name stays a place. The
        point is the point of the street nearest the place's point (EPSG:27700
        metres; :meth:`StreetIndex.nearest`), not the middle of the street, which
        may run for miles. Returns None for a region without a road extract.
        """
        if place_key(text) in self._places[1] or self._streets is None:
            return None
        parts = [p.strip() for p in text.split(",")]
        if len(parts) > 1:
            found = next(filter(None, map(self._on_street, parts, parts[1:])), None)
        else:
            words = text.split()
            fits = [
                fit
                for k in range(1, len(words))
                if (fit := self._on_street(" ".join(words[:k]), " ".join(words[k:])))
            ]
            found = fits[0] if len(fits) == 1 else None
        if found is None:
            return None
        matched, xy = found
        return self._located(query, "street", xy, matched, self._street_source)

    def _on_street(self, street: str, place: str) -> tuple[str, tuple[float, float]] | None:
        """``"Street, Place"`` and the point of street ``street`` nearest place ``place``, or None.

        The places of that name are tried in rank order: the first within
        whose reach (:meth:`_street_reach_m`) the street lies is taken.
        """
        streets = cast("StreetIndex", self._streets)
        row = streets.street(place_key(street).encode())
        if row < 0:
            return None
        records, lookup = self._places
        reach_m = self._street_reach_m
        for r in lookup.get(place_key(place), []):
            xy = streets.nearest(row, records[r]["easting"], records[r]["northing"], reach_m[r])
            if xy is not None:
                return f"{streets.names[row]}, {records[r]['name']}", xy
        return None

    # -- suggestions as a person types ---------------------------------------------------

    def suggest(self, text: str, limit: int = SUGGESTIONS) -> list[Suggestion]:
        """Completions of ``text``: the region's live postcodes, places and streets.

        Postcodes match by prefix whatever the spaces (``"nr13"`` and ``"NR1 3"``;
        with a space, only the postcodes of that outward code), once a district
        digit is typed; places by a prefix of their name or of one of its words
        onwards (``"walsham"``: North Walsham); streets by a prefix of the
        street's name then its town's (``"Market Pl"``, ``"Market Place, Ayl"``
        or ``"market place ayl"``), names folded as :func:`place_key` folds them.
        Each suggestion's text, geocoded, is located by its kind.

        Parameters
        ----------
        text : str
            What has been typed so far.
        limit : int
            The most suggestions to give.

        Returns
        -------
        list of Suggestion
            At most ``limit``, no text twice; none for text under
            :data:`MIN_SUGGEST_CHARS` characters, with no letter or digit, or
            without a region. Exact
            matches come first, then postcodes (in order), places (a name's start
            before a later word's, then by type and population as for ambiguous
            names), then streets (by their town's type and population, then name).

        """
        typed = " ".join(text.split())
        key = place_key(typed).encode()
        if len(typed) < MIN_SUGGEST_CHARS or not key or self.region is None:
            return []
        sources = (
            self._postcode_suggestions(typed, limit),
            self._place_suggestions(key),
            self._street_suggestions(key),
        )  # in the order of SUGGESTION_KINDS
        found = [f for source in sources for f in _first_unique(source, limit)]
        found.sort(key=lambda f: not f[0])  # stable: exact first, each kind in its order
        return [s for _, s in _first_unique(found, limit)]

    def _postcode_suggestions(self, typed: str, limit: int) -> Iterator[tuple[bool, Suggestion]]:
        """The region's first ``limit`` live postcodes starting with ``typed`` (spaces aside)."""
        upper = typed.translate(_ASCII_UPPER)
        compact = upper.replace(" ", "")
        if not _POSTCODE_START_RE.match(compact):
            return
        keys = self._region_keys
        found = keys[prefix_range(keys, compact.encode())]
        outward, space, _ = upper.partition(" ")
        if space:  # "NR1 3": NR1 3QU but not NR13 3XR
            found = found[np.char.str_len(found) - 3 == len(outward)]
        first: npt.NDArray[np.str_] = found[:limit].astype(str)
        lsoa = self.index.lsoa[self.index.find(first)].astype(str)
        for key, postcode, code in zip(first, format_postcode(first), lsoa, strict=True):
            yield (
                key == compact,
                Suggestion(str(postcode), "postcode", self._lsoa_district.get(code, "")),
            )

    def _place_suggestions(self, key: bytes) -> Iterator[tuple[bool, Suggestion]]:
        """The region's places whose name, or one of its words onwards, starts with ``key``."""
        keys, rows, starts, texts = self._place_prefixes
        run = prefix_range(keys, key)
        rows, starts, texts = rows[run], starts[run], texts[run]
        exact = starts & (keys[run] == key)
        records = self._places[0]
        for i in np.lexsort((rows, ~starts, ~exact)):
            record = records[rows[i]]
            detail = _place_detail(record["local_type"], record["area"])
            yield bool(exact[i]), Suggestion(texts[i], "place", detail)

    def _street_suggestions(self, key: bytes) -> Iterator[tuple[bool, Suggestion]]:
        """The streets of the region's towns whose street-then-town name starts with ``key``."""
        streets = self._streets
        if streets is None:
            return
        run = streets.complete(key)
        street, town = streets.entry_street[run], streets.entry_town[run]
        exact = (streets.keys[street] == key) | (streets.entry_keys[run] == key)
        records = self._places[0]
        for i in np.lexsort((street, town, ~exact)):
            record = records[town[i]]
            text = f"{streets.names[street[i]]}, {record['name']}"
            yield bool(exact[i]), Suggestion(text, "street", record["area"])

    # -- region data, read on first use --------------------------------------------------

    @property
    def _built_region(self) -> RegionData:
        """The region, for the steps that only run with one."""
        if self.region is None:
            raise InputError("this geocoder has no region; load one with Geocoder.for_region")
        return self.region

    @cached_property
    def _region_keys(self) -> npt.NDArray[np.bytes_]:
        """Sorted keys (bytes) of the live postcodes whose LSOA is in the region.

        Cached beside the region (:mod:`geozones.regions.cache`): a lookup then
        reads these keys instead of the whole postcodes layer.
        """
        region = self._built_region

        def make() -> dict[str, npt.ArrayLike]:
            pcs = region.postcodes
            keys = pcs.loc[pcs["in_region"], "postcode"].str.replace(" ", "", regex=False)
            return {"keys": np.sort(keys.to_numpy(dtype="S7"))}

        code = ("geocode/geocoder.py", *LAYER_CODE)
        cached = cached_arrays(region.path, "postcode-keys.npz", make, names=("keys",), code=code)
        return np.array(cached["keys"], dtype="S7")

    @cached_property
    def _place_table(self) -> pd.DataFrame:
        """The region's places ranked for ambiguity: in the region first, then by type, population.

        Columns: the fields of :class:`_PlaceRecord`, ``name2`` (a second name,
        ``""`` when none) and ``type_rank`` (:data:`LOCAL_TYPE_RANK`); index 0..n-1.
        """
        region = self._built_region
        p = region.places
        codes = region.districts
        districts = dict(zip(codes["code"], codes["name"], strict=True))
        e, n = p.geometry.x.to_numpy(), p.geometry.y.to_numpy()
        lat, lon = _to_wgs84(e, n)
        area = p["district"].map(districts).fillna(p["county"]).fillna("")
        table = pd.DataFrame(
            {
                "name": p["name"].to_numpy(dtype=object),
                "name2": p["name2"].fillna("").to_numpy(dtype=object),
                "local_type": p["local_type"].fillna("").to_numpy(dtype=object),
                "area": area.to_numpy(dtype=object),
                "in_region": p["in_region"].to_numpy(dtype=bool),
                "population": p["population"].astype("Int64"),
                "source": p["source"].to_numpy(dtype=object),
                "easting": e,
                "northing": n,
                "lat": lat,
                "lon": lon,
            }
        )
        table["type_rank"] = table["local_type"].map(LOCAL_TYPE_RANK).fillna(len(LOCAL_TYPE_RANK))
        return table.sort_values(
            ["in_region", "type_rank", "population", "name", "source"],
            ascending=[False, True, False, True, False],
            na_position="last",
            kind="stable",
            ignore_index=True,
        )

    @cached_property
    def _places(self) -> tuple[list[_PlaceRecord], dict[str, list[int]]]:
        """The region's places ranked for ambiguity (as records), and folded name -> rows."""
        table = self._place_table
        lookup: dict[str, list[int]] = {}
        for pos, names in enumerate(zip(table["name"], table["name2"], strict=True)):
            for key in {place_key(name) for name in names if name}:
                lookup.setdefault(key, []).append(pos)
        records = table.drop(columns=["name2", "type_rank"]).astype({"population": object})
        records["population"] = records["population"].where(records["population"].notna(), None)
        # the stub keys records by Hashable; these keys are the frame's columns, the place fields
        return cast("list[_PlaceRecord]", records.to_dict("records")), lookup

    @cached_property
    def _place_prefixes(self) -> tuple[Bytes, Ints, npt.NDArray[np.bool_], Objects]:
        """Where each name of the region's own places starts, for completing place names.

        Returns, sorted by the first: the folded name from each word on (a
        place's name and second name, ``"northwalsham"`` and ``"walsham"``), the
        place's row of :attr:`_places`, whether it is the name's start, and the
        name it is of.
        """
        table = self._place_table
        found: list[tuple[str, int, bool, str]] = []
        own = table[table["in_region"]]
        for row, names in zip(own.index, zip(own["name"], own["name2"], strict=True), strict=True):
            for name in dict.fromkeys(str(n) for n in names if n):
                words = _name_words(name)
                found += [("".join(words[i:]), int(row), i == 0, name) for i in range(len(words))]
        frame = pd.DataFrame(found, columns=["key", "row", "start", "name"])
        frame = frame.sort_values("key", kind="stable")
        return (
            frame["key"].to_numpy(dtype=np.bytes_),
            frame["row"].to_numpy(dtype=np.int64),
            frame["start"].to_numpy(dtype=bool),
            frame["name"].to_numpy(dtype=object),
        )

    @cached_property
    def _street_reach_m(self) -> npt.NDArray[np.float64]:
        """How far (metres) from each place of :attr:`_places` its streets reach.

        Its extent's radius (:data:`PLACE_RADIUS_M`), and at least
        :data:`STREET_MIN_REACH_M`.
        """
        radius = self._place_table["local_type"].map(PLACE_RADIUS_M).fillna(DEFAULT_PLACE_RADIUS_M)
        return np.maximum(radius.to_numpy(dtype=np.float64), STREET_MIN_REACH_M)

    @cached_property
    def _streets(self) -> StreetIndex | None:
        """The region's streets by name and by town, or None for a region built without roads.

        Built once per geocoder from the road centre lines (EPSG:27700) and the
        places of :data:`STREET_TOWN_TYPES` (the region's own get suggestions).
        """
        roads = self._built_region.roads
        if roads is None:
            return None
        names = roads["name"].fillna("").to_numpy(dtype=object)
        codes, uniques = pd.factorize(names)
        keys = np.array([place_key(str(u)) for u in uniques], dtype=np.bytes_)[codes]
        table = self._place_table
        town = np.flatnonzero(table["local_type"].isin(STREET_TOWN_TYPES).to_numpy())
        towns = Towns(
            row=town.astype(np.int64),
            key=np.array([place_key(n) for n in table["name"].iloc[town]], dtype=np.bytes_),
            xy=table[["easting", "northing"]].to_numpy(dtype=np.float64)[town],
            reach_m=self._street_reach_m[town],
            listed=table["in_region"].to_numpy(dtype=bool)[town],
        )
        return StreetIndex.build(keys, names, roads.geometry.to_numpy(), towns)

    @cached_property
    def _street_source(self) -> str:
        """The dataset that places street answers: the region's road extract."""
        roads = self._built_region.spec.roads
        return "OpenStreetMap roads" + (f" {source_info(roads).vintage}" if roads else "")

    @cached_property
    def _lsoa_district(self) -> dict[str, str]:
        """The district name of each LSOA of the region (by code)."""
        units = self._built_region.units
        return dict(zip(units["code"], units["district_name"], strict=True))

    # -- the live postcodes a coarse answer stands for -----------------------------------

    def area_postcodes(self, area: str) -> npt.NDArray[np.float64]:
        """The region's live postcodes in a postcode sector or district.

        Parameters
        ----------
        area : str
            A postcode sector (``"NR21 0"``) or district (``"NR99"``), in official form
            (as ``matched`` names it).

        Returns
        -------
        ndarray of float64, shape (k, 2)
            EPSG:27700 metres of the live postcodes of ``area`` in the region
            (by their LSOA), in postcode order.

        """
        outward, _, sector = area.partition(" ")
        prefix = (outward + sector).encode()
        keys = self._region_keys
        found = keys[np.searchsorted(keys, prefix) : np.searchsorted(keys, prefix + b"\xff")]
        found = found[np.char.str_len(found) == len(outward) + 3]
        return self.index.xy[self.index.find(found.astype(str))]

    def place_postcodes(self, easting: float, northing: float) -> npt.NDArray[np.float64]:
        """The region's live postcodes within the extent of the place at a point.

        A place's extent is every live postcode of the region within
        :data:`PLACE_RADIUS_M` of the place's point (by its OS Open Names local
        type; :data:`DEFAULT_PLACE_RADIUS_M` for others) and no nearer to any
        other place of the region's places layer, so a village keeps its own
        postcodes and a neighbouring hamlet's stay with the hamlet.

        Parameters
        ----------
        easting, northing : float
            EPSG:27700 metres of a place of the region's places layer (a place
            result's point; the nearest place is taken).

        Returns
        -------
        ndarray of float64, shape (k, 2)
            EPSG:27700 metres of the place's postcodes.

        """
        place_xy, local_type, postcodes, nearest_m = self._place_extents
        place = int(np.argmin(np.hypot(place_xy[:, 0] - easting, place_xy[:, 1] - northing)))
        radius = PLACE_RADIUS_M.get(str(local_type[place]), DEFAULT_PLACE_RADIUS_M)
        px, py = place_xy[place]
        metres = np.hypot(postcodes[:, 0] - px, postcodes[:, 1] - py)
        # ties (two places at one distance) give the postcode to both
        mine = (metres <= radius) & (metres <= nearest_m + _TIE_M)
        found: npt.NDArray[np.float64] = postcodes[mine]
        return found

    @cached_property
    def _place_extents(
        self,
    ) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.object_], npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ]:  # fmt: skip
        """Places' points and local types; the region's live postcodes and their nearest place.

        Returns place points (EPSG:27700 metres, shape (m, 2)), place local types,
        the region's live postcode points (shape (k, 2)) and each postcode's
        distance to its nearest place (metres).
        """
        places = self._built_region.places
        place_xy = np.column_stack([places.geometry.x, places.geometry.y]).astype(np.float64)
        postcodes = self.index.xy[self.index.find(self._region_keys.astype(str))]
        from scipy.spatial import cKDTree  # only place extents need it; keeps lookups light

        nearest_m, _ = cKDTree(place_xy).query(postcodes)
        local_type = places["local_type"].fillna("").to_numpy(dtype=object)
        return place_xy, local_type, postcodes, np.asarray(nearest_m, dtype=np.float64)

    # -- many inputs ---------------------------------------------------------------------

    def geocode_many(self, values: Iterable[object] | pd.Series) -> pd.DataFrame:
        """Geocode many inputs at once, one output row per input, in order.

        Postcodes (bare, or anywhere in an address) are resolved together with
        array operations; only the rows without one (place names, coordinates,
        grid references, bad input) go through :meth:`geocode`, once per
        distinct text.

        Parameters
        ----------
        values : iterable of str or Series
            The inputs; None and NaN count as empty.

        Returns
        -------
        DataFrame
            Columns :data:`RESULT_COLUMNS`: lat, lon (WGS84 degrees), easting,
            northing (EPSG:27700 metres), precision, matched, status, message,
            source, warnings (joined by ``"; "``) and unknown_postcode. Index:
            the Series' index, else 0..n-1.

        """
        series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        surrogates = np.full(len(series), None, dtype=object)
        try:
            text = series.astype("string[pyarrow]").fillna("")
        except UnicodeEncodeError:  # a lone surrogate, which UTF-8 (and so Arrow) cannot hold
            surrogates[:] = [_lone_surrogate(v) if isinstance(v, str) else None for v in series]
            readable = series.where(pd.isna(surrogates), "")
            text = readable.astype("string[pyarrow]").fillna("")
        n = len(text)
        upper = pc.ascii_upper(pa.array(text.array))
        compact = pc.replace_substring_regex(upper, _WHITESPACE_RE2, "")
        bare = pc.match_substring_regex(compact, POSTCODE_RE.pattern).to_numpy(zero_copy_only=False)
        empty = pc.equal(compact, "").to_numpy(zero_copy_only=False)
        keys = np.where(bare, compact.to_numpy(zero_copy_only=False), "")
        rest = ~bare & ~empty
        spaced = pc.replace_substring_regex(upper.filter(pa.array(rest)), _WHITESPACE_RE2, " ")
        spaced = pc.replace_substring_regex(spaced, _NON_ASCII_WORD_RE2, "_")
        found = pd.Series(pd.arrays.ArrowStringArray(spaced)).str.extract(
            TEXT_POSTCODE_RE.pattern, flags=TEXT_POSTCODE_RE.flags
        )
        in_text = found[0].notna().to_numpy(dtype=bool)
        keys[np.flatnonzero(rest)[in_text]] = (found[0] + found[1]).to_numpy(dtype=object)[in_text]

        cols = {
            **{c: np.full(n, np.nan) for c in _FLOAT_COLUMNS},
            **{c: np.full(n, None, dtype=object) for c in ("precision", "matched", "source")},
            "status": np.full(n, "error", dtype=object),
            "message": np.full(n, "empty input", dtype=object),
            "warnings": np.full(n, "", dtype=object),
            "unknown_postcode": np.full(n, None, dtype=object),
        }
        broken = np.flatnonzero(~pd.isna(surrogates))
        cols["message"][broken] = [_surrogate_message(c) for c in surrogates[broken]]
        postcode_rows = np.flatnonzero(keys != "")
        if len(postcode_rows):
            arrays = self._postcode_columns(keys[postcode_rows].astype(str))
            for c, column in cols.items():
                column[postcode_rows] = arrays[c]
        other_rows = np.flatnonzero(rest & (keys == ""))
        if len(other_rows):
            codes, uniques = pd.factorize(text.iloc[other_rows])
            rows = [_result_row(self._text(t)) for t in uniques]
            frame = pd.DataFrame(rows, columns=RESULT_COLUMNS).astype(
                dict.fromkeys(_FLOAT_COLUMNS, float)
            )
            for c, column in cols.items():
                column[other_rows] = frame[c].to_numpy()[codes]
        return pd.DataFrame(
            {c: pd.Series(cols[c], index=series.index, copy=False) for c in RESULT_COLUMNS}
        )

    def geocode_table(
        self,
        table: pd.DataFrame,
        column: str,
        chunk_rows: int = CHUNK_ROWS,
        progress: bool = False,
    ) -> pd.DataFrame:
        """Geocode one column of a table and return the table with the result columns added.

        Parameters
        ----------
        table : DataFrame
            Any table; every row is kept, in order.
        column : str
            The column holding addresses, postcodes, places or coordinates.
        chunk_rows : int
            Rows geocoded at a time (bounds memory on very long tables).
        progress : bool
            Show a progress bar (tqdm, on standard error).

        Returns
        -------
        DataFrame
            ``table`` plus :data:`RESULT_COLUMNS`, each prefixed ``geocode_`` when
            the table already has a column of one of those names.

        Raises
        ------
        InputError
            When ``column`` is not in the table.

        """
        if column not in table.columns:
            raise InputError(
                f"no column '{column}' in the table; its columns are: "
                + ", ".join(map(str, table.columns))
            )
        with progress_bar(len(table), "geocoding", progress) as done:
            result = in_chunks(table[column], self.geocode_many, chunk_rows, done)
        out = table.copy()
        for c, name in zip(RESULT_COLUMNS, result_columns(table.columns), strict=True):
            out[name] = result[c].to_numpy()
        return out

    def _postcode_columns(
        self, keys: npt.NDArray[np.str_]
    ) -> dict[str, npt.NDArray[np.float64 | np.object_]]:
        """Result columns (:data:`RESULT_COLUMNS`) for well-formed postcode keys, as arrays."""
        f = self._resolve_postcodes(keys)
        located = f["precision"] != None  # noqa: E711 - elementwise on an object array
        label = np.array([*(_LABEL[p] for p in PRECISIONS[:4]), ""], dtype=object)
        ok = "located by " + label[f["code"]] + " " + f["matched"]
        status = np.where(located, "ok", "error").astype(object)
        message = np.where(located, ok, f["message"])
        if self._boundary is not None:
            outside = located & ~f["inside"]
            status[outside] = "outside_region"
            message[outside] = f["matched"][outside] + f" is outside {self.region_title}"
        lat, lon = np.full(len(keys), np.nan), np.full(len(keys), np.nan)
        lat[located], lon[located] = _to_wgs84(f["easting"][located], f["northing"][located])
        return {
            "lat": lat,
            "lon": lon,
            "easting": np.round(f["easting"], 1),
            "northing": np.round(f["northing"], 1),
            "precision": f["precision"],
            "matched": np.where(located, f["matched"], np.array(None, dtype=object)),
            "status": status,
            "message": message,
            "source": f["source"],
            "warnings": f["warning"],
            "unknown_postcode": f["unknown"],
        }

    def _resolve_postcodes(self, keys: npt.NDArray[np.str_]) -> _PostcodeFinds:
        """Locate well-formed postcode keys: live, else terminated, else sector, else district.

        A key with one of :data:`UNUSED_UNIT_LETTERS` in its last two letters is
        malformed: it is not looked up, and its message says why.

        Returns
        -------
        dict of arrays
            One element per key: easting, northing (EPSG:27700 metres, NaN when
            not found), code (index into the precisions tried, 4 when not
            found), precision (None when not found), matched, source, warning
            ('' when none), message (the reason when not found, else ''),
            inside (in the region; True without one), unknown (the postcode
            when its sector or district placed it, else None).

        """
        idx = self.index
        n = len(keys)
        steps = (
            (idx.find, idx.xy),
            (idx.find_terminated, idx.terminated_xy),
            (idx.find_sector, idx.sector_xy),
            (idx.find_district, idx.district_xy),
        )
        code = np.full(n, len(steps), dtype=np.int8)
        row = np.full(n, -1, dtype=np.int64)
        xy = np.full((n, 2), np.nan)
        unused = pc.match_substring_regex(pa.array(keys), f"[{UNUSED_UNIT_LETTERS}][A-Z]?$")
        malformed = unused.to_numpy(zero_copy_only=False)
        todo = np.flatnonzero(~malformed)
        for i, (find, points) in enumerate(steps):
            found = find(keys[todo])
            hit = todo[found >= 0]
            code[hit], row[hit], xy[hit] = i, found[found >= 0], points[found[found >= 0]]
            todo = todo[found < 0]
        live, gone, sector, district, lost = (code == i for i in range(len(steps) + 1))
        matched = format_postcode(keys).astype(object)
        postcode = matched.copy()
        matched[sector] = sector_key(keys[sector])
        matched[district] = district_key(keys[district])
        source = np.where(gone, self._terminated_source, self._live_source).astype(object)
        source[lost] = None
        warning = np.full(n, "", dtype=object)
        poor = np.flatnonzero(live)[idx.quality[row[live]] >= 60]
        warning[poor] = _quality_warning(postcode[poor])
        warning[gone] = self._terminated_warnings(postcode[gone], row[gone])
        for name, fell in (("sector", sector), ("district", district)):
            warning[fell] = (
                "postcode " + postcode[fell] + " not found; placed at the centre of postcode "
                f"{name} " + matched[fell]
            )
        message = np.full(n, "", dtype=object)
        message[lost] = np.where(
            np.char.startswith(keys[lost].astype(str), "BT"),
            "postcode not found: " + postcode[lost] + " is in Northern Ireland, which the "
            "GB postcode index does not cover",
            "postcode not found: " + postcode[lost] + f" is not in {self._live_source} or the "
            "ONS postcode lookup, and neither is its sector or district",
        )
        message[malformed] = [
            f"not a UK postcode: {p} has "
            + " and ".join(sorted(set(p[-2:]) & set(UNUSED_UNIT_LETTERS)))
            + " in its last two letters, where Royal Mail never uses C, I, K, M, O or V"
            for p in postcode[malformed]
        ]
        unknown = np.full(n, None, dtype=object)
        unknown[sector | district] = postcode[sector | district]
        inside = np.ones(n, dtype=bool)
        if self._boundary is not None:
            inside[live] = sorted_lookup(self._region_keys, keys[live].astype("S7")) >= 0
            other = ~live & ~lost
            inside[other] = shapely.contains_xy(self._boundary, xy[other, 0], xy[other, 1])
        return {
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "code": code,
            "precision": np.array(_PRECISION_CODES, dtype=object)[code],
            "matched": matched,
            "source": source,
            "warning": warning,
            "message": message,
            "inside": inside,
            "unknown": unknown,
        }

    def _terminated_warnings(
        self, postcode: npt.NDArray[np.object_], rows: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.object_]:
        """Why and when for terminated postcodes: month of termination and what placed them."""
        month = pd.Series(self.index.terminated_month[rows].astype(str))
        months = pd.to_datetime(month, format="%Y%m", errors="coerce").dt.strftime("in %B %Y")
        when = months.fillna(f"after {source_info('postcode_lookup').vintage}").to_numpy(object)
        basis = np.array([_BASIS[b] for b in ("oa", "lsoa")], dtype=object)
        basis = basis[(self.index.terminated_basis[rows] == b"lsoa").astype(int)]
        # numpy's stubs type text joined to an object array as Any
        warnings: npt.NDArray[np.object_] = (
            "postcode " + postcode + " was terminated " + when
            + "; placed at the centre of the live postcodes of its " + basis
        )  # fmt: skip
        return warnings


def result_columns(existing: Iterable[object]) -> list[str]:
    """Names the result columns take beside ``existing`` ones: prefixed ``geocode_`` on a clash."""
    prefix = "geocode_" if set(RESULT_COLUMNS) & set(existing) else ""
    return [prefix + c for c in RESULT_COLUMNS]


@overload
def _quality_warning(postcode: str) -> str: ...
@overload
def _quality_warning(postcode: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]: ...
def _quality_warning(postcode: str | npt.NDArray[np.object_]) -> str | npt.NDArray[np.object_]:
    """Warning for Code-Point positional quality 60 (str or object array in, same out)."""
    return (
        "OS Code-Point Open places " + postcode
        + " at the mean of its postcode sector (positional quality 60)"
    )  # fmt: skip


def _result_row(r: GeocodeResult) -> list[Any]:
    """A result as the values of :data:`RESULT_COLUMNS`."""
    return [
        r.lat, r.lon, r.easting, r.northing, r.precision, r.matched, r.status, r.message,
        r.source, "; ".join(r.warnings), r.unknown_postcode,
    ]  # fmt: skip


def _in_grid(e: float, n: float) -> bool:
    """True when the EPSG:27700 point lies within the British National Grid's extent."""
    return bool(0 <= e <= _GRID_MAX_E and 0 <= n <= _GRID_MAX_N)


def _grid_square(letters: str) -> tuple[int, int] | None:
    """South-west corner (EPSG:27700 metres) of a 100 km square such as ``"TG"``, or None.

    The first letter picks a 500 km square and the second a 100 km square within
    it, each from a 5 x 5 grid of the letters A-Z without I, read from the top
    left; the false origin is square SV.
    """
    if "I" in letters:
        return None
    first, second = (ord(c) - ord("A") - (c > "I") for c in letters)
    e = ((first - 2) % 5) * 5 + second % 5
    n = (19 - (first // 5) * 5) - second // 5
    if not (0 <= e < _GRID_MAX_E / 100_000 and 0 <= n < _GRID_MAX_N / 100_000):
        return None
    return e * 100_000, n * 100_000


def _place_parts(text: str) -> list[str]:
    """The whole text, then each comma-separated part that is not a street line."""
    parts = [p.strip() for p in text.split(",")] if "," in text else []
    return [text] + [p for p in parts if p and not _STREET_RE.search(p.upper())]


def _place_detail(local_type: str, area: str) -> str:
    """A place's type and district (or county), as shown beside its name: ``"Town, Broadland"``."""
    return ", ".join(w for w in (local_type, area) if w)


def _place_label(c: PlaceCandidate) -> str:
    return f"{c.name} ({_place_detail(c.local_type, c.area)})"


def _first_unique(
    found: Iterable[tuple[bool, Suggestion]], limit: int
) -> list[tuple[bool, Suggestion]]:
    """The first ``limit`` suggestions of ``found`` (with their exact flags), no text twice."""
    out: dict[str, tuple[bool, Suggestion]] = {}
    for exact, suggestion in found:
        if len(out) == limit:
            break
        out.setdefault(suggestion.text, (exact, suggestion))
    return list(out.values())
