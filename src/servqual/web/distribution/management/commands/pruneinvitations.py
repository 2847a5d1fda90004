"""The older name of applyretention, kept for existing cron lines: it applies every study's
retention period (it once erased addresses after a fixed 30 days)."""

from __future__ import annotations

from servqual.web.distribution.management.commands.applyretention import Command as ApplyRetention


class Command(ApplyRetention):
    help = "The older name of applyretention: " + ApplyRetention.help
