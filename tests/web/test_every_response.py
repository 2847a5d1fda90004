"""Every answer of the site, whatever its route or status: the security headers, and unknown
query parameters that change nothing.

The routes come from Django's resolver and the API's OpenAPI document (routes.py), each
filled with an object of the owner's own organisation, so every page answers as it does
for its user; then the answers no route gives by itself: 404, 500, 429, the CSRF failure
page, a bad Host header, static files and the admin.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from logos import png
from routes import sample_body, site_routes
from staff import staff
from synthetic import fill

from servqual.web.accounts.branding import set_logo
from servqual.web.api.views import api
from servqual.web.dashboards.downloads import DOWNLOADS
from servqual.web.dashboards.tasks import queue_report
from servqual.web.distribution.models import Invitation
from servqual.web.imports.models import ResponseImport
from servqual.web.surveys.models import SurveyLink

FIXTURES = Path(__file__).parents[1] / "fixtures"
WEB_STATIC = Path(__file__).parents[2] / "src" / "servqual" / "web" / "static"


@pytest.fixture
def site(client, people, token_for, study):
    """Acme's owner, logged in and staff, with a study holding one of each kind of object;
    the values of every route parameter, per route prefix where a name means two things."""
    wave = study.waves.get()
    fill(wave, 12)
    staff(wave, "employee", {"Utrecht": 5})  # so that the five gaps (/gaps, the page's section) have figures
    alice = people["alice"]
    alice.is_staff = alice.is_superuser = True
    alice.email = "alice@acme.example"
    alice.save()
    client.force_login(alice)
    upload = ResponseImport.objects.create(
        wave=wave, created_by=alice, filename="acme.csv", content=(FIXTURES / "canonical.csv").read_bytes()
    )
    organisation = study.organisation
    set_logo(organisation, png())
    organisation.accent_colour = "#0b5394"
    organisation.save()
    values = {
        "study_id": [study.pk],
        "wave_id": [wave.pk],
        "name": list(DOWNLOADS),
        "key": [upload.key],
        "report_key": [queue_report(wave, "en", alice).key],
        "page": [1],
        "uidb64": [urlsafe_base64_encode(force_bytes(alice.pk))],
        "link_id": [SurveyLink.objects.create(wave=wave).pk],
        "organisation_id": [study.organisation.pk],
        "kind": ["svg", "png", "csv", "xlsx"],
        "filename": [organisation.logo.filename],
        "colour": ["0b5394"],
    }
    by_prefix = {
        "s/": {"key": [SurveyLink.objects.create(wave=wave).key]},
        "i/": {"token": [Invitation.objects.create(wave=wave, email="anna@example.nl", language="nl").new_key()]},
        "accounts/password-reset/": {"token": [default_token_generator.make_token(alice)]},
    }
    return {"client": client, "values": values, "by_prefix": by_prefix, "token": token_for("alice")}


def filled(route: str, site: dict) -> list[str]:
    """The route with each parameter set to the site's object (each download by name)."""
    values = dict(site["values"])
    for prefix, own in site["by_prefix"].items():
        if route.startswith(prefix):
            values |= own
    paths = [route]
    for parameter in re.findall(r"<(?:\w+:)?(\w+)>", route):
        assert parameter in values, f"say in site() how to fill <{parameter}> of {route}"
        paths = [re.sub(rf"<(?:\w+:)?{parameter}>", str(v), p, count=1) for p in paths for v in values[parameter]]
    return ["/" + p for p in paths]


def site_paths(site: dict) -> list[str]:
    return [path for route in site_routes() if route != "accounts/logout/" for path in filled(route, site)]


