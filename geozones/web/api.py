"""The JSON API under ``/api/v1`` (described by :mod:`geozones.web.openapi`).

Answers are those of :class:`geozones.classification.classifier.Classifier`; one-place lookups
are kept in a bounded per-process cache keyed by the region's build, so a
rebuilt region answers afresh. A lookup answered outside its scheme's region
offers the served region where it does lie (``elsewhere``), and
``GET /suggest`` completes what is typed in the search box
(:meth:`~geozones.geocode.geocoder.Geocoder.suggest`).
"""

from __future__ import annotations

import json
import math
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from flask import Blueprint, Response, current_app, jsonify, request, send_file, url_for
from pyproj import Transformer
from werkzeug.exceptions import BadRequest
from werkzeug.utils import secure_filename

from geozones._cache import clearable
from geozones._errors import InputError
from geozones._settings import BNG, WGS84
from geozones._vocab import DistanceMethod, Status
from geozones.classification.classifier import Answer, Classifier
from geozones.classification.explain import Explanation, explain
from geozones.classification.package import PACKAGE_INPUTS, Package, price_package, read_package
from geozones.classification.route import route_for
from geozones.geocode.geocoder import MAX_SUGGESTIONS, SUGGESTIONS, Geocoder
from geozones.regions.data import NETWORK_DIR
from geozones.regions.specs import get_region_spec
from geozones.schemes.bands import area_description
from geozones.schemes.scheme import Scheme, get_scheme
from geozones.web.batch import Upload, classify_upload, csv_bytes, read_upload
from geozones.web.openapi import document
from geozones.web.site import site
from geozones.zones.io import export_plan
from geozones.zones.place import place_queries, propose_scheme, scheme_at
from geozones.zones.store import version_number

__all__ = ["MAX_QUERIES", "MAX_QUERY_CHARS", "bp", "json_request", "scheme_info"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Queries one ``POST /lookup`` may carry.
MAX_QUERIES = 1_000
#: Longest query accepted (characters).
MAX_QUERY_CHARS = 300
#: One-place answers kept per process.
ANSWER_CACHE_SIZE = 50_000

GEOJSON = "application/geo+json"
#: The shape of a ``POST /lookup`` body, as error messages show it.
_BODY = '{"scheme": "...", "queries": ["...", ...]}'


@clearable(maxsize=None)
def _to_bng() -> Transformer:
    return Transformer.from_crs(WGS84, BNG, always_xy=True)


@clearable(maxsize=ANSWER_CACHE_SIZE)
def _cached_answer(
    classifier: Classifier, store_stamp: tuple[int, int], query: str
) -> dict[str, Any]:
    """One answer as JSON-ready values.

    The classifier is one per region build, and ``store_stamp`` changes with
    every plan saved (zone and lot answers come from saved plans), so a cached
    answer is never older than the data behind it.
    """
    del store_stamp
    return _explained(classifier, classifier.classify(query))


def _explained(classifier: Classifier, answer: Answer) -> dict[str, Any]:
    """An answer as JSON-ready values, with ``why`` it is in its band (:func:`explain`)."""
    return {**answer.to_dict(), "why": explain(classifier.scheme, answer).to_dict()}


def _arg(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise BadRequest(f"missing query parameter {name!r}")
    return value


def _number(name: str, low: float, high: float) -> float:
    raw = _arg(name)
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number of degrees; got {raw!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise InputError(f"{name} must be between {low:g} and {high:g} degrees; got {raw!r}")
    return value


def _point() -> tuple[float, float]:
    """The ``lat`` and ``lon`` query parameters, checked."""
    return _number("lat", -90, 90), _number("lon", -180, 180)


def _query_text(query: object, where: str) -> str:
    if not isinstance(query, str):
        raise InputError(f"{where} must be text (an address, postcode, place or 'lat, lon')")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"{where} is longer than {MAX_QUERY_CHARS} characters")
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{where} holds a lone surrogate (U+{ord(query[exc.start]):04X}) at character "
            f"{exc.start + 1}: half of a UTF-16 pair, no character; send the text as UTF-8"
        ) from None
    return query.strip()


def _typed(query: str) -> str:
    """The ``q`` of ``GET /suggest``: checked as by :func:`_query_text`, and free of controls."""
    text = _query_text(query, "q")
    control = next((c for c in text if unicodedata.category(c) == "Cc" and not c.isspace()), None)
    if control is not None:
        raise InputError(
            f"q holds the control character U+{ord(control):04X} at character "
            f"{text.index(control) + 1}; send only the text typed in the search box"
        )
    return text


def _limit() -> int:
    """The ``limit`` of ``GET /suggest``: 1 to :data:`MAX_SUGGESTIONS`."""
    raw = request.args.get("limit", str(SUGGESTIONS))
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_SUGGESTIONS):
        raise InputError(f"limit must be a whole number from 1 to {MAX_SUGGESTIONS}; got {raw!r}")
    return int(raw)


