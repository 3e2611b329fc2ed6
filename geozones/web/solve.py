"""The solver from the zone editor (blueprint ``solve``, under ``/api/v1``).

``POST /plans/<plan>/solve`` takes the editor's draft (its assignment, zones
with their targets, locked units and locked zones) and starts a background
job that balances it (:func:`geozones.balance.solver.balance`: lots drawn
afresh, named as the draft's zones) or improves it with the fewest unit moves
(:func:`geozones.balance.solver.improve`); ``GET /plans/solve/<job>`` gives
the job's state, progress, the moves it proposes and every zone's hours
against its target. Nothing is saved: the editor shows the moves, and a save
is the editor's own ``POST /plans/<plan>/versions``.

The demand is the plan's, as the editor's payload weighs it
(:func:`geozones.web.plans.plan_demand`: stored, else modelled). Targets: a
zone's ``target_hours``; when some zones have one and others not, each of the
others aims at an equal share of the hours the targets leave; when none has
one, every zone aims at the mean. A locked unit keeps its zone; a locked zone
keeps exactly its units (neither losing nor gaining one).

Jobs run in a thread of the serving process and live in a bounded table in its
memory (:class:`SolveJobs`, :data:`MAX_JOBS`): a job is answered only by the
process that runs it, for the user who started it, and is gone after a
restart. That suits one process serving a few commissioners; a real task queue
(jobs shared by every worker, surviving restarts) is a later issue.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from flask import Blueprint, Response, current_app, jsonify

from geozones._errors import ConflictError, GeozonesError, InputError, NotFoundError
from geozones.balance.report import lot_report
from geozones.balance.solver import DEFAULT_TOLERANCE, Constraints, Progress, balance, improve
from geozones.web.auth import current_user, require
from geozones.web.plans import draft_assignment, json_body, plan_demand, zone_list
from geozones.web.site import site
from geozones.zones.plan import TARGET_COLUMN, TOTAL, ZonePlan

__all__ = ["MAX_JOBS", "MODES", "SolveJob", "SolveJobs", "bp"]

logger = logging.getLogger(__name__)

bp = Blueprint("solve", __name__, url_prefix="/api/v1")

#: What a solve can do: draw the lots afresh, or move the fewest units.
MODES: tuple[str, ...] = ("balance", "improve")
#: Jobs kept in memory per app; when full, the oldest finished job makes room.
MAX_JOBS = 32
#: The fields a solve body may have.
_FIELDS = (
    "mode", "assignment", "zones", "locked_units", "locked_zones", "tolerance", "scale_targets",
)  # fmt: skip
_SHAPE = (
    '{"mode": "balance" or "improve", "assignment": {unit: zone or null}, "zones": [{"name", '
    '"target_hours"?}], "locked_units": {unit: zone}, "locked_zones": [name], "tolerance": 0.02}'
)


@dataclass
class SolveJob:
    """One solve: who started it, on which plan, and how far it is.

    ``moves`` and ``zones`` are filled in when it is done.
    """

    id: str
    user: str
    plan: str
    mode: str
    state: str = "running"
    progress: float = 0.0
    message: str = "starting"
    moves: list[dict[str, Any]] = field(default_factory=list)
    zones: list[dict[str, Any]] = field(default_factory=list)
    met: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The job as the API answers it."""
        return {
            "job": self.id,
            "plan": self.plan,
            "mode": self.mode,
            "state": self.state,
            "progress": self.progress,
            "message": self.message,
            "met": self.met,
            "moves": self.moves,
            "zones": self.zones,
        }


@dataclass(frozen=True)
class _Result:
    moves: list[dict[str, Any]]
    zones: list[dict[str, Any]]
    met: bool
    message: str


