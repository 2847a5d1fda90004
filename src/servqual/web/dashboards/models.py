"""A PDF report being prepared by a background task (docs/tasks.md), for the person who asked;
the stored sums of a wave's results, per batch of responses (servqual.web.dashboards.sums)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servqual.web.studies.models import Wave


def new_report_key() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


class PreparedReport(models.Model):
    """Kept in the database, as an import's file is, so every server process can hand it out;
    deleted a day after it was asked for. ``content`` stays empty below the threshold."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="prepared_reports")
    key = models.CharField(max_length=32, unique=True, default=new_report_key, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=2)
    #: the task that makes it: its state tells "being prepared" from "failed"
    task_id = models.CharField(max_length=64, blank=True)
    content = models.BinaryField(_("file"), default=b"")
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)

    organisation_path = "wave__study__organisation"

    class Meta:
        verbose_name = _("prepared report")
        verbose_name_plural = _("prepared reports")

    def __str__(self) -> str:
        return f"{self.wave}: report.pdf ({self.language})"


class StoredSums(models.Model):
    """The sums (``servqual.analysis.PartSums``, as an ``.npz`` archive) of one or more
    batches of a wave's responses in its results. Valid while each batch still holds the
    responses it was counted from (``batches``) and the study counts the same things
    (``layout``); else deleted, and its responses counted again."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="stored_sums")
    #: batch number (Response.results_batch) -> [responses, sum of their primary keys]
    batches = models.JSONField(default=dict)
    #: what the sums were counted with: the instrument and the segment columns
    layout = models.CharField(max_length=64)
    #: responses counted, over all batches
    responses = models.PositiveIntegerField()
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    organisation_path = "wave__study__organisation"

    class Meta:
        verbose_name = _("stored sums")
        verbose_name_plural = _("stored sums")

    def __str__(self) -> str:
        return f"{self.wave}: {self.responses}"
