"""The production settings, with a test key and plain HTTP for Django's test client."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# Uploads waiting in the wizard and the like go to a folder of the tests, not the checkout.
os.environ.setdefault("SERVQUAL_DATA_DIR", str(Path(tempfile.gettempdir()) / "servqual-tests-data"))

from servqual.web.settings import *  # noqa: F403
from servqual.web.settings import DATABASES

SECURE_SSL_REDIRECT = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, as in production: an in-memory database shared between threads locks whole
    # tables and ignores the busy timeout that makes concurrent writers wait.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"servqual-tests-{os.getpid()}.sqlite3")}

# WhiteNoise serves what collectstatic put here (servqual serve runs it); it must exist.
STATIC_ROOT = Path(tempfile.gettempdir()) / "servqual-tests-static"
STATIC_ROOT.mkdir(exist_ok=True)

# Tasks run at once, inside the request, for the tests of everything else; the tests of the
# queue itself (tests/web/test_tasks.py) use the database backend with `servqual worker`
# processes.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
