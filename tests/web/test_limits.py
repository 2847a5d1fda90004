"""The one attempt counter behind the login, password-reset and API token limits."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection

from servqual.web.accounts import limits
from servqual.web.accounts.limits import AttemptLimit


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, moved on by hand: a busy machine cannot make a window end early.
    (The cache keeps each entry longer than the clock here runs, so the limit's own
    bookkeeping decides.)"""
    now = [1_000_000.0]
    monkeypatch.setattr(limits, "_now", lambda: now[0])
    return now


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


def test_the_cache_forgets_a_count_when_its_window_ends(db):
    limit = AttemptLimit("test-attempts", attempts=2, window=1)
    limit.count("alice", "192.0.2.1")
    time.sleep(1.1)
    assert cache.get(limit._key(("alice", "192.0.2.1"))) is None  # no entry outlives its window


def test_it_keeps_no_names_or_addresses_in_the_cache(db):
    limit = AttemptLimit("test-attempts", attempts=2, window=60)
    limit.count("alice", "192.0.2.1")
    with connection.cursor() as cursor:  # the cache is a table of the database
        cursor.execute("SELECT cache_key FROM servqual_cache")
        keys = [row[0].split(":", 2)[-1] for row in cursor.fetchall()]
    assert keys and not any("alice" in key or "192.0.2.1" in key for key in keys)
    limit.clear("alice", "192.0.2.1")
    assert not limit.reached("alice", "192.0.2.1") and cache.get(keys[0]) is None


def test_behind_a_proxy_the_client_is_told_by_the_header_the_proxy_sets(rf, settings):
    from servqual.web.accounts.limits import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert client_address(request) == "10.0.0.2"  # by default, the connection's address
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_address(request) == "203.0.113.9"  # the entry the proxy added, not one sent to it
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
