"""What is stored about a person, and how it is exported, erased and let go of in time.

Personal data lives in invitations: the e-mail address, the hashes of the personal links'
tokens, and through them the invitee's response. A response through an anonymous link is
tied to nobody, and neither is an imported one, so a person can only be found by the
address or a token of an invitation.

- :func:`person_data` is everything stored about a person (the right of access);
- :func:`erase_person` deletes their invitations and responses (the right to be forgotten);
- :func:`apply_retention` anonymises (address and tokens removed, answers kept) or deletes
  the invitees' data of every wave whose study's retention period has passed.

Each writes one audit entry per organisation (servqual.web.accounts.audit), with counts
only. Responses go through servqual.web.dashboards.results.delete_responses, so a wave's
results never change by fewer than k responses at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from servqual.web.accounts.audit import COMMAND_LINE, Actor, record
from servqual.web.accounts.models import Action, Organisation
from servqual.web.dashboards.results import delete_responses
from servqual.web.distribution.models import Invitation, InvitationKey
from servqual.web.keys import key_hash
from servqual.web.studies.models import AfterRetention, Wave
from servqual.web.surveys.models import Response


def invitations_of(invitations: QuerySet[Invitation], email: str = "", token: str = "") -> QuerySet[Invitation]:
    """The invitations among ``invitations`` of the person with address ``email`` (compared
    in lower case, as stored) or personal-link token ``token`` (the last part of
    ``/i/<token>/``); none when neither is given."""
    email, token = email.strip().lower(), token.strip().strip("/").rsplit("/", 1)[-1]
    if not email and not token:
        return invitations.none()
    found = invitations.filter(email=email) if email else invitations
    if token:
        found = found.filter(keys__key_hash=key_hash(token))
    # No distinct(): a token's hash is unique, so the join finds one row per invitation, and
    # PostgreSQL locks no rows of a DISTINCT query (erase_person locks them).
    return found.select_related("wave__study__organisation", "response").order_by("pk")


def _state(invitation: Invitation) -> str:
    response = invitation.response
    if response is not None:
        return "completed" if response.completed_at is not None else "started"
    if invitation.unsubscribed_at is not None:
        return "unsubscribed"
    return "sent" if invitation.sent_at is not None else "not sent"


def person_data(invitations: QuerySet[Invitation], by: Actor) -> dict[str, Any]:
    """Everything stored about the person of ``invitations`` (from :func:`invitations_of`), as
    a JSON-ready document: each invitation with its study, wave, dates and state, and the
    answers of its response (by column: E1, P1, W_TAN; null is "no opinion"). Audit-logged."""
    found = list(invitations)
    document = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "invitations": [_invitation_data(invitation) for invitation in found],
    }
    for organisation, counts in _counts_per_organisation(found).items():
        record(Action.ACCESS, organisation, by, kind="person", detail=dict(counts))
    return document


def _invitation_data(invitation: Invitation) -> dict[str, Any]:
    wave, response = invitation.wave, invitation.response
    moment = lambda value: value.isoformat(timespec="seconds") if value is not None else None  # noqa: E731
    day = lambda value: timezone.localtime(value).date().isoformat() if value is not None else None  # noqa: E731
    return {
        "organisation": wave.study.organisation.name,
        "study": wave.study.name,
        "wave": wave.name,
        "wave_opens_at": moment(wave.opens_at),
        "wave_closes_at": moment(wave.closes_at),
        "audience": invitation.audience,
        "email": invitation.email,
        "language": invitation.language,
        "segments": invitation.segments,
        "invited_at": moment(invitation.created_at),
        "sent_at": moment(invitation.sent_at),
        "reminded_at": moment(invitation.reminded_at),
        "unsubscribed_at": moment(invitation.unsubscribed_at),
        "state": _state(invitation),
        "response": None
        if response is None
        else {
            "started_on": day(response.started_at),
            "completed_on": day(response.completed_at),
            "language": response.language,
            "segments": response.segments,
            "answers": response.answers,
        },
    }


def _counts_per_organisation(invitations: list[Invitation]) -> dict[Organisation, dict[str, int]]:
    counts: dict[Organisation, dict[str, int]] = defaultdict(lambda: {"invitations": 0, "responses": 0})
    for invitation in invitations:
        of = counts[invitation.wave.study.organisation]
        of["invitations"] += 1
        of["responses"] += invitation.response_id is not None
    return counts


def erase_person(invitations: QuerySet[Invitation], by: Actor, dry_run: bool = False) -> dict[str, int]:
    """Delete the invitations of ``invitations`` (from :func:`invitations_of`), their personal
    links and their responses with every answer. Returns the numbers of invitations and
    responses; with ``dry_run`` only counts them. Audit-logged per organisation, without the
    address."""
    with transaction.atomic():
        found = list(invitations.select_for_update(of=("self",)))
        per_organisation = _counts_per_organisation(found)
        total = {"invitations": len(found), "responses": sum(i.response_id is not None for i in found)}
        if dry_run or not found:
            return total
        responses = [i.response_id for i in found if i.response_id is not None]
        delete_responses(Response.objects.filter(pk__in=responses))
        Invitation.objects.filter(pk__in=[i.pk for i in found]).delete()  # the tokens' hashes with them
        for organisation, counts in per_organisation.items():
            record(Action.ERASE, organisation, by, kind="person", detail=dict(counts))
    return total


@dataclass
class Retained:
    """What :func:`apply_retention` did (or would do) to one wave."""

    wave: Wave
    mode: str
    addresses: int = 0
    links: int = 0
    responses: int = 0

    def changes(self) -> bool:
        return bool(self.addresses or self.links or self.responses)


def apply_retention(dry_run: bool = False, now: Any = None) -> list[Retained]:
    """For every wave closed longer ago than its study's ``keep_personal_data_days``: remove
    the invitees' e-mail addresses and personal links (the tokens' hashes), so the answers
    can no longer be tied to anyone; with ``after_retention`` "delete", delete the invitees'
    responses as well. The invitation rows stay, without anything personal, for the response
    rate. Idempotent: a second run finds nothing to do. Returns what it did per wave; with
    ``dry_run`` what it would do, changing nothing. Audit-logged per wave changed."""
    now = now or timezone.now()
    personal = Q(invitations__email__isnull=False) | Q(invitations__keys__isnull=False)
    deletes = Q(study__after_retention=AfterRetention.DELETE, invitations__response__isnull=False)
    waves = (
        Wave.objects.filter(closes_at__lt=now)
        .filter(personal | deletes)
        .distinct()
        .select_related("study__organisation")
        .order_by("pk")
    )
    done = []
    for wave in waves:
        study = wave.study
        if wave.closes_at + timedelta(days=study.keep_personal_data_days) > now:
            continue
        done.append(_retain(wave, study.after_retention, dry_run))
    return [each for each in done if each.changes()]


def _retain(wave: Wave, mode: str, dry_run: bool) -> Retained:
    invitations = Invitation.objects.filter(wave=wave)
    with transaction.atomic():
        addresses = invitations.filter(email__isnull=False)
        links = InvitationKey.objects.filter(invitation__wave=wave)
        responses = Response.objects.filter(pk__in=invitations.filter(response__isnull=False).values("response"))
        done = Retained(wave, mode, addresses=addresses.count(), links=links.count())
        if mode == AfterRetention.DELETE:
            done.responses = responses.count()
        if dry_run or not done.changes():
            return done
        addresses.update(email=None)
        links.delete()
        if mode == AfterRetention.DELETE:
            delete_responses(responses)
        detail: dict[str, int | str] = {
            "mode": mode,
            "addresses": done.addresses,
            "links": done.links,
            "responses": done.responses,
        }
        record(Action.RETENTION, wave.study.organisation, COMMAND_LINE, wave, detail=detail)
    return done
