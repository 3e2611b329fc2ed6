"""The commissioners' pages: the plans, the zone editor, a plan's history and two versions compared.

* ``/plans``: the saved plans of the regions served, each with links to edit it,
  see its history and show it on the map, and a form to start a new plan.
* ``/plans/<name>/edit``: the zone editor (``static/editor.js``). It reads the
  plan's editor payload (``GET /api/v1/plans/<name>/editor``: units, their
  demand, adjacency, targets and viability), keeps the draft in the browser,
  and saves it as a new version (``POST /api/v1/plans/<name>/versions``); the
  solver runs on the draft (``POST /api/v1/plans/<name>/solve``).
* ``/plans/<name>/history``: every version, with who saved it and how many
  units moved; pick two to compare.
* ``/plans/<name>/compare?a=&b=``: the two versions' maps side by side, the
  units moved and the per-zone deltas (``GET /api/v1/plans/<name>/compare``).

Viewing the plans, their history and comparisons needs an account (a viewer
or above); editing needs a commissioner (:func:`geozones.web.auth.require`).
Every page is plain HTML and the vendor copy of Leaflet; the data comes from
the JSON API, so the pages and the API can never disagree.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from geozones.web.auth import current_user, require
from geozones.web.mapview import ATTRIBUTION
from geozones.web.site import site
from geozones.zones.store import version_number

__all__ = ["bp"]

bp = Blueprint("editor", __name__)


def _api() -> str:
    """The JSON API's root URL (``/api/v1`` under the app's script root)."""
    return url_for("api.openapi").rsplit("/", 1)[0]


def _page(template: str, plan: str | None, **config: object) -> str:
    """A commissioner's page, with the JSON API's root and the user in its config."""
    user = current_user()
    return render_template(
        template,
        plan=plan,
        config={
            "api": _api(),
            "plan": plan,
            "user": user.name if user else None,
            "role": user.role if user else None,
            **config,
        },
        attribution=ATTRIBUTION,
    )


@bp.get("/plans")
@require("viewer")
def plans_page() -> str:
    """The saved plans of the regions served, and a form to start a new one."""
    gz = site()
    regions = [{"name": s.name, "title": s.title} for s in gz.regions() if gz.built(s.name)]
    return _page("plans.html", None, regions=regions)


@bp.get("/plans/<name>/edit")
@require("commissioner")
def edit_page(name: str) -> str:
    """The zone editor over the plan's latest version (or ``?version=N``)."""
    site().plan(name)  # a plan that is not stored is a 404 here, not an empty editor
    return _page("editor.html", name, version=_version_arg())


@bp.get("/plans/<name>/history")
@require("viewer")
def history_page(name: str) -> str:
    """Every version of the plan, and a form to compare two of them."""
    site().plan(name)
    return _page("history.html", name)


@bp.get("/plans/<name>/compare")
@require("viewer")
def compare_page(name: str) -> str:
    """Two versions side by side (``?a=&b=``): both maps, the units moved, the zone deltas."""
    site().plan(name)
    return _page("compare.html", name, a=_int_arg("a"), b=_int_arg("b"))


def _int_arg(key: str) -> int:
    return version_number(request.args.get(key, ""), key)


def _version_arg() -> int | None:
    return _int_arg("version") if request.args.get("version") else None
