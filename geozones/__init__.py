"""geozones: home-care zones, lots and price bands for English county councils.

The main entry points load on first use, so ``import geozones`` stays light:

- :func:`load_region`: a built region's layers (EPSG:27700).
- :func:`classify`: band or class, rate, zone, lot and PCN of an address, postcode,
  place or point under a council's scheme.
- :func:`show_versions`: versions of geozones and its stack, for bug reports.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

#: Public name -> module defining it.
_EXPORTS = {
    "load_region": "geozones.regions.data",
    "RegionData": "geozones.regions.data",
    "classify": "geozones.zones.lookup",
    "Classifier": "geozones.classification.classifier",
    "Answer": "geozones.classification.classifier",
}


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'geozones' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def show_versions() -> None:
    """Print the versions of Python, geozones and the libraries it builds on."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    print(f"python    {platform.python_version()} ({platform.platform()})")
    print(f"geozones  {__version__}")
    for package in ("numpy", "pandas", "scipy", "shapely", "pyproj", "geopandas", "pyogrio",
                    "osmium", "networkx", "osmnx", "folium", "flask"):  # fmt: skip
        try:
            print(f"{package:<10}{version(package)}")
        except PackageNotFoundError:
            print(f"{package:<10}not installed")
