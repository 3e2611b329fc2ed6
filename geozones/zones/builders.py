"""Zone plans built from data: districts, lots, PCN areas and price-band areas.

Every builder returns an unsaved :class:`~geozones.zones.plan.ZonePlan` whose
``method`` says how it was made (rule file, distance measure), so a stored
version can always be traced back.

* :func:`district_plan`: one zone per district, or the scheme's district
  areas through its rule file (Hertfordshire: Three Rivers & Watford merged).
* :func:`lot_plan`: a scheme's lots from its rule file (Hertfordshire's 14 lot
  areas from wards: district lots, low-density rural lots and
  population-balanced halves; Nottinghamshire's core areas with their
  hard-to-cover rural groups split out).
* :func:`pcn_plan`: each LSOA in the PCN of its nearest member practice;
  :func:`pcn_zone_plan`: a scheme's zones made from PCN areas by its rule file
  (Nottinghamshire's Care Delivery Groups).
* :func:`band_labels`, :func:`band_polygons`, :func:`band_plan`: price bands
  of points (postcodes), turned into polygons and into a plan of LSOAs;
  :func:`area_outline` and :func:`scheme_band_polygons`: a scheme's declared
  area (Norfolk's Central Belt) and its band areas cut to that area.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geozones._errors import DataError, InputError
from geozones._settings import BNG
from geozones._spatial import UnitIndex
from geozones._validate import to_bng
from geozones._vocab import AreaKind, RuleKind, SchemeMethod, ZoneDistance
from geozones.distance.facility import OK, NearestFacility
from geozones.distance.surgeries import NearestSurgery
from geozones.network.graph import RoadNetwork
from geozones.regions.data import RegionData
from geozones.schemes.bands import (
    Where,
    area_description,
    band_for_distance,
    banding_applies,
    check_area,
)
from geozones.schemes.scheme import Scheme
from geozones.zones.plan import ZonePlan
from geozones.zones.rules import HardToCoverRule, ZoneRules, rules_for
from geozones.zones.units import UnitLayer, load_units

__all__ = [
    "DISTANCE_METHODS",
    "ELSEWHERE_COLOUR",
    "area_outline",
    "band_colours",
    "band_labels",
    "band_plan",
    "band_polygons",
    "district_plan",
    "lot_plan",
    "pcn_members",
    "pcn_plan",
    "pcn_zone_plan",
    "radius_areas",
    "scheme_band_polygons",
]

#: How distances to practices are measured: by road when the region has a
#: network (``auto``), always by road, or as the crow flies.
DISTANCE_METHODS: tuple[str, ...] = tuple(method.value for method in ZoneDistance)
#: Colour of the area paid the scheme's elsewhere rate (outside the area where bands apply).
ELSEWHERE_COLOUR = "#969696"


def _check_scheme(region: RegionData, scheme: Scheme) -> None:
    if scheme.region != region.name:
        raise InputError(
            f"scheme {scheme.id} is for region {scheme.region}, not {region.name}; "
            f"name a scheme of {region.name}"
        )


def district_plan(
    region: RegionData,
    scheme: Scheme | None = None,
    *,
    name: str | None = None,
    author: str = "geozones",
) -> ZonePlan:
    """One zone per district, or the scheme's district areas.

    Parameters
    ----------
    region : RegionData
        A built region.
    scheme : Scheme, optional
        A scheme whose rule file has a ``districts`` table (e.g.
        ``hertfordshire-2022``: 9 district areas, Three Rivers & Watford
        merged). Without one each LAD 2013 district is a zone named as the
        district.
    name : str, optional
        Plan name (default ``<region>-<zone layer>`` or ``<region>-districts``).
    author : str
        Recorded on the plan.

    Returns
    -------
    ZonePlan
        LSOA units.

    """
    if scheme is not None:
        _check_scheme(region, scheme)
        return _rules_plan(region, scheme, rules_for(scheme.id, RuleKind.DISTRICTS), name, author)
    layer = load_units(region, "units")
    return ZonePlan(
        name=name or f"{region.name}-districts",
        region=region,
        unit_layer="units",
        assignment=layer.frame["district_name"],
        zones=tuple(region.districts["name"]),
        method="districts: one zone per LAD 2013 district, built from LSOAs",
        author=author,
    )


def lot_plan(
    region: RegionData, scheme: Scheme, *, name: str | None = None, author: str = "geozones"
) -> ZonePlan:
    """A scheme's lots, built by the ``lots`` table of its rule file.

    Parameters
    ----------
    region : RegionData
        A built region.
    scheme : Scheme
        A scheme with lot rules (``hertfordshire-2022``: 14 lot areas from wards).
    name : str, optional
        Plan name (default ``<region>-<zone layer>``).
    author : str
        Recorded on the plan.

    Returns
    -------
    ZonePlan
        Zones named and ordered as the scheme's zone layer.

    Raises
    ------
    NotFoundError
        The scheme has no lot rules.
    DataError
        The rules leave a district out, a half cannot be contiguous, or the
        zones built are not the scheme's names.

    """
    _check_scheme(region, scheme)
    return _rules_plan(region, scheme, rules_for(scheme.id, RuleKind.LOTS), name, author)


def _rules_plan(
    region: RegionData, scheme: Scheme, rules: ZoneRules, name: str | None, author: str
) -> ZonePlan:
    layer = load_units(region, rules.units)
    frame = layer.frame
    unmapped = sorted(set(frame["district"]) - set(rules.districts))
    if unmapped:
        raise DataError(
            f"{rules.path}: [{rules.layer}.districts] leaves out district(s) "
            f"{', '.join(unmapped)} of region {region.name}; map every district to a zone"
        )
    zone = frame["district"].map(rules.districts).to_numpy(dtype=object)
    steps = [f"{rules.kind}: LAD 2013 districts to zones by {rules.source}, from {rules.units}"]
    if rules.rural is not None:
        density = frame["population"].to_numpy() / frame["area_km2"].to_numpy()
        limit = rules.rural.max_density_per_km2
        for lot in rules.rural.lots:
            zone[frame["district"].isin(lot.districts).to_numpy() & (density < limit)] = lot.name
        steps.append(
            f"rural: units under {limit:g} residents per km2 (mid-2017 population, "
            "apportioned to wards by area) to the rural lots"
        )
    if rules.hard_to_cover is not None:
        steps.append(_hard_to_cover(layer, zone, rules.hard_to_cover, rules.source))
    for rule in rules.halves:
        members = np.flatnonzero(zone == rule.zone)
        north = _north_half(layer, members, f"{rules.source}: {rule.zone}")
        zone[members[north]] = rule.names[0]
        zone[members[~north]] = rule.names[1]
    if rules.halves:
        steps.append(
            "halves: cut along the population-weighted principal axis at the most "
            "balanced cut leaving both halves contiguous; half 1 is the northern one"
        )
    return ZonePlan(
        name=name or f"{region.name}-{rules.layer}",
        region=region,
        unit_layer=rules.units,
        assignment=pd.Series(zone, index=frame.index),
        zones=_layer_names(scheme, rules, zone),
        method="; ".join(steps),
        author=author,
    )


def _layer_names(
    scheme: Scheme, rules: ZoneRules, zone: npt.NDArray[np.object_]
) -> tuple[str, ...]:
    """The zone names of the built layer: the scheme's, which the rules must build exactly.

    A layer whose scheme lists no names (names built from data) takes the
    districts' zones in the order of the rules, then the others by name.
    """
    names = scheme.zone_layer(rules.layer).names
    built = set(zone)
    if not names:
        first = [z for z in dict.fromkeys(rules.districts.values()) if z in built]
        return (*first, *sorted(built - set(first)))
    if built != set(names):
        raise DataError(
            f"{rules.path}: [{rules.layer}] builds zones {sorted(built)} but scheme {scheme.id} "
            f"names {sorted(names)}; make the rules produce exactly the scheme's names"
        )
    return names


def _hard_to_cover(
    layer: UnitLayer, zone: npt.NDArray[np.object_], rule: HardToCoverRule, source: str
) -> str:
    """Move the hard-to-cover groups of rural units out of their zones (``zone`` in place).

    Rural units (the region's ``rule.rural`` flag) that neighbour each other
    within one zone form a group; a group with more than ``max_age65``
    residents aged 65+ is halved (balanced on 65+, both halves contiguous)
    until no piece is; each piece with at least ``min_age65`` becomes a zone,
    named by ``rule.name`` (numbered north to south, by 65+-weighted mean
    northing, where names repeat).

    Parameters
    ----------
    layer : UnitLayer
        The region's LSOAs.
    zone : ndarray of object
        Each unit's zone so far, in layer order; changed in place.
    rule : HardToCoverRule
        The thresholds (residents aged 65+) and the name template.
    source : str
        The rule file and table, for error messages.

    Returns
    -------
    str
        The step, for the plan's method.

    Raises
    ------
    DataError
        The region's units have no ``rule.rural`` column (a build older than the rule).

    """
    frame = layer.frame
    units = layer.region.units
    if rule.rural not in units.columns:
        raise DataError(
            f"{source}: the units of region {layer.region.name} have no {rule.rural!r} column; "
            f"rebuild the region: geozones data build --region {layer.region.name}"
        )
    rural = (
        units.set_index("code")[rule.rural]
        .reindex(frame.index, fill_value=False)
        .to_numpy(dtype=bool)
    )
    zone_number = pd.factorize(zone)[0]
    labels = np.where(rural, zone_number, -1 - np.arange(len(zone)))
    group = layer.components(labels)
    age65 = frame["age65"].to_numpy(dtype=float)
    pending = [np.flatnonzero(group == g) for g in np.unique(group[rural])]
    pieces = []
    while pending:
        members = pending.pop()
        total = age65[members].sum()
        if total > rule.max_age65 and len(members) > 1:
            north = _north_half(layer, members, f"{source}: {zone[members[0]]}", weight="age65")
            pending += [members[north], members[~north]]
        elif total >= rule.min_age65:
            pieces.append(members)
    northing = np.array([np.average(layer.points[m, 1], weights=age65[m]) for m in pieces])
    pieces = [pieces[i] for i in np.argsort(-northing, kind="stable")]
    names = [_piece_name(frame, zone, members, rule.name) for members in pieces]
    counts = pd.Series(names).value_counts()
    seen: dict[str, int] = {}
    for members, base in zip(pieces, names, strict=True):
        seen[base] = seen.get(base, 0) + 1
        zone[members] = f"{base} {seen[base]}" if counts[base] > 1 else base
    return (
        f"hard-to-cover: contiguous {rule.rural} units of one zone, halved along their "
        f"65+-weighted principal axis until none has over {rule.max_age65:,.0f} residents "
        f"aged 65+; {len(pieces)} piece(s) with at least {rule.min_age65:,.0f} became zones"
    )


def _piece_name(
    frame: pd.DataFrame, zone: npt.NDArray[np.object_], members: npt.NDArray[np.intp], name: str
) -> str:
    """A hard-to-cover piece's name: its zone's and that of the district with most of its 65+."""
    by_district = frame["age65"].iloc[members].groupby(frame["district_name"].iloc[members]).sum()
    return name.format(district=by_district.idxmax(), zone=zone[members[0]])


def _north_half(
    layer: UnitLayer, members: npt.NDArray[np.intp], what: str, weight: str = "population"
) -> npt.NDArray[np.bool_]:
    """Split units into two contiguous halves balanced on ``weight``; True for the northern one.

    Units are ordered along the principal axis of their ``weight``-weighted
    points (``population`` or ``age65``); of the cuts along that order, the
    one whose two sides come closest to equal weight while both are
    contiguous wins.
    """
    if len(members) < 2:
        raise DataError(f"{what}: a zone of {len(members)} unit(s) cannot be cut in halves")
    xy = layer.points[members]
    people = layer.frame[weight].to_numpy(dtype=float)[members]
    offset = xy - np.average(xy, axis=0, weights=people)
    spread = (offset * people[:, None]).T @ offset
    axis = np.linalg.eigh(spread)[1][:, -1]
    order = np.argsort(offset @ axis, kind="stable")
    running = np.cumsum(people[order])
    for cut in np.argsort(np.abs(running[:-1] - running[-1] / 2), kind="stable") + 1:
        labels = np.full(len(layer.frame), -1)
        labels[members[order[:cut]]] = 0
        labels[members[order[cut:]]] = 1
        if len(np.unique(layer.components(labels)[members])) == 2:
            first = np.zeros(len(members), dtype=bool)
            first[order[:cut]] = True
            north_y = np.average(xy[first, 1], weights=people[first])
            south_y = np.average(xy[~first, 1], weights=people[~first])
            return first if north_y >= south_y else ~first
    raise DataError(f"{what}: no cut along the principal axis leaves both halves contiguous")


def pcn_members(region: RegionData, *, in_region: bool = False) -> gpd.GeoDataFrame:
    """The practices whose PCNs make a region's PCN areas.

    Parameters
    ----------
    region : RegionData
        A built region.
    in_region : bool
        Only the practices inside the region, even where it declares an ICB.

    Returns
    -------
    GeoDataFrame
        Practices of the region's ICB (``icb == spec.icb``, e.g. QMM for
        Norfolk & Waveney, wherever they are), or the practices inside the
        region when it has no ICB declared or ``in_region`` is true; only
        those with a PCN. EPSG:27700.

    """
    practices = region.gp_practices
    if region.spec.icb is not None and not in_region:
        keep = practices["icb"] == region.spec.icb
    else:
        keep = practices["in_region"].astype(bool)
    return practices[keep & practices["pcn_code"].notna()].reset_index(drop=True)


def _distance_network(region: RegionData, method: str) -> RoadNetwork | None:
    if method not in DISTANCE_METHODS:
        raise InputError(f"unknown distance method {method!r}; choose one of: {DISTANCE_METHODS}")
    if method == ZoneDistance.STRAIGHT_LINE:
        return None
    network = region.network
    if network is None and method == ZoneDistance.ROAD:
        raise InputError(
            f"region {region.name} has no road network; rebuild it with a road extract "
            "or use method='straight-line'"
        )
    return network


def pcn_plan(
    region: RegionData,
    *,
    method: str = ZoneDistance.AUTO,
    name: str | None = None,
    author: str = "geozones",
    in_region: bool = False,
) -> ZonePlan:
    """PCN areas: each LSOA goes to the PCN of its nearest member practice.

    Parameters
    ----------
    region : RegionData
        A built region.
    method : str
        ``auto`` (by road where the region has a road network, else straight
        line), ``road`` or ``straight-line``. Distances run from each LSOA's
        population-weighted point (the mean of its postcodes). By road, LSOAs
        whose point is off the network or unreachable fall back to straight
        line, and the method says how many did.
    name : str, optional
        Plan name (default ``<region>-pcn-areas``).
    author : str
        Recorded on the plan.
    in_region : bool
        Member practices only inside the region (:func:`pcn_members`).

    Returns
    -------
    ZonePlan
        One zone per PCN nearest to at least one LSOA, zones sorted by name;
        ``notes`` lists member PCNs that no LSOA is nearest to.

    Raises
    ------
    DataError
        The region has no member practice with a PCN.

    """
    network = _distance_network(region, method)
    members = pcn_members(region, in_region=in_region)
    if members.empty:
        raise DataError(f"region {region.name} has no practice with a PCN to build PCN areas from")
    layer = load_units(region, "units")
    member_xy = shapely.get_coordinates(members.geometry.to_numpy())
    from scipy.spatial import cKDTree  # loads only when a plan is built

    nearest = cKDTree(member_xy).query(layer.points)[1]
    how = "straight-line distance (scipy cKDTree)"
    if network is not None:
        found = NearestFacility(network, members).distance_to_nearest(layer.points)
        by_road = (found["status"] == OK).to_numpy()
        facility = found["facility"].to_numpy(dtype=np.int64, na_value=-1)
        nearest = np.where(by_road, facility, nearest)
        how = (
            f"road distance (geozones.distance.facility); {int((~by_road).sum())} unit(s) off the "
            "network or unreachable by straight line"
        )
    pcn = members["pcn_name"].fillna(members["pcn_code"]).astype(str)
    shared = pcn.map(members.groupby(pcn)["pcn_code"].nunique()) > 1
    names = pcn.where(~shared, pcn + " (" + members["pcn_code"] + ")").to_numpy(dtype=object)
    zone = names[nearest]
    idle = sorted(set(names) - set(zone))
    scope = f"ICB {region.spec.icb}" if region.spec.icb and not in_region else "in the region"
    return ZonePlan(
        name=name or f"{region.name}-pcn-areas",
        region=region,
        unit_layer="units",
        assignment=pd.Series(zone, index=layer.codes),
        zones=tuple(sorted(set(zone))),
        method=(
            f"pcn: each LSOA to the PCN of its nearest member practice ({len(members)} "
            f"practices {scope} with a PCN) from its postcode-mean point, by {how}"
        ),
        author=author,
        notes=(
            f"PCNs with member practices but no LSOA nearest them: {', '.join(idle)}"
            if idle
            else ""
        ),
    )


def pcn_zone_plan(
    region: RegionData,
    scheme: Scheme,
    *,
    method: str = ZoneDistance.AUTO,
    name: str | None = None,
    author: str = "geozones",
) -> ZonePlan:
    """A scheme's zones made from PCN areas by the ``pcn`` table of its rule file.

    Nottinghamshire's Care Delivery Groups: :func:`pcn_plan` of the practices
    the rule names (``icb`` or ``in-region``), each zone named by the rule's
    template from its PCN's name without the word "PCN" ("MANSFIELD NORTH CDG").

    Parameters
    ----------
    region : RegionData
        A built region.
    scheme : Scheme
        A scheme with PCN rules (``nottinghamshire-2017``).
    method : str
        How distances to practices are measured, as :func:`pcn_plan` takes it.
    name : str, optional
        Plan name (default ``<region>-<zone layer>``).
    author : str
        Recorded on the plan.

    Returns
    -------
    ZonePlan
        LSOA units; zones in the order of their PCNs' names.

    Raises
    ------
    NotFoundError
        The scheme has no PCN rules.
    DataError
        The zones built are not the names the scheme's layer lists (where it lists any).

    """
    _check_scheme(region, scheme)
    rules = rules_for(scheme.id, RuleKind.PCN)
    if rules.pcn is None:  # a pcn table always has its rule (rules.read_rules)
        raise DataError(f"{rules.path}: [{rules.layer}] has no PCN rule")
    plan = pcn_plan(
        region, method=method, author=author, in_region=rules.pcn.practices == "in-region"
    )
    template = rules.pcn.name
    renamed = {
        pcn: template.format(pcn=re.sub(r"\s*\bPCN\b", "", pcn, count=1).strip())
        for pcn in plan.zones
    }
    zone = plan.assignment.map(renamed).to_numpy(dtype=object)
    return ZonePlan(
        name=name or f"{region.name}-{rules.layer}",
        region=region,
        unit_layer="units",
        assignment=pd.Series(zone, index=plan.assignment.index),
        zones=_layer_names(scheme, rules, zone),
        method=f"{plan.method}; zones named {template!r} by {rules.source}",
        author=author,
        notes=plan.notes,
    )


def band_colours(scheme: Scheme) -> dict[str, str]:
    """Band label to colour, in band order, then the elsewhere rate's label (grey) if any."""
    colours = {band.label: band.colour for band in scheme.bands}
    if scheme.elsewhere_rate is not None:
        colours[scheme.priced(scheme.elsewhere_rate).label] = ELSEWHERE_COLOUR
    return colours