@clearable(maxsize=16)
def _region_geocoder(name: str, build: Path, stamp: int) -> Geocoder:
    """One geocoder per region build (``stamp``), so that its suggestion index is made once."""
    del stamp
    return Geocoder.for_region(name, build)


def json_request(shape: str) -> object:
    """The request body read as JSON; a body that is not JSON is a 400 saying why.

    ``shape`` is what the endpoint takes, as the messages show it (e.g. ``{"queries": [...]}``).
    """
    try:
        return json.loads(request.get_data())
    except RecursionError:
        raise BadRequest(f"the JSON body is nested too deeply to read; send {shape}") from None
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the body is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at {exc.start}); "
            f"send JSON in UTF-8: {shape}"
        ) from None
    except ValueError:
        raise BadRequest(f"the body must be JSON: {shape}") from None


def _version() -> int | None:
    raw = request.args.get("version")
    return None if raw is None else version_number(raw, "version")


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document."""
    return jsonify(document(MAX_QUERIES, current_app.config["MAX_UPLOAD_MB"]))


@bp.get("/lookup")
def lookup() -> Response:
    """Classify one address, postcode, place, grid reference or point.

    Without ``scheme``, the scheme in force in the served region where the
    point lies answers (:func:`~geozones.zones.lookup.scheme_at`); an answer
    outside the scheme's region offers the one it lies in (:func:`_offer_elsewhere`).
    """
    gz = site()
    has_point = "lat" in request.args or "lon" in request.args
    if "q" in request.args and has_point:
        raise BadRequest("give q, or lat and lon, not both")
    if has_point:
        lat, lon = _point()
        query = f"{lat!r}, {lon!r}"
    elif request.args.get("q", "").strip():
        query = _query_text(request.args["q"], "q")
    else:
        raise BadRequest(
            "give q (an address, postcode, place, grid reference or 'lat, lon'), or lat and lon"
        )
    package = _package({i.name: request.args.get(i.name) for i in PACKAGE_INPUTS}, "")
    scheme = _scheme_for(query)
    [answer] = _offer_elsewhere([_cached_answer(gz.classifier(scheme.id), gz.store_stamp(), query)])
    return jsonify(_with_price(answer, scheme, package))


def _offer_elsewhere(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answers, each with ``elsewhere``: where one located outside its scheme's region lies.

    An answer of status ``outside_region`` whose point (EPSG:27700) lies in
    another served, built region with a default scheme gets that region and
    scheme (region, region_title, scheme, scheme_title), found as
    :func:`~geozones.zones.place.place_queries` finds them, and its message
    ends with the offer; every other answer gets None.
    """
    gz = site()
    out = [{**answer, "elsewhere": None} for answer in answers]
    outside = [
        i
        for i, answer in enumerate(answers)
        if answer["status"] == Status.OUTSIDE_REGION and answer["easting"] is not None
    ]
    if not outside:
        return out
    # "easting northing" text, which the geocoder reads as EPSG:27700 coordinates
    points = [f"{answers[i]['easting']} {answers[i]['northing']}" for i in outside]
    placed = place_queries(points, gz.build, [spec.name for spec in gz.regions()])
    for i, region, scheme_id in zip(outside, placed.region, placed.scheme, strict=True):
        if scheme_id is None or region == get_scheme(answers[i]["scheme"]).region:
            continue
        there = get_scheme(str(scheme_id))
        title = get_region_spec(str(region)).title
        out[i]["elsewhere"] = {
            "region": there.region,
            "region_title": title,
            "scheme": there.id,
            "scheme_title": there.title,
        }
        out[i]["message"] = (
            f"{answers[i]['message']}; it lies in {title}: look it up under {title}'s scheme, "
            f"{there.title} ({there.id})"
        )
    return out


def _scheme_for(query: str) -> Scheme:
    """The ``scheme`` parameter's scheme, else the one in force where ``query`` lies."""
    gz = site()
    if request.args.get("scheme", "").strip():
        return gz.scheme(_arg("scheme"))
    served = [spec.name for spec in gz.regions()]
    return scheme_at(query, gz.build, served, "give scheme=")


