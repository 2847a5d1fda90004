"""The audit log: every download, confirmed import and deletion is written, by whom; owners
read their organisation's log (newest first, paged), nobody else does, and no organisation
sees another's entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from synthetic import fill

from servqual.web.accounts.audit import Actor, record
from servqual.web.accounts.models import Action, AuditEntry
from servqual.web.studies.models import Segment

FIXTURES = Path(__file__).parents[1] / "fixtures"
BRANCHES = ["’s-Hertogenbosch", "Amsterdam", "Rotterdam"]  # of tests/fixtures/canonical.csv


def entries(organisation) -> list[tuple[str, str, str, dict]]:
    found = AuditEntry.objects.filter(organisation=organisation).order_by("pk")
    return [(e.action, e.actor, e.object_kind, e.detail) for e in found]


def test_a_download_on_the_dashboard_is_logged_with_its_format(client, people, acme, wave):
    fill(wave, 12)
    client.force_login(people["mona"])
    assert client.get(f"/waves/{wave.pk}/results/report.html").status_code == 200
    assert entries(acme) == [(Action.DOWNLOAD, "mona", "wave", {"format": "report.html"})]
    assert AuditEntry.objects.get().object_id == wave.pk


def test_a_download_through_the_api_names_the_token(client, people, acme, wave, token_for):
    fill(wave, 12)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for('carl')}"}
    assert client.get(f"/api/waves/{wave.pk}/export.xlsx", **headers).status_code == 200
    assert entries(acme) == [(Action.DOWNLOAD, "carl (API: test)", "wave", {"format": "export.xlsx"})]


def test_nothing_given_nothing_logged(client, people, acme, wave):
    client.force_login(people["alice"])
    assert client.get(f"/waves/{wave.pk}/results/report.html").status_code == 404  # too few
    assert entries(acme) == []


def test_a_confirmed_import_is_logged_once_with_its_number_of_responses(client, people, acme, wave):
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    client.force_login(people["carl"])
    canonical = (FIXTURES / "canonical.csv").read_bytes()
    client.post(f"/waves/{wave.pk}/import/", {"file": SimpleUploadedFile("bank.csv", canonical)})
    assert entries(acme) == []  # an upload alone saves nothing
    upload = wave.imports.get()
    client.post(f"/imports/{upload.key}/")
    client.post(f"/imports/{upload.key}/")  # a second confirm saves nothing, logs nothing
    upload.refresh_from_db()
    assert entries(acme) == [(Action.IMPORT, "carl", "responseimport", {"responses": 40})]


def test_a_confirmed_import_through_the_api_is_logged(client, people, acme, wave, token_for):
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for('alice')}"}
    canonical = (FIXTURES / "canonical.csv").read_bytes()
    key = client.post(f"/api/waves/{wave.pk}/imports", {"file": SimpleUploadedFile("b.csv", canonical)}, **headers)
    assert client.post(f"/api/imports/{key.json()['key']}/confirm", **headers).json()["rows_saved"] == 40
    assert entries(acme) == [(Action.IMPORT, "alice (API: test)", "responseimport", {"responses": 40})]


def test_a_segment_removed_through_the_api_is_logged(client, people, acme, study, token_for):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for('carl')}"}
    answer = client.patch(f"/api/studies/{study.pk}", {"segments": []}, content_type="application/json", **headers)
    assert answer.status_code == 200 and not Segment.objects.exists()
    assert entries(acme) == [(Action.DELETE, "carl (API: test)", "segment", {})]


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", "root@example.org", None)
    client.force_login(user)
    return user


def test_deletions_in_the_admin_are_logged_with_the_responses_they_take(client, root, acme, study, wave, link):
    fill(wave, 6)
    assert client.post(f"/admin/surveys/surveylink/{link.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client.post(f"/admin/studies/study/{study.pk}/delete/", {"post": "yes"}).status_code == 302
    assert entries(acme) == [
        (Action.DELETE, "root", "surveylink", {}),
        (Action.DELETE, "root", "study", {"responses": 6}),
    ]


def test_a_wave_deleted_as_a_row_of_the_study_in_the_admin_is_logged(client, root, acme, study, wave):
    form = {
        "organisation": acme.pk,
        "name": study.name,
        "service_name": study.service_name,
        "languages": '["nl", "en"]',
        "instrument_key": "servqual-22",
        "instrument_file": "",
        "manager_instrument_key": "servqual-managers",
        "employee_instrument_key": "servqual-employees",
        "anonymity_threshold": "5",
        "keep_personal_data_days": "30",
        "after_retention": "anonymise",
        "segment_missing": "exclude",
        "segments-TOTAL_FORMS": "0",
        "segments-INITIAL_FORMS": "0",
        "waves-TOTAL_FORMS": "1",
        "waves-INITIAL_FORMS": "1",
        "waves-0-id": wave.pk,
        "waves-0-study": study.pk,
        "waves-0-name": wave.name,
        "waves-0-opens_at_0": "2027-03-01",
        "waves-0-opens_at_1": "09:00:00",
        "waves-0-closes_at_0": "2027-04-01",
        "waves-0-closes_at_1": "09:00:00",
        "waves-0-DELETE": "on",
    }
    answer = client.post(f"/admin/studies/study/{study.pk}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert not study.waves.exists()
    assert entries(acme) == [(Action.DELETE, "root", "wave", {"responses": 0})]


def test_the_log_cannot_be_changed_in_the_admin(client, root, acme):
    entry = record(Action.DOWNLOAD, acme, Actor.person(root), detail={"format": "report.pdf"})
    assert client.get("/admin/accounts/auditentry/").status_code == 200
    assert client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.count() == 1


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["carl", "mona", "vera"])
def test_only_owners_read_the_log(client, people, acme, name):
    client.force_login(people[name])
    assert client.get(f"/organisations/{acme.pk}/log/").status_code == 404


def test_nobody_logged_in_is_sent_to_log_in(client, acme):
    assert client.get(f"/organisations/{acme.pk}/log/")["Location"].startswith("/accounts/login/")


def test_the_owner_reads_the_log_newest_first_paged_in_dutch(client, people, acme, wave):
    for n in range(55):
        record(Action.DOWNLOAD, acme, Actor.person(people["mona"]), wave, detail={"format": f"report-{n}.pdf"})
    record(Action.ERASE, acme, Actor(), kind="person", detail={"invitations": 2, "responses": 1})
    client.force_login(people["alice"])
    first = client.get(f"/organisations/{acme.pk}/log/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert first.index("2 uitnodigingen, 1 antwoordenlijst") < first.index("report-54.pdf")
    assert "het platform (een opdracht of opruiming)" in first and "Pagina 1 van 2" in first
    assert "report-4.pdf" not in first
    second = client.get(f"/organisations/{acme.pk}/log/?page=2").content.decode()
    assert "report-4.pdf" in second and "report-54.pdf" not in second


def test_an_owner_never_sees_another_organisations_entries(client, people, acme, globex, study_for):
    wave = study_for(globex).waves.get()
    wave.name = "Golf-geheim"
    wave.save()
    record(Action.DOWNLOAD, globex, Actor.person(people["bob"]), wave, detail={"format": "export.xlsx"})
    client.force_login(people["alice"])
    assert client.get(f"/organisations/{globex.pk}/log/").status_code == 404
    own = client.get(f"/organisations/{acme.pk}/log/").content.decode()
    assert "Golf-geheim" not in own and "bob" not in own
    client.force_login(people["bob"])
    assert "Golf-geheim" in client.get(f"/organisations/{globex.pk}/log/").content.decode()


def test_the_home_page_links_owners_to_the_log_and_the_personal_data_page(client, people, acme):
    client.force_login(people["alice"])
    page = client.get("/").content.decode()
    assert f"/organisations/{acme.pk}/log/" in page and f"/organisations/{acme.pk}/personal-data/" in page
    client.force_login(people["carl"])
    assert "/log/" not in client.get("/").content.decode()
