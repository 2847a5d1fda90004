"""The report and the exports over the API: the dashboard's downloads, by the same code,
with the same rule that only who sets up studies gets the raw rows."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pyreadstat
import pytest
from pypdf import PdfReader
from synthetic import fill

from servqual.i18n import number

DOWNLOADS = ["report.html", "report.pdf", "export.xlsx", "export-csv.zip", "export-sav.zip"]


def get(client, path: str, token: str, **headers):
    headers["authorization"] = f"Bearer {token}"
    return client.get(path, headers=headers)


def gap(client, wave, token: str, dimension: str = "reliability") -> float:
    return get(client, f"/api/waves/{wave.pk}/results", token).json()["dimensions"][dimension]["gap"]["mean"]


def sav(archive: zipfile.ZipFile, name: str, tmp_path) -> pd.DataFrame:
    path = tmp_path / name
    path.write_bytes(archive.read(name))
    frame, _meta = pyreadstat.read_sav(str(path))
    return frame


def test_the_html_report_holds_the_gap_the_results_give(client, wave, token_for):
    fill(wave, 60)
    token = token_for("mona")
    response = get(client, f"/api/waves/{wave.pk}/report.html", token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="klantonderzoek-2026-1-report.html"'
    html = response.content.decode()
    assert number(gap(client, wave, token), "en") in html and "Klantonderzoek: 2026-1" in html
    dutch = get(client, f"/api/waves/{wave.pk}/report.html", token, **{"accept-language": "nl"}).content.decode()
    assert "<h2>Managementsamenvatting</h2>" in dutch and number(gap(client, wave, token), "nl") in dutch


def test_the_pdf_report_holds_the_gap_the_results_give(client, wave, token_for):
    fill(wave, 60)
    token = token_for("carl")
    response = get(client, f"/api/waves/{wave.pk}/report.pdf", token)
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert number(gap(client, wave, token), "en") in text and "Klantonderzoek: 2026-1" in text


def test_the_csv_export_is_the_dashboards_with_the_raw_rows_for_who_sets_up(client, people, wave, token_for):
    responses = fill(wave, 40, seed=5)
    token = token_for("carl")
    response = get(client, f"/api/waves/{wave.pk}/export-csv.zip", token)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    assert archive.namelist() == ["items.csv", "dimensions.csv", "responses.csv"]
    dimensions = pd.read_csv(io.BytesIO(archive.read("dimensions.csv")))
    row = dimensions[(dimensions["dimension"] == "reliability") & (dimensions["section"] == "gap")]
    assert row["mean"].item() == pytest.approx(gap(client, wave, token), abs=1e-12)
    rows = pd.read_csv(io.BytesIO(archive.read("responses.csv")))
    assert len(rows) == 40 and rows["P1"].sum() == responses.to_frame()["P1"].sum()
    # small branches are left empty, as in the dashboard's download
    sizes = responses.attributes["branch"].value_counts()
    small = {r["branch"] for r in sizes.iter_rows(named=True) if r["count"] < 5}
    assert small and not set(rows["branch"].dropna()) & small
    client.force_login(people["carl"])
    page = zipfile.ZipFile(io.BytesIO(client.get(f"/waves/{wave.pk}/results/export-csv.zip").getvalue()))
    for name in archive.namelist():
        assert archive.read(name) == page.read(name)


def test_the_sav_export_reads_back_with_the_right_columns_and_numbers(client, wave, token_for, tmp_path):
    responses = fill(wave, 30)
    token = token_for("alice")
    archive = zipfile.ZipFile(io.BytesIO(get(client, f"/api/waves/{wave.pk}/export-sav.zip", token).content))
    assert archive.namelist() == ["items.sav", "dimensions.sav", "responses.sav"]
    rows = sav(archive, "responses.sav", tmp_path)
    expected = responses.to_frame()
    for column in ["E1", "P1", "E22", "P22", "G1"]:
        assert column in rows.columns
    assert len(rows) == 30
    # the same answers, in an order of their own (not that in which they came in)
    assert sorted(rows["E5"].fillna(0)) == pytest.approx(sorted(expected["E5"].fillna(0)))
    assert rows["G1"].tolist() == pytest.approx((rows["P1"] - rows["E1"]).tolist(), nan_ok=True)
    dimensions = sav(archive, "dimensions.sav", tmp_path)
    row = dimensions[(dimensions["dimension"] == "empathy") & (dimensions["section"] == "gap")]
    assert row["mean"].item() == pytest.approx(gap(client, wave, token, "empathy"), abs=1e-9)
    items = sav(archive, "items.sav", tmp_path)
    assert len(items) == 22 and "gap_mean" in items.columns


@pytest.mark.parametrize("name", ["export.xlsx", "export-csv.zip", "export-sav.zip"])
def test_a_manager_gets_the_exports_without_the_raw_rows(client, wave, token_for, name):
    fill(wave, 30)
    response = get(client, f"/api/waves/{wave.pk}/{name}", token_for("mona"))
    assert response.status_code == 200
    if name.endswith(".zip"):
        assert not [n for n in zipfile.ZipFile(io.BytesIO(response.getvalue())).namelist() if n.startswith("responses")]
    else:
        from openpyxl import load_workbook

        assert load_workbook(io.BytesIO(response.content), read_only=True).sheetnames == ["items", "dimensions"]


def test_a_viewer_or_another_organisation_gets_no_download(client, people, wave, globex, study_for, token_for):
    fill(wave, 10)
    other = study_for(globex).waves.get()
    fill(other, 10)
    for name in DOWNLOADS:
        assert get(client, f"/api/waves/{wave.pk}/{name}", token_for("vera")).status_code == 404, name
        assert get(client, f"/api/waves/{other.pk}/{name}", token_for("alice")).status_code == 404, name
    client.force_login(people["vera"])
    assert client.get(f"/waves/{wave.pk}/results/report.html").status_code == 404


def test_below_the_threshold_there_is_nothing_to_download(client, wave, token_for):
    fill(wave, 4)
    for name in DOWNLOADS:
        response = get(client, f"/api/waves/{wave.pk}/{name}", token_for("alice"))
        assert response.status_code == 409, name
        assert response.json()["detail"].startswith("Too few completed responses")
