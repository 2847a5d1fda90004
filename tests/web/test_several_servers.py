"""More than one machine (issue 16, point 4): two `servqual serve` (on two ports, each with a
data folder of its own, standing for two machines) and two `servqual worker` share one
PostgreSQL database. Respondents are spread over both servers and answer page by page without
JavaScript while a batch of invitations goes to the real SMTP server; midway one server and
one worker are SIGKILLed. Every acknowledged answer is stored once, every e-mail sent once.

PostgreSQL only: SQLite is one file on one machine (.ci/run's second leg runs this)."""

from __future__ import annotations

import random
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import kill_under_load  # scripts/, on the tests' path (pyproject.toml)
import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from workers import DATABASE_TASKS, database_url, start_worker, stop, wait_until, worker_env

from servqual.web.accounts.models import Organisation
from servqual.web.distribution.models import Invitation
from servqual.web.distribution.tasks import send_pending
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import SurveyLink

pytestmark = pytest.mark.django_db(transaction=True)

RESPONDENTS = 24
INVITATIONS = 150  # two tasks: one sends 100 and queues the other (distribution/tasks.py)


class BalancedBrowser(kill_under_load.Browser):
    """A browser behind a load balancer: a server that refuses the connection is down, so the
    request goes to the next one (Run.send sends it again). Cookies go along unchanged."""

    def __init__(self, ports: list[int], first: int, cookies: dict[str, str] | None = None) -> None:
        super().__init__(ports[first], cookies)
        self.ports = ports

    def copy(self) -> BalancedBrowser:
        return BalancedBrowser(self.ports, self.ports.index(self.port), self.cookies)

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> kill_under_load.Reply:
        try:
            return super().request(method, path, fields)
        except kill_under_load.UnansweredError as error:
            if error.refused:
                self.port = self.ports[(self.ports.index(self.port) + 1) % len(self.ports)]
            raise


def open_wave_with_link_and_invitees() -> tuple[Wave, SurveyLink]:
    organisation = Organisation.objects.create(name="Two machines")
    study = Study.objects.create(organisation=organisation, name="Landelijk", service_name="Acme", languages=["en"])
    now = timezone.now()
    wave = Wave.objects.create(
        study=study, name="1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9)
    )
    Invitation.objects.bulk_create(
        Invitation(wave=wave, email=f"klant{n}@example.nl", language="en") for n in range(INVITATIONS)
    )
    return wave, SurveyLink.objects.create(wave=wave)


def in_parallel(*calls: Callable[[], object]) -> None:
    with ThreadPoolExecutor(len(calls)) as pool:
        for done in [pool.submit(call) for call in calls]:
            done.result()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("several machines share a PostgreSQL database; SQLite is one machine's file")


def test_two_servers_and_two_workers_lose_nothing_when_one_of_each_is_killed(postgres_only, smtp, settings, tmp_path):
    settings.TASKS = DATABASE_TASKS
    wave, link = open_wave_with_link_and_invitees()
    prefix = f"/s/{link.key}/"
    ports = [kill_under_load.free_port(), kill_under_load.free_port()]
    servers = []
    for name, port in zip("ab", ports, strict=True):
        data_dir = tmp_path / f"machine-{name}"  # nothing on disk is shared
        data_dir.mkdir()
        env = worker_env(data_dir, smtp.port) | {
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "LANG": "C.UTF-8",
            # every respondent comes from 127.0.0.1 at a script's speed
            "SURVEY_POSTS_PER_ADDRESS": "1000000",
        }
        servers.append(kill_under_load.Server(env, port, 2, data_dir / "server.log"))
    workers = {}
    try:
        in_parallel(*(lambda server=server: server.start(prefix) for server in servers))
        for name in "cd":
            (tmp_path / f"machine-{name}").mkdir()
            worker = start_worker(tmp_path / f"machine-{name}", smtp.port)
            workers[worker.pid] = worker

        smtp_hold_after = 40
        send_pending.enqueue(wave.pk, False, f"http://127.0.0.1:{ports[0]}")
        options = kill_under_load.Options(seconds=150, replays=0, double_every=0, kills=0, log=lambda text: None)
        respondents = [
            kill_under_load.Respondent(
                f"respondent{n}", prefix, BalancedBrowser(ports, n % 2), random.Random(n), think=0.05
            )
            for n in range(RESPONDENTS)
        ]
        load = kill_under_load.Run(options, servers[0], 15 * RESPONDENTS)
        killed_worker: list[int] = []

        def kill_a_server_midway() -> None:
            wait_until(lambda: load.answered >= 5 * RESPONDENTS, seconds=120, what="a third of the survey requests")
            servers[0].kill()

        def kill_the_worker_that_is_sending() -> None:
            wait_until(lambda: len(smtp) >= smtp_hold_after, seconds=120, what="the first e-mails")
            smtp.hold = 1  # the next e-mail waits at the mail server, its sender in the middle of it
            assert smtp.held.wait(60)
            running = DBTaskResult.objects.get(status=TaskResultStatus.RUNNING)
            pid = int(running.worker_ids[-1].split(":")[1])
            workers[pid].send_signal(signal.SIGKILL)
            workers[pid].communicate(timeout=30)
            killed_worker.append(pid)
            connection.close()  # this thread's own

        killers = [threading.Thread(target=kill) for kill in (kill_a_server_midway, kill_the_worker_that_is_sending)]
        for killer in killers:
            killer.start()
        with ThreadPoolExecutor(RESPONDENTS) as pool:
            for done in [pool.submit(kill_under_load.answer_survey, load, who) for who in respondents]:
                done.result()
        for killer in killers:
            killer.join(timeout=150)
        wait_until(
            lambda: not Invitation.objects.filter(sent_at__isnull=True).exists(), seconds=90, what="every e-mail"
        )
        wait_until(lambda: not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists(), seconds=30)
    finally:
        for server in servers:
            server.stop()
        outputs = [stop(worker) for worker in workers.values()]

    # Every acknowledged page stored once, in the respondent's own response, on whichever server.
    problems = list(load.errors)
    rows, _invitations = kill_under_load.read_responses(lambda: psycopg.connect(database_url()), wave.pk)
    counts = kill_under_load.check_link_respondents(respondents, rows, link.pk, f"servqual_resume_{link.pk}", problems)
    assert problems == []
    assert all(who.finished for who in respondents)
    assert counts["completions"] == RESPONDENTS == sum(row.completed for row in rows)
    assert counts["stored"] == counts["answers"] > RESPONDENTS * 44
    assert kill_under_load.duplicates(rows) == 0
    assert load.status_5xx == 0
    assert load.refused > 0  # respondents of the killed server went on at the other
    for server in servers:
        assert kill_under_load.server_log_problems(server.log_path) == (0, 0)  # no "database is locked", no traceback

    # Every e-mail once; the killed worker's task finished by the other.
    assert len(killed_worker) == 1, outputs
    assert sorted(m["To"] for m in smtp) == sorted(f"klant{n}@example.nl" for n in range(INVITATIONS))
    assert any(len(task.worker_ids) == 2 for task in DBTaskResult.objects.all())
    assert any("lost with worker" in output for output in outputs)
