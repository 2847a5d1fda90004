"""Invitations keep when they were made, sent and unsubscribed to the day only, as responses
do (surveys 0002): the fields become DayField and the times stored before are cut to
midnight of their day in the site's time zone. The last reminder's time stays: it spaces
the reminders. The cut cannot be undone; going back leaves the days as they are."""

from datetime import datetime, time

from django.db import migrations
from django.utils import timezone

import servqual.web.surveys.models

BATCH = 1000


def _start_of_day(moment):
    # A copy of servqual.web.surveys.models.start_of_day as it was when this was written.
    return moment and timezone.make_aware(datetime.combine(timezone.localtime(moment).date(), time.min))


def _cut(model, fields):
    """Batch by batch in the order of the primary key, with no cursor open while writing."""
    last = 0
    while True:
        batch = list(model.objects.filter(pk__gt=last).order_by("pk").only(*fields)[:BATCH])
        if not batch:
            return
        for row in batch:
            for field in fields:
                setattr(row, field, _start_of_day(getattr(row, field)))
        model.objects.bulk_update(batch, fields)
        last = batch[-1].pk


def cut_to_the_day(apps, schema_editor):
    _cut(apps.get_model("distribution", "Invitation"), ["created_at", "sent_at", "unsubscribed_at"])
    _cut(apps.get_model("distribution", "InvitationKey"), ["created_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0001_initial"),
        ("surveys", "0002_day_precision_times"),
    ]

    operations = [
        migrations.AlterField(
            model_name="invitation",
            name="created_at",
            field=servqual.web.surveys.models.DayField(auto_now_add=True, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="sent_at",
            field=servqual.web.surveys.models.DayField(blank=True, null=True, verbose_name="invitation sent"),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="unsubscribed_at",
            field=servqual.web.surveys.models.DayField(blank=True, null=True, verbose_name="unsubscribed"),
        ),
        migrations.AlterField(
            model_name="invitationkey",
            name="created_at",
            field=servqual.web.surveys.models.DayField(auto_now_add=True),
        ),
        migrations.RunPython(cut_to_the_day, migrations.RunPython.noop, elidable=False),
    ]
