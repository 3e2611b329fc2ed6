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
import pandas as pd

from geozones._errors import ConflictError, GeozonesError, NotFoundError
from geozones.batch.classify import classify_table
from geozones.classification.classifier import Classifier
from geozones.demand.packages import hours_column, package_hours, read_package_list
from geozones.schemes.pricing import zone_table
from geozones.schemes.scheme import Scheme

__all__ = [
    "CHUNK_ROWS",
    "FORMULA_PREFIXES",
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
#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Label of the summary's total row.
TOTAL = "Total"
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


def read_upload(data: bytes, name: str, column: str | None = None) -> Upload:
    """Read an uploaded CSV/XLSX file and settle its address column.

    Raises
    ------
    InputError
        Unreadable or unsupported file, a named column it does not have, or no
        column that holds addresses or postcodes.

    """
    table, columns, _ = read_package_list(data, name, address=column)
    return Upload(table, name, columns.address, columns.hours)


def classify_upload(
    upload: Upload, classifier: Classifier, progress: Callable[[int], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classify every row of an upload, in order (see ``classify_table`` in geozones.batch)."""
    return classify_table(upload.table, upload.column, classifier, CHUNK_ROWS, progress)


def _risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def escape_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Prefix with ``'`` each text cell and header starting with one of :data:`FORMULA_PREFIXES`."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        risky = values.map(_risky)
        if risky.any():
            out[column] = values.astype(object).where(~risky, "'" + values[risky].astype(str))
    out.columns = [f"'{c}" if _risky(c) else c for c in out.columns]
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV in UTF-8 with a byte order mark (so Excel shows £ right), formulas escaped."""
    return escape_formulas(table).to_csv(index=False).encode("utf-8-sig")


@dataclass(frozen=True)
class Summary:
    """A per-group summary: the table, its group columns and a note on what it left out."""

    table: pd.DataFrame
    by: list[str]
    note: str | None = None


def summarise(result: pd.DataFrame, table: pd.DataFrame, scheme: Scheme) -> Summary:
    """Clients (and hours and cost, with a weekly hours column) per lot, zone or district and band.

    Parameters
    ----------
    result : DataFrame
        :data:`CLASSIFY_COLUMNS` of every row, in the table's order.
    table : DataFrame
        The uploaded table; a weekly hours column (found by
        :func:`geozones.demand.packages.package_columns`) adds hours and cost.
        A row whose hours cannot be used (:func:`geozones.demand.packages.package_hours`)
        is left out of every figure, and the note names its row.
    scheme : Scheme
        The scheme the rows were classified under (prices each row at its band).

    Returns
    -------
    Summary
        One row per group of the located rows, then a :data:`TOTAL` row: the
        group columns (``lot`` when any row has a lot, else ``zone`` when any
        has a zone, else ``district`` and ``band``) and ``clients``; with hours
        also ``weekly_hours``, ``annual_hours``, ``rate`` and ``cost`` from
        :func:`geozones.schemes.pricing.zone_table`.

    """
    ok = (result["status"] == "ok").to_numpy()
    rows = result[ok].reset_index(drop=True)
    if rows["lot"].notna().any():
        keys = ["lot"]
    elif rows["zone"].notna().any():
        keys = ["zone"]
    else:
        keys = ["district", "band"]
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
    bad = problem != ""
    if bad.any():
        lines = np.flatnonzero(ok)[bad] + 2
        shown = ", ".join(map(str, lines[:5])) + (", ..." if len(lines) > 5 else "")
        notes.append(
            f"{len(lines):,} located row(s) whose weekly hours cannot be used are left out "
            f"(bad_hours; spreadsheet row {shown})"
        )
    keep = ~bad
    work = groups[keep].assign(
        group=groups[keep].agg(" / ".join, axis=1),
        weekly_hours=weekly[keep],
        rate_name=rows["band"].to_numpy()[keep],
    )
    priced = zone_table(work, scheme, "group", "weekly_hours", rate_col="rate_name")
    named = work.drop_duplicates("group").set_index("group")[keys]
    head = named.reindex(priced["zone"]).reset_index(drop=True)
    head.iloc[-1] = [TOTAL] + [""] * (len(keys) - 1)
    frame = pd.concat([head, priced.drop(columns="zone")], axis=1)
    return Summary(frame, keys, "; ".join(notes) or None)


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
            try:
                summary = summarise(result, upload.table, scheme)
            except GeozonesError as exc:
                status["summary_error"] = str(exc)
            else:
                frame = summary.table
                (folder / "summary.csv").write_bytes(csv_bytes(frame))
                status["summary_by"] = summary.by
                status["summary_note"] = summary.note
                status["summary"] = [
                    {k: _jsonable(v) for k, v in row.items()}
                    for row in frame.astype(object).where(frame.notna(), None).to_dict("records")
                ]
            status.update(state="done", done=len(upload.table))
        except GeozonesError as exc:
            status.update(state="failed", error=str(exc))
        except Exception:
            logger.exception("batch job %s failed", status["id"])
            status.update(state="failed", error="an internal error occurred; it has been logged")
        status["updated"] = _now()
        self._write(status)

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
