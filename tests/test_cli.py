"""The `servqual` command, run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def servqual(*args: str, lang: str = "C", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": lang, "LC_ALL": "", "LANGUAGE": ""}
    return subprocess.run(
        [sys.executable, "-m", "servqual", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_analyze_prints_the_json_contract():
    run = servqual("analyze", str(FIXTURES / "dutch_excel.csv"), "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["n_respondents"] == 40
    assert data["instrument"] == "servqual-22"
    for key in ("tangibles", "reliability", "responsiveness", "assurance", "empathy"):
        dimension = data["dimensions"][key]
        assert dimension["gap"]["mean"] == pytest.approx(
            dimension["perception"]["mean"] - dimension["expectation"]["mean"], abs=0.5
        )
    assert len(data["items"]) == 22
    assert {"item", "dimension", "n", "expectation_mean", "perception_mean", "gap_mean", "gap_ci95"} <= set(
        data["items"][0]
    )
    assert data["n_used"] == 40
    reliability = data["dimensions"]["reliability"]
    low, high = reliability["gap"]["ci95"]
    assert low < reliability["gap"]["mean"] < high
    assert 0 <= reliability["gap"]["p_value"] <= 1
    assert set(reliability["alpha"]) == {"expectation", "perception", "gap"}
    assert sum(data["dimensions"][k]["weight"] for k in data["dimensions"]) == pytest.approx(1)
    assert data["servqual"]["weighted"] < 0 and data["servqual"]["unweighted"] < 0


def test_validate_summarises_in_dutch_and_english():
    args = ("validate", str(FIXTURES / "qualtrics.csv"), "--mapping", str(FIXTURES / "qualtrics.mapping.toml"))
    english, dutch = servqual(*args), servqual(*args, "--lang", "nl")
    assert "Rows read: 42" in english.stdout and "Rows used: 40" in english.stdout
    assert "Rijen gelezen: 42" in dutch.stdout and "Rijen uitgesloten: 2" in dutch.stdout
    assert "rij 44" in dutch.stdout


def test_the_language_follows_the_locale_unless_told():
    run = servqual("validate", str(FIXTURES / "canonical.csv"), lang="nl_NL.UTF-8")
    assert "Rijen gebruikt: 40" in run.stdout
    assert (
        "Rows used: 40"
        in servqual("validate", str(FIXTURES / "canonical.csv"), "--lang", "en", lang="nl_NL.UTF-8").stdout
    )


def test_validate_json_counts_rows_and_answers():
    data = json.loads(servqual("validate", str(FIXTURES / "responses.sav"), "--format", "json").stdout)
    assert data["rows_read"] == data["rows_used"] == 40
    assert data["answers_given"] + data["answers_missing"] == data["answers_expected"] == 40 * 44


def test_an_unreadable_file_gives_one_line_and_status_2(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    run = servqual("validate", str(tmp_path / "empty.csv"))
    assert run.returncode == 2
    assert run.stderr == "servqual: error: empty.csv: the file is empty\n"
    assert run.stdout == ""


def test_strict_validation_fails_on_excluded_rows(tmp_path):
    path = tmp_path / "short.csv"
    header = ",".join(f"P{i}" for i in range(1, 23))
    path.write_text(header + "\n" + ",".join(["5"] * 22) + "\n" + ",".join(["5"] * 10) + "\n", encoding="utf-8")
    assert servqual("validate", str(path), "--instrument", "servperf").returncode == 0
    strict = servqual("validate", str(path), "--instrument", "servperf", "--strict")
    assert strict.returncode == 1
    assert "short.csv row 3: 10 fields where the header has 22; row excluded" in strict.stdout


def test_instruments_lists_and_shows_in_dutch():
    listing = servqual("instruments")
    assert "servqual-3col" in listing.stdout
    shown = servqual("instruments", "servqual-22", "--lang", "nl", "--service", "De Bibliotheek")
    assert "Tastbare zaken" in shown.stdout
    assert "De Bibliotheek heeft moderne apparatuur." in shown.stdout
    data = json.loads(servqual("instruments", "servqual-22-1988", "--format", "json").stdout)
    assert [i["number"] for i in data["items"] if i["reverse"]] == [10, 11, 12, 13, 18, 19, 20, 21, 22]


def test_usage_errors_are_translated():
    run = servqual("--lang", "nl", "validate")
    assert run.returncode == 2
    assert "deze argumenten zijn verplicht: file" in run.stderr
    ours = servqual("--lang", "nl", "analyze")  # the file, or --customers
    assert ours.returncode == 2
    assert "geen bestand van klanten: geef het als BESTAND of als --customers" in ours.stderr


def test_demo_file_writes_a_study_and_analyses_it(tmp_path):
    run = servqual("demo", "--file", "--output", str(tmp_path / "demo"), "--respondents", "120", "--lang", "nl")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "demo" / "responses.csv").is_file()
    assert "Rijen gebruikt: 120" in run.stdout
    assert "SERVQUAL-score (gemiddelde van de dimensiekloven)" in run.stdout
    assert re.search(r"Betrouwbaarheid +\d,\d\d +\d,\d\d +-\d,\d\d", run.stdout)  # decimal commas in Dutch
    again = servqual("analyze", str(tmp_path / "demo" / "responses.csv"), "--format", "json")
    reliability = json.loads(again.stdout)["dimensions"]["reliability"]["gap"]["mean"]
    assert -2.5 < reliability < -1.0  # the synthetic study's largest shortfall


def test_long_reads_show_progress_on_a_terminal_and_stay_quiet_when_piped(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    import pandas as pd

    from servqual.io.synthetic import generate_study

    path = tmp_path / "study.xlsx"
    pd.DataFrame(generate_study(2000, seed=4)).to_excel(path, index=False)
    piped = servqual("validate", str(path))
    assert piped.returncode == 0 and piped.stderr == ""

    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal 120 columns wide, as a user has
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.execv(sys.executable, [sys.executable, "-m", "servqual", "validate", str(path), "--lang", "en"])
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.waitpid(pid, 0)
    assert b"study.xlsx:   0%|" in seen
    assert b"Rows used: 2000" in seen


def test_lang_may_come_before_the_command():
    shown = servqual("--lang", "nl", "instruments", "servqual-22")
    assert "Tastbare zaken" in shown.stdout
    assert "[dienst] heeft moderne apparatuur." in shown.stdout


def test_the_last_lang_wins_and_three_column_titles_stay_apart(tmp_path):
    from servqual.io.synthetic import generate_study, write_csv

    path = tmp_path / "three.csv"
    write_csv(generate_study(60, "servqual-3col", seed=2), path)
    run = servqual("--lang", "nl", "analyze", str(path), "--instrument", "servqual-3col", "--lang", "en")
    header = next(line for line in run.stdout.splitlines() if "Desired level" in line)
    assert re.search(r"Perceptions +Superiority gap \(P - D\) +Adequacy gap \(P - M\)$", header)
    assert "Superiority gap = perception - desired level" in run.stdout
    perf = servqual("analyze", str(FIXTURES / "canonical.csv"), "--instrument", "servperf")
    assert "Gap = perception" not in perf.stdout


def test_analyze_compares_segments_and_hides_small_groups(tmp_path):
    import pandas as pd

    from servqual.io.synthetic import generate_study

    frame = pd.DataFrame(generate_study(80, seed=6))
    frame.loc[:2, "branch"] = "Zierikzee"  # three respondents: too few to show
    path = tmp_path / "segments.csv"
    frame.to_csv(path, index=False)
    text = servqual("analyze", str(path), "--segment", "branch", "--lang", "nl")
    assert re.search(r"Zierikzee +te weinig respondenten", text.stdout)
    data = json.loads(servqual("analyze", str(path), "--segment", "branch", "--format", "json").stdout)
    groups = {g["value"]: g for g in data["segments"]["branch"]["groups"]}
    assert groups["Zierikzee"] == {"value": "Zierikzee", "suppressed": True}
    shown = [g for g in groups.values() if not g["suppressed"]]
    assert all(g["n"] >= 5 and "gap_mean" in g["dimensions"]["empathy"] for g in shown)
    assert sum(g["n"] for g in groups.values() if g["suppressed"] is False) <= data["n_respondents"] - 5


BLANK_BRANCH = FIXTURES / "blank_branch.csv"  # 9 of 40 respondents without a branch


def test_analyze_leaves_respondents_without_a_segment_value_out_and_says_how_many():
    text = servqual("analyze", str(BLANK_BRANCH), "--segment", "branch")
    assert "Respondents without a value for branch: left out of these groups and tests (9)." in text.stdout
    assert "(no value)" not in text.stdout
    dutch = servqual("analyze", str(BLANK_BRANCH), "--segment", "branch", "--lang", "nl")
    assert "Respondenten zonder waarde voor branch: weggelaten uit deze groepen en toetsen (9)." in dutch.stdout
    data = json.loads(servqual("analyze", str(BLANK_BRANCH), "--segment", "branch", "--format", "json").stdout)
    branch = data["segments"]["branch"]
    assert (branch["missing"], branch["left_out"]) == ("exclude", 9)
    assert [g["n"] for g in branch["groups"]] == [12, 12, 7]
    assert data["n_respondents"] == 40


def test_analyze_makes_respondents_without_a_segment_value_a_group_when_asked():
    args = ("analyze", str(BLANK_BRANCH), "--segment", "branch", "--segment-missing", "group")
    text = servqual(*args)
    assert "Respondents without a value for branch form a group of their own, “(no value)”." in text.stdout
    assert re.search(r"^\(no value\) +9 ", text.stdout, re.MULTILINE)
    dutch = servqual(*args, "--lang", "nl")
    assert re.search(r"^\(geen waarde\) +9 ", dutch.stdout, re.MULTILINE)
    assert "Respondenten zonder waarde voor branch vormen een eigen groep" in dutch.stdout
    branch = json.loads(servqual(*args, "--format", "json").stdout)["segments"]["branch"]
    assert (branch["missing"], branch["left_out"]) == ("group", 0)
    assert branch["groups"][-1]["value"] is None and branch["groups"][-1]["n"] == 9
    refused = servqual("analyze", str(BLANK_BRANCH), "--segment", "branch", "--segment-missing", "drop")
    assert refused.returncode == 2 and "invalid choice: 'drop'" in refused.stderr


def test_a_segment_column_that_nobody_filled_in_leaves_everyone_out(tmp_path):
    (tmp_path / "empty.csv").write_text(
        "\n".join(
            line.split(",", 2)[0] + ",," + line.split(",", 2)[2] if n else line
            for n, line in enumerate(BLANK_BRANCH.read_text(encoding="utf-8").splitlines())
        ),
        encoding="utf-8",
    )
    run = servqual("analyze", str(tmp_path / "empty.csv"), "--segment", "branch")
    assert run.returncode == 0, run.stderr
    assert "Respondents without a value for branch: left out of these groups and tests (40)." in run.stdout


def test_the_left_out_number_is_not_shown_where_it_reveals_a_hidden_group(tmp_path):
    import pandas as pd

    frame = pd.read_csv(BLANK_BRANCH, keep_default_na=False)
    frame.loc[frame.index[frame["branch"] == "Amsterdam"][:3], "branch"] = "Zierikzee"
    frame.to_csv(tmp_path / "zierikzee.csv", index=False)
    run = servqual("analyze", str(tmp_path / "zierikzee.csv"), "--segment", "branch", "--format", "json")
    branch = json.loads(run.stdout)["segments"]["branch"]
    # Zierikzee (3) is hidden, the 9 left out hide with it; their number would give its size
    assert [g["value"] for g in branch["groups"] if g["suppressed"]] == ["Zierikzee"]
    assert branch["left_out"] is None
    text = servqual("analyze", str(tmp_path / "zierikzee.csv"), "--segment", "branch").stdout
    assert "left out of these groups and tests (how many is not shown" in text
    assert "(9)" not in text


def test_analyze_says_where_to_act_and_what_to_read_with_care():
    run = servqual("analyze", str(FIXTURES / "canonical.csv"), "--lang", "nl")
    assert re.search(r"Betrouwbaarheid +29,72 +4,43 +hier op concentreren", run.stdout)
    assert "Lees met zorg:" in run.stdout
    assert "Zekerheid, Verwachtingen: alfa 0,51 ligt onder 0,70" in run.stdout


def test_analyze_reports_the_factor_structure_or_why_there_is_none():
    study = Path(__file__).parent / "analysis" / "data" / "study300.csv"
    run = servqual("analyze", str(study), "--cfa", "perception", "--cfa", "gap", "--format", "json")
    data = json.loads(run.stdout)
    assert set(data["cfa"]) == {"perception", "gap"}
    assert {"chi2", "df", "cfi", "tli", "rmsea", "srmr", "n"} <= set(data["cfa"]["perception"])
    small = servqual("analyze", str(FIXTURES / "canonical.csv"), "--lang", "nl")
    assert "geen model: minder volledige rijen dan items" in small.stdout
    assert (
        "cfi"
        not in json.loads(servqual("analyze", str(FIXTURES / "canonical.csv"), "--format", "json").stdout)["cfa"][
            "perception"
        ]
    )


def test_report_writes_html_and_pdf_in_dutch(tmp_path):
    study = str(Path(__file__).parent / "analysis" / "data" / "study300.csv")
    for name in ("rapport.html", "rapport.pdf"):
        run = servqual(
            "report", study, "-o", str(tmp_path / name), "--lang", "nl", "--segment", "branch", "--title", "Meting 1"
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout == f"Rapport geschreven naar {tmp_path / name}\n"
    html = (tmp_path / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in html and "<title>Meting 1</title>" in html and "Naar branch" in html
    assert (tmp_path / "rapport.pdf").read_bytes().startswith(b"%PDF-")


def test_report_refuses_an_unknown_extension(tmp_path):
    run = servqual("report", str(FIXTURES / "canonical.csv"), "-o", str(tmp_path / "report.docx"))
    assert run.returncode == 2
    assert run.stderr == f"servqual: error: {tmp_path / 'report.docx'}: the report is written as .html or .pdf\n"


def test_export_writes_to_the_current_folder_by_default(tmp_path):
    run = servqual("export", str(FIXTURES / "canonical.csv"), "--to", "csv", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "canonical-servqual").iterdir()) == [
        "dimensions.csv",
        "items.csv",
        "responses.csv",
    ]
    run = servqual("export", str(FIXTURES / "canonical.csv"), "--to", "xlsx", cwd=tmp_path)
    assert run.stdout == "Wrote canonical-servqual.xlsx\n"
    assert (tmp_path / "canonical-servqual.xlsx").stat().st_size > 0


def test_the_command_ends_with_everything_written_and_its_exit_code(tmp_path):
    """`servqual` ends the process at once after its work (no interpreter teardown): what it
    printed must all arrive, and the exit code must be main's."""
    run = servqual("analyze", str(FIXTURES / "canonical.csv"), "--format", "json", "--cfa", "perception")
    assert run.returncode == 0
    assert json.loads(run.stdout)["n_respondents"] > 0  # the whole document: a cut-off one does not parse
    missing = servqual("validate", str(tmp_path / "missing.csv"))
    assert missing.returncode != 0 and "missing.csv" in missing.stderr


