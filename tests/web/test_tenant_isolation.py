"""Tenant isolation, exhaustively: every URL pattern of the site and every operation of the
API, tried by every role of Acme (and by nobody logged in) on every object of Globex.

The routes are enumerated from the URL resolver and from the API's own OpenAPI document,
so a page or an operation added later is tried without changing this file. A route whose
parameter this file cannot fill fails the test: say here how to fill it.

Routes reached by a secret (a survey link's key, an invitation's token, a password-reset
token) are outside it: whoever holds the secret may use them, whatever organisation they
work for; tests/web/test_survey.py and test_invitations.py cover them. So are the public
logos and brand stylesheets, named after their content (the SHA-256 of a logo's bytes, an
accent colour): the survey pages show them to anyone; tests/web/test_branding.py covers them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from logos import png
from routes import sample_body, site_routes
from staff import staff
from synthetic import fill

from servqual.web.accounts.audit import Actor, record
from servqual.web.accounts.branding import set_logo
from servqual.web.accounts.models import Action, AuditEntry
from servqual.web.api.views import api
from servqual.web.dashboards.downloads import DOWNLOADS
from servqual.web.dashboards.tasks import queue_report
from servqual.web.distribution.models import Invitation
from servqual.web.imports.models import ResponseImport
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import Response, SurveyLink

FIXTURES = Path(__file__).parents[1] / "fixtures"
#: Words of Globex's study that nobody at Acme may ever see.
SECRETS = ("Globex-geheim", "Geheimstad", "Golf-geheim")
#: Acme's people, each with another role, and nobody at all.
VISITORS = ["alice", "carl", "mona", "vera", None]
#: URL prefixes reached by a secret rather than by a login (see the module's docstring).
BY_SECRET = ("s/", "i/", "accounts/password-reset/<uidb64>/")
#: URL prefixes of what anyone may fetch, named after its content (see the module's docstring).
PUBLIC = ("logos/", "brand/")
#: What a refusal looks like: not found, forbidden, not allowed, sent to log in.
REFUSED = {302, 401, 403, 404, 405}


@pytest.fixture
def globex_objects(globex, people, study_for):
    """A Globex study with every kind of object in it, and enough responses for results."""
    study = study_for(globex)
    study.name = "Globex-geheim"
    study.save()
    Segment.objects.filter(study=study).update(values=["Geheimstad", "Elders"])
    wave = study.waves.get()
    wave.name = "Golf-geheim"
    wave.save()
    fill(wave, 12)
    # employees and managers in the secret branch: the five gaps (/gaps, the results page,
    # the exports) would name it per unit
    staff(wave, "employee", {"Geheimstad": 5, "Elders": 5})
    staff(wave, "manager", {"Geheimstad": 5}, seed=2)
    link = SurveyLink.objects.create(wave=wave)
    invitation = Invitation.objects.create(wave=wave, email="iemand@globex.example", language="nl")
    upload = ResponseImport.objects.create(
        wave=wave, created_by=people["bob"], filename="globex.csv", content=(FIXTURES / "canonical.csv").read_bytes()
    )
    record(
        Action.DOWNLOAD, globex, Actor.person(people["bob"]), wave, detail={"format": "export.xlsx"}
    )  # its log names the wave
    set_logo(globex, png(colour=(120, 20, 60)))
    globex.accent_colour = "#7a1f5c"
    globex.save()
    report = queue_report(wave, "nl", people["bob"])
    return {"study": study, "wave": wave, "link": link, "invitation": invitation, "import": upload, "report": report}


def counts(organisation) -> dict[str, int]:
    """How many objects of each kind the organisation has, and how they were last changed:
    a refused request changes none of it."""
    mine = {
        Study: {"organisation": organisation},
        Segment: {"study__organisation": organisation},
        Wave: {"study__organisation": organisation},
        SurveyLink: {"wave__study__organisation": organisation},
        Response: {"wave__study__organisation": organisation},
        Invitation: {"wave__study__organisation": organisation},
        ResponseImport: {"wave__study__organisation": organisation},
        AuditEntry: {"organisation": organisation},
    }
    found = {kind.__name__: kind.objects.filter(**lookup).count() for kind, lookup in mine.items()}
    found["names"] = hash(tuple(Study.objects.filter(organisation=organisation).values_list("name", "service_name")))
    found["waves"] = hash(tuple(Wave.objects.filter(study__organisation=organisation).values_list("name", "closes_at")))
    return found


def filled(route: str, objects: dict) -> list[str]:
    """The route with its parameters set to Globex's objects (each download by name)."""
    values = {
        "study_id": [objects["study"].pk],
        "wave_id": [objects["wave"].pk],
        "name": list(DOWNLOADS),
        "key": [objects["import"].key],
        "report_key": [objects["report"].key],
        "link_id": [objects["link"].pk],
        "kind": ["svg", "png", "csv", "xlsx"],
        "page": [1],
        "organisation_id": [objects["study"].organisation_id],
        "filename": [objects["study"].organisation.logo.filename],
        "colour": [objects["study"].organisation.accent_colour[1:]],
    }
    paths = [route]
    for parameter in re.findall(r"<(?:\w+:)?(\w+)>", route):
        assert parameter in values, f"say in filled() how to fill <{parameter}> of {route}"
        paths = [
            re.sub(rf"<(?:\w+:)?{parameter}>", str(value), p, count=1) for p in paths for value in values[parameter]
        ]
    return ["/" + p for p in paths]


