"""What one running app serves: its build, its regions and schemes, its plan store.

:class:`Site` is made once per app from its configuration and shared by the
API, the pages and the batch jobs (``current_app.extensions["geozones"]``).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd
from flask import current_app

from geozones._errors import NotFoundError
from geozones.classification.classifier import Classifier
from geozones.regions.data import GPKG_FILE, REPORT_FILE, RegionData, load_region
from geozones.regions.specs import REGIONS, RegionSpec, get_region_spec
from geozones.schemes.scheme import Scheme, get_scheme, list_schemes
from geozones.web.batch import JobStore
from geozones.web.layers import MapLayers
from geozones.zones.lookup import classifier_for
from geozones.zones.plan import ZonePlan
from geozones.zones.store import STORE_FILE, PlanStore, parse_plan_ref

__all__ = ["Site", "site"]


class Site:
    """The regions, schemes and plans one app serves.

    Parameters
    ----------
    build : Path
        Build folder of the regions.
    instance : Path
        Instance folder: plan store, map layer cache, batch jobs.
    regions : sequence of str, optional
        Region names served; default every region built in ``build`` (looked
        up on each call, so a region built later is served without a restart).

    """

    def __init__(self, build: Path, instance: Path, regions: tuple[str, ...] | None = None) -> None:
        self.build = build
        self.instance = instance
        self.configured = regions

    def built(self, name: str) -> bool:
        """True when region ``name`` has a build in the build folder."""
        return (self.build / name / GPKG_FILE).exists()

    def stamp(self, name: str) -> int:
        """The build's report time (ns), which changes with every rebuild of the region."""
        report = self.build / name / REPORT_FILE
        return report.stat().st_mtime_ns if report.exists() else 0

    def regions(self) -> list[RegionSpec]:
        """The regions served, in the configured order, else in declaration order."""
        if self.configured is not None:
            return [REGIONS[name] for name in self.configured]
        return [spec for spec in REGIONS.values() if self.built(spec.name)]

    def _served(self, name: str) -> RegionSpec:
        names = [spec.name for spec in self.regions()]
        if name not in names:
            get_region_spec(name)
            raise NotFoundError(
                f"region {name!r} is not served here; served regions: {', '.join(names) or 'none'}"
            )
        return REGIONS[name]

    def region(self, name: str) -> RegionData:
        """The built data of a served region.

        Raises
        ------
        NotFoundError
            Unknown or not served.
        BuildMissingError
            Served but not built.

        """
        return load_region(self._served(name).name, self.build)

    def schemes(self, region: str | None = None) -> list[Scheme]:
        """Schemes of the served regions (of ``region`` only, when given)."""
        names = {spec.name for spec in self.regions()}
        if region is not None:
            names = {self._served(region).name}
        return [scheme for scheme in list_schemes() if scheme.region in names]

    def scheme(self, scheme_id: str) -> Scheme:
        """A scheme of a served region.

        Raises
        ------
        NotFoundError
            Unknown scheme, or its region is not served.

        """
        scheme = get_scheme(scheme_id)
        served = [s.id for s in self.schemes()]
        if scheme.id not in served:
            raise NotFoundError(
                f"scheme {scheme_id!r} (region {scheme.region}) is not served here; "
                f"served schemes: {', '.join(served) or 'none'}"
            )
        return scheme

    def classifier(self, scheme_id: str) -> Classifier:
        """The classifier of a served scheme over this site's plan store (cached per build)."""
        scheme = self.scheme(scheme_id)
        self.region(scheme.region)
        return classifier_for(scheme.id, self.build, self.store_path)

    @property
    def store_path(self) -> Path:
        """The plan store file (``zones.sqlite`` in the instance folder)."""
        return self.instance / STORE_FILE

    def store_stamp(self) -> tuple[int, int]:
        """Modification times (ns) of the plan store and its write-ahead log (changed by a save)."""
        wal = self.store_path.with_name(STORE_FILE + "-wal")
        return _mtime_ns(self.store_path), _mtime_ns(wal)

    @cached_property
    def layers(self) -> MapLayers:
        """Map layers, cached in memory and under ``<instance>/map-layers``."""
        return MapLayers(self.instance / "map-layers")

    @cached_property
    def jobs(self) -> JobStore:
        """Batch jobs under ``<instance>/batch``."""
        return JobStore(self.instance / "batch")

    @cached_property
    def store(self) -> PlanStore:
        """The plan store (``zones.sqlite`` in the instance folder)."""
        return PlanStore(self.store_path, build=self.build)

    def plans(self, region: str | None = None) -> pd.DataFrame:
        """Stored plans of the served regions (of ``region`` only), latest version each."""
        names = {spec.name for spec in self.regions()}
        if region is not None:
            names = {self._served(region).name}
        plans = self.store.list()
        return plans[plans["region"].isin(names)].reset_index(drop=True)

    def plan(self, ident: str, version: int | None = None) -> ZonePlan:
        """A stored plan of a served region, by id (digits) or name.

        Raises
        ------
        NotFoundError
            No such plan or version, or its region is not served.

        """
        ref = parse_plan_ref(ident)
        key, version = ref.key, version if version is not None else ref.version
        plans = self.plans()
        column = "id" if isinstance(key, int) else "name"
        if not (plans[column] == key).any():
            shown = ", ".join(f"{row.id} ({row.name})" for row in plans.itertuples()) or "none"
            raise NotFoundError(f"no plan {ident!r} here; plans: {shown}")
        return self.store.get(key, version)

    def latest_plan(self, region: str) -> ZonePlan | None:
        """The most recently saved plan of ``region``, or None."""
        plans = self.plans(region)
        if plans.empty:
            return None
        row = plans.sort_values(["updated", "id"]).iloc[-1]
        return self.store.get(int(row["id"]))


def site() -> Site:
    """The :class:`Site` of the current app."""
    found: Site = current_app.extensions["geozones"]
    return found


def _mtime_ns(path: Path) -> int:
    """Modification time of ``path`` in ns, 0 when it does not exist.

    SQLite removes its write-ahead log when the last connection closes, at any moment.
    """
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0