class SolveJobs:
    """Solve jobs of one app, each run in a thread, kept in memory (at most ``size``).

    Parameters
    ----------
    size : int
        Jobs kept; a new job drops the oldest finished one when the table is full.

    """

    def __init__(self, size: int = MAX_JOBS) -> None:
        self.size = size
        self._jobs: OrderedDict[str, SolveJob] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self, user: str, plan: str, mode: str, run: Callable[[Progress], _Result]
    ) -> SolveJob:
        """Start ``run`` (given a progress callback) in a thread and return its job.

        Raises
        ------
        ConflictError
            The table is full of running jobs.

        """
        job = SolveJob(uuid.uuid4().hex, user, plan, mode)
        with self._lock:
            if len(self._jobs) >= self.size:
                done = next((k for k, j in self._jobs.items() if j.state != "running"), None)
                if done is None:
                    raise ConflictError(
                        f"{self.size} solves are running; try again when one has finished"
                    )
                del self._jobs[done]
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, run), daemon=True).start()
        return job

    def _run(self, job: SolveJob, run: Callable[[Progress], _Result]) -> None:
        def progress(fraction: float, message: str) -> None:
            with self._lock:
                job.progress, job.message = round(min(max(fraction, 0.0), 1.0), 4), message

        try:
            result = run(progress)
        except GeozonesError as exc:
            outcome: dict[str, Any] = {"state": "failed", "message": str(exc)}
        except Exception:
            logger.exception("solve job %s of plan %s failed", job.id, job.plan)
            outcome = {"state": "failed", "message": "an internal error occurred; it is logged"}
        else:
            outcome = {
                "state": "done",
                "progress": 1.0,
                "moves": result.moves,
                "zones": result.zones,
                "met": result.met,
                "message": result.message,
            }
        with self._lock:
            for name, value in outcome.items():
                setattr(job, name, value)

    def status(self, job: str, user: str) -> dict[str, Any]:
        """The job's state as the API answers it.

        Raises
        ------
        NotFoundError
            No such job here, or another user's.

        """
        with self._lock:
            found = self._jobs.get(job)
            if found is None or found.user != user:
                raise NotFoundError(
                    f"no solve job {job!r} of yours here (jobs are kept in this server's memory, "
                    f"the last {self.size}); start the solve again"
                )
            return found.to_dict()


def _jobs() -> SolveJobs:
    """The app's solve jobs (made on first use)."""
    if "geozones_solve" not in current_app.extensions:
        current_app.extensions["geozones_solve"] = SolveJobs()
    jobs: SolveJobs = current_app.extensions["geozones_solve"]
    return jobs


def _user() -> str:
    user = current_user()
    if user is None:
        raise RuntimeError("a solve view ran without a user; guard it with require()")
    return user.name


def _names(value: object, zones: Sequence[str]) -> tuple[str, ...]:
    """``locked_zones``: a list of names of listed zones."""
    if not isinstance(value, list) or not all(isinstance(z, str) for z in value):
        raise InputError('"locked_zones" must be a list of zone names, e.g. ["Zone A"]')
    unknown = [z for z in value if z not in zones]
    if unknown:
        raise InputError(
            f"locked_zones names zone(s) the zones list does not have: {', '.join(unknown)}"
        )
    return tuple(value)


def _filled(targets: Mapping[str, float], zones: Sequence[str], total: float) -> dict[str, float]:
    """A target for each of ``zones``: its own, else an equal share of what the targets leave.

    Raises
    ------
    InputError
        The targets leave no hours for the zones without one.

    """
    given = {z: targets[z] for z in zones if z in targets}
    if not given:
        return {}
    missing = [z for z in zones if z not in given]
    left = total - sum(given.values())
    if missing and left <= 0:
        raise InputError(
            f"the targets add up to {sum(given.values()):,.1f} hours a week and leave none of "
            f"the demand's {total:,.1f} for zone(s) {', '.join(missing)}; give them targets too, "
            "or lower the others"
        )
    share = left / len(missing) if missing else 0.0
    return {z: given.get(z, share) for z in zones}


def _tolerance(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f'"tolerance" must be a fraction such as 0.02 (+/-2%); got {value!r}')
    return float(value)


@dataclass(frozen=True)
class _Draft:
    """A solve request, read and checked."""

    mode: str
    plan: ZonePlan
    constraints: Constraints
    demand: pd.DataFrame


