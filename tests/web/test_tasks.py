"""Background work on the queue (docs/tasks.md), with real `servqual worker` processes on
the database of this run and the real SMTP server: a task survives a killed worker and is
done once, a transient failure is tried again, and every invitee gets one e-mail."""

from __future__ import annotations

import io
import signal

import pytest
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

pytestmark = pytest.mark.django_db(transaction=True)


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
