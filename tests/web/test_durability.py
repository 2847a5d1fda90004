"""No acknowledged answer lost or doubled: a page saved on one device while the other
completes the response."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from test_survey import PAGES, page_answers

from servqual.web.distribution.models import Invitation
from servqual.web.surveys.models import Response


def _waiting_for_a_lock() -> bool:
    """PostgreSQL: whether another session of this database waits for a lock. SQLite cannot
    tell; there a moment's wait stands in."""
    if connection.vendor != "postgresql":
        time.sleep(1.0)
        return True
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction it is kept otherwise
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_page_saved_while_the_other_device_completes_is_not_acknowledged_as_saved(wave):
    """The phone sends the last page while the laptop sends page 3 again with other answers.
    The laptop's post checks the response (not complete yet), then waits for the row that the
    phone's final submit holds. The response completes; it is never changed after, so the
    laptop's answers cannot be kept, and the laptop must not be told they were (a redirect to
    page 4): it ends on the thank-you page, as a post after completion does."""
    token = Invitation.objects.create(wave=wave, email="anna@example.nl", language="en").new_key()
    survey = f"/i/{token}/"
    phone, laptop = Client(), Client()
    phone.post(survey)
    for page in range(1, PAGES):
        assert phone.post(f"{survey}{page}/", page_answers(page))["Location"] == f"{survey}{page + 1}/"
    assert laptop.post(survey)["Location"] == f"{survey}{PAGES}/"
    changed = page_answers(3, "2")

    def laptop_sends_page_3():
        try:
            return laptop.post(f"{survey}3/", changed)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        with transaction.atomic():
            # The phone's final submit, in this thread: it holds the response's row until the
            # transaction commits (the view's own transaction is nested in this one).
            Response.objects.select_for_update().get()
            sent = pool.submit(laptop_sends_page_3)
            deadline = time.monotonic() + 10
            while not _waiting_for_a_lock():
                assert time.monotonic() < deadline, "the laptop's post never waited for the row"
                time.sleep(0.05)
            assert phone.post(f"{survey}{PAGES}/", page_answers(PAGES))["Location"] == f"{survey}done/"
        reply = sent.result(timeout=30)

    stored = Response.objects.get()
    assert stored.completed_at is not None
    kept = all(stored.answers[name] == int(value) for name, value in changed.items())
    assert not kept  # complete means never changed again
    assert reply.status_code == 302 and reply["Location"] == f"{survey}done/"
