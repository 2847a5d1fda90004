"""Print, as JSON, what is stored about a person (the right of access): every invitation
with its study, wave, dates and state, and the answers of its response. Audit-logged."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from servqual.web.accounts.audit import COMMAND_LINE
from servqual.web.distribution.management.commands.erasepersonaldata import add_person_arguments, person_invitations
from servqual.web.distribution.personal import person_data


class Command(BaseCommand):
    help = "Print as JSON what is stored about a person, found by e-mail address or personal-link token."

    def add_arguments(self, parser: CommandParser) -> None:
        add_person_arguments(parser)

    def handle(self, *args: Any, email: str, token: str, organisation: str | None, **options: Any) -> str:
        found = person_invitations(email, token, organisation)
        return json.dumps(person_data(found, COMMAND_LINE), ensure_ascii=False, indent=2)