def _draft(name: str) -> _Draft:
    """The solve body of plan ``name``: its draft, the constraints and the plan's demand."""
    body = json_body()
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise InputError(f'unknown field "{unknown[0]}"; a solve takes {_SHAPE}')
    mode = body.get("mode")
    if mode not in MODES:
        raise InputError(f'"mode" must be one of {", ".join(MODES)}; got {mode!r}')
    if "assignment" not in body or "zones" not in body:
        raise InputError(f"a solve needs the draft's assignment and zones: {_SHAPE}")
    latest = site().plan(name)
    zones, colours, targets = zone_list(body["zones"])
    if not zones:
        raise InputError(f"a solve needs at least one zone in the zones list: {_SHAPE}")
    plan = replace(
        latest,
        assignment=draft_assignment(body["assignment"], latest, zones),
        zones=zones,
        colours=colours,
        targets={},
    )
    locked = {
        str(u): str(z)
        for u, z in draft_assignment(body.get("locked_units", {}), latest, zones).items()
    }
    locked_zones = _names(body.get("locked_zones", []), zones)
    if mode == "balance":
        kept = plan.assignment[plan.assignment.isin(locked_zones)]
        locked = {**dict(zip(kept.index, kept, strict=True)), **locked}
    demand = plan_demand(latest)
    total = float(demand.rows["weekly_hours"].sum())
    if not total > 0:
        raise InputError(f"plan {latest.name} has no hours to balance: {demand.source}")
    lots = zones if mode == "balance" else tuple(z for z in zones if z in set(plan.assignment))
    filled = _filled(targets, lots, total)
    if mode == "balance" and not filled:
        filled = dict.fromkeys(lots, total / len(lots))  # the lots take the zones' names
    scale = body.get("scale_targets", False)
    if not isinstance(scale, bool):
        raise InputError(f'"scale_targets" must be true or false; got {scale!r}')
    constraints = Constraints(
        tolerance=_tolerance(body.get("tolerance", DEFAULT_TOLERANCE)),
        locked=locked,
        targets=filled,
        scale_targets=scale and bool(filled),
        locked_zones=locked_zones,
    )
    return _Draft(mode, plan, constraints, demand.rows)


def _solve(draft: _Draft, author: str) -> Callable[[Progress], _Result]:
    """The job's work: the proposed plan's moves and zones (nothing saved)."""

    def run(progress: Progress) -> _Result:
        plan = draft.plan
        if draft.mode == "improve":
            proposed, _ = improve(
                plan, draft.demand, draft.constraints, author=author, progress=progress
            )
        else:
            proposed = balance(
                plan.units,
                draft.demand,
                constraints=draft.constraints,
                name=plan.name,
                author=author,
                progress=progress,
            )
        return _result(plan, proposed, draft)

    return run


def _result(plan: ZonePlan, proposed: ZonePlan, draft: _Draft) -> _Result:
    """The units whose zone changes (in layer order) and every zone's hours against its target."""
    units = plan.units
    before = plan.assignment.reindex(units.codes).to_numpy(dtype=object)
    after = proposed.assignment.reindex(units.codes).to_numpy(dtype=object)
    names = units.frame["name"].astype(str).tolist()
    codes = units.codes.astype(str).tolist()
    moves = [
        {"unit": codes[i], "name": names[i], "before": _zone(before[i]), "after": _zone(after[i])}
        for i in np.flatnonzero(pd.Series(before).fillna("") != pd.Series(after).fillna(""))
    ]
    report = lot_report(proposed, draft.demand)
    report = report[report["lot"] != TOTAL]
    hours = report["weekly_hours"].to_numpy(dtype=float)
    held = (report["units"] > 0).to_numpy()
    targeted = TARGET_COLUMN in report
    goal = (
        report[TARGET_COLUMN].to_numpy(dtype=float)
        if targeted
        else np.full(len(hours), hours[held].mean())
    )
    deviation = report["target_deviation_pct" if targeted else "deviation_pct"].to_numpy(float)
    zones = [
        {
            "zone": str(zone),
            "weekly_hours": round(float(weekly), 2),
            "target_hours": round(float(target), 2) if targeted and target == target else None,
            "deviation_pct": None if dev != dev else round(float(dev), 3),
        }
        for zone, weekly, target, dev in zip(report["lot"], hours, goal, deviation, strict=True)
    ]
    met = draft.constraints.met(hours[held], goal[held])
    worst = float(np.nanmax(np.abs(deviation[held]), initial=0.0))
    aim = "its target" if targeted else "the mean"
    outcome = "target met" if met else "the target is NOT met"
    message = f"{len(moves)} move(s) proposed; every zone within {worst:.1f}% of {aim}; {outcome}"
    return _Result(moves, zones, met, message)


def _zone(value: object) -> str | None:
    """A zone name, or None for no zone."""
    return None if value is None or value != value else str(value)


@bp.post("/plans/<plan>/solve")
@require("commissioner")
def start(plan: str) -> tuple[Response, int]:
    """Start balancing or improving the editor's draft of ``plan`` in the background."""
    draft = _draft(plan)
    user = _user()
    job = _jobs().start(user, draft.plan.name, draft.mode, _solve(draft, user))
    return jsonify(job=job.id), 202


@bp.get("/plans/solve/<job>")
@require("commissioner")
def status(job: str) -> Response:
    """A solve job's state, progress, proposed moves and zones (nothing is saved)."""
    return jsonify(_jobs().status(job, _user()))
