"""Source datasets: one reader per dataset (the manifest is :mod:`geozones.sources.manifest`).

Every reader takes the source folder, finds its file through the manifest
(``data/boundaries/sources.toml``) and returns a DataFrame or GeoDataFrame in
EPSG:27700. A missing or unreadable file raises :class:`SourceError` naming the
file and the dataset it should hold.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
from geopandas.array import GeometryArray

from geozones._errors import SourceError
from geozones._settings import WGS84
from geozones._validate import to_bng
from geozones.sources.manifest import load_manifest, source_info

T = TypeVar("T")


def source_path(dataset: str, source: Path) -> Path:
    """Return the path of ``dataset`` in ``source``, raising SourceError if it is missing."""
    info = source_info(dataset)
    path = info.path(source)
    if not path.exists():
        raise SourceError(
            f"missing source file {path} (dataset {dataset}: {info.title}); "
            f"download it from {info.url} or point --source/GEOZONES_SOURCE at a folder that has it"
        )
    return path


@contextmanager
def _reading(dataset: str, path: Path) -> Iterator[None]:
    """Turn any failure while reading ``path`` into one SourceError naming the dataset."""
    try:
        yield
    except SourceError:
        raise
    except Exception as exc:  # every reader failure becomes one actionable message
        info = source_info(dataset)
        raise SourceError(
            f"cannot read source file {path} (dataset {dataset}: {info.title}): "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _read(dataset: str, source: Path, reader: Callable[[Path], T]) -> T:
    path = source_path(dataset, source)
    with _reading(dataset, path):
        return reader(path)


def _to_bng(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Repair geometries and project to EPSG:27700; the count repaired is kept in attrs."""
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry.values[invalid.to_numpy()])
    gdf = to_bng(gdf, "a source boundary layer")
    gdf.attrs["repaired"] = int(invalid.sum())
    return gdf


