"""The PDF report, made by a background task (docs/tasks.md): rendering a large wave's report
takes seconds, too long for a request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend, task
from django_tasks.exceptions import TaskResultDoesNotExist

from servqual.report import render_pdf
from servqual.web.dashboards.models import PreparedReport
from servqual.web.dashboards.results import wave_report
from servqual.web.studies.models import Wave

#: A prepared report is deleted this long after it was asked for.
KEEP = timedelta(days=1)


def queue_report(wave: Wave, lang: str, user: Any) -> PreparedReport:
    """A new PDF report of the wave in ``lang`` for ``user``, queued; reports asked for more
    than a day ago are deleted first."""
    PreparedReport.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    with transaction.atomic():  # the report and its task are there together, or neither
        prepared = PreparedReport.objects.create(wave=wave, language=lang, created_by=user)
        prepared.task_id = make_pdf.enqueue(prepared.pk).id
        prepared.save(update_fields=["task_id"])
    prepared.refresh_from_db()  # a task run at once (the immediate backend) has filled it in
    return prepared


def failed(prepared: PreparedReport) -> bool:
    """Whether the report's task has failed for good (after its attempts)."""
    try:
        return default_task_backend.get_result(prepared.task_id).status == TaskResultStatus.FAILED
    except (TaskResultDoesNotExist, NotImplementedError):
        # its task is gone, or ran at once (the immediate backend) without finishing it
        return prepared.ready_at is None


@task()
def make_pdf(report_id: int) -> int:
    """Render the report, once: run again after a lost worker, a ready report is left as it
    is. Returns its size in bytes (0 below the threshold)."""
    prepared = PreparedReport.objects.select_related("wave__study").get(pk=report_id)
    if prepared.ready_at is not None:
        return len(prepared.content)
    report = wave_report(prepared.wave, prepared.language)
    content = render_pdf(report) if report is not None else b""
    PreparedReport.objects.filter(pk=report_id, ready_at__isnull=True).update(content=content, ready_at=timezone.now())
    return len(content)
