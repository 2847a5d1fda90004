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
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 15 * 60
    assert "Too many failed attempts" in refused.content.decode()
    assert client.get("/").status_code == 302  # not logged in
    assert log_in(Client(REMOTE_ADDR="192.0.2.7"), PASSWORD).status_code == 302  # another address


def test_a_lock_holds_while_a_busy_survey_counts_thousands_of_addresses(client, alice):
    """The counts once lived in Django's database cache, which holds 300 entries and then
    deletes a third of them (in key order, so "login-..." before "survey-..."): a survey's
    respondents, each counted by address, unlocked a locked login and gave a password
    guesser more tries. The counts now have a table of their own, which deletes nothing
    before its window ends."""
    from servqual.web.surveys.limits import survey_posts

    for _ in range(5):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, PASSWORD).status_code == 429
    posts = survey_posts()
    for respondent in range(1000):
        posts.count(f"198.51.100.{respondent % 256}/{respondent}")
    assert log_in(client, PASSWORD).status_code == 429


def test_a_name_written_another_way_counts_for_the_same_user(client, alice):
    """The login form normalises the name (NFKC) before it looks the user up, so that
    "\uff41lice" (a fullwidth a) is alice: its failures are hers, and once she is locked
    out, so is every other way of writing her name."""
    fullwidth = "\uff41lice"
    for _ in range(5):
        assert log_in(client, "wrong", username=fullwidth).status_code == 200
    assert log_in(client, PASSWORD).status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.7")
    for _ in range(5):
        assert log_in(other, "wrong").status_code == 200
    assert log_in(other, PASSWORD, username=fullwidth).status_code == 429
    assert log_in(other, PASSWORD, username=" ALICE ").status_code == 429
    assert other.get("/").status_code == 302  # not logged in


def test_one_address_fails_at_most_twenty_times_whatever_the_names(client, alice):
    for number in range(20):
        assert log_in(client, "wrong", username=f"guess{number}").status_code == 200
    refused = log_in(client, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.content.decode()
    assert client.get("/").status_code == 302  # not logged in
    assert log_in(Client(REMOTE_ADDR="192.0.2.7"), PASSWORD).status_code == 302  # another address


def test_logging_in_does_not_clear_the_failures_of_the_address(client, alice, settings):
    """Else one's own account would reset the count between guesses at others'."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for number in range(2):
        log_in(client, "wrong", username=f"guess{number}")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "wrong", username="guess2").status_code == 200
    assert log_in(client, PASSWORD).status_code == 429


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
