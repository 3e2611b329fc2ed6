"""Visits of care packages, for what-ifs on how visits are paid.

A visit rule (Nottinghamshire's proposed 30-minute minimum, Hertfordshire's
call-duration tiers) prices each visit by its length, so costing one needs
how many visits a week each package has and how long they are:

* :func:`package_visits`: every row of a package list (read by the one reader,
  :func:`~geozones.demand.packages.read_package_list`) with its visits a week
  and minutes per visit: from a visit-minutes column, else weekly hours x 60 /
  visits a week. A row whose values cannot be used is kept, with status
  ``bad_visits`` and a message, and counted nowhere.
* :func:`modelled_visits`: modelled packages
  (:func:`~geozones.demand.packages.modelled_packages`) given visits of the
  lengths found in a package list.
* :func:`visit_whatif`: the cost a year of a scheme's visit rule over the rule
  it replaces (:func:`geozones.schemes.pricing.visit_rule_cost`) on a package
  list and, given the region, on the modelled demand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import InputError
from geozones._vocab import Status
from geozones.classification.package import find_package_columns, read_package
from geozones.demand.packages import (
    modelled_packages,
    package_hours,
    published_demand,
    read_package_list,
)
from geozones.regions.data import RegionData
from geozones.schemes.pricing import VisitRuleCost, visit_rule_cost
from geozones.schemes.scheme import Scheme

__all__ = [
    "BAD_VISITS",
    "VISIT_COLUMNS",
    "VisitWhatIf",
    "modelled_visits",
    "package_visits",
    "visit_whatif",
]

#: Status of a row whose visits cannot be used.
BAD_VISITS = "bad_visits"
#: Columns :func:`package_visits` gives.
VISIT_COLUMNS: tuple[str, ...] = ("row", "visits_per_week", "visit_minutes", "status", "message")


def _read_each(values: pd.Series, name: str) -> npt.NDArray[np.float64]:
    """Each cell read as the package input ``name`` reads it (NaN where empty or unusable).

    Each distinct text is read once, by :func:`geozones.classification.package.read_package`.
    """
    text = values.astype("string").fillna("").str.strip()
    distinct = pd.unique(text.to_numpy(dtype=object))
    read = {}
    for value in distinct:
        package = read_package({name: value})[0]
        number = package.visit_seconds if name == "visit_minutes" else package.visits_per_week
        read[value] = np.nan if number is None else float(number)
    out = text.map(read).to_numpy(dtype=float)
    return out / 60 if name == "visit_minutes" else out


def package_visits(
    source: str | os.PathLike[str] | bytes | pd.DataFrame, name: str | None = None
) -> pd.DataFrame:
    """Visits a week and minutes per visit of every row of a package list.

    Parameters
    ----------
    source : path, bytes or DataFrame
        A ``.csv``/``.xlsx`` package list with a visits-a-week column and
        either a visit-minutes column or a weekly-hours column (headers as
        :data:`geozones.classification.package.PACKAGE_INPUTS` names them).
    name : str, optional
        File name for messages (required with bytes).

    Returns
    -------
    DataFrame
        :data:`VISIT_COLUMNS`, one row per input row in order: ``row``
        (spreadsheet row, the header being row 1), ``visits_per_week``,
        ``visit_minutes`` (NaN where unusable), ``status`` (``ok`` or
        :data:`BAD_VISITS`) and ``message``. ``attrs["source"]`` names the list.

    Raises
    ------
    InputError
        The list has no visits-a-week column, or neither visit minutes nor weekly hours.

    """
    table, columns, label = read_package_list(source, name)
    found = find_package_columns([str(c) for c in table.columns], taken={columns.address})
    if "visits_per_week" not in found:
        raise InputError(
            f"{label}: no visits-a-week column (e.g. visits_per_week); columns: "
            + ", ".join(map(str, table.columns))
        )
    visits = _read_each(table[found["visits_per_week"]], "visits_per_week")
    problem = np.where(
        np.isnan(visits), f"{found['visits_per_week']} is not a number of visits more than 0", ""
    ).astype(object)
    if "visit_minutes" in found:
        minutes = _read_each(table[found["visit_minutes"]], "visit_minutes")
        bad = np.isnan(minutes)
        problem[bad] = f"{found['visit_minutes']} is not a number of minutes more than 0"
    elif columns.hours is not None:
        hours, hours_problem = package_hours(table[columns.hours])
        with np.errstate(divide="ignore", invalid="ignore"):
            minutes = np.where(hours > 0, hours * 60 / visits, np.nan)
        zero = (hours == 0) & (problem == "")
        problem[zero] = "0 hours a week: no visit to price"
        problem[hours_problem != ""] = hours_problem[hours_problem != ""]
    else:
        raise InputError(
            f"{label}: no visit minutes or weekly hours column to tell how long visits are; "
            "columns: " + ", ".join(map(str, table.columns))
        )
    usable = problem == ""
    out = pd.DataFrame(
        {
            "row": np.arange(len(table)) + 2,
            "visits_per_week": visits,
            "visit_minutes": np.where(usable, minutes, np.nan),
            "status": np.where(usable, Status.OK.value, BAD_VISITS),
            "message": np.where(usable, "", problem),
        }
    )
    out.attrs["source"] = label
    return out


def modelled_visits(packages: pd.DataFrame, mix: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """Give modelled packages visits of the lengths a package list has.

    Each package draws the visit length of a package of ``mix`` (each usable
    row equally likely, :func:`numpy.random.default_rng` with ``seed``); its
    visits a week are its hours over that length, rounded to a whole number
    (at least one), and its visit minutes its hours over those visits, so
    that its hours stay exact. A modelling assumption, not a published figure.

    Parameters
    ----------
    packages : DataFrame
        With ``weekly_hours`` (e.g. from
        :func:`~geozones.demand.packages.modelled_packages`).
    mix : DataFrame
        Visits of a package list (:func:`package_visits`).
    seed : int
        The random seed; the same seed gives the same visits.

    Returns
    -------
    DataFrame
        ``packages`` with ``visits_per_week`` and ``visit_minutes``.

    Raises
    ------
    InputError
        ``mix`` has no usable row.

    """
    lengths = mix.loc[mix["status"] == Status.OK, "visit_minutes"].to_numpy(dtype=float)
    if not len(lengths):
        raise InputError("the package list has no row with usable visits to draw lengths from")
    hours = packages["weekly_hours"].to_numpy(dtype=float)
    drawn = np.random.default_rng(seed).choice(lengths, size=len(packages))
    visits = np.maximum(np.round(hours * 60 / drawn), 1.0)
    return packages.assign(visits_per_week=visits, visit_minutes=hours * 60 / visits)


@dataclass(frozen=True)
class VisitWhatIf:
    """A visit rule's cost on one mix of visits: what the mix is, and the cost."""

    label: str
    cost: VisitRuleCost

    def describe(self) -> list[str]:
        """Lines of text (:meth:`geozones.schemes.pricing.VisitRuleCost.describe`)."""
        return self.cost.describe(self.label)


