"""Respondents without a segment value: left out or a group of their own, a setting of the
study used by the results page, the report, the exports and the API (issue 13, point 4)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html import unescape

import pandas as pd
from synthetic import fill
from test_study_edit import settings_form

from servqual.analysis import SEGMENT_MISSING
from servqual.web.studies.models import SegmentMissing, Study
from servqual.web.surveys.models import Response

LEFT_OUT = "Respondents without a value for branch: left out of these groups and tests (12)."
A_GROUP = "Respondents without a value for branch form a group of their own, “(no value)”."


def without_branch(wave, n: int) -> None:
    """The first ``n`` responses of the wave lose their branch (a link that fixed none)."""
    Response.objects.filter(pk__in=wave.responses.order_by("pk").values("pk")[:n]).update(segments={})


def results(client, wave, lang: str = "en") -> str:
    return unescape(client.get(f"/waves/{wave.pk}/results/", headers={"accept-language": lang}).content.decode())


def segment_table(html: str) -> str:
    return html.split('id="segment-branch"')[1].split("</table>")[0]


def row_cells(table: str, key: str) -> list[str]:
    row = table.split(f'<tr data-key="{key}">')[1].split("</tr>")[0]
    return [cell.strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]


def test_the_choice_is_the_analysis_own(db):
    assert tuple(SegmentMissing.values) == SEGMENT_MISSING
    assert Study._meta.get_field("segment_missing").default == "exclude"


def test_the_results_leave_them_out_by_default_and_the_owner_makes_them_a_group(client, people, study, wave):
    fill(wave, 100)
    without_branch(wave, 12)
    client.force_login(people["alice"])
    html = results(client, wave)
    assert LEFT_OUT in html and "(no value)" not in segment_table(html)
    dutch = results(client, wave, "nl")
    assert "Respondenten zonder waarde voor branch: weggelaten uit deze groepen en toetsen (12)." in dutch
    # the owner changes the setting on the study's page; the cached results follow
    page = client.get(f"/studies/{study.pk}/edit/").content.decode()
    assert "respondents without a segment value" in page.lower()
    client.post(f"/studies/{study.pk}/edit/", settings_form(study, segment_missing="group"))
    assert Study.objects.get(pk=study.pk).segment_missing == "group"
    html = results(client, wave)
    assert A_GROUP in html and LEFT_OUT not in html
    assert row_cells(segment_table(html), "(no value)")[:2] == ["(no value)", "12"]
    dutch = results(client, wave, "nl")
    assert "Respondenten zonder waarde voor branch vormen een eigen groep" in dutch
    assert row_cells(segment_table(dutch), "(geen waarde)")[:2] == ["(geen waarde)", "12"]
    report = client.get(f"/waves/{wave.pk}/results/report.html").content.decode()
    assert A_GROUP in unescape(report)


def test_an_unknown_choice_is_refused_and_a_form_without_it_keeps_the_default(client, people, study):
    client.force_login(people["alice"])
    page = client.post(f"/studies/{study.pk}/edit/", settings_form(study, segment_missing="drop"))
    assert page.status_code == 200 and 'class="error"' in page.content.decode()
    assert Study.objects.get(pk=study.pk).segment_missing == "exclude"
    data = settings_form(study, name="Zonder keuze")  # an older form, a script
    client.post(f"/studies/{study.pk}/edit/", data)
    assert Study.objects.get(pk=study.pk).segment_missing == "exclude"


def call(client, method: str, path: str, token: str, body=None):
    return getattr(client, method)(
        path,
        json.dumps(body) if body is not None else None,
        "application/json",
        headers={"authorization": f"Bearer {token}"},
    )


def test_the_api_reads_and_changes_the_choice_and_the_results_say_it(client, study, wave, token_for):
    fill(wave, 100)
    without_branch(wave, 12)
    token = token_for("alice")
    assert call(client, "get", f"/api/studies/{study.pk}", token).json()["segment_missing"] == "exclude"
    branch = call(client, "get", f"/api/waves/{wave.pk}/results", token).json()["segments"]["branch"]
    assert (branch["missing"], branch["left_out"]) == ("exclude", 12)
    assert None not in [g["value"] for g in branch["groups"]]
    changed = call(client, "patch", f"/api/studies/{study.pk}", token, {"segment_missing": "group"})
    assert changed.status_code == 200 and changed.json()["segment_missing"] == "group"
    branch = call(client, "get", f"/api/waves/{wave.pk}/results", token).json()["segments"]["branch"]
    assert (branch["missing"], branch["left_out"]) == ("group", 0)
    assert branch["groups"][-1] | {"dimensions": None} == {
        "value": None,
        "suppressed": False,
        "n": 12,
        "dimensions": None,
    }
    refused = call(client, "patch", f"/api/studies/{study.pk}", token, {"segment_missing": "drop"})
    assert refused.status_code == 400 and "segment_missing" in refused.content.decode()
    created = call(
        client, "post", "/api/studies", token, {"name": "A", "service_name": "B", "segment_missing": "group"}
    )
    assert created.json()["segment_missing"] == "group"


def test_the_exports_hide_what_the_chosen_way_hides(client, people, wave):
    """Left out, three respondents without a branch hide the smallest branch with them (the
    totals minus the visible branches would give their figures): the table says so without
    their number, and the raw rows of the export leave that branch's values empty."""
    fill(wave, 100)
    without_branch(wave, 3)
    client.force_login(people["alice"])
    html = results(client, wave)
    assert "left out of these groups and tests (how many is not shown" in html
    table = segment_table(html)
    assert row_cells(table, "Eindhoven")[1] == "too few respondents"
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/waves/{wave.pk}/results/export-csv.zip").getvalue()))
    rows = pd.read_csv(io.BytesIO(archive.read("responses.csv")), keep_default_na=False)
    assert "Eindhoven" not in set(rows["branch"])
    assert (rows["branch"] == "").sum() >= 5 + 3
