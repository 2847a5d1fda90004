"""The raw rows of a wave's export, read from the database and written a part at a time, so
the memory an export takes stays flat however many responses the wave has.

They show what :func:`servqual.web.dashboards.results.anonymous_rows` shows, in the same
order: the segment values of suppressed groups and of rare combinations left empty, the rows
sorted by what they hold. The rules need the sizes of the combinations of segment values,
which a first pass counts (one small tuple per distinct combination, not per row); the order
comes from the database: first the rank of a row's combination as shown, then its answers.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl
from django.db.models import BooleanField, Case, ExpressionWrapper, F, FloatField, OrderBy, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from servqual.analysis import AnalysisResult, Diagnosis
from servqual.errors import ServqualError
from servqual.instruments import Instrument
from servqual.io import ResponseSet, read_responses
from servqual.io._validate import NO_USABLE_ROWS
from servqual.report.export import csv_rows, response_table
from servqual.web.dashboards.results import (
    anonymous_in,
    hidden_combinations,
    staff_responses,
    suppressed_values,
    without_values,
)
from servqual.web.dashboards.sums import completed_responses
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import Response
from servqual.web.surveys.responses import answer_columns, frame_of

if TYPE_CHECKING:
    import pandas as pd

#: Rows read from the database and written as CSV at a time: about 1 MB of text.
CHUNK_ROWS = 2000

Combination = tuple[Any, ...]


@dataclass(frozen=True)
class ShownSegments:
    """How the raw rows show their segment values: each combination of values (in the order
    of the study's segment keys) as found in the rows -> as shown, and the rank of each
    combination as shown in the order of the rows."""

    keys: list[str]
    shown: dict[Combination, Combination]
    rank: dict[Combination, int]

    def shown_in(self, row_segments: dict[str, Any]) -> dict[str, Any]:
        """The segment values shown for a row holding ``row_segments``; none at all for a
        combination not counted (a response let in after the count: not made anonymous)."""
        combination = tuple(row_segments.get(key) for key in self.keys)
        return dict(zip(self.keys, self.shown.get(combination, (None,) * len(self.keys)), strict=True))


def rows_in_results(wave: Wave) -> QuerySet[Response]:
    """The responses in the wave's results: the rows an export reads."""
    return completed_responses(wave).filter(in_results=True)


def shown_segments(wave: Wave, result: AnalysisResult, k: int) -> ShownSegments:
    """Count the combinations of segment values in the wave's results and decide, as
    ``anonymous_rows`` does, which are shown and which left empty."""
    study = wave.study
    keys = list(study.segments.values_list("key", flat=True))
    instrument = study.instrument()
    found: Counter[Combination] = Counter()
    for part in _parts(rows_in_results(wave).order_by("pk").values_list("segments", "answers")):
        used = _read(study, part, instrument)  # rows the reader excludes are not shown: not counted
        if used is not None:
            found.update(used.attributes.select(keys).iter_rows())
    hidden_values = suppressed_values(result)
    analysed = [j for j, key in enumerate(keys) if key in result.segments]
    without_small = {
        raw: tuple(None if v in hidden_values.get(key, ()) else v for key, v in zip(keys, raw, strict=True))
        for raw in found
    }
    sizes: Counter[Combination] = Counter()
    for raw, n in found.items():
        sizes[tuple(without_small[raw][j] for j in analysed)] += n
    hidden = hidden_combinations(sizes, len(analysed), k) if analysed else set()
    shown = {}
    for raw, values in without_small.items():
        if tuple(values[j] for j in analysed) in hidden:
            values = tuple(None if j in analysed else v for j, v in enumerate(values))
        shown[raw] = values
    # polars' order of the old export: each column ascending (by code point), empty last
    ordered = sorted(set(shown.values()), key=lambda c: [(v is None, "" if v is None else v) for v in c])
    rank = {combination: position for position, combination in enumerate(ordered)}
    return ShownSegments(keys=keys, shown=shown, rank=rank)


def _in_order(wave: Wave, segments: ShownSegments) -> QuerySet[Response]:
    """The rows in results, sorted by the rank of their segment values as shown, then by
    their answers (numbers, empty last), column by column."""
    order: list[OrderBy] = [OrderBy(_rank_of(segments))] if segments.shown else []
    for column in answer_columns(wave.study.instrument()):
        # empty last: KT of a JSON null is the text 'null' on SQLite, which casts to 0
        empty = ExpressionWrapper(_holds("answers", column, None), output_field=BooleanField())
        order += [OrderBy(empty), OrderBy(Cast(KT(f"answers__{column}"), FloatField()))]
    return rows_in_results(wave).order_by(*order, F("pk").asc())


def _rank_of(segments: ShownSegments) -> Case:
    """The rank of a row's segment values as shown (a combination not counted: last)."""
    by_rank = [
        When(
            Q(*(_holds("segments", key, v) for key, v in zip(segments.keys, raw, strict=True))),
            then=Value(segments.rank[shown]),
        )
        for raw, shown in segments.shown.items()
    ]
    return Case(*by_rank, default=Value(len(segments.rank)))


def _holds(field: str, key: str, value: Any) -> Q:
    """Rows whose JSON ``field`` holds ``value`` at ``key``; for None, rows without one."""
    if value is None:
        return Q(**{f"{field}__{key}__isnull": True}) | Q(**{f"{field}__{key}": None})
    return Q(**{f"{field}__{key}": value})


def csv_of_rows(wave: Wave, segments: ShownSegments) -> Iterator[str]:
    """The export's responses table as CSV text, a part of :data:`CHUNK_ROWS` rows at a
    time (the header with the first rows); each part read and validated as a file is, so
    rows the reader excludes are left out, as in the analysis, which rests on the same
    rule applied a batch at a time."""
    study = wave.study
    instrument = study.instrument()
    header = True
    for part in _parts(_in_order(wave, segments).values_list("segments", "answers")):
        shown = [(segments.shown_in(row_segments), answers) for row_segments, answers in part]
        used = _read(study, shown, instrument)
        if used is not None:
            yield csv_rows(response_table(used), header)
            header = False


Row = tuple[dict[str, Any], dict[str, Any]]


def _parts(rows: QuerySet[Response, tuple[Any, Any]]) -> Iterator[list[Row]]:
    """(segments, answers) of ``rows``, :data:`CHUNK_ROWS` at a time."""
    part: list[Row] = []
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        part.append(row)
        if len(part) == CHUNK_ROWS:
            yield part
            part = []
    if part:
        yield part


def _read(study: Study, part: list[Row], instrument: Instrument) -> ResponseSet | None:
    """The part's rows as read and validated; None when the reader excludes all of them
    (rows without answers sort together, after the others)."""
    try:
        return read_responses(frame_of(study, part), instrument, progress=False)
    except ServqualError as error:
        if error.message_id != NO_USABLE_ROWS:
            raise
        return None


def staff_rows(wave: Wave, diagnosis: Diagnosis, audience: str) -> pd.DataFrame | None:
    """The raw rows of the managers' or the employees' responses in the wave's results, for
    an export of their own beside the customers': their answers (the factors' too), never
    their open answers (text can name a person). By the customers' rule: the segment values
    of every group the diagnosis hides for ``audience`` (per unit of a segment) left empty,
    then those of rare combinations; the rows sorted by what they hold. None when the
    audience has no responses in the results."""
    responses = staff_responses(wave, audience)
    if responses is None:
        return None
    k = wave.study.anonymity_threshold
    columns = [c for c in wave.study.segments.values_list("key", flat=True) if c in responses.attributes.columns]
    hidden: dict[str, set[Any]] = {}
    for column in columns:
        unit = diagnosis.units.get(column)
        groups = None if unit is None else unit.managers if audience == "manager" else unit.employees
        if groups is None:  # no figures per unit to follow: none of its values is shown
            hidden[column] = set(responses.attributes[column].drop_nulls().unique().to_list())
        else:
            hidden[column] = {g.value for g in groups.groups if g.suppressed and g.value is not None}
    responses = anonymous_in(without_values(responses, hidden), columns, k)
    responses = dataclasses.replace(responses, open_answers=pl.DataFrame())
    table = response_table(responses)
    instrument = responses.instrument
    for column in instrument.factor_columns:
        if column in responses.table.columns:
            table[column] = responses.table[column].cast(pl.Float64).to_numpy()
    return table.drop(columns=[c for c in instrument.open_columns if c in table.columns])
