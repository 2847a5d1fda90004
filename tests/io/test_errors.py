"""Bad input, one case at a time: what is refused, what is set aside, and how it is told.

Every problem names the file, and the row (header = row 1) and column where there is one.
Files are servperf surveys (respondent_id, branch, P1..P22) unless a case needs more.
"""

from __future__ import annotations

import gc
import math
import os
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import servqual
from servqual.errors import ServqualError

P = [f"P{i}" for i in range(1, 23)]
W = ["W_TAN", "W_REL", "W_RES", "W_ASS", "W_EMP"]
HEADER = ["respondent_id", "branch", *P]


def line(respondent: object, branch: str = "Utrecht", sep: str = ",", weights: str | None = None, **cells: str) -> str:
    """One data row: every answer 4 except the ``cells`` given (P3="8")."""
    answers = [cells.get(p, "4") for p in P]
    return sep.join([str(respondent), branch, *answers, *([weights] if weights is not None else [])])


def write(tmp_path: Path, text: str | bytes, name: str = "survey.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def survey(tmp_path: Path, *rows: str, header: list[str] = HEADER, name: str = "survey.csv") -> Path:
    return write(tmp_path, "\n".join([",".join(header), *rows]) + "\n", name)


def read(path: Path, instrument: str = "servperf", name: str | None = None) -> servqual.ResponseSet:
    return servqual.read_responses(path, instrument, progress=False, name=name)


def refusal(path: Path, instrument: str = "servperf", name: str | None = None) -> ServqualError:
    with pytest.raises(ServqualError) as caught:
        read(path, instrument, name)
    return caught.value


def issues(responses: servqual.ResponseSet) -> list[str]:
    return [str(issue) for issue in responses.report.issues]


# --- answers that are set to missing -------------------------------------------------------


def test_it_names_row_and_column_of_an_out_of_range_answer(tmp_path):
    responses = read(survey(tmp_path, line(1), line(2, P3="8")))
    assert issues(responses) == ["survey.csv row 3 column P3: 8 is outside 1..7; treated as missing"]
    issue = responses.report.issues[0]
    assert issue.message_id == "{file} row {row} column {column}: {value} is outside {low}..{high}; treated as missing"
    assert issue.params == {"file": "survey.csv", "row": 3, "column": "P3", "value": 8, "low": 1, "high": 7}
    assert math.isnan(responses.answers["perception"][1, 2])
    assert responses.answers["perception"][1, 3] == 4
    report = responses.report
    assert (report.rows_used, report.answers_given, report.answers_missing) == (2, 43, 0)
    assert dict(report.answers_rejected) == {"P3": 1}


def test_it_names_row_and_column_of_text_where_an_answer_belongs(tmp_path):
    responses = read(survey(tmp_path, line(1, P5="veel"), line(2)))
    assert issues(responses) == ["survey.csv row 2 column P5: 'veel' is not a number; treated as missing"]
    assert responses.report.issues[0].params == {"file": "survey.csv", "row": 2, "column": "P5", "value": "veel"}
    assert math.isnan(responses.answers["perception"][0, 4])
    assert dict(responses.report.answers_rejected) == {"P5": 1}
    assert responses.report.answers_missing == 0


def test_it_names_row_and_column_of_an_answer_between_two_scale_points(tmp_path):
    responses = read(survey(tmp_path, line(1), line(2), line(3, P22="3.5")))
    assert issues(responses) == ["survey.csv row 4 column P22: 3.5 is not a whole scale point; treated as missing"]
    assert math.isnan(responses.answers["perception"][2, 21])
    assert dict(responses.report.answers_rejected) == {"P22": 1}


def test_it_counts_a_dutch_no_opinion_as_no_answer_not_as_rejected(tmp_path):
    path = survey(tmp_path, line(1, P1="n.v.t.", P2="geen mening"), line(2, P3="N.V.T.", P4="Weet niet"))
    responses = read(path)
    assert np.isnan(responses.answers["perception"][0, :2]).all()
    assert np.isnan(responses.answers["perception"][1, 2:4]).all()
    report = responses.report
    assert (report.answers_expected, report.answers_given, report.answers_missing, report.total_rejected) == (
        44,
        40,
        4,
        0,
    )
    assert report.issues == []


# --- importance points ---------------------------------------------------------------------


def test_it_sets_importance_to_missing_when_the_points_do_not_add_up_to_100(tmp_path):
    header = [*HEADER, *W]
    path = survey(tmp_path, line(1, weights="20,20,20,20,20"), line(2, weights="30,30,30,20,10"), header=header)
    responses = read(path)
    assert issues(responses) == [
        "survey.csv row 3: importance points add up to 120, not 100; importance treated as missing"
    ]
    np.testing.assert_array_equal(responses.importance[0], [20, 20, 20, 20, 20])
    assert np.isnan(responses.importance[1]).all()
    np.testing.assert_array_equal(responses.answers["perception"][1], [4] * 22)  # the answers stay
    report = responses.report
    assert (report.rows_used, report.importance_rejected, report.total_rejected) == (2, 1, 0)


def test_it_counts_blank_importance_beside_a_full_100_as_zero(tmp_path):
    header = [*HEADER, *W]
    path = survey(
        tmp_path, line(1, weights="50,50,,,"), line(2, weights=",,,,"), line(3, weights="0,,100,,"), header=header
    )
    responses = read(path)
    np.testing.assert_array_equal(responses.importance[0], [50, 50, 0, 0, 0])
    assert np.isnan(responses.importance[1]).all()  # gave none: no importance, and no complaint
    np.testing.assert_array_equal(responses.importance[2], [0, 0, 100, 0, 0])
    assert responses.report.issues == []
    assert responses.report.importance_rejected == 0


# --- rows that are set aside ----------------------------------------------------------------


def test_it_excludes_the_later_row_of_a_duplicate_respondent_id_and_names_the_first(tmp_path):
    responses = read(survey(tmp_path, line(7), line(8), line(7, P1="1")))
    assert issues(responses) == [
        "survey.csv row 4: respondent id '7' (column respondent_id) already appeared in row 2; row excluded"
    ]
    assert responses.report.excluded == {"duplicate_id": [4]}
    assert list(responses.respondent_ids) == ["7", "8"]
    assert list(responses.row_numbers) == [2, 3]
    assert responses.answers["perception"][0, 0] == 4  # the first row is kept, not the later one
    assert (responses.report.rows_read, responses.report.rows_used, responses.report.rows_excluded) == (3, 2, 1)


def test_ids_in_increasing_order_with_one_repeated_next_to_itself_are_caught(tmp_path):
    # Strictly increasing ids are known distinct without hashing; a repeat next to itself
    # (as in an export sorted by id) is not increasing and must still be found.
    responses = read(survey(tmp_path, line(1), line(2), line(2, P1="1"), line(3)))
    assert issues(responses) == [
        "survey.csv row 4: respondent id '2' (column respondent_id) already appeared in row 3; row excluded"
    ]
    assert list(responses.respondent_ids) == ["1", "2", "3"]


def test_it_excludes_a_last_row_cut_off_mid_row(tmp_path):
    text = "\n".join([",".join(HEADER), line(1), line(2), "3,Utrecht,4,4,4"])  # no line end: the file was cut
    responses = read(write(tmp_path, text))
    assert issues(responses) == ["survey.csv row 4: 5 fields where the header has 24; row excluded"]
    assert responses.report.excluded == {"ragged_row": [4]}
    assert list(responses.row_numbers) == [2, 3]


@pytest.mark.parametrize(
    "cut",
    ['3,"Den Haag', '3,Utrecht,4,"4', '"3'],
    ids=["in-a-text-column", "in-an-answer-column", "in-the-id-column"],
)
def test_it_excludes_a_last_row_cut_off_inside_an_open_quote(tmp_path, cut):
    responses = read(write(tmp_path, "\n".join([",".join(HEADER), line(1), line(2), cut])))
    assert issues(responses) == ["survey.csv row 4: the file ends inside a quoted field (cut off?); row excluded"]
    assert responses.report.excluded == {"truncated_row": [4]}
    assert list(responses.row_numbers) == [2, 3]
    assert responses.report.rows_read == 3


def test_it_skips_a_blank_line_in_the_middle_and_says_so(tmp_path):
    responses = read(survey(tmp_path, line(1), "", line(2)))
    assert issues(responses) == ["survey.csv row 3: empty line; skipped"]
    assert responses.report.excluded == {"blank_line": [3]}
    assert list(responses.row_numbers) == [2, 4]
    assert list(responses.respondent_ids) == ["1", "2"]


def test_it_reads_a_quote_inside_an_unquoted_cell_as_a_character(tmp_path):
    responses = read(survey(tmp_path, line(1, 'TV 12" scherm'), line(2), line(3)))
    assert responses.attributes["branch"].to_list() == ['TV 12" scherm', "Utrecht", "Utrecht"]
    assert responses.report.excluded == {}


# --- files that are refused ---------------------------------------------------------------


def test_it_lists_the_missing_required_columns(tmp_path):
    error = refusal(survey(tmp_path, line(1)), "servqual-22")
    assert error.message_id == "{file}: required columns missing for instrument {instrument}: {columns}"
    assert error.params == {"file": "survey.csv", "instrument": "servqual-22", "columns": "E1-E22"}
    assert str(error) == "survey.csv: required columns missing for instrument servqual-22: E1-E22"


def test_it_lists_missing_columns_as_ranges(tmp_path):
    header = [c for c in HEADER if c not in ("P3", "P7", "P8", "P9")]
    error = refusal(write(tmp_path, ",".join(header) + "\n" + ",".join(["1", "Utrecht", *["4"] * 18]) + "\n"))
    assert str(error) == "survey.csv: required columns missing for instrument servperf: P3, P7-P9"


@pytest.mark.parametrize("text", ["", "\n", " \r\n\t\n"], ids=["no-bytes", "one-newline", "whitespace"])
def test_it_refuses_an_empty_file(tmp_path, text):
    error = refusal(write(tmp_path, text))
    assert error.message_id == "{file}: the file is empty"
    assert str(error) == "survey.csv: the file is empty"


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_it_refuses_a_header_only_file(tmp_path, ending):
    error = refusal(write(tmp_path, ",".join(HEADER) + ending))
    assert str(error) == "survey.csv: the file has column names but no data rows"


def test_it_refuses_a_0_to_10_file_read_with_a_1_to_7_instrument(tmp_path):
    # Eleven respondents; every value 0..10 appears equally often, so 4 in 11 lie outside 1..7.
    rows = [",".join([str(i + 1), "Utrecht", *(str((i + j) % 11) for j in range(22))]) for i in range(11)]
    error = refusal(survey(tmp_path, *rows))
    assert str(error) == (
        "survey.csv: 36% of the answers cannot be used, most of them outside 1..7, the scale of instrument servperf "
        "(columns P1-P22); the file seems to use another scale (choose or write a matching instrument)"
    )
    assert error.params["share"] == pytest.approx(4 / 11)
    assert (error.params["low"], error.params["high"], error.params["instrument"]) == (1, 7, "servperf")


NOTE_LOW = (
    "survey.csv: none of the {n} answers is 7, on the 1..7 scale of instrument servperf; the answers look like a "
    "1..4 scale. Check that the file and the instrument use the same scale (with another, every mean and each "
    "reverse-scored item shifts)"
)


@pytest.mark.parametrize(
    "extra",
    [
        None,  # clean whole numbers: counts and extremes come from polars
        line("x1", P5="-99"),  # a missing code inside the range check: the column is checked cell by cell
        line("x2", P5="abc"),  # text: every answer column is read as text
        "",  # a blank line: rows are set aside, so the counts come from the floats
    ],
    ids=["integers", "missing-code", "text", "blank-line"],
)
def test_it_notes_a_file_whose_answers_stay_low_and_counts_the_answers_given(tmp_path, extra):
    rows = [line(i, **{p: str(1 + (i + j) % 4) for j, p in enumerate(P)}) for i in range(10)]
    rows[3] = line(3, P1="", P2="", **dict.fromkeys(P[2:], "2"))  # two answers left blank
    responses = read(survey(tmp_path, *rows, *([extra] if extra is not None else [])))
    report = responses.report
    assert NOTE_LOW.format(n=report.answers_given) in [str(note) for note in report.notes]
    assert (report.scale_unused, report.scale_looks_like) == ([7], (1, 4))
    given = sum(int(np.count_nonzero(~np.isnan(m))) for m in responses.answers.values())
    assert report.answers_given == given == 10 * 22 - 2 + (21 if extra and extra != "" else 0)
    assert report.answers_given + report.answers_missing + report.total_rejected == report.answers_expected


def test_it_refuses_a_path_that_does_not_exist(tmp_path):
    path = tmp_path / "nope.csv"
    error = refusal(path)
    assert error.message_id == "{file}: no such file"
    assert str(error) == f"{path}: no such file"


def test_it_refuses_a_folder(tmp_path):
    folder = tmp_path / "answers.csv"
    folder.mkdir()
    error = refusal(folder)
    assert error.message_id == "{file}: is a folder, not a file"
    assert str(error) == f"{folder}: is a folder, not a file"


# --- encodings and Dutch Excel ---------------------------------------------------------------


def dutch_excel(*rows: str) -> str:
    """What Dutch Excel writes: semicolons, decimal commas, CRLF."""
    return "\r\n".join([";".join(["respondent_id", "vestiging", *P, *W]), *rows]) + "\r\n"


def test_it_reads_a_decimal_comma_semicolon_file(tmp_path):
    text = dutch_excel(
        line(1, "Zwolle", ";", "23,5;20;16,5;20;20"), line(2, "Ede", ";", "20;20;20;20;20", P1="3,5", P2="4,0")
    )
    responses = read(write(tmp_path, "\ufeff" + text))
    np.testing.assert_array_equal(responses.importance, [[23.5, 20, 16.5, 20, 20], [20, 20, 20, 20, 20]])
    assert responses.answers["perception"][1, 1] == 4
    assert issues(responses) == ["survey.csv row 3 column P1: 3.5 is not a whole scale point; treated as missing"]
    assert responses.attributes["vestiging"].to_list() == ["Zwolle", "Ede"]
    assert [str(note) for note in responses.report.notes] == [
        "survey.csv: read as csv, encoding utf-8-sig, delimiter ';'"
    ]


def test_it_reads_a_cp1252_file(tmp_path):
    text = dutch_excel(line(1, "’s-Hertogenbosch", ";", "20;20;20;20;20"), line(2, "Café Zuid", ";", "20;20;20;20;20"))
    data = text.encode("cp1252")
    assert b"\x92s-Hertogenbosch" in data and b"Caf\xe9" in data
    responses = read(write(tmp_path, data))
    assert responses.attributes["vestiging"].to_list() == ["’s-Hertogenbosch", "Café Zuid"]
    assert [str(note) for note in responses.report.notes] == ["survey.csv: read as csv, encoding cp1252, delimiter ';'"]
    assert responses.report.issues == []


# --- files that are not what their name says ------------------------------------------------


def workbook(tmp_path: Path, name: str, patch=None, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """An XLSX written by openpyxl, one part's XML (the first sheet's) optionally rewritten by ``patch``."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append([1, "Utrecht", *[4] * 22])
    plain = tmp_path / f"plain-{name}"
    book.save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if patch and info.filename == part:
                data = patch(data.decode()).encode()
            target.writestr(info, data)
    return path


def billion_laughs(sheet_xml: str) -> str:
    """The sheet with lol9 (10**9 times "lol") in place of the branch cell."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    assert "<t>Utrecht</t>" in sheet_xml
    body = sheet_xml.replace("<t>Utrecht</t>", "<t>&lol9;</t>")
    if body.startswith("<?xml"):
        declaration, body = body.split("?>", 1)
        declaration += "?>"
    else:
        declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    return declaration + f"<!DOCTYPE worksheet [{''.join(entities)}]>" + body


def workbook_refusal(path: Path, name: str | None = None) -> ServqualError:
    """refusal() for a workbook openpyxl fails to open; then lets go of the traceback that
    keeps the file open (test_a_refused_workbook_is_not_left_open), so no ResourceWarning
    turns up in a later test."""
    error = refusal(path, name=name)
    error.__context__ = None
    error.__traceback__ = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    return error


def test_it_refuses_an_xlsx_with_an_entity_expansion_payload(tmp_path):
    assert read(workbook(tmp_path, "plain.xlsx")).n_respondents == 1  # the same workbook without the payload
    error = workbook_refusal(workbook(tmp_path, "laughs.xlsx", billion_laughs))
    assert error.message_id == "{file}: cannot be read as {format} ({detail})"
    assert (error.params["file"], error.params["format"]) == ("laughs.xlsx", "XLSX")


def test_it_refuses_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "survey.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("answers.txt", "1,4,4,4")
    error = workbook_refusal(path)
    assert error.message_id == "{file}: cannot be read as {format} ({detail})"
    assert (error.params["file"], error.params["format"]) == ("survey.xlsx", "XLSX")
    assert str(error).startswith("survey.xlsx: cannot be read as XLSX (")


def open_files(path: Path) -> list[str]:
    links = [fd.readlink() for fd in Path("/proc/self/fd").iterdir() if fd.is_symlink()]
    return [str(link) for link in links if link == path]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc")
def test_a_refused_workbook_is_not_left_open(tmp_path):
    path = workbook(tmp_path, "laughs.xlsx", billion_laughs)
    error = refusal(path)
    try:
        assert open_files(path) == []
    finally:
        error.__context__ = error.__traceback__ = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


def test_it_refuses_a_cut_off_workbook(tmp_path):
    data = workbook(tmp_path, "whole.xlsx").read_bytes()
    error = refusal(write(tmp_path, data[: len(data) // 2], "survey.xlsx"))
    assert str(error) == "survey.xlsx: cannot be read as XLSX (File is not a zip file)"


def unusable_zip(path: Path, offset: int, value: int) -> Path:
    """The workbook with a two-byte field of every central directory record set to
    ``value``: offset 6 is the zip version needed to extract, 10 the compression method."""
    data = bytearray(path.read_bytes())
    start = data.find(b"PK\x01\x02")
    while start != -1:
        data[start + offset : start + offset + 2] = value.to_bytes(2, "little")
        start = data.find(b"PK\x01\x02", start + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("offset", "detail"), [(6, "zip file version 9.9"), (10, "That compression method is not supported")]
)
def test_it_refuses_a_workbook_whose_zip_it_cannot_unpack(tmp_path, offset, detail):
    """zipfile raises NotImplementedError for both; it once came through as a server error (issue 12)."""
    path = unusable_zip(workbook(tmp_path, "survey.xlsx"), offset, 99)
    error = workbook_refusal(path)
    assert str(error) == f"survey.xlsx: cannot be read as XLSX ({detail})"


def test_a_refusal_names_the_file_never_the_folder_it_lies_in(tmp_path):
    """openpyxl quotes the path of the file in some errors: the reader keeps it out (issue 12)."""
    path = workbook(
        tmp_path, "survey.xlsx", lambda xml: xml.replace('state="visible"', 'state="bogus"'), "xl/workbook.xml"
    )
    error = workbook_refusal(path)
    assert str(error).startswith("survey.xlsx: cannot be read as XLSX (")
    assert str(tmp_path) not in str(error), str(error)


def test_a_copy_of_a_file_is_named_as_its_owner_knows_it(tmp_path):
    """The web app reads an upload from a temporary copy; the messages give the upload's name."""
    copy = workbook(tmp_path, "upload", lambda xml: xml.replace("<v>4</v>", "<v>8</v>", 1))
    responses = read(copy, name="Enquête (definitief).xlsx")
    assert issues(responses) == ["Enquête (definitief).xlsx row 2 column P1: 8 is outside 1..7; treated as missing"]
    assert responses.report.source == "Enquête (definitief).xlsx"
    unusable_zip(copy, 6, 99)
    error = workbook_refusal(copy, "Enquête (definitief).xlsx")
    assert str(error) == "Enquête (definitief).xlsx: cannot be read as XLSX (zip file version 9.9)"


def test_it_reads_text_named_xlsx_as_the_text_it_is(tmp_path):
    # servqual goes by content, not by name (docs/file-format.md, "The readers").
    path = survey(tmp_path, line(1), line(2), name="survey.xlsx")
    responses = read(path)
    assert responses.report.file_format == "csv"
    assert responses.n_respondents == 2


def test_it_refuses_a_pdf_named_xlsx_and_names_it(tmp_path):
    path = write(tmp_path, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "survey.xlsx")
    error = refusal(path)
    assert error.params["file"] == "survey.xlsx"
    assert str(error) == "survey.xlsx: required columns missing for instrument servperf: P1-P22"


def test_it_refuses_a_sav_that_is_really_text(tmp_path):
    error = refusal(write(tmp_path, "$FL2 dit is geen SPSS-bestand\nmaar tekst\n", "survey.sav"))
    assert error.message_id == "{file}: cannot be read as {format} ({detail})"
    assert (error.params["file"], error.params["format"]) == ("survey.sav", "SPSS .sav")


def test_it_reads_a_csv_named_sav_as_csv(tmp_path):
    responses = read(survey(tmp_path, line(1), name="survey.sav"))
    assert responses.report.file_format == "csv"
    assert responses.n_respondents == 1


def test_it_refuses_prose_named_sav_and_names_it(tmp_path):
    error = refusal(write(tmp_path, "Dit is geen SPSS-bestand.\nHet is een brief.\n", "survey.sav"))
    assert str(error) == "survey.sav: required columns missing for instrument servperf: P1-P22"


# --- the command line -----------------------------------------------------------------------


def servqual_command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "C", "LC_ALL": "", "LANGUAGE": ""}
    env.pop("SERVQUAL_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "servqual", *args], capture_output=True, text=True, env=env, timeout=120
    )


UNREADABLE = {
    "missing": lambda tmp: tmp / "nope.csv",
    "folder": lambda tmp: (tmp / "folder.csv").mkdir() or tmp / "folder.csv",
    "empty": lambda tmp: write(tmp, "", "empty.csv"),
    "binary": lambda tmp: write(tmp, bytes(range(256)) * 4, "noise.csv"),
    "broken-xlsx": lambda tmp: write(tmp, b"PK\x03\x04" + b"\x00" * 60, "broken.xlsx"),
    "laughs-xlsx": lambda tmp: workbook(tmp, "laughs.xlsx", billion_laughs),
    "text-sav": lambda tmp: write(tmp, "$FL2 geen SPSS\n", "text.sav"),
    "zip-version-xlsx": lambda tmp: unusable_zip(workbook(tmp, "version.xlsx"), 6, 99),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_validate_on_an_unreadable_file_exits_2_with_one_line_and_no_traceback(tmp_path, kind):
    path = UNREADABLE[kind](tmp_path)
    run = servqual_command("validate", str(path), "--instrument", "servperf")
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.endswith("\n")
    assert run.stderr.startswith(f"servqual: error: {path if kind in ('missing', 'folder') else path.name}")
    assert "Traceback" not in run.stderr


def test_validate_strict_exits_1_when_a_row_was_excluded(tmp_path):
    path = survey(tmp_path, line(1), line(2), line(1))
    lenient = servqual_command("validate", str(path), "--instrument", "servperf")
    strict = servqual_command("validate", str(path), "--instrument", "servperf", "--strict")
    assert (lenient.returncode, strict.returncode) == (0, 1)
    assert "survey.csv row 4: respondent id '1' (column respondent_id) already appeared in row 2" in strict.stdout
    assert strict.stderr == ""


def test_validate_strict_exits_0_on_a_clean_file(tmp_path):
    run = servqual_command("validate", str(survey(tmp_path, line(1), line(2))), "--instrument", "servperf", "--strict")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No problems found." in run.stdout


def test_validate_strict_exits_1_when_an_answer_was_rejected(tmp_path):
    path = survey(tmp_path, line(1), line(2, P3="8"))
    run = servqual_command("validate", str(path), "--instrument", "servperf", "--strict")
    assert run.returncode == 1
    assert "survey.csv row 3 column P3: 8 is outside 1..7; treated as missing" in run.stdout


def test_validate_strict_fails_on_invalid_importance_points(tmp_path):
    header = [*HEADER, *W]
    path = survey(tmp_path, line(1, weights="20,20,20,20,20"), line(2, weights="30,30,30,20,10"), header=header)
    run = servqual_command("validate", str(path), "--instrument", "servperf", "--strict")
    assert "Respondents whose importance points were invalid: 1" in run.stdout
    assert run.returncode == 1


HOSTILE = Path(__file__).parents[1] / "fixtures" / "hostile"


def test_a_file_that_makes_the_csv_parser_panic_is_refused_with_a_message():
    # Found by tests/test_hostile_inputs.py: a damaged LimeSurvey export on which polars'
    # parser panics (a PanicException, which is no Exception) instead of raising an error.
    with pytest.raises(ServqualError, match=r"^parser-panic\.csv: cannot be read as CSV"):
        servqual.read_responses(HOSTILE / "parser-panic.csv", progress=False)
    run = subprocess.run(
        [sys.executable, "-m", "servqual", "validate", str(HOSTILE / "parser-panic.csv")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("servqual: error: parser-panic.csv: cannot be read as CSV")


def test_an_spss_file_that_crashes_its_reader_is_refused_with_a_message():
    # Found by tests/test_hostile_inputs.py: on this damaged .sav, ReadStat (under
    # pyreadstat) dies of a segmentation fault, which took the whole command (or a server's
    # worker) with it. It is now read in a child process, and its death is a refusal.
    run = subprocess.run(
        [sys.executable, "-m", "servqual", "validate", str(HOSTILE / "reader-crash.sav")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == (
        "servqual: error: reader-crash.sav: cannot be read as SPSS .sav (the reader stopped on damaged data)"
    )
    with pytest.raises(ServqualError, match=r"^reader-crash\.sav: cannot be read as SPSS \.sav"):
        servqual.read_responses(HOSTILE / "reader-crash.sav", progress=False)


def test_a_column_named_like_an_item_with_thousands_of_digits_is_no_item(tmp_path):
    # Found by tests/test_hostile_inputs.py: "E1000…0" made int() refuse the number
    # (Python limits integer strings to 4,300 digits) and the read end in a ValueError.
    path = tmp_path / "survey.csv"
    canonical = (Path(__file__).parents[1] / "fixtures" / "canonical.csv").read_text(encoding="utf-8")
    header, rest = canonical.split("\n", 1)
    path.write_text(header + ",E1" + "0" * 5000 + "\n" + rest.replace("\n", ",5\n"), encoding="utf-8")
    responses = servqual.read_responses(path, progress=False)
    assert responses.report.rows_used == 40
    assert "E1" + "0" * 5000 in responses.attributes.columns


def test_a_parquet_file_that_makes_its_reader_panic_is_refused_with_a_message():
    # Found by tests/test_hostile_inputs.py: a damaged Parquet file on which polars panics.
    with pytest.raises(ServqualError, match=r"^reader-panic\.parquet: cannot be read as Parquet"):
        servqual.read_responses(HOSTILE / "reader-panic.parquet", progress=False)


def test_a_sheet_of_16384_columns_is_read_in_seconds(tmp_path):
    """openpyxl took 12 to 30 s for it and held a server's worker that long (issue 12, defect 9)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Antwoorden")
    sheet.append([*HEADER, *[f"extra{i}" for i in range(16384 - len(HEADER))]])
    for number in range(1, 21):
        sheet.append([number, "Utrecht", *[4] * 22, *["x"] * (16384 - len(HEADER))])
    book.save(tmp_path / "wide.xlsx")
    start = time.perf_counter()
    assert read(tmp_path / "wide.xlsx").n_respondents == 20
    assert time.perf_counter() - start < 8


def test_a_sheet_whose_cells_lie_far_apart_is_refused_not_unpacked(tmp_path):
    """Two cells, at A1 and at row 1,048,576: the reader would hold the rectangle between
    them (openpyxl walked it for minutes; calamine asks for it at once)."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append([1, "Utrecht", *[4] * 22])
    book.active.cell(row=1_048_576, column=24, value=1)
    book.save(tmp_path / "far.xlsx")
    start = time.perf_counter()
    error = refusal(tmp_path / "far.xlsx")
    assert str(error) == (
        "far.xlsx: refused: sheet 'Sheet' spans 1048576 rows by 24 columns;"
        " servqual reads at most 10 million cells of a workbook (save the sheet as CSV)"
    )
    assert time.perf_counter() - start < 20