def api_operations(site: dict) -> list[tuple[str, str, dict]]:
    """(method, path, request keywords) of every API operation, on Acme's objects, with a
    well-formed body."""
    schema = api.get_openapi_schema()
    values = {"study_id": site["values"]["study_id"][0], "wave_id": site["values"]["wave_id"][0]}
    values["key"] = site["values"]["key"][0]
    values["report_key"] = site["values"]["report_key"][0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {site['token']}"}
    operations = []
    for route, methods in schema["paths"].items():
        path = re.sub(r"{(\w+)}", lambda match: str(values[match[1]]), route)
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "multipart/form-data" in content:
                file = SimpleUploadedFile("bank.csv", (FIXTURES / "canonical.csv").read_bytes())
                keywords = {"data": {"file": file}}
            elif content:
                body = sample_body(content["application/json"]["schema"], schema["components"]["schemas"])
                keywords = {"data": body, "content_type": "application/json"}
            else:
                keywords = {}
            operations.append((method, path, keywords | headers))
    return operations


def assert_hardened(response, what: str) -> None:
    """The headers every answer carries (with DEBUG off, over HTTPS)."""
    policy = {
        name: sources
        for name, *sources in (part.split() for part in response.get("Content-Security-Policy", "").split(";"))
    }
    if "sandbox" in policy:  # the HTML report, shown on its own: no script at all, nothing fetched
        assert policy.get("default-src") == ["'none'"] and "script-src" not in policy, what
    else:
        assert policy.get("script-src") == ["'self'"], f"{what}: script-src {policy.get('script-src')}"
        assert policy.get("default-src") == ["'self'"], what
    assert policy.get("frame-ancestors") == ["'none'"], what
    assert response.get("X-Frame-Options") == "DENY", what
    assert response.get("X-Content-Type-Options") == "nosniff", what
    assert response.get("Referrer-Policy") == "same-origin", what
    hsts = f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload"
    assert response.get("Strict-Transport-Security") == hsts, what


def test_every_page_and_api_operation_answers_with_the_security_headers(site):
    client, statuses = site["client"], set()
    for path in site_paths(site):
        for method in ("get", "post"):
            response = getattr(client, method)(path, secure=True)
            assert_hardened(response, f"{method.upper()} {path}")
            statuses.add(response.status_code)
    for method, path, keywords in api_operations(site):
        response = getattr(Client(), method)(path, secure=True, **keywords)
        assert_hardened(response, f"{method.upper()} {path}")
        statuses.add(response.status_code)
    assert {200, 201, 302, 405} <= statuses


def test_every_kind_of_error_answers_with_the_security_headers(site, settings, tmp_path):
    client = site["client"]
    assert_hardened(client.get("/no/such/page/", secure=True), "404")
    assert_hardened(client.get("/admin/", secure=True), "the admin")
    refused = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"}, secure=True)
    assert refused.status_code == 403
    assert_hardened(refused, "the CSRF failure page")
    bad_host = Client(HTTP_HOST="evil.example").get("/", secure=True)
    assert bad_host.status_code == 400
    assert_hardened(bad_host, "a bad Host header")
    settings.SURVEY_LOOKUP_FAILURES_PER_ADDRESS = 1
    Client().get("/s/guessed-key/", secure=True)
    too_many = Client().get("/s/guessed-key/", secure=True)
    assert too_many.status_code == 429
    assert_hardened(too_many, "429")
    for _ in range(21):
        api_refused = Client().get("/api/studies", HTTP_AUTHORIZATION="Bearer wrong", secure=True)
    assert api_refused.status_code == 429
    assert_hardened(api_refused, "the API's 429")
    settings.ROOT_URLCONF = "urls_with_failing_page"
    failed = Client(raise_request_exception=False).post("/s/any-key/fails/", secure=True)
    assert failed.status_code == 500
    assert_hardened(failed, "500")


def test_static_files_served_by_the_app_carry_the_security_headers(db, settings):
    # What collectstatic puts in STATIC_ROOT (servqual serve runs it), served by WhiteNoise
    # in the server process; a new client loads the middleware, which finds the file.
    target = Path(settings.STATIC_ROOT) / "servqual" / "servqual.css"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(WEB_STATIC / "servqual" / "servqual.css", target)
    response = Client().get("/static/servqual/servqual.css", secure=True)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert_hardened(response, "a static file")
    response.close()


#: Query strings no page asks for: the usual trackers, one name many times, a very long
#: value and name, NUL, bytes that are not UTF-8 (percent-encoded and raw), a lone %.
JUNK_QUERIES = [
    "utm_source=newsletter&utm_medium=email&fbclid=IwAR0abc&gclid=x",
    "&".join(f"repeat={n}" for n in range(200)),
    "long=" + "A" * 8000,
    "B" * 4000 + "=1",
    "nul%00=%00value&%00=",
    "bad%FF%FE=%C3%28%80&raw=\xff\xfe",
    "percent=%&%zz=%G1&=&&&",
]

#: Whatever changes between two renderings of the same page: CSRF tokens and fresh keys.
FRESH = re.compile(r'(name="(?:csrfmiddlewaretoken|start|payload)" value=")[^"]*"')


def same_answer(response) -> tuple:
    """What an answer says: status, redirect, type and, for a page or JSON, its text (a
    file download, a zip or a PDF, holds the time it was made and is known by its type)."""
    kind = response.get("Content-Type", "")
    body = b"" if response.streaming or not kind.startswith(("text/", "application/json")) else response.content
    if kind.startswith("text/html"):
        body = FRESH.sub(r'\1"', body.decode()).encode()
    return response.status_code, response.get("Location"), kind, body


def test_unknown_query_parameters_change_no_page_or_api_answer(site):
    client, paths = site["client"], site_paths(site)
    for path in paths:
        plain = same_answer(client.get(path))
        assert plain[0] < 500, path
        for query in JUNK_QUERIES:
            assert same_answer(client.get(path, QUERY_STRING=query)) == plain, f"GET {path}?{query[:60]}"
    for path in paths:  # after every GET: a POST changes what a page shows (a survey started)
        for query in JUNK_QUERIES:
            assert client.post(path, QUERY_STRING=query).status_code < 500, f"POST {path}?{query[:60]}"
    for method, path, keywords in api_operations(site):
        plain = same_answer(Client().get(path, **keywords)) if method == "get" else None
        for query in JUNK_QUERIES:
            response = getattr(Client(), method)(path, QUERY_STRING=query, **keywords)
            if plain:
                assert same_answer(response) == plain, f"GET {path}?{query[:60]}"
            assert response.status_code < 500, f"{method.upper()} {path}?{query[:60]}"


def test_the_known_query_parameters_with_hostile_values_never_fail(site):
    client = site["client"]
    for path in site_paths(site):
        for name in ("lang", "next", "page", "group"):
            for value in ("%00", "%FF%FE", "\xff", "A" * 8000, "%"):
                response = client.get(path, QUERY_STRING=f"{name}={value}&{name}=nl")
                assert response.status_code < 500, f"GET {path}?{name}={value[:20]}"
