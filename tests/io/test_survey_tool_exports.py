"""Survey tools' exports read as their makers meant them: header rows are no data, test
responses are set aside, personal data named in any header row is never read, and the
mapping file can place columns whose headers repeat.

The fixtures imitate the layouts (tests/fixtures/README.md); where ../shared/realfiles
exists, the real exports it holds are read too.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import servqual
from servqual.errors import ServqualError
from servqual.instruments import load_instrument
from servqual.io import Mapping, _csv, plan_columns
from servqual.io._mapping import load_mapping

FIXTURES = Path(__file__).parents[1] / "fixtures"
REAL = Path(__file__).parents[3] / "shared" / "realfiles"
PERSONAL_VALUES = ("example.org", "192.0.2.", "Anna", "Klant")


def read(name: str, mapping: str | None = None) -> servqual.ResponseSet:
    return servqual.read_responses(FIXTURES / name, mapping=mapping and FIXTURES / mapping, progress=False)


@pytest.mark.parametrize(
    ("name", "header_rows", "test_rows"),
    [("qualtrics_insights.csv", 3, [44, 45]), ("qualtrics_legacy.csv", 2, [43, 44])],
)
def test_qualtrics_2016_layouts_skip_their_header_rows_and_set_test_responses_aside(name, header_rows, test_rows):
    responses = read(name, "qualtrics_2016.mapping.toml")
    report = responses.report
    assert report.file_format == "qualtrics"
    assert report.rows_read == 42  # 40 respondents and 2 test responses; no header row among them
    assert report.excluded == {"not_a_response": test_rows}
    assert report.total_rejected == 0
    assert responses.respondent_ids[0].startswith("R_")


@pytest.mark.parametrize("name", ["qualtrics_insights.csv", "qualtrics_legacy.csv"])
def test_personal_data_named_in_any_header_row_is_never_read(name, tmp_path):
    responses = read(name, "qualtrics_2016.mapping.toml")
    kept = set(responses.attributes.columns)
    assert not kept & {"Name", "EmailAddress", "IPAddress", "RecipientEmail", "RecipientLastName", "RecipientFirstName"}
    assert not kept & {f"V{i}" for i in range(1, 11)}
    for column in responses.attributes.columns:
        values = " ".join(str(v) for v in responses.attributes[column].to_list())
        assert not any(personal in values for personal in PERSONAL_VALUES), column

    # Nor can it reach an export or a segment comparison.
    done = subprocess.run(
        [sys.executable, "-m", "servqual", "export", str(FIXTURES / name), "--mapping",
         str(FIXTURES / "qualtrics_2016.mapping.toml"), "--to", "csv", "-o", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = "".join(path.read_text(encoding="utf-8") for path in tmp_path.glob("*.csv"))
    assert "R_" in written
    assert not any(personal in written for personal in PERSONAL_VALUES)
    with pytest.raises(ServqualError, match="EmailAddress"):
        servqual.analyze(responses, segments=["EmailAddress"])


def test_an_import_id_row_names_personal_data_that_the_first_row_does_not():
    header = ["Respondent", "Contact", "P1"]
    import_ids = ['{"ImportId":"_recordId"}', "{'ImportId': 'panel-RecipientEmail'}", '{"ImportId":"QID1"}']
    plan = plan_columns(header, load_instrument("servperf"), Mapping(), "x.csv", [["", "", ""], import_ids])
    assert plan.dropped == [1]
    assert "Contact" not in plan.attributes


def test_an_empty_line_at_the_end_of_a_limesurvey_export_is_no_row():
    assert (FIXTURES / "limesurvey_dual_scale.csv").read_bytes().endswith(b'"\n\n')
    responses = read("limesurvey_dual_scale.csv", "limesurvey_dual_scale.mapping.toml")
    assert responses.report.rows_read == 40
    assert responses.report.excluded == {}
    strict = subprocess.run(
        [sys.executable, "-m", "servqual", "validate", "--strict", str(FIXTURES / "limesurvey_dual_scale.csv"),
         "--mapping", str(FIXTURES / "limesurvey_dual_scale.mapping.toml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert strict.returncode == 0, strict.stdout


def test_empty_lines_inside_a_file_are_still_reported(tmp_path):
    lines = (FIXTURES / "canonical.csv").read_text().splitlines()
    lines.insert(5, "")
    path = tmp_path / "gap.csv"
    path.write_text("\n".join(lines) + "\n\n\n")
    report = servqual.read_responses(path, progress=False).report
    assert report.rows_read == 41
    assert report.excluded == {"blank_line": [6]}


def test_mapping_names_are_read_without_surrounding_spaces(tmp_path):
    mapping = tmp_path / "m.toml"
    # Copied from a header that ends in a space; headers are read without it.
    mapping.write_text('id = "respondent_id "\n[columns]\n"branch " = "vestiging"\n')
    responses = servqual.read_responses(FIXTURES / "canonical.csv", mapping=mapping, progress=False)
    assert responses.attributes["vestiging"].to_list() == read("canonical.csv").attributes["branch"].to_list()
    assert responses.respondent_ids[0] == "1"


def test_repeated_headers_are_placed_by_number_and_by_pattern():
    responses = read("repeated_headers.csv", "repeated_headers.mapping.toml")
    canonical = read("canonical.csv")
    assert responses.attributes["branch"].to_list() == canonical.attributes["branch"].to_list()
    assert responses.attributes["channel"].to_list() == canonical.attributes["channel"].to_list()
    assert (responses.table.select(canonical.table.columns)).equals(canonical.table)


def test_repeated_headers_without_a_mapping_name_their_column_numbers(tmp_path):
    with pytest.raises(ServqualError) as caught:
        read("repeated_headers.csv")
    assert str(caught.value).startswith("repeated_headers.csv: ")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\n"Q5" = "branch"\n')
    with pytest.raises(ServqualError) as caught:
        servqual.read_responses(FIXTURES / "repeated_headers.csv", mapping=mapping, progress=False)
    assert str(caught.value) == (
        "repeated_headers.csv: the file has 2 columns named 'Q5' (columns 2, 3); name each by its number "
        "in [positions], or give them numbered names in [patterns]"
    )
    names = ["E1", "e_01", *[f"E{i}" for i in range(2, 23)], *[f"P{i}" for i in range(1, 23)]]
    table = [names, ["1"] * len(names)]
    path = tmp_path / "dup.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(table)
    with pytest.raises(ServqualError, match=r"columns 'E1' \(column 1\) and 'e_01' \(column 2\) both hold E1"):
        servqual.read_responses(path, progress=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[positions]\n"B" = "branch"\n', "[positions] takes column numbers (1 = the first column), not 'B'"),
        ('[positions]\n"0" = "branch"\n', "[positions] takes column numbers"),
        ('[patterns]\n"" = "E{n}"\n', "cannot be used"),
        ('[patterns]\n"E*" = "E{n}{n}"\n', "cannot be used"),
        ('[patterns]\n"' + "*a" * 300 + '" = "E{n}"\n', "cannot be used"),
    ],
)
def test_a_mapping_with_unusable_positions_or_patterns_is_refused(tmp_path, text, message):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ServqualError, match="^m.toml: .*" + re.escape(message)):
        load_mapping(path)


def test_a_pattern_or_position_that_finds_no_column_is_named(tmp_path):
    for text, message in [
        ('[patterns]\n"Verwachting *" = "E{n}"\n', "the mapping's pattern 'Verwachting *' matches no column"),
        ('[positions]\n"99" = "branch"\n', "the mapping names column number 99, but the file has 52 columns"),
    ]:
        path = tmp_path / "m.toml"
        path.write_text(text)
        with pytest.raises(ServqualError, match="^" + re.escape("repeated_headers.csv: " + message)):
            servqual.read_responses(FIXTURES / "repeated_headers.csv", mapping=path, progress=False)


def test_a_pattern_on_a_huge_hostile_header_is_matched_in_linear_time():
    header = ["a" * 70_000, *[f"P{i}" for i in range(1, 23)]]
    mapping = Mapping(patterns={"*a*a*a*a*a*a*a*a*b": "branch"})
    started = time.process_time()
    with pytest.raises(ServqualError, match="matches no column"):
        plan_columns(header, load_instrument("servperf"), mapping, "x.csv")
    assert time.process_time() - started < 5  # a backtracking match would take years


def _raw(path: Path):
    instrument = load_instrument("servqual-22")

    def planner(header, other_header_rows=()):
        return plan_columns(header, instrument, Mapping(), path.name, other_header_rows)

    return _csv.read_delimited(path, path.name, planner, show_progress=False)


needs_real_files = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realfiles is not here")


@needs_real_files
@pytest.mark.parametrize(("name", "rows"), [("qt_nobasis_insights.csv", 15), ("qt_nobasis_legacy.csv", 15)])
def test_real_qualtrics_2016_exports(name, rows):
    table = _raw(REAL / name)
    assert table.file_format == "qualtrics"
    assert len(table.row_numbers) == rows
    personal = {table.plan.header[p] for p in table.plan.dropped}
    assert {"IPAddress", "RecipientEmail"} <= personal or {"IPAddress", "EmailAddress", "Name"} <= personal
    # Every response of these files is a generated test response (Status 2).
    assert [reason for reason, *_ in table.excluded] == ["not_a_response"]
    assert len(table.excluded[0][2]) == rows


@needs_real_files
def test_real_qualtrics_legacy_sample_drops_the_name_row_values():
    table = _raw(REAL / "qualtrics_sample_legacy.csv")
    assert table.file_format == "qualtrics"
    assert len(table.row_numbers) == 1
    assert {"Name", "EmailAddress", "IPAddress"} <= {table.plan.header[p] for p in table.plan.dropped}


@needs_real_files
@pytest.mark.parametrize("name", ["ls_limonaid_998192.csv", "ls_limonaid_100001.csv"])
def test_real_limesurvey_exports_end_without_an_extra_row(name):
    with (REAL / name).open(encoding="utf-8-sig", newline="") as handle:
        records = [row for row in csv.reader(handle) if row]
    table = _raw(REAL / name)
    assert len(table.row_numbers) == len(records) - 1
    assert not [reason for reason, *_ in table.excluded if reason == "blank_line"]
