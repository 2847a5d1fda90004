"""Every reader gives the identical response set for the same study (tests/fixtures)."""

from __future__ import annotations

import datetime
import math

import numpy as np
import openpyxl
import pandas as pd
import polars as pl
import pytest

import servqual
from servqual.instruments import load_instrument

FIXTURES = __import__("pathlib").Path(__file__).parents[1] / "fixtures"
SQ = load_instrument("servqual-22")

EXPORTS = [
    ("canonical.csv", None, "csv"),
    ("dutch_excel.csv", None, "csv"),
    ("cp1252.csv", None, "csv"),
    ("tab.tsv", None, "csv"),
    ("responses.xlsx", None, "xlsx"),
    ("responses.sav", None, "sav"),
    ("qualtrics.csv", "qualtrics.mapping.toml", "qualtrics"),
    ("limesurvey.csv", None, "limesurvey"),
    ("limesurvey_fulltext.csv", "limesurvey_fulltext.mapping.toml", "csv"),
    ("google_forms.csv", "google_forms.mapping.toml", "csv"),
    ("qualtrics_insights.csv", "qualtrics_2016.mapping.toml", "qualtrics"),
    ("qualtrics_legacy.csv", "qualtrics_2016.mapping.toml", "qualtrics"),
    ("limesurvey_dual_scale.csv", "limesurvey_dual_scale.mapping.toml", "csv"),
    ("repeated_headers.csv", "repeated_headers.mapping.toml", "csv"),
]


def read(name: str, mapping: str | None = None) -> servqual.ResponseSet:
    return servqual.read_responses(FIXTURES / name, mapping=mapping and FIXTURES / mapping, progress=False)


def expected_matrix(canonical, prefix: str) -> np.ndarray:
    return np.array([[row[f"{prefix}{i}"] for i in range(1, 23)] for row in canonical])


@pytest.mark.parametrize(("name", "mapping", "file_format"), EXPORTS)
def test_it_reads_every_export_to_the_same_answers(name, mapping, file_format, canonical):
    responses = read(name, mapping)
    assert responses.report.file_format == file_format
    assert responses.n_respondents == 40
    np.testing.assert_array_equal(responses.answers["expectation"], expected_matrix(canonical, "E"))
    np.testing.assert_array_equal(responses.answers["perception"], expected_matrix(canonical, "P"))
    weights = np.array([[row[c] for c in SQ.importance_columns] for row in canonical])
    blank = np.isnan(weights).all(axis=1)
    np.testing.assert_array_equal(np.isnan(responses.importance).all(axis=1), blank)
    np.testing.assert_allclose(responses.importance[~blank], np.nan_to_num(weights[~blank]))
    assert responses.attributes["branch"].to_list() == [row["branch"] for row in canonical]
    assert responses.attributes["channel"].to_list() == [row["channel"] for row in canonical]
    assert responses.report.answers_given == int(
        np.sum(~np.isnan(expected_matrix(canonical, "E"))) + np.sum(~np.isnan(expected_matrix(canonical, "P")))
    )
    assert responses.report.total_rejected == 0


def test_it_keeps_the_typographic_apostrophe_of_a_cp1252_file():
    assert "’s-Hertogenbosch" in read("cp1252.csv").attributes["branch"].to_list()


def test_it_reads_decimal_commas_in_a_dutch_excel_export(canonical):
    responses = read("dutch_excel.csv")
    halves = [i for i, row in enumerate(canonical) if any(str(row[c]).endswith(".5") for c in SQ.importance_columns)]
    assert halves, "the fixture must hold half points"
    assert any(v % 1 == 0.5 for v in responses.importance[halves].ravel())


def test_it_sets_aside_qualtrics_previews_and_drops_personal_data():
    responses = read("qualtrics.csv", "qualtrics.mapping.toml")
    report = responses.report
    assert report.rows_read == 42
    assert report.excluded == {"not_a_response": [44, 45]}
    assert "IPAddress" not in responses.attributes.columns
    assert "RecipientEmail" not in responses.attributes.columns
    assert responses.respondent_ids[0].startswith("R_")
    assert any("IPAddress" in str(note) for note in report.notes)


def test_it_names_spss_attribute_values_by_their_labels():
    responses = read("responses.sav")
    assert set(responses.attributes["branch"].to_list()) == {"Amsterdam", "Rotterdam", "’s-Hertogenbosch"}


def test_it_treats_spss_user_missing_codes_as_no_answer(canonical):
    responses = read("responses.sav")
    assert np.nanmax(responses.answers["perception"]) <= 7
    assert responses.report.answers_missing == int(
        np.isnan(expected_matrix(canonical, "E")).sum() + np.isnan(expected_matrix(canonical, "P")).sum()
    )


def test_it_picks_the_sheet_with_answers_or_the_named_one():
    assert read("responses.xlsx").report.notes[0].params["sheet"] == "Antwoorden"
    with pytest.raises(servqual.ServqualError, match="no sheet holds a table of answers"):
        servqual.read_responses(FIXTURES / "responses.xlsx", sheet="Info", progress=False)
    with pytest.raises(servqual.ServqualError, match="no sheet named 'Nope'"):
        servqual.read_responses(FIXTURES / "responses.xlsx", sheet="Nope", progress=False)


