"""``servqual serve``: the web app under gunicorn, with its database and static files ready.

The command line calls :func:`prepare` and then :func:`run`; ``servqual demo`` seeds the
demo in between. gunicorn runs on Unix (Linux, macOS).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

#: PostgreSQL advisory lock held while migrating: servers and workers of several machines
#: may start at the same moment against one database.
MIGRATION_LOCK = 0x5E4F_0001


def prepare(static_files: bool = True) -> None:
    """Set Django up, apply the migrations and collect the static files for WhiteNoise.

    Done here, once, before gunicorn starts its workers: two workers migrating at the same
    moment could trip over each other. On PostgreSQL an advisory lock makes the servers and
    background workers of other machines wait while one migrates."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servqual.web.settings")
    import django
    from django.core.management import call_command
    from django.db import connection, connections

    django.setup()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
            try:
                call_command("migrate", interactive=False, verbosity=0)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
    else:
        call_command("migrate", interactive=False, verbosity=0)
    if static_files:
        call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # the workers are forked: each must open its own connection


def run(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 2, threads: int = 4, with_worker: bool = False
) -> None:
    """Serve until stopped (Ctrl-C or SIGTERM): gunicorn's gthread workers, each serving
    ``threads`` requests at once (1: its sync workers). 2 workers of 4 threads answered
    survey requests faster than 2 sync workers on 2 cores (benchmarks/bench_survey.py,
    docs/performance.md). With ``with_worker``, a ``servqual worker`` process beside it,
    stopped when the server stops."""
    from gunicorn.app.base import BaseApplication

    from servqual.web.accesslog import ACCESS_LOG_FORMAT, KeylessLogger

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "accesslog": "-",
        "errorlog": "-",
        # No survey key, invitation token, client address or user agent in the logs.
        "logger_class": KeylessLogger,
        "access_log_format": ACCESS_LOG_FORMAT,
        "timeout": 120,  # a PDF report of a large wave takes a few seconds
    }

    background: list[subprocess.Popen[bytes]] = []
    if with_worker:
        background.append(subprocess.Popen([sys.executable, "-m", "servqual", "worker"]))

    def stop_worker(arbiter: Any) -> None:
        for process in background:
            process.terminate()  # the running task finishes first (SIGTERM)
            process.wait()

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)
            self.cfg.set("on_exit", stop_worker)
            # gunicorn 25+ opens a control socket in the home folder; two servers (the demo
            # beside a real one) would share it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            from servqual.web.wsgi import application

            return application

    Server().run()
