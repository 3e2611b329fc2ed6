"""Every error the app answers with, as JSON ``{"error": ..., "detail": ...}``: the one place.

A browser asking for a page (not ``/api/...``, HTML preferred over JSON) gets
the same message as an HTML page with a way back to the map instead.

* :class:`~geozones._errors.GeozonesError`: the status :data:`HTTP_STATUS` gives
  its kind (422 input, 404 not found, 409 conflict, 503 data) and its message,
  which says what to do. A refused plan save
  (:class:`~geozones.zones.store.PlanConflict`) is a ``ConflictError`` whose
  JSON also carries ``latest_version``, ``theirs`` (the units the other person
  moved) and ``versions`` (who saved what since).
* HTTP errors (400 bad request, 404 unknown URL, 405, 413 upload too large):
  their status and description; 413 states the upload limit.
* Anything else: 500 with no detail; the exception and its traceback go to the log.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from geozones._errors import ConflictError, DataError, GeozonesError, InputError, NotFoundError
from geozones.zones.store import PlanConflict

__all__ = ["HTTP_STATUS", "error_response", "http_status", "register_error_handlers"]

#: HTTP status of each kind of geozones error; the most specific class listed wins.
HTTP_STATUS: dict[type[GeozonesError], int] = {
    InputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    DataError: 503,
    GeozonesError: 400,
}


def http_status(exc: GeozonesError) -> int:
    """The HTTP status of ``exc``: that of its nearest class listed in :data:`HTTP_STATUS`."""
    return next(HTTP_STATUS[c] for c in type(exc).__mro__ if c in HTTP_STATUS)


#: Page titles of the statuses a page's error shows; any other is "Something went wrong".
_TITLES = {
    400: "That request could not be read",
    404: "Not found",
    409: "Changed in the meantime",
    413: "Too large",
    422: "That cannot be answered",
    503: "Not available yet",
}


def _wants_page() -> bool:
    """True for a browser asking for a page: not the API, HTML preferred over JSON."""
    accept = request.accept_mimetypes
    return (
        not request.path.startswith("/api/")
        and accept.best_match(["application/json", "text/html"]) == "text/html"
    )


def error_response(error: str, detail: str, status: int, **fields: Any) -> tuple[Any, int]:
    """The body and status of an error: JSON (with ``fields``), or an HTML page for a browser."""
    if _wants_page():
        title = _TITLES.get(status, "Something went wrong")
        return render_template("error.html", title=title, detail=detail), status
    return jsonify(error=error, detail=detail, **fields), status


def register_error_handlers(app: Flask) -> None:
    """Answer every error of ``app`` with JSON."""

    @app.errorhandler(GeozonesError)
    def _geozones_error(exc: GeozonesError) -> tuple[Any, int]:
        if isinstance(exc, PlanConflict):
            return error_response(
                ConflictError.__name__, str(exc), http_status(exc), **exc.to_dict()
            )
        return error_response(type(exc).__name__, str(exc), http_status(exc))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> tuple[Any, int]:
        limit = current_app.config["MAX_UPLOAD_MB"]
        detail = (
            f"the request is larger than the upload limit of {limit:g} MB "
            "(GEOZONES_MAX_UPLOAD_MB); split the file and send the parts"
        )
        return error_response(type(exc).__name__, detail, 413)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        body, status = error_response(type(exc).__name__, exc.description or exc.name, status)
        response = current_app.make_response((body, status))
        # the exception's own headers (a 405's Allow, a 401's WWW-Authenticate), not its type
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _internal_error(exc: Exception) -> tuple[Any, int]:
        app.logger.error("unhandled error: %s", exc, exc_info=exc)
        return error_response(
            "InternalServerError", "an internal error occurred; it has been logged", 500
        )
