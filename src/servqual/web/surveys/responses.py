"""A wave's completed responses as a servqual response set: the one way from the
database to the analysis, validated by the same code as a file on the command line."""

from __future__ import annotations

import polars as pl

from servqual.instruments import Instrument
from servqual.io import ResponseSet, read_responses
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import Audience


def answer_columns(instrument: Instrument) -> list[str]:
    """The canonical columns of every answer the survey asks, in file order."""
    return [column for section in instrument.sections for column in instrument.columns(section)] + list(
        instrument.importance_columns
    )


def response_frame(wave: Wave, audience: str = Audience.CUSTOMER, in_results: bool = False) -> pl.DataFrame:
    """The completed responses in the canonical file layout: segment columns, then answers;
    with ``in_results`` only those let into the wave's results."""
    completed = wave.responses.filter(audience=audience, completed_at__isnull=False)
    if in_results:
        completed = completed.filter(in_results=True)
    return frame_of(wave.study, list(completed.order_by("pk").values_list("segments", "answers")))


def frame_of(study: Study, rows: list[tuple[dict[str, str], dict[str, float | None]]]) -> pl.DataFrame:
    """Responses given as (segments, answers) in the canonical file layout of ``study``:
    segment columns, then answers."""
    instrument = study.instrument()
    segment_keys = list(study.segments.values_list("key", flat=True))
    columns: dict[str, pl.Series] = {}
    for key in segment_keys:
        columns[key] = pl.Series(key, [segments.get(key) for segments, _ in rows], dtype=pl.String)
    for column in answer_columns(instrument):
        columns[column] = pl.Series(column, [answers.get(column) for _, answers in rows], dtype=pl.Float64)
    return pl.DataFrame(columns)


def response_set(wave: Wave, audience: str = Audience.CUSTOMER, in_results: bool = False) -> ResponseSet:
    """Raises ServqualError (as the reader does for an empty file) when none are complete."""
    return read_responses(response_frame(wave, audience, in_results), wave.study.instrument(), progress=False)
