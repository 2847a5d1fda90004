"""Sending invitations and reminders, each in the invitee's language with a personal link
and a one-click unsubscribe link."""

from __future__ import annotations

from datetime import timedelta
from email.message import Message
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from servqual.web.distribution.models import Invitation
from servqual.web.studies.models import Wave
from servqual.web.surveys.models import Audience

#: An invitee gets at most one reminder in this time, however often the button is pressed.
REMINDER_INTERVAL = timedelta(hours=20)


def pending(wave: Wave, *, reminder: bool) -> QuerySet[Invitation]:
    """Who would get an e-mail now: the invitation once; a reminder only while not finished;
    never an audience the study cannot survey (Study.audience_problem: its questionnaire asks
    other items than the customers')."""
    surveyed = [audience for audience in Audience.values if wave.study.audience_problem(audience) is None]
    reachable = wave.invitations.filter(unsubscribed_at__isnull=True, email__isnull=False, audience__in=surveyed)
    if not reminder:
        return reachable.filter(sent_at__isnull=True)
    recently = timezone.now() - REMINDER_INTERVAL
    return (
        reachable.filter(sent_at__isnull=False)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=recently))
        .exclude(response__completed_at__isnull=False)
    )


def send(wave: Wave, *, reminder: bool, base_url: str, limit: int | None = None) -> int:
    """Send what is pending, at most ``limit``; returns how many were sent. Each invitee's
    row is locked while its e-mail goes out and marked sent in the same transaction, so two
    senders at once (a double click, a task run again after its worker was lost) do not
    e-mail anyone twice, and a failed delivery or a killed sender leaves the invitee pending."""
    if not wave.is_open():
        return 0
    sent = 0
    with get_connection() as connection:
        for pk in list(pending(wave, reminder=reminder).values_list("pk", flat=True)[:limit]):
            with transaction.atomic():
                invitation = pending(wave, reminder=reminder).select_for_update(of=("self",)).filter(pk=pk).first()
                if invitation is None:
                    continue  # sent by someone else meanwhile, or finished
                _message(invitation, base_url.rstrip("/"), reminder=reminder, connection=connection).send()
                now = timezone.now()
                if reminder:
                    invitation.reminded_at = now
                else:
                    invitation.sent_at = now
                invitation.save(update_fields=["reminded_at" if reminder else "sent_at"])
            sent += 1
    return sent


class _Email(EmailMultiAlternatives):
    # django-stubs describe Django 6, whose message(policy=...) gives an email.message.EmailMessage;
    # Django 5.2's takes no argument and gives a MIME message: both are a Message.
    def message(self, **kwargs: Any) -> Message:  # type: ignore[override]
        message = super().message(**kwargs)
        # Folding at 78 characters would turn List-Unsubscribe's one long URL into encoded
        # words, which mail programs do not read there; SMTP allows lines of 998.
        message.policy = message.policy.clone(max_line_length=998)
        return message


def _message(invitation: Invitation, base_url: str, *, reminder: bool, connection: object) -> EmailMultiAlternatives:
    assert invitation.email is not None  # pending() leaves erased addresses out
    token = invitation.new_key()
    study = invitation.wave.study
    context = {
        "study": study,
        "wave": invitation.wave,
        "reminder": reminder,
        "audience": invitation.audience,
        "survey_url": base_url + reverse("invitation-start", args=[token]),
        "unsubscribe_url": base_url + reverse("invitation-unsubscribe", args=[token]),
    }
    with translation.override(invitation.language):
        subject = " ".join(render_to_string("distribution/email/subject.txt", context).split())
        text = render_to_string("distribution/email/message.txt", context)
        html = render_to_string("distribution/email/message.html", context)
    headers = {
        # RFC 8058: mail programs offer their own unsubscribe button, which POSTs here.
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Content-Language": invitation.language,
    }
    message = _Email(subject, text, to=[invitation.email], headers=headers, connection=connection)
    message.attach_alternative(html, "text/html")
    return message
