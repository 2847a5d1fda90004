"""Limits on attempts per client, counted in Django's cache: failed logins, password-reset
e-mails, failed API tokens, unknown survey keys and survey pages sent all go through
``AttemptLimit``.

The cache holds only a hash of what is counted (a user name, an address), never the text.
A window starts at the first attempt counted and the count ends with it.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _now() -> float:
    """Seconds since the epoch; the tests move it on by hand."""
    return time.time()


def client_address(request: HttpRequest) -> str:
    """The address the request came from: as the web server gives it, or, behind a proxy,
    from the header the proxy sets (settings.CLIENT_ADDRESS_HEADER). Of a list, as in
    X-Forwarded-For, the last entry: the one the proxy itself added."""
    header = settings.CLIENT_ADDRESS_HEADER
    forwarded = request.META.get(header, "") if header else ""
    return forwarded.split(",")[-1].strip() or request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class AttemptLimit:
    """At most ``attempts`` counted per ``window`` seconds for one combination of parts
    (a user name and an address, or an address alone)."""

    name: str
    attempts: int
    window: int

    def _key(self, parts: tuple[str, ...]) -> str:
        return f"{self.name}:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def reached(self, *parts: str) -> bool:
        """True once ``attempts`` have been counted in the current window."""
        return self._counted(self._key(parts))[0] >= self.attempts

    def count(self, *parts: str) -> int:
        """Count one attempt; the number counted in the window, this one included."""
        key = self._key(parts)
        counted, started = self._counted(key)
        # The window's start is stored with the count: cache.incr would do no better (the
        # database cache's incr is a get and a set too) and its set restarts the expiry.
        cache.set(key, (counted + 1, started), started + self.window - _now())
        return counted + 1

    def _counted(self, key: str) -> tuple[int, float]:
        """The attempts counted in the window, and when it started (now, for a new one)."""
        counted, started = cache.get(key, (0, 0.0))
        if _now() - started >= self.window:
            return 0, _now()
        return counted, started

    def seconds_left(self, *parts: str) -> int:
        """Whole seconds until the current window ends (at least 1): a Retry-After."""
        counted, started = self._counted(self._key(parts))
        return max(1, math.ceil(started + self.window - _now())) if counted else 1

    def clear(self, *parts: str) -> None:
        cache.delete(self._key(parts))
