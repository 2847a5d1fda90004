"""Make an API token for a user in one organisation and print it, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from servqual.web.accounts.models import Membership, Organisation
from servqual.web.api.models import ApiToken


class Command(BaseCommand):
    help = "Make an API token for a user in one organisation; it is printed once and not stored."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="user name")
        parser.add_argument("--organisation", required=True, help="organisation id or name")
        parser.add_argument("--name", required=True, help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> str:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        given = options["organisation"]
        found = (
            Organisation.objects.filter(pk=int(given)) if given.isdigit() else Organisation.objects.filter(name=given)
        )
        organisation = found.first()
        if organisation is None:
            raise CommandError(f"No organisation {given!r}.")
        if not Membership.objects.filter(user=user, organisation=organisation).exists():
            raise CommandError(f"{user} is not a member of {organisation}.")
        _, token = ApiToken.create(user, organisation, options["name"])
        return token
