"""Limits on attempts per client, counted in the database (models.AttemptCount) so that
every server process shares them: failed logins, password-reset e-mails, failed API tokens,
unknown survey keys and survey pages sent all go through ``AttemptLimit``.

The table holds only a hash of what is counted (a user name, an address), never the text.
A window starts at the first attempt counted and the count ends with it.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from servqual.web.accounts.models import AttemptCount


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
        return self._counted(parts) >= self.attempts

    def count(self, *parts: str) -> int:
        """Count one attempt; the number counted in the window, this one included."""
        now = _now()
        counted = _count_one(self._key(parts), now, now + self.window)
        if counted == 1:  # a new window: forget the ended ones, so the table stays small
            AttemptCount.objects.filter(ends_at__lte=now).delete()
        return counted

    def _counted(self, parts: tuple[str, ...]) -> int:
        return self._window(parts)[0]

    def _window(self, parts: tuple[str, ...]) -> tuple[int, float]:
        """The attempts counted in the current window and when it ends; (0, 0.0) if none."""
        return _current_window(self._key(parts), _now())

    def seconds_left(self, *parts: str) -> int:
        """Whole seconds until the current window ends (at least 1): a Retry-After."""
        counted, ends_at = self._window(parts)
        return max(1, math.ceil(ends_at - _now())) if counted else 1

    def clear(self, *parts: str) -> None:
        AttemptCount.objects.filter(key=self._key(parts)).delete()


# The counter's two statements are SQL: the ORM has no upsert with a condition or a
# RETURNING, and the read runs on every survey request, where building the ORM's query cost
# three times the statement itself (docs/performance.md). The same SQL on SQLite (3.35 and
# later) and PostgreSQL.


def _count_one(key: str, now: float, new_end: float) -> int:
    """Add one to the key's window (a new window from ``now`` if its own has ended) and
    return the count, in one statement: a read and then a write let two requests at once
    both count from the same number."""
    table, key_column = _names()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, counted, ends_at) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({key_column}) DO UPDATE SET "
            f"counted = CASE WHEN {table}.ends_at <= %s THEN 1 ELSE {table}.counted + 1 END, "
            f"ends_at = CASE WHEN {table}.ends_at <= %s THEN excluded.ends_at ELSE {table}.ends_at END "
            "RETURNING counted",
            [key, new_end, now, now],
        )
        (counted,) = cursor.fetchone()
    return int(counted)


def _current_window(key: str, now: float) -> tuple[int, float]:
    table, key_column = _names()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT counted, ends_at FROM {table} WHERE {key_column} = %s AND ends_at > %s", [key, now])
        found = cursor.fetchone()
    return (int(found[0]), float(found[1])) if found else (0, 0.0)


def _names() -> tuple[str, str]:
    return connection.ops.quote_name(AttemptCount._meta.db_table), connection.ops.quote_name("key")
