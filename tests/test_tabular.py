import csv
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from geozones._errors import InputError
from geozones.geocode.files import geocode_file
from geozones.geocode.geocoder import RESULT_COLUMNS
from geozones.tables.files import (
    csv_bytes,
    detect_column,
    escape_formulas,
    read_table,
    write_table,
)

ROWS = "id,address,note\n007,NR1 3QU,£12 a week\n008,Little Snoring,café\n009,,\n"


# -- reading and writing ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_utf8_with_or_without_bom_and_windows_1252(tmp_path, encoding):
    path = tmp_path / "packages.csv"
    path.write_bytes(ROWS.encode(encoding))
    table = read_table(path)
    assert list(table.columns) == ["id", "address", "note"]
    assert table["id"].tolist() == ["007", "008", "009"]
    assert table["note"].tolist() == ["£12 a week", "café", ""]
    assert table["address"].tolist() == ["NR1 3QU", "Little Snoring", ""]


def test_uploaded_bytes_need_a_name(tmp_path):
    table = read_table(ROWS.encode("cp1252"), "upload.CSV")
    assert table.loc[1, "note"] == "café"
    with pytest.raises(InputError, match="name the uploaded file"):
        read_table(b"a,b\n")


def test_xlsx_round_trip(tmp_path):
    table = pd.DataFrame({"id": ["007", "008"], "address": ["NR1 3QU", "Saint Olaves"],
                          "note": ["£12", "é"]})  # fmt: skip
    path = tmp_path / "out.xlsx"
    write_table(table, path)
    pd.testing.assert_frame_equal(read_table(path), table, check_dtype=False)


def test_xlsx_numbers_and_blanks_read_as_text(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["postcode", "hours", "visits"])
    sheet.append(["NR1 3QU", 23.5, 31])
    sheet.append(["nr12 7da", None, 4])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.to_dict("list") == {
        "postcode": ["NR1 3QU", "nr12 7da"],
        "hours": ["23.5", ""],
        "visits": ["31", "4"],
    }


def test_csv_is_written_with_a_bom_for_excel(tmp_path):
    path = tmp_path / "out.csv"
    write_table(pd.DataFrame({"note": ["£12", "café"]}), path)
    assert path.read_bytes().startswith(b'\xef\xbb\xbf"note"')
    assert read_table(path)["note"].tolist() == ["£12", "café"]
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.txt", b"a\n", r"list.txt: unsupported file type '.txt'; use a .csv or .xlsx file"),
        ("list", b"a\n", r"list: unsupported file type '\(none\)'; use a .csv or .xlsx file"),
        ("list.csv", b"\x81\x8d\x8f", ("cannot read list.csv: the CSV is neither UTF-8 nor "
                                      "Windows-1252 text")),
        ("list.csv", b"", "cannot read list.csv as CSV: No columns to parse from file"),
        ("list.xlsx", b"not a zip", r"cannot read list.xlsx as an Excel workbook \(.xlsx\)"),
    ],
)  # fmt: skip
def test_unreadable_tables_say_what_is_accepted(name, data, message):
    with pytest.raises(InputError, match=f"^{message}"):
        read_table(data, name)


def test_a_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"cannot read .*nothere.csv: No such file or directory"):
        read_table(tmp_path / "nothere.csv")


def test_write_refuses_other_extensions(tmp_path):
    with pytest.raises(InputError, match=r"out\.json: unsupported file type '\.json'"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.json")


# -- finding the address column -----------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"id": ["1"], "Address": ["10 High St"]}, "Address"),
        ({"id": ["1"], "Post Code": ["x"]}, "Post Code"),
        ({"Client postcode": ["NR1 3QU"], "Location": ["Norwich"]}, "Client postcode"),
        ({"Address line 1": ["10 High St"], "Postcode": ["NR1 3QU"]}, "Postcode"),
        ({"Address": ["10 High St"], "Town": ["Diss"], "Place": ["Diss"]}, "Address"),
        ({"Placement type": ["home"], "Email address": ["a@b.uk"], "PC": ["NR1 3QU"]}, "PC"),
        ({"ref": ["1", "2", "3"], "where": ["NR1 3QU", "Flat 2, nr12 7da", "Diss"]}, "where"),
    ],
)
def test_detect_column(columns, expected):
    assert detect_column(pd.DataFrame(columns)) == expected


def test_detect_column_fails_with_the_columns_listed():
    table = pd.DataFrame({"ref": ["1", "2"], "where": ["Diss", "NR1 3QU"]})
    with pytest.raises(InputError, match=r"^x.csv: no address or postcode column found .* "
                                         r"--column; columns: ref, where$"):  # fmt: skip
        detect_column(table, "x.csv")


# -- geocode_file and the CLI -------------------------------------------------------------


@pytest.mark.usefixtures("norfolk")
def test_cli_geocodes_the_norfolk_sample(run_cli, source, build_root, tmp_path):
    infile = source / "samples" / "norfolk_packages_sample.csv"
    outfile = tmp_path / "geocoded.csv"
    code, out, err = run_cli("geocode", infile, "-o", outfile, "--region", "norfolk",
                         "--build", build_root)  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "geocoded 1,500 rows from column 'address': 1,497 ok, 0 outside_region, 3 error "
        f"-> {outfile}\n"
    )
    packages = read_table(infile)
    result = read_table(outfile)
    assert list(result.columns) == [*packages.columns, *RESULT_COLUMNS]
    # every input cell comes back as typed, a formula-leading one escaped (-3.0 -> '-3.0)
    expected = escape_formulas(packages)
    pd.testing.assert_frame_equal(result[packages.columns], expected, check_dtype=False)
    bad = result[result["status"] == "error"].set_index("package_id")["message"].to_dict()
    assert bad == {
        "NOR00013": "no place named 'no fixed abode' in or near Norfolk, and no postcode, "
        "coordinates or grid reference",
        "NOR01151": "empty input",
        "NOR01201": "not a UK postcode: 'HR1 2ZZZ' (expected a form like NR1 3QU)",
    }
    first = result.iloc[0]
    assert (first["precision"], first["matched"], first["status"]) == ("postcode", "IP25 7EQ", "ok")
    assert float(first["easting"]) == 590211.0


