"""Where geozones reads sources and writes builds and state, and its fixed units.

Each folder resolves in one order: an explicit argument, then an environment
variable, then a default relative to the current working directory (the
checkout, for ``make run`` and ``make test``). Nothing resolves relative to the
installed package, so an installed geozones works the same as a checkout.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

#: Environment variable naming the source data folder.
SOURCE_ENV = "GEOZONES_SOURCE"
#: Environment variable naming the build folder.
BUILD_ENV = "GEOZONES_BUILD"

#: The source manifest shipped inside the package (a copy of ``data/boundaries/sources.toml``).
MANIFEST_PATH = Path(str(files("geozones.sources").joinpath("sources.toml")))

#: British National Grid: every distance and area inside geozones.
BNG = "EPSG:27700"
#: WGS84 longitude/latitude: the web map and exports only.
WGS84 = "EPSG:4326"
#: Metres in a statute mile.
METRES_PER_MILE = 1609.344


def resolve_dir(path: str | os.PathLike[str] | None, env: str, default: Path) -> Path:
    """``path`` if given, else the folder in environment variable ``env``, else ``default``.

    The result is absolute (relative to the current working directory), so
    messages and links name one unambiguous folder.
    """
    if path is not None:
        return Path(path).absolute()
    value = os.environ.get(env)
    return (Path(value) if value else default).absolute()


def source_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the source data folder: ``path``, ``$GEOZONES_SOURCE`` or ``../shared/data``."""
    return resolve_dir(path, SOURCE_ENV, Path("..") / "shared" / "data")


def build_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the build folder: ``path``, ``$GEOZONES_BUILD`` or ``data/build``."""
    return resolve_dir(path, BUILD_ENV, Path("data") / "build")
