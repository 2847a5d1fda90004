"""Limits on attempts per client, counted in Django's cache: failed logins, password-reset
e-mails and failed API tokens all go through ``AttemptLimit``.

The cache holds only a hash of what is counted (a user name, an address), never the text.
A window starts at the first attempt counted and the count ends with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address the request came from, as the web server gives it."""
    return request.META.get("REMOTE_ADDR", "")


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
        return cache.get(self._key(parts), 0) >= self.attempts

    def count(self, *parts: str) -> int:
        """Count one attempt; the number counted in the window, this one included."""
        key = self._key(parts)
        cache.add(key, 0, self.window)
        try:
            return cache.incr(key)
        except ValueError:  # the window ended between add and incr: this one starts the next
            cache.set(key, 1, self.window)
            return 1

    def clear(self, *parts: str) -> None:
        cache.delete(self._key(parts))
