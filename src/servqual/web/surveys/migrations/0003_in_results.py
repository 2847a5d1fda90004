"""Responses let into the wave's results: from now on a wave's results grow by whole steps
of the anonymity threshold (servqual.web.dashboards.results.admit). The completed customer
responses of a wave whose results were already shown (at least the threshold of them) are
all let in now: leaving some out would change those results by fewer than the threshold."""

from django.db import migrations, models
from django.db.models import Count, Q


def let_in_what_was_shown(apps, schema_editor):
    Wave = apps.get_model("studies", "Wave")
    Response = apps.get_model("surveys", "Response")
    completed = Q(responses__audience="customer", responses__completed_at__isnull=False)
    waves = Wave.objects.annotate(n=Count("responses", filter=completed)).values_list(
        "pk", "n", "study__anonymity_threshold"
    )
    for wave, n, threshold in waves:
        if n >= threshold:
            Response.objects.filter(wave_id=wave, audience="customer", completed_at__isnull=False).update(
                in_results=True
            )


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0001_initial"),
        ("surveys", "0002_day_precision_times"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="in_results",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(let_in_what_was_shown, migrations.RunPython.noop, elidable=False),
    ]