@pytest.mark.usefixtures("herefordshire")
def test_cli_writes_xlsx_and_reads_a_named_column(run_cli, build_root, tmp_path):
    infile = tmp_path / "list.csv"
    infile.write_bytes("ref,where,x\n1,HR4 9AA,é\n2,Ross on Wye,£\n3,NR1 3QU,\n".encode("cp1252"))
    outfile = tmp_path / "list.xlsx"
    code, out, _ = run_cli("geocode", infile, "-o", outfile, "--column", "where",
                       "--region", "herefordshire", "--build", build_root)  # fmt: skip
    assert code == 0
    assert "3 rows from column 'where': 2 ok, 1 outside_region, 0 error" in out
    result = read_table(outfile)
    assert result["x"].tolist() == ["é", "£", ""]
    assert result["matched"].tolist() == ["HR4 9AA", "Ross-on-Wye", "NR1 3QU"]
    assert result["message"].tolist()[2] == "NR1 3QU is outside Herefordshire"


@pytest.mark.usefixtures("gb_index")
def test_cli_without_a_region_uses_gb_postcodes(run_cli, build_root, tmp_path):
    infile = tmp_path / "in.csv"
    infile.write_text("postcode\nEH1 1YZ\nTG 23 08\nDiss\n")
    code, out, _ = run_cli("geocode", infile, "-o", tmp_path / "out.csv",
                       "--build", build_root)  # fmt: skip
    assert code == 0
    assert "2 ok, 0 outside_region, 1 error" in out
    assert read_table(tmp_path / "out.csv")["message"].tolist()[2] == (
        "no postcode, coordinates or grid reference in 'Diss' (place names need a region)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--column", "nope"], ("norfolk_packages_sample.csv: no column 'nope'; columns: "
                               "package_id, address, weekly_hours, visits_per_week, pathway")),
        (["-o", "{tmp}/out.json"], "out.json: unsupported file type '.json'; use a .csv or .xlsx"),
    ],
)  # fmt: skip
def test_cli_input_errors_are_one_line_and_exit_3(run_cli, source, tmp_path, args, message):
    infile = source / "samples" / "norfolk_packages_sample.csv"
    argv = ["geocode", infile, "-o", tmp_path / "out.csv"] + [a.format(tmp=tmp_path) for a in args]
    code, _, err = run_cli(*argv)
    assert code == 3
    assert err.count("\n") == 1 and message in err
    assert err.startswith("geozones: error: ")


def test_cli_refuses_unreadable_or_overwritten_input(run_cli, tmp_path):
    code, _, err = run_cli("geocode", tmp_path / "missing.csv", "-o", tmp_path / "o.csv")
    assert code == 3 and "cannot read" in err and "missing.csv" in err
    same = tmp_path / "same.csv"
    same.write_text("postcode\nNR1 3QU\n")
    code, _, err = run_cli("geocode", same, "-o", same)
    assert code == 3 and "the output would overwrite the input" in err


def test_cli_unbuilt_region_is_one_line(run_cli, tmp_path):
    infile = tmp_path / "in.csv"
    infile.write_text("postcode\nNR1 3QU\n")
    code, _, err = run_cli("geocode", infile, "-o", tmp_path / "o.csv",
                       "--build", tmp_path / "empty")  # fmt: skip
    assert code == 5 and "has not been built" in err and err.count("\n") == 1


@pytest.mark.usefixtures("norfolk")
def test_long_files_go_in_chunks_with_a_progress_bar(capsys, source, build_root, tmp_path):
    infile = source / "samples" / "norfolk_packages_sample.csv"
    summary = geocode_file(infile, tmp_path / "o.xlsx", None, "norfolk", build_root, chunk_rows=400)
    err = capsys.readouterr().err
    assert "geocoding" in err and "1500/1500" in err
    assert summary.rows == 1500 and summary.counts == {"ok": 1497, "outside_region": 0, "error": 3}
    result = read_table(tmp_path / "o.xlsx")
    assert result["package_id"].tolist() == read_table(infile)["package_id"].tolist()


def test_csv_cells_read_back_as_written():
    table = pd.DataFrame(
        {
            "text": ["a, b", 'say "hi"', None],
            "whole": [1, 2, 3],
            "float": [612345.0, 1e-07, np.nan],
            "mixed": [Decimal("13.15"), None, 4],
        }
    )
    text = csv_bytes(table).decode("utf-8-sig")
    assert text.splitlines()[0] == '"text","whole","float","mixed"'
    rows = list(csv.reader(io.StringIO(text)))[1:]
    # numbers in their shortest exact form; empty cells stay empty
    assert text.splitlines()[1] == '"a, b",1,612345,"13.15"'
    assert rows == [
        ["a, b", "1", "612345", "13.15"],
        ['say "hi"', "2", "1e-7", ""],
        ["", "3", "", "4"],
    ]
