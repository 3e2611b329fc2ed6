"""Start-up cache of the zone lookup: the zone, lot and PCN units of plans built from data.

Until a council saves a plan, a lookup's ``zone``, ``lot`` and ``pcn`` come
from plans built on the spot (:func:`~geozones.zones.builders.pcn_plan` runs a
road search from every member practice; the lot and district builders read
the rule files). :class:`CachedPlanZones` answers those columns from what the
build made of them last time, cached beside the region
(:mod:`geozones.regions.cache`): each unit's polygon (the cleaned coverage
:func:`~geozones.zones.units.load_units` makes) and its zone, the very two
arrays :class:`~geozones.zones.lookup.PlanZones` looks points up in.

As soon as any of the scheme's plans has a saved version, every column is
answered as :class:`~geozones.zones.lookup.PlanZones` answers it, from the
store; so is a column whose builder cannot be named in a cache key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from geozones._spatial import UnitIndex
from geozones._vocab import ZoneColumn
from geozones.regions.cache import read_arrays, value_digest, write_arrays
from geozones.regions.data import RegionData
from geozones.schemes.scheme import Scheme
from geozones.zones.lookup import PlanZones
from geozones.zones.plan import ZonePlan
from geozones.zones.store import PlanStore

Objects = npt.NDArray[np.object_]
#: Arrays of one cached column: unit polygons as WKB (bytes and offsets) and zones.
ZONE_ARRAYS: tuple[str, ...] = ("wkb", "offsets", "zone", "kind")


def builder_identity(build: Callable[[], object]) -> list[object] | None:
    """A JSON-ready name of a plan builder and its arguments; None when it has none.

    ``partial(pcn_plan, region)`` is named by the function and the region's
    name; a scheme argument by its id and a digest of every field (a scheme
    changed in memory is another scheme). Anything else cannot key a cache entry.
    """
    if not isinstance(build, partial):
        return None
    func = build.func
    args: list[object] = []
    for arg in build.args:
        if isinstance(arg, RegionData):
            args.append(["region", arg.name])
        elif isinstance(arg, Scheme) and " at 0x" not in repr(arg):
            args.append(["scheme", arg.id, value_digest(repr(arg))])  # all of it, not just its id
        else:
            return None
    keywords = build.keywords
    if not all(isinstance(v, str | int | float | bool) for v in keywords.values()):
        return None
    return [f"{func.__module__}.{func.__qualname__}", args, sorted(keywords.items())]


#: Stages above zones (the import contract keeps a plan builder from using their code).
_LATER_STAGES = frozenset({"balance", "batch", "cli", "demand", "web"})


def zone_code() -> tuple[str, ...]:
    """The package files and folders a built plan can depend on: all but the later stages."""
    package = Path(__file__).resolve().parent.parent
    names = (p.name for p in package.iterdir() if p.name != "__pycache__")
    return tuple(sorted(n for n in names if n not in _LATER_STAGES))


#: How a zone is stored: text, None (no plan answer) or NaN (a unit the plan leaves out).
_TEXT, _NONE, _NAN = 0, 1, 2


def _pack(geoms: npt.ArrayLike, zones: Objects) -> dict[str, npt.ArrayLike] | None:
    """A column's unit polygons and zones as plain arrays (:data:`ZONE_ARRAYS`); None if it can't.

    Zones are kept exactly: text, None, or NaN for units the plan leaves out
    (what ``assignment.reindex`` gives them); anything else is not cached.
    """
    kind = np.full(len(zones), _TEXT, dtype=np.int8)
    text = np.full(len(zones), "", dtype=object)
    for i, z in enumerate(zones):
        if isinstance(z, str):
            text[i] = z
        elif z is None:
            kind[i] = _NONE
        elif isinstance(z, float) and np.isnan(z):
            kind[i] = _NAN
        else:
            return None
    wkb = [bytes(b) for b in shapely.to_wkb(np.asarray(geoms, dtype=object))]
    return {
        "wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
        "offsets": np.cumsum([0, *map(len, wkb)], dtype=np.int64),
        "zone": text.astype(str),
        "kind": kind,
    }


def _unpack(arrays: Mapping[str, npt.NDArray[Any]]) -> tuple[UnitIndex, Objects] | None:
    """The lookup :func:`_pack` stored: an index over the unit polygons, and their zones."""
    data, offsets, kind = arrays["wkb"].tobytes(), arrays["offsets"], arrays["kind"]
    if len(offsets) != len(kind) + 1 or len(arrays["zone"]) != len(kind):
        return None
    wkb = [data[a:b] for a, b in pairwise(offsets.tolist())]
    geoms = shapely.from_wkb(np.array(wkb, dtype=object))
    zones = np.array(arrays["zone"].tolist(), dtype=object)
    zones[kind == _NONE] = None
    zones[kind == _NAN] = float("nan")
    return UnitIndex(geoms), zones


class CachedPlanZones(PlanZones):
    """:class:`PlanZones` whose built (never saved) plans answer from the start-up cache.

    Same parameters and answers as :class:`PlanZones`. While the store holds no
    version of any of the scheme's plans, each column is the plan of its first
    source with a builder (the rule :meth:`PlanZones.plans` follows then), and
    its units and zones are read from the region's cache, or made by building
    that plan once (then cached). Otherwise everything is left to :class:`PlanZones`.
    """

    def __init__(self, region: RegionData, scheme: Scheme, store: PlanStore) -> None:
        super().__init__(region, scheme, store)
        self._built: dict[ZoneColumn, tuple[UnitIndex, Objects]] | None = None

    def zones_at(self, xy: npt.NDArray[np.float64]) -> Mapping[ZoneColumn, Objects]:
        """The zone, lot and PCN of each point (EPSG:27700 metres); None outside every unit."""
        if any(self.store.latest(s.plan) is not None for s in self.sources):
            return super().zones_at(xy)
        lookups = self._built_lookups()
        if lookups is None:
            return super().zones_at(xy)
        out: dict[ZoneColumn, Objects] = {}
        for column, (index, zones) in lookups.items():
            unit = index.positions(xy)
            found = np.full(len(unit), None, dtype=object)
            found[unit >= 0] = zones[unit[unit >= 0]]
            out[column] = found
        return out

    def _built_lookups(self) -> dict[ZoneColumn, tuple[UnitIndex, Objects]] | None:
        """Per column, the (index, zones) of its built plan; None when one cannot be cached."""
        if self._built is not None:
            return self._built
        chosen: dict[ZoneColumn, tuple[str, Callable[[], ZonePlan]]] = {}
        for source in self.sources:
            if source.column not in chosen and source.build is not None:
                chosen[source.column] = (source.plan, source.build)
        lookups: dict[ZoneColumn, tuple[UnitIndex, Objects]] = {}
        code = zone_code()
        for column, (plan_name, build) in chosen.items():
            identity, region = builder_identity(build), _region_of(build)
            if identity is None or region is None:
                return None
            extra = {"kind": "zone-lookup", "column": str(column), "plan": plan_name,
                     "builder": identity}  # fmt: skip
            name = f"zones-{value_digest(extra)}.npz"
            arrays = read_arrays(region.path, name, extra, code)
            lookup = _unpack(arrays) if arrays and all(k in arrays for k in ZONE_ARRAYS) else None
            if lookup is None:
                plan = build()
                units = plan.units
                zones = plan.assignment.reindex(units.codes).to_numpy(dtype=object)
                lookup = (UnitIndex(units.geoms), zones)
                packed = _pack(units.geoms, zones)
                if packed is not None:
                    write_arrays(region.path, name, packed, extra, code)
            lookups[column] = lookup
        self._built = lookups
        return lookups


def _region_of(build: Callable[[], object]) -> RegionData | None:
    """The region a builder partial is bound to."""
    args = build.args if isinstance(build, partial) else ()
    return next((a for a in args if isinstance(a, RegionData)), None)
