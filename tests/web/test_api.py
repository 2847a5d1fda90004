"""The JSON API: bearer tokens of one organisation, with the rights of the pages."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import hostile
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from synthetic import fill

import servqual
from servqual.web.accounts.models import Membership, Role
from servqual.web.api.models import ApiToken
from servqual.web.imports.models import ResponseImport
from servqual.web.keys import key_hash
from servqual.web.surveys.models import Response

FIXTURES = Path(__file__).parents[1] / "fixtures"
BRANCHES = ["’s-Hertogenbosch", "Amsterdam", "Rotterdam"]  # of tests/fixtures/canonical.csv


def get(client, path: str, token: str | None, **headers):
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return client.get(path, headers=headers)


def test_the_docs_page_loads_nothing_from_elsewhere(client, db):
    html = client.get("/api/docs").content.decode()
    assert "swagger-ui" in html and "/static/ninja/" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_the_schema_lists_the_endpoints(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/studies",
        "/api/studies/{study_id}",
        "/api/studies/{study_id}/waves",
        "/api/waves/{wave_id}",
        "/api/waves/{wave_id}/results",
        "/api/waves/{wave_id}/export.xlsx",
        "/api/waves/{wave_id}/export-csv.zip",
        "/api/waves/{wave_id}/export-sav.zip",
        "/api/waves/{wave_id}/report.html",
        "/api/waves/{wave_id}/report.pdf",
        "/api/waves/{wave_id}/links",
        "/api/waves/{wave_id}/survey",
        "/api/waves/{wave_id}/imports",
        "/api/imports/{key}/confirm",
        "/api/imports/{key}",
        "/api/reports/{report_key}/report.pdf",
    ]:
        assert path in paths
    assert set(paths["/api/studies"]) == {"get", "post"}
    assert set(paths["/api/studies/{study_id}"]) == {"get", "patch"}
    assert set(paths["/api/studies/{study_id}/waves"]) == {"get", "post"}
    assert set(paths["/api/waves/{wave_id}"]) == {"get", "patch"}
    assert set(paths["/api/waves/{wave_id}/links"]) == {"get", "post"}
    assert "application/pdf" in paths["/api/waves/{wave_id}/report.pdf"]["get"]["responses"]["200"]["content"]
    assert response.json()["components"]["securitySchemes"] == {"TokenAuth": {"type": "http", "scheme": "bearer"}}


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_no_token_or_a_wrong_one_gets_401(client, study, token):
    assert get(client, "/api/studies", token).status_code == 401
    assert get(client, f"/api/studies/{study.pk}", token).status_code == 401


def test_after_twenty_wrong_tokens_the_address_waits(client, study, token_for):
    token = token_for("alice")
    for attempt in range(20):
        assert get(client, "/api/studies", f"wrong-{attempt}").status_code == 401
    refused = get(client, "/api/studies", "wrong")
    assert refused.status_code == 429 and refused["Retry-After"] == "900"
    assert refused.json()["detail"].startswith("Too many requests with a wrong token.")
    # the right token waits too, as the right password does after failed logins
    assert get(client, "/api/studies", token).status_code == 429
    dutch = get(client, "/api/studies", token, **{"accept-language": "nl"}).json()["detail"]
    assert dutch.startswith("Te veel verzoeken met een verkeerde token.")
    assert get(Client(REMOTE_ADDR="192.0.2.7"), "/api/studies", token).status_code == 200  # another address
    # the login form counts its own failures
    assert Client().post("/accounts/login/", {"username": "alice", "password": "x"}).status_code == 200


def test_requests_with_a_valid_token_are_not_counted(client, study, token_for):
    token = token_for("alice")
    for _ in range(19):
        assert get(client, "/api/studies", "wrong").status_code == 401
    for _ in range(30):
        assert get(client, "/api/studies", token).status_code == 200
    assert get(client, "/api/studies", "wrong").status_code == 401  # the 20th failure
    assert get(client, "/api/studies", token).status_code == 429


def test_a_request_without_a_token_is_no_failed_attempt(client, study, token_for):
    for _ in range(25):
        assert get(client, "/api/studies", None).status_code == 401
    assert get(client, "/api/studies", token_for("alice")).status_code == 200


def test_a_revoked_token_gets_401(client, study, token_for):
    token = token_for("alice")
    assert get(client, "/api/studies", token).status_code == 200
    ApiToken.objects.update(revoked=True)
    assert get(client, "/api/studies", token).status_code == 401


def test_a_token_of_an_inactive_user_gets_401(client, people, study, token_for):
    token = token_for("alice")
    people["alice"].is_active = False
    people["alice"].save()
    assert get(client, "/api/studies", token).status_code == 401


def test_studies_and_waves_of_the_tokens_organisation(client, study, wave, token_for):
    token = token_for("vera")
    assert [s["id"] for s in get(client, "/api/studies", token).json()] == [study.pk]
    assert get(client, f"/api/studies/{study.pk}", token).json()["name"] == "Klantonderzoek"
    assert [w["id"] for w in get(client, f"/api/studies/{study.pk}/waves", token).json()] == [wave.pk]
    assert get(client, f"/api/waves/{wave.pk}", token).json()["name"] == "2026-1"


def test_another_organisations_study_and_wave_are_not_found(client, people, globex, study, study_for, token_for):
    other = study_for(globex)
    # alice is a member of Globex as well: her Acme token still never reaches it.
    Membership.objects.create(user=people["alice"], organisation=globex, role=Role.OWNER)
    fill(other.waves.get(), 10)
    token = token_for("alice")
    assert [s["id"] for s in get(client, "/api/studies", token).json()] == [study.pk]
    for path in ["studies/{s}", "studies/{s}/waves", "waves/{w}", "waves/{w}/results", "waves/{w}/export.xlsx"]:
        url = "/api/" + path.format(s=other.pk, w=other.waves.get().pk)
        assert get(client, url, token).status_code == 404, url
    globex_token = token_for("alice", globex)
    assert get(client, f"/api/studies/{other.pk}", globex_token).status_code == 200
    assert get(client, f"/api/studies/{study.pk}", globex_token).status_code == 404


def test_a_token_of_a_non_member_sees_nothing(client, people, globex, study, token_for):
    token = token_for("bob", study.organisation)
    assert get(client, "/api/studies", token).json() == []
    assert get(client, f"/api/studies/{study.pk}", token).status_code == 404


def test_the_wave_gives_the_counts_of_the_wave_page(client, wave, token_for):
    fill(wave, 12)
    body = get(client, f"/api/waves/{wave.pk}", token_for("vera")).json()
    (customers,) = body["audiences"]
    assert customers["audience"] == "customer" and customers["completed"] == 12
    rows = customers["segments"][0]["rows"]
    assert sum(row["count"] or 0 for row in rows) < 12  # some branches have too few to show
    for row in rows:
        assert row["count"] is None or row["count"] >= body["anonymity_threshold"]


def test_the_results_are_the_analysis_of_the_waves_responses(client, wave, token_for):
    responses = fill(wave, 120)
    expected = servqual.analyze(responses, segments=["branch"], min_group=5)
    body = get(client, f"/api/waves/{wave.pk}/results", token_for("mona")).json()
    for key, dimension in expected.dimensions.items():
        assert body["dimensions"][key]["gap"]["mean"] == pytest.approx(dimension.scores["gap"].mean, abs=1e-12)
    assert body["n_used"] == 120


def test_a_viewer_gets_no_results_as_on_the_pages(client, people, wave, token_for):
    fill(wave, 30)
    token = token_for("vera")
    assert get(client, f"/api/waves/{wave.pk}/results", token).status_code == 404
    assert get(client, f"/api/waves/{wave.pk}/export.xlsx", token).status_code == 404
    client.force_login(people["vera"])
    assert client.get(f"/waves/{wave.pk}/results/").status_code == 404


def test_below_the_threshold_there_are_no_results(client, wave, token_for):
    fill(wave, 4)
    token = token_for("mona")
    response = get(client, f"/api/waves/{wave.pk}/results", token)
    assert response.status_code == 409
    assert response.json()["detail"] == "Too few completed responses: results are given from 5 on."
    response = get(client, f"/api/waves/{wave.pk}/results", token, **{"accept-language": "nl"})
    assert response.json()["detail"] == "Te weinig ingevulde antwoorden: resultaten zijn er vanaf 5."
    assert get(client, f"/api/waves/{wave.pk}/export.xlsx", token).status_code == 409


def test_the_export_is_the_dashboards_workbook(client, people, wave, token_for):
    fill(wave, 30)
    api = get(client, f"/api/waves/{wave.pk}/export.xlsx", token_for("mona"))
    assert api.status_code == 200
    client.force_login(people["mona"])
    page = client.get(f"/waves/{wave.pk}/results/export.xlsx")
    sheets = openpyxl.load_workbook(io.BytesIO(api.content)).sheetnames
    assert sheets == openpyxl.load_workbook(io.BytesIO(page.content)).sheetnames
    assert "responses" not in [s.lower() for s in sheets]  # a manager gets no raw rows


def test_the_database_holds_only_the_tokens_hash(study, token_for):
    token = token_for("alice")
    stored = ApiToken.objects.get()
    assert stored.token_hash == key_hash(token) and token not in stored.token_hash
    assert len(token) >= 43  # 256 random bits, base64
    assert not any(token in str(value) for value in ApiToken.objects.values().get().values())


def test_last_used_is_updated(client, study, token_for):
    token = token_for("alice")
    assert ApiToken.objects.get().last_used_at is None
    get(client, "/api/studies", token)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    get(client, "/api/studies", token)
    assert ApiToken.objects.get().last_used_at >= first


def test_the_command_prints_a_working_token_once(client, people, acme, study, capsys):
    call_command("createapitoken", user="carl", organisation=str(acme.pk), name="reporting")
    token = capsys.readouterr().out.strip()
    assert get(client, "/api/studies", token).status_code == 200
    call_command("createapitoken", user="carl", organisation="Acme", name="second")
    assert capsys.readouterr().out.strip() != token
    assert ApiToken.objects.filter(user=people["carl"], organisation=acme).count() == 2


def post_file(client, path: str, token: str, name: str, content: bytes):
    return client.post(path, {"file": SimpleUploadedFile(name, content)}, headers={"authorization": f"Bearer {token}"})


def test_an_import_gives_the_summary_then_a_confirm_saves_it_once(client, wave, token_for):
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    token = token_for("carl")
    body = post_file(
        client, f"/api/waves/{wave.pk}/imports", token, "bank.csv", (FIXTURES / "canonical.csv").read_bytes()
    )
    assert body.status_code == 200, body.content
    body = body.json()
    assert body["ready"] and not body["saved"] and "Rows used: 40" in body["summary"]
    assert Response.objects.count() == 0
    headers = {"authorization": f"Bearer {token}"}
    first = client.post(f"/api/imports/{body['key']}/confirm", headers=headers).json()
    second = client.post(f"/api/imports/{body['key']}/confirm", headers=headers).json()
    assert first["saved"] and first["rows_saved"] == second["rows_saved"] == 40
    assert first["state"] == second["state"] == "saved"  # the task ran at once (the tests' immediate backend)
    assert Response.objects.filter(wave=wave, completed_at__isnull=False).count() == 40


def test_only_a_token_with_the_setup_right_may_import(client, wave, token_for):
    content = (FIXTURES / "canonical.csv").read_bytes()
    assert post_file(client, f"/api/waves/{wave.pk}/imports", token_for("mona"), "bank.csv", content).status_code == 404
    response = post_file(client, f"/api/waves/{wave.pk}/imports", token_for("carl"), "empty.csv", b"")
    assert response.status_code == 400
    assert ResponseImport.objects.count() == 0


def test_the_command_refuses_a_user_who_is_no_member(people, acme, globex):
    with pytest.raises(CommandError, match="not a member"):
        call_command("createapitoken", user="bob", organisation="Acme", name="x")
    with pytest.raises(CommandError, match="No organisation"):
        call_command("createapitoken", user="bob", organisation="Initech", name="x")
    assert not ApiToken.objects.exists()


def test_the_admin_shows_no_hash_and_adds_no_tokens(admin_client, people, acme):
    stored, _ = ApiToken.create(people["alice"], acme, "reporting")
    html = admin_client.get(f"/admin/api/apitoken/{stored.pk}/change/").content.decode()
    assert "reporting" in html and stored.token_hash not in html
    assert admin_client.get("/admin/api/apitoken/add/").status_code == 403


def test_an_import_of_a_workbook_that_cannot_be_read_names_the_file_as_uploaded(client, wave, token_for):
    response = post_file(
        client, f"/api/waves/{wave.pk}/imports", token_for("carl"), "Enquête.xlsx", hostile.unusable_zip_version()
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert not body["ready"] and body["error"] == "Enquête.xlsx: cannot be read as XLSX (zip file version 9.9)"
    named = post_file(
        client,
        f"/api/waves/{wave.pk}/imports",
        token_for("carl"),
        "Enquête.xlsx",
        hostile.workbook_openpyxl_names_by_path(),
    ).json()
    assert named["error"].startswith("Enquête.xlsx: cannot be read as XLSX (") and "/tmp" not in named["error"]


def test_the_schema_names_each_answer_once(client):
    # Operations that declare a 400 themselves had it twice, as 400 and "400": valid to
    # Python's json module, refused by Swagger UI ("duplicated mapping key").
    def once(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"repeated keys in {keys}"
        return dict(pairs)

    schema = json.loads(client.get("/api/openapi.json").content, object_pairs_hook=once)
    assert schema["paths"]["/api/waves/{wave_id}/links"]["post"]["responses"]["400"]
