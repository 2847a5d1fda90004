"""A response keeps its start and completion no finer than the day: joined with an access
log, a time to the second (let alone the microsecond) would name the respondent."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from synthetic import fill
from test_survey import answer_all

from servqual.web.surveys.models import Response

MIDNIGHT = time(0, 0)


def stored(response: Response) -> tuple[datetime, datetime | None]:
    """The times as the database holds them (read again), in the site's time zone."""
    again = Response.objects.get(pk=response.pk)
    return timezone.localtime(again.started_at), again.completed_at and timezone.localtime(again.completed_at)


def test_a_completed_response_keeps_its_times_to_the_day(client, link):
    answer_all(client, link)
    started, completed = stored(Response.objects.get())
    assert started.time() == MIDNIGHT and completed.time() == MIDNIGHT  # no hour, minute, second or microsecond
    assert started.date() == completed.date() == timezone.localdate()


def test_imported_responses_keep_their_completion_to_the_day(wave):
    fill(wave, 5)
    for response in Response.objects.all():
        assert all(moment.time() == MIDNIGHT for moment in stored(response))


def test_a_time_set_by_update_is_kept_to_the_day_too(link):
    response = Response.objects.create(wave=link.wave, link=link, language="en")
    precise = datetime(2026, 3, 9, 23, 59, 58, 123456, tzinfo=ZoneInfo("UTC"))  # 00:59 on the 10th in Amsterdam
    Response.objects.filter(pk=response.pk).update(completed_at=precise)
    assert stored(response)[1] == datetime(2026, 3, 10, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.mark.django_db(transaction=True)
def test_the_migration_cuts_the_times_already_stored_to_the_day(wave):
    response = Response.objects.create(wave=wave, language="en")
    executor = MigrationExecutor(connection)
    executor.migrate([("surveys", "0001_initial")])
    before = executor.loader.project_state([("surveys", "0001_initial")]).apps.get_model("surveys", "Response")
    precise = datetime(2026, 3, 9, 14, 31, 7, 654321, tzinfo=ZoneInfo("Europe/Amsterdam"))
    before.objects.filter(pk=response.pk).update(started_at=precise, completed_at=precise)
    assert before.objects.get(pk=response.pk).completed_at == precise  # as the old code kept it
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert stored(response) == (datetime(2026, 3, 9, tzinfo=ZoneInfo("Europe/Amsterdam")),) * 2


def test_the_models_and_their_migrations_agree(db):
    call_command("makemigrations", "surveys", "--check", "--dry-run", verbosity=0)


def test_an_invitation_keeps_its_times_to_the_day(wave):
    """An invitation leads to its invitee's response: when it was made, sent and
    unsubscribed is kept to the day; only the last reminder's time stays (it spaces them)."""
    from servqual.web.distribution.models import Invitation

    invitation = Invitation.objects.create(wave=wave, email="iemand@example.org", language="nl")
    invitation.new_key()
    invitation.sent_at = timezone.now()
    invitation.save()
    Invitation.objects.filter(pk=invitation.pk).update(unsubscribed_at=timezone.now())
    again = Invitation.objects.get(pk=invitation.pk)
    for moment in (again.created_at, again.sent_at, again.unsubscribed_at, again.keys.get().created_at):
        assert timezone.localtime(moment).time() == MIDNIGHT


def test_no_model_linked_to_a_respondent_keeps_a_time_finer_than_the_day():
    """Every date-time field of the models that hold or lead to a response is a DayField,
    except those named here with the reason."""
    from django.apps import apps
    from django.db import models

    from servqual.web.surveys.models import DayField

    needed = {("distribution.Invitation", "reminded_at")}  # spaces the reminders (mail.py)
    respondent_linked = ["surveys.Response", "distribution.Invitation", "distribution.InvitationKey"]
    for label in respondent_linked:
        model = apps.get_model(label)
        for field in model._meta.get_fields():
            if isinstance(field, models.DateTimeField) and (label, field.name) not in needed:
                assert isinstance(field, DayField), f"{label}.{field.name} keeps the time"
