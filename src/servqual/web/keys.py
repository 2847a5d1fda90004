"""Secret keys in links, cookies and API tokens: only their SHA-256 hash is ever stored,
so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
