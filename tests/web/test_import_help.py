"""The import page says which columns it reads, and offers templates that read back."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from servqual.web.surveys.models import Response


def test_the_import_page_lists_the_columns_in_the_users_language(client, people, wave):
    client.force_login(people["carl"])
    english = client.get(f"/waves/{wave.pk}/import/").content.decode()
    assert "<code>branch</code>" in english and "Utrecht, Zwolle" in english
    assert "<code>E1</code> *" in english and "<code>W_TAN</code>" in english
    assert "whole numbers from 1 to 7" in english
    dutch = client.get(f"/waves/{wave.pk}/import/", headers={"accept-language": "nl"}).content.decode()
    assert "Wat het bestand mag bevatten" in dutch and "Verwachtingen: " in dutch
    assert "hele getallen van 1 tot en met 7" in dutch and "Belang van Tastbare zaken" in dutch


def test_the_csv_template_has_every_column_and_reads_back(client, people, wave):
    client.force_login(people["carl"])
    response = client.get(f"/waves/{wave.pk}/import/template.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="klantonderzoek-import.csv"'
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    instrument = wave.study.instrument()
    assert header == [
        "respondent_id",
        "branch",
        *instrument.columns("expectation"),
        *instrument.columns("perception"),
        *instrument.importance_columns,
    ]
    # Filled in as a person would, it reads without a problem and saves.
    rows = [header] + [[str(i), "Utrecht" if i % 2 else "Zwolle"] + ["5"] * 44 + ["20"] * 5 for i in range(1, 7)]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    page = client.post(
        f"/waves/{wave.pk}/import/", {"file": SimpleUploadedFile("filled.csv", text.getvalue().encode())}, follow=True
    )
    assert "Rows used: 6" in page.content.decode()
    client.post(page.redirect_chain[-1][0])
    assert Response.objects.filter(wave=wave).count() == 6


def test_the_xlsx_template_explains_each_column_and_offers_the_segment_values(client, people, wave):
    client.force_login(people["alice"])
    response = client.get(f"/waves/{wave.pk}/import/template.xlsx", headers={"accept-language": "nl"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Antwoorden", "Kolommen"]
    answers = workbook["Antwoorden"]
    assert [c.value for c in answers[1]][:3] == ["respondent_id", "branch", "E1"]
    (choice,) = answers.data_validations.dataValidation
    assert choice.formula1 == '"Utrecht,Zwolle"'
    assert str(choice.sqref).startswith("B2")
    explained = list(workbook["Kolommen"].values)
    assert explained[0] == ("Kolom", "Wat erin staat", "Waarden", "Verplicht")
    e1 = next(row for row in explained if row[0] == "E1")
    assert e1[1].startswith("Verwachtingen: ") and e1[3] == "ja"
    # Filled in, the workbook reads back too.
    filled = Workbook()
    sheet = filled.active
    header = [c.value for c in answers[1]]
    sheet.append(header)
    for i in range(5):
        sheet.append([i + 1, "Utrecht"] + [6] * 44 + [20] * 5)
    buffer = io.BytesIO()
    filled.save(buffer)
    page = client.post(
        f"/waves/{wave.pk}/import/", {"file": SimpleUploadedFile("ingevuld.xlsx", buffer.getvalue())}, follow=True
    )
    assert "Rows used: 5" in page.content.decode()


def test_templates_are_for_those_who_import(client, people, wave):
    for name in ("mona", "vera", "bob"):
        client.force_login(people[name])
        assert client.get(f"/waves/{wave.pk}/import/template.csv").status_code == 404
    client.force_login(people["alice"])
    assert client.get(f"/waves/{wave.pk}/import/template.pdf").status_code == 404
