"""Response rates of a wave's invitations per audience and segment value, with the
study's anonymity threshold applied as everywhere (servqual.analysis.suppressed_groups)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils.translation import gettext as _

from servqual.analysis import suppressed_groups
from servqual.web.distribution import mail
from servqual.web.studies.models import Wave
from servqual.web.surveys.models import Audience


def response_rates(wave: Wave) -> list[dict[str, Any]]:
    threshold = wave.study.anonymity_threshold
    segments = list(wave.study.segments.all())
    out = []
    for audience in Audience:
        rows = list(
            wave.invitations.filter(audience=audience).values_list("segments", "response__pk", "response__completed_at")
        )
        if not rows:
            continue
        pending = mail.pending(wave, reminder=False).filter(audience=audience).count()
        remind = mail.pending(wave, reminder=True).filter(audience=audience).count()
        out.append(
            {
                "name": audience.label,
                "rows": _counts(rows, lambda segments: _("All invited"), threshold)
                + [
                    row
                    for segment in segments
                    for row in _counts(
                        rows, lambda s, seg=segment: f"{seg.name}: {s.get(seg.key) or _('not given')}", threshold
                    )
                ],
                "to_invite": pending,
                "to_remind": remind,
            }
        )
    return out


def _counts(rows: list[tuple[Any, ...]], group: Any, threshold: int) -> list[dict[str, Any]]:
    """Invited, started and completed per group; started and completed are hidden for a
    group under the threshold (and any that would give it away by subtraction)."""
    invited = Counter(group(segments) for segments, _, _ in rows)
    started = Counter(group(segments) for segments, response, _ in rows if response)
    completed = Counter(group(segments) for segments, _, done in rows if done)
    hide_started = suppressed_groups({g: n for g, n in started.items() if n}, threshold)
    hide_completed = suppressed_groups({g: n for g, n in completed.items() if n}, threshold)
    out = []
    for value, n in invited.items():
        shown = value not in hide_completed
        out.append(
            {
                "label": value,
                "invited": n,
                "started": None if value in hide_started else started[value],
                "completed": completed[value] if shown else None,
                "rate": round(100 * completed[value] / n) if shown else None,
            }
        )
    return out
