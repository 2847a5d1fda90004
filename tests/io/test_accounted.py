"""Every answer accounted for: answers that cannot be used are counted, named and, when they
are most of the file, refuse it; columns of labels, columns the instrument does not ask and
a scale that does not fit the answers are named (issue 13, point 1).

The files in tests/fixtures/accounted/ are the fixture study, each with one problem
(tests/fixtures/make_fixtures.py writes them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import servqual
from servqual.analysis import ResultWarning, analyze
from servqual.errors import ServqualError

ACCOUNTED = Path(__file__).parent.parent / "fixtures" / "accounted"
CANONICAL = ACCOUNTED.parent / "canonical.csv"
P = [f"P{i}" for i in range(1, 23)]


def read(path: Path, instrument: str = "servqual-22") -> servqual.ResponseSet:
    return servqual.read_responses(path, instrument, progress=False)


def warning(result: servqual.AnalysisResult, code: str) -> ResultWarning:
    found = [w for w in result.warnings if w.code == code]
    assert len(found) == 1, [w.code for w in result.warnings]
    return found[0]


def notes(responses: servqual.ResponseSet) -> list[str]:
    return [str(note) for note in responses.report.notes]


def survey(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    """A servperf file: respondent_id, P1..P22."""
    path = tmp_path / "survey.csv"
    lines = [",".join(header or ["respondent_id", *P])] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


# --- answers that are not whole scale points, outside the scale or text -----------------------


def test_a_file_of_decimals_is_refused_instead_of_losing_most_of_its_answers():
    with pytest.raises(ServqualError) as caught:
        read(ACCOUNTED / "decimals.csv")
    error = caught.value
    assert str(error) == (
        "decimals.csv: 80% of the answers cannot be used, most of them not whole points of the 1..7 scale of "
        "instrument servqual-22 (columns E1-E22, P1-P22); the file seems to hold averages or a slider's values "
        "(round them, or choose or write an instrument whose scale has a step or is continuous: "
        "docs/instruments.md#scale)"
    )
    # 32 of the 40 respondents have halves in every answer above 1 (the study has no 1s).
    assert error.params["share"] == pytest.approx(1 - 341 / 1707)


def test_text_and_answers_outside_the_scale_count_towards_the_refusal_together(tmp_path):
    # 10 respondents: 3 text answers, 1 outside the scale, 1 a half of 22: 5 of 22 (23%) rejected.
    rows = [[str(i), *["4"] * 17, "vier", "zes", "acht", "9", "4.5"] for i in range(10)]
    with pytest.raises(ServqualError) as caught:
        read(survey(tmp_path, rows), "servperf")
    assert caught.value.params["share"] == pytest.approx(5 / 22)
    assert str(caught.value).startswith(
        "survey.csv: 23% of the answers cannot be used, most of them text such as 'vier' where a number belongs "
        "(columns P18-P20); if they are answer labels, give each its scale point under [values] in a mapping file"
    )


def test_fewer_rejected_answers_are_named_with_their_columns_and_share_in_the_analysis(tmp_path):
    rows = [[str(i), *[str(1 + (i + j) % 7) for j in range(22)]] for i in range(20)]
    rows[3][5] = "4.5"  # P5
    rows[4][5] = "8"
    rows[6][9] = "vier"  # P9
    result = analyze(read(survey(tmp_path, rows), "servperf"))
    found = warning(result, "answers_rejected")
    assert found == ResultWarning("answers_rejected", n=3, share=3 / 440, columns=("P5", "P9"))
    assert found.to_dict() == {"code": "answers_rejected", "n": 3, "share": 3 / 440, "columns": ["P5", "P9"]}


def test_a_row_whose_every_answer_was_rejected_is_excluded_as_such_and_counted_in_the_analysis(tmp_path):
    rows = [[str(i), *[str(1 + (i + j) % 7) for j in range(22)]] for i in range(20)]
    rows.append(["20", *["4.5"] * 22])  # one row of averages: 22 of 462 answers
    responses = read(survey(tmp_path, rows), "servperf")
    assert responses.report.excluded == {"answers_rejected": [22]}
    assert str(responses.report.issues[-1]) == (
        "survey.csv row 22: every answer was rejected (listed above); row excluded"
    )
    found = warning(analyze(responses), "rows_excluded")
    assert (found.n, found.share) == (1, 1 / 21)


# --- columns of labels ------------------------------------------------------------------------


def test_a_column_of_labels_is_named_with_a_pointer_to_the_mappings_values():
    responses = read(ACCOUNTED / "labels.csv")
    assert responses.report.label_columns == ["P3"]
    assert (
        "labels.csv: the answers in P3 are text such as 'Enigszins mee eens', not scale points, so none of them is "
        "used; give each label its scale point under [values] in a mapping file (docs/file-format.md#the-mapping-file)"
    ) in notes(responses)
    assert np.isnan(responses.answers["perception"][:, 2]).all()
    result = analyze(responses)
    assert warning(result, "label_columns").columns == ("P3",)
    assert warning(result, "answers_rejected").columns == ("P3",)


def test_a_column_with_one_text_answer_among_numbers_is_no_label_column(tmp_path):
    rows = [[str(i), *[str(1 + (i + j) % 7) for j in range(22)]] for i in range(20)]
    rows[2][3] = "Mee eens"
    responses = read(survey(tmp_path, rows), "servperf")
    assert responses.report.label_columns == []
    assert [w.code for w in analyze(responses).warnings if w.code == "label_columns"] == []


def test_labels_given_their_points_in_the_mapping_are_used(tmp_path):
    mapping = tmp_path / "labels.toml"
    labels = ["Helemaal mee oneens", "Mee oneens", "Enigszins mee oneens", "Neutraal", "Enigszins mee eens"]
    mapping.write_text(
        "[values]\n"
        + "".join(f'"{label}" = {i}\n' for i, label in enumerate(labels, 1))
        + '"Mee eens" = 6\n"Helemaal mee eens" = 7\n'
    )
    responses = servqual.read_responses(ACCOUNTED / "labels.csv", mapping=mapping, progress=False)
    assert responses.report.label_columns == []
    assert responses.report.total_rejected == 0
    np.testing.assert_array_equal(responses.answers["perception"], read(CANONICAL).answers["perception"])


# --- columns the instrument does not use ----------------------------------------------------


def test_answer_columns_the_instrument_does_not_ask_are_listed_not_taken_for_segments():
    responses = read(ACCOUNTED / "unused_columns.csv")
    assert responses.report.unused_columns == ["P23", "P24", "P25"]
    assert "unused_columns.csv: columns not used by instrument servqual-22: P23-P25" in notes(responses)
    assert responses.attributes.columns == ["branch", "channel"]
    assert warning(analyze(responses), "unused_columns").columns == ("P23", "P24", "P25")


# --- a scale that does not fit --------------------------------------------------------------


def test_a_1_to_6_file_read_as_1_to_7_is_named_with_the_scale_it_looks_like():
    responses = read(ACCOUNTED / "six_point.csv")
    report = responses.report
    assert (report.scale_unused, report.scale_looks_like) == ([7], (1, 6))
    assert (
        "six_point.csv: none of the 1707 answers is 7, on the 1..7 scale of instrument servqual-22; the answers look "
        "like a 1..6 scale. Check that the file and the instrument use the same scale (with another, every mean and "
        "each reverse-scored item shifts)"
    ) in notes(responses)
    found = warning(analyze(responses), "scale_fit")
    assert found.to_dict() == {"code": "scale_fit", "n": 1707, "points": [7], "scale": [1, 7], "looks_like": [1, 6]}


def test_a_shifted_scale_is_named_by_its_unused_bottom(tmp_path):
    # 2..8 read as 1..7: no 1, and the 8s (1 in 7) lie outside the scale.
    rows = [[str(i), *[str(2 + (i + j) % 7) for j in range(22)]] for i in range(14)]
    report = read(survey(tmp_path, rows), "servperf").report
    assert (report.scale_unused, report.scale_looks_like) == ([1], (2, 8))


def test_the_fixture_study_fits_its_scale_and_has_nothing_to_account_for():
    # Its customers never give a 1: an unused bottom point alone is not named.
    responses = read(CANONICAL)
    assert responses.report.scale_looks_like is None
    codes = {w.code for w in analyze(responses).warnings}
    assert not codes & {"rows_excluded", "answers_rejected", "label_columns", "unused_columns", "scale_fit"}


def test_fewer_than_100_answers_are_not_judged_for_their_scale(tmp_path):
    rows = [[str(i), *[str(1 + (i + j) % 6) for j in range(22)]] for i in range(4)]  # 88 answers, no 7
    assert read(survey(tmp_path, rows), "servperf").report.scale_looks_like is None
    rows.append(["4", *[str(1 + j % 6) for j in range(22)]])  # 110
    assert read(survey(tmp_path, rows), "servperf").report.scale_looks_like == (1, 6)