def band_labels(region: RegionData, scheme: Scheme) -> gpd.GeoDataFrame:
    """Label the region's postcodes with their price band, as a lookup would.

    Distances come from :class:`geozones.distance.surgeries.NearestSurgery`, the same
    measure the classifier prices by: by road where the region has a network,
    else the straight-line estimate (which needs the build's circuity factors).

    Parameters
    ----------
    region : RegionData
        A built region.
    scheme : Scheme
        A ``road-distance-bands`` scheme of the region (e.g. ``norfolk-2019``).

    Returns
    -------
    GeoDataFrame
        The in-region postcodes that get a band: ``postcode``, ``district``,
        ``metres``, ``minutes`` (drive minutes, the quickest from any surgery;
        estimated without a network), ``band`` (band label, or the elsewhere rate's label
        outside the scheme's area), ``distance_band`` (the band of the
        distance alone, None without one) and ``in_area`` (whether banding
        applies, by the unit the postcode lies in, as a lookup decides it);
        points without a distance inside the area are left out.
        ``attrs["method"]`` says how distances were measured. EPSG:27700.

    """
    _check_scheme(region, scheme)
    if scheme.method != SchemeMethod.ROAD_DISTANCE_BANDS:
        raise InputError(
            f"scheme {scheme.id} uses {scheme.method}; band areas need road-distance-bands"
        )
    postcodes = region.postcodes[region.postcodes["in_region"].astype(bool)]
    xy = shapely.get_coordinates(postcodes.geometry.to_numpy())
    surgeries = NearestSurgery(region, region.path.parent)
    measured = surgeries.measure(xy)
    metres = measured.metres
    units = region.units
    check_area(scheme, units)
    where = Where.in_units(units, UnitIndex(units.geometry.to_numpy()).positions(xy), xy)
    labels, _ = band_for_distance(metres, scheme, where)
    by_distance, _ = band_for_distance(metres, scheme)
    out = gpd.GeoDataFrame(
        {
            "postcode": postcodes["postcode"].to_numpy(),
            "district": postcodes["district"].to_numpy(),
            "metres": metres,
            "minutes": measured.minutes,
            "band": labels,
            "distance_band": by_distance,
            "in_area": banding_applies(where, scheme),
        },
        geometry=postcodes.geometry.to_numpy(),
        crs=BNG,
    )
    out = out[out["band"].notna()].reset_index(drop=True)
    out.attrs["method"] = f"{surgeries.method} distance to the nearest GP practice"
    return out


