"""The health check (``GET /healthz``): each served region's build, the instance folder, the stores.

A load balancer or an IT team's monitor asks it; it answers 200 when every
check passes and 503 when one fails, in JSON either way::

    {"status": "ok" | "failing",
     "checks": [{"name": "region norfolk", "ok": true, "detail": "built 2026-12-02T01:51:00Z"},
                {"name": "instance folder", "ok": true, "detail": "/srv/geozones/instance"},
                {"name": "plan store", "ok": true, "detail": ".../zones.sqlite (9 tables)"}, ...]}

A failing check's detail names the file and the fix (e.g. the command that
rebuilds a region). The checks read: a region's ``build.json`` must be a JSON
object and its ``region.gpkg`` a GeoPackage whose layers can be listed; the
instance folder must be a writable folder (or creatable); the plan store and the
accounts database, where they exist, must answer a query.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyogrio

from geozones.regions.data import GPKG_FILE, REPORT_FILE
from geozones.web.accounts import ACCOUNTS_FILE
from geozones.web.site import Site

__all__ = ["Check", "health"]


@dataclass(frozen=True)
class Check:
    """One check: what was checked, whether it passed, and what was found (or what to do)."""

    name: str
    ok: bool
    detail: str


def _region(site: Site, name: str) -> Check:
    folder = site.build / name
    fix = f"rebuild it: geozones data build --region {name} --out {site.build}"
    report, gpkg = folder / REPORT_FILE, folder / GPKG_FILE
    try:
        loaded = json.loads(report.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Check(f"region {name}", False, f"{report} is missing; {fix}")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Check(f"region {name}", False, f"{report} cannot be read ({exc}); {fix}")
    if not isinstance(loaded, dict):
        return Check(f"region {name}", False, f"{report} is not a build report; {fix}")
    try:
        pyogrio.list_layers(gpkg)
    except Exception as exc:  # noqa: BLE001  (GDAL raises its own kinds; all mean unreadable)
        return Check(f"region {name}", False, f"{gpkg} cannot be read ({exc}); {fix}")
    built = datetime.fromtimestamp(report.stat().st_mtime, UTC).isoformat(timespec="seconds")
    return Check(f"region {name}", True, f"built {built}")


def _instance(folder: Path) -> Check:
    if folder.exists() and not folder.is_dir():
        return Check(
            "instance folder", False, f"{folder} is a file, not a folder (GEOZONES_INSTANCE)"
        )
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), folder)
    if not os.access(probe, os.W_OK):
        return Check("instance folder", False, f"{probe} is not writable by this process")
    return Check("instance folder", True, str(folder))


def _database(name: str, path: Path) -> Check:
    if not path.exists():
        return Check(name, True, f"{path} not written yet")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            (tables,) = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()
    except sqlite3.Error as exc:
        return Check(name, False, f"{path} cannot be read ({exc}); restore it from a backup")
    return Check(name, True, f"{path} ({tables} tables)")


def health(site: Site) -> tuple[dict[str, Any], int]:
    """Run every check of ``site``; the JSON body and its HTTP status (200 or 503)."""
    # the regions configured must all be built; otherwise those with a build (or part of one)
    names = site.configured or [
        spec.name
        for spec in site.regions()
        if any((site.build / spec.name / f).exists() for f in (REPORT_FILE, GPKG_FILE))
    ]
    checks = [_region(site, name) for name in names]
    checks.append(_instance(site.instance))
    checks.append(_database("plan store", site.store_path))
    checks.append(_database("accounts", site.instance / ACCOUNTS_FILE))
    ok = all(check.ok for check in checks)
    body = {"status": "ok" if ok else "failing", "checks": [asdict(c) for c in checks]}
    return body, 200 if ok else 503
