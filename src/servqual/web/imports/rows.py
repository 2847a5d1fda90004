"""Responses read from a file (or made up for the demo) stored as completed responses of a
wave: the way back from a servqual response set to the database."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from django.utils import timezone

from servqual.io import ResponseSet, read_responses
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import Audience, Response
from servqual.web.surveys.responses import answer_columns


def read_upload(content: bytes, filename: str, study: Study, max_issues: int = 1000) -> ResponseSet:
    """Read an uploaded file with the study's instrument, as ``servqual validate`` would.

    The bytes go to a temporary folder under a name of our own (no path is made from what
    the uploader sent), and the messages name the file as uploaded, never that folder."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        return read_responses(
            path, study.instrument(), progress=False, max_issues=max_issues, name=Path(filename).name or "upload"
        )


def unknown_segment_values(responses: ResponseSet, study: Study) -> dict[str, list[str]]:
    """Segment name -> the values in the file that the study does not allow. Such rows
    would form groups no count or threshold looks at, so they block the import."""
    unknown = {}
    for segment in study.segments.all():
        if segment.key in responses.attributes.columns:
            values = set(responses.attributes[segment.key].drop_nulls().to_list()) - set(segment.values)
            if values:
                unknown[segment.name] = sorted(values)
    return unknown


def save_responses(wave: Wave, responses: ResponseSet, audience: str = Audience.CUSTOMER) -> int:
    """Store every row of ``responses`` (read with the instrument of ``audience``) as a
    completed response of ``audience`` in ``wave``, in the study's first language; returns
    how many. An answer the reader left empty is stored as None; the answers to open
    questions (OPEN_...) are kept as text, stripped, an empty one left out."""
    study = wave.study
    table, attributes = responses.table, responses.attributes
    keys = [key for key in study.segments.values_list("key", flat=True) if key in attributes.columns]
    # The table, not to_frame(): it holds the factor statements' answers (TW1) as well.
    columns = [column for column in answer_columns(study.instrument(audience)) if column in table.columns]
    n = responses.n_respondents
    texts = responses.open_answers.to_dicts() if responses.open_answers.width else [{}] * n
    now = timezone.now()
    rows = [
        Response(
            wave=wave,
            audience=audience,
            language=study.languages[0],
            segments={key: value for key, value in segments.items() if isinstance(value, str)},
            answers={column: _answer(value) for column, value in answers.items()},
            open_answers={column: text.strip() for column, text in given.items() if text and text.strip()},
            completed_at=now,
        )
        for segments, answers, given in zip(
            attributes.select(keys).to_dicts() if keys else [{}] * n,
            table.select(columns).to_dicts(),
            texts,
            strict=True,
        )
    ]
    Response.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _answer(value: Any) -> int | float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = float(value)
    return int(value) if value.is_integer() else value
