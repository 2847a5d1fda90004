"""An uploaded file of responses, kept until its summary has been seen and confirmed."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servqual.web.studies.models import Wave


def new_import_key() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


class ResponseImport(models.Model):
    """The file is kept in the database, not on disk: every server process sees it, no
    path is ever built from user input, and it is emptied once its rows are saved."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="imports")
    key = models.CharField(max_length=32, unique=True, default=new_import_key, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("file"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    saved_at = models.DateTimeField(_("saved"), null=True, blank=True)
    rows_saved = models.PositiveIntegerField(_("responses saved"), default=0)
    #: the task that saves its rows, once confirmed: its state tells "queued" from "saving" and "failed"
    task_id = models.CharField(max_length=64, blank=True)

    organisation_path = "wave__study__organisation"

    class Meta:
        verbose_name = _("response import")
        verbose_name_plural = _("response imports")

    def __str__(self) -> str:
        return f"{self.wave}: {self.filename}"
