"""The production settings, with a test key and plain HTTP for Django's test client."""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

from servqual.web.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
