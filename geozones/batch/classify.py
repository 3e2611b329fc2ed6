"""Classifying whole tables: every input row back, in order, with its classification added."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geozones._chunks import in_chunks, progress_bar
from geozones._vocab import Status
from geozones.classification.classifier import CLASSIFY_COLUMNS, Classifier
from geozones.classification.package import PACKAGE_COLUMNS, find_package_columns, price_table
from geozones.demand.packages import read_package_list
from geozones.geocode.geocoder import CHUNK_ROWS
from geozones.tables.files import TableFormat, check_output, table_format, write_table
from geozones.zones.lookup import classifier_for


@dataclass(frozen=True)
class Classified:
    """What :func:`classify_file` did: counts per status, the file's format, the rows."""

    counts: dict[str, int]
    format: TableFormat | None
    table: pd.DataFrame
    result: pd.DataFrame


def with_classification(table: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """``table`` with :data:`CLASSIFY_COLUMNS` of ``result`` added, row for row.

    So are the :data:`~geozones.classification.package.PACKAGE_COLUMNS` that
    ``result`` has. An added column whose name the table already has is
    prefixed ``geozones_``.
    """
    taken = set(map(str, table.columns))
    added = [*CLASSIFY_COLUMNS, *(c for c in PACKAGE_COLUMNS if c in result.columns)]
    columns = result[added].set_axis([f"geozones_{c}" if c in taken else c for c in added], axis=1)
    return pd.concat([table, columns.set_axis(table.index)], axis=1)


def with_package_prices(
    table: pd.DataFrame, column: str, result: pd.DataFrame, classifier: Classifier
) -> pd.DataFrame:
    """``result`` with each row's package priced, where ``table`` has package columns.

    The package columns are found by header and alias
    (:func:`~geozones.classification.package.find_package_columns`). A row with
    a value that cannot be used keeps its band, rate and what could be priced,
    but its status becomes ``error`` and its message names the column and what
    is accepted. Without package columns ``result`` is returned as it is.
    """
    columns = find_package_columns([str(c) for c in table.columns], {column})
    if not columns:
        return result
    priced, problems = price_table(classifier.scheme, result["band"], table, columns)
    out = pd.concat([result.reset_index(drop=True), priced], axis=1)
    bad = [i for i, found in enumerate(problems) if found]
    if bad:
        status = out["status"].to_numpy(dtype=object).copy()
        message = out["message"].to_numpy(dtype=object).copy()
        for i in bad:
            status[i] = Status.ERROR
            message[i] = "; ".join([*problems[i], *([message[i]] if message[i] else [])])
        out["status"], out["message"] = status, message
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
        :func:`with_classification`), and the classification alone (index 0..n-1),
        each with its package priced where the table has package columns
        (:func:`with_package_prices`).

    """
    result = in_chunks(table[column], classifier.classify_many, chunk_rows, progress)
    result = with_package_prices(table, column, result, classifier).reset_index(drop=True)
    return with_classification(table, result), result


def classify_file(
    infile: Path,
    outfile: Path,
    scheme_id: str,
    column: str | None = None,
    build: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Classified:
    """Geocode and classify every row of a CSV/XLSX file into another, in order.

    Adds :data:`CLASSIFY_COLUMNS` (prefixed ``geozones_`` where the table
    already has a column of that name).

    Returns
    -------
    Classified
        The row count per status, how the file was read, the input table and
        the classification of its rows.
    """
    check_output(infile, outfile)
    table, columns, _ = read_package_list(infile, address=column)
    classifier = classifier_for(scheme_id, build)
    with progress_bar(len(table), "classifying", len(table) > chunk_rows) as done:
        out, result = classify_table(table, columns.address, classifier, chunk_rows, done)
    write_table(out, outfile)
    counts = {str(k): int(v) for k, v in result["status"].value_counts().items()}
    return Classified(counts, table_format(table), table, result)
