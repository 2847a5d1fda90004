"""Invitations and reminders by e-mail, through a real SMTP server: the invitee's language,
a personal link that resumes on any device, one-click unsubscribe, reminders only to those
not finished; and password reset by e-mail."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone
from test_survey import PAGES, page_answers

from servqual.web.distribution.models import Invitation, InvitationKey
from servqual.web.keys import key_hash
from servqual.web.surveys.models import Response

LINK = re.compile(r"https?://[\w.]+(/i/[\w-]+/(?:unsubscribe/)?)")


def invite(wave, email, language="nl", **fields) -> Invitation:
    return Invitation.objects.create(
        wave=wave, email=email, language=language, segments={"branch": "Utrecht"}, **fields
    )


def send(client: Client, wave, kind: str = "invitation"):
    response = client.post(f"/waves/{wave.pk}/invitations/send/", {"kind": kind})
    assert response.status_code == 302 and response["Location"] == f"/waves/{wave.pk}/"
    return response


def links(message) -> tuple[str, str]:
    """The personal link and the unsubscribe link of an e-mail's text part."""
    survey, unsubscribe = LINK.findall(message.get_body(("plain",)).get_content())
    assert unsubscribe == survey + "unsubscribe/"
    return survey, unsubscribe


def by_recipient(inbox) -> dict[str, object]:
    return {message["To"]: message for message in inbox}


