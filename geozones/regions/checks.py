"""Checks on built region data: what the build verifies and ``geozones data check`` prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones._errors import DataError
from geozones._settings import BNG
from geozones.network.graph import RoadNetwork

#: Largest acceptable gap between the area of the units and of the boundary (per cent).
COVERAGE_TOLERANCE_PCT = 2.0
#: Share of road length the largest connected piece should hold.
NETWORK_CONNECTED_SHARE = 0.95


@dataclass(frozen=True)
class Check:
    """One verified property of a build: ``level`` is ok, warning or error."""

    name: str
    level: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The check as a plain dict (for build.json)."""
        return asdict(self)


def _check(name: str, ok: bool, detail: str, level_if_not: str = "error") -> Check:
    return Check(name, "ok" if ok else level_if_not, detail)


def run_checks(layers: dict[str, pd.DataFrame], repaired: dict[str, int]) -> list[Check]:
    """Verify a region's layers; see the module docstring of :mod:`geozones.regions.build`."""
    districts = _geo_layer(layers, "districts")
    units = _geo_layer(layers, "units")
    out: list[Check] = []
    bad_crs = [
        name
        for name, layer in layers.items()
        if isinstance(layer, gpd.GeoDataFrame) and (layer.crs is None or layer.crs != BNG)
    ]
    out.append(_check("crs", not bad_crs, f"layers not in {BNG}: {bad_crs}" if bad_crs
                      else f"every layer is in {BNG}"))  # fmt: skip
    out.append(_unit_districts(units, districts))
    invalid = {
        name: int((~layer.geometry.is_valid).sum())
        for name, layer in layers.items()
        if isinstance(layer, gpd.GeoDataFrame)
    }
    still = {k: v for k, v in invalid.items() if v}
    fixed = ", ".join(f"{k} {v}" for k, v in repaired.items() if v) or "none"
    out.append(_check("geometry", not still, f"invalid after repair: {still or 'none'}; "
                      f"repaired from the sources: {fixed}"))  # fmt: skip
    out.append(_coverage(units, _geo_layer(layers, "boundary")))
    out.append(_ccg_areas(units, layers.get("ccg_areas")))
    wards = layers["wards"]
    stray = sorted(set(wards["district"]) - set(districts["code"]))
    out.append(_check("wards", not stray and len(wards) > 0,
                      f"{len(wards)} wards in {wards['district'].nunique()} districts"
                      + (f"; wards of unknown districts {stray}" if stray else "")))  # fmt: skip
    practices = layers["gp_practices"]
    unlocated = layers["gp_practices_unlocated"]
    out.append(_check(
        "gp_practices",
        len(unlocated) == 0,
        f"{int(practices['in_region'].sum())} in the region, "
        f"{int((~practices['in_region']).sum())} in the buffer or the region's ICB, "
        f"{practices['pcn_code'].nunique()} PCNs; {len(unlocated)} not located"
        + (": " + ", ".join(unlocated["code"] + " " + unlocated["postcode"]) if len(unlocated)
           else ""),
        level_if_not="warning",
    ))  # fmt: skip
    postcodes = layers["postcodes"]
    inside = postcodes[postcodes["in_region"]]
    held = inside["lsoa"].nunique()
    out.append(_check("postcodes", len(inside) > 0,
                      f"{len(inside)} in the region, {len(postcodes) - len(inside)} in the "
                      f"buffer; {held} of {len(units)} units hold a postcode"))  # fmt: skip
    return out


def _geo_layer(layers: dict[str, pd.DataFrame], name: str) -> gpd.GeoDataFrame:
    """The layer ``name``, which must hold geometries (EPSG:27700)."""
    layer = layers[name]
    if not isinstance(layer, gpd.GeoDataFrame):
        raise DataError(f"layer {name!r} has no geometry column")
    return layer


def network_check(network: RoadNetwork | None) -> Check:
    """Connectivity of the road network: a warning when much road is cut off."""
    if network is None:
        return Check("network", "ok", "no road extract: road distances are straight-line estimates")
    stats = network.stats()
    return _check(
        "network",
        stats.largest_share >= NETWORK_CONNECTED_SHARE,
        str(stats),
        level_if_not="warning",
    )


def _unit_districts(units: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> Check:
    """Every unit in exactly one district: by its code, and its interior point in that polygon."""
    dup = int(units["code"].duplicated().sum())
    orphan = int((~units["district"].isin(districts["code"])).sum())
    geoms = dict(zip(districts["code"], districts.geometry, strict=True))
    own = gpd.GeoSeries(units["district"].map(geoms).to_numpy(), crs=BNG)
    inside = shapely.contains(own.values, units.geometry.representative_point().values)
    outside = units.loc[~np.asarray(inside, dtype=bool), "code"].tolist()
    detail = (
        f"{len(units)} units; duplicates {dup}; without a district {orphan}; "
        f"interior point outside its district polygon {len(outside)}"
        + (f" ({', '.join(outside[:5])}{'...' if len(outside) > 5 else ''})" if outside else "")
    )
    if dup or orphan:
        return Check("units_in_one_district", "error", detail)
    return Check("units_in_one_district", "warning" if outside else "ok", detail)


def _ccg_areas(units: gpd.GeoDataFrame, areas: pd.DataFrame | None) -> Check:
    """Every unit in one CCG (April 2019) and the ``ccg_areas`` layer made of exactly those."""
    if areas is None or "ccg" not in units.columns:
        return Check("ccg_areas", "error", "no CCG areas: the region was built before them")
    missing = units.loc[units["ccg"].isna(), "code"].tolist()
    held = units["ccg"].value_counts().to_dict()
    made = dict(zip(areas["code"], areas["lsoas"], strict=True))
    detail = (
        f"{len(areas)} CCG areas (April 2019): "
        + ", ".join(f"{code} {n}" for code, n in made.items())
        + f" LSOAs; units without a CCG {len(missing)}"
        + (f" ({', '.join(missing[:5])}{'...' if len(missing) > 5 else ''})" if missing else "")
    )
    return _check("ccg_areas", not missing and held == made, detail)


def _coverage(units: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame) -> Check:
    """Units (LSOA BSC) and boundary (LAD BGC) are different generalisations: compare areas."""
    unit_area = float(units.geometry.area.sum())
    region_area = float(boundary.geometry.area.sum())
    pct = 100.0 * (unit_area - region_area) / region_area
    return _check(
        "coverage",
        abs(pct) <= COVERAGE_TOLERANCE_PCT,
        f"units {unit_area / 1e6:,.1f} km2 vs boundary {region_area / 1e6:,.1f} km2 ({pct:+.2f}%)",
        level_if_not="warning",
    )
