"""Logging in, its limit on failed attempts, and the first page after it: one's own
organisations and studies only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

PASSWORD = "a long enough pass phrase"


@pytest.fixture
def alice(people) -> User:
    people["alice"].set_password(PASSWORD)
    people["alice"].save()
    return people["alice"]


def log_in(client: Client, password: str, username: str = "alice"):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_it_logs_in_with_the_password_and_lists_only_the_own_studies(client, alice, study, globex, study_for):
    other = study_for(globex)
    assert User.objects.get(username="alice").password.startswith("argon2$")
    response = log_in(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert "Acme" in html and f"/studies/{study.pk}/" in html
    assert "Globex" not in html and f"/studies/{other.pk}/" not in html


def test_a_wrong_password_does_not_log_in(client, alice):
    assert log_in(client, "wrong").status_code == 200
    assert client.get("/").status_code == 302


def test_after_five_failures_even_the_right_password_waits(client, alice):
    for _ in range(5):
        assert log_in(client, "wrong").status_code == 200
    refused = log_in(client, PASSWORD, username="Alice")
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.content.decode()
    assert client.get("/").status_code == 302  # not logged in
    assert log_in(Client(REMOTE_ADDR="192.0.2.7"), PASSWORD).status_code == 302  # another address


def test_a_successful_login_clears_the_failures(client, alice):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302


def test_the_login_page_speaks_dutch(client, db):
    html = client.get("/accounts/login/", headers={"accept-language": "nl"}).content.decode()
    assert "<h1>Inloggen</h1>" in html and "Gebruikersnaam" in html
