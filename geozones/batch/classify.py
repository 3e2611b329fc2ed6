"""Classifying whole tables: every input row back, in order, with its classification added."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from geozones._chunks import in_chunks, progress_bar
from geozones.classification.classifier import CLASSIFY_COLUMNS, Classifier
from geozones.demand.packages import read_package_list
from geozones.geocode.geocoder import CHUNK_ROWS
from geozones.tables.files import check_output, write_table
from geozones.zones.lookup import classifier_for


def with_classification(table: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """``table`` with :data:`CLASSIFY_COLUMNS` of ``result`` added, row for row.

    An added column whose name the table already has is prefixed ``geozones_``.
    """
    out = table.copy()
    taken = set(map(str, table.columns))
    for c in CLASSIFY_COLUMNS:
        out[f"geozones_{c}" if c in taken else c] = result[c].to_numpy()
    return out


def classify_table(
    table: pd.DataFrame,
    column: str,
    classifier: Classifier,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classify every row of ``table`` by its ``column``, in order.

    Parameters
    ----------
    table : DataFrame
        Cells as text (:func:`geozones.tables.files.read_table`).
    column : str
        The column of addresses, postcodes, places or coordinates.
    classifier : Classifier
        The scheme's classifier (with its zone lookup).
    chunk_rows : int
        Rows per chunk.
    progress : callable, optional
        Called with the number of rows done after each chunk.

    Returns
    -------
    (DataFrame, DataFrame)
        The table with :data:`CLASSIFY_COLUMNS` added (see
        :func:`with_classification`), and the classification alone (index 0..n-1).

    """
    result = in_chunks(table[column], classifier.classify_many, chunk_rows, progress)
    return with_classification(table, result), result.reset_index(drop=True)


def classify_file(
    infile: Path,
    outfile: Path,
    scheme_id: str,
    column: str | None = None,
    build: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, int]:
    """Geocode and classify every row of a CSV/XLSX file into another, in order.

    Adds :data:`CLASSIFY_COLUMNS` (prefixed ``geozones_`` where the table
    already has a column of that name) and returns the row count per status.
    """
    check_output(infile, outfile)
    table, columns, _ = read_package_list(infile, address=column)
    classifier = classifier_for(scheme_id, build)
    with progress_bar(len(table), "classifying", len(table) > chunk_rows) as done:
        out, result = classify_table(table, columns.address, classifier, chunk_rows, done)
    write_table(out, outfile)
    return {str(k): int(v) for k, v in result["status"].value_counts().items()}
