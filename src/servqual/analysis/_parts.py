"""Sums of parts of a response set, counted apart, stored, and added up later.

A dashboard keeps the sums of the responses it has seen (a batch at a time) and counts only
the new ones; a panel too large for one machine is summed where its partitions live. Either
way the figures of the whole follow from the parts' :class:`PartSums` added up
(:func:`merge_parts`) and :func:`analyze_parts`, and equal those of ``analyze`` on the whole
(tests/analysis/test_parts.py checks it, to 1e-12: sums of fractions added in another order).

Beyond the :class:`~servqual.analysis._statistics.Sums`, a part keeps what adding parts up
needs: each segment column's values (a part's group codes number the values it holds, so
parts are recoded to the values of all before they are added) and the counts of its
validation report. :func:`part_to_bytes` and :func:`part_from_bytes` store a part as an ``.npz``
archive of plain arrays (loaded without pickle), the large frequency tables as their
non-zero cells.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import polars as pl

from servqual.analysis._results import AnalysisResult
from servqual.analysis._scores import analyze_sums, check_segment_missing, check_segment_sizes
from servqual.analysis._segments import MISSING_VALUE, segment_codes
from servqual.analysis._sets import column_sums, item_set_sums
from servqual.analysis._statistics import Layout, Sums, accumulate
from servqual.instruments import Instrument
from servqual.io import ValidationReport, read_responses
from servqual.io._validate import note_scale_fit
from servqual.tuning import one_blas_thread

#: Arrays larger than this are stored as their non-zero cells: a dimension's table of gap
#: patterns has up to 2**20 cells, of which a batch of responses fills a few thousand.
SPARSE_FROM = 1024
#: The validation report's counts that add up over parts.
_ADDED = ("rows_read", "rows_used", "answers_expected", "answers_given", "importance_rejected")


@dataclass
class PartSums:
    """The sums of some rows of a response set, with what adding parts up needs.

    Attributes
    ----------
    sums
        The sufficient statistics of the rows (:class:`~servqual.analysis._statistics.Sums`).
    categories
        Segment column -> its values in the order of the group codes ``sums`` was counted
        with: the values sorted, then None (no value) if some rows have none.
    report
        The validation report of the rows: its counts add up over parts; rows excluded are
        numbered within their part; issues and notes are not kept (the scale check's note
        is made again for the whole by :func:`merge_parts`).
    answered
        The lowest and highest answer used, NaN for none (the scale check of the whole).
    read
        The lowest and highest number read in the answer columns, rejected ones too.
    cfa
        The sections whose complete rows' moments ``sums`` holds.
    importance
        Whether the rows have the instrument's importance columns.
    columns
        Per importance column, and per item set counted (``"gap/delivery"``, a customer
        process's items), the number, sum and sum of squares of its values
        (:mod:`servqual.analysis._sets`): what the diagnosis needs of the customers.
    """

    sums: Sums
    categories: dict[str, list[str | None]]
    report: ValidationReport
    answered: tuple[float, float]
    read: tuple[float, float]
    cfa: tuple[str, ...]
    importance: bool
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_respondents(self) -> int:
        return self.report.rows_used


def layout_of(instrument: Instrument, part: PartSums) -> Layout:
    """The layout ``part`` was counted with."""
    groups = {column: len(values) for column, values in part.categories.items()}
    return _layout(instrument, part.cfa, groups, part.importance)


#: Layout.pattern_keys of the layouts made here, by what they depend on: made once (50 ms
#: for SERVQUAL's gap), not for every part and merge of every page of results.
_PATTERN_KEYS: dict[tuple[Any, ...], dict[tuple[str, int], np.ndarray]] = {}


def _layout(instrument: Instrument, cfa: Sequence[str], groups: dict[str, int], importance: bool) -> Layout:
    layout = Layout.of(instrument, list(instrument.sections), cfa, groups, importance=importance)
    depends = (layout.sections, tuple(layout.lowest.items()), tuple(layout.widths.items()), layout.dimensions)
    if depends in _PATTERN_KEYS:
        layout.__dict__["pattern_keys"] = _PATTERN_KEYS[depends]  # where cached_property keeps it
    else:
        if len(_PATTERN_KEYS) >= 16:
            _PATTERN_KEYS.clear()
        for table in layout.pattern_keys.values():
            table.flags.writeable = False  # shared between layouts from now on
        _PATTERN_KEYS[depends] = layout.pattern_keys
    return layout


def part_sums(
    frame: pl.DataFrame,
    instrument: Instrument,
    *,
    segments: Sequence[str] = (),
    cfa: Sequence[str] = ("perception",),
    name: str = "responses",
    item_sets: Mapping[str, Sequence[int]] | None = None,
) -> PartSums:
    """The :class:`PartSums` of the rows of ``frame``, a table of numbers in the canonical
    layout (segment columns, then answer and importance columns, as
    ``servqual.web.surveys.responses.response_frame`` gives it), read and validated by
    :func:`servqual.read_responses` as a file would be. A part without rows, or whose rows
    hold no answer at all (each excluded), has sums of no rows. ``item_sets``: sets of
    item numbers by name (the customer processes) whose scores' sums are counted too."""
    answer_columns = [c for s in instrument.sections for c in instrument.columns(s)]
    importance = bool(instrument.importance_columns) and instrument.importance_columns[0] in frame.columns
    cfa = Layout.of(instrument, list(instrument.sections), cfa).cfa  # the sections the instrument has
    numbers = frame.select(answer_columns)
    read = _range(numbers)
    if not frame.height or not numbers.select(pl.any_horizontal(pl.all().is_not_null()).any()).item():
        return _empty_part(frame, instrument, segments, cfa, importance, read, name)
    responses = read_responses(frame, instrument, progress=False, name=name)
    groups = {column: segment_codes(responses.attributes[column]) for column in segments}
    layout = _layout(instrument, cfa, {c: len(v) for c, (_, v) in groups.items()}, importance)
    with one_blas_thread():
        sums = accumulate(layout, responses.table, {column: codes for column, (codes, _) in groups.items()})
    sections = [*instrument.sections, *(["gap"] if {"expectation", "perception"} <= set(instrument.sections) else [])]
    columns = item_set_sums(responses.table, instrument, sections, item_sets or {})
    if importance:
        columns |= column_sums(responses.table, instrument.importance_columns)
    return PartSums(
        sums=sums,
        categories={column: values for column, (_, values) in groups.items()},
        report=_counts_only(responses.report),
        answered=_range(responses.table.select(answer_columns)),
        read=read,
        cfa=cfa,
        importance=importance,
        columns=columns,
    )


def _empty_part(
    frame: pl.DataFrame,
    instrument: Instrument,
    segments: Sequence[str],
    cfa: tuple[str, ...],
    importance: bool,
    read: tuple[float, float],
    name: str,
) -> PartSums:
    """A part whose every row has no answer: each is excluded, as the reader excludes it
    (``no_answers``; the reader refuses a file of such rows alone), and no row is counted."""
    columns = [c for s in instrument.sections for c in instrument.columns(s)]
    if importance:
        columns += instrument.importance_columns
    table = pl.DataFrame({column: pl.Series(column, [], dtype=pl.Float64) for column in columns})
    layout = _layout(instrument, cfa, dict.fromkeys(segments, 0), importance)
    report = ValidationReport(name, "dataframe", rows_read=frame.height)
    if frame.height:
        report.excluded["no_answers"] = list(range(2, frame.height + 2))
    return PartSums(
        sums=accumulate(layout, table, {column: np.zeros(0, dtype=np.intp) for column in segments}),
        categories={column: [] for column in segments},
        report=report,
        answered=(math.nan, math.nan),
        read=read,
        cfa=cfa,
        importance=importance,
    )


def _range(table: pl.DataFrame) -> tuple[float, float]:
    """The lowest and highest number in ``table``, NaN for none."""
    if not table.width:
        return math.nan, math.nan
    bounds = table.select(
        pl.min_horizontal(pl.all().min()).alias("low"), pl.max_horizontal(pl.all().max()).alias("high")
    )
    low, high = bounds.row(0)
    return (math.nan if low is None else float(low)), (math.nan if high is None else float(high))


def _counts_only(report: ValidationReport) -> ValidationReport:
    """``report`` with its counts, without issues and notes."""
    return ValidationReport(
        source=report.source,
        file_format=report.file_format,
        rows_read=report.rows_read,
        rows_used=report.rows_used,
        excluded={reason: list(rows) for reason, rows in report.excluded.items()},
        answers_expected=report.answers_expected,
        answers_given=report.answers_given,
        answers_rejected=Counter(report.answers_rejected),
        importance_rejected=report.importance_rejected,
        unused_columns=list(report.unused_columns),
        label_columns=list(report.label_columns),
    )


def merge_parts(instrument: Instrument, parts: Sequence[PartSums]) -> PartSums:
    """The :class:`PartSums` of all ``parts`` together: each part's segment tables recoded
    to the values of all parts (sorted, then None), then every sum added (``Sums.__add__``),
    the report's counts added, and the scale check made for the whole."""
    if not parts:
        raise ValueError("no parts to merge")
    first = parts[0]
    categories = {column: _all_values(part.categories[column] for part in parts) for column in first.categories}
    layout = _layout(instrument, first.cfa, {c: len(v) for c, v in categories.items()}, first.importance)
    total: Sums | None = None
    for part in parts:
        recoded = _recoded(instrument, part, layout, categories)
        total = recoded if total is None else total + recoded  # new arrays: the parts stay as they were
    assert total is not None
    answered = _widest(part.answered for part in parts)
    read = _widest(part.read for part in parts)
    names = set().union(*(part.columns for part in parts))  # a part without rows has none: zeros
    return PartSums(
        sums=total,
        categories=categories,
        report=_merged_report(instrument, [part.report for part in parts], answered, read),
        answered=answered,
        read=read,
        cfa=first.cfa,
        importance=first.importance,
        columns={
            name: sum((part.columns.get(name, np.zeros(3)) for part in parts), np.zeros(3)) for name in sorted(names)
        },
    )


def _all_values(lists: Any) -> list[str | None]:
    """The values of several parts of a segment column, in the order of ``segment_codes``."""
    values: set[str | None] = set()
    for listed in lists:
        values.update(listed)
    ordered: list[str | None] = [*sorted(v for v in values if v is not None)]
    if MISSING_VALUE in values:
        ordered.append(MISSING_VALUE)
    return ordered


def _recoded(instrument: Instrument, part: PartSums, layout: Layout, categories: dict[str, list[Any]]) -> Sums:
    """``part.sums`` with each segment table's groups moved to their place among
    ``categories`` (the other groups empty); its other arrays are the part's own."""
    own = layout_of(instrument, part)
    segments = {}
    for column, values in categories.items():
        rows = [values.index(v) for v in part.categories[column]]
        table = np.zeros(layout.segment_offsets(column)[-1])
        source, target = own.segment_offsets(column), layout.segment_offsets(column)
        for d in range(len(layout.dimensions)):
            width = layout.n_keys(layout.headline, d) + 1
            block = table[target[d] : target[d + 1]].reshape(len(values), width)
            block[rows] = part.sums.segments[column][source[d] : source[d + 1]].reshape(len(rows), width)
        segments[column] = table
    return dataclasses.replace(part.sums, segments=segments)


def _widest(ranges: Any) -> tuple[float, float]:
    """The lowest low and the highest high of (low, high) pairs, NaN ignored."""
    lows, highs = zip(*ranges, strict=True)
    low = [v for v in lows if not math.isnan(v)]
    high = [v for v in highs if not math.isnan(v)]
    return (min(low) if low else math.nan), (max(high) if high else math.nan)


def _merged_report(
    instrument: Instrument, reports: list[ValidationReport], answered: tuple[float, float], read: tuple[float, float]
) -> ValidationReport:
    """The counts of ``reports`` added up, and the scale check of the whole."""
    merged = ValidationReport(reports[0].source, reports[0].file_format)
    for name in _ADDED:
        setattr(merged, name, sum(getattr(report, name) for report in reports))
    for report in reports:
        for reason, rows in report.excluded.items():
            merged.excluded.setdefault(reason, []).extend(rows)
        merged.answers_rejected.update(report.answers_rejected)
    merged.unused_columns = sorted({c for report in reports for c in report.unused_columns})
    # a column of labels has no number in any part that has answers in it
    merged.label_columns = sorted(set.intersection(*(set(report.label_columns) for report in reports)))
    if not math.isnan(answered[0]):
        note_scale_fit(merged, instrument, merged.answers_given, answered, read)
    return merged


def analyze_parts(
    instrument: Instrument,
    part: PartSums,
    *,
    min_group: int = 5,
    min_answers: int = 1,
    segment_missing: str = "exclude",
) -> AnalysisResult:
    """What :func:`~servqual.analysis.analyze` gives on the rows of ``part`` (parts added up
    by :func:`merge_parts`), with its segments and factor model sections; the other
    parameters as ``analyze`` takes them."""
    check_segment_missing(segment_missing)
    layout = layout_of(instrument, part)
    check_segment_sizes(layout, part.categories)
    return analyze_sums(
        instrument,
        layout,
        part.sums,
        part.categories,
        part.report,
        part.n_respondents,
        min_group=min_group,
        min_answers=min_answers,
        segment_missing=segment_missing,
    )


# -- storing a part ------------------------------------------------------------------


def part_to_bytes(part: PartSums) -> bytes:
    """``part`` as an ``.npz`` archive: every array of its sums under a name made of its
    field and key (``patterns|gap|0|0``), the large ones as their non-zero cells, and the
    rest as JSON (:func:`part_from_bytes` reads it back without pickle)."""
    arrays: dict[str, np.ndarray] = {}
    layout: dict[str, Any] = {}
    for f in fields(Sums):
        value = getattr(part.sums, f.name)
        if isinstance(value, dict):
            layout[f.name] = [list(key) if isinstance(key, tuple) else [key] for key in value]
            for key, array in value.items():
                _put(arrays, _name(f.name, key), array)
        elif isinstance(value, np.ndarray):
            layout[f.name] = "array"
            _put(arrays, f.name, value)
        else:
            layout[f.name] = value  # n_used, or None
    report = part.report
    meta = {
        "sums": layout,
        "categories": part.categories,
        "report": {
            **{name: getattr(report, name) for name in _ADDED},
            "source": report.source,
            "file_format": report.file_format,
            "excluded": report.excluded,
            "answers_rejected": dict(report.answers_rejected),
            "unused_columns": report.unused_columns,
            "label_columns": report.label_columns,
        },
        "answered": [_json_number(v) for v in part.answered],
        "read": [_json_number(v) for v in part.read],
        "cfa": list(part.cfa),
        "importance": part.importance,
        "columns": sorted(part.columns),
    }
    for name, column in part.columns.items():
        arrays[f"columns|{name}"] = column
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def part_from_bytes(data: bytes) -> PartSums:
    """The :class:`PartSums` that :func:`part_to_bytes` stored."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    values: dict[str, Any] = {}
    for name, kind in meta["sums"].items():
        if kind == "array":
            values[name] = _take(arrays, name)
        elif isinstance(kind, list):
            values[name] = {_key(key): _take(arrays, _name(name, _key(key))) for key in kind}
        else:
            values[name] = kind
    stored = meta["report"]
    report = ValidationReport(stored["source"], stored["file_format"])
    for name in _ADDED:
        setattr(report, name, stored[name])
    report.excluded = stored["excluded"]
    report.answers_rejected = Counter(stored["answers_rejected"])
    report.unused_columns, report.label_columns = stored["unused_columns"], stored["label_columns"]
    return PartSums(
        sums=Sums(**values),
        categories=meta["categories"],
        report=report,
        answered=tuple(_from_json_number(v) for v in meta["answered"]),  # type: ignore[arg-type]
        read=tuple(_from_json_number(v) for v in meta["read"]),  # type: ignore[arg-type]
        cfa=tuple(meta["cfa"]),
        importance=meta["importance"],
        columns={name: arrays[f"columns|{name}"] for name in meta.get("columns", [])},
    )


def _name(field: str, key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return "|".join([field, *map(str, parts)])


def _key(listed: list[Any]) -> Any:
    """A dict key of :class:`Sums` from its JSON list: a tuple, or the one value."""
    return tuple(listed) if len(listed) > 1 else listed[0]


def _put(arrays: dict[str, np.ndarray], name: str, array: np.ndarray) -> None:
    if array.size < SPARSE_FROM:
        arrays[name] = array
        return
    flat = array.ravel()
    cells = np.flatnonzero(flat)
    arrays[name + "#cells"] = cells.astype(np.int32 if flat.size < 2**31 else np.int64)
    arrays[name + "#values"] = flat[cells]
    arrays[name + "#shape"] = np.array(array.shape, dtype=np.int64)


def _take(arrays: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name in arrays:
        return arrays[name]
    values = arrays[name + "#values"]
    array = np.zeros(int(np.prod(arrays[name + "#shape"])), dtype=values.dtype)
    array[arrays[name + "#cells"]] = values
    return array.reshape(tuple(arrays[name + "#shape"]))


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _from_json_number(value: float | None) -> float:
    return math.nan if value is None else float(value)
