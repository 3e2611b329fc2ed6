"""Tables people bring: reading and writing CSV and Excel files, finding the address column.

Shared by the bulk commands (``geozones geocode``) and the web upload. Cells are
read as text, exactly as typed (``"007"`` stays ``"007"``, empty cells are
``""``), so a table written back shows the user's own values unchanged.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from geozones._errors import InputError
from geozones._vocab import TEXT_POSTCODE_RE

#: File types read and written, by extension.
SUPPORTED_EXTENSIONS = (".csv", ".xlsx")
#: Encodings tried in turn for CSV files (``utf-8-sig`` reads UTF-8 with or without a BOM).
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
#: Header words that mark the column to geocode, best first.
ADDRESS_HEADERS = ("address", "postcode", "postalcode", "location", "place")
#: Rows sampled when detecting the address column by content.
DETECT_SAMPLE_ROWS = 1000

TableSource = str | os.PathLike[str] | bytes


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
        (empty cells ``""``). CSV is decoded as UTF-8 (with or without a byte
        order mark), else Windows-1252; XLSX from its first sheet.

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
        return _read_csv(data, name)
    return _read_xlsx(data, name)


def _extension(name: str) -> str:
    """The lower-case extension of ``name`` if supported, else an InputError."""
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise InputError(
            f"{name}: unsupported file type '{ext or '(none)'}'; use a .csv or .xlsx file"
        )
    return ext


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"cannot read {name}: the CSV is neither UTF-8 nor Windows-1252 text")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read {name} as CSV: {str(exc).strip()}") from exc


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


def write_table(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a table as CSV or XLSX, by the path's extension, replacing the file atomically.

    CSV is UTF-8 with a byte order mark, so that Excel shows £ and accented
    letters correctly; XLSX has one sheet. Index not written.

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
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            table.to_excel(tmp, index=False, engine="openpyxl")
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
