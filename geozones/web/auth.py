"""Logging in, roles, API tokens and CSRF protection (blueprint ``auth``).

Routes: ``GET/POST /login`` (the form: name, password, ``next``), ``POST /logout``,
``GET /admin/audit`` (admins: the plan store's audit log, with a CSV download),
``GET /api/v1/me`` (who is asking, and the CSRF token for JSON writes) and
``GET /api/v1/audit`` (admins: the audit log as JSON, or ``?format=csv``).

Who is asking (:func:`current_user`): a request with ``Authorization: Bearer
<token>`` is the token's user, or nobody for a token unknown, revoked or of a
disabled user (the session is then not looked at); any other request is the
user logged in on its session, unless that user has since been disabled.
:func:`require` guards a view by role (:data:`ROLES`, each including the ones
before it): nobody gets 401 JSON under ``/api/`` and a redirect to the login
page elsewhere; a role too low gets 403 naming the role needed.

The choices :func:`init_app` makes, and why:

* **Secret key** (signs the session cookie): ``GEOZONES_SECRET_KEY`` (or
  ``SECRET_KEY`` in the app's configuration) when set, which is how to run in
  production: the same key for every worker and host. Without it, a random
  32-byte key is made once and kept in ``<instance>/secret_key`` (mode 0600,
  written to a temporary file and linked into place, so two workers starting
  at once end up with one key), so that the workers of one instance share it
  and sessions survive a restart. Deleting the file logs everybody out.
* **Session cookie**: ``HttpOnly`` (no script reads it); ``SameSite=Lax`` (sent
  when following a link from elsewhere, so such links open the editor logged
  in, but not with another site's forms, fetches or frames); ``Secure`` (HTTPS
  only) except when testing or with ``GEOZONES_DEV=1``, for the plain-HTTP
  development server. A session lasts :data:`SESSION_HOURS` from the last
  request (the cookie's signed timestamp is checked). Logging in clears the
  session first (nothing planted before it survives: no fixation) and starts
  a new CSRF token; logging out clears it.
* **CSRF**: a ``before_request`` hook. Every POST, PUT, PATCH and DELETE made on
  a logged-in session, and every login form posted, must carry the session's
  CSRF token, as the form field ``csrf_token`` or the header ``X-CSRF-Token``
  (compared in constant time); when it has an ``Origin`` header, that must be
  this host. Requests with ``Authorization: Bearer`` need no token: a browser
  adds that header to no cross-site request. Anonymous requests to the public
  endpoints (lookup, batch) need none: they act on nobody's authority. Pages
  get the token as ``csrf_token()`` in their templates (for
  ``<meta name="csrf-token">`` and forms); scripts, from that tag or ``/api/v1/me``.
* **Login rate limit**: :data:`~geozones.web.accounts.MAX_FAILED_LOGINS`
  failures to one name from one client address within
  :data:`~geozones.web.accounts.LOGIN_WINDOW_S` seconds make the next attempt a
  429 saying when to try again (with ``Retry-After``), counted in the accounts
  store so that every worker sees them. The client address is the request's
  ``remote_addr``: behind a proxy, let werkzeug's ``ProxyFix`` set it.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import pandas as pd
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.utils import secure_filename

from geozones._errors import DataError, InputError
from geozones.tables.files import csv_bytes
from geozones.web.accounts import (
    ACCOUNTS_FILE,
    ROLES,
    TooManyLoginsError,
    User,
    UserStore,
    check_role,
)
from geozones.web.errors import error_response
from geozones.web.site import site
from geozones.zones.store import AUDIT_COLUMNS

__all__ = [
    "DEV_ENV",
    "KEY_FILE",
    "ROLES",
    "SESSION_HOURS",
    "bp",
    "csrf_token",
    "current_user",
    "init_app",
    "require",
    "user_store",
]

_log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("auth", __name__)

#: Hours a session lasts after its last request.
SESSION_HOURS = 8
#: The secret key's file in the instance folder (when ``GEOZONES_SECRET_KEY`` is not set).
KEY_FILE = "secret_key"
#: Set to 1 for session cookies over plain HTTP (the development server).
DEV_ENV = "GEOZONES_DEV"

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CSRF_FIELD = "csrf_token"
_CSRF_HEADER = "X-CSRF-Token"
# Session keys.
_USER = "user"
_CSRF = "csrf"
_EXTENSION = "geozones.accounts"
#: Fewest characters of a secret key file.
_MIN_SECRET = 32


def user_store(app: Flask | None = None) -> UserStore:
    """The user store of ``app`` (default the current app): ``<instance>/accounts.sqlite``."""
    store: UserStore = (app or current_app).extensions[_EXTENSION]
    return store


def _bearer() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def current_user() -> User | None:
    """Who is asking: the API token's user, else the session's; None for nobody.

    Disabled users are nobody. Looked up once per request.
    """
    if "gz_user" not in g:
        token = _bearer()
        user: User | None
        if token is not None:
            user = user_store().user_for_token(token)
        else:
            name = session.get(_USER)
            user = user_store().get(name) if isinstance(name, str) else None
        g.gz_user = None if user is None or user.disabled else user
    found: User | None = g.gz_user
    return found


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = session[_CSRF] = secrets.token_urlsafe(32)
    return token


def _login_url() -> str:
    """The login page, coming back to this page after (unless this is the login page)."""
    if request.endpoint == "auth.login":
        return url_for("auth.login")
    return url_for("auth.login", next=request.script_root + request.full_path.rstrip("?"))


def require(role: str) -> Callable[[F], F]:
    """Guard a view: only a user of ``role`` or above may use it.

    Nobody logged in gets 401 JSON for the API (``/api/...`` or a Bearer
    request) and a redirect to the login page, coming back after, for pages. A
    user whose role is too low gets 403 naming the role needed.

    Raises
    ------
    InputError
        ``role`` is not one of :data:`ROLES`.

    """
    check_role(role)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if not request.path.startswith("/api/") and _bearer() is None:
                    return redirect(_login_url())
                raise Unauthorized(_anonymous(role))
            if not user.can(role):
                raise Forbidden(
                    f"this needs the {role} role or above (roles: {' < '.join(ROLES)}); "
                    f"{user.name} is a {user.role}: ask an admin for the {role} role"
                )
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def _anonymous(role: str) -> str:
    """Why a request that needs ``role`` has no user, and what to send instead."""
    if _bearer() is not None:
        return (
            "the API token is unknown, revoked or its user disabled; send "
            "'Authorization: Bearer <token>' with a token an admin issued "
            "(geozones users token NAME --label TEXT)"
        )
    return (
        f"this needs a user of the {role} role or above: log in (POST /login, from the "
        "page /login) or send 'Authorization: Bearer <token>' with an API token"
    )


def _same_host(origin: str) -> bool:
    return urlsplit(origin).netloc.lower() == request.host.lower()


def _check_csrf() -> None:
    """Refuse an unsafe request on a logged-in session (or a login) without its CSRF token."""
    if request.method not in _UNSAFE or _bearer() is not None:
        return
    if _USER not in session and request.endpoint != "auth.login":
        return
    origin = request.headers.get("Origin")
    if origin is not None and not _same_host(origin):
        raise Forbidden(
            f"a {request.method} from another site ({origin}) is refused; send it from "
            f"pages of {request.host}, or with an API token (Authorization: Bearer)"
        )
    sent = request.headers.get(_CSRF_HEADER) or request.form.get(_CSRF_FIELD) or ""
    expected = session.get(_CSRF)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            f"the {request.method} carries no valid CSRF token: send the session's token as "
            f"the form field {_CSRF_FIELD} or the header {_CSRF_HEADER} (pages have it in "
            '<meta name="csrf-token">, scripts get it from GET /api/v1/me); if the page '
            "was opened before you logged in or out, reload it"
        )


def _instance_secret(instance: Path) -> str:
    """The instance's secret key: ``<instance>/secret_key``, made (mode 0600) when missing."""
    path = instance / KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            os.link(temporary, path)  # fails if another worker linked its key first
        except FileExistsError:
            pass
        finally:
            Path(temporary).unlink()
    if path.stat().st_mode & 0o077:
        _log.warning("%s is readable by others; run: chmod 600 %s", path, path)
    key = path.read_text().strip()
    if len(key) < _MIN_SECRET:
        raise DataError(
            f"{path} holds no usable secret key (it needs {_MIN_SECRET} characters or more); "
            "delete it to have a new one made, or set GEOZONES_SECRET_KEY"
        )
    return key


