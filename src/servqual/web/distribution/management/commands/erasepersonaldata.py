"""Erase what is stored about a person: the invitations with their address (or personal
link's token) and their responses with every answer. Audit-logged, without the address."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servqual.web.accounts.audit import COMMAND_LINE
from servqual.web.accounts.models import Organisation
from servqual.web.distribution.models import Invitation
from servqual.web.distribution.personal import erase_person, invitations_of


def add_person_arguments(parser: CommandParser) -> None:
    parser.add_argument("--email", default="", help="the person's e-mail address")
    parser.add_argument("--token", default="", help="the token of their personal link (/i/<token>/), or the link")
    parser.add_argument("--organisation", help="only in this organisation (its id or exact name); default: all")


def person_invitations(email: str, token: str, organisation: str | None) -> Any:
    if not email.strip() and not token.strip():
        raise CommandError("Give --email or --token.")
    invitations = Invitation.objects.all()
    if organisation is not None:
        lookup = {"pk": int(organisation)} if organisation.isdigit() else {"name": organisation}
        found = Organisation.objects.filter(**lookup).first()
        if found is None:
            raise CommandError(f"No organisation {organisation!r}.")
        invitations = invitations.filter(wave__study__organisation=found)
    return invitations_of(invitations, email=email, token=token)


class Command(BaseCommand):
    help = "Erase a person's invitations and responses, found by e-mail address or personal-link token."

    def add_arguments(self, parser: CommandParser) -> None:
        add_person_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="count what would be erased, change nothing")

    def handle(
        self, *args: Any, email: str, token: str, organisation: str | None, dry_run: bool = False, **options: Any
    ) -> str:
        found = person_invitations(email, token, organisation)
        erased = erase_person(found, COMMAND_LINE, dry_run=dry_run)
        verb = "would be erased" if dry_run else "erased"
        return f"{erased['invitations']} invitations and {erased['responses']} responses {verb}"
