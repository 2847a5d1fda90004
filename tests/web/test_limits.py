"""The one attempt counter behind the login, password-reset and API token limits."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from servqual.web.accounts import limits
from servqual.web.accounts.limits import AttemptLimit
from servqual.web.accounts.models import AttemptCount


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, moved on by hand: a busy machine cannot make a window end early."""
    now = [1_000_000.0]
    monkeypatch.setattr(limits, "_now", lambda: now[0])
    return now


def manage_process(*args: str, **environ: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")}
    env |= {"DJANGO_SETTINGS_MODULE": "servqual.web.settings", **environ}
    return subprocess.Popen([sys.executable, "-m", "servqual.web", *args], env=env, stdout=subprocess.PIPE, text=True)


def test_it_counts_per_combination_and_forgets_when_the_window_ends(db, clock):
    limit = AttemptLimit("test-attempts", attempts=2, window=60)
    assert limit.count("alice", "192.0.2.1") == 1
    assert not limit.reached("alice", "192.0.2.1")
    assert limit.count("alice", "192.0.2.1") == 2
    assert limit.reached("alice", "192.0.2.1")
    assert not limit.reached("alice", "192.0.2.2") and not limit.reached("bob", "192.0.2.1")
    clock[0] += 60
    assert not limit.reached("alice", "192.0.2.1")
    assert limit.count("alice", "192.0.2.1") == 1


def test_a_window_runs_from_its_first_attempt_however_many_follow(db, clock):
    limit = AttemptLimit("test-attempts", attempts=5, window=60)
    limit.count("alice", "192.0.2.1")
    clock[0] += 40
    assert limit.count("alice", "192.0.2.1") == 2  # a later attempt does not restart it
    clock[0] += 20
    assert limit.count("alice", "192.0.2.1") == 1


def test_ended_windows_are_pruned_when_a_new_window_starts(db, clock):
    short, long = AttemptLimit("test-short", attempts=2, window=60), AttemptLimit("test-long", attempts=2, window=600)
    short.count("alice", "192.0.2.1")
    long.count("alice", "192.0.2.1")
    clock[0] += 60
    short.count("bob", "192.0.2.2")  # a new window: alice's short one has ended
    assert sorted(AttemptCount.objects.values_list("key", flat=True)) == sorted(
        [short._key(("bob", "192.0.2.2")), long._key(("alice", "192.0.2.1"))]
    )


def test_it_keeps_no_names_or_addresses_in_the_table(db):
    limit = AttemptLimit("test-attempts", attempts=2, window=60)
    limit.count("alice", "192.0.2.1")
    keys = list(AttemptCount.objects.values_list("key", flat=True))
    assert keys and not any("alice" in key or "192.0.2.1" in key for key in keys)
    limit.clear("alice", "192.0.2.1")
    assert not limit.reached("alice", "192.0.2.1") and not AttemptCount.objects.exists()


COUNT_IN_THREADS = """
import threading
from django.db import connection
from servqual.web.accounts.limits import AttemptLimit
limit = AttemptLimit("race", attempts=1000, window=600)
counts = []
def count():
    for _ in range(25):
        counts.append(limit.count("192.0.2.1"))
    connection.close()
threads = [threading.Thread(target=count) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(*counts)
"""


def test_attempts_counted_at_once_by_threads_of_two_processes_are_each_counted_once(tmp_path, transactional_db):
    # Two server processes of four threads count the same address at once: every count
    # returned is a different number, none lost, none given twice (a read, then a write, as
    # Django's database cache does it, lets two attempts count from the same number).
    environ = {"DEBUG": "true", "SERVQUAL_DATA_DIR": str(tmp_path)}
    if connection.vendor == "postgresql":
        database = f"{connection.settings_dict['NAME']}_race"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
            cursor.execute(f"CREATE DATABASE {database}")
        settings = connection.settings_dict
        environ["DATABASE_URL"] = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{database}"
    migrate = manage_process("migrate", "--verbosity", "0", **environ)
    migrate.communicate()
    assert migrate.returncode == 0
    processes = [manage_process("shell", "--no-imports", "-c", COUNT_IN_THREADS, **environ) for _ in range(2)]
    counts = [int(count) for process in processes for count in process.communicate()[0].splitlines()[-1].split()]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {database}")
    assert sorted(counts) == list(range(1, 201))


def test_behind_a_proxy_the_client_is_told_by_the_header_the_proxy_sets(rf, settings):
    from servqual.web.accounts.limits import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert client_address(request) == "10.0.0.2"  # by default, the connection's address
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_address(request) == "203.0.113.9"  # the entry the proxy added, not one sent to it
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