def test_it_reads_parquet_and_dataframes_like_csv(tmp_path):
    base = read("canonical.csv")
    frame = pd.read_csv(FIXTURES / "canonical.csv", dtype={"respondent_id": str})
    pl.from_pandas(frame).write_parquet(tmp_path / "responses.parquet")
    for responses in (
        servqual.read_responses(tmp_path / "responses.parquet", progress=False),
        servqual.read_responses(frame),
        servqual.read_responses(pl.from_pandas(frame)),
    ):
        for section in ("expectation", "perception"):
            np.testing.assert_array_equal(responses.answers[section], base.answers[section])
        assert responses.attributes.equals(base.attributes)
        assert list(responses.respondent_ids) == list(base.respondent_ids)


def test_it_round_trips_through_the_canonical_frame():
    base = read("dutch_excel.csv")
    again = servqual.read_responses(base.to_frame())
    np.testing.assert_array_equal(again.answers["perception"], base.answers["perception"])
    np.testing.assert_array_equal(again.importance, base.importance)


def test_it_recognises_common_header_styles():
    frame = pd.DataFrame(
        {
            "Respondent": ["a", "b"],
            **{f"e_{i:02d}": [5, 6] for i in range(1, 23)},
            **{f"P[SQ{i:03d}]": [4, 7] for i in range(1, 23)},
            "W[TAN]": [20, 20],
            "W_REL": [20, 20],
            "w.res": [20, 20],
            "W[SQ004]": [20, 20],
            "W5": [20, 20],
        }
    )
    responses = servqual.read_responses(frame)
    assert responses.report.rows_used == 2
    assert list(responses.respondent_ids) == ["a", "b"]
    assert responses.answers["expectation"][0, 21] == 5
    assert responses.importance[1].tolist() == [20, 20, 20, 20, 20]
    assert responses.attributes.columns == []


