"""Instruments for the organisation side (issue 14): an audience, factor scales behind gaps
1-4 and open questions; the built-in management and employee surveys; what
``servqual instruments`` shows of them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from servqual import ServqualError, load_instrument, read_responses
from servqual.analysis import analyze

DATA = Path(__file__).parent / "analysis" / "data"

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def servqual(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "C", "LC_ALL": "", "LANGUAGE": ""}
    return subprocess.run(
        [sys.executable, "-m", "servqual", *args], capture_output=True, text=True, env=env, timeout=120, check=True
    )


TANGIBLES_TO_EMPATHY = ["W_TAN", "W_REL", "W_RES", "W_ASS", "W_EMP"]

#: factor key -> (code, gap or group, number of items), as issue 14 and
#: reference/servqual-method.md §4 and §8 list them
MANAGER_FACTORS = {
    "customer_research": ("CR", 1, 4),
    "upward_communication": ("UC", 1, 4),
    "management_levels": ("ML", 1, 3),
    "service_commitment": ("SC", 2, 4),
    "goal_setting": ("GS", 2, 4),
    "task_standardisation": ("TS", 2, 3),
    "perceived_feasibility": ("PF", 2, 3),
}
EMPLOYEE_FACTORS = {
    "teamwork": ("TW", 3, 4),
    "employee_fit": ("EF", 3, 4),
    "technology_fit": ("TF", 3, 3),
    "perceived_control": ("PC", 3, 4),
    "supervisory_control": ("SV", 3, 3),
    "role_conflict": ("RC", 3, 4),
    "role_ambiguity": ("RA", 3, 4),
    "horizontal_communication": ("HC", 4, 4),
    "overpromising": ("OP", 4, 4),
    "customer_orientation": ("CO", "values", 4),
}


def test_the_management_survey_predicts_the_customers_expectations_and_rates_the_gap_1_and_2_factors():
    managers = load_instrument("servqual-managers")
    assert managers.audience == "manager"
    assert managers.sections == ("expectation",) and managers.importance
    assert {f.key: (f.code, f.gap or f.group, len(f.items)) for f in managers.factors} == MANAGER_FACTORS
    # the 22 statements are servqual-22's, so gap 1 compares columns of the same name
    customers = load_instrument("servqual-22")
    assert [i.texts["expectation"] for i in managers.items] == [i.texts["expectation"] for i in customers.items]
    assert managers.columns("expectation") == customers.columns("expectation")
    assert managers.file_columns[:23] == [f"E{n}" for n in range(1, 23)] + ["W_TAN"]
    assert managers.file_columns[22:27] == TANGIBLES_TO_EMPATHY
    assert managers.file_columns[27:31] == ["CR1", "CR2", "CR3", "CR4"]
    assert managers.file_columns[-3:] == ["PF1", "PF2", "PF3"]
    assert len(managers.file_columns) == 22 + 5 + 25 and managers.open_columns == []
    # the prompts are the managers' own: they answer as they think customers would
    assert "your customers would give" in managers.prompts["expectation"]["en"]
    assert "uw klanten volgens u zouden geven" in managers.prompts["expectation"]["nl"]
    assert "as you think your customers would" in managers.prompts["importance"]["en"]
    assert managers.prompts["expectation"] != customers.prompts["expectation"]


def test_the_employee_survey_mirrors_the_perceptions_and_rates_the_gap_3_and_4_factors():
    employees = load_instrument("servqual-employees")
    assert employees.audience == "employee"
    assert employees.sections == ("perception",) and not employees.importance
    assert {f.key: (f.code, f.gap or f.group, len(f.items)) for f in employees.factors} == EMPLOYEE_FACTORS
    customers = load_instrument("servqual-22")
    assert [(i.number, i.dimension) for i in employees.items] == [(i.number, i.dimension) for i in customers.items]
    # the staff's side of the same statements: about customers, never "you"
    for item in employees.items:
        assert not re.search(r"\b(you|your)\b", item.texts["perception"]["en"], re.IGNORECASE), item.number
        assert not re.search(r"\b(u|uw)\b", item.texts["perception"]["nl"]), item.number
    assert employees.file_columns[:22] == [f"P{n}" for n in range(1, 23)]
    assert employees.file_columns[22:26] == ["TW1", "TW2", "TW3", "TW4"]
    assert employees.file_columns[-5:] == ["CO1", "CO2", "CO3", "CO4", "OPEN_IMPROVE"]
    (improve,) = employees.open_questions
    assert (improve.key, improve.column) == ("improve", "OPEN_IMPROVE")
    assert improve.text("en") == "What would most improve the service for our customers?"
    assert improve.text("nl") == "Wat zou de service voor onze klanten het meest verbeteren?"


def test_factors_that_are_naturally_higher_is_worse_are_reverse_keyed_so_every_score_reads_higher_is_better():
    """Role conflict, role ambiguity and overpromising are stated as problems; their
    problem statements are reverse-keyed (scored min + max - answer), the one positive
    statement of each is not, so that a later gap index reads the same for every factor."""
    employees = load_instrument("servqual-employees")
    assert employees.factor("role_conflict").reverse_columns == ["RC1", "RC2", "RC3"]
    assert employees.factor("role_ambiguity").reverse_columns == ["RA3", "RA4"]
    assert employees.factor("overpromising").reverse_columns == ["OP1", "OP2", "OP3"]
    assert employees.factor("overpromising").reverse_positions == [0, 1, 2]
    assert employees.factor("customer_orientation").reverse_columns == []
    managers = load_instrument("servqual-managers")
    assert managers.factor("management_levels").reverse_columns == ["ML1", "ML2"]  # many layers: worse
    every = [*managers.factors, *employees.factors]
    # each factor has statements in both directions or only positive ones, never only negative
    # ones without a reverse key
    for factor in every:
        assert 3 <= len(factor.items) <= 5, factor.key
        assert len(factor.reverse_columns) < len(factor.items), factor.key


@pytest.mark.parametrize("name", ["servqual-managers", "servqual-employees"])
def test_every_organisation_text_is_in_both_languages_and_no_statement_is_used_twice(name):
    instrument = load_instrument(name)
    texts = [item.texts for factor in instrument.factors for item in factor.items]
    texts += [question.texts for question in instrument.open_questions]
    texts += [factor.name for factor in instrument.factors] + [factor.description for factor in instrument.factors]
    texts += [instrument.prompts[name] for name in instrument.prompts]
    for by_lang in texts:
        assert set(by_lang) == {"en", "nl"}
        assert all(text.strip() == text and text for text in by_lang.values())
        assert by_lang["en"] != by_lang["nl"]
    for lang in ("en", "nl"):
        statements = [item.text(lang) for factor in instrument.factors for item in factor.items]
        statements += [item.text(section, lang) for item in instrument.items for section in instrument.sections]
        assert len(set(statements)) == len(statements), lang
    assert set(instrument.prompts) == {*instrument.sections, *(["importance"] if instrument.importance else [])} | {
        "factors",
        *(["open"] if instrument.open_questions else []),
    }


def test_a_customer_file_with_factor_columns_reads_as_before():
    """Columns such as TW1 in a customer file are respondent attributes, not answers, as
    any other column the instrument does not have."""
    frame = pl.read_csv(FIXTURES / "canonical.csv").with_columns(pl.lit(5).alias("TW1"), pl.lit("x").alias("OPEN_X"))
    responses = read_responses(frame, instrument="servqual-22")
    assert responses.report.rows_used == 40
    assert list(responses.attributes.columns) == ["branch", "channel", "TW1", "OPEN_X"]


def test_the_analysis_refuses_an_organisation_instrument_rather_than_read_it_as_customers():
    frame = pl.read_csv(FIXTURES / "canonical.csv")
    managers = read_responses(frame.select(pl.exclude("^P.*$")), instrument="servqual-managers")
    assert managers.report.rows_used == 40
    with pytest.raises(ServqualError) as caught:
        analyze(managers)
    assert str(caught.value) == (
        "instrument servqual-managers is answered by managers or employees: servqual cannot analyse their answers "
        "yet, only customers' (docs/instruments.md#managers-and-employees)"
    )


# --- the file format ---------------------------------------------------------------------

FILE = """
key = "staff-mini"
audience = "employee"
sections = ["perception"]

