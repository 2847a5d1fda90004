"""The replacement of secrets in log lines: the keys and tokens of working links go, the
rest of a path stays readable."""

from __future__ import annotations

import pytest

from servqual.web.logs import without_secrets


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        ('"GET /s/6c_5zMEj2zep8Vxnx8HIjA/2/?lang=nl HTTP/1.1"', '"GET /s/.../2/?lang=nl HTTP/1.1"'),
        ('"POST /s/6c_5zMEj2zep8Vxnx8HIjA HTTP/1.1"', '"POST /s/... HTTP/1.1"'),
        ("Internal Server Error: /i/Tq0-x_ab/unsubscribe/", "Internal Server Error: /i/.../unsubscribe/"),
        ("/accounts/password-reset/MQ/cxw2kq-8f3e0a1b/", "/accounts/password-reset/MQ/.../"),
    ],
)
def test_the_key_or_token_of_a_working_link_is_replaced(line, logged):
    assert without_secrets(line) == logged


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password-reset/MQ/set-password/",
        "/accounts/password-reset/sent/",
        "/accounts/login/?next=/waves/3/",
        "/waves/3/results/report.pdf",
        "/static/servqual/servqual.css",
    ],
)
def test_paths_without_a_secret_stay_as_they_are(path):
    assert without_secrets(path) == path
