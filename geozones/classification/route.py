"""The route behind an answer by road: the drive from the nearest surgery, and the band edges.

:func:`route_for` answers one query as :meth:`Classifier.classify
<geozones.classification.classifier.Classifier.classify>` does and adds the
road its distance was measured along
(:meth:`NearestFacility.route <geozones.distance.facility.NearestFacility.route>`):
the line from the surgery's snapped position to the address's, its miles and
minutes, and how far the distance lies from the scheme's band edges in words
(:func:`edge_words`). :meth:`RouteAnswer.to_geojson` gives it as a GeoJSON
FeatureCollection in WGS84 for the map, the API and the command line.

Only a point measured by road has a route: a region without a road network
(its distances are straight-line estimates), a point more than 2 km from any
road, one on a road no surgery reaches and a query located only to a postcode
sector or district are input errors saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from geozones._cache import clearable
from geozones._errors import InputError
from geozones._settings import BNG, METRES_PER_MILE, WGS84
from geozones._vocab import SchemeMethod, Status
from geozones.classification.classifier import Answer, Classifier
from geozones.distance.facility import Route
from geozones.schemes.bands import area_caveat
from geozones.schemes.scheme import Scheme

__all__ = ["RouteAnswer", "edge_words", "route_for"]

#: Decimals of the WGS84 degrees given out (about 0.1 m), as the geocoder rounds them.
DEGREE_DECIMALS = 6
#: Below this many miles from an edge (half the 0.01 shown), the words say "under 0.01 miles".
_LEAST_MILES = 0.005


@clearable(maxsize=None)
def _to_wgs84() -> Transformer:
    return Transformer.from_crs(BNG, WGS84, always_xy=True)


def _lonlat(geometry: shapely.Geometry) -> list[list[float]]:
    """The coordinates of a geometry in EPSG:27700 as [longitude, latitude] WGS84 degrees."""
    xy = shapely.get_coordinates(geometry)
    lon, lat = _to_wgs84().transform(xy[:, 0], xy[:, 1])
    out: list[list[float]] = np.round(np.column_stack([lon, lat]), DEGREE_DECIMALS).tolist()
    return out


@dataclass(frozen=True, eq=False)
class RouteAnswer:
    """An answer by road with the route its distance was measured along.

    Attributes
    ----------
    answer : Answer
        The classification of the query (:meth:`Classifier.classify`).
    route : Route
        The road from the surgery's snapped position to the address's, EPSG:27700.
    coordinates : list of [float, float]
        The route's line as [longitude, latitude], WGS84 degrees (for the map).
    surgery : str
        The surgery the route starts from, "name (code)".
    surgery_lonlat : [float, float]
        The surgery's own point, [longitude, latitude] WGS84.
    miles : float
        The route's length, miles (2 decimals): the answer's road distance.
    minutes : float
        Minutes to drive the route, snap gaps timed as in every answer (0.1
        minute); the answer's ``drive_minutes`` is the quickest drive from any
        surgery, which may take other roads.
    edges : tuple of str
        Where the distance lies against the scheme's band edges, in words
        (:func:`edge_words`).

    """

    answer: Answer
    route: Route
    coordinates: list[list[float]]
    surgery: str
    surgery_lonlat: list[float]
    miles: float
    minutes: float
    edges: tuple[str, ...]

    @property
    def edges_text(self) -> str:
        """:attr:`edges` as one sentence, joined by "; "."""
        return "; ".join(self.edges)

    def to_geojson(self) -> dict[str, Any]:
        """The route, the surgery and the address as a GeoJSON FeatureCollection (WGS84).

        Returns
        -------
        dict
            Three features, in this order: the route's LineString (properties
            ``kind`` "route", ``miles``, ``minutes``, ``quickest_minutes``,
            ``surgery``, ``scheme``, ``band`` and ``edges``), the surgery's
            Point (``kind`` "surgery", ``name``) and the address's Point
            (``kind`` "address", ``query``, ``matched``); the answer itself in
            the member ``answer`` (:meth:`Answer.to_dict`).

        """
        answer = self.answer
        route = {
            "kind": "route",
            "miles": self.miles,
            "minutes": self.minutes,
            "quickest_minutes": answer.drive_minutes,
            "surgery": self.surgery,
            "scheme": answer.scheme,
            "band": answer.band,
            "edges": self.edges_text,
        }
        return {
            "type": "FeatureCollection",
            "features": [
                _feature("LineString", self.coordinates, route),
                _feature("Point", self.surgery_lonlat, {"kind": "surgery", "name": self.surgery}),
                _feature(
                    "Point",
                    [answer.lon, answer.lat],
                    {"kind": "address", "query": answer.query, "matched": answer.matched},
                ),
            ],
            "answer": answer.to_dict(),
        }


def _feature(kind: str, coordinates: object, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": kind, "coordinates": coordinates},
        "properties": properties,
    }


def route_for(classifier: Classifier, query: str | tuple[float, float]) -> RouteAnswer:
    """Answer ``query`` and give the road from its nearest surgery that the answer measured.

    Parameters
    ----------
    classifier : Classifier
        The scheme and region to answer under.
    query : str or (float, float)
        What a person typed, or a point (easting, northing) in EPSG:27700 metres.

    Returns
    -------
    RouteAnswer

    Raises
    ------
    InputError
        The query is not located to one point in the region (the answer's
        message says why), the region has no road network, or the point is off
        the network or on a road no surgery reaches.

    """
    answer = classifier.classify(query)
    if answer.status == Status.IMPRECISE:
        raise InputError(
            f"{answer.query!r} is located only to a postcode {answer.precision} "
            f"({answer.matched}): a route needs one point; give a full postcode, an address "
            "or coordinates"
        )
    if answer.status != Status.OK or answer.easting is None or answer.northing is None:
        raise InputError(f"{answer.query!r} has no route: {answer.message}")
    surgeries = classifier.surgeries
    route = surgeries.route((answer.easting, answer.northing))
    return RouteAnswer(
        answer=answer,
        route=route,
        coordinates=_lonlat(route.line),
        surgery=str(answer.nearest_surgery),
        surgery_lonlat=_lonlat(surgeries.practices.geometry.iloc[route.facility])[0],
        miles=round(route.metres / METRES_PER_MILE, 2),
        minutes=round(route.door_minutes, 1),
        edges=edge_words(classifier.scheme, answer, route.metres),
    )


def edge_words(scheme: Scheme, answer: Answer, metres: float) -> tuple[str, ...]:
    """How far a road distance lies from the band edges around it, in words.

    Parameters
    ----------
    scheme : Scheme
        The scheme ``answer`` was given under.
    answer : Answer
        The answer at the point (its ``band``, ``distance_band``, ``message``).
    metres : float
        The road distance from the nearest surgery, metres.

    Returns
    -------
    tuple of str
        Under road-distance bands, where banding applies: how far beyond the
        edge below ("0.85 miles beyond Band 2's edge (6 miles)") and short of
        the next band ("0.37 miles short of Band 2 (3 miles)"), or that the band
        is the farthest. Where the scheme pays an elsewhere rate, and under a
        flat or straight-line radius scheme, one sentence saying that the road
        distance plays no part in the rate.

    """
    if scheme.method == SchemeMethod.FLAT:
        rule = f"{answer.band} is paid wherever the place lies under {scheme.id}"
        return (f"{rule}: the road distance plays no part in its rate",)
    if scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS:
        rule = (
            f"{answer.band} is paid by the straight-line distance from {scheme.id}'s centres "
            f"({answer.distance_miles:.2f} miles)"
        )
        return (f"{rule}: the road distance plays no part in its rate",)
    if answer.band != answer.distance_band:
        alone = f"by distance alone it would be {answer.distance_band}"
        return (
            f"{area_caveat(scheme)}, so the road distance plays no part in the rate here ({alone})",
        )
    bands = scheme.bands
    at = [b.label for b in bands].index(str(answer.distance_band))
    edges = scheme.edges_m  # the lower edge of every band after the first
    words = []
    if at > 0:
        below = edges[at - 1]
        words.append(
            f"{_gap(metres - below)} beyond {bands[at - 1].label}'s edge ({_miles(below)})"
        )
    if at < len(edges):
        above = edges[at]
        words.append(f"{_gap(above - metres)} short of {bands[at + 1].label} ({_miles(above)})")
    else:
        words.append(f"{bands[at].label} is the farthest band: no edge beyond it")
    return tuple(words)


def _miles(metres: float) -> str:
    """A band edge in miles, as the scheme states it ("3 miles", "2.5 miles")."""
    return f"{metres / METRES_PER_MILE:g} miles"


def _gap(metres: float) -> str:
    """Metres between a distance and an edge, as miles ("0.85 miles", "under 0.01 miles")."""
    miles = metres / METRES_PER_MILE
    return "under 0.01 miles" if miles < _LEAST_MILES else f"{miles:.2f} miles"
