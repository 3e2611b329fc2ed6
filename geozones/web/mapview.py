"""The price-band map: a folium (Leaflet) map of one region and scheme.

Overlays, each in the layer control: price-band areas (road-distance-band
schemes), the outline of the area where the scheme's bands apply (Norfolk's
Central Belt, with its own legend entry), zone plans (the region's latest
saved plan and the scheme's zone and lot plans), PCN areas, districts, the
county boundary and GP surgeries (popup: name and PCN). There is no basemap unless a
tile URL is configured; the vector layers give the context. Scripts and style
sheets come from the app's own vendor folder (:mod:`geozones.web.assets`).
The search box, the click-to-identify and the answer panel are the page's own
JavaScript (``static/map.js``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import MacroElement
from jinja2 import Template

from geozones._settings import WGS84
from geozones._vocab import SchemeMethod
from geozones.regions.data import RegionData
from geozones.schemes.bands import area_description
from geozones.schemes.pricing import hourly_rate
from geozones.schemes.scheme import Scheme
from geozones.web.assets import localise
from geozones.web.layers import MapLayers
from geozones.zones.builders import ELSEWHERE_COLOUR
from geozones.zones.plan import DRIVE_COLUMNS, ZonePlan

__all__ = [
    "AREA_COLOUR",
    "ATTRIBUTION",
    "CREDITS",
    "ROUTE_COLOUR",
    "SURGERY_COLOUR",
    "KeyItem",
    "LayerKey",
    "LegendEntry",
    "MapParts",
    "legend",
    "plan_provenance",
    "render_map",
]

#: Colour of the dashed outline of a scheme's declared area (Norfolk's Central Belt).
AREA_COLOUR = "#6a3d9a"
#: Ring of the GP surgeries' dots.
SURGERY_COLOUR = "#08306b"
#: The route from the nearest surgery, and that surgery's ring (``static/map.js`` draws them).
ROUTE_COLOUR = "#d95f02"

#: How every credit links out: in a new tab, so that a tap on a credit does not leave the app.
_NEW_TAB = 'target="_blank" rel="noopener"'

#: Attribution of the data every map shows.
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025; "
    "Royal Mail data © Royal Mail copyright and database right 2025; "
    "ONS and NHS England (ODS) data under the Open Government Licence v3.0; "
    f'roads © <a href="https://www.openstreetmap.org/copyright" {_NEW_TAB}>OpenStreetMap</a> '
    "contributors"
)
#: The attribution in brief: the map's credits button, which opens :data:`ATTRIBUTION`.
CREDITS = "© OS, Royal Mail, ONS, NHS, OpenStreetMap"
#: The credit of the map library itself, before the attribution.
_LEAFLET_CREDIT = f'<a href="https://leafletjs.com" {_NEW_TAB}>Leaflet</a>'
#: folium's viewport, which blocks page zoom; the page declares its own.
_VIEWPORT = re.compile(r"<meta\s+name=[\"']viewport[\"'][^>]*>\s*", re.IGNORECASE)


class _Attribution(MacroElement):
    """Sets the map's attribution (folium has no option for it without tiles) and its prefix."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl
                .setPrefix({{ this.prefix|tojson }})
                .addAttribution({{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str, prefix: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca publishes no types
        self._name = "Attribution"
        self.text = text
        self.prefix = prefix


class _ExposeControl(MacroElement):
    """Hangs the layer control on its map as ``gzLayerControl`` (folium declares it by ``let``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.gzLayerControl = {{ this.control }};
        {% endmacro %}
        """
    )

    def __init__(self, control: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca publishes no types
        self._name = "ExposeControl"
        self.control = control


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a colour (None for a flat rate), label, rate and what it covers.

    ``outline`` marks the entry of an outline drawn on the map (the scheme's
    declared area), which has no rate of its own (``rate`` empty).
    """

    colour: str | None
    label: str
    rate: str
    note: str
    outline: bool = False


def legend(scheme: Scheme | None) -> list[LegendEntry]:
    """The legend of a scheme's bands (or its flat rate), with rates in pounds.

    Where the bands apply in part of the region only, the elsewhere rate and
    the outline of the declared area (e.g. the Central Belt) close the list.
    """
    if scheme is None:
        return []
    if scheme.method == SchemeMethod.FLAT:
        name = scheme.default_rate or scheme.rates[0].id
        item = scheme.priced(name)
        return [LegendEntry(None, item.label, str(hourly_rate(scheme, name)), "everywhere")]
    entries = []
    bands = scheme.bands
    for i, band in enumerate(bands):
        if scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS:
            radius = f"{scheme.centres.radius_miles:g}" if scheme.centres else "?"
            note = f"within {radius} miles of a centre" if i == 0 else "beyond every centre"
        elif i + 1 < len(bands):
            note = f"{band.from_miles:g} to {bands[i + 1].from_miles:g} miles by road"
        else:
            note = f"{band.from_miles:g} miles or more by road"
        entries.append(LegendEntry(band.colour, band.label, str(band.rate), note))
    area = scheme.area
    if scheme.elsewhere_rate is not None and area is not None:
        item = scheme.priced(scheme.elsewhere_rate)
        entries.append(
            LegendEntry(
                ELSEWHERE_COLOUR,
                item.label,
                str(hourly_rate(scheme, scheme.elsewhere_rate)),
                f"outside the {area.name}",
            )
        )
        entries.append(
            LegendEntry(
                AREA_COLOUR,
                area.name or "",
                "",
                f"{area_description(scheme)}: the bands apply inside this outline",
                outline=True,
            )
        )
    return entries


@dataclass(frozen=True)
class KeyItem:
    """One line of a layer's key: a colour drawn as ``kind``, what it is, and a note.

    ``kind`` is how the map draws it: ``fill`` (an area), ``line``, ``dashed``,
    ``point`` (a ringed dot) or ``route`` (a line ending at a ringed dot).
    """

    colour: str | None
    label: str
    note: str = ""
    kind: str = "fill"


@dataclass(frozen=True)
class LayerKey:
    """The key of one overlay: its name in the layer control, its items, and what it shows."""

    layer: str
    items: tuple[KeyItem, ...]
    note: str = ""


def _escaped(layer: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON layer with every text property HTML-escaped (plan and zone names are anyone's)."""
    features = [
        {
            **feature,
            "properties": {
                k: html.escape(v) if isinstance(v, str) else v
                for k, v in feature["properties"].items()
            },
        }
        for feature in layer["features"]
    ]
    return {**layer, "features": features}


def _rate_words(entry: LegendEntry) -> str:
    """A legend entry's rate and what it covers, e.g. "£19.68 an hour, 3 to 6 miles by road"."""
    return f"£{entry.rate} an hour, {entry.note}" if entry.rate else entry.note


def _band_key_note(scheme: Scheme, bands: dict[str, Any]) -> str:
    """What a scheme's band areas show, in words (the centres of a straight-line radius)."""
    if scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS and scheme.centres is not None:
        centres = next((f["properties"]["centres"] for f in bands["features"]), "")
        radius = f"{scheme.centres.radius_miles:g}"
        return (
            f"{bands['features'][0]['properties']['label']}: within {radius} miles in a straight "
            f"line of {centres}."
        )
    return "Each place takes the band of its nearest postcode, measured as a lookup measures it."


def _zone_items(zones: dict[str, Any]) -> tuple[KeyItem, ...]:
    """Every zone of a plan layer with its colour, in the plan's order."""
    return tuple(
        KeyItem(f["properties"]["colour"], str(f["properties"]["zone"])) for f in zones["features"]
    )


def plan_provenance(plan: ZonePlan) -> str:
    """Who made a plan, in words for the map: a model, the council's rules, or a person."""
    if plan.modelled:
        made = f"Modelled by geozones, not zones the council adopted: {plan.method}."
    elif plan.version is None:
        made = f"The council's areas, built from its rules: {plan.method}."
    else:
        made = f"Saved by {plan.author}: {plan.method}."
    return f"{made} {plan.notes}".strip() if plan.notes else made


@dataclass(frozen=True)
class MapParts:
    """A rendered map, to place in a page: head elements, map element, script, JS name, keys.

    ``keys`` are the map key of each overlay, in the layer control's order.
    The head elements leave out folium's viewport, which blocks page zoom: the page sets its own.
    """

    header: str
    html: str
    script: str
    name: str
    keys: tuple[LayerKey, ...] = ()


def _area_style(opacity: float, weight: float) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = feature["properties"]["colour"]
        return {"color": colour, "fillColor": colour, "weight": weight, "fillOpacity": opacity}

    return style


def render_map(
    region: RegionData,
    stamp: int,
    layers: MapLayers,
    vendor_url: Callable[[str], str],
    *,
    scheme: Scheme | None = None,
    plans: Sequence[tuple[str, ZonePlan]] = (),
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> MapParts:
    """Build and render the map of ``region``.

    Parameters
    ----------
    region : RegionData
        A built region.
    stamp : int
        Its build stamp (the cache key of its layers).
    layers : MapLayers
        Where the layers' GeoJSON comes from.
    vendor_url : callable
        Vendor path to its URL in the app.
    scheme : Scheme, optional
        Adds its band areas when it prices by road-distance bands.
    plans : sequence of (str, ZonePlan)
        Zone plans, each an overlay of that title; the first is shown at first if it is a
        saved plan, the others are listed in the layer control.
    tiles, tiles_attribution : str, optional
        A basemap tile URL template (``{z}/{x}/{y}``) and its attribution.

    """
    west, south, east, north = region.boundary.to_crs(WGS84).total_bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=9,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
    )
    localise(fmap, vendor_url)
    if tiles:
        attribution = tiles_attribution or f"Basemap: {urlsplit(tiles).hostname or tiles}"
        folium.TileLayer(tiles=tiles, attr=attribution, name="Basemap").add_to(fmap)
    keys: list[LayerKey] = []

    def overlay(data: dict[str, Any], key: LayerKey, **options: Any) -> None:
        # Leaflet shows layer names, tooltips and popups as HTML: escape what the data says
        folium.GeoJson(_escaped(data), name=html.escape(key.layer), **options).add_to(fmap)
        keys.append(key)

    bands = layers.band_areas(region, stamp, scheme) if scheme is not None else None
    if scheme is not None and bands is not None:
        radius = scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS
        fields, aliases = (
            (["label", "rate", "centres"], ["Band", "£ an hour", "Within the radius of"])
            if radius
            else (
                ["label", "rate", *DRIVE_COLUMNS],
                ["Band", "£ an hour", "Drive, mean (min)", "Drive, 90% within (min)"],
            )
        )
        overlay(
            bands,
            LayerKey(
                f"Price bands ({scheme.id})",
                tuple(
                    KeyItem(e.colour, e.label, _rate_words(e))
                    for e in legend(scheme)
                    if not e.outline
                ),
                _band_key_note(scheme, bands),
            ),
            style_function=_area_style(0.35, 0.5),
            tooltip=folium.GeoJsonTooltip(fields, aliases=aliases),
        )
    area = scheme.area if scheme is not None else None
    outline = layers.scheme_area(region, stamp, scheme) if scheme is not None else None
    if scheme is not None and area is not None and outline is not None:
        described = area_description(scheme)
        overlay(
            outline,
            LayerKey(
                f"{area.name}: {described}",
                (
                    KeyItem(
                        AREA_COLOUR,
                        area.name or "",
                        "the bands apply inside this outline",
                        "dashed",
                    ),
                ),
            ),
            style_function=lambda _: {
                "color": AREA_COLOUR,
                "weight": 3,
                "dashArray": "8 5",
                "fill": False,
            },
            tooltip=folium.GeoJsonTooltip(["name", "area"], aliases=["Banding area", "Made of"]),
        )
    for title, plan in plans:
        zones = layers.plan_zones(plan, stamp)
        overlay(
            zones,
            LayerKey(title, _zone_items(zones), plan_provenance(plan)),
            show=plan.version is not None and plan is plans[0][1],
            style_function=_area_style(0.2, 2),
            tooltip=folium.GeoJsonTooltip(["zone"], aliases=["Zone"]),
        )
    pcns = layers.pcn_areas(region, stamp)
    overlay(
        pcns,
        LayerKey(
            "PCN areas",
            (),
            f"{len(pcns['features'])} primary care networks, each in its own colour: each "
            "area is the LSOAs nearest one of the network's practices. Point at an area for "
            "its name.",
        ),
        show=False,
        style_function=_area_style(0.25, 1),
        tooltip=folium.GeoJsonTooltip(["zone"], aliases=["PCN"]),
    )
    overlay(
        layers.districts(region, stamp),
        LayerKey("Districts", (KeyItem("#444", "District boundary", "", "dashed"),)),
        style_function=lambda _: {
            "color": "#444",
            "weight": 1.5,
            "dashArray": "5 4",
            "fill": False,
        },
        tooltip=folium.GeoJsonTooltip(["name"], aliases=["District"]),
    )
    overlay(
        layers.boundary(region, stamp),
        LayerKey("County boundary", (KeyItem("#111", region.spec.title, "", "line"),)),
        style_function=lambda _: {"color": "#111", "weight": 3, "fill": False},
        interactive=False,
    )
    overlay(
        layers.practices(region, stamp),
        LayerKey(
            "GP surgeries",
            (
                KeyItem(SURGERY_COLOUR, "GP surgery", "click one for its name and PCN", "point"),
                KeyItem(
                    ROUTE_COLOUR,
                    "The nearest surgery and the road to it",
                    "drawn after a lookup measured by road",
                    "route",
                ),
            ),
        ),
        marker=folium.CircleMarker(
            radius=5,
            color=SURGERY_COLOUR,
            weight=1.5,
            fill_color="#ffffff",
            fill_opacity=1,
            bubbling_mouse_events=False,
        ),
        popup=folium.GeoJsonPopup(["name", "pcn_name"], aliases=["Surgery", "PCN"]),
    )
    control = folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.add_child(_ExposeControl(control.get_name()))
    fmap.add_child(_Attribution(ATTRIBUTION, _LEAFLET_CREDIT))
    fmap.fit_bounds([[south, west], [north, east]])
    figure: Any = fmap.get_root()  # a branca Figure; branca publishes no types
    figure.render()
    return MapParts(
        header=_VIEWPORT.sub("", figure.header.render()),
        html=figure.html.render(),
        script=figure.script.render(),
        name=fmap.get_name(),
        keys=tuple(keys),
    )
