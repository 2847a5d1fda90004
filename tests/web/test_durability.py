"""No acknowledged answer lost or doubled: `servqual serve` killed under load
(scripts/kill_under_load.py, a short run on the database of this test run), and a page saved
on one device while the other completes the response."""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kill_under_load  # scripts/, on the tests' path (pyproject.toml)
import pytest
from django.db import connection, connections, transaction
from django.test import Client
from test_survey import PAGES, page_answers

from servqual.web.distribution.models import Invitation
from servqual.web.surveys.models import Response

ROOT = Path(__file__).resolve().parents[2]


def database_of_this_run() -> tuple[str, str]:
    """The database the web tests run on: PostgreSQL when DATABASE_URL names it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return "postgres", url
    return "sqlite", kill_under_load.DEFAULT_POSTGRES


def server_processes(port: int) -> list[int]:
    """Processes whose command line is `servqual serve ... --port PORT`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            arguments = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in arguments and b"--port" in arguments and str(port).encode() in arguments:
            found.append(int(proc.name))
    return found


def test_killed_under_load_every_acknowledged_answer_is_stored_once(tmp_path):
    database, url = database_of_this_run()
    options = kill_under_load.Options(
        database=database,
        postgres=url,
        respondents=12,
        invitations=3,
        kills=2,
        seconds=45,
        replays=3,
        double_every=4,
        seed=12,
        workdir=tmp_path,
        log=lambda text: None,
    )
    result = kill_under_load.run(options)

    assert result.problems == []
    assert result.kills == 2 and result.refused > 0  # sent again while the server was down
    assert result.finished == 12
    assert result.acknowledged_pages == 12 * PAGES
    assert result.stored_answers == result.acknowledged_answers > 12 * 44
    assert result.acknowledged_completions == result.completed_responses == 12
    assert result.duplicate_responses == 0
    assert result.responses - result.empty_responses == 12  # empty: a start whose answer was cut off
    assert result.final_submits == 3 * (2 + 3) == result.final_submits_done
    assert result.invitation_responses == 3
    assert result.status_5xx == 0 and result.database_locked == 0 and result.tracebacks == 0
    # Nothing is left behind: no server process, no data folder, no database.
    assert server_processes(result.port) == []
    assert list(tmp_path.iterdir()) == []
    if database == "postgres":
        import psycopg

        with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres"))) as admin:
            names = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'servqual_kill_%'").fetchall()
        assert not [name for (name,) in names if name.startswith(f"servqual_kill_{os.getpid()}_")]


def test_the_script_documents_itself():
    import subprocess

    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "kill_under_load.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--respondents" in run.stdout and "--kills" in run.stdout and "127.0.0.1 only" in run.stdout


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
