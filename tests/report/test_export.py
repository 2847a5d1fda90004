"""The exports: item, dimension and response tables in xlsx, csv and sav, with stable names,
exact numbers, and no text a spreadsheet would run."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

import servqual
from servqual.report.export import neutralise, write_export

#: Texts a spreadsheet could run as a formula (or DDE command), each as the issue 12 tester
#: or OWASP's list wrote them: a formula character first, after spaces or control
#: characters, in full-width form, or at the start of any line of the cell.
FORMULAS = [
    "=1+1",
    "+31 20",
    "-2",
    "@SUM(A1)",
    "|calc",
    "\tx",
    "\rx",
    "\nx",
    " =1+1",
    "\u00a0=1+1",
    "\u200b=1+1",
    "\x01=1+1",
    "Utrecht\r=1+1",
    "Utrecht\n=1+1",
    "Utrecht\r\n  +1",
    "Utrecht\u2028=1+1",
    "\uff1d1+1",
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "\uff5ccalc",
    "\ufe661+1",
]
HARMLESS = ["Amsterdam", "  Utrecht", "Utrecht\nZwolle", "a=b", "e-mail", "Den Haag - Centrum", "’s-Hertogenbosch", ""]


def test_formula_starts_are_neutralised_but_numbers_are_not():
    for text in FORMULAS:
        assert neutralise(text) == "'" + text, repr(text)
    for text in HARMLESS:
        assert neutralise(text) == text, repr(text)
    assert neutralise(-1.25) == -1.25
    assert neutralise(-3) == -3


def test_every_formula_form_is_neutralised_in_csv_and_xlsx_and_numbers_stay_numbers(tmp_path):
    """Raw rows as the export writes them, one branch per hostile text."""
    import polars as pl

    from servqual.io.synthetic import generate_study

    frame = pl.DataFrame(generate_study(len(FORMULAS) * 3, seed=3)).drop("branch")
    values = [FORMULAS[i % len(FORMULAS)] for i in range(frame.height)]
    frame = frame.with_columns(pl.Series("branch", values), pl.Series("=cmd|' /C calc'!A0", values))
    responses = servqual.read_responses(frame, progress=False)
    result = servqual.analyze(responses)
    write_export(result, responses, "csv", tmp_path / "csv")
    with (tmp_path / "csv" / "responses.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert "'=cmd|' /C calc'!A0" in rows[0]
    written = {row["branch"] for row in rows}
    assert written == {"'" + text for text in responses.attributes["branch"].unique().to_list()}
    (path,) = write_export(result, responses, "xlsx", tmp_path / "hostile.xlsx")
    sheet = load_workbook(path)["responses"]
    header = [c.value for c in sheet[1]]
    branch, e1 = header.index("branch") + 1, header.index("E1") + 1
    for r in range(2, sheet.max_row + 1):
        cell = sheet.cell(r, branch)
        assert cell.data_type == "s" and cell.value.startswith("'"), repr(cell.value)
        assert sheet.cell(r, e1).data_type == "n"


def test_the_workbook_has_items_dimensions_and_responses(study300, tmp_path):
    responses, result = study300
    (path,) = write_export(result, responses, "xlsx", tmp_path / "study.xlsx")
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["items", "dimensions", "responses"]
    items = list(workbook["items"].values)
    header = items[0]
    assert header[:3] == ("item", "dimension", "expectation_n")
    assert "gap_ci95_low" in header and "gap_ci95_high" in header
    first = dict(zip(header, items[1], strict=True))
    assert first["gap_mean"] == pytest.approx(result.items[0].scores["gap"].mean)
    assert isinstance(first["gap_mean"], float) and first["gap_mean"] < 0  # a negative gap stays a number
    assert first["gap_ci95_low"] == pytest.approx(result.items[0].tests["gap"].ci95[0])
    rows = list(workbook["responses"].values)
    assert len(rows) == responses.n_respondents + 1
    names = rows[0]
    for name in ("respondent_id", "branch", "E1", "P22", "G1", "G22", "W_TAN"):
        assert name in names
    row = dict(zip(names, rows[1], strict=True))
    if row["E1"] is not None and row["P1"] is not None:
        assert row["G1"] == row["P1"] - row["E1"]


def test_csv_and_sav_are_folders_of_three_files(three_column, tmp_path):
    responses, result = three_column
    written = write_export(result, responses, "csv", tmp_path / "csv")
    assert [p.name for p in written] == ["items.csv", "dimensions.csv", "responses.csv"]
    with (tmp_path / "csv" / "items.csv").open(encoding="utf-8") as f:
        items = list(csv.DictReader(f))
    assert float(items[0]["adequacy_mean"]) == pytest.approx(result.items[0].scores["adequacy"].mean)
    assert float(items[0]["zone_inside"]) == pytest.approx(result.items[0].zone.inside)
    written = write_export(result, responses, "sav", tmp_path / "sav", lang="nl")
    assert [p.name for p in written] == ["items.sav", "dimensions.sav", "responses.sav"]
    frame, meta = pyreadstat.read_sav(str(tmp_path / "sav" / "responses.sav"))
    assert {"M1", "E1", "P1", "G1", "A1"} <= set(frame.columns)
    assert np.allclose(
        (frame["P1"] - frame["M1"]).dropna(), frame["A1"].dropna()
    )  # no reverse-scored items in servqual-3col
    item = responses.instrument.items[0]
    assert meta.column_names_to_labels["P1"] == item.text("perception", "nl")
    assert meta.variable_value_labels["P1"] == {
        float(k): v for k, v in responses.instrument.scale.anchors["nl"].items()
    }


def test_hostile_text_cells_are_neutralised_in_csv_and_xlsx(hostile_study, tmp_path):
    responses, result = hostile_study
    write_export(result, responses, "csv", tmp_path / "csv")
    with (tmp_path / "csv" / "responses.csv").open(encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if "HYPERLINK" in row["branch"]]
    assert rows and all(row["branch"].startswith("'=HYPERLINK(") for row in rows)
    (path,) = write_export(result, responses, "xlsx", tmp_path / "hostile.xlsx")
    sheet = load_workbook(path)["responses"]  # not read-only: cell types are visible
    header = [c.value for c in sheet[1]]
    branch, g1 = header.index("branch") + 1, header.index("G1") + 1
    hostile = [r for r in range(2, sheet.max_row + 1) if "HYPERLINK" in str(sheet.cell(r, branch).value)]
    assert hostile
    for r in hostile:
        assert sheet.cell(r, branch).data_type == "s" and sheet.cell(r, branch).value.startswith("'=")
    negative = [sheet.cell(r, g1) for r in range(2, sheet.max_row + 1) if (sheet.cell(r, g1).value or 0) < 0]
    assert negative and all(c.data_type == "n" for c in negative)


def test_a_dutch_workbook_speaks_dutch_and_csv_and_sav_keep_their_names(study300, tmp_path):
    responses, result = study300
    (path,) = write_export(result, responses, "xlsx", tmp_path / "studie.xlsx", lang="nl")
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["items", "dimensies", "antwoorden"]
    items = list(workbook["items"].values)
    header = items[0]
    assert header[:4] == ("item", "dimensie", "Verwachtingen: respondenten", "Verwachtingen: gemiddelde")
    assert "Kloof (B - V): 95%-interval, ondergrens" in header
    first = dict(zip(header, items[1], strict=True))
    assert first["dimensie"] == "Tastbare zaken"
    assert first["Kloof (B - V): gemiddelde"] == pytest.approx(result.items[0].scores["gap"].mean)
    dimensions = list(workbook["dimensies"].values)
    assert dimensions[0][:4] == ("dimensie", "onderdeel", "respondenten", "gemiddelde")
    assert dimensions[1][:2] == ("Tastbare zaken", "Verwachtingen")
    answers = next(iter(workbook["antwoorden"].values))
    assert answers[0] == "respondent"
    assert {"branch", "E1", "P22", "G1", "W_TAN"} <= set(answers)  # codes and the file's own names stay

    # The CSV files keep the stable names in every language; the SPSS files carry Dutch labels.
    write_export(result, responses, "csv", tmp_path / "csv", lang="nl")
    with (tmp_path / "csv" / "items.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f))[:4] == ["item", "dimension", "expectation_n", "expectation_mean"]
    write_export(result, responses, "sav", tmp_path / "sav", lang="nl")
    frame, meta = pyreadstat.read_sav(str(tmp_path / "sav" / "items.sav"))
    assert list(frame.columns[:3]) == ["item", "dimension", "expectation_n"]
    assert meta.column_names_to_labels["gap_p_value"] == "Kloof (B - V): p-waarde"
    _, meta = pyreadstat.read_sav(str(tmp_path / "sav" / "responses.sav"))
    assert meta.column_names_to_labels["respondent_id"] == "respondent"
    assert meta.column_names_to_labels["branch"] is None


def test_the_gaps_table_has_each_gap_then_its_factors_and_keeps_hidden_figures_empty():
    from pathlib import Path

    from servqual.analysis import diagnose
    from servqual.report.export import gaps_table

    data = Path(__file__).parents[1] / "analysis" / "data"
    customers = servqual.read_responses(data / "study300.csv", "servqual-22", progress=False)
    managers = servqual.read_responses(data / "managers40.csv", "servqual-managers", progress=False)
    employees = servqual.read_responses(data / "employees150.csv", "servqual-employees", progress=False)
    result = servqual.analyze(customers)
    # 40 managers under a threshold of 41: their factors are hidden; the 150 employees' show
    diagnosis = diagnose(customers, result, managers, employees, min_group=41)
    table = gaps_table(diagnosis)
    gaps = table[table["factor"].isna()]
    assert gaps["gap"].tolist() == [1, 2, 3, 4, 5]
    assert [v if isinstance(v, str) else None for v in gaps["level"]] == [g.size.level for g in diagnosis.gaps]
    assert [v if isinstance(v, str) else None for v in gaps["basis"]] == [g.size.basis for g in diagnosis.gaps]
    assert gaps["level"].isna().tolist()[:2] == [True, True]  # gaps 1 and 2 rest on the hidden managers
    teamwork = table[table["factor"] == "teamwork"].iloc[0]
    score = next(f for f in diagnosis.gap(3).factors if f.key == "teamwork")
    assert (teamwork["gap"], teamwork["audience"], teamwork["n"]) == (3, "employee", 150)
    assert teamwork["mean"] == score.figures.mean and teamwork["alpha"] == score.reliability.alpha
    research = table[table["factor"] == "customer_research"].iloc[0]
    assert research["audience"] == "manager" and research["n"] == 40
    assert research[["mean", "sd", "ci95_low", "ci95_high", "alpha", "omega_total"]].isna().all()
    orientation = table[table["factor"] == "customer_orientation"].iloc[0]
    assert pd.isna(orientation["gap"])  # no gap: the staff's values
