"""Background work on the queue (docs/tasks.md), with real `servqual worker` processes on
the database of this run and the real SMTP server: a task survives a killed worker and is
done once, a transient failure is tried again, and every invitee gets one e-mail."""

from __future__ import annotations

import io
import signal
import sqlite3
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader
from synthetic import fill
from test_invitation_mail import invite, send
from workers import DATABASE_TASKS, start_worker, stop, wait_until

import servqual
from servqual.i18n import number
from servqual.web.accounts.models import Action, AuditEntry
from servqual.web.dashboards.models import PreparedReport
from servqual.web.distribution.models import Invitation, InvitationKey
from servqual.web.distribution.tasks import send_pending
from servqual.web.imports.models import ResponseImport
from servqual.web.surveys.models import Response

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parents[1] / "fixtures"
BRANCHES = ["’s-Hertogenbosch", "Amsterdam", "Rotterdam"]  # of tests/fixtures/canonical.csv


@pytest.fixture
def queue(settings):
    """Tasks go to the database, for the worker processes (not run in the request)."""
    settings.TASKS = DATABASE_TASKS


def finished(result) -> bool:
    return DBTaskResult.objects.get(pk=result.id).status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


def test_a_worker_killed_while_sending_leaves_the_task_to_another_that_sends_each_email_once(
    wave, smtp, queue, tmp_path
):
    for name in ("anna", "ben", "cor"):
        invite(wave, f"{name}@example.nl")
    smtp.hold = 1  # the first e-mail waits at the mail server, with the worker in the middle of it
    result = send_pending.enqueue(wave.pk, False, "https://survey.example.org")
    first = start_worker(tmp_path, smtp.port)
    try:
        assert smtp.held.wait(60), stop(first)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.RUNNING and len(row.worker_ids) == 1  # left as it was
        assert Invitation.objects.filter(sent_at__isnull=False).count() == 0

        second = start_worker(tmp_path, smtp.port)
        try:
            wait_until(lambda: finished(result), what="the task given to the second worker")
        finally:
            output = stop(second)
    finally:
        if first.poll() is None:
            first.kill()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL, output
    assert len(row.worker_ids) == 2 and row.worker_ids[0] != row.worker_ids[1]
    assert row.return_value == 3
    assert sorted(m["To"] for m in smtp) == ["anna@example.nl", "ben@example.nl", "cor@example.nl"]
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 3
    assert InvitationKey.objects.count() == 3  # the killed attempt's key went with its transaction
    assert "lost with worker" in output


def test_a_transient_mail_failure_is_tried_again_and_the_email_sent_once(wave, smtp, queue, tmp_path):
    invite(wave, "anna@example.nl", "en")
    smtp.refuse = 1  # 451: the mail server asks to try again later
    result = send_pending.enqueue(wave.pk, False, "https://survey.example.org")
    worker = start_worker(tmp_path, smtp.port)
    try:
        wait_until(lambda: finished(result), what="the task")
    finally:
        output = stop(worker)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL, output
    assert len(row.worker_ids) == 2  # two attempts, by the one worker
    assert "smtplib.SMTPDataError" in output and "tried again later" in output
    assert [m["To"] for m in smtp] == ["anna@example.nl"]
    assert smtp[0]["Subject"] == "Your view on Acme"


def test_a_failure_that_is_not_transient_is_not_tried_again(wave, smtp, queue, tmp_path):
    result = send_pending.enqueue(wave.pk + 1000, False, "https://survey.example.org")  # no such wave
    worker = start_worker(tmp_path, smtp.port)
    try:
        wait_until(lambda: finished(result), what="the task")
    finally:
        stop(worker)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED and len(row.worker_ids) == 1
    assert row.exception_class_path == "servqual.web.studies.models.Wave.DoesNotExist"


def test_the_send_button_queues_and_two_workers_email_each_invitee_once(client, people, wave, smtp, queue, tmp_path):
    addresses = [f"klant{n}@example.nl" for n in range(12)]
    for address in addresses:
        invite(wave, address)
    client.force_login(people["carl"])
    send(client, wave)
    assert "12 invitations are being sent." in client.get(f"/waves/{wave.pk}/").content.decode()
    send(client, wave)  # pressed again before anything went out: two tasks
    assert DBTaskResult.objects.count() == 2 and smtp == []
    workers = [start_worker(tmp_path, smtp.port) for _ in range(2)]
    try:
        wait_until(lambda: DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).count() == 0)
    finally:
        outputs = [stop(worker) for worker in workers]
    assert sorted(m["To"] for m in smtp) == sorted(addresses), outputs
    assert Invitation.objects.filter(sent_at__isnull=True).count() == 0