@bp.get("/route")
def route() -> Response:
    """The road from the nearest GP surgery to one place, as GeoJSON (EPSG:4326).

    The route its road distance was measured along, with its miles, minutes
    and band edges in words (:func:`~geozones.classification.route.route_for`);
    ``scheme`` is optional, as for ``GET /lookup``.
    """
    query = _query_text(_arg("q"), "q")
    classifier = site().classifier(_scheme_for(query).id)
    routed = route_for(classifier, query)
    found = routed.to_geojson()
    # shaped as every lookup's answer
    [found["answer"]] = _offer_elsewhere([_explained(classifier, routed.answer)])
    return Response(json.dumps(found), mimetype=GEOJSON)


def _package(values: dict[str, object], where: str) -> Package:
    """The package inputs of a request; a value that cannot be used is a 422 naming it."""
    given = {name: value for name, value in values.items() if value is not None}
    for name, value in given.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InputError(f"{where}{name} must be text or a number; got {value!r}")
    package, problems = read_package(given, {name: where + name for name in given})
    if problems:
        raise InputError("; ".join(problems))
    return package


def _with_price(answer: dict[str, Any], scheme: Scheme, package: Package) -> dict[str, Any]:
    """``answer`` with ``package`` (its price, :class:`PackagePrice`) when inputs were given."""
    if not package.given:
        return answer
    return {**answer, "package": price_package(scheme, answer["band"], package).to_dict()}


def _answers(classifier: Classifier, queries: list[str]) -> list[dict[str, Any]]:
    """Answers to many queries at once, shaped as :meth:`Answer.to_dict`."""
    frame = classifier.classify_many(queries)
    return [
        _explained(classifier, Answer.from_row(query, row))
        for query, row in zip(queries, frame.to_dict("records"), strict=True)
    ]


@bp.post("/lookup")
def lookup_many() -> Response:
    """Classify up to :data:`MAX_QUERIES` queries."""
    body = json_request(_BODY)
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be JSON: {_BODY}")
    if not isinstance(body.get("queries"), list):
        raise BadRequest('the body needs "queries" (a list of text), and may name a "scheme"')
    if "scheme" in body and not isinstance(body["scheme"], str):
        raise BadRequest('"scheme" must be text, e.g. "norfolk-2019"')
    queries = body["queries"]
    if len(queries) > MAX_QUERIES:
        raise InputError(
            f"at most {MAX_QUERIES:,} queries per request; got {len(queries):,}. Split them, "
            "or upload them as a file to POST /api/v1/batch"
        )
    texts = [_query_text(q, f"queries[{i}]") for i, q in enumerate(queries)]
    raw_package = body.get("package", {})
    if not isinstance(raw_package, dict):
        raise BadRequest(
            '"package" must be an object of package inputs, e.g. {"visit_minutes": 30}'
        )
    known = [i.name for i in PACKAGE_INPUTS]
    unknown = sorted(set(raw_package) - set(known))
    if unknown:
        raise InputError(f"package.{unknown[0]} is not a package input; known: {', '.join(known)}")
    package = _package(raw_package, "package.")
    gz = site()
    if body.get("scheme", "").strip():
        schemes = np.full(len(texts), gz.scheme(body["scheme"]).id, dtype=object)
        placed = None
    else:
        served = [spec.name for spec in gz.regions()]
        placed = place_queries(texts, gz.build, served, 'give "scheme"')
        schemes = placed.scheme
    answers: list[dict[str, Any]] = [{} for _ in texts]
    for scheme_id in dict.fromkeys(s for s in schemes if s is not None):
        rows = np.flatnonzero(schemes == scheme_id)
        classifier = gz.classifier(str(scheme_id))
        for i, answer in zip(rows, _answers(classifier, [texts[i] for i in rows]), strict=True):
            answers[i] = _with_price(answer, classifier.scheme, package)
    if placed is not None:
        for i in np.flatnonzero(schemes == None):  # noqa: E711 - elementwise on an object array
            unplaced = Answer(texts[i], None, placed.status[i], str(placed.message[i]))
            answers[i] = {**unplaced.to_dict(), "why": Explanation((), None).to_dict()}
    used = sorted({str(s) for s in schemes if s is not None})
    one = used[0] if len(used) == 1 and all(s is not None for s in schemes) else None
    answers = _offer_elsewhere(answers)
    return jsonify(scheme=one, schemes=used, count=len(answers), answers=answers)


