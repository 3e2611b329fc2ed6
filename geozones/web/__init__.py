"""The geozones web application: a price-band map, a batch upload page and a JSON API.

``create_app()`` reads its configuration from environment variables, which a
``config`` mapping given to it overrides (keys in brackets):

* ``GEOZONES_BUILD`` (``BUILD_DIR``): the build folder (default ``data/build``).
* ``GEOZONES_INSTANCE`` (``INSTANCE_DIR``): plan store, map layer cache and batch
  jobs (default ``instance`` in the checkout).
* ``GEOZONES_REGIONS`` (``REGIONS``): comma-separated regions served (default
  every region built).
* ``GEOZONES_SECRET_KEY`` (``SECRET_KEY``): signs the session cookie; set it in
  production. Default a random key kept in ``<instance>/secret_key``
  (:mod:`geozones.web.auth` says why, and how sessions and CSRF work).
* ``GEOZONES_DEV=1``: session cookies over plain HTTP (the development server).
* ``GEOZONES_TILES`` (``TILES``): a basemap tile URL template such as
  ``https://tiles.example/{z}/{x}/{y}.png``; no basemap by default, the map's
  vector layers give the context. ``GEOZONES_TILES_ATTRIBUTION``
  (``TILES_ATTRIBUTION``) credits it.
* ``GEOZONES_MAX_UPLOAD_MB`` (``MAX_UPLOAD_MB``): largest request body (default 20).

Responses are compressed when the browser asks, and static files carry their
version and cache headers (:mod:`geozones.web.delivery`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify

from geozones._errors import InputError
from geozones._settings import build_dir
from geozones.regions.specs import REGIONS
from geozones.web import auth, delivery, security
from geozones.web.api import bp as api_bp
from geozones.web.editor import bp as editor_bp
from geozones.web.errors import register_error_handlers
from geozones.web.health import health
from geozones.web.pages import bp as pages_bp
from geozones.web.plans import bp as plans_bp
from geozones.web.site import Site
from geozones.web.solve import bp as solve_bp
from geozones.web.tiles import bp as tiles_bp
from geozones.zones.store import instance_dir

__all__ = ["DEFAULT_MAX_UPLOAD_MB", "create_app"]

#: Default upload limit (megabytes).
DEFAULT_MAX_UPLOAD_MB = 20.0


def _env_config() -> dict[str, Any]:
    """Configuration from the ``GEOZONES_*`` environment variables."""
    regions = os.environ.get("GEOZONES_REGIONS", "").strip()
    return {
        "BUILD_DIR": str(build_dir()),
        "INSTANCE_DIR": str(instance_dir()),
        "REGIONS": [r.strip() for r in regions.split(",") if r.strip()] if regions else None,
        "SECRET_KEY": os.environ.get("GEOZONES_SECRET_KEY") or None,
        "TILES": os.environ.get("GEOZONES_TILES") or None,
        "TILES_ATTRIBUTION": os.environ.get("GEOZONES_TILES_ATTRIBUTION") or None,
        "MAX_UPLOAD_MB": os.environ.get("GEOZONES_MAX_UPLOAD_MB") or DEFAULT_MAX_UPLOAD_MB,
    }


def _upload_mb(value: object) -> float:
    try:
        mb = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        mb = float("nan")
    if not (math.isfinite(mb) and mb > 0):
        raise InputError(
            f"GEOZONES_MAX_UPLOAD_MB must be a finite number of megabytes above 0; got {value!r}"
        )
    return mb


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the web app.

    Parameters
    ----------
    config : mapping, optional
        Overrides of the environment's configuration (see the module docstring),
        and any Flask setting (e.g. ``TESTING``).

    Raises
    ------
    InputError
        An unknown region in ``GEOZONES_REGIONS`` or a bad upload limit.

    """
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(_env_config())
    app.config.update(config or {})
    app.config["MAX_UPLOAD_MB"] = _upload_mb(app.config["MAX_UPLOAD_MB"])
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
    regions = app.config["REGIONS"]
    unknown = [name for name in regions or () if name not in REGIONS]
    if unknown:
        raise InputError(
            f"GEOZONES_REGIONS: unknown region(s) {', '.join(unknown)}; known: {', '.join(REGIONS)}"
        )
    app.extensions["geozones"] = Site(
        Path(app.config["BUILD_DIR"]).resolve(),
        Path(app.config["INSTANCE_DIR"]).resolve(),
        tuple(regions) if regions is not None else None,
    )
    register_error_handlers(app)
    delivery.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(editor_bp)
    app.register_blueprint(tiles_bp)
    app.register_blueprint(solve_bp)

    @app.get("/healthz")
    def healthz() -> Any:
        body, status = health(app.extensions["geozones"])
        return jsonify(body), status

    return app
