"""Started and completed responses of a wave, per audience and segment value, with the
study's anonymity threshold applied as everywhere (servqual.analysis.suppressed_groups):
for the wave page and the API alike."""

from __future__ import annotations

from collections import Counter
from typing import Any

from servqual.analysis import suppressed_groups
from servqual.web.studies.models import Segment, Wave
from servqual.web.surveys.models import Audience


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
