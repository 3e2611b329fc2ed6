"""Loading built region data: ``load_region(name)`` and the typed ``RegionData``."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geozones._cache import clearable
from geozones._errors import BuildMissingError, DataError
from geozones._settings import build_dir
from geozones.network.graph import RoadNetwork
from geozones.regions.cache import cached_layer
from geozones.regions.specs import RegionSpec, get_region_spec

#: File names inside a region's build folder.
GPKG_FILE = "region.gpkg"
REPORT_FILE = "build.json"
NETWORK_DIR = "network"


class RegionData:
    """A built region: layers as GeoDataFrames in EPSG:27700, each read on first use.

    Attributes
    ----------
    spec : RegionSpec
        The region's declaration.
    path : Path
        Its build folder (``<build>/<name>``).

    """

    def __init__(self, spec: RegionSpec, path: Path) -> None:
        self.spec = spec
        self.path = path
        self._gpkg = path / GPKG_FILE

    def __repr__(self) -> str:
        return f"RegionData({self.spec.name!r}, {str(self.path)!r})"

    @property
    def name(self) -> str:
        """The region's identifier (e.g. ``norfolk``)."""
        return self.spec.name

    @cached_property
    def report(self) -> dict[str, Any]:
        """The build report (counts, checks, sources) written by the build."""
        report: dict[str, Any] = json.loads((self.path / REPORT_FILE).read_text(encoding="utf-8"))
        return report

    def layer_names(self) -> list[str]:
        """Names of the layers in the region's GeoPackage."""
        import pyogrio  # GDAL loads only when a layer is read from the GeoPackage

        return [str(name) for name, _ in pyogrio.list_layers(self._gpkg)]

    def _layer(self, name: str) -> gpd.GeoDataFrame:
        """Layer ``name``, from its start-up cache (:mod:`~geozones.regions.cache`) or the GPKG."""
        layer: gpd.GeoDataFrame = cached_layer(self.path, name, lambda: self._read_layer(name))
        return layer

    def _read_layer(self, name: str) -> gpd.GeoDataFrame:
        import pyogrio  # GDAL loads only when a layer is read from the GeoPackage

        try:
            layer: gpd.GeoDataFrame = pyogrio.read_dataframe(self._gpkg, layer=name)
        except pyogrio.errors.DataLayerError as exc:
            raise DataError(
                f"region {self.name}: layer {name!r} is missing from {self._gpkg}; "
                f"rebuild with: geozones data build --region {self.name}"
            ) from exc
        return layer

    @cached_property
    def boundary(self) -> gpd.GeoDataFrame:
        """The county or unitary outline (one polygon)."""
        return self._layer("boundary")

    @cached_property
    def districts(self) -> gpd.GeoDataFrame:
        """LAD 2013 districts: code, name."""
        return self._layer("districts")

    @cached_property
    def units(self) -> gpd.GeoDataFrame:
        """LSOA 2011 units: code, name, district, ccg, population (2017), age65 (2021), area_km2."""
        return self._layer("units")

    @cached_property
    def ccg_areas(self) -> gpd.GeoDataFrame:
        """Each CCG of April 2019 within the region, dissolved from its LSOAs: code, name, lsoas."""
        return self._layer("ccg_areas")

    @cached_property
    def wards(self) -> gpd.GeoDataFrame:
        """2013 electoral wards: code, name, district."""
        return self._layer("wards")

    @cached_property
    def gp_practices(self) -> gpd.GeoDataFrame:
        """Active GP practices in the region and its buffer, with PCN and ``in_region``."""
        return self._layer("gp_practices")

    @cached_property
    def gp_practices_unlocated(self) -> pd.DataFrame:
        """Practices whose postcode could not be located, with the reason."""
        return pd.DataFrame(self._layer("gp_practices_unlocated"))

    @cached_property
    def postcodes(self) -> gpd.GeoDataFrame:
        """Code-Point Open postcodes in the region and its buffer, with LSOA and district."""
        return self._layer("postcodes")

    @cached_property
    def places(self) -> gpd.GeoDataFrame:
        """Populated places (OS Open Names, gaps from GeoNames) in the region and its buffer."""
        return self._layer("places")

    @cached_property
    def band_areas(self) -> gpd.GeoDataFrame:
        """Price-band polygons of the region's road-distance schemes: scheme, band, colour."""
        return self._layer("band_areas")

    @cached_property
    def scheme_centres(self) -> gpd.GeoDataFrame:
        """Named centres of the region's schemes (e.g. Hereford and the market towns)."""
        return self._layer("scheme_centres")

    @cached_property
    def roads(self) -> gpd.GeoDataFrame | None:
        """Road centre lines from the region's extract, or None when it was built without one."""
        return self._layer("roads") if "roads" in self.layer_names() else None

    @cached_property
    def network(self) -> RoadNetwork | None:
        """The drivable road network (EPSG:27700), or None when the region has no extract."""
        folder = self.path / NETWORK_DIR
        return RoadNetwork.load(folder) if folder.exists() else None


def load_region(name: str, build: Path | None = None) -> RegionData:
    """Return the built region ``name`` from the build folder.

    Raises
    ------
    BuildMissingError
        When the region has not been built, naming the command that builds it.

    """
    spec = get_region_spec(name)
    path = build_dir(build) / name
    if not (path / GPKG_FILE).exists():
        raise BuildMissingError(
            f"region {name} has not been built in {path.parent}; "
            f"run: geozones data build --region {name}"
        )
    stamp = (path / REPORT_FILE).stat().st_mtime_ns
    return _cached_region(spec.name, path.resolve(), stamp)


@clearable(maxsize=16)
def _cached_region(name: str, path: Path, stamp: int) -> RegionData:
    """One RegionData per build (a rebuild changes ``stamp`` and loads afresh)."""
    del stamp
    return RegionData(get_region_spec(name), path)
