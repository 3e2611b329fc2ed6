"""Tables people bring: reading and writing CSV and Excel files, finding the address column.

Shared by the bulk commands (``geozones geocode``) and the web upload. Cells are
read as text, exactly as typed (``"007"`` stays ``"007"``, empty cells are
``""``), so a table written back shows the user's own values unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geozones._errors import InputError
from geozones._vocab import TEXT_POSTCODE_RE

#: File types read and written, by extension.
SUPPORTED_EXTENSIONS = (".csv", ".xlsx")
#: Byte order marks recognised at the start of a CSV file, and their encodings' names.
CSV_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 with BOM"),
)
#: Encodings tried in turn for CSV files without a byte order mark, and their names.
CSV_ENCODINGS = (("utf-8", "UTF-8"), ("cp1252", "Windows-1252"))
#: Delimiters a CSV file may use, and their names (the first is taken when none is found).
CSV_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: Key of :attr:`pandas.DataFrame.attrs` holding how a table was read (:class:`TableFormat`).
FORMAT_ATTR = "format"
#: Header words that mark the column to geocode, best first.
ADDRESS_HEADERS = ("address", "postcode", "postalcode", "location", "place")
#: Rows sampled when detecting the address column by content.
DETECT_SAMPLE_ROWS = 1000
#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

TableSource = str | os.PathLike[str] | bytes


@dataclass(frozen=True)
class TableFormat:
    """How a file was read: its encoding and delimiter (None for XLSX)."""

    encoding: str | None = None
    delimiter: str | None = None

    def describe(self) -> str:
        """E.g. ``"CSV, semicolon-separated, UTF-8 with BOM"`` or ``"XLSX"``."""
        if self.delimiter is None:
            return "XLSX"
        return f"CSV, {CSV_DELIMITERS[self.delimiter]}-separated, {self.encoding}"


def table_format(table: pd.DataFrame) -> TableFormat | None:
    """How :func:`read_table` read ``table`` (None for a table made otherwise)."""
    found = table.attrs.get(FORMAT_ATTR)
    return found if isinstance(found, TableFormat) else None


def read_table(source: TableSource, name: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX table with every cell as text.

    Parameters
    ----------
    source : path or bytes
        A file path, or the file's bytes (an upload).
    name : str, optional
        The file name, used for its extension and in messages; required when
        ``source`` is bytes, else the path.

    Returns
    -------
    DataFrame
        One row per data row, columns named by the header row, values as str
        (empty cells ``""``); ``attrs["format"]`` is its :class:`TableFormat`
        (see :func:`table_format`). CSV is decoded by its byte order mark
        (UTF-8 or UTF-16), else as UTF-8, else Windows-1252, and split at the
        delimiter (comma, semicolon, tab or pipe) that gives its header row
        the most fields; XLSX is read from its first sheet.

    Raises
    ------
    InputError
        When the file is missing or unreadable, or is not .csv or .xlsx.

    """
    if isinstance(source, bytes):
        if name is None:
            raise InputError("name the uploaded file (its extension says how to read it)")
        data = source
    else:
        path = Path(source)
        name = name or str(path)
        _extension(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if _extension(name) == ".csv":
        table, found = _read_csv(data, name)
    else:
        table, found = _read_xlsx(data, name), TableFormat()
    table.attrs[FORMAT_ATTR] = found
    return table


def _extension(name: str) -> str:
    """The lower-case extension of ``name`` if supported, else an InputError."""
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise InputError(
            f"{name}: unsupported file type '{ext or '(none)'}'; use a .csv or .xlsx file"
        )
    return ext


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding."""
    for bom, codec, label in CSV_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).removeprefix("\ufeff"), label
            except UnicodeDecodeError as exc:
                raise InputError(f"cannot read {name}: it starts as {label} but is not") from exc
    for codec, label in CSV_ENCODINGS:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"cannot read {name}: the CSV is neither UTF-8 nor Windows-1252 text "
        "(nor UTF-16 with a byte order mark)"
    )


def _delimiter(text: str) -> str:
    """The delimiter of :data:`CSV_DELIMITERS` that splits the header row into most fields."""
    header = next(iter(io.StringIO(text)), "")
    fields = {d: len(next(csv.reader([header], delimiter=d), [])) for d in CSV_DELIMITERS}
    return max(CSV_DELIMITERS, key=lambda d: fields[d])


def _read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, TableFormat]:
    text, encoding = _decode(data, name)
    delimiter = _delimiter(text)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read {name} as CSV: {str(exc).strip()}") from exc
    return table, TableFormat(encoding, delimiter)


def _read_xlsx(data: bytes, name: str) -> pd.DataFrame:
    try:
        table = pd.read_excel(io.BytesIO(data), engine="openpyxl", dtype=str)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise InputError(f"cannot read {name} as an Excel workbook (.xlsx): {exc}") from exc
    return table.fillna("")


def detect_column(table: pd.DataFrame, name: str = "the table") -> str:
    """Find the column to geocode: by header, else where most values hold a postcode.

    Headers naming an address, postcode, postal code, location or place
    (whatever the case, spacing or punctuation) are candidates; among several,
    the one whose values most often contain a postcode wins (ties: in that
    order). Without such a header, the column where most sampled values
    contain a postcode is taken, if more than half of its non-empty values do.

    Parameters
    ----------
    table : DataFrame
        Cells as text (as :func:`read_table` returns).
    name : str
        The file name, for the message.

    Raises
    ------
    InputError
        When no column qualifies, listing the columns.

    """
    ranks = {c: r for c in table.columns if (r := _header_rank(c)) is not None}
    if ranks:
        candidate_shares = {c: _postcode_share(table[c]) for c in ranks}
        return str(max(ranks, key=lambda c: (candidate_shares[c], -ranks[c])))
    shares = {c: _postcode_share(table[c]) for c in table.columns}
    best_column = max(shares, key=lambda c: shares[c], default=None)
    if best_column is None or shares[best_column] <= 0.5:
        raise InputError(
            f"{name}: no address or postcode column found (by header or content); "
            "name it with --column; columns: " + ", ".join(map(str, table.columns))
        )
    return str(best_column)


def _header_rank(header: object) -> int | None:
    """Position in :data:`ADDRESS_HEADERS` of the first word the header holds, or None.

    ``"Post Code"`` and ``"postcode"`` match postcode; ``"Address line 1"``
    matches address; e-mail and web addresses and words such as "placement" do not.
    """
    words = re.findall(r"[a-z]+", str(header).lower())
    joined = "".join(words)
    if "email" in joined or {"web", "ip", "url"} & set(words):
        return None
    for rank, word in enumerate(ADDRESS_HEADERS):
        if word in words or (len(word) > 5 and joined.startswith(word)):
            return rank
    return None


def _postcode_share(values: pd.Series) -> float:
    """Share of the sampled non-empty values that contain a postcode."""
    sample = values.head(DETECT_SAMPLE_ROWS).astype("string").fillna("").str.strip()
    sample = sample[sample != ""]
    if sample.empty:
        return 0.0
    found = sample.str.upper().str.extract(TEXT_POSTCODE_RE.pattern, flags=TEXT_POSTCODE_RE.flags)[
        0
    ]
    return float(found.notna().mean())


def _risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def escape_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Prefix with ``'`` each text cell and header starting with one of :data:`FORMULA_PREFIXES`."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_string_dtype(values):
            risky = values.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
        elif values.dtype == object:
            risky = values.map(_risky).astype(bool)
        else:
            continue
        if risky.any():
            out[column] = values.astype(object).where(~risky, "'" + values[risky].astype(str))
    out.columns = [f"'{c}" if _risky(c) else c for c in out.columns]
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes: UTF-8 with a byte order mark, formulas escaped, index not written.

    The byte order mark makes Excel show £ and accented letters correctly; text
    cells and headers a spreadsheet would run as a formula are escaped
    (:func:`escape_formulas`). Every text cell and header is quoted; numbers are
    not (in their shortest exact form: ``612345``, ``1e-7``); empty cells are empty.
    Written by pyarrow's CSV writer, some twenty times quicker than pandas'.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    escaped = escape_formulas(table)
    columns = [_csv_column(escaped.iloc[:, i]) for i in range(escaped.shape[1])]
    arrow = pa.Table.from_arrays(columns, names=[str(c) for c in escaped.columns])
    sink = io.BytesIO()
    sink.write(codecs.BOM_UTF8)
    pa_csv.write_csv(arrow, sink)
    return sink.getvalue()


def _csv_column(values: pd.Series) -> Any:
    """One column as the pyarrow array :func:`csv_bytes` writes: numbers, else text (None empty)."""
    import pyarrow as pa

    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return pa.array(values)  # pandas' text columns are pyarrow's already
    missing = values.isna().to_numpy(dtype=bool)
    kind = values.dtype.kind
    if kind in "iuf":
        numbers = values.to_numpy(dtype="int64" if kind in "iu" else float, na_value=0)
        return pa.array(numbers, mask=missing)
    text = values.to_numpy(dtype=object).copy()
    text[missing] = None
    if pd.api.types.infer_dtype(text, skipna=True) not in ("string", "empty"):
        text = np.array([None if v is None else str(v) for v in text], dtype=object)
    return pa.array(text, type=pa.string())


def write_table(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a table as CSV or XLSX, by the path's extension, replacing the file atomically.

    CSV as :func:`csv_bytes` writes it; XLSX has one sheet, index not written,
    formulas escaped (:func:`escape_formulas`); numbers stay numbers.

    Raises
    ------
    InputError
        When the extension is not .csv or .xlsx, or the file cannot be written.

    """
    path = Path(path)
    ext = _extension(path.name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if ext == ".csv":
            tmp.write_bytes(csv_bytes(table))
        else:
            escape_formulas(table).to_excel(tmp, index=False, engine="openpyxl")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def check_output(infile: str | os.PathLike[str], outfile: str | os.PathLike[str]) -> None:
    """Refuse an output file of an unsupported type, or one that would overwrite the input.

    Raises
    ------
    InputError
        Naming the file and what is accepted.

    """
    _extension(Path(outfile).name)
    if Path(outfile).resolve() == Path(infile).resolve():
        raise InputError(f"{outfile}: the output would overwrite the input; name another file")


def open_table(
    infile: str | os.PathLike[str], outfile: str | os.PathLike[str], column: str | None
) -> tuple[pd.DataFrame, str]:
    """Read ``infile`` for processing into ``outfile`` and settle the address column.

    Raises
    ------
    InputError
        Unsupported output extension, output equal to the input, unreadable
        input, or a named column that is not there (or none detectable).

    """
    check_output(infile, outfile)
    table = read_table(infile)
    name = Path(infile).name
    if column is None:
        return table, detect_column(table, name)
    if column not in table.columns:
        raise InputError(
            f"{name}: no column '{column}'; columns: " + ", ".join(map(str, table.columns))
        )
    return table, column
