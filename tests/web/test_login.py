"""Logging in, and the first page after it: one's own organisations and studies only."""

from __future__ import annotations

from django.contrib.auth.models import User


def test_it_logs_in_with_the_password_and_lists_only_the_own_studies(client, people, study, globex, study_for):
    other = study_for(globex)
    alice = people["alice"]
    alice.set_password("a long enough pass phrase")
    alice.save()
    assert User.objects.get(username="alice").password.startswith("argon2$")
    response = client.post("/accounts/login/", {"username": "alice", "password": "a long enough pass phrase"})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert "Acme" in html and f"/studies/{study.pk}/" in html
    assert "Globex" not in html and f"/studies/{other.pk}/" not in html


def test_a_wrong_password_does_not_log_in(client, people):
    people["alice"].set_password("a long enough pass phrase")
    people["alice"].save()
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_the_login_page_speaks_dutch(client, db):
    html = client.get("/accounts/login/", headers={"accept-language": "nl"}).content.decode()
    assert "<h1>Inloggen</h1>" in html and "Gebruikersnaam" in html