def init_app(app: Flask) -> None:
    """Set up ``app``'s sessions, user store, CSRF hook and template helpers (module docstring).

    Call after the app's :class:`~geozones.web.site.Site` is made.
    """
    instance: Path = app.extensions["geozones"].instance
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not (app.testing or os.environ.get(DEV_ENV) == "1"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.extensions[_EXTENSION] = UserStore(instance / ACCOUNTS_FILE)
    app.before_request(_check_csrf)
    app.context_processor(
        lambda: {"csrf_token": csrf_token, "current_user": current_user, "login_url": _login_url}
    )


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the map page (no open redirects)."""
    parts = urlsplit(target or "")
    local = (
        target is not None
        and target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
        and target.isprintable()
    )
    return target if local and target is not None else url_for("pages.map_page")


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _me() -> Response:
    user = current_user()
    on_session = user is not None and _bearer() is None
    return jsonify(
        user=user.name if user else None,
        role=user.role if user else None,
        csrf_token=csrf_token() if on_session else None,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; posted, log in and go to ``next`` (a path here) or the map.

    A client asking for JSON gets ``/api/v1/me``'s answer on success and JSON errors.
    """
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, name="", error=None)
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    headers: dict[str, str] = {}
    error: InputError
    try:
        user = user_store().login(name, password, request.remote_addr or "unknown")
    except TooManyLoginsError as exc:
        error, status = exc, 429
        headers["Retry-After"] = str(exc.retry_after)
    except InputError as exc:
        error, status = exc, 401
    else:
        session.clear()
        session.permanent = True
        session[_USER] = user.name
        g.gz_user = user
        csrf_token()
        return _me() if _wants_json() else redirect(target, 303)
    if _wants_json():
        body, status = error_response(type(error).__name__, str(error), status)
    else:
        body = render_template("login.html", next=target, name=name, error=str(error))
    return body, status, headers


