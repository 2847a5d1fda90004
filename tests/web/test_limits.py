"""The one attempt counter behind the login, password-reset and API token limits."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import connection

from servqual.web.accounts.limits import AttemptLimit


def test_it_counts_per_combination_and_forgets_when_the_window_ends(db):
    limit = AttemptLimit("test-attempts", attempts=2, window=1)
    assert limit.count("alice", "192.0.2.1") == 1
    assert not limit.reached("alice", "192.0.2.1")
    assert limit.count("alice", "192.0.2.1") == 2
    assert limit.reached("alice", "192.0.2.1")
    assert not limit.reached("alice", "192.0.2.2") and not limit.reached("bob", "192.0.2.1")
    time.sleep(1.1)
    assert not limit.reached("alice", "192.0.2.1")
    assert limit.count("alice", "192.0.2.1") == 1


def test_a_window_runs_from_its_first_attempt_however_many_follow(db):
    limit = AttemptLimit("test-attempts", attempts=5, window=2)
    limit.count("alice", "192.0.2.1")
    time.sleep(1.2)
    assert limit.count("alice", "192.0.2.1") == 2  # a later attempt does not restart it
    time.sleep(1.0)
    assert limit.count("alice", "192.0.2.1") == 1


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
