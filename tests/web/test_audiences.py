"""Surveys for managers and employees wait for their own questionnaires (issue 14). Until
the survey pages show those, a link or invitation for either audience is refused, in the
wave page's form, the invitations upload and the API; one made before shows a page that says
so instead of the customer questionnaire, takes no answers and is not e-mailed."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from test_setup import WIZARD, step, study_step

from servqual.web.distribution import mail
from servqual.web.distribution.models import Invitation
from servqual.web.surveys.models import Response, SurveyLink

REFUSED = {
    ("manager", "en"): "The survey for managers is not available yet",
    ("employee", "en"): "The survey for employees is not available yet",
    ("manager", "nl"): "De vragenlijst voor managers is nog niet beschikbaar",
    ("employee", "nl"): "De vragenlijst voor medewerkers is nog niet beschikbaar",
}
NOT_YET = {"en": "This survey is not available yet", "nl": "Deze vragenlijst is nog niet beschikbaar"}


def text(html: bytes) -> str:
    """The page's text with its markup and Django's HTML escapes taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode())).replace("&#x27;", "'")


@pytest.mark.parametrize(("audience", "lang"), sorted(REFUSED))
def test_the_wave_page_refuses_a_link_for_managers_or_employees(client, people, wave, audience, lang):
    client.force_login(people["carl"])
    refused = client.post(f"/waves/{wave.pk}/links/new/", {"audience": audience}, HTTP_ACCEPT_LANGUAGE=lang)
    assert refused.status_code == 200
    assert REFUSED[audience, lang] in text(refused.content)
    assert not wave.links.exists()
    made = client.post(f"/waves/{wave.pk}/links/new/", {"audience": "customer"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert made["Location"] == f"/waves/{wave.pk}/" and wave.links.get().audience == "customer"


@pytest.mark.parametrize(("audience", "lang"), sorted(REFUSED))
def test_the_api_refuses_a_link_for_managers_or_employees_under_errors_audience(
    client, wave, token_for, audience, lang
):
    response = client.post(
        f"/api/waves/{wave.pk}/links",
        {"audience": audience},
        content_type="application/json",
        headers={"authorization": f"Bearer {token_for('carl')}", "accept-language": lang},
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["audience"]
    assert errors["audience"][0].startswith(REFUSED[audience, lang])
    assert not SurveyLink.objects.exists()


@pytest.mark.parametrize(("audience", "lang"), sorted(REFUSED))
def test_invitations_for_managers_or_employees_are_refused_before_the_summary(client, people, wave, audience, lang):
    client.force_login(people["carl"])
    addresses = SimpleUploadedFile("adressen.csv", b"email\nanna@example.nl\n", content_type="text/csv")
    refused = client.post(
        f"/waves/{wave.pk}/invitations/", {"audience": audience, "file": addresses}, HTTP_ACCEPT_LANGUAGE=lang
    )
    html = refused.content.decode()
    assert REFUSED[audience, lang] in text(refused.content)
    assert 'name="payload"' not in html  # no summary to confirm
    assert not Invitation.objects.exists()


def old_link(wave, audience: str) -> SurveyLink:
    """A link made before the refusal: saved without the model's validation."""
    return SurveyLink.objects.create(wave=wave, audience=audience)


@pytest.mark.parametrize(("audience", "lang"), [("manager", "en"), ("employee", "nl")])
def test_an_existing_link_for_managers_or_employees_shows_a_page_instead_of_the_questionnaire(
    client, wave, audience, lang
):
    link = old_link(wave, audience)
    page = client.get(f"/s/{link.key}/?lang={lang}")
    assert page.status_code == 200
    assert NOT_YET[lang] in text(page.content)
    assert "<form" not in page.content.decode()  # nothing to start
    assert client.post(f"/s/{link.key}/?lang={lang}").status_code == 200
    assert client.post(f"/s/{link.key}/1/", {"E1": "6", "P1": "6"}).status_code == 200
    assert not Response.objects.exists()


def test_an_existing_invitation_for_employees_shows_the_page_and_is_not_e_mailed(client, wave):
    invitation = Invitation.objects.create(wave=wave, audience="employee", email="anna@example.nl", language="nl")
    customer = Invitation.objects.create(wave=wave, email="ben@example.nl", language="en")
    token = invitation.new_key()
    page = client.get(f"/i/{token}/")
    assert NOT_YET["nl"] in text(page.content) and "<form" not in page.content.decode()
    assert client.post(f"/i/{token}/").status_code == 200
    assert not Response.objects.exists()
    assert list(mail.pending(wave, reminder=False)) == [customer]
    Invitation.objects.update(sent_at=timezone.now())
    assert list(mail.pending(wave, reminder=True)) == [customer]


def test_a_customer_link_still_shows_the_questionnaire(client, link):
    page = client.get(f"/s/{link.key}/")
    assert page.status_code == 200 and "<form" in page.content.decode()
    assert NOT_YET["en"] not in text(page.content)


@pytest.mark.parametrize("base", ["servqual-managers", "servqual-employees"])
def test_a_study_cannot_take_the_managers_or_employees_instrument_as_its_questionnaire(
    client, acme, people, token_for, base
):
    """The survey pages and the results would treat it as the customers' questionnaire."""
    body = {"name": "Intern", "service_name": "Acme", "languages": ["nl", "en"]}
    headers = {"authorization": f"Bearer {token_for('alice')}"}
    as_file = body | {"instrument_file": f'key = "ours"\nbased_on = "{base}"\n'}
    refused = client.post("/api/studies", as_file, content_type="application/json", headers=headers)
    assert refused.status_code == 400
    assert refused.json()["errors"]["instrument_file"] == [
        "This instrument is for managers or employees. A study's questionnaire is the customers' one; the surveys "
        "for managers and employees are not available yet."
    ]
    as_key = body | {"instrument_key": base}
    refused = client.post("/api/studies", as_key, content_type="application/json", headers=headers)
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["instrument_key"]
    assert not acme.studies.exists()
    client.force_login(people["alice"])
    client.get(WIZARD)
    choices = step(client, "study", study_step(acme)).content.decode()
    assert 'value="servqual-22"' in choices and f'value="{base}"' not in choices