def _polygonal(geoms: GeometryArray) -> npt.NDArray[np.object_]:
    """Keep only the polygon parts of each geometry (make_valid can add lines and points)."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (3, 6))
    return np.asarray(
        [shapely.union_all(parts[keep & (index == i)]) for i in range(len(geoms))],
        dtype=object,
    )


def read_districts(source: Path, codes: list[str]) -> gpd.GeoDataFrame:
    """LAD 2013 districts ``codes`` as polygons in EPSG:27700 (code, name, geometry)."""

    def reader(path: Path) -> gpd.GeoDataFrame:
        # The topology declares CRS84 inside, which GDAL does not report: set it here.
        gdf = gpd.read_file(path, layer="lad").set_crs(WGS84, allow_override=True)
        gdf = gdf.loc[gdf["LAD13CD"].isin(codes), ["LAD13CD", "LAD13NM", "geometry"]]
        return gdf.rename(columns={"LAD13CD": "code", "LAD13NM": "name"})

    gdf = _to_bng(_read("lad", source, reader))
    repaired = gdf.attrs["repaired"]
    gdf["geometry"] = _polygonal(gdf.geometry.values)
    missing = sorted(set(codes) - set(gdf["code"]))
    if missing:
        raise SourceError(
            f"{source_path('lad', source)} (dataset lad) has no district {', '.join(missing)}"
        )
    gdf = gdf.set_index("code").loc[codes].reset_index()
    gdf.attrs["repaired"] = repaired
    return gdf


def read_lsoas(source: Path, codes: list[str] | None = None) -> gpd.GeoDataFrame:
    """LSOA 2011 polygons (code, name, geometry) in EPSG:27700, optionally only ``codes``."""

    def reader(path: Path) -> gpd.GeoDataFrame:
        gdf = gpd.read_file(path, columns=["LSOA11CD", "LSOA11NM"])
        if codes is not None:
            gdf = gdf[gdf["LSOA11CD"].isin(codes)]
        return gdf.rename(columns={"LSOA11CD": "code", "LSOA11NM": "name"})

    return _to_bng(_read("lsoa", source, reader)).reset_index(drop=True)


def read_wards(source: Path, district_codes: list[str]) -> gpd.GeoDataFrame:
    """WD13 wards of the given LAD13 districts (code, name, district, geometry), EPSG:27700."""
    folder = source_path("wards", source)
    frames = []
    for code in district_codes:
        path = folder / f"{code}.geojson"
        if not path.exists():
            raise SourceError(
                f"missing source file {path} (dataset wards: wards of district {code})"
            )
        with _reading("wards", path):
            gdf = gpd.read_file(path, columns=["WD13CD", "WD13NM"])
        gdf["district"] = code
        frames.append(gdf)
    wards = pd.concat(frames, ignore_index=True)
    wards = gpd.GeoDataFrame(wards, geometry="geometry", crs=frames[0].crs)
    return _to_bng(wards.rename(columns={"WD13CD": "code", "WD13NM": "name"}))


def read_population_2017(source: Path) -> pd.DataFrame:
    """Mid-2017 population by LSOA 2011: lsoa11cd, lad17cd, all_ages."""
    return _read(
        "population_2017",
        source,
        lambda p: pd.read_csv(p, dtype={"lsoa11cd": str, "lad17cd": str, "all_ages": np.int64}),
    )


def read_census_2021_age(source: Path) -> pd.DataFrame:
    """Census 2021 by LSOA 2021: lsoa21_code, lsoa21_name, age_65_plus, total."""
    cols = ["lsoa21_code", "lsoa21_name", "age_65_plus", "total"]
    return _read("census_2021_age", source, lambda p: pd.read_csv(p, usecols=cols))


def read_ccg_2019(source: Path) -> pd.DataFrame:
    """The CCG (April 2019) of every English LSOA 2011, from the ONS lookup.

    Returns
    -------
    DataFrame
        lsoa11cd, ccg19cd (E38 code), ccg (CCG19CDH, the 3-character ODS code
        such as ``06W``) and ccg_name (e.g. "NHS Norwich CCG"), one row per LSOA.

    """
    cols = {"LSOA11CD": "lsoa11cd", "CCG19CD": "ccg19cd", "CCG19CDH": "ccg", "CCG19NM": "ccg_name"}

    def reader(path: Path) -> pd.DataFrame:
        df = pd.read_csv(path, usecols=list(cols), dtype=str, keep_default_na=False)
        return df.rename(columns=cols)[list(cols.values())]

    return _read("ccg_2019", source, reader)


def read_ruc_2011(source: Path) -> pd.DataFrame:
    """The ONS Rural-Urban Classification 2011 of every LSOA 2011 in England and Wales.

    Returns
    -------
    DataFrame
        lsoa11cd, ruc11 (class code, e.g. ``C1``; classes D and E are rural) and
        ruc11_name (e.g. "Urban city and town"), one row per LSOA.

    """
    cols = {"LSOA11CD": "lsoa11cd", "RUC11CD": "ruc11", "RUC11": "ruc11_name"}

    def reader(path: Path) -> pd.DataFrame:
        df = pd.read_csv(path, usecols=list(cols), dtype=str, keep_default_na=False)
        return df.rename(columns=cols)[list(cols.values())]

    return _read("ruc_2011", source, reader)


def read_ruc_2021(source: Path) -> pd.DataFrame:
    """The ONS Rural-Urban Classification 2021 of every LSOA 2021 in England and Wales.

    Returns
    -------
    DataFrame
        lsoa21cd, ruc21 (class code, e.g. ``RSF1``), ruc21_name (e.g. "Smaller
        rural: Further from a major town or city") and rural21 (the ONS
        urban/rural flag is Rural), one row per LSOA.

    """
    cols = {"LSOA21CD": "lsoa21cd", "RUC21CD": "ruc21", "RUC21NM": "ruc21_name",
            "Urban_rural_flag": "flag"}  # fmt: skip

    def reader(path: Path) -> pd.DataFrame:
        df = pd.read_csv(path, usecols=list(cols), dtype=str, keep_default_na=False)
        df = df.rename(columns=cols)
        df["rural21"] = df.pop("flag").str.strip().str.lower() == "rural"
        return df[["lsoa21cd", "ruc21", "ruc21_name", "rural21"]]

    return _read("ruc_2021", source, reader)


_CODEPOINT_COLUMNS = ["postcode", "quality", "easting", "northing", "district_2025"]


def read_codepoint(source: Path, areas: list[str] | None = None) -> pd.DataFrame:
    """OS Code-Point Open postcodes with coordinates.

    Parameters
    ----------
    source : Path
        Source folder.
    areas : list of str, optional
        Postcode areas to read (e.g. ``["NR", "IP"]``); all of GB when None.

    Returns
    -------
    DataFrame
        postcode (official spacing), quality (int), easting, northing (EPSG:27700
        metres, int) and district_2025 (GSS code). Rows without coordinates
        (quality 90) are left out.

    """

    def reader(path: Path) -> pd.DataFrame:
        with zipfile.ZipFile(path) as zf:
            names = [
                n
                for n in zf.namelist()
                if re.fullmatch(r"Data/CSV/[a-z]{1,2}\.csv", n)
                and (areas is None or Path(n).stem.upper() in areas)
            ]
            if not names:
                raise ValueError("no Data/CSV/<area>.csv members (OS Code-Point Open layout)")
            frames = [
                pd.read_csv(
                    zf.open(n),
                    header=None,
                    usecols=[0, 1, 2, 3, 8],
                    names=_CODEPOINT_COLUMNS,
                    dtype={"postcode": str, "district_2025": str},
                    keep_default_na=False,
                )
                for n in names
            ]
        df = pd.concat(frames, ignore_index=True)
        return df[df["quality"] < 90].reset_index(drop=True)

    return _read("codepoint", source, reader)


def read_postcode_lookup(source: Path) -> pd.DataFrame:
    """ONS postcode lookup (May 2022), GB only (Northern Ireland BT rows dropped).

    Returns postcode (``pcds`` form), doterm (termination month YYYYMM, empty
    when live), oa11cd, lsoa11cd, ladcd.
    """
    cols = ["pcds", "doterm", "oa11cd", "lsoa11cd", "ladcd"]

    def reader(path: Path) -> pd.DataFrame:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                include_columns=cols, column_types=dict.fromkeys(cols, pa.string())
            ),
        )
        df: pd.DataFrame = table.to_pandas()
        df = df[~df["pcds"].str.startswith("BT")]
        df["doterm"] = df["doterm"].fillna("")
        df = df.rename(columns={"pcds": "postcode"})
        return df.reset_index(drop=True)

    return _read("postcode_lookup", source, reader)


def read_gp_practices(source: Path) -> pd.DataFrame:
    """Active GP practices from epraccur (prescribing setting 4, status A).

    Returns code, name, postcode, icb, commissioner, address.
    """

    def reader(path: Path) -> pd.DataFrame:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
        if raw.shape[1] != 27:
            raise ValueError(f"expected 27 columns (epraccur layout), found {raw.shape[1]}")
        active = raw[(raw[12] == "A") & (raw[25] == "4")]
        address = active[[4, 5, 6, 7, 8]].apply(lambda c: c.str.title()).agg(", ".join, axis=1)
        return pd.DataFrame(
            {
                "code": active[0],
                "name": active[1].str.title(),
                "postcode": active[9].str.upper().str.strip(),
                "icb": active[3],
                "commissioner": active[14],
                "address": address.str.replace(r"(, )+", ", ", regex=True).str.strip(", "),
            }
        ).reset_index(drop=True)

    return _read("gp_practices", source, reader)


def read_pcn_membership(source: Path) -> pd.DataFrame:
    """Current practice-to-PCN membership from ePCN: practice, pcn_code, pcn_name."""

    def reader(path: Path) -> pd.DataFrame:
        sheet = pd.read_excel(path, sheet_name="PCN Core Partner Details", dtype=str)
        sheet.columns = [" ".join(str(c).split()) for c in sheet.columns]
        current = sheet[sheet["Practice to PCN Relationship End Date"].isna()]
        return current.rename(
            columns={
                "Partner Organisation Code": "practice",
                "PCN Code": "pcn_code",
                "PCN Name": "pcn_name",
            }
        )[["practice", "pcn_code", "pcn_name"]].drop_duplicates("practice")

    return _read("pcn", source, reader)


def read_open_names(source: Path) -> pd.DataFrame:
    """OS Open Names populated places: name, name2, local_type, easting, northing, county."""
    cols = {
        "NAME1": "name",
        "NAME2": "name2",
        "LOCAL_TYPE": "local_type",
        "GEOMETRY_X": "easting",
        "GEOMETRY_Y": "northing",
        "POPULATED_PLACE": "settlement",
        "COUNTY_UNITARY": "county",
    }

    def reader(path: Path) -> pd.DataFrame:
        df = pd.read_csv(path, usecols=list(cols), dtype=str, keep_default_na=False)
        df = df.rename(columns=cols)
        df["easting"] = df["easting"].astype(float)
        df["northing"] = df["northing"].astype(float)
        return df

    return _read("open_names", source, reader)


def source_status(source: Path) -> pd.DataFrame:
    """One row per manifest dataset: id, file, present, required, provenance."""
    rows = [
        {
            "id": info.id,
            "file": info.file,
            "present": info.path(source).exists(),
            "required": info.required,
            "title": info.title,
            "publisher": info.publisher,
            "licence": info.licence,
            "vintage": info.vintage,
            "url": info.url,
        }
        for info in load_manifest().values()
    ]
    return pd.DataFrame(rows)
