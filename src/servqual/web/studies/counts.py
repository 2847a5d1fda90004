"""Started and completed responses of a wave, per audience and segment value, with the
study's anonymity threshold applied as everywhere (servqual.analysis.suppressed_groups):
for the wave page and the API alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from servqual.analysis import suppressed_groups
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import Audience


@dataclass(frozen=True)
class WaveSummary:
    """A wave on its study's page: completed responses, and the response rate of its
    invitations (None without invitations, or with fewer completed than the threshold)."""

    wave: Wave
    completed: int
    invited: int
    rate: int | None


def wave_summaries(study: Study) -> list[WaveSummary]:
    """Every wave of the study, newest first, with its state in numbers."""
    waves = study.waves.order_by("-opens_at").annotate(
        completed=Count("responses", filter=Q(responses__completed_at__isnull=False), distinct=True),
        invited=Count("invitations", distinct=True),
        invited_completed=Count(
            "invitations", filter=Q(invitations__response__completed_at__isnull=False), distinct=True
        ),
    )
    threshold = study.anonymity_threshold
    return [
        WaveSummary(wave, wave.completed, wave.invited, response_rate(wave.invited, wave.invited_completed, threshold))
        for wave in waves
    ]


def response_rate(invited: int, completed: int, threshold: int) -> int | None:
    """The percentage of ``invited`` that ``completed``, as the wave page's "All invited"
    row shows it: None without invitations, or with fewer completed than the threshold."""
    return round(100 * completed / invited) if invited and completed >= threshold else None


def completed_by_day(wave: Wave) -> list[tuple[date, int]]:
    """Completed responses per day (the day is all a response keeps of its time), every day
    from the first completion to the last (or today, while the wave is open)."""
    per_day = Counter(
        timezone.localtime(moment).date()
        for moment in wave.responses.filter(completed_at__isnull=False).values_list("completed_at", flat=True)
    )
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    if wave.is_open():
        last = max(last, timezone.localdate())
    return [
        (first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0)) for i in range((last - first).days + 1)
    ]


def response_counts(wave: Wave) -> list[dict[str, Any]]:
    """Per audience that started the survey: started and completed responses, and the
    completed ones per segment value, with no number for groups under the threshold."""
    study = wave.study
    audiences = []
    for audience in Audience:
        responses = wave.responses.filter(audience=audience)
        started = responses.count()
        if not started:
            continue
        completed = list(responses.filter(completed_at__isnull=False).values_list("segments", flat=True))
        audiences.append(
            {
                "audience": audience.value,
                "name": audience.label,
                "started": started,
                "completed": len(completed),
                "segments": [
                    _segment_counts(segment, completed, study.anonymity_threshold) for segment in study.segments.all()
                ],
            }
        )
    return audiences


def _segment_counts(segment: Segment, completed: list[dict[str, str]], threshold: int) -> dict[str, Any]:
    """Completed responses per allowed value; groups under the threshold (and any that
    would give them away by subtraction from the total) show no number."""
    sizes = Counter(values.get(segment.key) for values in completed)
    counts = {value: sizes.get(value, 0) for value in segment.values}
    if None in sizes:
        counts[None] = sizes[None]
    hidden = suppressed_groups({v: n for v, n in counts.items() if n}, threshold)
    rows = [{"value": value, "count": None if value in hidden else n} for value, n in counts.items() if n]
    return {"key": segment.key, "name": segment.name, "rows": rows}
