"""Geocoding whole CSV/XLSX files: every row back, in order, with its point and status."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from geozones.geocode.geocoder import CHUNK_ROWS, RESULT_COLUMNS, STATUSES, Geocoder, result_columns
from geozones.tables.files import open_table, write_table


@dataclass(frozen=True)
class GeocodeFileSummary:
    """What :func:`geocode_file` did: the column used and the rows per status."""

    column: str
    rows: int
    counts: dict[str, int]

    def __str__(self) -> str:
        counts = ", ".join(f"{self.counts.get(s, 0):,} {s}" for s in self.counts)
        return f"geocoded {self.rows:,} rows from column '{self.column}': {counts}"


def geocode_file(
    infile: str | os.PathLike[str],
    outfile: str | os.PathLike[str],
    column: str | None = None,
    region: str | None = None,
    build: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> GeocodeFileSummary:
    """Geocode a CSV/XLSX file into another, keeping every row in order.

    Parameters
    ----------
    infile, outfile : path
        Input and output tables (.csv or .xlsx each).
    column : str, optional
        The column to geocode; detected with :func:`detect_column` when None.
    region : str, optional
        Region whose places answer place names and whose boundary flags
        ``outside_region``; GB postcodes, coordinates and grid references only when None.
    build : Path, optional
        Build folder (default ``data/build`` or ``$GEOZONES_BUILD``).
    chunk_rows : int
        Rows per chunk; a progress bar shows on standard error when there is more than one.

    Returns
    -------
    GeocodeFileSummary

    Raises
    ------
    InputError
        Unreadable input, unsupported extension, unknown or undetectable column,
        or output path equal to the input.

    """
    table, column = open_table(infile, outfile, column)
    geocoder = Geocoder.for_region(region, build)
    out = geocoder.geocode_table(table, column, chunk_rows, progress=len(table) > chunk_rows)
    write_table(out, outfile)
    status = out[result_columns(table.columns)[RESULT_COLUMNS.index("status")]]
    counts = {s: int((status == s).sum()) for s in STATUSES}
    return GeocodeFileSummary(column, len(out), counts)
