"""Where geozones reads sources and writes builds.

Resolution order for each folder: explicit argument, environment variable,
default beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout that holds ``geozones/`` and ``data/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Environment variable naming the source data folder.
SOURCE_ENV = "GEOZONES_SOURCE"
#: Environment variable naming the build folder.
BUILD_ENV = "GEOZONES_BUILD"

#: The source manifest: where each dataset comes from in the real world.
MANIFEST_PATH = PROJECT_ROOT / "data" / "boundaries" / "sources.toml"

#: British National Grid: every distance and area inside geozones.
BNG = "EPSG:27700"
#: WGS84 longitude/latitude: the web map and exports only.
WGS84 = "EPSG:4326"
#: Metres in a statute mile.
METRES_PER_MILE = 1609.344


def source_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the source data folder (default ``../shared/data`` beside the checkout)."""
    if path is not None:
        return Path(path)
    env = os.environ.get(SOURCE_ENV)
    if env:
        return Path(env)
    return PROJECT_ROOT.parent / "shared" / "data"


def build_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the build folder (default ``data/build`` in the checkout)."""
    if path is not None:
        return Path(path)
    env = os.environ.get(BUILD_ENV)
    if env:
        return Path(env)
    return PROJECT_ROOT / "data" / "build"
