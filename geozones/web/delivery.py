"""How responses travel: compressed when the browser asks, static files with cache headers.

Pages, JSON and the front-end files are compressed (zstd, brotli or gzip, whichever the
request's ``Accept-Encoding`` prefers) by flask-compress. Every ``url_for("static", ...)``
carries the file's version (``?v=``, from its size and modification time), so a browser
keeps a versioned file for a year without asking again, and a new version has a new URL;
a static file asked for without its current version (a font or image that a style sheet
names) is kept for :data:`UNVERSIONED_MAX_AGE` seconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_compress import Compress

__all__ = ["UNVERSIONED_MAX_AGE", "VERSIONED_MAX_AGE", "init_app", "static_version"]

#: Seconds a browser keeps a static file asked for by its current version (a year).
VERSIONED_MAX_AGE = 365 * 24 * 3600
#: Seconds a browser keeps a static file asked for without it (an hour).
UNVERSIONED_MAX_AGE = 3600


def static_version(folder: Path, filename: str) -> str | None:
    """The version of a static file: 12 hex digits of its size and modification time.

    None when ``filename`` is no file of ``folder``.
    """
    try:
        info = (folder / filename).stat()
    except (OSError, ValueError):
        return None
    return hashlib.sha256(f"{info.st_size}:{info.st_mtime_ns}".encode()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    """Compress ``app``'s responses, version its static URLs and set their cache headers."""
    Compress(app)
    folder = Path(app.static_folder or "")

    @app.url_defaults
    def _versioned(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(folder, values["filename"])
            if version is not None:
                values["v"] = version

    @app.after_request
    def _cache_static(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        current = request.args.get("v") == static_version(folder, filename)
        response.cache_control.public = True
        response.cache_control.max_age = VERSIONED_MAX_AGE if current else UNVERSIONED_MAX_AGE
        response.cache_control.immutable = current
        response.cache_control.no_cache = None
        return response
