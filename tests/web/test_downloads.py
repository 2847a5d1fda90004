"""The report and the exports of a wave: the command line's code, behind the results right."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from pypdf import PdfReader
from synthetic import fill

import servqual
from servqual.i18n import number


def test_the_pdf_report_holds_the_waves_gap(client, people, wave):
    responses = fill(wave, 80)
    gap = servqual.analyze(responses, segments=["branch"]).dimensions["reliability"].scores["gap"].mean
    client.force_login(people["mona"])
    response = client.get(f"/waves/{wave.pk}/results/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="klantonderzoek-2026-1-report.pdf"'
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert number(gap, "en") in text and "Klantonderzoek: 2026-1" in text


def test_the_html_report_opens_in_the_browser_with_nothing_but_its_own_styles(client, people, wave):
    fill(wave, 20)
    client.force_login(people["carl"])
    response = client.get(f"/waves/{wave.pk}/results/report.html", headers={"accept-language": "nl"})
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="klantonderzoek-2026-1-report.html"'
    policy = dict(part.strip().partition(" ")[::2] for part in response["Content-Security-Policy"].split(";"))
    assert policy == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "img-src": "data:",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
        "sandbox": "",
    }
    html = response.content.decode()
    assert "<h2>Managementsamenvatting</h2>" in html and "<script" not in html


def test_a_dutch_user_gets_a_dutch_workbook(client, people, wave):
    fill(wave, 30)
    client.force_login(people["alice"])
    response = client.get(f"/waves/{wave.pk}/results/export.xlsx", headers={"accept-language": "nl"})
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["items", "dimensies", "antwoorden"]
    assert next(iter(workbook["dimensies"].values))[:2] == ("dimensie", "onderdeel")


def test_a_manager_gets_the_tables_without_the_raw_rows(client, people, wave):
    fill(wave, 30)
    client.force_login(people["mona"])
    response = client.get(f"/waves/{wave.pk}/results/export.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["items", "dimensions"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/waves/{wave.pk}/results/export-sav.zip").content))
    assert archive.namelist() == ["items.sav", "dimensions.sav"]


def test_who_sets_up_studies_gets_the_raw_rows_with_small_groups_left_empty(client, people, wave):
    responses = fill(wave, 40, seed=5)
    branches = responses.attributes["branch"].value_counts()
    small = {row["branch"] for row in branches.iter_rows(named=True) if row["count"] < 5}
    assert small  # the seed gives a branch under the threshold
    client.force_login(people["alice"])
    response = client.get(f"/waves/{wave.pk}/results/export-csv.zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    assert archive.namelist() == ["items.csv", "dimensions.csv", "responses.csv"]
    rows = archive.read("responses.csv").decode().splitlines()
    assert len(rows) == 41
    shown = {line.split(",")[0] for line in rows[1:]}
    assert not shown & small and "" in shown


def test_downloads_of_another_organisation_or_for_a_viewer_are_not_found(client, people, wave):
    fill(wave, 10)
    for name in ("bob", "vera"):
        client.force_login(people[name])
        for download in ("report.pdf", "export.xlsx", "export-csv.zip"):
            assert client.get(f"/waves/{wave.pk}/results/{download}").status_code == 404
    client.force_login(people["alice"])
    assert client.get(f"/waves/{wave.pk}/results/export.exe").status_code == 404
