"""The zone, lot and PCN area of any point, from saved plans or the scheme's rule files.

:class:`PlanZones` is the :class:`~geozones.classification.classifier.ZoneLookup`
that lookups use; :func:`classifier_for` gives the (cached) classifier of a
scheme wired to it, which is what the CLI, the web app and
:func:`geozones.classify` answer with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt

from geozones._cache import clearable
from geozones._settings import build_dir
from geozones._spatial import UnitIndex
from geozones._vocab import RuleKind, ZoneColumn
from geozones.classification.classifier import Answer, Classifier
from geozones.regions.cache import writing_caches
from geozones.regions.data import REPORT_FILE, RegionData, load_region
from geozones.schemes.scheme import Scheme, get_scheme, list_schemes
from geozones.zones.builders import district_plan, lot_plan, pcn_plan, pcn_zone_plan
from geozones.zones.plan import ZonePlan
from geozones.zones.rules import scheme_rules
from geozones.zones.store import PlanStore

#: The builder of each kind of rules.
_BUILDERS: dict[RuleKind, Callable[[RegionData, Scheme], ZonePlan]] = {
    RuleKind.DISTRICTS: district_plan,
    RuleKind.LOTS: lot_plan,
    RuleKind.PCN: pcn_zone_plan,
}


@dataclass(frozen=True)
class ZoneSource:
    """Where one answer column comes from: a stored plan name and, failing it, a builder."""

    column: ZoneColumn
    plan: str
    build: Callable[[], ZonePlan] | None


def zone_sources(region: RegionData, scheme: Scheme) -> list[ZoneSource]:
    """The plans behind ``zone``, ``lot`` and ``pcn`` for a scheme, in order of precedence.

    For each of the scheme's zone layers: the stored plan ``<region>-<layer id>``,
    else the plan its rule file builds. A layer whose rules are of kind
    ``lots`` fills ``lot``; any other fills ``zone`` (the layer's ``kind`` in the
    scheme file says which where there are no rules). Where several layers
    fill one column, the first in the scheme file answers. The PCN is the stored
    ``<region>-pcn-areas`` plan, else :func:`~geozones.zones.builders.pcn_plan`.
    """
    rules = {r.layer: r for r in scheme_rules(scheme.id)}
    out: list[ZoneSource] = []
    for layer in scheme.zone_layers:
        rule = rules.get(layer.id)
        column = ZoneColumn.LOT if layer.kind == ZoneColumn.LOT else ZoneColumn.ZONE
        build = None
        if rule is not None:
            column = ZoneColumn.LOT if rule.kind == RuleKind.LOTS else ZoneColumn.ZONE
            build = partial(_BUILDERS[rule.kind], region, scheme)
        out.append(ZoneSource(column, f"{region.name}-{layer.id}", build))
    out.append(ZoneSource(ZoneColumn.PCN, f"{region.name}-pcn-areas", partial(pcn_plan, region)))
    return out


class PlanZones:
    """Zone, lot and PCN of points from the latest saved plans (read-only).

    Parameters
    ----------
    region : RegionData
        The scheme's built region.
    scheme : Scheme
        Whose zone layers to answer.
    store : PlanStore
        Read for the latest version of each plan; never written, and a store
        that does not exist yet reads as empty (no file is created).

    """

    def __init__(self, region: RegionData, scheme: Scheme, store: PlanStore) -> None:
        self.sources = zone_sources(region, scheme)
        self.store = store
        self._versions: tuple[int | None, ...] | None = None
        self._lookups: dict[ZoneColumn, tuple[UnitIndex, npt.NDArray[np.object_]]] = {}
        self._plans: dict[ZoneColumn, ZonePlan] = {}

    def plans(self) -> dict[ZoneColumn, ZonePlan]:
        """The plan behind each column; a newly saved version is picked up on the next call."""
        versions = tuple(self.store.latest(s.plan) for s in self.sources)
        if versions == self._versions:
            return self._plans
        plans: dict[ZoneColumn, ZonePlan] = {}
        for source, version in zip(self.sources, versions, strict=True):
            if source.column in plans:
                continue
            if version is not None:
                plans[source.column] = self.store.get(source.plan, version)
            elif source.build is not None:
                plans[source.column] = source.build()
        self._versions, self._plans, self._lookups = versions, plans, {}
        return plans

    def zones_at(self, xy: npt.NDArray[np.float64]) -> Mapping[ZoneColumn, npt.NDArray[np.object_]]:
        """The zone, lot and PCN of each point (EPSG:27700 metres); None outside every unit."""
        out: dict[ZoneColumn, npt.NDArray[np.object_]] = {}
        for column, plan in self.plans().items():
            if column not in self._lookups:
                units = plan.units
                zones = plan.assignment.reindex(units.codes).to_numpy(dtype=object)
                self._lookups[column] = (units.index, zones)
            index, zones = self._lookups[column]
            unit = index.positions(xy)
            found = np.full(len(unit), None, dtype=object)
            found[unit >= 0] = zones[unit[unit >= 0]]
            out[column] = found
        return out


def classifier_for(
    scheme_id: str, build: Path | None = None, store: Path | None = None
) -> Classifier:
    """The classifier of scheme ``scheme_id`` with zones from the plan store, cached per build.

    Parameters
    ----------
    scheme_id : str
        E.g. ``"norfolk-2019"``.
    build : Path, optional
        Build folder (default ``data/build`` or ``$GEOZONES_BUILD``).
    store : Path, optional
        Plan store file (default ``<instance>/zones.sqlite``).

    """
    scheme = get_scheme(scheme_id)
    folder = build_dir(build).resolve()
    report = folder / scheme.region / REPORT_FILE
    stamp = report.stat().st_mtime_ns if report.exists() else 0
    plan_store = PlanStore(store, build)
    return _cached_classifier(scheme_id, folder, stamp, plan_store.path.resolve())


@clearable(maxsize=16)
def _cached_classifier(scheme_id: str, build: Path, stamp: int, store: Path) -> Classifier:
    del stamp
    scheme = get_scheme(scheme_id)
    from geozones.zones.cache import CachedPlanZones  # a subclass of PlanZones: imports this module

    zones = CachedPlanZones(load_region(scheme.region, build), scheme, PlanStore(store, build))
    return Classifier(scheme, build, zones)


def classify(query: str | tuple[float, float], scheme: str, build: Path | None = None) -> Answer:
    """Classify one address, postcode, place, grid reference or (easting, northing) point.

    Parameters
    ----------
    query : str or (float, float)
        What a person typed, or a point in EPSG:27700 metres.
    scheme : str
        Scheme id, e.g. ``"norfolk-2019"``.
    build : Path, optional
        Build folder.

    Returns
    -------
    Answer
        Band or class, rate, distance, zone, lot, PCN, surgery and caveats.

    """
    return classifier_for(scheme, build).classify(query)


def warm_caches(region: str, build: Path | None = None) -> list[str]:
    """Derive a built region's start-up caches once (see :mod:`geozones.regions.cache`).

    Runs one lookup of an in-region postcode under each of the region's schemes
    inside :func:`~geozones.regions.cache.writing_caches`, so the layers, the
    postcode keys, the solved nearest-surgery search and the zone lookup are
    written beside the build; later lookups only read them. ``geozones data
    build`` calls this after building.

    Returns
    -------
    list of str
        The schemes warmed.

    """
    data = load_region(region, build)
    postcodes = data.postcodes
    inside = postcodes[postcodes["in_region"].astype(bool)]
    sample = [str(inside["postcode"].iloc[0])] if len(inside) else []
    warmed = []
    with writing_caches():
        for scheme in list_schemes():
            if scheme.region == region:
                classifier_for(scheme.id, build).classify_many(sample)
                warmed.append(scheme.id)
    return warmed
