"""Erase the e-mail addresses of invitations to waves closed more than KEEP_ADDRESSES_DAYS
ago; the rows stay (segments, dates, response) for the response rate. Run it daily."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from servqual.web.distribution.models import KEEP_ADDRESSES_DAYS, Invitation


class Command(BaseCommand):
    help = f"Erase invitees' e-mail addresses {KEEP_ADDRESSES_DAYS} days after their wave closed."

    def handle(self, *args: Any, **options: Any) -> str:
        cutoff = timezone.now() - timedelta(days=KEEP_ADDRESSES_DAYS)
        erased = Invitation.objects.filter(wave__closes_at__lt=cutoff, email__isnull=False).update(email=None)
        return f"{erased} addresses erased"