def test_it_recodes_answer_labels_through_the_mapping(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[values]\n"Helemaal mee oneens" = 1\n"Helemaal mee eens" = 7\n', encoding="utf-8")
    rows = ["P" + str(i) for i in range(1, 23)]
    data = tmp_path / "labels.csv"
    data.write_text(
        ",".join(rows) + "\n" + ",".join(["Helemaal mee eens"] * 21 + ["helemaal MEE oneens"]) + "\n", encoding="utf-8"
    )
    responses = servqual.read_responses(data, "servperf", mapping=mapping, progress=False)
    assert responses.answers["perception"][0].tolist() == [7.0] * 21 + [1.0]


def test_it_reads_the_three_column_format(tmp_path):
    from servqual.io.synthetic import generate_study, write_csv

    write_csv(generate_study(50, "servqual-3col", seed=3), tmp_path / "three.csv")
    responses = servqual.read_responses(tmp_path / "three.csv", "servqual-3col", progress=False)
    assert set(responses.answers) == {"minimum", "expectation", "perception"}
    assert np.nanmax(responses.answers["perception"]) <= 9
    assert math.isclose(np.nansum(responses.importance[0]), 100) or np.isnan(responses.importance[0]).all()


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_the_field_count_scan_agrees_with_the_csv_module_across_chunk_edges(monkeypatch, chunk):
    import csv
    import io

    from servqual.io import _csv

    text = 'a,b,c\r\n1,"x,\n""y""",3\n\n4,5\n6,7,8,9\n"",,\n1,2,3'
    monkeypatch.setattr(_csv, "CHUNK_BYTES", chunk)
    scan = _csv.field_counts(text.encode(), ",", show_progress=False)
    expected = [len(row) for row in csv.reader(io.StringIO(text, newline=""))]
    assert scan.counts[~scan.blank].tolist() == [n for n in expected if n]
    assert scan.blank.tolist() == [n == 0 for n in expected]
    assert not scan.open_quote
    assert scan.stray_quotes == []


def test_a_file_reads_the_same_with_the_scan_beside_the_parse_or_before_it(monkeypatch):
    examples = FIXTURES.parents[1] / "docs" / "examples"
    path, instrument = examples / "problem-responses.csv", examples / "custom-instrument.toml"
    assert b'"' not in path.read_bytes()  # a file without quotes is parsed beside the scan
    beside = servqual.read_responses(path, instrument, progress=False)
    monkeypatch.setenv("SERVQUAL_UNTUNED", "overlap")
    before = servqual.read_responses(path, instrument, progress=False)
    assert before.report.to_dict() == beside.report.to_dict()
    assert before.report.excluded  # the scan's ragged row and blank line were found either way
    assert before.table.equals(beside.table)
    assert before.row_numbers.tolist() == beside.row_numbers.tolist()


def test_it_never_reads_personal_data_and_reports_unused_answer_columns(tmp_path):
    frame = pd.read_csv(FIXTURES / "canonical.csv", dtype={"respondent_id": str})
    frame.insert(1, "E-mail", [f"person{i}@example.org" for i in range(len(frame))])
    responses = servqual.read_responses(frame, "servperf")
    assert "E-mail" not in responses.attributes.columns
    assert "E1" not in responses.attributes.columns
    notes = [str(n) for n in responses.report.notes]
    assert "DataFrame: personal-data columns not read: E-mail" in notes
    assert "DataFrame: columns not used by instrument servperf: E1-E22" in notes


def test_a_rejected_importance_cell_makes_the_whole_allocation_missing():
    frame = pd.read_csv(FIXTURES / "canonical.csv", dtype={"respondent_id": str})
    frame = frame.astype(dict.fromkeys(SQ.importance_columns, object))
    frame.loc[0, SQ.importance_columns] = ["abc", 25, 25, 25, 25]  # the rest alone adds up to 100
    frame.loc[1, SQ.importance_columns] = ["-99", "-99", "-99", "-99", "-99"]  # Qualtrics: seen, not answered
    responses = servqual.read_responses(frame)
    assert np.isnan(responses.importance[0]).all()
    assert np.isnan(responses.importance[1]).all()
    assert responses.report.importance_rejected == 1
    assert [str(i) for i in responses.report.issues] == [
        "DataFrame row 2 column W_TAN: 'abc' is not a number; treated as missing"
    ]


def test_a_mapping_can_keep_a_column_whose_name_looks_personal():
    frame = pd.DataFrame({"naam": ["Utrecht", "Ede"], **{f"P{i}": [4, 5] for i in range(1, 23)}})
    assert "naam" not in servqual.read_responses(frame, "servperf").attributes.columns
    mapping = servqual.io.Mapping(columns={"naam": "branch"})
    kept = servqual.read_responses(frame, "servperf", mapping=mapping)
    assert kept.attributes["branch"].to_list() == ["Utrecht", "Ede"]


def test_the_answer_matrices_hold_the_table_with_nulls_as_nan(tmp_path):
    from servqual.io.synthetic import generate_study, write_csv

    path = tmp_path / "study.csv"
    write_csv(generate_study(3000, seed=21, missing_rate=0.1), path)
    responses = servqual.read_responses(path, progress=False)
    for section, matrix in responses.answers.items():
        expected = responses.table.select(SQ.columns(section)).cast(pl.Float64).fill_null(np.nan).to_numpy()
        np.testing.assert_array_equal(matrix, expected)
        assert np.isnan(matrix).any()
        assert matrix.flags.f_contiguous
    expected = responses.table.select(SQ.importance_columns).fill_null(np.nan).to_numpy()
    np.testing.assert_array_equal(responses.importance, expected)


def test_time_cells_read_as_text_as_dates_do(tmp_path):
    """A time of day has no date, so it is written without one; it once stopped the reader
    with a TypeError (issue 12)."""
    book = openpyxl.Workbook()
    book.active.append(["respondent_id", "branch", *[f"P{i}" for i in range(1, 23)]])
    book.active.append([1, datetime.time(9, 30), *[4] * 22])
    book.active.append([2, datetime.datetime(2026, 3, 1, 9, 30), datetime.time(14, 0), *[4] * 21])
    book.save(tmp_path / "times.xlsx")
    responses = servqual.read_responses(tmp_path / "times.xlsx", "servperf", progress=False)
    assert responses.attributes["branch"].to_list() == ["09:30:00", "2026-03-01 09:30:00"]
    assert [str(issue) for issue in responses.report.issues] == [
        "times.xlsx row 3 column P1: '14:00:00' is not a number; treated as missing"
    ]
    frame = pd.DataFrame(
        {"branch": [datetime.time(9, 30), datetime.date(2026, 3, 1)], **{f"P{i}": [4, 5] for i in range(1, 23)}}
    )
    assert servqual.read_responses(frame, "servperf", progress=False).attributes["branch"].to_list() == [
        "09:30:00",
        "2026-03-01",
    ]


def test_the_first_sheet_of_a_workbook_reads_as_text_with_its_cells_bounded(tmp_path):
    """servqual.io.read_workbook_rows: the web app's lists of addresses read through it."""
    book = openpyxl.Workbook()
    book.active.title = "Adressen"
    book.active.append(["email", "branch", "since"])
    book.active.append(["anna@example.nl", 12, datetime.date(2026, 11, 2)])
    book.active.append(["ben@example.com", None, 2.5])
    book.create_sheet("Notes").append(["not", "read"])
    book.save(tmp_path / "list.xlsx")
    rows = servqual.io.read_workbook_rows(tmp_path / "list.xlsx", name="adressen.xlsx")
    assert rows == [
        ["email", "branch", "since"],
        ["anna@example.nl", "12", "2026-11-02"],
        ["ben@example.com", "", "2.5"],
    ]
    book.active.cell(row=400_001, column=3, value="far down")
    book.save(tmp_path / "list.xlsx")
    with pytest.raises(servqual.ServqualError) as refused:
        servqual.io.read_workbook_rows(tmp_path / "list.xlsx", name="adressen.xlsx", max_cells=1_000_000)
    assert str(refused.value) == (
        "adressen.xlsx: refused: sheet 'Adressen' spans 400001 rows by 3 columns;"
        " servqual reads at most 1 million cells of a workbook (save the sheet as CSV)"
    )
