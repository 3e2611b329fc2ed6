"""Session fixtures: real slices of the shared data, built once into a temporary folder."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from geozones._settings import source_dir
from geozones.cli.main import main
from geozones.distance.circuity import update_circuity
from geozones.geocode.geocoder import Geocoder
from geozones.regions.build import build_region, ensure_postcode_index
from geozones.regions.data import RegionData
from geozones.regions.postcodes import INDEX_FILE, PostcodeIndex
from geozones.regions.specs import REGIONS
from geozones.zones.derived import DERIVED_LAYERS
from geozones.zones.store import INSTANCE_ENV
from geozones.zones.units import UnitLayer, load_units

#: How long :func:`wait_until` waits by default (seconds): far longer than any wait should
#: take, so a slow or busy machine fails no test, while a hung one still fails.
WAIT_S = 60.0
#: How often :func:`wait_until` looks again (seconds).
POLL_S = 0.05


@pytest.fixture(scope="session", autouse=True)
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session instance folder (plan store), so tests never write into the checkout."""
    folder = tmp_path_factory.mktemp("instance")
    os.environ[INSTANCE_ENV] = str(folder)
    return folder


def poll(condition: Callable[[], object], what: str, timeout: float = WAIT_S) -> object:
    """Call ``condition`` every :data:`POLL_S` until it returns something true; return that.

    Fails the test, saying ``what`` was awaited, when ``timeout`` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what}, in vain")
        time.sleep(POLL_S)


@pytest.fixture
def wait_until() -> Callable[..., object]:
    """:func:`poll`: wait for a condition against a deadline instead of sleeping a fixed time."""
    return poll


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the ``geozones`` command line; return (exit code, stdout, stderr)."""

    def run(*args: object) -> tuple[int, str, str]:
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(scope="session")
def source() -> Path:
    """The shared source data folder (../shared/data or $GEOZONES_SOURCE)."""
    folder = source_dir()
    if not (folder / "README.md").exists():
        pytest.fail(
            f"the source data folder {folder} is missing; put ../shared beside the checkout"
        )
    return folder


@pytest.fixture(scope="session")
def build_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session build folder shared by the region fixtures."""
    return tmp_path_factory.mktemp("build")


@pytest.fixture(scope="session")
def gb_index(source: Path, build_root: Path) -> PostcodeIndex:
    """The GB postcode index, built once per session."""
    return ensure_postcode_index(source, build_root)


def _build(name: str, source: Path, out: Path, index: PostcodeIndex, roads: bool) -> RegionData:
    spec = REGIONS[name] if roads else dataclasses.replace(REGIONS[name], roads=None)
    result = build_region(spec, source, out, index, derive=DERIVED_LAYERS)
    return RegionData(spec, result.path)


@pytest.fixture(scope="session")
def rutland(source: Path, build_root: Path, gb_index: PostcodeIndex) -> RegionData:
    """Rutland, built with its real road extract."""
    return _build("rutland", source, build_root, gb_index, roads=True)


@pytest.fixture(scope="session")
def norfolk(source: Path, build_root: Path, gb_index: PostcodeIndex) -> RegionData:
    """Norfolk's seven districts with the 2021 road network."""
    return _build("norfolk", source, build_root, gb_index, roads=True)


@pytest.fixture(scope="session")
def herefordshire(source: Path, build_root: Path, gb_index: PostcodeIndex) -> RegionData:
    """Herefordshire built without its road extract: the straight-line estimate path."""
    return _build("herefordshire", source, build_root, gb_index, roads=False)


@pytest.fixture(scope="session")
def hertfordshire(source: Path, build_root: Path, gb_index: PostcodeIndex) -> RegionData:
    """Hertfordshire's ten districts, built without their road extract (estimates)."""
    return _build("hertfordshire", source, build_root, gb_index, roads=False)


@pytest.fixture(scope="session")
def nottinghamshire(source: Path, build_root: Path, gb_index: PostcodeIndex) -> RegionData:
    """Nottinghamshire's seven districts with the 2021 road network (its CDGs are by road)."""
    return _build("nottinghamshire", source, build_root, gb_index, roads=True)


@pytest.fixture(scope="session")
def roads_root(
    tmp_path_factory: pytest.TempPathFactory, build_root: Path, gb_index: PostcodeIndex
) -> Path:
    """A second session build folder, for regions built with their road extracts."""
    folder = tmp_path_factory.mktemp("build-roads")
    for name in (INDEX_FILE, INDEX_FILE.replace(".npz", ".json")):
        (folder / name).symlink_to(build_root / name)
    return folder


@pytest.fixture(scope="session")
def herefordshire_roads(source: Path, roads_root: Path, gb_index: PostcodeIndex) -> RegionData:
    """Herefordshire with its 2021 road extract (cut at the county outline)."""
    return _build("herefordshire", source, roads_root, gb_index, roads=True)


@pytest.fixture(scope="session")
def hertfordshire_roads(source: Path, roads_root: Path, gb_index: PostcodeIndex) -> RegionData:
    """Hertfordshire with its 2021 road extract (cut at the county outline)."""
    return _build("hertfordshire", source, roads_root, gb_index, roads=True)


@pytest.fixture(scope="session")
def herefordshire_units(herefordshire: RegionData) -> UnitLayer:
    """Herefordshire's LSOAs as a unit layer (polygons, adjacency, weighted points)."""
    return load_units(herefordshire, "units")


@pytest.fixture(scope="session")
def circuity_measured(
    build_root: Path, norfolk: RegionData, rutland: RegionData, nottinghamshire: RegionData
) -> Path:
    """circuity.json measured on every network of the session build (Norfolk, Rutland, Notts).

    All three are asked for, so the factors are the same whichever tests ran first.
    """
    return update_circuity(build_root)[1]


@pytest.fixture(scope="module")
def nfk(gb_index: PostcodeIndex, norfolk: RegionData) -> Geocoder:
    """A geocoder for Norfolk."""
    return Geocoder(gb_index, norfolk)


@pytest.fixture(scope="module")
def hfd(gb_index: PostcodeIndex, herefordshire: RegionData) -> Geocoder:
    """A geocoder for Herefordshire."""
    return Geocoder(gb_index, herefordshire)


@pytest.fixture(scope="module")
def doc(client: Any) -> dict[str, Any]:
    """The OpenAPI document, from the ``client`` of the test module asking for it."""
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document