@bp.get("/suggest")
def suggest() -> Response:
    """Completions of what is typed in the search box: a region's postcodes, places and streets.

    Each suggestion's text, looked up, is located by its kind
    (:meth:`~geozones.geocode.geocoder.Geocoder.suggest`); under two characters, none.
    """
    if "q" not in request.args:
        raise BadRequest("missing query parameter 'q' (the text typed so far)")
    text = _typed(request.args["q"])
    limit = _limit()
    gz = site()
    region = gz.region(_arg("region"))
    geocoder = _region_geocoder(region.name, gz.build, gz.stamp(region.name))
    found = geocoder.suggest(text, limit)
    return jsonify(query=text, region=region.name, suggestions=[s.to_dict() for s in found])


@bp.get("/regions")
def regions() -> Response:
    """The regions served, with their districts, schemes and bounds."""
    gz = site()
    out = []
    for spec in gz.regions():
        built = gz.built(spec.name)
        bounds = method = None
        if built:
            region = gz.region(spec.name)
            west, south, east, north = region.boundary.to_crs(WGS84).total_bounds
            bounds = [[round(south, 5), round(west, 5)], [round(north, 5), round(east, 5)]]
            method = (
                DistanceMethod.ROAD
                if (region.path / NETWORK_DIR).exists()
                else DistanceMethod.ESTIMATE
            )
        out.append(
            {
                "name": spec.name,
                "title": spec.title,
                "built": built,
                "districts": [{"code": c, "name": n} for c, n in spec.districts.items()],
                "schemes": [s.id for s in gz.schemes(spec.name)],
                "distance_method": method,
                "bounds": bounds,
            }
        )
    return jsonify(regions=out)


def scheme_info(scheme: Scheme) -> dict[str, Any]:
    """A scheme as JSON-ready values (rates as text in pounds)."""
    return {
        "id": scheme.id,
        "title": scheme.title,
        "council": scheme.council,
        "region": scheme.region,
        "year": scheme.year,
        "effective": scheme.effective.isoformat() if scheme.effective else None,
        "method": scheme.method,
        "demonstration": scheme.demonstration,
        "default_rate": scheme.default_rate,
        "elsewhere_rate": scheme.elsewhere_rate,
        "area": _area_info(scheme),
        "viability": None if scheme.viability is None else asdict(scheme.viability),
        "bands": [
            {
                "id": b.id,
                "label": b.label,
                "rate": str(b.rate),
                "colour": b.colour,
                "from_miles": None if b.from_miles is None else float(b.from_miles),
            }
            for b in scheme.bands
        ],
        "rates": [{"id": r.id, "label": r.label, "rate": str(r.rate)} for r in scheme.rates],
        "caveats": list(scheme.caveats),
        "source": {
            "seed": scheme.source.seed,
            "title": scheme.source.title,
            "section": scheme.source.section,
        },
    }


def _area_info(scheme: Scheme) -> dict[str, Any] | None:
    """Where a banded scheme's bands apply, as JSON-ready values (None for a flat scheme)."""
    area = scheme.area
    if area is None:
        return None
    return {
        "kind": area.kind,
        "name": area.name,
        "description": area_description(scheme),
        "whole_region": area.whole_region,
        "codes": list(area.codes),
        "vintage": area.vintage,
        "polygon_file": None if area.polygon_file is None else area.polygon_file.name,
    }


@bp.get("/schemes")
def schemes() -> Response:
    """The schemes of the regions served (of one region with ``region``)."""
    return jsonify(schemes=[scheme_info(s) for s in site().schemes(request.args.get("region"))])


@bp.get("/plans")
def plans() -> Response:
    """Saved zone plans of the regions served, latest version each."""
    table = site().plans(request.args.get("region"))
    rows = [
        {
            "id": int(str(row.id)),
            "name": row.name,
            "region": row.region,
            "unit_layer": row.unit_layer,
            "version": int(str(row.version)),
            "versions": int(str(row.versions)),
            "author": row.author,
            "updated": row.updated,
        }
        for row in table.itertuples()
    ]
    return jsonify(plans=rows)


@bp.get("/plans/<plan>")
def plan(plan: str) -> Response:
    """A plan's zones as GeoJSON in EPSG:4326 (the ``geozones zones export`` GeoJSON)."""
    zone_plan = site().plan(plan, _version())
    with tempfile.TemporaryDirectory() as tmp:
        path = export_plan(zone_plan, Path(tmp) / "plan.geojson")
        body = path.read_bytes()
    return Response(body, mimetype=GEOJSON)


