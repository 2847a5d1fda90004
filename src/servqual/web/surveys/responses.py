"""A wave's completed responses as a servqual response set: the one way from the
database to the analysis, validated by the same code as a file on the command line.
Each audience answers its own questionnaire (Study.instrument(audience)): customers',
managers' and employees' responses make response sets of their own."""

from __future__ import annotations

from typing import Any

import polars as pl

from servqual.instruments import Instrument
from servqual.io import ResponseSet, read_responses
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import Audience


def answer_columns(instrument: Instrument) -> list[str]:
    """The canonical columns of every number the survey asks, in file order: the sections'
    items, the importance points, the factors' items."""
    return [column for section in instrument.sections for column in instrument.columns(section)] + [
        *instrument.importance_columns,
        *instrument.factor_columns,
    ]


def response_frame(wave: Wave, audience: str = Audience.CUSTOMER, in_results: bool = False) -> pl.DataFrame:
    """The completed responses of ``audience`` in the canonical file layout of its
    instrument: segment columns, then answers, then open answers; with ``in_results`` only
    those let into the wave's results."""
    completed = wave.responses.filter(audience=audience, completed_at__isnull=False)
    if in_results:
        completed = completed.filter(in_results=True)
    instrument = wave.study.instrument(audience)
    if not instrument.open_columns:
        return frame_of(wave.study, list(completed.order_by("pk").values_list("segments", "answers")), audience)
    rows = completed.order_by("pk").values_list("segments", "answers", "open_answers")
    return frame_of(wave.study, [(segments, answers) for segments, answers, _ in rows], audience, [o for *_, o in rows])


def frame_of(
    study: Study,
    rows: list[tuple[dict[str, str], dict[str, Any]]],
    audience: str = Audience.CUSTOMER,
    open_answers: list[dict[str, str]] | None = None,
) -> pl.DataFrame:
    """Responses given as (segments, answers) in the canonical file layout of the instrument
    of ``audience`` in ``study``: segment columns, then answers; then, when ``open_answers``
    (one dict per row) is given, the instrument's open questions as text."""
    instrument = study.instrument(audience)
    segment_keys = list(study.segments.values_list("key", flat=True))
    columns: dict[str, pl.Series] = {}
    for key in segment_keys:
        columns[key] = pl.Series(key, [segments.get(key) for segments, _ in rows], dtype=pl.String)
    for column in answer_columns(instrument):
        columns[column] = pl.Series(column, [answers.get(column) for _, answers in rows], dtype=pl.Float64)
    if open_answers is not None:
        for column in instrument.open_columns:
            columns[column] = pl.Series(column, [given.get(column) for given in open_answers], dtype=pl.String)
    return pl.DataFrame(columns)


def response_set(wave: Wave, audience: str = Audience.CUSTOMER, in_results: bool = False) -> ResponseSet:
    """The completed responses of ``audience`` as a response set of its instrument (its
    factor and open answers too); with ``in_results`` only those let into the wave's
    results. Raises ServqualError (as the reader does for an empty file) when none are
    complete."""
    instrument = wave.study.instrument(audience)
    return read_responses(response_frame(wave, audience, in_results), instrument, progress=False)