def _label_order(labels: npt.NDArray[np.object_], order: Sequence[str] | None) -> list[str]:
    present = list(pd.unique(labels))
    if order is None:
        return sorted(present)
    stray = [label for label in present if label not in order]
    if stray:
        raise InputError(f"labels {stray} are not in the order given: {list(order)}")
    return [label for label in order if label in present]


def _labelled(
    points: gpd.GeoDataFrame, label_col: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_]]:
    if label_col not in points.columns:
        raise InputError(f"points have no column {label_col!r}; columns: {list(points.columns)}")
    labels = points[label_col].to_numpy(dtype=object)
    missing = pd.isna(labels)
    if missing.any():
        raise InputError(
            f"{int(missing.sum())} point(s) have no {label_col}, first at row "
            f"{int(np.argmax(missing))}; label every point or leave it out"
        )
    xy = shapely.get_coordinates(to_bng(points, "the labelled points").geometry.to_numpy())
    return xy, labels


def band_polygons(
    points: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    label_col: str = "band",
    order: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Polygons of labelled points: Voronoi cells dissolved by label, clipped to a boundary.

    Parameters
    ----------
    points : GeoDataFrame
        Points (e.g. postcodes) with a label column; any CRS, used in EPSG:27700.
        Points at the same place keep the first one's label.
    boundary : GeoDataFrame or GeoSeries
        The area to cover (e.g. ``region.boundary``), EPSG:27700.
    label_col : str
        Column of labels (e.g. band labels).
    order : sequence of str, optional
        Label order of the output (default sorted).

    Returns
    -------
    GeoDataFrame
        One row per label present: ``label`` and a MultiPolygon, EPSG:27700.
        The polygons cover the boundary once: every place takes the label of
        its nearest point.

    """
    xy, labels = _labelled(points, label_col)
    xy, first = np.unique(xy, axis=0, return_index=True)
    if len(xy) < 2:
        raise InputError("band polygons need at least two points at different places")
    labels = labels[first]
    area = shapely.union_all(to_bng(boundary.geometry, "the boundary").to_numpy())
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=area, ordered=True)
    )
    names = _label_order(labels, order)
    shapes = shapely.intersection(
        np.array([shapely.coverage_union_all(cells[labels == n]) for n in names], dtype=object),
        area,
    )
    return gpd.GeoDataFrame({"label": names}, geometry=_multipolygons(shapes), crs=BNG)


def area_outline(region: RegionData, scheme: Scheme) -> gpd.GeoDataFrame:
    """The scheme's declared area within the region (e.g. Norfolk's Central Belt).

    A district, CCG or LSOA area is the union of the region's units in it (the
    units a lookup decides by); a polygon area is the polygon, cut to the
    region's boundary.

    Parameters
    ----------
    region : RegionData
        A built region.
    scheme : Scheme
        A scheme of the region.

    Returns
    -------
    GeoDataFrame
        One row: ``name`` (e.g. "Central Belt"), ``area`` (its description,
        e.g. "Norwich, South Norfolk and North Norfolk CCG areas (April
        2019)") and the polygon, EPSG:27700. No row where the bands apply in
        the whole region or the scheme has no bands.

    """
    _check_scheme(region, scheme)
    area = scheme.area
    if area is None or area.whole_region:
        return gpd.GeoDataFrame({"name": [], "area": []}, geometry=[], crs=BNG)
    if area.kind == AreaKind.POLYGON and area.polygon is not None:
        county = shapely.union_all(region.boundary.geometry.to_numpy())
        shape = shapely.intersection(area.polygon, county)
    else:
        units = region.units
        check_area(scheme, units)
        nowhere = np.full((len(units), 2), np.nan)
        inside = banding_applies(Where.in_units(units, np.arange(len(units)), nowhere), scheme)
        shape = shapely.union_all(units.geometry.to_numpy()[inside])
    return gpd.GeoDataFrame(
        {"name": [area.name], "area": [area_description(scheme)]}, geometry=[shape], crs=BNG
    )


#: Segments per quarter circle of a straight-line radius drawn as a polygon: the drawn
#: edge lies within 0.2 m of the true circle at Herefordshire's 4 miles.
_RADIUS_QUADSEGS = 128


def radius_areas(region: RegionData, scheme: Scheme) -> gpd.GeoDataFrame:
    """The two areas of a straight-line-radius scheme: within the radius of a centre, and beyond.

    Herefordshire's 2016 rule: within 4 miles in a straight line of Hereford or
    a market town is Urban, the rest of the county Rural. The circles around
    the scheme's centres (the build's ``scheme_centres``), cut to the region's
    boundary, are the first band; the rest of the boundary the second.

    Returns
    -------
    GeoDataFrame
        ``label`` (the scheme's two band labels), ``colour``, ``centres`` (the
        centres' names, on the first row) and a (Multi)Polygon each, EPSG:27700.

    Raises
    ------
    InputError
        ``scheme`` is not a straight-line-radius scheme of ``region``.

    """
    _check_scheme(region, scheme)
    spec = scheme.centres
    if scheme.method != SchemeMethod.STRAIGHT_LINE_RADIUS or spec is None or not spec.radius_m:
        raise InputError(f"scheme {scheme.id} does not price by a straight-line radius")
    centres = region.scheme_centres
    centres = centres[centres["scheme"] == scheme.id]
    circles = shapely.buffer(centres.geometry.to_numpy(), spec.radius_m, quad_segs=_RADIUS_QUADSEGS)
    county = shapely.union_all(region.boundary.geometry.to_numpy())
    within = shapely.intersection(shapely.union_all(circles), county)
    near, far = scheme.bands[:2]
    return gpd.GeoDataFrame(
        {
            "label": [near.label, far.label],
            "colour": [near.colour, far.colour],
            "centres": [", ".join(centres["name"]), ""],
        },
        geometry=[within, shapely.difference(county, within)],
        crs=BNG,
    )


def scheme_band_polygons(
    region: RegionData, scheme: Scheme, points: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """The price-band areas of a road-distance scheme, cut to its declared area.

    Every place takes the band of its nearest postcode (:func:`band_polygons`
    of :func:`band_labels`). Where the bands apply only in part of the region,
    the band polygons are cut to :func:`area_outline` and the rest of the
    county is the elsewhere rate's area, so the band areas follow the declared
    area exactly.

    ``points`` are the region's banded postcodes when the caller has them
    already (:func:`band_labels`); they are made here otherwise.

    Returns
    -------
    GeoDataFrame
        ``label`` (band labels in band order, then the elsewhere rate's) and a
        MultiPolygon each, EPSG:27700; together they cover the boundary once.

    """
    if points is None:
        points = band_labels(region, scheme)
    outline = area_outline(region, scheme)
    elsewhere = scheme.elsewhere
    if not len(outline) or elsewhere is None:
        return band_polygons(points, region.boundary, order=list(band_colours(scheme)))
    reached = points[points["distance_band"].notna()]
    bands = band_polygons(
        reached, region.boundary, label_col="distance_band", order=[b.label for b in scheme.bands]
    )
    inside = outline.geometry.iloc[0]
    county = shapely.union_all(region.boundary.geometry.to_numpy())
    shapes = np.array(
        [*shapely.intersection(bands.geometry.to_numpy(), inside), county.difference(inside)],
        dtype=object,
    )
    labels = np.array([*bands["label"], elsewhere.label], dtype=object)
    keep = shapely.area(shapes) > 0
    return gpd.GeoDataFrame({"label": labels[keep]}, geometry=_multipolygons(shapes[keep]), crs=BNG)


def _multipolygons(shapes: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """The polygon parts of each shape (each with some area) as one MultiPolygon."""
    parts, index = shapely.get_parts(shapes, return_index=True)
    polygonal = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    multi: npt.NDArray[np.object_] = shapely.multipolygons(
        parts[polygonal], indices=index[polygonal]
    )
    return multi


def band_plan(
    region: RegionData,
    points: gpd.GeoDataFrame,
    *,
    label_col: str = "band",
    colours: Mapping[str, str] | None = None,
    name: str | None = None,
    method: str = "",
    author: str = "geozones",
) -> ZonePlan:
    """A plan of LSOAs with one zone per band: each LSOA takes its majority band.

    Parameters
    ----------
    region : RegionData
        A built region.
    points : GeoDataFrame
        Labelled points (e.g. from :func:`band_labels`), EPSG:27700.
    label_col : str
        Column of labels.
    colours : mapping of str to str, optional
        Label to colour; its order is the zone order (e.g.
        :func:`band_colours`). Default: labels sorted, palette colours.
    name : str, optional
        Plan name (default ``<region>-bands``).
    method : str
        How the labels were made, recorded in the plan's method.
    author : str
        Recorded on the plan.

    Returns
    -------
    ZonePlan
        Each LSOA in the band most of the points inside it have (ties go to
        the band listed first); an LSOA holding no point takes the band of the
        point nearest its population-weighted point.

    """
    xy, labels = _labelled(points, label_col)
    names = _label_order(labels, list(colours) if colours is not None else None)
    code = pd.Index(names).get_indexer(pd.Index(labels))
    layer = load_units(region, "units")
    # the stub cannot tell an (n, 2) array from the coordinates of one point
    points_xy = cast("npt.NDArray[np.object_]", shapely.points(xy))
    unit_i, point_i = shapely.STRtree(points_xy).query(layer.geoms, predicate="contains")
    counts = np.zeros((len(layer.frame), len(names)), dtype=np.int64)
    np.add.at(counts, (unit_i, code[point_i]), 1)
    best = counts.argmax(axis=1)
    empty = counts.sum(axis=1) == 0
    if empty.any():
        from scipy.spatial import cKDTree  # loads only when a plan is built

        best[empty] = code[cKDTree(xy).query(layer.points[empty])[1]]
    zone = np.asarray(names, dtype=object)[best]
    return ZonePlan(
        name=name or f"{region.name}-bands",
        region=region,
        unit_layer="units",
        assignment=pd.Series(zone, index=layer.codes),
        zones=tuple(n for n in names if n in set(zone)),
        colours=dict(colours or {}),
        method=(
            f"bands: each LSOA to the band of most of its {len(xy)} labelled points"
            + (f" ({method})" if method else "")
        ),
        author=author,
    )
