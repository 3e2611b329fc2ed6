"""Zone plans: units (LSOAs or wards) assigned to the zones and lots councils commission.

The pipeline, one module per job:

* :mod:`~geozones.zones.units`: a region's units as a clean coverage with
  population, 65+, adjacency and population-weighted points.
* :mod:`~geozones.zones.plan`: :class:`ZonePlan` (assignment and metadata)
  with its dissolved polygons, contiguity check and per-zone summary.
* :mod:`~geozones.zones.rules`: rule files saying how a scheme's named zones
  are built (``rules/<scheme id>.toml``).
* :mod:`~geozones.zones.builders`: plans from districts, lot rules (with
  hard-to-cover rural areas), PCNs and price bands.
* :mod:`~geozones.zones.store`: :class:`PlanStore`, versioned plans in SQLite.
* :mod:`~geozones.zones.io`: export to GeoJSON, GeoPackage, zipped Shapefile
  and CSV, and import back.
* :mod:`~geozones.cli.zones`: the ``geozones zones`` commands.

The names below are importable from ``geozones.zones`` and load their module
on first use, so the command line starts without the GIS stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Public name -> submodule defining it.
_EXPORTS: dict[str, str] = {
    "PlanCheck": "plan",
    "ZonePlan": "plan",
    "PlanStore": "store",
    "UnitLayer": "units",
    "load_units": "units",
    "band_colours": "builders",
    "band_labels": "builders",
    "band_plan": "builders",
    "band_polygons": "builders",
    "district_plan": "builders",
    "lot_plan": "builders",
    "pcn_members": "builders",
    "pcn_plan": "builders",
    "pcn_zone_plan": "builders",
    "export_plan": "io",
    "import_plan": "io",
    "read_unit_table": "io",
    "unit_table": "io",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load a public name's submodule on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'geozones.zones' has no attribute {name!r}")
    return getattr(import_module(f"geozones.zones.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