@bp.get("/plans/<plan>/zone")
def plan_zone(plan: str) -> Response:
    """The zone of a plan at ``lat``, ``lon``: the zone of the unit there."""
    lat, lon = _point()
    zone_plan = site().plan(plan, _version())
    layer = zone_plan.units
    easting, northing = _to_bng().transform(lon, lat)
    position = int(layer.index.positions([[easting, northing]])[0])
    unit = str(layer.codes[position]) if position >= 0 else None
    return jsonify(
        plan=zone_plan.name,
        version=zone_plan.version,
        zone=None if unit is None else zone_plan.assignment.get(unit),
        unit=unit,
        unit_name=None if unit is None else str(layer.frame.at[unit, "name"]),
    )


@bp.get("/gp-practices")
def gp_practices() -> Response:
    """GP practices of a region and its buffer as GeoJSON points (EPSG:4326)."""
    gz = site()
    name = _arg("region")
    layer = gz.layers.practices(gz.region(name), gz.stamp(name))
    return Response(json.dumps(layer), mimetype=GEOJSON)


def _uploaded_table(check: Callable[[], None] = lambda: None) -> Upload:
    """The table uploaded as the multipart field ``file`` (``check`` runs before it is read)."""
    file = request.files.get("file")
    if file is None or not file.filename:
        raise BadRequest("send the table as the multipart/form-data field 'file' (.csv or .xlsx)")
    check()
    return read_upload(file.read(), file.filename, request.form.get("column") or None)


def _upload() -> tuple[Upload, Scheme, Classifier]:
    """The uploaded table, its scheme and classifier, from a multipart form."""
    scheme_id = request.form.get("scheme", "").strip()

    def named() -> None:
        if not scheme_id:
            raise BadRequest("missing form field 'scheme' (e.g. norfolk-2019)")

    upload = _uploaded_table(named)
    classifier = site().classifier(scheme_id)
    return upload, classifier.scheme, classifier


@bp.post("/batch/scheme")
def propose() -> Response:
    """The scheme of the served region where most rows of an uploaded table lie."""
    gz = site()
    upload = _uploaded_table()
    served = [spec.name for spec in gz.regions()]
    proposal = propose_scheme(upload.table[upload.column].tolist(), gz.build, served)
    return jsonify(
        scheme=proposal.scheme,
        region=proposal.region,
        rows=proposal.rows,
        counts=[{"region": region, "rows": rows} for region, rows in proposal.counts],
        message=proposal.message,
    )


def _download_name(upload_name: str, scheme: Scheme) -> str:
    stem = secure_filename(Path(upload_name).stem) or "upload"
    return f"{stem}-{scheme.id}.csv"


@bp.post("/batch")
def batch() -> Response:
    """Classify an uploaded table and send it back as CSV."""
    upload, scheme, classifier = _upload()
    out, _ = classify_upload(upload, classifier)
    return Response(
        csv_bytes(out),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{_download_name(upload.name, scheme)}"'
        },
    )


def _job_urls(status: dict[str, Any]) -> dict[str, Any]:
    job = status["id"]
    return {
        **status,
        "status_url": url_for("api.job", job=job),
        "result_url": url_for("api.job_result", job=job),
        "summary_url": url_for("api.job_summary", job=job),
    }


@bp.post("/batch/jobs")
def start_job() -> tuple[Response, int]:
    """Start a background job classifying an uploaded table."""
    upload, scheme, classifier = _upload()
    status = site().jobs.start(upload, scheme, classifier)
    return jsonify(_job_urls(status)), 202


@bp.get("/batch/jobs/<job>")
def job(job: str) -> Response:
    """A job's state and progress."""
    return jsonify(_job_urls(site().jobs.status(job)))


def _job_file(job: str, name: str, suffix: str) -> Response:
    status = site().jobs.status(job)
    path = site().jobs.file(job, name)
    stem = secure_filename(Path(status["file"]).stem) or "upload"
    return send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{stem}-{status['scheme']}{suffix}.csv",
    )


@bp.get("/batch/jobs/<job>/result")
def job_result(job: str) -> Response:
    """A finished job's classified table."""
    return _job_file(job, "result.csv", "")


@bp.get("/batch/jobs/<job>/summary")
def job_summary(job: str) -> Response:
    """A finished job's summary."""
    return _job_file(job, "summary.csv", "-summary")
