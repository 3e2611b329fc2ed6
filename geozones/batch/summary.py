"""Summaries of classified package lists: clients, hours and cost per lot, zone, PCN or district.

``geozones classify --summary`` and the web batch page show the same table:
each package at its own hourly rate (:func:`geozones.schemes.pricing.zone_table`),
with a note on every row left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import InputError
from geozones.demand.packages import hours_column, package_hours
from geozones.schemes.pricing import hourly_rate, zone_table
from geozones.schemes.scheme import Scheme

#: Label of the summary's total row.
TOTAL = "Total"
#: The groupings of :func:`summarise`: name -> group columns.
SUMMARY_BY: dict[str, tuple[str, ...]] = {
    "lot": ("lot",),
    "zone": ("zone",),
    "pcn": ("pcn",),
    "district": ("district", "band"),
}


@dataclass(frozen=True)
class Summary:
    """A per-group summary: the table, its group columns and a note on what it left out."""

    table: pd.DataFrame
    by: list[str]
    note: str | None = None


def summarise(
    result: pd.DataFrame, table: pd.DataFrame, scheme: Scheme, by: str | None = None
) -> Summary:
    """Clients (and hours and cost, with a weekly hours column) per lot, zone, PCN or district.

    Parameters
    ----------
    result : DataFrame
        :data:`CLASSIFY_COLUMNS` of every row, in the table's order.
    table : DataFrame
        The uploaded table; a weekly hours column (found by
        :func:`geozones.demand.packages.package_columns`) adds hours and cost.
        A row whose hours cannot be used (:func:`geozones.demand.packages.package_hours`)
        or that has no rate (nor a band of ``scheme``) is left out of every
        figure, and the note names its row.
    scheme : Scheme
        The scheme the rows were classified under.
    by : str, optional
        One of :data:`SUMMARY_BY`: ``lot``, ``zone``, ``pcn``, or ``district``
        (with band). Default: ``lot`` when any row has a lot, else ``zone``
        when any has a zone, else ``district``.

    Returns
    -------
    Summary
        One row per group of the located rows, then a :data:`TOTAL` row: the
        group columns and ``clients``; with hours also ``weekly_hours``,
        ``annual_hours``, ``rate`` (None where a group mixes rates),
        ``weekly_cost`` and ``cost`` (a year), each package at its own
        hourly rate, from :func:`geozones.schemes.pricing.zone_table`.

    Raises
    ------
    InputError
        ``by`` is not one of :data:`SUMMARY_BY`.

    """
    ok = (result["status"] == "ok").to_numpy()
    rows = result[ok].reset_index(drop=True)
    if by is None:
        by = "lot" if rows["lot"].notna().any() else "zone" if rows["zone"].notna().any() else None
    if by is not None and by not in SUMMARY_BY:
        raise InputError(f"cannot summarise by {by!r}; choose one of: {', '.join(SUMMARY_BY)}")
    keys = list(SUMMARY_BY[by or "district"])
    groups = rows[keys].fillna("(none)").astype(str)
    left_out = int((~ok).sum())
    notes = [f"{left_out:,} row(s) not located are left out"] if left_out else []
    hours = hours_column(table)
    if hours is None:
        counts = groups.groupby(keys, sort=True).size().rename("clients").reset_index()
        total = pd.DataFrame([{**dict.fromkeys(keys, ""), keys[0]: TOTAL, "clients": len(rows)}])
        frame = pd.concat([counts, total], ignore_index=True)
        return Summary(frame, keys, "; ".join(notes) or None)
    weekly, problem = package_hours(table[hours].reset_index(drop=True)[ok].reset_index(drop=True))
    lines = np.flatnonzero(ok) + 2
    bad = problem != ""
    if bad.any():
        notes.append(
            f"{int(bad.sum()):,} located row(s) whose weekly hours cannot be used are left out "
            f"(bad_hours; spreadsheet row {_rows_text(lines[bad])})"
        )
    price = rows["rate"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(pd.isna(price) & rows["band"].notna().to_numpy()):
        price[i] = str(hourly_rate(scheme, rows["band"].iloc[i]))
    unpriced = ~bad & pd.isna(price)
    if unpriced.any():
        notes.append(
            f"{int(unpriced.sum()):,} located row(s) without a rate are left out "
            f"(spreadsheet row {_rows_text(lines[unpriced])})"
        )
    keep = ~bad & ~unpriced
    label = groups[keys[0]]
    for key in keys[1:]:
        label = label + " / " + groups[key]
    work = groups[keep].assign(
        group=label[keep],
        weekly_hours=weekly[keep],
        price=price[keep],
    )
    priced = zone_table(work, scheme, "group", "weekly_hours", price_col="price")
    week = zone_table(work, scheme, "group", "weekly_hours", price_col="price", weeks=1)
    priced.insert(list(priced.columns).index("cost"), "weekly_cost", week["cost"].to_numpy())
    named = work.drop_duplicates("group").set_index("group")[keys]
    head = named.reindex(priced["zone"].iloc[:-1]).astype(object)
    total_row = pd.DataFrame([{**dict.fromkeys(keys, ""), keys[0]: TOTAL}], dtype=object)
    head = pd.concat([head, total_row], ignore_index=True)
    frame = pd.concat([head, priced.drop(columns="zone")], axis=1)
    return Summary(frame, keys, "; ".join(notes) or None)


def _rows_text(lines: npt.NDArray[np.int64]) -> str:
    """The first five spreadsheet row numbers, then "..." when there are more."""
    return ", ".join(map(str, lines[:5])) + (", ..." if len(lines) > 5 else "")
