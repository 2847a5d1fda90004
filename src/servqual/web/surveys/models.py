"""Survey links and the responses that come in through them.

No IP address, user agent or other browser detail is stored with a response; the
anonymous resume cookie holds a random key of which only the hash is kept. When a response
was started and completed is kept to the day only (:class:`DayField`).
"""

from __future__ import annotations

import secrets
from datetime import datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servqual.web.studies.models import Study, Wave


def start_of_day(moment: datetime) -> datetime:
    """Midnight at the start of ``moment``'s day in the site's time zone (TIME_ZONE)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.make_aware(datetime.combine(timezone.localtime(moment).date(), time.min))


class DayField(models.DateTimeField):
    """A moment kept no finer than its day: stored as midnight at the start of the day in
    the site's time zone, however it is written (save, create, the import's bulk_create,
    ``QuerySet.update``). Joined with an access log, a time to the second would name the
    respondent; the day is all the wave page and the cache need."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if isinstance(value, datetime):
            value = start_of_day(value)
            setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if isinstance(value, str):
            value = self.to_python(value)
        if isinstance(value, datetime):
            value = start_of_day(value)
        return super().get_db_prep_save(value, connection)


class Audience(models.TextChoices):
    CUSTOMER = "customer", _("customers")
    MANAGER = "manager", _("managers")
    EMPLOYEE = "employee", _("employees")


def check_audience(study: Study, audience: str) -> None:
    """Refuse a link or invitation for an audience whose questionnaire cannot be set beside
    the customers' in this study (Study.audience_problem), under the field ``audience`` (an
    unknown audience is the field's own error)."""
    if audience in Audience.values:
        problem = study.audience_problem(audience)
        if problem is not None:
            raise ValidationError({"audience": ValidationError(problem, code="other_items")})


def new_link_key() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


def new_resume_key() -> str:
    return secrets.token_urlsafe(32)


class SurveyLink(models.Model):
    """An anonymous link to a wave's survey for one audience, optionally with fixed segment values."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="links")
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.CUSTOMER)
    key = models.CharField(_("key"), max_length=32, unique=True, default=new_link_key, editable=False)
    #: segment key -> value given to every response through this link (e.g. {"branch": "Utrecht"})
    fixed_segments = models.JSONField(_("fixed segment values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    organisation_path = "wave__study__organisation"

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self) -> str:
        return f"{self.wave} ({self.get_audience_display()})"

    def clean(self) -> None:
        if not self.wave_id:
            return  # the form reports the missing wave itself
        check_audience(self.wave.study, self.audience)
        allowed = {segment.key: segment.values for segment in self.wave.study.segments.all()}
        for key, value in self.fixed_segments.items():
            if key not in allowed or value not in allowed[key]:
                message = _("%(key)s = %(value)s is not a segment value of this study.")
                raise ValidationError({"fixed_segments": ValidationError(message, params={"key": key, "value": value})})


class Response(models.Model):
    """One respondent's answers to one wave, saved page by page until completed, on the
    questionnaire of its audience (Study.instrument(audience)).

    ``answers`` maps canonical column names (E1, P1, W_TAN, TW1) to the raw answer; None is
    "no opinion", an absent column is not answered yet. ``open_answers`` maps the columns
    of open questions (OPEN_IMPROVE) to the text given, stripped; an empty answer is absent.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    link = models.ForeignKey(SurveyLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses")
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.CUSTOMER)
    segments = models.JSONField(_("segment values"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=2)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    open_answers = models.JSONField(_("answers in own words"), default=dict, blank=True)
    #: the day (midnight in the site's time zone), never the time
    started_at = DayField(_("started"), auto_now_add=True)
    completed_at = DayField(_("completed"), null=True, blank=True)
    #: sha256 of the key in the respondent's resume cookie (None for imported responses)
    resume_key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    #: let into the wave's results, which grow by whole steps of the anonymity threshold
    #: (servqual.web.dashboards.results.admit); never taken out again
    in_results = models.BooleanField(default=False, editable=False)
    #: the batch whose stored sums count this response (servqual.web.dashboards.sums); None
    #: while it is not in one, or no longer in the results
    results_batch = models.PositiveIntegerField(null=True, blank=True, editable=False)

    organisation_path = "wave__study__organisation"

    class Meta:
        indexes = [
            models.Index(fields=["wave", "audience", "completed_at"]),
            # What every look at the results counts (dashboards.results.admit, the report's cache
            # key, dashboards.sums) without reading the rows: 200,000 of them in a few ms.
            models.Index(
                fields=["wave", "audience", "in_results", "results_batch", "completed_at"],
                include=["id"],
                name="response_results",
            ),
        ]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.wave} #{self.pk}"
