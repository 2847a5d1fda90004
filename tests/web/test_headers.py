"""The headers every page is sent with: a Content-Security-Policy that allows no inline
script, and cookies that a script cannot read and other sites do not get."""

from __future__ import annotations

import pytest

from servqual.web.surveys.models import SurveyLink


def policy(response) -> dict[str, list[str]]:
    """The directives of the response's Content-Security-Policy, by name."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


@pytest.fixture
def pages(client, people, wave) -> list[str]:
    """A page of each kind: login, the organisation's pages and results, the survey, the API
    docs (Swagger UI) and the admin."""
    link = SurveyLink.objects.create(wave=wave)
    people["alice"].is_staff = people["alice"].is_superuser = True
    people["alice"].save()
    client.force_login(people["alice"])
    return [
        "/accounts/login/",
        "/",
        f"/waves/{wave.pk}/",
        f"/waves/{wave.pk}/results/",
        f"/s/{link.key}/",
        "/api/docs",
        "/admin/",
    ]


def test_every_page_forbids_inline_scripts_and_anything_from_elsewhere(client, pages):
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        directives = policy(response)
        assert directives["default-src"] == ["'self'"], page
        assert directives["script-src"] == ["'self'"], page  # no 'unsafe-inline', no 'unsafe-eval'
        assert "'unsafe-inline'" not in directives.get("style-src", []), page
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"], page
        assert directives["frame-ancestors"] == ["'none'"] and directives["form-action"] == ["'self'"], page


def test_the_language_cookie_is_secure_http_only_and_same_site(client, db):
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies["django_language"]
    assert cookie.value == "nl"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