@bp.post("/logout")
def logout() -> Any:
    """Log out (clear the session) and go to the map."""
    session.clear()
    return redirect(url_for("pages.map_page"), 303)


@bp.get("/api/v1/me")
def me() -> Response:
    """Who is asking: ``{"user", "role", "csrf_token"}``, each null for nobody.

    The CSRF token is the session's (null for a Bearer request, which needs none).
    """
    return _me()


def _audit() -> tuple[str | None, pd.DataFrame]:
    """The ``?plan=`` asked for (None: every plan) and its audit rows, oldest first."""
    plan = request.args.get("plan", "").strip() or None
    return plan, site().store.audit(plan)


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The audit rows as JSON values (a missing base version None)."""
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    return cast(list[dict[str, Any]], rows)


@bp.get("/admin/audit")
@require("admin")
def audit_page() -> str:
    """The audit log of every plan write (or of ``?plan=``), newest first, with a CSV download."""
    plan, table = _audit()
    rows = _rows(table)[::-1]
    return render_template("audit.html", plan=plan, columns=AUDIT_COLUMNS, rows=rows)


@bp.get("/api/v1/audit")
@require("admin")
def audit() -> Response:
    """The audit log, oldest first: JSON ``{"plan", "rows"}``, or ``?format=csv`` a CSV file."""
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InputError(f"format {fmt!r} is not offered; use json or csv")
    plan, table = _audit()
    if fmt == "json":
        return jsonify(plan=plan, rows=_rows(table))
    name = secure_filename(f"geozones-audit-{plan}.csv" if plan else "geozones-audit.csv")
    return Response(
        csv_bytes(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
