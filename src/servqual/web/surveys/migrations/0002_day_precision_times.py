"""Responses keep when they were started and completed to the day only: the fields become
DayField, and the times stored before are cut to midnight of their day in the site's time
zone (TIME_ZONE). The cut cannot be undone; going back leaves the days as they are."""

from datetime import datetime, time

from django.db import migrations
from django.utils import timezone

import servqual.web.surveys.models

BATCH = 1000


def _start_of_day(moment):
    # A copy of servqual.web.surveys.models.start_of_day as it was when this was written.
    return timezone.make_aware(datetime.combine(timezone.localtime(moment).date(), time.min))


def cut_to_the_day(apps, schema_editor):
    """Batch by batch in the order of the primary key, with no cursor open while writing."""
    Response = apps.get_model("surveys", "Response")
    last = 0
    while True:
        batch = list(Response.objects.filter(pk__gt=last).order_by("pk").only("started_at", "completed_at")[:BATCH])
        if not batch:
            return
        for response in batch:
            response.started_at = _start_of_day(response.started_at)
            response.completed_at = response.completed_at and _start_of_day(response.completed_at)
        Response.objects.bulk_update(batch, ["started_at", "completed_at"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="response",
            name="completed_at",
            field=servqual.web.surveys.models.DayField(blank=True, null=True, verbose_name="completed"),
        ),
        migrations.AlterField(
            model_name="response",
            name="started_at",
            field=servqual.web.surveys.models.DayField(auto_now_add=True, verbose_name="started"),
        ),
        migrations.RunPython(cut_to_the_day, migrations.RunPython.noop, elidable=False),
    ]
