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

import pandas as pd

from geozones._errors import ConflictError, GeozonesError, NotFoundError
from geozones.batch.classify import classify_table
from geozones.batch.summary import summarise
from geozones.classification.classifier import Classifier
from geozones.demand.packages import read_package_list
from geozones.schemes.scheme import Scheme
from geozones.tables.files import (
    FORMULA_PREFIXES,
    TableFormat,
    csv_bytes,
    escape_formulas,
    table_format,
)

__all__ = [
    "CHUNK_ROWS",
    "FORMULA_PREFIXES",
    "JobStore",
    "Upload",
    "classify_upload",
    "csv_bytes",
    "escape_formulas",
    "read_upload",
]

logger = logging.getLogger(__name__)

#: Rows classified at a time (a job's progress moves in these steps).
CHUNK_ROWS = 2_000
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
