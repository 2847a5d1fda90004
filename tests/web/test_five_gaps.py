"""All five gaps on the web (issue 14, points 4, 5 and 7): the study's customer processes,
the diagnosis of a wave from the customers', managers' and employees' responses in its
results, on the results page, in the PDF, in the API and in the exports."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from pathlib import Path

import openpyxl
import pypdf
import pytest
from staff import staff
from synthetic import fill
from test_study_edit import settings_form

from servqual.analysis import diagnose
from servqual.report.charts import LEVEL_COLOURS
from servqual.web.dashboards.results import wave_analysis, wave_diagnosis, wave_report
from servqual.web.dashboards.tasks import queue_report
from servqual.web.studies.models import Study, default_processes_text
from servqual.web.surveys.models import Response
from servqual.web.surveys.responses import response_set

CSS = Path(__file__).parents[2] / "src/servqual/web/static/servqual/servqual.css"
#: A processes file of a study's own: two processes, one naming an employees' factor.
OWN_PROCESSES = """
[[processes]]
key = "counter"
name = { en = "At the counter", nl = "Aan de balie" }
owner = { en = "Head of branches", nl = "Hoofd vestigingen" }
items = [10, 11, 12]
factors = ["teamwork"]

[[processes]]
key = "bills"
name = "Bills"
items = [5, 9]
"""
#: The same with an item the customers' instrument does not have.
UNKNOWN_ITEM = OWN_PROCESSES.replace("[5, 9]", "[5, 23]")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_tables(archive: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {
            name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(opened.read(name).decode(), newline="")))
            for name in opened.namelist()
        }


def nan_none(value: float) -> float | None:
    return None if value != value else value


@pytest.fixture
def gaps_wave(wave):
    """A wave with 60 customers, 10 employees (6 in Utrecht, 4 in Zwolle) and 5 managers
    in Utrecht, all let in (k = 5)."""
    fill(wave, 60)
    staff(wave, "employee", {"Utrecht": 6, "Zwolle": 4})
    staff(wave, "manager", {"Utrecht": 5}, seed=2, shift=0.5)
    return wave


# -- processes per study -------------------------------------------------------------------


def test_a_study_on_the_built_in_instruments_has_the_built_in_processes(study):
    assert [p.key for p in study.processes()] == ["orientation", "request", "delivery", "service", "invoicing"]
    assert study.processes()[0].owner == {"en": "Marketing manager", "nl": "Marketingmanager"}
    assert "[[processes]]" in default_processes_text()


def test_a_study_with_an_instrument_file_of_its_own_has_no_processes_unless_given(study):
    study.instrument_file = (Path(__file__).parents[2] / "src/servqual/instruments/data/servqual-22.toml").read_text()
    assert study.processes() == ()
    study.processes_file = OWN_PROCESSES
    assert [p.key for p in study.processes()] == ["counter", "bills"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "processes.toml: process bills: item 23 is not an item of the customers' instrument"),
        ("nl", "processes.toml: proces bills: item 23 is geen item van het instrument van de klanten"),
    ],
)
def test_a_processes_file_with_an_unknown_item_is_refused_naming_the_process(client, people, study, lang, message):
    client.force_login(people["carl"])
    refused = client.post(
        f"/studies/{study.pk}/edit/", settings_form(study, processes_file=UNKNOWN_ITEM), HTTP_ACCEPT_LANGUAGE=lang
    )
    assert refused.status_code == 200
    page = refused.content.decode().replace("&#x27;", "'")
    assert message in page, re.findall(r'class="error">([^<]*)', page)
    study.refresh_from_db()
    assert study.processes_file == ""


def test_a_processes_file_that_is_not_toml_is_refused_naming_the_line(client, people, study):
    client.force_login(people["carl"])
    refused = client.post(f"/studies/{study.pk}/edit/", settings_form(study, processes_file="[[processes]]\nkey = = 1"))
    assert (
        "processes.toml: not a valid processes file (Invalid value (at line 2, column 7))" in refused.content.decode()
    )


def test_the_study_settings_set_the_processes_and_the_study_page_shows_them_with_owners(client, people, study):
    client.force_login(people["carl"])
    form = client.get(f"/studies/{study.pk}/edit/").content.decode()
    assert 'name="processes_file"' in form and "docs/instruments.md#processes" in form
    assert "Marketing manager" in form  # the built-in example, as a starting point
    saved = client.post(
        f"/studies/{study.pk}/edit/", settings_form(study, processes_file=OWN_PROCESSES.replace("\n", "\r\n"))
    )
    assert saved.status_code == 302
    study.refresh_from_db()
    assert study.processes_file == OWN_PROCESSES.strip()
    page = client.get(f"/studies/{study.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Klantprocessen" in page
    assert re.search(r"<th scope=\"row\">Aan de balie</th><td>Hoofd vestigingen</td><td[^>]*>3</td>", page)
    assert re.search(r"<th scope=\"row\">Bills</th><td>–</td>", page)


def test_a_settings_form_without_the_new_fields_keeps_them(client, people, study):
    study.processes_file = OWN_PROCESSES
    study.employee_instrument_key = "servqual-employees"
    study.save()
    client.force_login(people["carl"])
    data = settings_form(study, name="Anders")  # an older form: no processes, no instruments
    assert client.post(f"/studies/{study.pk}/edit/", data).status_code == 302
    study.refresh_from_db()
    assert study.name == "Anders" and study.processes_file == OWN_PROCESSES


def test_the_employees_instrument_is_on_the_settings_until_they_have_answered(client, people, study, wave):
    client.force_login(people["carl"])
    form = client.get(f"/studies/{study.pk}/edit/").content.decode()
    assert 'name="manager_instrument_key"' in form and 'name="employee_instrument_key"' in form
    staff(wave, "employee", {"Utrecht": 1})
    study.employee_instrument_key = "servqual-managers"  # a key the field does not offer: refused
    refused = client.post(
        f"/studies/{study.pk}/edit/", settings_form(study, employee_instrument_key="servqual-managers")
    )
    assert refused.status_code == 200 and "servqual-managers" in refused.content.decode()
    assert Study.objects.get(pk=study.pk).employee_instrument_key == "servqual-employees"


def test_the_api_gives_and_takes_the_processes_file(client, study, token_for):
    token = token_for("carl")
    auth = {"authorization": f"Bearer {token}"}
    got = client.get(f"/api/studies/{study.pk}", headers=auth).json()
    assert got["processes_file"] == "" and [p["key"] for p in got["processes"]][:2] == ["orientation", "request"]
    changed = client.patch(
        f"/api/studies/{study.pk}", {"processes_file": OWN_PROCESSES}, content_type="application/json", headers=auth
    )
    assert changed.status_code == 200, changed.content
    assert [p["key"] for p in changed.json()["processes"]] == ["counter", "bills"]
    assert changed.json()["processes"][0]["owner"] == {"en": "Head of branches", "nl": "Hoofd vestigingen"}
    refused = client.patch(
        f"/api/studies/{study.pk}",
        {"processes_file": UNKNOWN_ITEM},
        content_type="application/json",
        headers=auth | {"accept-language": "nl"},
    )
    assert refused.status_code == 400
    assert "proces bills: item 23" in refused.json()["errors"]["processes_file"][0]
    cleared = client.patch(
        f"/api/studies/{study.pk}", {"processes_file": None}, content_type="application/json", headers=auth
    )
    assert cleared.json()["processes_file"] == "" and len(cleared.json()["processes"]) == 5


# -- the diagnosis of a wave ----------------------------------------------------------------


def test_the_diagnosis_is_that_of_the_analysis_on_the_responses_in_the_results(gaps_wave):
    wave = gaps_wave
    diagnosis = wave_diagnosis(wave)
    assert diagnosis is not None and diagnosis.audiences == ("customer", "manager", "employee")
    expected = diagnose(
        response_set(wave, in_results=True),
        wave_analysis(wave).result,
        response_set(wave, "manager", in_results=True),
        response_set(wave, "employee", in_results=True),
        units=["branch"],
        processes=wave.study.processes(),
        min_group=5,
    )
    assert json.dumps(diagnosis.to_dict()) == json.dumps(expected.to_dict())
    assert [g.size.level is not None for g in diagnosis.gaps] == [True, True, True, True, True]
    # 6 employees in Utrecht, 4 in Zwolle: both hidden per unit (Zwolle under k, Utrecht so
    # that Zwolle does not follow from the total)
    employees = diagnosis.units["branch"].employees
    assert {g.value: g.suppressed for g in employees.groups} == {"Utrecht": True, "Zwolle": True}
    assert all(math.isnan(s.mean) for g in employees.groups for s in g.dimensions.values())


def test_no_diagnosis_without_managers_and_employees_in_the_results(wave):
    fill(wave, 30)
    staff(wave, "employee", {"Utrecht": 4})  # fewer than a step: none let in
    assert wave_diagnosis(wave) is None
    assert Response.objects.filter(audience="employee", in_results=True).count() == 0


def test_the_cached_diagnosis_changes_exactly_when_a_step_of_employees_is_let_in(wave):
    fill(wave, 30)
    staff(wave, "employee", {"Utrecht": 5})
    first = wave_diagnosis(wave)
    assert first.gap(3).factors[0].figures.n == 5
    staff(wave, "employee", {"Utrecht": 4}, seed=3)
    assert wave_diagnosis(wave).gap(3).factors[0].figures.n == 5  # four wait: not a step
    staff(wave, "employee", {"Zwolle": 1}, seed=4)
    assert wave_diagnosis(wave).gap(3).factors[0].figures.n == 10


# -- the results page and the report --------------------------------------------------------


def test_the_analyst_sees_the_five_gaps_and_management_their_picture(client, people, gaps_wave):
    wave = gaps_wave
    client.force_login(people["mona"])
    analyst = client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()
    assert re.findall(r'<section id="(\w+)">', analyst)[0] == "gaps"
    section = analyst.split('<section id="gaps">')[1].split("</section>")[0]
    assert "The five gaps" in section and "The gaps per customer process" in section
    assert re.findall(r'<h3 id="(gap-\d)">', section) == ["gap-1", "gap-2", "gap-3", "gap-4", "gap-5"]
    processes = section.split('<table id="processes">')[1].split("</table>")[0]
    levels = re.findall(r'<td class="number level level-(small|medium|large|unmeasured)">', processes)
    assert len(levels) == 5 * 5  # per process, per gap
    diagnosis = wave_diagnosis(wave)
    assert levels[:5] == [s.level or "unmeasured" for s in diagnosis.processes[0].sizes]
    assert "style=" not in section.replace('font-style="', "")  # the policy allows no inline styles
    management = client.get(f"/waves/{wave.pk}/results/").content.decode()
    assert re.findall(r'<section id="(\w+)">', management) == ["summary", "gaps", "cautions", "segments"]
    picture = management.split('<section id="gaps">')[1].split("</section>")[0]
    assert "<svg" in picture and "processes" not in picture
    assert f'href="/waves/{wave.pk}/results/analysis/#gap-1"' in picture
    assert f'<a href="/waves/{wave.pk}/results/analysis/#gaps">' in management


def test_the_five_gaps_speak_dutch(client, people, gaps_wave):
    client.force_login(people["mona"])
    page = client.get(f"/waves/{gaps_wave.pk}/results/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "De vijf kloven" in page and "in de weergave voor de analist" in page


def test_without_managers_and_employees_there_is_no_gaps_section(client, people, wave):
    fill(wave, 30)
    client.force_login(people["mona"])
    assert '<section id="gaps">' not in client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()


def test_the_pdf_report_holds_the_five_gaps(people, gaps_wave):
    report = wave_report(gaps_wave, "en")
    assert [s["id"] for s in report["sections"]][:3] == ["summary", "cautions", "gaps"]
    prepared = queue_report(gaps_wave, "en", people["mona"])  # the tests' task backend runs it at once

    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(bytes(prepared.content))).pages)
    assert "The five gaps" in text and "The gaps per customer process" in " ".join(text.split())


def test_the_css_tints_a_level_as_the_report_does():
    css = CSS.read_text()
    for level, (_stroke, fill_colour) in LEVEL_COLOURS.items():
        assert f"td.level-{level or 'unmeasured'} {{ background: {fill_colour}; }}" in css


# -- the API -----------------------------------------------------------------------------------


def test_the_api_gives_the_five_gaps_as_the_analysis_does(client, gaps_wave, token_for):
    answer = client.get(f"/api/waves/{gaps_wave.pk}/gaps", headers={"authorization": f"Bearer {token_for('mona')}"})
    assert answer.status_code == 200
    got = answer.json()
    expected = wave_diagnosis(gaps_wave).to_dict()
    assert got["audiences"] == ["customer", "manager", "employee"] and got["min_group"] == 5
    assert got["gap3"]["index"] == pytest.approx(expected["gap3"]["index"])
    assert got["gap1"]["level"] == expected["gap1"]["level"] and got["gap1"]["basis"] == "prediction"
    hidden = got["units"]["branch"]["employees"]["groups"]
    assert hidden == [{"value": v, "suppressed": True} for v in ("Utrecht", "Zwolle")]
    relations = got["units"]["branch"]["relations"]
    assert relations and all(r["r"] is None for r in relations)  # NaN as null: too few units
    assert [p["key"] for p in got["processes"]] == ["orientation", "request", "delivery", "service", "invoicing"]


@pytest.mark.parametrize("operation", ["results", "gaps"])
def test_the_apis_figures_are_strict_json_with_null_for_an_undefined_number(client, wave, token_for, operation):
    fill(wave, 6)  # five let in: some figures undefined
    staff(wave, "employee", {"Utrecht": 5})
    answer = client.get(f"/api/waves/{wave.pk}/{operation}", headers={"authorization": f"Bearer {token_for('mona')}"})
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "null" in text
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))


def test_the_api_says_409_without_staff_or_below_the_threshold(client, wave, token_for):
    auth = {"authorization": f"Bearer {token_for('mona')}"}
    fill(wave, 4)
    assert client.get(f"/api/waves/{wave.pk}/gaps", headers=auth).status_code == 409
    fill(wave, 10, seed=2)
    answer = client.get(f"/api/waves/{wave.pk}/gaps", headers=auth | {"accept-language": "nl"})
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith("Nog geen managers of medewerkers in de resultaten")


def test_the_api_finds_no_wave_of_another_organisation(client, globex, study_for, token_for):
    other = study_for(globex).waves.get()
    fill(other, 30)
    staff(other, "employee", {"Utrecht": 5})
    assert (
        client.get(f"/api/waves/{other.pk}/gaps", headers={"authorization": f"Bearer {token_for('alice')}"}).status_code
        == 404
    )


# -- the exports -------------------------------------------------------------------------------


def test_the_csv_export_holds_the_gaps_table_and_the_staffs_rows_without_open_answers(client, people, gaps_wave):
    client.force_login(people["alice"])
    tables = csv_tables(body(client.get(f"/waves/{gaps_wave.pk}/results/export-csv.zip")))
    assert set(tables) == {"items", "dimensions", "responses", "gaps", "manager_responses", "employee_responses"}
    diagnosis = wave_diagnosis(gaps_wave)
    gaps = tables["gaps"]
    assert [row["gap"] for row in gaps if not row["factor"]] == ["1", "2", "3", "4", "5"]
    gap3 = next(row for row in gaps if row["gap"] == "3" and not row["factor"])
    assert float(gap3["index"]) == pytest.approx(diagnosis.gap(3).size.index)
    assert gap3["level"] == diagnosis.gap(3).size.level and gap3["basis"] == "factors"
    teamwork = next(row for row in gaps if row["factor"] == "teamwork")
    score = next(f for f in diagnosis.gap(3).factors if f.key == "teamwork")
    assert teamwork["audience"] == "employee" and int(teamwork["n"]) == 10
    assert float(teamwork["mean"]) == pytest.approx(score.figures.mean)
    assert float(teamwork["ci95_low"]) == pytest.approx(score.ci95[0])
    assert teamwork["alpha"] == "" and math.isnan(score.reliability.alpha)  # not shown below 30 respondents
    assert next(row for row in gaps if row["factor"] == "customer_orientation")["gap"] == ""
    employees = tables["employee_responses"]
    assert len(employees) == 10 and not any(c.startswith("OPEN") for c in employees[0])
    assert "zouden meer tijd willen" not in str(tables)  # the open answers are nowhere
    assert {row["branch"] for row in employees} == {""}  # both teams hidden per unit: no branch shown
    assert {"TW1", "P1"} <= set(employees[0])
    managers = tables["manager_responses"]
    assert len(managers) == 5 and {row["branch"] for row in managers} == {"Utrecht"} and "E1" in managers[0]


def test_the_workbook_has_the_gaps_and_the_staffs_sheets_in_dutch(client, people, gaps_wave):
    client.force_login(people["alice"])
    answer = client.get(f"/waves/{gaps_wave.pk}/results/export.xlsx", HTTP_ACCEPT_LANGUAGE="nl")
    book = openpyxl.load_workbook(io.BytesIO(body(answer)), read_only=True)
    assert book.sheetnames[-3:] == ["kloven", "managers", "medewerkers"]
    header = next(book["kloven"].iter_rows(values_only=True))
    assert header[:6] == ("kloof", "factor", "doelgroep", "grootte (0-100)", "niveau", "berust op")


def test_who_may_not_see_raw_rows_gets_the_gaps_table_only(client, people, gaps_wave):
    client.force_login(people["mona"])
    tables = csv_tables(body(client.get(f"/waves/{gaps_wave.pk}/results/export-csv.zip")))
    assert set(tables) == {"items", "dimensions", "gaps"}


def test_the_spss_export_holds_the_gaps_and_the_staffs_files(client, people, gaps_wave):
    client.force_login(people["alice"])
    with zipfile.ZipFile(io.BytesIO(body(client.get(f"/waves/{gaps_wave.pk}/results/export-sav.zip")))) as archive:
        names = set(archive.namelist())
    assert {"gaps.sav", "manager_responses.sav", "employee_responses.sav"} <= names


# -- anonymity ---------------------------------------------------------------------------------


def test_a_team_of_employees_under_the_threshold_shows_no_figure_anywhere(client, people, wave, token_for):
    """Three employees in Zwolle and seven in Utrecht let in (k = 5; an eleventh waits):
    Zwolle's team is under k, and Utrecht's is hidden with it, else Zwolle's would follow
    from the total. Neither team shows on the page, in the API or in the raw rows."""
    fill(wave, 60)
    staff(wave, "employee", {"Zwolle": 3}, seed=5)
    staff(wave, "employee", {"Utrecht": 8}, seed=6)
    employees = wave_diagnosis(wave).units["branch"].employees
    assert {g.value: (g.n, g.suppressed) for g in employees.groups} == {"Zwolle": (None, True), "Utrecht": (None, True)}
    client.force_login(people["alice"])
    page = client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()
    section = page.split('<section id="gaps">')[1].split("</section>")[0]
    assert "from 10 respondents" in section  # the wave's employees together
    assert "Zwolle" not in section and "Utrecht" not in section
    auth = {"authorization": f"Bearer {token_for('alice')}"}
    api = client.get(f"/api/waves/{wave.pk}/gaps", headers=auth).json()
    groups = {g["value"]: g for g in api["units"]["branch"]["employees"]["groups"]}
    assert groups == {v: {"value": v, "suppressed": True} for v in ("Zwolle", "Utrecht")}  # no n, no figure
    assert not [c for c in api["units"]["branch"]["comparisons"] if c["audience"] == "employee"]
    tables = csv_tables(body(client.get(f"/waves/{wave.pk}/results/export-csv.zip")))
    assert len(tables["employee_responses"]) == 10
    assert {row["branch"] for row in tables["employee_responses"]} == {""}
    assert all(row["n"] in ("", "10") for row in tables["gaps"] if row["audience"] == "employee")


def test_a_branch_with_fewer_employees_than_k_is_hidden_with_enough_others(client, people, wave):
    """Zwolle has 2 employees, Utrecht 10, Ede 8 (k = 5, 20 let in): Zwolle is hidden, and
    with it the smallest other (Ede), so that the hidden ones hold 10; Utrecht shows, in
    the figures per unit and in the raw rows."""
    fill(wave, 60)
    staff(wave, "employee", {"Zwolle": 2, "Utrecht": 10, "Ede": 8})
    employees = wave_diagnosis(wave).units["branch"].employees
    assert {g.value: (g.n, g.suppressed) for g in employees.groups} == {
        "Zwolle": (None, True),
        "Utrecht": (10, False),
        "Ede": (None, True),
    }
    client.force_login(people["alice"])
    rows = csv_tables(body(client.get(f"/waves/{wave.pk}/results/export-csv.zip")))["employee_responses"]
    assert sorted(row["branch"] for row in rows) == [""] * 10 + ["Utrecht"] * 10


@pytest.mark.parametrize("name", ["alice", "carl", "mona", "vera"])
def test_each_role_reads_the_five_gaps_as_it_reads_the_results(client, people, gaps_wave, token_for, name):
    """Every role of the organisation: /gaps answers as /results does, and the results
    page shows the five gaps' section exactly to those it shows the results to."""
    auth = {"authorization": f"Bearer {token_for(name)}"}
    results = client.get(f"/api/waves/{gaps_wave.pk}/results", headers=auth).status_code
    assert client.get(f"/api/waves/{gaps_wave.pk}/gaps", headers=auth).status_code == results
    client.force_login(people[name])
    page = client.get(f"/waves/{gaps_wave.pk}/results/analysis/")
    assert (page.status_code == 200 and 'id="gaps"' in page.content.decode()) == (results == 200)
