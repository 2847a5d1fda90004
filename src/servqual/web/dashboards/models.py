"""The stored sums of a wave's results, per batch of responses (servqual.web.dashboards.sums)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servqual.web.studies.models import Wave


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
