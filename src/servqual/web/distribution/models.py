"""Personal invitations to a wave: one e-mail address, its language and segment values.

The address is kept only to send the invitation and reminders: ``applyretention``
erases it, with the personal links, once the wave has been closed for the study's
``keep_personal_data_days`` (servqual.web.distribution.personal); the row (its segments,
days and response) stays for the response rate. Its times are kept to the day
(``DayField``), except the last reminder's, which spaces the reminders. Every e-mail carries a
personal link with a fresh token of 256 random bits; only the SHA-256 hash of each token
is stored (``InvitationKey``), so a copy of the database holds no working link.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servqual.web.keys import key_hash
from servqual.web.studies.models import Wave
from servqual.web.surveys.models import Audience, DayField, Response, check_audience, new_resume_key


class Invitation(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.CUSTOMER)
    #: lower case; None once erased (see Study.keep_personal_data_days)
    email = models.EmailField(_("e-mail address"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2)
    segments = models.JSONField(_("segment values"), default=dict, blank=True)
    #: the day only (DayField): an invitation leads to a response, and a time to the second
    #: joined with a server's request times would tell when that person answered
    created_at = DayField(_("created"), auto_now_add=True)
    sent_at = DayField(_("invitation sent"), null=True, blank=True)
    #: the time itself: it spaces reminders (at most one per REMINDER_INTERVAL, mail.py),
    #: which a day could not; it tells when an e-mail went out, not when anyone answered
    reminded_at = models.DateTimeField(_("last reminder sent"), null=True, blank=True)
    unsubscribed_at = DayField(_("unsubscribed"), null=True, blank=True)
    response = models.OneToOneField(Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    organisation_path = "wave__study__organisation"

    class Meta:
        # In the database, not a pre-check: two imports at once cannot invite an address twice.
        constraints = [models.UniqueConstraint(fields=["wave", "audience", "email"], name="one_invitation_per_address")]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.wave} ({self.get_audience_display()}) #{self.pk}"

    def clean(self) -> None:
        if self.wave_id:
            check_audience(self.wave.study, self.audience)

    def new_key(self) -> str:
        """A new personal token for one e-mail; earlier ones keep working."""
        token = new_resume_key()
        InvitationKey.objects.create(invitation=self, key_hash=key_hash(token))
        return token


class InvitationKey(models.Model):
    """The hash of one personal token sent to an invitee (one per e-mail sent)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="keys")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: the day only, as the invitation's times (a key is made when an e-mail goes out)
    created_at = DayField(auto_now_add=True)

    organisation_path = "invitation__wave__study__organisation"