@pytest.mark.parametrize(
    ("text", "english", "dutch"),
    [
        ("x = " + "[" * 5_000 + "]" * 5_000, "lists or tables are nested more than 32 levels", "meer dan 32 lagen"),
        ("key = " + "9" * 100_001, "a number has more than 18 digits", "een getal heeft meer dan 18 cijfers"),
        ('key = "x"\nbased_on = "/etc/passwd"', "must be a built-in instrument or a file in the folder", "ingebouwd"),
    ],
)
def test_an_instrument_file_that_would_break_the_reader_gives_one_clear_line(tmp_path, text, english, dutch):
    (tmp_path / "hostile.toml").write_text(text, encoding="utf-8")
    for lang, expected in (("en", english), ("nl", dutch)):
        run = servqual(
            "validate", str(FIXTURES / "canonical.csv"), "--instrument", str(tmp_path / "hostile.toml"), "--lang", lang
        )
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr.startswith(("servqual: error: hostile.toml: ", "servqual: fout: hostile.toml: "))
        assert expected in run.stderr and run.stderr.count("\n") == 1, run.stderr


@pytest.mark.parametrize("path", sorted((FIXTURES / "hostile").iterdir()), ids=lambda path: path.name)
def test_a_file_on_which_a_reader_panics_leaves_only_our_message_on_stderr(path):
    """polars prints its panic (and a backtrace with RUST_BACKTRACE set) though the reader
    catches it: the user sees one line of ours (issue 12, promise 4)."""
    env = {**os.environ, "LANG": "C", "LC_ALL": "", "LANGUAGE": "", "RUST_BACKTRACE": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "servqual", "validate", str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [run.stderr.strip()], run.stderr
    assert run.stderr.startswith(f"servqual: error: {path.name}: cannot be read as "), run.stderr


# --- every answer accounted for (issue 13, point 1) ---------------------------------------------

ACCOUNTED = FIXTURES / "accounted"


def test_analyze_refuses_a_file_of_decimals_instead_of_printing_figures_from_what_is_left():
    run = servqual("analyze", str(ACCOUNTED / "decimals.csv"))
    assert run.returncode == 2
    assert run.stdout == ""
    assert "80% of the answers cannot be used, most of them not whole points of the 1..7 scale" in run.stderr


def test_analyze_names_rejected_answers_label_columns_and_unused_columns_in_text_and_json():
    text = servqual("analyze", str(ACCOUNTED / "labels.csv")).stdout
    assert "  - 39 answers (2%) were rejected as invalid and left out, in P3: servqual validate lists each" in text
    assert "  - the answers in P3 are text labels, not scale points" in text
    data = json.loads(servqual("analyze", str(ACCOUNTED / "labels.csv"), "--format", "json").stdout)
    assert data["warnings"][:2] == [
        {"code": "answers_rejected", "n": 39, "share": 39 / 1707, "columns": ["P3"]},
        {"code": "label_columns", "columns": ["P3"]},
    ]
    unused = json.loads(servqual("analyze", str(ACCOUNTED / "unused_columns.csv"), "--format", "json").stdout)
    assert unused["warnings"][0] == {"code": "unused_columns", "columns": ["P23", "P24", "P25"]}
    assert (
        "  - niet gebruikt door het instrument: P23-P25"
        in servqual("analyze", str(ACCOUNTED / "unused_columns.csv"), "--lang", "nl").stdout
    )


def test_validate_names_a_scale_that_does_not_fit_in_text_and_json():
    text = servqual("validate", str(ACCOUNTED / "six_point.csv"), "--lang", "nl").stdout
    assert "six_point.csv: geen van de 1707 antwoorden is 7, op de schaal 1..7 van instrument servqual-22" in text
    data = json.loads(servqual("validate", str(ACCOUNTED / "six_point.csv"), "--format", "json").stdout)
    assert (data["scale_unused"], data["scale_looks_like"]) == ([7], [1, 6])
    labels = json.loads(servqual("validate", str(ACCOUNTED / "labels.csv"), "--format", "json").stdout)
    assert labels["label_columns"] == ["P3"]
    assert "  rejected: 2% of the answers given, in P3" in servqual("validate", str(ACCOUNTED / "labels.csv")).stdout


GAPS_DATA = Path(__file__).parent / "analysis" / "data"
THREE_FILES = (
    "--customers",
    str(GAPS_DATA / "study300.csv"),
    "--managers",
    str(GAPS_DATA / "managers40.csv"),
    "--employees",
    str(GAPS_DATA / "employees150.csv"),
)


def test_analyze_with_three_files_gives_all_five_gaps_under_gaps_in_the_json():
    run = servqual("analyze", *THREE_FILES, "--segment", "branch", "--processes", "default", "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    gaps = data["gaps"]
    assert data["n_respondents"] == 300  # the customers' analysis as before, gaps beside it
    assert [gaps[f"gap{g}"]["gap"] for g in range(1, 6)] == [1, 2, 3, 4, 5]
    assert gaps["audiences"] == ["customer", "manager", "employee"]
    assert gaps["instruments"] == {
        "customer": "servqual-22",
        "manager": "servqual-managers",
        "employee": "servqual-employees",
    }
    assert [d["subject"] for d in gaps["gap1"]["expectation"]["dimensions"]] == list(data["dimensions"])
    assert [f["key"] for f in gaps["gap3"]["factors"]][:2] == ["teamwork", "employee_fit"]
    assert [d["key"] for d in gaps["gap5"]["dimensions"]] == list(data["dimensions"])
    assert gaps["gap5"]["dimensions"][1]["mean"] == pytest.approx(data["dimensions"]["reliability"]["gap"]["mean"])
    findings = {(f["unit"], f["subject"]) for f in gaps["units"]["branch"]["findings"]}
    assert ("Rotterdam", "teamwork") in findings and ("Rotterdam", "perceived_control") in findings
    assert [p["key"] for p in gaps["processes"]] == ["orientation", "request", "delivery", "service", "invoicing"]
    assert set(gaps["processes"][2]["gaps"]) == {"gap1", "gap2", "gap3", "gap4", "gap5"}


def test_analyze_with_only_the_employees_says_gaps_1_and_2_were_not_measured_in_dutch():
    run = servqual(
        "--lang", "nl", "analyze", str(GAPS_DATA / "study300.csv"), "--employees", str(GAPS_DATA / "employees150.csv")
    )
    assert run.returncode == 0, run.stderr
    assert "Kloof 1: kenniskloof: niet gemeten" in run.stdout
    assert "De spiegel" in run.stdout
    english = servqual("analyze", str(GAPS_DATA / "study300.csv"), "--employees", str(GAPS_DATA / "employees150.csv"))
    assert (
        "Gap 3: delivery gap: 35 of 100, medium" in english.stdout
        and "Gap 2: standards gap: not measured" in english.stdout
    )


def test_the_customers_file_is_given_once():
    both = servqual("analyze", str(GAPS_DATA / "study300.csv"), "--customers", str(GAPS_DATA / "study300.csv"))
    assert both.returncode == 2 and "once" in both.stderr
    none = servqual("analyze", "--employees", str(GAPS_DATA / "employees150.csv"))
    assert none.returncode == 2 and "--customers" in none.stderr


def test_the_text_output_names_the_planted_cause_per_branch():
    run = servqual("analyze", *THREE_FILES, "--segment", "branch")
    assert run.returncode == 0, run.stderr
    assert "Rotterdam, employees: Teamwork" in run.stdout
    assert "Rotterdam, employees: Perceived control" in run.stdout
    assert "Too few units (5 of the 10 needed)" in run.stdout
