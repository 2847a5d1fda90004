"""The API against its own OpenAPI schema: schemathesis generates requests from
/api/openapi.json, valid and invalid, and checks every answer against the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, strategies
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from servqual.web.accounts.models import AttemptCount


@pytest.fixture
def wsgi_app(settings):
    """The app as a server runs it, on the test's database connection: Django closes the
    connection after each request (as Django's test client, we keep it for the test)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the host of schemathesis' client
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_answers_as_its_schema_says(db, wave, link, token_for, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    headers = {"Authorization": f"Bearer {token_for('alice')}"}
    real = {"study_id": wave.study_id, "wave_id": wave.pk}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        known = {name: value for name, value in real.items() if f"{{{name}}}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases = strategies.one_of(
                operation.as_strategy(mode, headers=headers),
                operation.as_strategy(mode, headers=headers, path_parameters=known),
            )

            @given(case=cases)
            @hypothesis_settings(
                max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
            )
            def check(case):
                AttemptCount.objects.all().delete()  # invalid tokens, as negative cases send, count (429)
                case.call_and_validate(excluded_checks=[positive_data_acceptance])

            try:
                check()
            except Unsatisfiable:
                pass  # nothing to make invalid: no parameters but the token, or a path key any text fits
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