def test_each_invitee_gets_one_email_in_their_language_with_a_working_link(client, people, wave, smtp):
    invite(wave, "anna@example.nl", "nl")
    invite(wave, "ben@example.com", "en")
    client.force_login(people["carl"])
    send(client, wave)
    mail = by_recipient(smtp)
    assert set(mail) == {"anna@example.nl", "ben@example.com"}
    dutch, english = mail["anna@example.nl"], mail["ben@example.com"]
    assert dutch["X-Envelope-To"] == "anna@example.nl"
    assert dutch["Subject"] == "Uw mening over Acme" and english["Subject"] == "Your view on Acme"
    assert dutch["Content-Language"] == "nl"
    assert "Uw persoonlijke link" in dutch.get_body(("plain",)).get_content()
    html = dutch.get_body(("html",)).get_content()
    assert "Start de vragenlijst" in html and 'href="http://testserver/i/' in html
    survey, unsubscribe = links(dutch)
    assert f"\r\nList-Unsubscribe: <http://testserver{unsubscribe}>\r\n".encode() in dutch.raw
    assert dutch["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page = Client().get(survey)
    assert page.status_code == 200 and page["Content-Language"] == "nl"
    assert "Deze uitnodiging is persoonlijk" in page.content.decode()

    send(client, wave)  # nothing new is pending
    assert len(smtp) == 2
    assert all(i.sent_at is not None for i in Invitation.objects.all())


def test_a_personal_link_resumes_where_it_stopped_on_another_device(client, people, wave, smtp):
    invitation = invite(wave, "anna@example.nl")
    client.force_login(people["carl"])
    send(client, wave)
    survey, _ = links(smtp[0])

    phone = Client()
    assert phone.post(survey)["Location"] == f"{survey}1/"
    assert phone.post(f"{survey}1/", page_answers(1))["Location"] == f"{survey}2/"

    laptop = Client()  # no cookie: the token names the response; the invitee's language beats the browser's
    assert "Verdergaan waar u was gebleven" in laptop.get(survey, headers={"accept-language": "en"}).content.decode()
    assert laptop.post(survey)["Location"] == f"{survey}2/"
    for page in range(2, PAGES + 1):
        assert laptop.post(f"{survey}{page}/", page_answers(page)).status_code == 302
    invitation.refresh_from_db()
    response = invitation.response
    assert response.completed_at is not None and response.link is None
    assert response.segments == {"branch": "Utrecht"} and response.language == "nl"
    assert response.answers["E1"] == 6 and response.answers["W_REL"] == 30
    assert phone.get(survey)["Location"] == f"{survey}done/"


def test_reminders_go_only_to_invitees_who_have_not_finished_or_unsubscribed(client, people, wave, smtp):
    for name in ("done", "stopped", "quiet", "left"):
        invite(wave, f"{name}@example.nl")
    client.force_login(people["alice"])
    send(client, wave)
    first = {m["To"]: links(m) for m in smtp}

    finisher = Client()
    finisher.post(first["done@example.nl"][0])
    for page in range(1, PAGES + 1):
        finisher.post(f"{first['done@example.nl'][0]}{page}/", page_answers(page))
    Client().post(first["stopped@example.nl"][0])  # started, not finished
    unsubscribe = first["left@example.nl"][1]
    assert Client().get(unsubscribe).status_code == 200
    assert Invitation.objects.get(email="left@example.nl").unsubscribed_at is None  # GET only asks
    assert "U krijgt geen e-mails meer" in Client().post(unsubscribe).content.decode()
    assert Invitation.objects.get(email="left@example.nl").unsubscribed_at is not None

    smtp.clear()
    send(client, wave, "reminder")
    assert sorted(m["To"] for m in smtp) == ["quiet@example.nl", "stopped@example.nl"]
    reminder = by_recipient(smtp)["stopped@example.nl"]
    assert reminder["Subject"] == "Herinnering: uw mening over Acme"
    # The reminder's link is new, the invitation's still works, and both reach the same response.
    new_link = links(reminder)[0]
    assert new_link != first["stopped@example.nl"][0]
    assert Client().post(new_link)["Location"] == f"{new_link}1/"
    assert Client().post(first["stopped@example.nl"][0])["Location"] == f"{first['stopped@example.nl'][0]}1/"
    assert Response.objects.count() == 2  # the finisher's and the one that stopped: no new one

    smtp.clear()
    send(client, wave, "reminder")  # pressed again: at most one reminder a day
    assert smtp == []


def test_the_database_holds_only_hashes_of_the_tokens(client, people, wave, smtp):
    invite(wave, "anna@example.nl")
    client.force_login(people["carl"])
    send(client, wave)
    token = links(smtp[0])[0].split("/")[2]
    assert len(token) >= 22  # 128 bits in URL-safe base64 take 22 characters; ours has 256
    assert InvitationKey.objects.get().key_hash == key_hash(token)
    for model in apps.get_models():
        for row in model.objects.values():
            assert token not in repr(row), model


def test_the_command_sends_invitations_and_reminders(wave, settings, smtp):
    settings.SITE_URL = "https://survey.example.org"
    invite(wave, "anna@example.nl", "en")
    assert call_command("sendinvitations") == "1 invitations queued"
    assert len(smtp) == 1 and "https://survey.example.org/i/" in smtp[0].get_body(("plain",)).get_content()
    call_command("sendinvitations", "--reminders")
    assert len(smtp) == 2 and smtp[1]["Subject"] == "Reminder: your view on Acme"


def test_a_closed_wave_sends_nothing(client, people, wave, smtp):
    invite(wave, "anna@example.nl")
    wave.opens_at, wave.closes_at = timezone.now() - timedelta(days=9), timezone.now() - timedelta(days=2)
    wave.save()
    client.force_login(people["carl"])
    send(client, wave)
    assert smtp == [] and Invitation.objects.get().sent_at is None


def test_addresses_are_erased_a_month_after_the_wave_closed(wave):
    invitation = invite(wave, "anna@example.nl")
    call_command("pruneinvitations")
    assert Invitation.objects.get().email == "anna@example.nl"
    wave.opens_at, wave.closes_at = timezone.now() - timedelta(days=60), timezone.now() - timedelta(days=31)
    wave.save()
    call_command("pruneinvitations")
    invitation.refresh_from_db()
    assert invitation.email is None and invitation.segments == {"branch": "Utrecht"}


@pytest.fixture
def alice_with_email(people):
    alice = people["alice"]
    alice.email = "alice@acme.example"
    alice.set_password("the old pass phrase")
    alice.save()
    return alice


def test_a_password_is_reset_by_email_in_dutch(client, alice_with_email, smtp):
    response = client.post(
        "/accounts/password-reset/", {"email": "alice@acme.example"}, headers={"accept-language": "nl"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    (message,) = smtp
    assert message["To"] == "alice@acme.example" and message["Subject"] == "Een nieuw wachtwoord voor servqual"
    text = message.get_content()
    assert "Uw gebruikersnaam is alice." in text
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", text)[1]
    form = client.get(link, follow=True, headers={"accept-language": "nl"})
    assert "Kies een nieuw wachtwoord" in form.content.decode()
    new = "a brand new pass phrase"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/accounts/password-reset/done/"
    assert User.objects.get(username="alice").check_password(new)


def test_an_unknown_address_gets_no_email_and_the_same_answer(client, alice_with_email, smtp):
    response = client.post("/accounts/password-reset/", {"email": "nobody@acme.example"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert smtp == []


def test_password_reset_requests_are_limited_per_address(client, alice_with_email, smtp):
    for _ in range(5):
        assert client.post("/accounts/password-reset/", {"email": "alice@acme.example"}).status_code == 302
    refused = client.post("/accounts/password-reset/", {"email": "alice@acme.example"})
    assert refused.status_code == 429 and len(smtp) == 5
    assert 0 < int(refused["Retry-After"]) <= 15 * 60


@pytest.mark.django_db(transaction=True)
def test_two_devices_starting_at_the_same_moment_make_one_response(wave):
    token = invite(wave, "anna@example.nl").new_key()

    def start_on_a_device(_):
        try:
            return Client().post(f"/i/{token}/")["Location"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(start_on_a_device, range(4))) == [f"/i/{token}/1/"] * 4
    assert Response.objects.count() == 1
    assert Invitation.objects.get().response == Response.objects.get()


def test_a_failed_csrf_check_on_a_personal_page_shows_it_again_unsaved(wave):
    token = invite(wave, "anna@example.nl", "en").new_key()
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/i/{token}/")
    browser.post(f"/i/{token}/", {"csrfmiddlewaretoken": str(page.context["csrf_token"])})
    browser.cookies.pop("csrftoken")
    response = browser.post(f"/i/{token}/1/", {**page_answers(1, "2"), "csrfmiddlewaretoken": "stale"})
    assert response.status_code == 403 and "Your answers are still here" in response.content.decode()
    assert Response.objects.get().answers == {}


def test_an_unknown_token_is_not_found(client, db):
    assert client.get("/i/not-a-real-token/").status_code == 404
    assert client.post("/i/not-a-real-token/unsubscribe/").status_code == 404