def test_a_pdf_report_is_prepared_by_the_worker_while_its_page_says_so(client, people, wave, smtp, queue, tmp_path):
    responses = fill(wave, 40)
    gap = servqual.analyze(responses, segments=["branch"]).dimensions["reliability"].scores["gap"].mean
    client.force_login(people["mona"])
    asked = client.get(f"/waves/{wave.pk}/results/report.pdf")
    assert asked.status_code == 302 and asked["Location"].startswith("/reports/")
    waiting = client.get(asked["Location"]).content.decode()
    assert "The report is being prepared." in waiting and '<meta http-equiv="refresh" content="2">' in waiting
    assert client.get(asked["Location"] + "report.pdf")["Location"] == asked["Location"]  # not yet
    assert client_of(people["carl"]).get(asked["Location"]).status_code == 404  # only for who asked

    worker = start_worker(tmp_path, smtp.port)
    try:
        wait_until(lambda: "The report is ready." in client.get(asked["Location"]).content.decode(), what="the PDF")
    finally:
        stop(worker)
    ready = client.get(asked["Location"]).content.decode()
    assert "http-equiv" not in ready and f'href="{asked["Location"]}report.pdf"' in ready
    pdf = client.get(asked["Location"] + "report.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="klantonderzoek-2026-1-report.pdf"'
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert number(gap, "en") in text
    assert AuditEntry.objects.filter(action=Action.DOWNLOAD, detail={"format": "report.pdf"}).count() == 1


def test_a_report_whose_task_failed_says_so_and_offers_to_try_again(client, people, wave, queue):
    fill(wave, 10)
    client.force_login(people["mona"])
    where = client.get(f"/waves/{wave.pk}/results/report.pdf")["Location"]
    prepared = PreparedReport.objects.get()
    DBTaskResult.objects.filter(pk=prepared.task_id).update(status=TaskResultStatus.FAILED)  # its last attempt
    page = client.get(where).content.decode()
    assert "The report could not be prepared." in page and "http-equiv" not in page
    assert f'href="/waves/{wave.pk}/results/report.pdf"' in page


def client_of(user) -> Client:
    other = Client()
    other.force_login(user)
    return other


def big_import_file(rows: int) -> bytes:
    """``rows`` respondents: the 40 of tests/fixtures/canonical.csv over and over, numbered anew."""
    lines = (FIXTURES / "canonical.csv").read_text(encoding="utf-8").splitlines()
    body = [line.split(",", 1)[1] for line in lines[1:]]
    return "\n".join([lines[0]] + [f"{n},{body[n % len(body)]}" for n in range(1, rows + 1)]).encode()


def writing_responses() -> bool:
    """Whether another connection is inside a transaction that inserts responses: on
    PostgreSQL it holds a lock on their table; on SQLite the database's write lock (the
    worker's save takes it, IMMEDIATE, only once the file is read)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation"
                " WHERE pg_class.relname = %s AND pg_locks.mode = 'RowExclusiveLock'"
                " AND pg_locks.pid <> pg_backend_pid()",
                [Response._meta.db_table],
            )
            return cursor.fetchone()[0] > 0
    probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:  # database is locked
        return True
    finally:
        probe.close()


def test_a_worker_killed_while_saving_an_import_leaves_it_to_another_that_saves_every_row_once(
    client, people, wave, smtp, queue, tmp_path
):
    rows = 20_000
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    client.force_login(people["carl"])
    page = client.post(
        f"/waves/{wave.pk}/import/", {"file": SimpleUploadedFile("groot.csv", big_import_file(rows))}, follow=True
    )
    assert f"Save these {rows} responses" in page.content.decode()
    review = page.redirect_chain[-1][0]
    client.post(review)
    client.post(review)  # a double click: still one task
    assert DBTaskResult.objects.count() == 1 and Response.objects.count() == 0
    queued = client.get(review).content.decode()
    assert "are queued to be saved" in queued and '<meta http-equiv="refresh" content="2">' in queued

    first = start_worker(tmp_path, smtp.port)
    try:
        wait_until(lambda: DBTaskResult.objects.get().status == TaskResultStatus.RUNNING, what="the save started")
        saving = client.get(review).content.decode()
        assert "are being saved" in saving and "http-equiv" in saving
        wait_until(writing_responses, what="the worker inserting the responses", interval=0.01)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert Response.objects.count() == 0  # killed mid-save: its transaction is gone whole
    assert ResponseImport.objects.get().saved_at is None

    second = start_worker(tmp_path, smtp.port)
    try:
        wait_until(lambda: ResponseImport.objects.get().saved_at is not None, what="the second worker's save")
        wait_until(lambda: finished(DBTaskResult.objects.get()), what="the task finished")
    finally:
        output = stop(second)
    row = DBTaskResult.objects.get()
    assert row.status == TaskResultStatus.SUCCESSFUL and len(row.worker_ids) == 2, output
    assert row.return_value == rows
    assert Response.objects.filter(wave=wave, completed_at__isnull=False).count() == rows  # rows out = rows in
    saved = client.get(review).content.decode()
    assert f"Saved: {rows} responses from groot.csv" in saved and "http-equiv" not in saved
    assert AuditEntry.objects.filter(action=Action.IMPORT).get().detail == {"responses": rows}


def test_an_import_whose_save_failed_says_so_and_a_new_confirm_saves_it(client, people, wave, queue):
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    client.force_login(people["carl"])
    page = client.post(
        f"/waves/{wave.pk}/import/", {"file": SimpleUploadedFile("bank.csv", big_import_file(40))}, follow=True
    )
    review = page.redirect_chain[-1][0]
    client.post(review)
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED)  # its last attempt
    failed_page = client.get(review, headers={"accept-language": "nl"}).content.decode()
    assert "De antwoorden konden niet worden opgeslagen" in failed_page and "http-equiv" not in failed_page
    assert "Deze 40 antwoorden opslaan" in failed_page  # the summary and the button again
    client.post(review)  # tried again: a new task
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


def test_the_api_answers_202_for_a_pdf_report_until_the_worker_has_made_it(wave, token_for, smtp, queue, tmp_path):
    responses = fill(wave, 40)
    gap = servqual.analyze(responses, segments=["branch"]).dimensions["reliability"].scores["gap"].mean
    api = Client(headers={"authorization": f"Bearer {token_for('mona')}"})
    asked = api.get(f"/api/waves/{wave.pk}/report.pdf", headers={"accept-language": "nl"})
    assert asked.status_code == 202 and asked["Retry-After"] == "2"
    where = asked["Location"]
    assert where.startswith("/api/reports/") and where.endswith("/report.pdf")
    assert asked.json() == {"detail": "Het rapport wordt gemaakt.", "url": where}
    assert api.get(where).status_code == 202  # not yet: no worker runs
    other = Client(headers={"authorization": f"Bearer {token_for('carl')}"})
    assert other.get(where).status_code == 404  # only for the token's user who asked

    worker = start_worker(tmp_path, smtp.port)
    try:
        wait_until(lambda: api.get(where).status_code == 200, what="the PDF")
    finally:
        stop(worker)
    pdf = api.get(where)
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert number(gap, "nl") in text  # in the language asked for
    assert AuditEntry.objects.filter(action=Action.DOWNLOAD, detail={"format": "report.pdf"}).count() == 2


def test_the_api_says_409_for_a_pdf_report_that_failed_or_rests_on_too_few(wave, token_for, queue):
    api = Client(headers={"authorization": f"Bearer {token_for('mona')}"})
    fill(wave, 4)
    below = api.get(f"/api/waves/{wave.pk}/report.pdf")
    assert below.status_code == 409 and below.json()["detail"].startswith("Too few completed responses")
    assert DBTaskResult.objects.count() == 0  # nothing queued for it
    fill(wave, 6, seed=2)
    where = api.get(f"/api/waves/{wave.pk}/report.pdf")["Location"]
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED)  # its last attempt
    failed = api.get(where)
    assert failed.status_code == 409
    assert failed.json() == {"detail": "The report could not be prepared. Ask for it again."}


def test_an_import_confirmed_through_the_api_is_202_until_a_worker_saved_it(wave, token_for, smtp, queue, tmp_path):
    wave.study.segments.filter(key="branch").update(values=BRANCHES)
    api = Client(headers={"authorization": f"Bearer {token_for('carl')}"})
    key = api.post(
        f"/api/waves/{wave.pk}/imports", {"file": SimpleUploadedFile("bank.csv", big_import_file(40))}
    ).json()["key"]
    assert api.get(f"/api/imports/{key}").json()["state"] == "review"
    confirmed = api.post(f"/api/imports/{key}/confirm")
    assert confirmed.status_code == 202 and confirmed["Location"] == f"/api/imports/{key}"
    assert confirmed.json()["state"] == "queued" and not confirmed.json()["saved"]
    assert api.post(f"/api/imports/{key}/confirm").status_code == 202 and DBTaskResult.objects.count() == 1

    worker = start_worker(tmp_path, smtp.port)
    try:
        wait_until(lambda: api.get(f"/api/imports/{key}").json()["state"] == "saved", what="the save")
    finally:
        stop(worker)
    state = api.get(f"/api/imports/{key}").json()
    assert state["saved"] and state["rows_saved"] == 40
    assert Response.objects.filter(wave=wave).count() == 40
    assert AuditEntry.objects.get(action=Action.IMPORT).actor == "carl (API: test)"
