"""The geozones web application (Flask application factory)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template

from geozones._errors import GeozonesError
from geozones.regions import REGIONS
from geozones.settings import build_dir


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the web app.

    Configuration comes from ``config``, else environment variables:
    ``GEOZONES_BUILD`` (build folder), ``GEOZONES_SECRET_KEY``.
    """
    app = Flask(__name__)
    app.config.update(
        BUILD_DIR=str(build_dir()),
        SECRET_KEY=os.environ.get("GEOZONES_SECRET_KEY", os.urandom(16).hex()),
    )
    app.config.update(config or {})

    @app.errorhandler(GeozonesError)
    def _geozones_error(exc: GeozonesError) -> tuple[Any, int]:
        return jsonify(error=type(exc).__name__, detail=str(exc)), exc.status

    @app.get("/")
    def index() -> str:
        built = Path(app.config["BUILD_DIR"])
        regions = [
            {"name": spec.name, "title": spec.title, "built": (built / spec.name).is_dir()}
            for spec in REGIONS.values()
        ]
        return render_template("index.html", regions=regions)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app
