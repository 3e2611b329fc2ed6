"""The regions geozones builds, declared as TOML data: one file per region.

A region is a county or unitary authority: the LAD 2013 districts it is made
of, the CCGs of April 2019 its LSOAs belonged to, the road extract that covers
it (if the source folder has one), the NHS ICB whose practices always count as
its own, how far beyond it practices and postcodes are kept, the scheme in
force there and the lot sizes its council called viable. Each ``*.toml`` file
beside this module is one region; a folder named by ``GEOZONES_REGION_FILES``
adds more (a council's own), so adding a county is adding a file. Reading a
file validates it completely: a malformed file raises
:class:`~geozones._errors.DataError` naming the file, the key and what was
expected; unknown keys are errors too.

Schema
------
``name`` (lower-case id, the file's name without ``.toml``), ``title``;
``default_scheme`` (optional: id of the scheme that answers a lookup naming
none, :func:`geozones.zones.place.scheme_at`); ``roads`` (optional: id of the
road extract in the source manifest, ``data/boundaries/sources.toml``);
``icb`` (optional: ODS code of an ICB whose active practices are included
wherever they are); ``buffer_km`` (optional, default 10: practices, postcodes
and places kept this far beyond the region).

``[districts]``: LAD 2013 code = district name, at least one.
``[ccgs]``: CCG19CDH code (e.g. ``"06W"``) = the CCG's name as the ONS lookup
gives it, for every CCG of :data:`CCG_VINTAGE` holding an LSOA of the region
(a build checks them against the lookup).
``[viability]`` (optional): ``min_hours``, ``max_hours``,
``provider_min_hours`` (hours a week, at least one of the minimums) and
``source`` (who published them).
``[speeds]`` (optional): km/h by highway class (``primary = 70``), overriding
the network's defaults for drive times.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from geozones._cache import clearable
from geozones._errors import DataError, NotFoundError
from geozones._toml import Table, load_toml, not_negative, optional, positive, sub
from geozones.sources.manifest import load_manifest

__all__ = [
    "CCG_VINTAGE",
    "DEFAULT_BUFFER_M",
    "REGIONS",
    "REGION_DIR",
    "REGION_FILES_ENV",
    "RegionSpec",
    "Viability",
    "expand_region_names",
    "get_region_spec",
    "load_region_file",
    "read_viability",
    "region_files",
]

#: The CCG vintage geozones builds (the ONS LSOA 2011 -> CCG lookup, dataset ``ccg_2019``).
CCG_VINTAGE = "April 2019"
#: Folder of the shipped region files.
REGION_DIR = Path(__file__).resolve().parent
#: Environment variable naming a folder of more region files.
REGION_FILES_ENV = "GEOZONES_REGION_FILES"
#: Default buffer around a region for practices, postcodes and places (metres).
DEFAULT_BUFFER_M = 10_000.0

_LAD = re.compile(r"[EWS]0[6-9]\d{6}")
_CCG = re.compile(r"[0-9A-Z]{3}")
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Viability:
    """Hours a week that make a lot commercially viable, as a council published them.

    Attributes
    ----------
    min_hours : float | None
        A lot with fewer hours a week is under the minimum; None: none published.
    max_hours : float | None
        A lot with more is over the maximum; None: no ceiling published.
    provider_min_hours : float | None
        Hours a week each provider must deliver (a framework condition).
    source : str
        Who published the figures, and where.

    """

    min_hours: float | None = None
    max_hours: float | None = None
    provider_min_hours: float | None = None
    source: str = ""


def read_viability(t: Table) -> Viability:
    """A ``[viability]`` table (of a scheme or region file)."""
    hours = "a number of hours a week more than 0"

    def hours_at(name: str) -> float | None:
        return float(t.number(name, hours, positive)) if t.has(name) else None

    low, high = hours_at("min_hours"), hours_at("max_hours")
    provider = hours_at("provider_min_hours")
    if high is not None and (low is None or high <= low):
        raise t.fail("max_hours", f"a maximum above min_hours ({low})", t.raw["max_hours"])
    if low is None and provider is None:
        raise DataError(
            f"{t.file}: missing key {t.key('min_hours')} or {t.key('provider_min_hours')} "
            "(a [viability] table gives at least one)"
        )
    return Viability(low, high, provider, source=t.text("source"))


@dataclass(frozen=True)
class RegionSpec:
    """What a region is made of (one region file, see the module docstring).

    Attributes
    ----------
    name : str
        Identifier used on the command line and in file names.
    title : str
        Name shown to people.
    districts : dict[str, str]
        LAD 2013 code to district name.
    roads : str | None
        Manifest id of the road extract that covers the region, or None.
    icb : str | None
        ODS code of the ICB whose active practices are included wherever they
        are (e.g. Norfolk & Waveney's Waveney practices), besides the buffer.
    ccgs : dict[str, str]
        CCG19CDH code (e.g. ``06W``) to the CCG's name as the ONS lookup gives it.
    default_scheme : str | None
        Id of the scheme in force in the region; None where geozones ships none.
    buffer_m : float
        Practices, postcodes and places are kept this far beyond the region (metres).
    viability : Viability | None
        Lot sizes the council called viable, where its region file gives them.
    speeds : dict[str, float]
        km/h by highway class overriding the network's defaults.
    path : Path | None
        The region file.

    """

    name: str
    title: str
    districts: dict[str, str]
    roads: str | None = None
    icb: str | None = None
    ccgs: dict[str, str] = field(default_factory=dict)
    default_scheme: str | None = None
    buffer_m: float = DEFAULT_BUFFER_M
    viability: Viability | None = None
    speeds: dict[str, float] = field(default_factory=dict)
    path: Path | None = None


def _codes(t: Table, name: str, pattern: re.Pattern[str], what: str) -> dict[str, str]:
    """A table of code = name, every code matching ``pattern``."""
    table = t.table(name)
    out: dict[str, str] = {}
    for code in table.raw:
        if not pattern.fullmatch(code):
            raise table.fail(code, what, code)
        out[code] = table.text(code)
    table.finish()
    return out


def _speeds(t: Table) -> dict[str, float]:
    from geozones.network.graph import HIGHWAYS  # loads only for a file that sets speeds

    out: dict[str, float] = {}
    for highway in list(t.raw):
        if highway not in HIGHWAYS:
            raise t.fail(highway, "a highway class: " + ", ".join(HIGHWAYS), highway)
        out[highway] = float(t.number(highway, "a speed in km/h more than 0", positive))
    return out


def _roads(t: Table) -> str:
    roads = t.text("roads")
    known = [k for k in load_manifest() if k.startswith("roads")]
    if roads not in known:
        expected = "the id of a road extract in the source manifest: " + ", ".join(known)
        raise t.fail("roads", expected, roads)
    return roads


def _read_region(t: Table) -> RegionSpec:
    name = t.text("name")
    if not _ID.fullmatch(name) or name != t.file.stem:
        expected = f"the file's name, {t.file.stem!r} (lower-case letters, digits and '-')"
        raise t.fail("name", expected, name)
    districts = _codes(t, "districts", _LAD, "a LAD 2013 code like E07000148")
    if not districts:
        raise t.fail("districts", "at least one district", {})
    buffer_m = (
        float(t.number("buffer_km", "kilometres, 0 or more", not_negative)) * 1000.0
        if t.has("buffer_km")
        else DEFAULT_BUFFER_M
    )
    spec = RegionSpec(
        name=name,
        title=t.text("title"),
        districts=districts,
        roads=_roads(t) if t.has("roads") else None,
        icb=t.text("icb") if t.has("icb") else None,
        ccgs=_codes(t, "ccgs", _CCG, "a 3-character CCG code like 06W") if t.has("ccgs") else {},
        default_scheme=t.ident("default_scheme") if t.has("default_scheme") else None,
        buffer_m=buffer_m,
        viability=optional(t, "viability", read_viability),
        speeds=sub(t, "speeds", _speeds) if t.has("speeds") else {},
        path=t.file,
    )
    t.finish()
    return spec


def load_region_file(path: str | Path) -> RegionSpec:
    """Read and validate one region file.

    Raises
    ------
    DataError
        The file is missing, is not TOML, or breaks the schema; the message names
        the file, the key and what was expected.

    """
    return _read_region(load_toml(path, "region file"))


def region_files(extra: str | None = None) -> list[Path]:
    """The shipped region files, then those of folder ``extra``, by name.

    ``extra`` defaults to the folder ``GEOZONES_REGION_FILES`` names (none when unset).
    """
    files = sorted(REGION_DIR.glob("*.toml"))
    if extra is None:
        extra = os.environ.get(REGION_FILES_ENV, "").strip()
    if extra:
        folder = Path(extra)
        if not folder.is_dir():
            raise DataError(f"{REGION_FILES_ENV}: {folder} is not a folder of region files")
        files += sorted(folder.glob("*.toml"))
    return files


@clearable(maxsize=8)
def _load(extra: str) -> dict[str, RegionSpec]:
    """Every region file's spec, read once per value of ``GEOZONES_REGION_FILES`` (``extra``)."""
    regions: dict[str, RegionSpec] = {}
    for path in region_files(extra):
        spec = load_region_file(path)
        if spec.name in regions:
            raise DataError(
                f"{path}: region {spec.name!r} is already declared by {regions[spec.name].path}"
            )
        regions[spec.name] = spec
    return regions


class _Regions(Mapping[str, RegionSpec]):
    """Every declared region by name, read from the region files (once per extra folder named)."""

    def _specs(self) -> dict[str, RegionSpec]:
        return _load(os.environ.get(REGION_FILES_ENV, "").strip())

    def __getitem__(self, name: str) -> RegionSpec:
        return self._specs()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs())

    def __len__(self) -> int:
        return len(self._specs())


#: Every declared region by name, in file order (shipped first).
REGIONS: Mapping[str, RegionSpec] = _Regions()


def get_region_spec(name: str) -> RegionSpec:
    """Return the declaration of region ``name`` or raise a NotFoundError listing the known ones."""
    try:
        return REGIONS[name]
    except KeyError:
        known = ", ".join(REGIONS)
        raise NotFoundError(
            f"unknown region {name!r}; known regions: {known} (a region is a file "
            f"<name>.toml in {REGION_DIR} or in the folder {REGION_FILES_ENV} names)"
        ) from None


def expand_region_names(names: tuple[str, ...] | list[str]) -> list[str]:
    """Expand ``default`` to every declared region and check each name."""
    out: list[str] = []
    for name in names or ("default",):
        for item in tuple(REGIONS) if name == "default" else (name,):
            get_region_spec(item)
            if item not in out:
                out.append(item)
    return out
