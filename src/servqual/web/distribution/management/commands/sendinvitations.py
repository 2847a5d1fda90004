"""Queue the sending of the pending invitations (and with --reminders, the reminders) of
every open wave, for `servqual worker`; meant for cron, beside the buttons on the wave page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from servqual.web.distribution.tasks import queue_sending
from servqual.web.studies.models import Wave


class Command(BaseCommand):
    help = "Queue the sending of pending invitations (and reminders with --reminders) of open waves."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", type=int, help="only this wave (its id)")
        parser.add_argument("--reminders", action="store_true", help="send reminders to invitees not finished")

    def handle(self, *args: Any, wave: int | None = None, reminders: bool = False, **options: Any) -> str:
        if not settings.SITE_URL:
            raise CommandError("Set SITE_URL (e.g. https://survey.example.org): the e-mails link to it.")
        waves = Wave.objects.filter(invitations__isnull=False).distinct()
        if wave is not None:
            waves = waves.filter(pk=wave)
        total = 0
        for each in waves.select_related("study"):
            if each.is_open():
                total += queue_sending(each, reminder=reminders, base_url=settings.SITE_URL)
        return f"{total} {'reminders' if reminders else 'invitations'} queued"
