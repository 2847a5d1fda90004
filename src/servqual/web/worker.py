"""``servqual worker``: runs the background tasks queued in the database (docs/tasks.md).

The worker is django-tasks-db's, with the two things its database backend leaves to the
project (django-tasks-db has neither yet):

- **retries**: a task that failed with a transient error (:data:`TRANSIENT`: the mail server,
  the network, the database) is queued again after ``TASK_RETRY_SECONDS``, doubled with each
  attempt, until ``TASK_MAX_ATTEMPTS`` attempts; any other error fails it at once.
- **lost tasks**: a worker killed mid-task (SIGKILL, its machine gone) leaves its task marked
  running. A task running longer than ``TASK_LEASE_SECONDS`` is queued again (or failed, once it
  has had its attempts), so another worker picks it up.

Neither makes a task run exactly once: a task can run again after it did part of its work.
Every task of the project is written so that a second run does nothing twice (an invitation
is marked sent in the transaction that holds its row, an import in the one that saves it).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger(__name__)

#: Errors worth another attempt: SMTP's and the network's (OSError), the database's, and a
#: worker stopped by its operator in the middle of a task.
TRANSIENT: tuple[type[BaseException], ...] = (OSError, DatabaseError, SystemExit, KeyboardInterrupt)

#: What a task given up after a lost worker shows as its error.
LOST = "servqual.web.worker.LostTask"


def retry_delay(attempts: int) -> timedelta:
    """The wait before attempt ``attempts + 1``: TASK_RETRY_SECONDS, doubled each time, at most an hour."""
    return timedelta(seconds=min(settings.TASK_RETRY_SECONDS * 2 ** (attempts - 1), 3600))


def is_transient(exception_class_path: str) -> bool:
    try:
        raised = import_string(exception_class_path)
    except ImportError:
        return False
    return isinstance(raised, type) and issubclass(raised, TRANSIENT)


def retry_or_fail(result: DBTaskResult) -> bool:
    """After a failed attempt: queue the task again when its error is transient and it has
    attempts left. Returns whether it was queued again."""
    if result.status != TaskResultStatus.FAILED or not is_transient(result.exception_class_path):
        return False
    attempts = len(result.worker_ids)
    if attempts >= settings.TASK_MAX_ATTEMPTS:
        return False
    logger.warning(
        "Task %s failed (%s), attempt %d: tried again later", result.id, result.exception_class_path, attempts
    )
    DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now() + retry_delay(attempts), finished_at=None
    )
    return True


def recover_lost_tasks(backend_name: str = "default") -> int:
    """Queue again (or fail, after their last attempt) the tasks marked running for longer
    than TASK_LEASE_SECONDS: their worker is gone. Returns how many were found."""
    now = timezone.now()
    lost = DBTaskResult.objects.filter(
        backend_name=backend_name,
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.TASK_LEASE_SECONDS),
    )
    found = 0
    with exclusive_transaction(lost.db):
        for result in lost.select_for_update(skip_locked=True):
            found += 1
            if len(result.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
                logger.error("Task %s lost with its worker %d times: given up", result.id, len(result.worker_ids))
                DBTaskResult.objects.filter(pk=result.pk).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=LOST,
                    traceback=f"The worker running it stopped without an answer, {len(result.worker_ids)} times.",
                )
            else:
                logger.warning("Task %s lost with worker %s: queued again", result.id, result.worker_ids[-1:])
                DBTaskResult.objects.filter(pk=result.pk).update(
                    status=TaskResultStatus.READY, run_after=now, started_at=None
                )
    return found


class Worker(DatabaseWorker):
    """django-tasks-db's worker, run in rounds: lost tasks are recovered, then every ready
    task is run (its batch mode), then it waits ``interval`` seconds."""

    def __init__(self, *, queue_names: list[str], interval: float, worker_id: str, max_rounds: int | None = None):
        super().__init__(
            queue_names=queue_names,
            interval=interval,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.max_rounds = max_rounds

    def run(self) -> None:
        rounds = 0
        while self.running and (self.max_rounds is None or rounds < self.max_rounds):
            recover_lost_tasks(self.backend_name)
            super().run()
            rounds += 1
            if self.running:
                time.sleep(self.interval)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        retry_or_fail(db_task_result)


def new_worker_id() -> str:
    """Names the machine and process in the task's row (at most 64 characters)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def run(queues: str = "*", interval: float = 1.0, **options: Any) -> None:
    """Run tasks until stopped (SIGTERM or Ctrl-C let the running task finish first)."""
    worker = Worker(queue_names=queues.split(","), interval=interval, worker_id=new_worker_id(), **options)
    worker.configure_signals()
    logger.info("Worker %s runs the queues %s", worker.worker_id, queues)
    worker.run()
