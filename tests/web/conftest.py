"""Personas and a study for the web tests.

alice (owner), carl (consultant), mona (manager) and vera (viewer) work for Acme;
bob owns Globex. Nobody at Acme should reach anything of Globex, and the reverse.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone, translation

from servqual.web.accounts.models import Membership, Organisation, Role
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import SurveyLink


def make_study(organisation: Organisation, **fields) -> Study:
    study = Study.objects.create(organisation=organisation, name="Klantonderzoek", service_name="Acme", **fields)
    Segment.objects.create(study=study, key="branch", name="Branch", values=["Utrecht", "Zwolle"])
    now = timezone.now()
    Wave.objects.create(
        study=study, name="2026-1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30)
    )
    return study


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: Django's LocaleMiddleware activates the
    language of a request in the thread and leaves it there, so a test that ends with a
    Dutch request would otherwise make the next one's messages Dutch."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Each test that uses the database starts with an empty cache (no counted login
    failures, no cached results). The cache is a table of that database."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            cache.clear()
            return


@pytest.fixture
def acme(db) -> Organisation:
    return Organisation.objects.create(name="Acme")


@pytest.fixture
def globex(db) -> Organisation:
    return Organisation.objects.create(name="Globex")


@pytest.fixture
def people(acme, globex) -> dict[str, User]:
    roles = {"alice": Role.OWNER, "carl": Role.CONSULTANT, "mona": Role.MANAGER, "vera": Role.VIEWER}
    users = {}
    for name, role in roles.items():
        users[name] = User.objects.create_user(name)  # no password: tests log in with force_login
        Membership.objects.create(user=users[name], organisation=acme, role=role)
    users["bob"] = User.objects.create_user("bob")
    Membership.objects.create(user=users["bob"], organisation=globex, role=Role.OWNER)
    return users


@pytest.fixture
def study_for(db):
    """A study with a branch segment and an open wave, for the organisation given."""
    return make_study


@pytest.fixture
def study(acme) -> Study:
    return make_study(acme)


@pytest.fixture
def wave(study) -> Wave:
    return study.waves.get()


@pytest.fixture
def link(wave) -> SurveyLink:
    return SurveyLink.objects.create(wave=wave, fixed_segments={"branch": "Utrecht"})


@pytest.fixture
def token_for(people, acme):
    """The text of a new API token of the person named, in Acme unless told otherwise."""
    from servqual.web.api.models import ApiToken

    def make(name: str, organisation=None) -> str:
        return ApiToken.create(people[name], organisation or acme, "test")[1]

    return make


class Inbox(list):
    """The messages an SMTP server received; ``refuse`` messages still to come are refused
    with a transient error (451), and ``hold`` messages kept waiting (``held`` is set when one
    is) and then refused: a sender killed meanwhile has not sent them."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse = 0
        self.hold = 0
        self.held = threading.Event()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd), with Django's SMTP backend pointed at it;
    yields the :class:`Inbox` of messages it received, as email.message.EmailMessage objects."""
    import asyncio
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    received = Inbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls it so)
            if received.hold:
                received.hold -= 1
                received.held.set()
                await asyncio.sleep(60)
                return "451 4.3.0 Held too long"
            if received.refuse:
                received.refuse -= 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            message.raw = envelope.content  # the bytes as they came over the wire
            received.append(message)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    received.port = port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield received
    controller.stop()
