"""The one attempt counter behind the login, password-reset and API token limits."""

from __future__ import annotations

import time

from django.core.cache import cache

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


def test_it_keeps_no_names_or_addresses_in_the_cache(db):
    limit = AttemptLimit("test-attempts", attempts=2, window=60)
    limit.count("alice", "192.0.2.1")
    keys = list(cache._cache)  # the local-memory cache of the tests
    assert keys and not any("alice" in key or "192.0.2.1" in key for key in keys)
    limit.clear("alice", "192.0.2.1")
    assert not limit.reached("alice", "192.0.2.1") and cache.get(keys[0]) is None