[scale]
min = 1
max = 7

[[dimensions]]
key = "speed"
code = "SPD"
name = { en = "Speed", nl = "Snelheid" }

[[items]]
number = 1
dimension = "speed"
perception = { en = "Customers get quick answers from {service}.", nl = "Klanten krijgen snel antwoord van {service}." }

[[factors]]
key = "teamwork"
code = "TW"
gap = 3
name = { en = "Teamwork", nl = "Samenwerking" }

[[factors.items]]
number = 1
text = { en = "We help each other.", nl = "We helpen elkaar." }

[[factors.items]]
number = 2
reverse = true
text = { en = "I work alone.", nl = "Ik werk alleen." }

[[factors]]
key = "values"
code = "VAL"
group = "values"

[[factors.items]]
number = 1
text = { en = "I like serving customers." }

[[open]]
key = "improve"
text = { en = "What should change?", nl = "Wat moet er veranderen?" }
"""


def load(tmp_path, text: str):
    path = tmp_path / "staff.toml"
    path.write_text(text, encoding="utf-8")
    return load_instrument(path)


def test_a_file_with_factors_and_an_open_question(tmp_path):
    staff = load(tmp_path, FILE)
    assert staff.audience == "employee"
    teamwork, values = staff.factors
    assert (teamwork.gap, teamwork.group, values.gap, values.group) == (3, None, None, "values")
    assert teamwork.columns == ["TW1", "TW2"] and teamwork.reverse_columns == ["TW2"]
    assert values.name == {"en": "values"}  # the key, when no name is given
    assert values.items[0].text("nl") == "I like serving customers."  # falls back to English
    assert staff.factor_columns == ["TW1", "TW2", "VAL1"]
    assert staff.file_columns == ["P1", "TW1", "TW2", "VAL1", "OPEN_IMPROVE"]
    assert load(tmp_path, FILE.replace('audience = "employee"\n', "")).audience == "customer"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('audience = "employee"', 'audience = "employees"'), "audience must be one of customer, manager, employee"),
        (('code = "TW"', 'code = "TW"\nscale = 5'), "factor has an unknown field 'scale'"),
        (("reverse = true", "reversed = true"), "factor teamwork item 2 has an unknown field 'reversed'"),
        (("reverse = true", 'reverse = "yes"'), "factor teamwork item 2: reverse must be true or false"),
        (('key = "improve"', 'key = "improve"\noptional = true'), "open question has an unknown field 'optional'"),
        (('code = "TW"', 'code = "tw"'), "factor 'teamwork' needs a lower-case key and a code of 2 to 4 letters A-Z"),
        (('code = "TW"', 'code = "T"'), "factor 'teamwork' needs a lower-case key and a code of 2 to 4 letters A-Z"),
        (('code = "TW"', 'code = "TEAMW"'), "code of 2 to 4 letters A-Z"),
        (('code = "TW"', 'code = "T2"'), "code of 2 to 4 letters A-Z"),
        (('key = "teamwork"', 'key = "Teamwork"'), "factor 'Teamwork' needs a lower-case key"),
        (('code = "TW"', 'code = "WT"'), "factor teamwork: the readers would take column WT1 for an answer"),
        (('code = "TW"', 'code = "PSQ"'), "factor teamwork: the readers would take column PSQ1 for an answer"),
        (('code = "VAL"', 'code = "TW"'), "factor codes must be unique (TW is used twice)"),
        (('key = "values"', 'key = "teamwork"'), "factor keys must be unique (teamwork is used twice)"),
        (("gap = 3", "gap = 5"), "factor teamwork: gap must be 1, 2, 3 or 4 (got 5)"),
        (("gap = 3", "gap = 0"), "factor teamwork: gap must be 1, 2, 3 or 4 (got 0)"),
        (("gap = 3", 'gap = "3"'), "factor teamwork: gap must be 1, 2, 3 or 4 (got '3')"),
        (("gap = 3", "gap = 3.0"), "factor teamwork: gap must be 1, 2, 3 or 4 (got 3.0)"),
        (("gap = 3", "gap = true"), "factor teamwork: gap must be 1, 2, 3 or 4 (got True)"),
        (("gap = 3", 'gap = 3\ngroup = "values"'), 'factor teamwork needs either a gap (1 to 4) or group = "values"'),
        (("gap = 3\n", ""), 'factor teamwork needs either a gap (1 to 4) or group = "values"'),
        (('group = "values"', 'group = "norms"'), "factor values: group must be one of values (got 'norms')"),
        (
            ('text = { en = "We help each other.", nl = "We helpen elkaar." }', "text = {}"),
            "factor teamwork item 1 needs a text",
        ),
        (
            ('text = { en = "We help each other.", nl = "We helpen elkaar." }', 'text = { de = "Wir helfen" }'),
            "factor teamwork item 1 has an empty or unknown-language text (de)",
        ),
        (
            ('text = { en = "We help each other.", nl = "We helpen elkaar." }', 'text = { en = "", nl = "Samen" }'),
            "factor teamwork item 1 has an empty or unknown-language text (en)",
        ),
        (
            ('text = { en = "We help each other.", nl = "We helpen elkaar." }\n', ""),
            "factor teamwork item 1 needs a text",
        ),
        (('name = { en = "Teamwork", nl = "Samenwerking" }', 'name = { fr = "Équipe" }'), "factor teamwork name has"),
        (("number = 2\nreverse", "number = 1\nreverse"), "factor teamwork: item numbers must be unique"),
        (
            ("number = 2\nreverse", "number = 0\nreverse"),
            "factor teamwork: every item needs a whole number >= 1 (got 0)",
        ),
        (
            ('[[factors.items]]\nnumber = 1\ntext = { en = "I like', '[[open]]\nkey = "x"\ntext = { en = "I like'),
            "factor values has no items",
        ),
        (('key = "improve"', 'key = "Improve"'), "open question 'Improve' needs a lower-case key"),
        (
            ('text = { en = "What should change?", nl = "Wat moet er veranderen?" }', "text = {}"),
            "open question improve needs a text",
        ),
        (
            (
                'text = { en = "What should change?", nl = "Wat moet er veranderen?" }',
                'text = "What?"\n[[open]]\nkey = "improve"\ntext = "Why?"',
            ),
            "open question keys must be unique",
        ),
        (('{service}.", nl', '{firm}.", nl'), "uses {firm}; the only placeholder is {service}"),
    ],
)
def test_a_broken_factor_or_open_question_is_refused_naming_the_file_and_the_fault(tmp_path, change, message):
    assert change[0] in FILE
    with pytest.raises(ServqualError) as caught:
        load(tmp_path, FILE.replace(*change, 1))
    assert str(caught.value).startswith("staff.toml: ")
    assert message in str(caught.value)


def test_factors_that_are_not_a_list_of_tables_are_refused(tmp_path):
    with pytest.raises(ServqualError, match=r"staff\.toml: factors must be a list of tables"):
        load(tmp_path, 'factors = "TW"\n' + FILE.split("[[factors]]")[0])


def test_a_refusal_is_in_dutch_too(tmp_path):
    with pytest.raises(ServqualError) as caught:
        load(tmp_path, FILE.replace("gap = 3", "gap = 7"))
    from servqual.i18n import translator

    assert caught.value.render(translator("nl")) == "staff.toml: factor teamwork: gap moet 1, 2, 3 of 4 zijn (niet 7)"


# --- servqual instruments ------------------------------------------------------------------


def test_the_list_gives_every_instrument_with_its_audience():
    listed = json.loads(servqual("instruments", "--format", "json").stdout)
    assert {i["key"]: i["audience"] for i in listed} == {
        "servperf": "customer",
        "servqual-22": "customer",
        "servqual-22-1988": "customer",
        "servqual-3col": "customer",
        "servqual-employees": "employee",
        "servqual-managers": "manager",
    }
    assert {i["key"]: (i["factors"], i["open"]) for i in listed}["servqual-employees"] == (10, 1)


def test_an_instruments_json_gives_what_a_program_needs_to_write_a_file_for_it():
    data = json.loads(servqual("instruments", "servqual-employees", "--format", "json").stdout)
    assert data["audience"] == "employee" and data["sections"] == ["perception"]
    conflict = next(f for f in data["factors"] if f["key"] == "role_conflict")
    assert conflict["gap"] == 3 and conflict["group"] is None and conflict["code"] == "RC"
    assert conflict["columns"] == ["RC1", "RC2", "RC3", "RC4"]
    assert conflict["reverse_columns"] == ["RC1", "RC2", "RC3"]
    assert conflict["items"][0] == {
        "number": 1,
        "column": "RC1",
        "reverse": True,
        "text": {
            "en": "What customers want and what the organisation asks of me often clash.",
            "nl": "Wat klanten willen en wat de organisatie van mij vraagt, botst vaak.",
        },
    }
    values = next(f for f in data["factors"] if f["group"] == "values")
    assert values["gap"] is None and values["key"] == "customer_orientation"
    assert data["open"] == [
        {
            "key": "improve",
            "column": "OPEN_IMPROVE",
            "text": {
                "en": "What would most improve the service for our customers?",
                "nl": "Wat zou de service voor onze klanten het meest verbeteren?",
            },
        }
    ]
    assert data["columns"] == load_instrument("servqual-employees").file_columns
    assert json.loads(servqual("instruments", "servqual-22", "--format", "json").stdout)["factors"] == []


def test_the_text_shows_the_factors_with_reverse_marks_in_english_and_dutch():
    english = servqual("instruments", "servqual-employees", "--service", "Acme").stdout
    assert "Answered by: employees" in english
    assert "PERCEPTIONS, AS EMPLOYEES SEE THE SERVICE" in english
    assert (
        "  Gap 3: Role conflict\n    RC1. What customers want and what the organisation asks of me often clash. (R)\n"
        in (english)
    )
    assert "    RC4. I can do my work without having to choose between the customer and the rules.\n" in english
    assert "  Customer-orientation values: Customer orientation\n    CO1. I like helping customers.\n" in english
    assert english.endswith("OPEN QUESTIONS\n  OPEN_IMPROVE. What would most improve the service for our customers?\n")
    dutch = servqual("instruments", "servqual-managers", "--lang", "nl").stdout
    assert "Ingevuld door: managers" in dutch
    assert "VERWACHTINGEN VAN KLANTEN, ZOALS MANAGERS ZE INSCHATTEN" in dutch
    assert "FACTOREN\n  Kloof 1: Klantonderzoek\n" in dutch
    layers = "Tussen de medewerkers met klantcontact en de top van deze organisatie zitten veel managementlagen."
    assert f"    ML1. {layers} (R)\n" in dutch


def _factor_answers(responses) -> dict[str, list[float | None]]:
    return {
        column: responses.table[column].cast(pl.Float64).to_list() for column in responses.instrument.factor_columns
    }


def test_every_reader_and_the_mapping_file_read_an_employees_file_alike(tmp_path):
    """An employees' file saved as CSV, XLSX, SPSS and Parquet, and one with headers of its
    own named in a mapping file, give the same factor answers, perceptions and branches."""
    import pandas as pd
    import pyreadstat

    frame = pl.read_csv(DATA / "employees150.csv", infer_schema_length=None).drop("OPEN_IMPROVE")
    expected = read_responses(frame, "servqual-employees", progress=False)
    paths = {"csv": tmp_path / "staff.csv", "xlsx": tmp_path / "staff.xlsx", "parquet": tmp_path / "staff.parquet"}
    frame.write_csv(paths["csv"])
    frame.to_pandas().to_excel(paths["xlsx"], index=False)  # openpyxl, as people's spreadsheets are written
    frame.write_parquet(paths["parquet"])
    paths["sav"] = tmp_path / "staff.sav"
    pyreadstat.write_sav(pd.DataFrame(frame.to_pandas()), str(paths["sav"]))
    renamed = {f"TW{i}": f"Teamwork statement {i}" for i in range(1, 5)} | {"P5": "Service: promises kept"}
    paths["mapped"] = tmp_path / "staff-own-headers.csv"
    frame.rename(renamed).write_csv(paths["mapped"])
    mapping = tmp_path / "staff.mapping.toml"
    mapping.write_text("[columns]\n" + "".join(f'"{header}" = "{name}"\n' for name, header in renamed.items()))
    for kind, path in paths.items():
        read = read_responses(path, "servqual-employees", mapping=mapping if kind == "mapped" else None, progress=False)
        assert read.report.rows_used == 150, kind
        assert _factor_answers(read) == _factor_answers(expected), kind
        assert read.table["P5"].cast(pl.Float64).to_list() == expected.table["P5"].cast(pl.Float64).to_list(), kind
        assert read.attributes["branch"].to_list() == expected.attributes["branch"].to_list(), kind


def test_an_employees_file_goes_round_through_to_frame_with_its_factor_answers():
    read = read_responses(DATA / "employees150.csv", "servqual-employees", progress=False)
    frame = read.to_frame()
    assert "TW1" in frame.columns and "OPEN_IMPROVE" not in frame.columns  # open text stays apart
    again = read_responses(frame, "servqual-employees", progress=False)
    assert _factor_answers(again) == _factor_answers(read)
