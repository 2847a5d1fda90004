"""The production settings with one page more, under a survey's path, that always fails:
for the test that a server's error leaves its traceback in the log (test_serve.py)."""

from __future__ import annotations

from servqual.web.settings import *  # noqa: F403

ROOT_URLCONF = "urls_with_failing_page"
