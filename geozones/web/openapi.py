"""The OpenAPI 3.1 document of the JSON API (served at ``/api/v1/openapi.json``).

The tests check it against the app both ways: every ``/api/v1`` route is in it
and every path in it is a route, and responses validate against its schemas.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from geozones._vocab import AreaKind, Confidence, DistanceMethod, SchemeMethod, Status
from geozones.classification.classifier import Answer
from geozones.classification.package import PACKAGE_INPUTS
from geozones.geocode.geocoder import (
    MAX_SUGGESTIONS,
    MIN_SUGGEST_CHARS,
    PRECISIONS,
    SUGGESTION_KINDS,
    SUGGESTIONS,
)
from geozones.web.accounts import ROLES
from geozones.web.basemap import EXTENT, MAX_ZOOM, MIN_ZOOM, PLACE_KINDS, ROAD_CLASSES

__all__ = ["document"]

Schema = dict[str, Any]

_TEXT: Schema = {"type": "string"}
_NULL_TEXT: Schema = {"type": ["string", "null"]}
_NULL_NUMBER: Schema = {"type": ["number", "null"]}
_POUNDS: Schema = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "description": "pounds"}
_NULL_POUNDS: Schema = {"type": ["string", "null"], "pattern": r"^\d+(\.\d+)?$"}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def _json(schema: Schema, description: str, media: str = "application/json") -> Schema:
    return {"description": description, "content": {media: {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Schema]:
    return {str(code): {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _param(
    name: str, where: str, description: str, required: bool = False, **schema: Any
) -> Schema:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": schema or {"type": "string"},
    }


_ERROR_TEXT = {
    400: "The request is malformed or misses a parameter.",
    401: "Nobody is logged in, or the API token is unknown, revoked or its user disabled.",
    403: "The user's role is too low (the detail names the role needed), or a write on a "
    "logged-in session lacks its CSRF token or comes from another site.",
    404: "No such region, scheme, plan, job or URL (or it is not served here).",
    409: "The batch job has not finished yet.",
    413: "The body is over the upload limit (or too many queries).",
    422: "A value cannot be used (the detail says which and what is accepted).",
    503: "A region is served but not built.",
}

#: JSON schema of each type an :class:`~geozones.classification.classifier.Answer` field has.
_ANSWER_TYPES: dict[str, Schema] = {
    "str": _TEXT,
    "str | None": _NULL_TEXT,
    "float | None": _NULL_NUMBER,
    "Decimal | None": {**_NULL_POUNDS, "description": "pounds, e.g. '18.24'"},
    "tuple[str, ...]": {"type": "array", "items": _TEXT},
    "Status": {"enum": [s.value for s in Status]},
    "DistanceMethod | None": {"enum": [*(m.value for m in DistanceMethod), None]},
    "Confidence | None": {"enum": [*(c.value for c in Confidence), None]},
}

#: What the answer fields about how sure an answer is mean (added to their schemas).
_ANSWER_NOTES: dict[str, Schema] = {
    "ruc11": {
        "description": "the ONS Rural-Urban Classification 2011 of the point's LSOA, e.g. "
        "'E1 Rural village and dispersed' (classes D and E are rural)"
    },
    "ruc21": {
        "description": "the ONS Rural-Urban Classification 2021 of the point's LSOA (by LSOA "
        "2021), e.g. 'RSF1 Smaller rural: Further from a major town or city'"
    },
    "scheme": {"description": "the scheme answered under; null when none is in force there"},
    "status": {
        "description": (
            "ok: answered; imprecise: located only to a postcode sector or district (a "
            "postcode in no dataset, or only its sector or district given), so band is the "
            "range of bands over its live postcodes (e.g. 'Band 1-2') and rate is given only "
            "when they share one; outside_region: located outside the scheme's region; "
            "error: not answered (message says why)"
        )
    },
    "precision": {
        "enum": [*PRECISIONS, None],
        "description": "how the query was located (null when it was not)",
    },
    "confidence": {
        "description": (
            "how sure the band is, from how the query was located and measured: exact (a live "
            "postcode, coordinates, a grid reference under 1 km), estimate (straight-line "
            "distance), approximate (a terminated postcode at its output area's centre, a "
            "street's point nearest its place's centre, a place's centre, a grid square of 1 "
            "km or more), near radius, near band edge, "
            "range (a postcode sector or district); null without a band"
        )
    },
    "located_by": {
        "description": "precision in plain words, e.g. 'terminated postcode, at its output "
        "area's centre'"
    },
    "band_shares": {
        "description": "for a place, postcode sector or district: the share of its live "
        "postcodes in each band, e.g. '29 postcodes: Band 1 90%, Band 2 10%'"
    },
    "drive_minutes": {
        "description": (
            "minutes of the quickest drive to the point from any GP surgery (by road, at "
            "free-flow speeds by road class or the road's speed limit; 0.1 minute); where "
            "method is 'straight-line estimate', the estimated distance at an average speed; "
            "null where the nearest surgery's distance is not measured"
        )
    },
    "road_miles": {
        "description": (
            "road distance from the nearest GP surgery, miles: distance_miles itself under a "
            "road-distance scheme (an estimate where method says so); under the other schemes "
            "measured by road where the region has a road network, else null"
        )
    },
}


def _answer_schema() -> Schema:
    """The schema of :meth:`Answer.to_dict`, field by field from the dataclass.

    Raises
    ------
    KeyError
        A field of a type :data:`_ANSWER_TYPES` does not map (extend the mapping).

    """
    return _object(
        {
            **{
                f.name: {**_ANSWER_TYPES[str(f.type)], **_ANSWER_NOTES.get(f.name, {})}
                for f in fields(Answer)
            },
            "package": {
                **_ref("PackagePrice"),
                "description": "the package's price, only when package inputs were given",
            },
            "elsewhere": {
                "oneOf": [_ELSEWHERE, {"type": "null"}],
                "description": "in GET and POST /lookup and GET /route answers: for one "
                "outside_region, the served region where the point does lie and the scheme in "
                "force there (the message ends with the offer); null when it lies in none or "
                "is not outside",
            },
            "why": {
                **_WHY,
                "description": "in GET and POST /lookup and GET /route answers: why the answer "
                "is in its band, in plain sentences, and the distance its rate depends on",
            },
        },
        optional=("package", "elsewhere", "why"),
    )


#: Why an answer is in its band (``why``, :class:`~geozones.classification.explain.Explanation`).
_WHY = _object(
    {
        "sentences": {
            "type": "array",
            "items": _TEXT,
            "description": "the rule, where the place lies, its distance and band edges; "
            "empty for an answer not located",
        },
        "counts": {
            "enum": ["road", "straight line", None],
            "description": "the distance the rate depends on; null where none does (a flat "
            "rate, or an elsewhere rate such as Norfolk's spot rate)",
        },
    }
)


#: Where an answer outside its scheme's region lies instead (``elsewhere``).
_ELSEWHERE = _object(
    {
        "region": {**_TEXT, "description": "e.g. hertfordshire"},
        "region_title": {**_TEXT, "description": "e.g. Hertfordshire"},
        "scheme": {**_TEXT, "description": "its default scheme, e.g. hertfordshire-2022"},
        "scheme_title": _TEXT,
    }
)

#: ``GET /suggest``: what was typed and the completions, best first.
_SUGGESTIONS = _object(
    {
        "query": {**_TEXT, "description": "the text typed, as read"},
        "region": _TEXT,
        "suggestions": {
            "type": "array",
            "maxItems": MAX_SUGGESTIONS,
            "items": _object(
                {
                    "text": {
                        **_TEXT,
                        "description": "what to look up: it is located by its kind, e.g. "
                        "'NR1 3QU', 'Aylsham', 'Market Place, Aylsham'",
                    },
                    "kind": {"enum": list(SUGGESTION_KINDS)},
                    "detail": {
                        **_TEXT,
                        "description": "a postcode's or street's district, a place's type and "
                        "district, e.g. 'Town, Broadland'",
                    },
                }
            ),
        },
    }
)


#: The schema of :meth:`PackagePrice.to_dict`.
_PACKAGE_PRICE = _object(
    {
        "priced_at": _NULL_TEXT,
        "hourly_rate": _NULL_POUNDS,
        "visit_price": _NULL_POUNDS,
        "weekly_cost": _NULL_POUNDS,
        "annual_cost": _NULL_POUNDS,
        "incentive": {
            **_NULL_POUNDS,
            "description": "capacity incentive due; null when none is (rules say why)",
        },
        "rules": {"type": "array", "items": _TEXT},
        "problems": {"type": "array", "items": _TEXT},
    }
)
#: The package inputs as query parameters of ``GET /lookup`` (and fields of ``package``).
_PACKAGE_PARAMS = [_param(i.name, "query", f"package: {i.accepted}") for i in PACKAGE_INPUTS]


_BAND = _object(
    {
        "id": _TEXT,
        "label": _TEXT,
        "rate": _POUNDS,
        "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "from_miles": _NULL_NUMBER,
    }
)

_AREA = _object(
    {
        "kind": {"enum": [k.value for k in AreaKind]},
        "name": {**_NULL_TEXT, "description": "e.g. 'Central Belt'; null for the whole region"},
        "description": {**_TEXT, "description": "the area in words"},
        "whole_region": {"type": "boolean"},
        "codes": {
            "type": "array",
            "items": _TEXT,
            "description": "LAD 2013, CCG (e.g. '06W') or LSOA 2011 codes; none for a polygon",
        },
        "vintage": {**_NULL_TEXT, "description": "the CCG vintage, 'April 2019'"},
        "polygon_file": _NULL_TEXT,
    }
)

_VIABILITY = _object(
    {
        "min_hours": {**_NULL_NUMBER, "description": "hours a week; a lot under it is not viable"},
        "max_hours": {**_NULL_NUMBER, "description": "hours a week; null: no ceiling published"},
        "provider_min_hours": {
            **_NULL_NUMBER,
            "description": "hours a week each provider must deliver",
        },
        "source": _TEXT,
    }
)

_SCHEME = _object(
    {
        "id": _TEXT,
        "title": _TEXT,
        "council": _TEXT,
        "region": _TEXT,
        "year": _TEXT,
        "effective": {"type": ["string", "null"], "format": "date"},
        "method": {"enum": [m.value for m in SchemeMethod]},
        "demonstration": {"type": "boolean"},
        "default_rate": _NULL_TEXT,
        "elsewhere_rate": _NULL_TEXT,
        "area": {
            "oneOf": [_AREA, {"type": "null"}],
            "description": "where the bands apply (null for a flat scheme)",
        },
        "viability": {
            "oneOf": [_VIABILITY, {"type": "null"}],
            "description": "the council's published lot viability (null: none published)",
        },
        "bands": {"type": "array", "items": _BAND},
        "rates": {
            "type": "array",
            "items": _object({"id": _TEXT, "label": _TEXT, "rate": _POUNDS}),
        },
        "caveats": {"type": "array", "items": _TEXT},
        "source": _object({"seed": _TEXT, "title": _TEXT, "section": _NULL_TEXT}),
    }
)

_REGION = _object(
    {
        "name": _TEXT,
        "title": _TEXT,
        "built": {"type": "boolean"},
        "districts": {"type": "array", "items": _object({"code": _TEXT, "name": _TEXT})},
        "schemes": {"type": "array", "items": _TEXT},
        "distance_method": {
            "enum": [DistanceMethod.ROAD.value, DistanceMethod.ESTIMATE.value, None],
            "description": "how road distances are measured (null when not built)",
        },
        "bounds": {
            "type": ["array", "null"],
            "description": "[[south, west], [north, east]] in degrees",
            "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        },
    }
)

_PLAN = _object(
    {
        "id": {"type": "integer"},
        "name": _TEXT,
        "region": _TEXT,
        "unit_layer": {"enum": ["units", "wards"]},
        "version": {"type": "integer"},
        "versions": {"type": "integer"},
        "author": _TEXT,
        "updated": {"type": "string", "format": "date-time"},
    }
)

_FEATURE: Schema = {
    "type": "object",
    "properties": {
        "type": {"const": "Feature"},
        "properties": {"type": ["object", "null"]},
        "geometry": {
            "type": ["object", "null"],
            "properties": {"type": _TEXT, "coordinates": {"type": "array"}},
            "required": ["type", "coordinates"],
        },
    },
    "required": ["type", "properties", "geometry"],
}


def _collection(properties: Schema | None = None, extra: dict[str, Schema] | None = None) -> Schema:
    feature = _FEATURE
    if properties is not None:
        feature = {
            **_FEATURE,
            "properties": {**_FEATURE["properties"], "properties": properties},
        }
    schema: Schema = {
        "type": "object",
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": feature},
            **(extra or {}),
        },
        "required": ["type", "features", *(extra or {})],
    }
    return schema


_PLAN_METADATA = {
    "geozones": {
        "type": "object",
        "properties": {
            "plan": _TEXT,
            "version": {"type": ["integer", "null"]},
            "parent": {"type": ["integer", "null"]},
            "region": _TEXT,
            "unit_layer": _TEXT,
            "zones": {"type": "array", "items": _TEXT},
            "method": _TEXT,
            "author": _TEXT,
            "created": _TEXT,
            "notes": _TEXT,
        },
        "required": ["plan", "version", "region", "unit_layer", "zones"],
    }
}

_PRACTICE = _object(
    {
        "code": _TEXT,
        "name": _TEXT,
        "postcode": _NULL_TEXT,
        "pcn_code": _NULL_TEXT,
        "pcn_name": _NULL_TEXT,
        "in_region": {"type": "boolean"},
    }
)

_JOB = _object(
    {
        "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "state": {"enum": ["running", "done", "failed"]},
        "file": _TEXT,
        "scheme": _TEXT,
        "column": _TEXT,
        "read_as": {
            **_NULL_TEXT,
            "description": "how the file was read, e.g. 'CSV, semicolon-separated, UTF-8 with BOM'",
        },
        "rows": {"type": "integer"},
        "done": {"type": "integer"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "summary_by": {"type": "array", "items": _TEXT},
        "summary": {
            "type": ["array", "null"],
            "description": "rows of the summary: group columns, clients and, with weekly hours, "
            "weekly_hours, annual_hours, rate, weekly_cost and cost (a year; pounds as text)",
            "items": {"type": "object"},
        },
        "summary_note": {**_NULL_TEXT, "description": "rows the summary left out or counted as 0"},
        "summary_error": _NULL_TEXT,
        "error": _NULL_TEXT,
        "created": _TEXT,
        "updated": _TEXT,
        "status_url": _TEXT,
        "result_url": _TEXT,
        "summary_url": _TEXT,
    }
)


def _upload(required: tuple[str, ...]) -> Schema:
    """A multipart upload of a table: ``file``, ``scheme`` and ``column``, ``required`` given."""
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "contentMediaType": "application/octet-stream",
                            "description": "a .csv or .xlsx table with a header row",
                        },
                        "scheme": {**_TEXT, "description": "scheme id, e.g. norfolk-2019"},
                        "column": {
                            **_TEXT,
                            "description": "column to classify (default: found by header or "
                            "content)",
                        },
                    },
                    "required": list(required),
                }
            }
        },
    }


_UPLOAD = _upload(("file", "scheme"))
#: An upload to propose a scheme for: the file (and column); a scheme given is not read.
_PROPOSE_UPLOAD = _upload(("file",))

_PROPOSAL = _object(
    {
        "scheme": {**_NULL_TEXT, "description": "the scheme proposed, e.g. norfolk-2019"},
        "region": {**_NULL_TEXT, "description": "the region most rows lie in"},
        "rows": {"type": "integer"},
        "counts": {
            "type": "array",
            "items": _object({"region": _TEXT, "rows": {"type": "integer"}}),
            "description": "rows per served region holding any, most first",
        },
        "message": {**_TEXT, "description": "e.g. '412 of 500 rows lie in Norfolk: ...'"},
    }
)

#: A [longitude, latitude] pair, WGS84 degrees.
_LONLAT: Schema = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}


def _feature_schema(geometry: str, coordinates: Schema, properties: dict[str, Schema]) -> Schema:
    """A GeoJSON Feature of one geometry type and exactly these properties."""
    return {
        "type": "object",
        "properties": {
            "type": {"const": "Feature"},
            "geometry": _object({"type": {"const": geometry}, "coordinates": coordinates}),
            "properties": _object(properties),
        },
        "required": ["type", "geometry", "properties"],
    }


#: ``GET /route``: the route, the surgery and the address, then the answer itself.
_ROUTE = {
    "type": "object",
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "prefixItems": [
                _feature_schema(
                    "LineString",
                    {"type": "array", "items": _LONLAT, "minItems": 2},
                    {
                        "kind": {"const": "route"},
                        "miles": {"type": "number", "description": "the route's length"},
                        "minutes": {
                            "type": "number",
                            "description": "minutes to drive this route (snap gaps at 15 km/h)",
                        },
                        "quickest_minutes": {
                            **_NULL_NUMBER,
                            "description": "the answer's drive_minutes: the quickest drive from "
                            "any surgery, which may take other roads",
                        },
                        "surgery": {**_TEXT, "description": "the surgery, 'name (code)'"},
                        "scheme": _TEXT,
                        "band": _NULL_TEXT,
                        "edges": {
                            **_TEXT,
                            "description": "the distance against the band edges, e.g. '0.85 "
                            "miles beyond Band 2's edge (6 miles)'; under a flat or radius "
                            "scheme, that the road distance plays no part in the rate",
                        },
                    },
                ),
                _feature_schema("Point", _LONLAT, {"kind": {"const": "surgery"}, "name": _TEXT}),
                _feature_schema(
                    "Point",
                    _LONLAT,
                    {"kind": {"const": "address"}, "query": _TEXT, "matched": _NULL_TEXT},
                ),
            ],
            "items": False,
            "minItems": 3,
        },
        "answer": _ref("Answer"),
    },
    "required": ["type", "features", "answer"],
}

#: A position in tile units (``extent`` across the tile, from its top-left corner, y down).
_TILE_UNITS: Schema = {"type": "integer"}


def _row(*items: Schema) -> Schema:
    """A JSON array of exactly these items, in order."""
    return {"type": "array", "prefixItems": list(items), "items": False, "minItems": len(items)}


#: ``GET /basemap/{region}/{z}/{x}/{y}.json``: one tile (:mod:`geozones.web.basemap`).
_BASEMAP_TILE = _object(
    {
        "extent": {
            "const": EXTENT,
            "description": "tile units across the tile (4 to a pixel of its 256)",
        },
        "roads": {
            "type": "array",
            "description": "[class, name, ref, [x0, y0, x1, y1, ...]] in drawing order, the "
            "least important class first; name and ref are '' when the road has none or the "
            "zoom is too low for it; lines run 8 pixels past the tile's edges",
            "items": _row(
                {"enum": [c.name for c in ROAD_CLASSES]},
                {**_TEXT, "description": "the road's name, e.g. 'Prince of Wales Road'"},
                {**_TEXT, "description": "the road's reference, e.g. 'A147'"},
                {"type": "array", "items": _TILE_UNITS, "minItems": 4},
            ),
        },
        "places": {
            "type": "array",
            "description": "[name, kind, x, y] of the places inside the tile, the most "
            "important first",
            "items": _row(_TEXT, {"enum": list(PLACE_KINDS)}, _TILE_UNITS, _TILE_UNITS),
        },
    }
)
_TILE_PARAMS = [
    _param("region", "path", "region name, e.g. norfolk"),
    _param("z", "path", "zoom", type="integer", minimum=MIN_ZOOM, maximum=MAX_ZOOM),
    _param("x", "path", "column, eastwards from 0 to 2^z - 1", type="integer", minimum=0),
    _param("y", "path", "row, southwards from 0 to 2^z - 1", type="integer", minimum=0),
    _param("v", "query", "the region's build stamp, which only makes a rebuild's URLs new"),
]

_CSV = {"text/csv": {"schema": {"type": "string"}}}
_SCHEME_PARAM = _param(
    "scheme",
    "query",
    "scheme id, e.g. norfolk-2019; without it, the scheme in force in the served region "
    "where the point lies answers (the answer's scheme says which), and a point in no "
    "served region, or in one with no default scheme, is a 422",
)
_REGION_FILTER = _param("region", "query", "only this region (e.g. norfolk)")
_JOB_PARAM = _param("job", "path", "job id", pattern="^[0-9a-f]{32}$", type="string")
_PLAN_PARAM = _param("plan", "path", "plan id (digits) or name")
_VERSION_PARAM = _param("version", "query", "plan version (default the latest)", type="integer")
_LAT = _param("lat", "query", "latitude, WGS84 degrees", type="number", minimum=-90, maximum=90)
_LON = _param("lon", "query", "longitude, WGS84 degrees", type="number", minimum=-180, maximum=180)


#: Who may call the plans API: a logged-in session or an API token.
_SIGNED_IN: list[dict[str, list[str]]] = [{"session": []}, {"bearer": []}]
_PLAN_WRITE_ERRORS = (400, 401, 403, 404, 422, 503)
_PLAN_READ_ERRORS = (401, 403, 404, 422, 503)
_NULL_INTEGER: Schema = {"type": ["integer", "null"]}
_HOURS: Schema = {"type": "number", "description": "hours a week"}
_COLOUR: Schema = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
#: A unit moved between two versions (None: no zone).
_MOVE = _object({"unit": _TEXT, "before": _NULL_TEXT, "after": _NULL_TEXT})
#: ``POST /plans/{plan}/versions`` refused: what was saved since the edit's base version.
_PLAN_CONFLICT = _object(
    {
        "error": {"const": "ConflictError"},
        "detail": {
            **_TEXT,
            "description": "names the latest version and who saved it; nothing was saved",
        },
        "latest_version": {**_NULL_INTEGER, "description": "null: the plan has no version"},
        "theirs": {
            "type": "array",
            "items": _MOVE,
            "description": "the units moved between the base version and the latest: what "
            "the other person changed (empty for a new plan under a taken name)",
        },
        "versions": {
            "type": "array",
            "items": _object(
                {
                    "version": {"type": "integer"},
                    "author": _TEXT,
                    "created": {**_TEXT, "format": "date-time"},
                    "note": _TEXT,
                }
            ),
            "description": "the versions saved after the base, oldest first",
        },
    }
)
_PLAN_INFO: dict[str, Schema] = {
    "name": _TEXT,
    "version": {"type": "integer"},
    "region": _TEXT,
    "unit_layer": {"enum": ["units", "wards"]},
    "method": {**_TEXT, "description": "how the zones were made"},
    "modelled": {
        "type": "boolean",
        "description": "true when a model drew the zones: a proposal, not adopted zones",
    },
    "author": _TEXT,
    "created": {**_TEXT, "format": "date-time"},
    "notes": _TEXT,
}
_DEMAND_INFO = _object(
    {
        "source": {**_TEXT, "description": "where the demand comes from, in words"},
        "modelled": {
            "type": "boolean",
            "description": "true for modelled demand (not a recorded package list)",
        },
    }
)
#: ``scheme``, ``rate``, ``viability`` and ``reference`` of the editor payload and the summary.
_PRICING_INFO: dict[str, Schema] = {
    "scheme": {**_NULL_TEXT, "description": "the region's scheme, e.g. hertfordshire-2022"},
    "rate": {**_NULL_POUNDS, "description": "its single hourly rate, pounds; null if banded"},
    "viability": {
        "oneOf": [_VIABILITY, {"type": "null"}],
        "description": "the council's published lot viability (null: none published)",
    },
    "reference": {
        "type": ["array", "null"],
        "description": "the council's published figures per zone of the zone layer whose "
        "names the plan's zones share (null: none)",
        "items": _object(
            {
                "zone": _TEXT,
                "clients": {"type": "integer"},
                "weekly_hours": _HOURS,
                "annual_hours": {"type": "number"},
                "annual_cost": _POUNDS,
            }
        ),
    },
}
_EDITOR_PAYLOAD = _object(
    {
        "plan": _object(
            {
                **_PLAN_INFO,
                "zones": {
                    "type": "array",
                    "items": _object(
                        {
                            "name": _TEXT,
                            "colour": _COLOUR,
                            "target_hours": {**_NULL_NUMBER, "description": "hours a week"},
                        }
                    ),
                },
            }
        ),
        "demand": _DEMAND_INFO,
        "units": _collection(
            _object(
                {
                    "code": _TEXT,
                    "name": _TEXT,
                    "district": {**_TEXT, "description": "the district's name"},
                    "zone": {**_NULL_TEXT, "description": "null: no zone"},
                    "clients": {"type": "integer"},
                    "weekly_hours": _HOURS,
                    "weekly_cost": {
                        "type": "number",
                        "description": "pounds a week, at each package's own price",
                    },
                }
            )
        ),
        "adjacency": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": _TEXT},
            "description": "unit code -> the codes of its neighbours (within 1 m)",
        },
        **_PRICING_INFO,
    }
)
_OPTIONAL_POUNDS: Schema = {**_NULL_POUNDS, "description": "pounds; null without a price"}
_SUMMARY_ROW = _object(
    {
        "zone": _TEXT,
        "colour": {**_NULL_TEXT, "description": "null for the total"},
        "units": {"type": "integer"},
        "clients": {"type": "integer"},
        "weekly_hours": _HOURS,
        "annual_hours": {"type": "number"},
        "rate": {**_NULL_POUNDS, "description": "pounds an hour; null where rates mix"},
        "weekly_cost": _OPTIONAL_POUNDS,
        "annual_cost": _OPTIONAL_POUNDS,
        "deviation_pct": {**_NULL_NUMBER, "description": "from the mean of the zones, %"},
        "target_hours": {**_NULL_NUMBER, "description": "hours a week; the total: their sum"},
        "target_deviation_pct": {**_NULL_NUMBER, "description": "from the target, %"},
        "polsby_popper": {**_NULL_NUMBER, "description": "compactness, 1 for a circle"},
        "viability": {
            **_TEXT,
            "description": "viable, under minimum, over maximum or no published threshold",
        },
        "provider_min_hours": _NULL_NUMBER,
        "modelled": {"type": "boolean"},
        "council": {
            "oneOf": [
                _object(
                    {
                        "clients": {"type": "integer"},
                        "weekly_hours": _NULL_NUMBER,
                        "annual_hours": _NULL_NUMBER,
                        "annual_cost": _NULL_POUNDS,
                    }
                ),
                {"type": "null"},
            ],
            "description": "the council's published figures of the zone (null: none)",
        },
    }
)
_SUMMARY = _object(
    {
        "plan": _object(_PLAN_INFO),
        "demand": _DEMAND_INFO,
        **_PRICING_INFO,
        "zones": {"type": "array", "items": _SUMMARY_ROW},
        "total": _SUMMARY_ROW,
        "unassigned": _object(
            {"units": {"type": "integer"}, "clients": {"type": "integer"}, "weekly_hours": _HOURS}
        ),
    }
)
_ZONE_FIGURES = _object(
    {
        "units": {"type": "integer"},
        "clients": {"type": "integer"},
        "weekly_hours": _HOURS,
        "weekly_cost": {"type": "number", "description": "pounds a week"},
    }
)
_COMPARISON = _object(
    {
        "plan": _TEXT,
        "a": {"type": "integer"},
        "b": {"type": "integer"},
        "moved": {
            "type": "array",
            "items": _object(
                {"unit": _TEXT, "name": _NULL_TEXT, "before": _NULL_TEXT, "after": _NULL_TEXT}
            ),
            "description": "units whose zone differs, by code; before: in a, after: in b",
        },
        "zones": {
            "type": "array",
            "items": _object(
                {"zone": _TEXT, "a": _ZONE_FIGURES, "b": _ZONE_FIGURES, "delta": _ZONE_FIGURES}
            ),
            "description": "a's zones in order, then those only b has; delta is b - a",
        },
    }
)
_HISTORY = _object(
    {
        "plan": _TEXT,
        "versions": {
            "type": "array",
            "items": _object(
                {
                    "version": {"type": "integer"},
                    "parent": _NULL_INTEGER,
                    "author": _TEXT,
                    "created": {**_TEXT, "format": "date-time"},
                    "method": _TEXT,
                    "notes": _TEXT,
                    "moved": {**_NULL_INTEGER, "description": "units moved from the parent"},
                }
            ),
        },
    }
)
_SAVED = _object({"plan": _TEXT, "version": {"type": "integer"}})
_CREATE_PLAN = _object(
    {
        "name": {
            "type": "string",
            "pattern": r"^[A-Za-z0-9][A-Za-z0-9 ._&()-]{0,99}$",
            "description": "not only digits (digits name a plan by id)",
        },
        "region": {**_TEXT, "description": "a served region, e.g. hertfordshire"},
        "unit_layer": {"enum": ["units", "wards"], "description": "default units (LSOAs)"},
        "copy_of": _object(
            {"plan": _TEXT, "version": {"type": "integer", "minimum": 1}}, optional=("version",)
        ),
        "kind": {
            "enum": ["districts", "pcn"],
            "description": "without copy_of: one zone per district (default) or the PCN areas, "
            "of LSOAs",
        },
        "note": {**_TEXT, "maxLength": 2000},
    },
    optional=("unit_layer", "copy_of", "kind", "note"),
)
_SAVE_VERSION = _object(
    {
        "base_version": {
            "type": "integer",
            "minimum": 1,
            "description": "the version the draft was made from; 409 when it is not the latest",
        },
        "assignment": {
            "type": "object",
            "additionalProperties": _NULL_TEXT,
            "description": "the whole draft: unit code -> zone name; a unit left out or null "
            "has no zone",
        },
        "zones": {
            "type": "array",
            "items": _object(
                {"name": _TEXT, "colour": _COLOUR, "target_hours": _NULL_NUMBER},
                optional=("colour", "target_hours"),
            ),
            "description": "every zone in display order (a colour left out takes the palette's)",
        },
        "note": {**_TEXT, "maxLength": 2000},
    },
    optional=("note",),
)
_BINARY: Schema = {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
_DEMAND_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "contentMediaType": "application/octet-stream",
                        "description": "a .csv or .xlsx package list: an address or postcode "
                        "and weekly hours per package, optionally a pathway",
                    },
                    "pathway": {**_TEXT, "description": "count only this pathway, e.g. O"},
                    "column": {**_TEXT, "description": "the address column (default: found)"},
                },
                "required": ["file"],
            }
        }
    },
}


def _plan_paths() -> dict[str, Schema]:
    """The plans API (:mod:`geozones.web.plans`) but ``POST /plans`` (in ``/plans``)."""
    version = _VERSION_PARAM
    return {
        "/plans/{plan}/editor": {
            "get": {
                "summary": "The zone editor's payload: units, demand, zones, adjacency, pricing",
                "description": "The plan (one version), its units with each one's zone and "
                "demand, their neighbours, the region's scheme and rate, the council's lot "
                "viability and published per-zone figures. Demand: the plan's stored package "
                "list, else the region's modelled demand (marked modelled), else none.",
                "operationId": "planEditor",
                "security": _SIGNED_IN,
                "parameters": [_PLAN_PARAM, version],
                "responses": {
                    "200": _json(_EDITOR_PAYLOAD, "The payload; units in EPSG:4326."),
                    **_errors(*_PLAN_READ_ERRORS),
                },
            }
        },
        "/plans/{plan}/versions": {
            "post": {
                "summary": "Save a draft as the plan's next version (commissioners)",
                "description": "Refused with 409 when base_version is not the latest: the "
                "answer says who saved which version since and which units they moved, so "
                "the edits can be carried onto the latest and saved again. Written to the "
                "audit log with the user as actor.",
                "operationId": "savePlanVersion",
                "security": _SIGNED_IN,
                "parameters": [_PLAN_PARAM],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _SAVE_VERSION}},
                },
                "responses": {
                    "201": _json(_SAVED, "Saved; the new version's number."),
                    "409": _json(_ref("PlanConflict"), "Another version was saved first."),
                    **_errors(*_PLAN_WRITE_ERRORS),
                },
            }
        },
        "/plans/{plan}/history": {
            "get": {
                "summary": "Every version of a plan, oldest first",
                "operationId": "planHistory",
                "security": _SIGNED_IN,
                "parameters": [_PLAN_PARAM],
                "responses": {
                    "200": _json(_HISTORY, "The versions, with the units each moved."),
                    **_errors(*_PLAN_READ_ERRORS),
                },
            }
        },
        "/plans/{plan}/compare": {
            "get": {
                "summary": "Two versions side by side: units moved, per-zone figures and deltas",
                "operationId": "comparePlanVersions",
                "security": _SIGNED_IN,
                "parameters": [
                    _PLAN_PARAM,
                    _param("a", "query", "the earlier version", required=True, type="integer"),
                    _param("b", "query", "the later version", required=True, type="integer"),
                ],
                "responses": {
                    "200": _json(_COMPARISON, "b against a."),
                    **_errors(400, *_PLAN_READ_ERRORS),
                },
            }
        },
        "/plans/{plan}/summary": {
            "get": {
                "summary": "Each zone's clients, hours, cost, targets, viability and the "
                "council's published figures",
                "operationId": "planSummary",
                "security": _SIGNED_IN,
                "parameters": [_PLAN_PARAM, version],
                "responses": {
                    "200": _json(_SUMMARY, "Zones in plan order, then the total."),
                    **_errors(*_PLAN_READ_ERRORS),
                },
            }
        },
        "/plans/{plan}/export": {
            "get": {
                "summary": "The plan as a file, or a printable report",
                "description": "geojson: zones with their figures (EPSG:4326); gpkg: layers "
                "zones (EPSG:27700) and units; shp: a zipped Shapefile (EPSG:27700) with "
                "units.csv and a README.txt naming the fields (10 characters at most: "
                "weekly_hrs, annual_hrs, target_hrs, ...); csv: the unit table; report: an "
                "HTML page to print (A4) with a map of the zones and the per-zone table.",
                "operationId": "exportPlan",
                "security": _SIGNED_IN,
                "parameters": [
                    _PLAN_PARAM,
                    _param(
                        "format",
                        "query",
                        "geojson (default), gpkg, shp, csv or report",
                        enum=["geojson", "gpkg", "shp", "csv", "report"],
                    ),
                    version,
                ],
                "responses": {
                    "200": {
                        "description": "The file (an attachment), or the report page.",
                        "content": {
                            "application/geo+json": {"schema": _collection(extra=_PLAN_METADATA)},
                            "application/geopackage+sqlite3": _BINARY,
                            "application/zip": _BINARY,
                            **_CSV,
                            "text/html": {"schema": _TEXT},
                        },
                    },
                    **_errors(*_PLAN_READ_ERRORS),
                },
            }
        },
        "/plans/{plan}/demand": {
            "put": {
                "summary": "Weigh the plan by a package list (commissioners)",
                "description": "Each package is geocoded, placed in a unit and priced at the "
                "rate answered where it lies; the plan's stored demand is replaced (an audit "
                "row says so). Rows that cannot be placed are counted, not stored.",
                "operationId": "putPlanDemand",
                "security": _SIGNED_IN,
                "parameters": [_PLAN_PARAM],
                "requestBody": _DEMAND_UPLOAD,
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "plan": _TEXT,
                                "source": _TEXT,
                                "modelled": {"const": False},
                                "clients": {"type": "integer"},
                                "weekly_hours": _HOURS,
                                "counts": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer"},
                                    "description": "rows per status (ok counted)",
                                },
                            }
                        ),
                        "Stored; what was counted.",
                    ),
                    **_errors(*_PLAN_WRITE_ERRORS, 413),
                },
            }
        },
    }


#: ``POST /plans/{plan}/solve``: the editor's draft, its targets and locks.
_SOLVE_BODY = _object(
    {
        "mode": {
            "enum": ["balance", "improve"],
            "description": "balance: draw the zones afresh (named as listed); improve: move "
            "the fewest units",
        },
        "assignment": _SAVE_VERSION["properties"]["assignment"],
        "zones": {
            **_SAVE_VERSION["properties"]["zones"],
            "description": "the zones; a zone without target_hours aims at an equal share of "
            "the hours the others' targets leave (the mean when none has one)",
        },
        "locked_units": {
            "type": "object",
            "additionalProperties": _TEXT,
            "description": "unit code -> the zone it must keep",
        },
        "locked_zones": {
            "type": "array",
            "items": _TEXT,
            "description": "zones that keep exactly their units, neither losing nor gaining one",
        },
        "tolerance": {
            "type": "number",
            "exclusiveMinimum": 0,
            "exclusiveMaximum": 1,
            "description": "every zone within this fraction of its target (default 0.02)",
        },
        "scale_targets": {
            "type": "boolean",
            "description": "scale the targets in proportion to add up to the demand's hours "
            "(default false)",
        },
    },
    optional=("locked_units", "locked_zones", "tolerance", "scale_targets"),
)
#: ``GET /plans/solve/{job}``: a solve's state; moves and zones once done.
_SOLVE_JOB = _object(
    {
        "job": {**_TEXT, "pattern": "^[0-9a-f]{32}$"},
        "plan": _TEXT,
        "mode": {"enum": ["balance", "improve"]},
        "state": {"enum": ["running", "done", "failed"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {
            **_TEXT,
            "description": "how far it is; when done, the outcome; when failed, why",
        },
        "met": {
            "type": ["boolean", "null"],
            "description": "whether every zone is within the tolerance of its target; null "
            "until done",
        },
        "moves": {
            "type": "array",
            "items": _object(
                {"unit": _TEXT, "name": _TEXT, "before": _NULL_TEXT, "after": _NULL_TEXT}
            ),
            "description": "the units whose zone the solve changes, proposed (nothing is "
            "saved); before null: the unit had no zone",
        },
        "zones": {
            "type": "array",
            "items": _object(
                {
                    "zone": _TEXT,
                    "weekly_hours": _HOURS,
                    "target_hours": {**_NULL_NUMBER, "description": "null: no targets"},
                    "deviation_pct": {
                        **_NULL_NUMBER,
                        "description": "percent from the zone's target (from the mean "
                        "without targets)",
                    },
                }
            ),
            "description": "every zone after the proposed moves",
        },
    }
)


def _solve_paths() -> dict[str, Schema]:
    """The solver from the editor (:mod:`geozones.web.solve`)."""
    return {
        "/plans/{plan}/solve": {
            "post": {
                "summary": "Balance or improve the editor's draft in the background "
                "(commissioners)",
                "description": "Starts a job on the draft (its assignment, zones, targets, "
                "locked units and zones), weighed by the plan's demand as the editor's payload "
                "is (stored, else modelled); poll GET /plans/solve/{job}. Nothing is saved. "
                "Jobs live in the serving process's memory, for the user who started them.",
                "operationId": "solvePlan",
                "security": _SIGNED_IN,
                "parameters": [_PLAN_PARAM],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _SOLVE_BODY}},
                },
                "responses": {
                    "202": _json(
                        _object({"job": {**_TEXT, "pattern": "^[0-9a-f]{32}$"}}),
                        "Started; the job's id.",
                    ),
                    "409": _json(_ref("Error"), "Too many solves are running."),
                    **_errors(*_PLAN_WRITE_ERRORS),
                },
            }
        },
        "/plans/solve/{job}": {
            "get": {
                "summary": "A solve's state, progress, proposed moves and zones' hours "
                "against their targets",
                "operationId": "solveJob",
                "security": _SIGNED_IN,
                "parameters": [_JOB_PARAM],
                "responses": {
                    "200": _json(_SOLVE_JOB, "The job (moves and zones once done)."),
                    **_errors(401, 403, 404),
                },
            }
        },
    }


def _paths(max_queries: int, max_upload_mb: float) -> dict[str, Schema]:
    limit = f"Uploads up to {max_upload_mb:g} MB (GEOZONES_MAX_UPLOAD_MB)."
    job_ok = _json(_ref("Job"), "The job's state, with the URLs of its status and files.")
    return {
        "/me": {
            "get": {
                "summary": "Who is asking, and the CSRF token their JSON writes need",
                "description": "A session's writes (POST, PUT, PATCH, DELETE) must send "
                "csrf_token in the X-CSRF-Token header; requests with Authorization: Bearer "
                "<token> need none.",
                "operationId": "me",
                "security": [{}, {"session": []}, {"bearer": []}],
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "user": {**_NULL_TEXT, "description": "null for nobody"},
                                "role": {"enum": [*ROLES, None]},
                                "csrf_token": {
                                    **_NULL_TEXT,
                                    "description": "the session's; null for nobody and for "
                                    "Bearer requests",
                                },
                            }
                        ),
                        "The user (null when nobody is logged in).",
                    )
                },
            }
        },
        "/audit": {
            "get": {
                "summary": "The audit log of every plan write, oldest first (admins only)",
                "operationId": "audit",
                "security": [{"session": []}, {"bearer": []}],
                "parameters": [
                    _param("plan", "query", "only this plan (name or id)"),
                    _param("format", "query", "json (default) or csv", enum=["json", "csv"]),
                ],
                "responses": {
                    "200": {
                        "description": "The rows as JSON, or with format=csv a CSV file.",
                        "content": {
                            "application/json": {
                                "schema": _object(
                                    {
                                        "plan": _NULL_TEXT,
                                        "rows": {
                                            "type": "array",
                                            "items": _object(
                                                {
                                                    "when": {**_TEXT, "format": "date-time"},
                                                    "actor": _TEXT,
                                                    "action": {
                                                        **_TEXT,
                                                        "description": "create, save, demand",
                                                    },
                                                    "plan": _TEXT,
                                                    "version": {"type": ["integer", "null"]},
                                                    "base_version": {
                                                        "type": ["integer", "null"],
                                                        "description": "null for a new plan",
                                                    },
                                                    "moved": {"type": "integer"},
                                                    "units": {
                                                        **_TEXT,
                                                        "description": "'E01...: Zone A -> "
                                                        "Zone B; ...'",
                                                    },
                                                    "note": _TEXT,
                                                }
                                            ),
                                        },
                                    }
                                )
                            },
                            **_CSV,
                        },
                    },
                    **_errors(401, 403, 404, 422),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            }
        },
        "/lookup": {
            "get": {
                "summary": "Band, rate, distance, district, PCN and zone of one place",
                "description": "Give q (an address, postcode, place, grid reference or "
                "'lat, lon'), or lat and lon (e.g. a click on the map).",
                "operationId": "lookup",
                "parameters": [
                    _param("q", "query", "address, postcode, place, grid reference or 'lat, lon'"),
                    _LAT,
                    _LON,
                    _SCHEME_PARAM,
                    *_PACKAGE_PARAMS,
                ],
                "responses": {
                    "200": _json(_ref("Answer"), "The answer (its status says if it was found)."),
                    **_errors(400, 404, 422, 503),
                },
            },
            "post": {
                "summary": f"Answers to up to {max_queries:,} queries, in order",
                "operationId": "lookupMany",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _object(
                                {
                                    "scheme": {
                                        **_TEXT,
                                        "description": "scheme id, e.g. norfolk-2019; without "
                                        "it, each query is answered under the scheme in force "
                                        "in the served region where it lies (its answer's "
                                        "scheme says which), and a query in none is answered "
                                        "outside_region or error with a message",
                                    },
                                    "queries": {
                                        "type": "array",
                                        "items": _TEXT,
                                        "maxItems": max_queries,
                                    },
                                    "package": _object(
                                        {
                                            i.name: {"type": ["string", "number"]}
                                            for i in PACKAGE_INPUTS
                                        },
                                        optional=tuple(i.name for i in PACKAGE_INPUTS),
                                    ),
                                },
                                optional=("scheme", "package"),
                            )
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "scheme": {
                                    **_NULL_TEXT,
                                    "description": "the scheme of every answer; null when "
                                    "they differ or none has one",
                                },
                                "schemes": {"type": "array", "items": _TEXT},
                                "count": {"type": "integer"},
                                "answers": {"type": "array", "items": _ref("Answer")},
                            }
                        ),
                        "One answer per query, in order.",
                    ),
                    **_errors(400, 404, 413, 422, 503),
                },
            },
        },
        "/suggest": {
            "get": {
                "summary": "Suggestions as the search box is typed in: postcodes, places, streets",
                "description": "Completions from one region's live postcodes (by prefix, spaces "
                "aside, once a district digit is typed: 'nr13', 'NR1 3'), its places (by the "
                "start of the name or of a later word: 'Ayl', 'walsham') and its streets with "
                "the town they lie in ('Market Pl', 'Market Place, Ayl'); streets only where the "
                "region has a road network. Exact matches first, then postcodes, places and "
                "streets, towns by size. Each suggestion's text, looked up (GET /lookup q=), "
                "is located by its kind. A q with control characters or over the query length "
                "limit is a 422.",
                "operationId": "suggest",
                "parameters": [
                    _param(
                        "q",
                        "query",
                        f"the text typed so far; under {MIN_SUGGEST_CHARS} characters, no "
                        "suggestions",
                        required=True,
                    ),
                    _param("region", "query", "region name, e.g. norfolk", required=True),
                    _param(
                        "limit",
                        "query",
                        f"the most suggestions to give (default {SUGGESTIONS})",
                        type="integer",
                        minimum=1,
                        maximum=MAX_SUGGESTIONS,
                    ),
                ],
                "responses": {
                    "200": _json(_SUGGESTIONS, "The suggestions, best first (none may fit)."),
                    **_errors(400, 404, 422, 503),
                },
            }
        },
        "/route": {
            "get": {
                "summary": "The road from the nearest GP surgery to one place, as GeoJSON",
                "description": "The route an answer by road measured its distance along "
                "(EPSG:4326), from the surgery's road to the address's, with its miles, minutes "
                "and where the distance lies against the scheme's band edges. A place with no "
                "road route (a region without a road network, more than 2 km from any road, on "
                "a road no surgery reaches, or located only to a postcode sector or district) "
                "is a 422 saying which.",
                "operationId": "route",
                "parameters": [
                    _param(
                        "q",
                        "query",
                        "address, postcode, place, grid reference or 'lat, lon'",
                        required=True,
                    ),
                    _SCHEME_PARAM,
                ],
                "responses": {
                    "200": _json(
                        _ROUTE,
                        "Features: the route (LineString), the surgery and the address "
                        "(Points); the answer in member answer.",
                        "application/geo+json",
                    ),
                    **_errors(400, 404, 422, 503),
                },
            }
        },
        "/regions": {
            "get": {
                "summary": "The regions served",
                "operationId": "regions",
                "responses": {
                    "200": _json(
                        _object({"regions": {"type": "array", "items": _ref("Region")}}),
                        "Regions in declaration order.",
                    ),
                },
            }
        },
        "/schemes": {
            "get": {
                "summary": "The pricing schemes of the regions served",
                "operationId": "schemes",
                "parameters": [_REGION_FILTER],
                "responses": {
                    "200": _json(
                        _object({"schemes": {"type": "array", "items": _ref("Scheme")}}),
                        "Schemes with their bands and rates (pounds as text).",
                    ),
                    **_errors(404),
                },
            }
        },
        "/plans": {
            "get": {
                "summary": "Saved zone plans, latest version each",
                "operationId": "plans",
                "parameters": [_REGION_FILTER],
                "responses": {
                    "200": _json(
                        _object({"plans": {"type": "array", "items": _ref("Plan")}}),
                        "Plans sorted by name.",
                    ),
                    **_errors(404),
                },
            },
            "post": {
                "summary": "Create a plan (commissioners): districts, PCN areas or a copy",
                "description": "Saved as version 1 with the user as author; 409 when the name "
                "is taken.",
                "operationId": "createPlan",
                "security": _SIGNED_IN,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _CREATE_PLAN}},
                },
                "responses": {
                    "201": _json(_SAVED, "Created as version 1."),
                    "409": _json(_ref("PlanConflict"), "A plan of that name exists."),
                    **_errors(*_PLAN_WRITE_ERRORS),
                },
            },
        },
        **_plan_paths(),
        **_solve_paths(),
        "/plans/{plan}": {
            "get": {
                "summary": "A plan's zones as GeoJSON (EPSG:4326) with their summary",
                "operationId": "plan",
                "parameters": [_PLAN_PARAM, _VERSION_PARAM],
                "responses": {
                    "200": _json(
                        _collection(extra=_PLAN_METADATA),
                        "Zone polygons; the plan's metadata in member geozones.",
                        "application/geo+json",
                    ),
                    **_errors(404, 422, 503),
                },
            }
        },
        "/plans/{plan}/zone": {
            "get": {
                "summary": "The zone of a plan at a point",
                "operationId": "planZone",
                "parameters": [
                    _PLAN_PARAM,
                    {**_LAT, "required": True},
                    {**_LON, "required": True},
                    _VERSION_PARAM,
                ],
                "responses": {
                    "200": _json(_ref("PlanZone"), "Zone and unit (null outside the units)."),
                    **_errors(400, 404, 422, 503),
                },
            }
        },
        "/gp-practices": {
            "get": {
                "summary": "GP practices of a region (and its buffer) as GeoJSON, EPSG:4326",
                "operationId": "gpPractices",
                "parameters": [_param("region", "query", "region name", required=True)],
                "responses": {
                    "200": _json(
                        _collection(_PRACTICE), "Practices as points.", "application/geo+json"
                    ),
                    **_errors(400, 404, 503),
                },
            }
        },
        "/basemap/{region}/{z}/{x}/{y}.json": {
            "get": {
                "summary": "One tile of the basemap drawn from the region's build: roads, places",
                "description": f"The XYZ tile z/x/y (256 pixels, Web Mercator) at zooms "
                f"{MIN_ZOOM} to {MAX_ZOOM}: the region's roads by class, with the names and "
                "references to label at that zoom, and its populated places (OS Open Names). "
                "A tile beyond the region is empty; a region built without roads has places "
                "only. Kept for a day (Cache-Control) under a weak ETag of the build.",
                "operationId": "basemapTile",
                "parameters": _TILE_PARAMS,
                "responses": {
                    "200": _json(_ref("BasemapTile"), "The tile's roads and places."),
                    "304": {"description": "The tile is the one the browser holds (ETag)."},
                    **_errors(404, 422, 503),
                },
            }
        },
        "/batch": {
            "post": {
                "summary": "Classify every row of a CSV or XLSX upload; the result as CSV",
                "description": f"{limit} Every row comes back, in order, with the answer's "
                "columns added; cells starting with =, +, -, @, tab or carriage return are "
                "prefixed with ' so that spreadsheets do not run them.",
                "operationId": "batch",
                "requestBody": _UPLOAD,
                "responses": {
                    "200": {"description": "The classified table.", "content": _CSV},
                    **_errors(400, 404, 413, 422, 503),
                },
            }
        },
        "/batch/scheme": {
            "post": {
                "summary": "The scheme to propose for an upload: the one where most rows lie",
                "description": f"{limit} The rows are located GB-wide (postcodes, coordinates, "
                "grid references) and counted per served region; the default scheme of the "
                "region holding most of them is proposed (null when none lies in one).",
                "operationId": "proposeScheme",
                "requestBody": _PROPOSE_UPLOAD,
                "responses": {
                    "200": _json(_PROPOSAL, "The scheme proposed and the count behind it."),
                    **_errors(400, 413, 422, 503),
                },
            }
        },
        "/batch/jobs": {
            "post": {
                "summary": "Start classifying an upload in the background",
                "description": f"{limit} Poll the status URL; download the result and the "
                "per-lot summary when the state is done.",
                "operationId": "startJob",
                "requestBody": _UPLOAD,
                "responses": {
                    "202": job_ok,
                    **_errors(400, 404, 413, 422, 503),
                },
            }
        },
        "/batch/jobs/{job}": {
            "get": {
                "summary": "A batch job's progress, counts and summary",
                "operationId": "job",
                "parameters": [_JOB_PARAM],
                "responses": {"200": job_ok, **_errors(404)},
            }
        },
        "/batch/jobs/{job}/result": {
            "get": {
                "summary": "A finished job's classified table (CSV)",
                "operationId": "jobResult",
                "parameters": [_JOB_PARAM],
                "responses": {
                    "200": {"description": "The classified table.", "content": _CSV},
                    **_errors(404, 409),
                },
            }
        },
        "/batch/jobs/{job}/summary": {
            "get": {
                "summary": "A finished job's summary per lot, zone or district and band (CSV)",
                "operationId": "jobSummary",
                "parameters": [_JOB_PARAM],
                "responses": {
                    "200": {"description": "The summary.", "content": _CSV},
                    **_errors(404, 409),
                },
            }
        },
    }


def document(max_queries: int, max_upload_mb: float) -> dict[str, Any]:
    """The OpenAPI 3.1 document, stating the app's query and upload limits."""
    error = _object({"error": _TEXT, "detail": _TEXT})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "geozones API",
            "version": "1.0.0",
            "description": "Price bands, hourly rates, zones, lots and PCNs of home-care "
            "packages for English county councils. Errors are JSON {error, detail}; "
            "a 500 carries no detail (it is logged).",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": _paths(max_queries, max_upload_mb),
        "components": {
            "schemas": {
                "Answer": _answer_schema(),
                "PackagePrice": _PACKAGE_PRICE,
                "Region": _REGION,
                "Scheme": _SCHEME,
                "Plan": _PLAN,
                "PlanZone": _object(
                    {
                        "plan": _TEXT,
                        "version": {"type": "integer"},
                        "zone": _NULL_TEXT,
                        "unit": _NULL_TEXT,
                        "unit_name": _NULL_TEXT,
                    }
                ),
                "Job": _JOB,
                "BasemapTile": _BASEMAP_TILE,
                "PlanConflict": _PLAN_CONFLICT,
                "Error": error,
            },
            "responses": {
                f"E{code}": _json(_ref("Error"), text) for code, text in _ERROR_TEXT.items()
            },
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "a login at /login; writes also send X-CSRF-Token",
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API token an admin issued (geozones users token)",
                },
            },
        },
    }
