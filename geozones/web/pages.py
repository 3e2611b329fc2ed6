"""The pages: the price-band map (``/``) and the batch upload (``/batch``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Blueprint, current_app, render_template, request, url_for

from geozones._errors import DataError, InputError
from geozones._vocab import ZoneColumn
from geozones.regions.specs import REGIONS
from geozones.schemes.pricing import rates_in_words, rules_in_words
from geozones.schemes.scheme import Scheme
from geozones.web import assets
from geozones.web.mapview import (
    ATTRIBUTION,
    CREDITS,
    ROUTE_COLOUR,
    MapParts,
    legend,
    render_map,
)
from geozones.web.site import Site, site
from geozones.zones.lookup import PlanZones
from geozones.zones.plan import ZonePlan

__all__ = ["bp"]

bp = Blueprint("pages", __name__)

#: Rendered maps kept per process.
MAP_CACHE_SIZE = 32

_maps: OrderedDict[Hashable, MapParts] = OrderedDict()
_maps_lock = threading.Lock()


def _check_assets() -> None:
    """Refuse to serve a page whose scripts would be missing (a DataError naming the fix)."""
    absent = assets.missing()
    if absent:
        raise DataError(
            f"the front-end assets are not installed ({len(absent)} missing from "
            f"{assets.VENDOR_DIR}, e.g. {absent[0]}); run `make assets`"
        )


def _cached_map(key: Hashable, make: Callable[[], MapParts]) -> MapParts:
    """The map rendered for ``key``, made once and kept among the latest :data:`MAP_CACHE_SIZE`."""
    with _maps_lock:
        if key in _maps:
            _maps.move_to_end(key)
            return _maps[key]
    parts = make()
    with _maps_lock:
        _maps[key] = parts
        while len(_maps) > MAP_CACHE_SIZE:
            _maps.popitem(last=False)
    return parts


def _plans(
    gz: Site, region: str, scheme: Scheme | None
) -> tuple[ZonePlan | None, list[tuple[str, ZonePlan]], dict[str, str]]:
    """The region's latest saved plan, the plans shown, and where answers' zones come from.

    The plans shown are the saved plan, then the scheme's zones and lots: those
    its answers take ``zone`` and ``lot`` from. The sources say, for ``zone``
    and ``lot``, how their plan was made, in words for the answer panel.
    """
    shown: list[tuple[str, ZonePlan]] = []
    sources: dict[str, str] = {}
    saved = gz.latest_plan(region)
    if saved is not None:
        modelled = ", modelled" if saved.modelled else ""
        shown.append((f"Zone plan: {saved.name} v{saved.version}{modelled}", saved))
    if scheme is not None:
        zones = gz.classifier(scheme.id).zones
        plans = zones.plans() if isinstance(zones, PlanZones) else {}
        for column, plan in plans.items():
            if column == ZoneColumn.PCN:
                continue
            kind = "Lots" if column == ZoneColumn.LOT else "Zones"
            if plan.version is None:
                sources[column.value] = f"the council's {kind.lower()}, built from its rules"
            else:
                how = "modelled by geozones" if plan.modelled else f"saved by {plan.author}"
                sources[column.value] = f"{plan.name} v{plan.version}, {how}"
            if saved is not None and plan.name == saved.name:
                continue
            version = f" v{plan.version}" if plan.version is not None else " (from rules)"
            shown.append((f"{kind}: {plan.name}{version}", plan))
    return saved, shown, sources


@bp.get("/")
def map_page() -> str:
    """The map of one region and scheme (``?region=...&scheme=...``), or the set-up page."""
    gz = site()
    built = [spec for spec in gz.regions() if gz.built(spec.name)]
    if not built:
        regions = [
            {"name": spec.name, "title": spec.title, "built": gz.built(spec.name)}
            for spec in (gz.regions() or REGIONS.values())
        ]
        return render_template("index.html", regions=regions)
    _check_assets()
    scheme_id = request.args.get("scheme") or None
    scheme = gz.scheme(scheme_id) if scheme_id else None
    name = request.args.get("region") or (scheme.region if scheme else built[0].name)
    region = gz.region(name)
    if scheme is not None and scheme.region != region.name:
        raise InputError(f"scheme {scheme.id} is for {scheme.region}, not {region.name}")
    schemes = gz.schemes(region.name)
    if scheme is None and schemes:
        scheme = schemes[0]
    saved, plans, sources = _plans(gz, region.name, scheme)
    stamp = gz.stamp(region.name)
    tiles = current_app.config["TILES"], current_app.config["TILES_ATTRIBUTION"]
    key = (
        gz,
        region.name,
        stamp,
        scheme.id if scheme else None,
        tuple((title, plan.name, plan.version) for title, plan in plans),
        tiles,
        request.script_root,
    )
    parts = _cached_map(
        key,
        lambda: render_map(
            region,
            stamp,
            gz.layers,
            lambda path: url_for("static", filename=f"vendor/{path}"),
            scheme=scheme,
            plans=plans,
            tiles=tiles[0],
            tiles_attribution=tiles[1],
        ),
    )
    entries = legend(scheme)
    config = {
        "map": parts.name,
        "api": url_for("api.openapi").rsplit("/", 1)[0],
        "scheme": scheme.id if scheme else None,
        "region": region.name,
        "title": region.spec.title,
        "credits": CREDITS,
        "plan": (
            {"id": saved.name, "version": saved.version, "modelled": saved.modelled}
            if saved
            else None
        ),
        "sources": sources,
        "route": ROUTE_COLOUR,
        "tiled": bool(tiles[0]),
        "bands": {e.label: e.colour for e in entries if e.colour and not e.outline},
        "basemap": url_for(
            "tiles.basemap_tile", region=region.name, z=0, x=0, y=0, v=stamp
        ).replace("/0/0/0.json", "/{z}/{x}/{y}.json"),
    }
    return render_template(
        "map.html",
        parts=parts,
        config=config,
        region=region.spec,
        regions=built,
        scheme=scheme,
        schemes=schemes,
        keys=parts.keys,
        saved=saved.name if saved else None,
        rates=[
            {"label": label, "rate": rate, "note": note}
            for label, rate, note in (rates_in_words(scheme) if scheme else [])
        ],
        rules=rules_in_words(scheme) if scheme else [],
        attribution=ATTRIBUTION,
    )


@bp.get("/batch")
def batch_page() -> str:
    """Upload a package list, watch it being classified, download the result and summary."""
    _check_assets()
    gz = site()
    schemes = [s for s in gz.schemes() if gz.built(s.region)]
    return render_template(
        "batch.html",
        schemes=schemes,
        chosen=request.args.get("scheme"),
        max_mb=current_app.config["MAX_UPLOAD_MB"],
        attribution=ATTRIBUTION,
    )
