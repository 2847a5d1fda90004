"""``/health/`` answers "ok" while the database does, and 503 when it does not, also over plain
HTTP where every other page redirects to HTTPS (a load balancer's check inside the network)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_a_server_with_its_database_is_healthy(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_server_without_its_database_is_not(client, monkeypatch):
    def gone(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", gone)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


def test_the_production_settings_exempt_the_check_from_the_https_redirect(tmp_path):
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT)"
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "servqual.web.settings",
        "SECRET_KEY": "k" * 50,
        "SERVQUAL_DATA_DIR": str(tmp_path),
    }
    run = subprocess.run(
        [sys.executable, "-m", "servqual.web", "shell", "--no-imports", "-c", code],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.stdout.strip() == "True ['^health/$']", run.stderr


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^health/$"])
def test_the_check_is_answered_over_plain_http_where_pages_redirect(client):
    assert client.get("/health/").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_the_check_takes_no_post(client):
    assert client.post("/health/").status_code == 405
