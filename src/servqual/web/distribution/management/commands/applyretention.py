"""Apply every study's retention period to its closed waves: remove invitees' e-mail
addresses and personal links (and with "delete", their responses). Run it daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from servqual.web.distribution.personal import apply_retention


class Command(BaseCommand):
    help = "Anonymise or delete invitees' personal data of waves past their study's retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would be done, change nothing")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> str:
        done = apply_retention(dry_run=dry_run)
        lines = [
            f"wave {each.wave.pk} ({each.wave}): {each.addresses} addresses, {each.links} personal links"
            + (f", {each.responses} responses" if each.mode == "delete" else "")
            + (" would be " if dry_run else " ")
            + ("deleted" if each.mode == "delete" else "removed (anonymised)")
            for each in done
        ]
        total = f"{len(done)} waves {'would change' if dry_run else 'changed'}"
        return "\n".join([*lines, total])
