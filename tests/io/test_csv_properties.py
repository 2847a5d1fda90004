"""Property tests: the CSV reader fed malformed input.

Whatever bytes it gets, ``read_responses`` either raises ServqualError (naming the file)
or returns a response set whose report accounts for every row and every answer.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

import servqual
from servqual.errors import ServqualError

E = [f"E{i}" for i in range(1, 23)]
P = [f"P{i}" for i in range(1, 23)]
W = ["W_TAN", "W_REL", "W_RES", "W_ASS", "W_EMP"]
LAYOUTS = {
    "servperf": ["respondent_id", "branch", *P],
    "servqual-22": ["respondent_id", "branch", *E, *P],
}
NAME = "survey.csv"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

#: Cells that are not a plain answer: wrong, huge, empty, "no opinion", odd Unicode.
ODD_CELLS = [
    "",
    " ",
    "0",
    "8",
    "-1",
    "-0",
    "3.5",
    "4,0",
    "3,5",
    "1e308",
    "1" + "0" * 400,
    "-" + "9" * 400,
    "1e-400",
    "-inf",
    "inf",
    "Infinity",
    "nan",
    "NaN",
    "-99",
    "n.v.t.",
    "geen mening",
    "Weet niet",
    "veel",
    "7.0",
    " 7 ",
    "+2",
    "0x7",
    "1_0",
    "٣",
    "５",
    "\u200f5",
    "5\u200e",
    "\u202e6",
    "🙂",
    "\x00",
    "4\x00",
    "\ufeff",
    "'",
    "\\",
    "é",
    "’",
]

SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


@dataclass
class Survey:
    """A generated file, and how many records the reader must find in it."""

    instrument: str
    lines: list[str]
    ending: str = "\n"
    trailing: bool = True
    encoding: str = "utf-8"
    #: damaged bytes that replace the lines (their record count is unknown)
    raw: bytes | None = None

    @property
    def data(self) -> bytes:
        if self.raw is not None:
            return self.raw
        text = self.ending.join(self.lines) + (self.ending if self.trailing else "")
        return text.encode(self.encoding, errors="replace")

    @property
    def records(self) -> int | None:
        """Data records, blank lines included, except those at the end of the file (no row at all)."""
        if self.raw is not None:
            return None
        data = self.lines[1:]
        while data and data[-1] == "":
            data.pop()
        return len(data)


def quoted(cell: str, delimiter: str) -> str:
    """Quote a cell the way a spreadsheet does, only where needed."""
    if any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def cell_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_CELLS),
        st.text(max_size=6),  # any valid Unicode: NUL, RTL marks, emoji, newlines, quotes ...
        st.floats().map(repr),
        st.integers(min_value=-(10**400), max_value=10**400).map(str),
    )


def header_name(name: str) -> st.SearchStrategy[str]:
    """A column name as exports spell it: P1, p1, " P1 ", P_01."""
    if name[0] not in "EP":
        return st.just(name)
    return st.sampled_from([name, name, name, name.lower(), f" {name} ", f"{name[0]}_{int(name[1:]):02d}"])


@st.composite
def surveys(
    draw: st.DrawFn,
    *,
    endings: tuple[str, ...] = ("\n", "\r\n"),
    encodings: tuple[str, ...] = ("utf-8", "utf-8-sig", "utf-16", "cp1252"),
) -> Survey:
    """A canonical file (answers 1..7) with odd cells, odd rows, ragged rows and blank lines.

    Cells are quoted where needed, so the number of records stays known.
    """
    instrument = draw(st.sampled_from(sorted(LAYOUTS)))
    columns = LAYOUTS[instrument] + (W if draw(st.booleans()) else [])
    if draw(st.integers(0, 9)) == 0:  # now and then a required column is missing
        columns = [c for c in columns if c != draw(st.sampled_from(columns))]
    header = [draw(header_name(c)) for c in columns]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    n_rows = draw(st.integers(min_value=1, max_value=6))
    rows: list[list[str]] = []
    for i in range(n_rows):
        respondent = draw(st.sampled_from([str(i + 1)] * 5 + ["1", ""]))  # some ids repeat, some are blank
        branch = draw(st.sampled_from(["Utrecht", "’s-Hertogenbosch", "desk; counter", ""]))
        answers = draw(st.lists(st.integers(1, 7).map(str), min_size=len(header) - 2, max_size=len(header) - 2))
        if draw(st.integers(0, 9)) == 0:  # a row without a single answer
            answers = [draw(st.sampled_from(["", "n.v.t.", "geen mening", "-99", "8"]))] * len(answers)
        rows.append([respondent, branch, *answers])
    for _ in range(draw(st.integers(min_value=0, max_value=12))):  # odd cells anywhere, the id column included
        row, column = draw(st.integers(0, n_rows - 1)), draw(st.integers(0, len(header) - 1))
        rows[row][column] = draw(cell_text())
    for row in rows:  # ragged rows: too few or too many fields
        change = draw(st.sampled_from([0] * 12 + [-1, -5, 1 - len(header), 1, 3]))
        if change < 0:
            del row[change:]
        else:
            row += ["4"] * change
    lines = [delimiter.join(header)] + [delimiter.join(quoted(c, delimiter) for c in row) for row in rows]
    for _ in range(draw(st.integers(min_value=0, max_value=2))):  # blank lines, never before the header
        lines.insert(draw(st.integers(1, len(lines))), "")
    return Survey(
        instrument,
        lines,
        ending=draw(st.sampled_from(endings)),
        trailing=draw(st.booleans()),
        encoding=draw(st.sampled_from(encodings)),
    )


@st.composite
def mangled(draw: st.DrawFn) -> Survey:
    """A generated survey, damaged: cut off, bytes spliced in, delimiters swapped, stray
    quotes, line endings changed (CR, LF CR), a BOM put in front. (UTF-16 files cut
    anywhere have their own test below.)"""
    survey = draw(surveys(encodings=("utf-8", "utf-8-sig", "cp1252")))
    data = bytearray(survey.data)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["cut", "splice", "delimiter", "quote", "endings", "bom"]))
        at = draw(st.integers(0, len(data)))
        if kind == "cut":
            del data[at:]
        elif kind == "splice":
            data[at:at] = draw(st.binary(min_size=1, max_size=8) | st.text(min_size=1, max_size=4).map(str.encode))
        elif kind == "quote":
            data[at:at] = b'"'
        elif kind == "delimiter":
            old, new = draw(st.permutations(list(b",;\t| ")))[:2]
            data = data.replace(bytes([old]), bytes([new]))
        elif kind == "endings":
            ending = draw(st.sampled_from([b"\r", b"\r\n", b"\n\r"]))
            data = data.replace(b"\r\n", b"\n").replace(b"\n", ending)
        else:
            data[0:0] = codecs.BOM_UTF8
    assume(not data.startswith(UTF16_BOMS))  # a splice may make one: see the UTF-16 test
    return Survey(survey.instrument, [], raw=bytes(data))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("csv-properties")


def read(folder: Path, survey: Survey) -> servqual.ResponseSet | None:
    """The response set, or None after a ServqualError that names the file. Any other
    exception fails the test."""
    path = folder / NAME
    path.write_bytes(survey.data)
    try:
        responses = servqual.read_responses(path, survey.instrument, progress=False)
    except ServqualError as exc:
        assert exc.params["file"] in (NAME, str(path))
        assert NAME in str(exc)
        assert str(exc) == exc.message_id.format(**exc.params)
        event("refused", exc.message_id.split(": ", 1)[-1][:40])
        return None
    event("read", ", ".join(sorted(responses.report.excluded)) or "all rows used")
    event("answers rejected", bool(responses.report.total_rejected))
    return responses


def check_accounts(responses: servqual.ResponseSet, records: int | None = None) -> None:
    """The report adds up, every answer is a scale point or NaN, and no row vanished."""
    report = responses.report
    assert report.rows_used + report.rows_excluded == report.rows_read
    assert report.rows_used == responses.n_respondents > 0

    used = [int(r) for r in responses.row_numbers]
    excluded = [int(r) for rows in report.excluded.values() for r in rows]
    every = sorted(used + excluded)
    assert len(set(every)) == len(every), "a row was both used and excluded, or excluded twice"
    first = 4 if report.file_format == "qualtrics" else 2
    assert every == list(range(first, first + report.rows_read)), "a row vanished without a word"
    if records is not None:
        assert report.rows_read == records

    n_items = sum(matrix.shape[1] for matrix in responses.answers.values())
    given = sum(int(np.count_nonzero(~np.isnan(matrix))) for matrix in responses.answers.values())
    assert report.answers_expected == report.rows_used * n_items
    assert report.answers_given == given
    assert report.answers_given + report.answers_missing + report.total_rejected == report.answers_expected
    assert report.answers_missing >= 0
    assert all(count > 0 for count in report.answers_rejected.values())
    for matrix in responses.answers.values():
        assert matrix.shape == (responses.n_respondents, len(responses.instrument.items))
        values = matrix[~np.isnan(matrix)]
        assert np.all((values >= 1) & (values <= 7) & (values == np.round(values)))

    if responses.importance is not None:
        points = responses.importance
        assert points.shape == (responses.n_respondents, 5)
        none = np.isnan(points).all(axis=1)
        assert not np.isnan(points[~none]).any(), "a row's importance is either complete or missing"
        assert np.all((points[~none] >= 0) & (points[~none] <= 100))
        np.testing.assert_allclose(points[~none].sum(axis=1), 100, atol=0.01)
    assert responses.attributes.height in (0, responses.n_respondents)
    if responses.respondent_ids is not None:
        assert len(responses.respondent_ids) == responses.n_respondents


@settings(max_examples=300, deadline=None)
@example(data=b"\xc5\t\xa0\xbf\xa2\nIF\xa0\xb8^\x1e\x1ab", instrument="servperf")  # once a polars SchemaError
@example(data=b"\x00|\n\x00", instrument="servperf")  # once a polars SchemaError
@given(data=st.binary(max_size=600), instrument=st.sampled_from(sorted(LAYOUTS)))
def test_random_bytes_raise_nothing_but_servqual_error(folder, data, instrument):
    # Drop this line once test_a_cut_utf16_file_raises_nothing_but_servqual_error passes.
    assume(not data.startswith(UTF16_BOMS))
    responses = read(folder, Survey(instrument, [], raw=data))
    if responses is not None:
        check_accounts(responses)


#: Bytes that mean something to a CSV reader, for random files that get past the header.
TOKENS = [b",", b";", b"\t", b"\n", b"\r\n", b"\r", b'"', b"4", b"7", b"8", b"3,5", b"x", b"\x00", b" ", b"1,Utrecht,"]


@settings(max_examples=300, deadline=None)
@given(
    instrument=st.sampled_from(sorted(LAYOUTS)),
    tail=st.binary(max_size=600)
    | st.text(max_size=300).map(str.encode)
    | st.lists(st.sampled_from(TOKENS), max_size=300).map(b"".join),
)
def test_random_bytes_under_a_valid_header_raise_nothing_but_servqual_error(folder, instrument, tail):
    data = ",".join(LAYOUTS[instrument]).encode() + b"\n" + tail
    responses = read(folder, Survey(instrument, [], raw=data))
    if responses is not None:
        check_accounts(responses)


@settings(max_examples=300, **SETTINGS)
@example(survey=Survey("servperf", [",".join(LAYOUTS["servperf"]), "1,Utrecht,4,4", "2,Ede," + ",".join("5" * 22)]))
@example(survey=Survey("servperf", [",".join(LAYOUTS["servperf"]), "", "2,Ede," + ",".join("5" * 22)]))
@given(survey=surveys())
def test_every_row_of_a_damaged_survey_is_used_or_reported(folder, survey):
    responses = read(folder, survey)
    if responses is not None:
        check_accounts(responses, survey.records)


@settings(max_examples=300, **SETTINGS)
@given(survey=mangled())
def test_a_cut_spliced_or_reformatted_survey_raises_nothing_but_servqual_error(folder, survey):
    responses = read(folder, survey)
    if responses is not None:
        check_accounts(responses)


@settings(max_examples=50, **SETTINGS)
@example(survey=Survey("servperf", [",".join(LAYOUTS["servperf"]), "1,Utrecht," + ",".join("4" * 24)]))
@given(survey=surveys())
def test_a_well_quoted_survey_is_never_refused_as_unreadable(folder, survey):
    path = folder / NAME
    path.write_bytes(survey.data)
    try:
        servqual.read_responses(path, survey.instrument, progress=False)
    except ServqualError as exc:
        assert "cannot be read" not in exc.message_id, str(exc)


def _importance_rows(*rows: tuple[str, str]) -> Survey:
    """servperf rows (id, importance points) with all answers 4."""
    header = ",".join([*LAYOUTS["servperf"], *W])
    return Survey("servperf", [header, *(f"{rid},Utrecht,{','.join('4' * 22)},{points}" for rid, points in rows)])


@settings(max_examples=50, **SETTINGS)
@example(survey=_importance_rows(("1", "1,1,1,1,1"), ("1", "1,1,1,1,1")))
@given(survey=surveys())
def test_importance_rejected_counts_only_rows_that_are_used(folder, survey):
    responses = read(folder, survey)
    if responses is not None and responses.importance is not None:
        missing = np.isnan(responses.importance).all(axis=1)
        assert responses.report.importance_rejected <= int(missing.sum())


def outcome(responses: servqual.ResponseSet | None) -> object:
    """What a read came to, comparable between two reads of the same survey."""
    if responses is None:
        return None
    report = responses.report
    answers = {section: np.nan_to_num(matrix, nan=-1).tolist() for section, matrix in responses.answers.items()}
    return report.rows_read, responses.row_numbers.tolist(), report.excluded, answers


TWO_ROWS = Survey(
    "servperf",
    [",".join(LAYOUTS["servperf"]), ",".join(["1", "Utrecht", *["4"] * 22]), ",".join(["2", "Ede", *["5"] * 22])],
)


@settings(max_examples=25, **SETTINGS)
@example(survey=TWO_ROWS)
@given(survey=surveys(endings=("\n",)))
def test_cr_line_endings_read_like_lf_line_endings(folder, survey):
    expected = outcome(read(folder, survey))
    cr_only = replace(survey, ending="\r")
    assert outcome(read(folder, cr_only)) == expected
    if survey.lines[1:2] != [""]:  # header + CR + an empty line + LF is one CRLF: the blank line is gone
        header_cr = replace(survey, lines=[survey.lines[0] + "\r" + survey.lines[1], *survey.lines[2:]])
        assert outcome(read(folder, header_cr)) == expected


@settings(max_examples=25, **SETTINGS)
@example(data=codecs.BOM_UTF16_LE + "respondent_id,P1\n1,4\n".encode("utf-16-le")[:-1], at=0)
@given(data=surveys(encodings=("utf-16",)).map(lambda survey: survey.data), at=st.integers(min_value=0))
def test_a_cut_utf16_file_raises_nothing_but_servqual_error(folder, data, at):
    cut = Survey("servperf", [], raw=data[: max(3, len(data) - at)])
    responses = read(folder, cut)
    if responses is not None:
        check_accounts(responses)
