"""`servqual worker` processes for the tests of background work: real processes on the
database of this test run (SQLite file or PostgreSQL), e-mailing to the tests' SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

#: Short, so that a task of a killed worker is given to another within seconds.
LEASE_SECONDS = 4

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def database_url() -> str:
    """The test database (not the one named in DATABASE_URL) as a DATABASE_URL."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user, host, port = database["USER"] or "postgres", database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


def worker_env(data_dir: Path, smtp_port: int, **environ: str) -> dict[str, str]:
    drop = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SERVQUAL_DATA_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {
        "SECRET_KEY": "w" * 50,
        "DATABASE_URL": database_url(),
        "SERVQUAL_DATA_DIR": str(data_dir),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "TASK_LEASE_SECONDS": str(LEASE_SECONDS),
        "TASK_RETRY_SECONDS": "1",
        **environ,
    }


def start_worker(data_dir: Path, smtp_port: int, **environ: str) -> subprocess.Popen[str]:
    """``servqual worker`` polling every 0.2 s; its output in a pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "servqual", "worker", "--interval", "0.2"],
        env=worker_env(data_dir, smtp_port, **environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    """Stop the process as an operator would (SIGTERM), and return its output."""
    if process.poll() is None:
        process.terminate()
    return process.communicate(timeout=60)[0]


def wait_until(condition: Callable[[], object], seconds: float = 60, what: str = "", interval: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s in vain{': ' + what if what else ''}")
        time.sleep(interval)