def assert_refused(response, what: str) -> None:
    body = response.content.decode(errors="replace") if not response.streaming else ""
    assert response.status_code in REFUSED, f"{what}: {response.status_code}"
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"], f"{what}: sent to {response['Location']}"
    leaked = [secret for secret in SECRETS if secret in body]
    assert not leaked, f"{what}: shows {leaked}"


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_page_of_the_site_opens_anything_of_another_organisation(client, people, globex, globex_objects, visitor):
    if visitor:
        client.force_login(people[visitor])
    before = counts(globex)
    tried = 0
    for route in site_routes():
        if route.startswith(BY_SECRET + PUBLIC) or "<" not in route:
            continue
        for path in filled(route, globex_objects):
            for method in ("get", "post"):
                assert_refused(getattr(client, method)(path), f"{visitor} {method.upper()} {path}")
                tried += 1
    assert tried >= 30  # every page that takes a study, a wave, an import or a download
    assert counts(globex) == before


@pytest.mark.parametrize("visitor", VISITORS)
def test_the_pages_without_an_object_show_nothing_of_another_organisation(client, people, globex_objects, visitor):
    if visitor:
        client.force_login(people[visitor])
    for route in site_routes():
        if "<" in route or route.startswith(BY_SECRET + PUBLIC) or route in ("accounts/logout/",):
            continue
        page = client.get("/" + route)
        body = page.content.decode(errors="replace")
        assert not [secret for secret in SECRETS if secret in body], f"{visitor} GET /{route}"
    # the wizard's first step offers only the visitor's own organisations
    if visitor:
        page = client.get("/studies/new/")
        assert "Globex" not in page.content.decode()


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_operation_of_the_api_reaches_anything_of_another_organisation(
    people, token_for, globex, globex_objects, visitor
):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(visitor)}"} if visitor else {}
    values = {"study_id": globex_objects["study"].pk, "wave_id": globex_objects["wave"].pk}
    values["key"] = globex_objects["import"].key
    values["report_key"] = globex_objects["report"].key
    before = counts(globex)
    tried = 0
    schema = api.get_openapi_schema()
    for route, operations in schema["paths"].items():
        path = route
        for parameter in re.findall(r"{(\w+)}", route):
            assert parameter in values, f"say how to fill {{{parameter}}} of {route}"
            path = path.replace(f"{{{parameter}}}", str(values[parameter]))
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "multipart/form-data" in content:
                canonical = (FIXTURES / "canonical.csv").read_bytes()
                response = client.post(path, {"file": SimpleUploadedFile("bank.csv", canonical)}, **headers)
            elif content:
                # a well-formed body, so the operation itself must refuse, not its validation
                body = sample_body(content["application/json"]["schema"], schema["components"]["schemas"])
                response = getattr(client, method)(path, body, content_type="application/json", **headers)
            else:
                response = getattr(client, method)(path, **headers)
            what = f"{visitor} {method.upper()} {path}"
            if "{" not in route and method == "get":  # a list: of the visitor's own objects only
                body = response.content.decode()
                assert not [secret for secret in SECRETS if secret in body], what
            elif "{" not in route:  # creating: in the token's own organisation, never in Globex
                pass
            else:
                assert_refused(response, what)
            tried += 1
    assert tried >= 21
    assert counts(globex) == before


@pytest.mark.parametrize("visitor", VISITORS)
def test_the_admin_opens_nothing_of_another_organisation_to_acme(client, people, globex_objects, visitor):
    if visitor:
        client.force_login(people[visitor])
    for kind, obj in (("study", globex_objects["study"]), ("wave", globex_objects["wave"])):
        page = client.get(f"/admin/studies/{kind}/{obj.pk}/change/")
        assert page.status_code in REFUSED and "Globex-geheim" not in page.content.decode()
