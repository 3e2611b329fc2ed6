"""Uploaded package lists: classified row by row into a CSV, summarised per lot, run as jobs.

An upload (CSV or XLSX) is read by :func:`geozones.demand.packages.read_package_list`,
the one package-list reader, which finds its address and hours columns; the rows are
classified by :meth:`geozones.classification.classifier.Classifier.classify_many` in chunks, so a
job can report its progress. The result is the upload with
:data:`~geozones.classification.classifier.CLASSIFY_COLUMNS` added (as ``geozones classify``
does), written as CSV with every cell that a spreadsheet would run as a formula
escaped.

Jobs keep their state in files under ``<instance>/batch/<job id>/``, so any
worker process can answer for a job that another one runs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import ConflictError, GeozonesError, InputError, NotFoundError
from geozones.batch.classify import classify_table
from geozones.classification.classifier import Classifier
from geozones.demand.packages import hours_column, package_hours, read_package_list
from geozones.schemes.pricing import hourly_rate, zone_table
from geozones.schemes.scheme import Scheme
from geozones.tables.files import FORMULA_PREFIXES, TableFormat, escape_formulas, table_format

__all__ = [
    "CHUNK_ROWS",
    "FORMULA_PREFIXES",
    "SUMMARY_BY",
    "JobStore",
    "Summary",
    "Upload",
    "classify_upload",
    "csv_bytes",
    "escape_formulas",
    "read_upload",
    "summarise",
]

logger = logging.getLogger(__name__)

#: Rows classified at a time (a job's progress moves in these steps).
CHUNK_ROWS = 2_000
#: Label of the summary's total row.
TOTAL = "Total"
#: The groupings of :func:`summarise`: name -> group columns.
SUMMARY_BY: dict[str, tuple[str, ...]] = {
    "lot": ("lot",),
    "zone": ("zone",),
    "pcn": ("pcn",),
    "district": ("district", "band"),
}
#: A running job whose state has not changed for this long has died with its worker (seconds).
STALE_AFTER_S = 600
#: Job folders older than this are deleted when a new job starts (seconds).
KEEP_JOBS_S = 24 * 3600


@dataclass(frozen=True)
class Upload:
    """An uploaded table (cells as text), its file name and the column to classify."""

    table: pd.DataFrame
    name: str
    column: str
    #: The weekly hours column, when the table has one.
    hours: str | None = None
    #: How the file was read (encoding and delimiter), as :func:`read_upload` found it.
    format: TableFormat | None = None


def read_upload(data: bytes, name: str, column: str | None = None) -> Upload:
    """Read an uploaded CSV/XLSX file and settle its address column.

    Raises
    ------
    InputError
        Unreadable or unsupported file, a named column it does not have, or no
        column that holds addresses or postcodes.

    """
    table, columns, _ = read_package_list(data, name, address=column)
    return Upload(table, name, columns.address, columns.hours, table_format(table))


def classify_upload(
    upload: Upload, classifier: Classifier, progress: Callable[[int], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classify every row of an upload, in order (see ``classify_table`` in geozones.batch)."""
    return classify_table(upload.table, upload.column, classifier, CHUNK_ROWS, progress)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV in UTF-8 with a byte order mark (so Excel shows £ right), formulas escaped."""
    return escape_formulas(table).to_csv(index=False).encode("utf-8-sig")


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


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value


class JobStore:
    """Batch jobs run in a background thread, their state and files under ``folder``.

    Parameters
    ----------
    folder : Path
        One sub-folder per job: ``status.json``, ``result.csv``, ``summary.csv``.

    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def start(self, upload: Upload, scheme: Scheme, classifier: Classifier) -> dict[str, Any]:
        """Start classifying ``upload`` and return the job's first status."""
        self._prune()
        job = uuid.uuid4().hex
        (self.folder / job).mkdir(parents=True)
        now = _now()
        status: dict[str, Any] = {
            "id": job,
            "state": "running",
            "file": upload.name,
            "scheme": scheme.id,
            "column": upload.column,
            "read_as": None if upload.format is None else upload.format.describe(),
            "rows": len(upload.table),
            "done": 0,
            "counts": {},
            "summary_by": [],
            "summary": None,
            "summary_note": None,
            "summary_error": None,
            "error": None,
            "created": now,
            "updated": now,
        }
        self._write(status)
        thread = threading.Thread(
            target=self._run, args=(status, upload, scheme, classifier), daemon=True
        )
        thread.start()
        return dict(status)

    def _run(
        self, status: dict[str, Any], upload: Upload, scheme: Scheme, classifier: Classifier
    ) -> None:
        folder = self.folder / status["id"]

        def progress(done: int) -> None:
            self._write({**status, "done": done, "updated": _now()})

        try:
            out, result = classify_upload(upload, classifier, progress)
            (folder / "result.csv").write_bytes(csv_bytes(out))
            status["counts"] = {str(k): int(v) for k, v in result["status"].value_counts().items()}
            status.update(self._summary(folder, result, upload, scheme))
            status.update(state="done", done=len(upload.table))
        except GeozonesError as exc:
            status.update(state="failed", error=str(exc))
        except Exception:
            logger.exception("batch job %s failed", status["id"])
            status.update(state="failed", error="an internal error occurred; it has been logged")
        status["updated"] = _now()
        self._write(status)

    def _summary(
        self, folder: Path, result: pd.DataFrame, upload: Upload, scheme: Scheme
    ) -> dict[str, Any]:
        """The status fields of the job's summary (written to ``summary.csv``).

        Any failure is told in ``summary_error`` and leaves the classified rows
        (``result.csv``) complete.
        """
        try:
            summary = summarise(result, upload.table, scheme)
            frame = summary.table
            (folder / "summary.csv").write_bytes(csv_bytes(frame))
            rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
            return {
                "summary_by": summary.by,
                "summary_note": summary.note,
                "summary": [{str(k): _jsonable(v) for k, v in row.items()} for row in rows],
            }
        except GeozonesError as exc:
            why = str(exc)
        except Exception as exc:
            logger.exception("batch job %s: the summary failed", folder.name)
            why = f"{type(exc).__name__}: {exc}"
        return {"summary_error": f"the summary failed ({why}); every row is classified"}

    def _write(self, status: dict[str, Any]) -> None:
        path = self.folder / status["id"] / "status.json"
        tmp = path.with_name(f".status.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(status), encoding="utf-8")
        tmp.replace(path)

    def _folder(self, job: str) -> Path:
        folder = self.folder / job
        if not re.fullmatch(r"[0-9a-f]{32}", job) or not (folder / "status.json").exists():
            raise NotFoundError(f"no batch job {job!r} (jobs are kept for a day)")
        return folder

    def status(self, job: str) -> dict[str, Any]:
        """The job's state: ``running`` (with rows ``done``), ``done`` or ``failed``.

        Raises
        ------
        NotFoundError
            No such job (or it has been deleted).

        """
        status: dict[str, Any] = json.loads(
            (self._folder(job) / "status.json").read_text(encoding="utf-8")
        )
        updated = datetime.fromisoformat(status["updated"]).timestamp()
        if status["state"] == "running" and time.time() - updated > STALE_AFTER_S:
            status.update(
                state="failed",
                error="the job stopped (the server restarted); upload the file again",
            )
        return status

    def file(self, job: str, name: str) -> Path:
        """The job's ``result.csv`` or ``summary.csv``.

        Raises
        ------
        NotFoundError
            No such job, or the job has no such file (e.g. no summary could be made).
        ConflictError
            The job has not finished yet.

        """
        status = self.status(job)
        if status["state"] != "done":
            raise ConflictError(f"batch job {job} is {status['state']}; its files come when done")
        path = self._folder(job) / name
        if not path.exists():
            raise NotFoundError(
                f"batch job {job} has no {name}: {status['summary_error'] or 'not made'}"
            )
        return path

    def _prune(self) -> None:
        if not self.folder.exists():
            return
        cutoff = time.time() - KEEP_JOBS_S
        for folder in self.folder.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