def visit_whatif(
    scheme: Scheme, mix: pd.DataFrame, *, region: RegionData | None = None, seed: int = 0
) -> tuple[VisitWhatIf, ...]:
    """What a scheme's visit rule costs a year on a package list and on the modelled demand.

    Parameters
    ----------
    scheme : Scheme
        E.g. ``nottinghamshire-2017`` (a 30-minute minimum, against pro rata).
    mix : DataFrame
        The visits of a package list (:func:`package_visits`); its usable rows are costed.
    region : RegionData, optional
        The scheme's built region: also cost the modelled demand (the
        council's published totals, :func:`~geozones.demand.packages.modelled_packages`),
        its visits drawn from the list's lengths (:func:`modelled_visits`).
    seed : int
        Random seed of the modelled packages and their visits.

    Returns
    -------
    tuple of VisitWhatIf
        The list's, then (with ``region``) the modelled demand's.

    """
    ok = mix[mix["status"] == Status.OK]
    source = mix.attrs.get("source", "the package list")
    label = f"{source} ({len(ok):,} of {len(mix):,} rows with usable visits)"
    out = [VisitWhatIf(label, visit_rule_cost(scheme, ok["visits_per_week"], ok["visit_minutes"]))]
    if region is not None:
        totals = published_demand(region.name)
        packages = modelled_visits(modelled_packages(region, totals, seed=seed), mix, seed=seed)
        figures = ", ".join(f"{t.clients:,} clients, {t.weekly_hours:,.0f} h/week" for t in totals)
        modelled = f"modelled demand ({figures}; seed {seed}; visit lengths drawn from {source})"
        cost = visit_rule_cost(scheme, packages["visits_per_week"], packages["visit_minutes"])
        out.append(VisitWhatIf(modelled, cost))
    return tuple(out)
