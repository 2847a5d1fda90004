"""From a raw table to a validated response set, with every change reported.

One implementation for every reader: answers outside the scale, text where a number
belongs, importance points that do not add up, duplicate ids and empty rows all end
here, each named by file, row and column.

:func:`validate` runs the steps in order. Each step takes what it needs, adds what it
finds wrong to the report (in the order the report lists it) and returns its result;
``keep`` (which rows are still in) passes from step to step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.instruments import Instrument, on_points
from servqual.io._mapping import MISSING_TOKENS, Mapping
from servqual.io._responses import ResponseSet, ValidationReport, float_matrix
from servqual.io._table import RawTable, column_name

#: Share of given answers rejected (outside the scale, between scale points, text) above
#: which the file is refused instead of losing most of its answers.
WRONG_SCALE_SHARE = 0.2
#: From this many answers on, a scale whose top or bottom point no answer uses is named.
SCALE_FIT_ANSWERS = 100
IMPORTANCE_TOTAL = 100.0
IMPORTANCE_TOLERANCE = 0.01

#: One flag per row of the table (``keep``: the rows still in), or per cell of a column.
Mask: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Rule:
    """What the cells of a group of columns must hold, and how their text is read.

    Attributes
    ----------
    low, high
        The lowest and highest valid number.
    step
        The distance between valid numbers, counted from ``low``: 1 for whole scale
        points, 0.5 or 0.1 for a scale with such steps; None for any number (a slider,
        importance points).
    missing
        Cell texts, lower case, that mean no answer.
    values
        Answer text (case-folded) -> scale point, for files that hold labels.
    decimal_comma
        Whether the file writes ``3,5`` for 3.5.
    """

    low: float
    high: float
    step: float | None
    missing: frozenset[str]
    values: dict[str, float]
    decimal_comma: bool

    @property
    def codes(self) -> list[float]:
        """The missing codes that are numbers (``-99``, a mapping's ``9``)."""
        return [float(token) for token in self.missing if _is_number(token)]


@dataclass(frozen=True)
class CheckedColumn:
    """One answer or importance column after its checks.

    Attributes
    ----------
    column
        The column's name in the file, as issues and the report name it.
    values
        The valid answers under the canonical name (``E1``, ``W_TAN``); null is no answer.
    rejected
        Cells set to missing because they were invalid; None when none were.
    given
        Answers left in the rows kept.
    lowest, highest
        The lowest and highest of them; NaN when there is none.
    read_low, read_high
        The lowest and highest number read, answers outside the scale included.
    outside, not_whole, not_number
        Cells rejected: outside the scale, between scale points, text.
    text
        The first cell that is text, not a number; None when there is none.
    label
        Whether every answer in the column is text (labels such as "Mee eens" that the
        mapping does not turn into points).
    """

    column: str
    values: pl.Series
    rejected: Mask | None
    given: int
    lowest: float
    highest: float
    read_low: float
    read_high: float
    outside: int = 0
    not_whole: int = 0
    not_number: int = 0
    text: str | None = None
    label: bool = False

    @property
    def n_rejected(self) -> int:
        return self.outside + self.not_whole + self.not_number


@dataclass(frozen=True)
class Importance:
    """The importance columns after their checks.

    Attributes
    ----------
    points
        The checked columns; null where a row's allocation is unusable.
    wrong
        Rows whose points were invalid (their answers are kept).
    """

    points: list[pl.Series]
    wrong: Mask


@dataclass(frozen=True)
class RespondentIds:
    """The respondent id column.

    Attributes
    ----------
    column
        Its name in the file.
    values
        The ids without surrounding blanks.
    """

    column: str
    values: pl.Series


@dataclass(frozen=True)
class RowsUsed:
    """What the response set holds of the rows kept.

    Attributes
    ----------
    table
        The answers, then the importance points.
    attributes
        The respondent attributes.
    respondent_ids
        The ids, or None when the file has no id column.
    row_numbers
        The source row of each.
    """

    table: pl.DataFrame
    attributes: pl.DataFrame
    respondent_ids: pl.Series | None
    row_numbers: np.ndarray


#: The error of a table whose every row is excluded.
NO_USABLE_ROWS = N_("{file}: no usable rows: every row was excluded ({reasons})")


def validate(table: RawTable, instrument: Instrument, mapping: Mapping, max_issues: int = 1000) -> ResponseSet:
    """Check every answer of ``table`` against ``instrument`` and build the response set.

    Invalid answers become missing and are counted per column; rows the reader set aside,
    rows without answers and repeated respondent ids are excluded; each with an issue
    naming file, row and column.

    Parameters
    ----------
    table
        What a reader made of the file.
    instrument
        The instrument whose columns and scale the answers must fit.
    mapping
        The mapping the columns were planned with: its missing codes and answer labels.
    max_issues
        How many detailed issues the report keeps (its counts are always complete).

    Returns
    -------
    ResponseSet
        The rows used, with the report of what happened to every row and answer.

    Raises
    ------
    ServqualError
        When required columns are missing, the file plainly uses another scale, or no
        row is left.
    """
    report = _new_report(table, instrument, max_issues)
    _check_columns(report, table, instrument)
    keep = _exclude_set_aside(report, table)
    answers = _check_answers(report, table, instrument, _answer_rule(instrument, mapping, table.decimal_comma), keep)
    _refuse_mostly_rejected(answers, instrument, table.source)
    _note_label_columns(report, answers)
    _check_scale_fit(report, answers, instrument)
    importance = _check_importance(report, table, instrument, _importance_rule(mapping, table.decimal_comma), keep)
    answered = pl.DataFrame([column.values for column in answers])
    keep = _exclude_empty_rows(report, answered, answers, keep, table.row_numbers)
    ids = _respondent_ids(table)
    keep = _exclude_repeated_ids(report, ids, keep, table.row_numbers)
    if not keep.any():
        raise ServqualError(
            NO_USABLE_ROWS,
            file=table.source,
            reasons=", ".join(sorted(report.excluded)),
        )
    used = _rows_used(table, answered, importance, ids, keep)
    _count_used(report, answers, importance, used.table, keep)
    return ResponseSet(
        instrument=instrument,
        table=used.table,
        attributes=used.attributes,
        respondent_ids=used.respondent_ids,
        row_numbers=used.row_numbers,
        report=report,
        open_answers=_open_answers(table, keep),
    )


def _new_report(table: RawTable, instrument: Instrument, max_issues: int) -> ValidationReport:
    """A report that starts with the reader's notes and the columns that are not read."""
    plan = table.plan
    report = ValidationReport(table.source, table.file_format, rows_read=table.frame.height, max_issues=max_issues)
    for message_id, params in table.notes:
        report.note(message_id, **params)
    dropped = [plan.header[p] for p in plan.dropped]
    if dropped:
        report.note(N_("{file}: personal-data columns not read: {columns}"), columns=", ".join(dropped))
    unused = [plan.header[p] for p in plan.unused]
    if unused:
        report.unused_columns = sorted(unused, key=_natural)
        report.note(
            N_("{file}: columns not used by instrument {instrument}: {columns}"),
            instrument=instrument.key,
            columns=column_ranges(report.unused_columns),
        )
    return report


def _check_columns(report: ValidationReport, table: RawTable, instrument: Instrument) -> None:
    """Refuse a file without every answer column, or with only some importance columns.

    A managers' or employees' file may leave out whole parts of its instrument (a managers'
    file with only E1..E22 gives gap 1): the report names the parts absent. A part begun
    must be complete, as must a customers' file."""
    plan = table.plan
    if instrument.audience != "customer":
        parts = instrument_parts(instrument)
        absent = [name for name, columns in parts.items() if not any(c in plan.answers for c in columns)]
        if len(absent) < len(parts):
            wanted = [c for name, columns in parts.items() if name not in absent for c in columns]
            _refuse_missing(table, instrument, [c for c in wanted if c not in plan.answers])
            if absent:
                report.note(
                    N_("{file}: parts of instrument {instrument} not in the file: {parts}"),
                    instrument=instrument.key,
                    parts="; ".join(f"{name} ({parts[name][0]}-{parts[name][-1]})" for name in absent),
                )
            return
    _refuse_missing(table, instrument, [c for s in instrument.sections for c in instrument.columns(s)])
    weights = [c for c in instrument.importance_columns if c in plan.answers]
    if weights and len(weights) != len(instrument.importance_columns):
        absent = [c for c in instrument.importance_columns if c not in plan.answers]
        raise ServqualError(
            N_("{file}: importance columns incomplete; missing {columns}"), file=table.source, columns=", ".join(absent)
        )


def instrument_parts(instrument: Instrument) -> dict[str, list[str]]:
    """The parts a managers' or employees' file may hold or leave out, by name, with
    their columns: each section, the importance points, each factor."""
    parts = {section: instrument.columns(section) for section in instrument.sections}
    if instrument.importance:
        parts["importance"] = instrument.importance_columns
    parts.update({factor.key: factor.columns for factor in instrument.factors})
    return parts


def _refuse_missing(table: RawTable, instrument: Instrument, required: list[str]) -> None:
    missing = [c for c in required if c not in table.plan.answers]
    if missing:
        raise ServqualError(
            N_("{file}: required columns missing for instrument {instrument}: {columns}"),
            file=table.source,
            instrument=instrument.key,
            columns=column_ranges(missing),
        )


def _exclude_set_aside(report: ValidationReport, table: RawTable) -> Mask:
    """Exclude the rows the reader set aside (ragged, blank, cut off, ...); returns the
    rows kept."""
    keep = np.ones(table.frame.height, dtype=bool)
    for reason, message_id, rows, params in table.excluded:
        report.exclude(rows, reason, message_id, **params)
        keep[np.searchsorted(table.row_numbers, rows)] = False
    return keep


def _answer_rule(instrument: Instrument, mapping: Mapping, decimal_comma: bool) -> Rule:
    """Whole points of the instrument's scale; every missing code means no answer."""
    scale = instrument.scale
    return Rule(scale.min, scale.max, scale.step, MISSING_TOKENS | mapping.missing, mapping.values, decimal_comma)


def _importance_rule(mapping: Mapping, decimal_comma: bool) -> Rule:
    """0 to 100 points. A user's numeric missing code (9 on a 1..7 scale) is an answer
    code: it must not blank 9 importance points. The built-in codes (-99) mean no answer
    everywhere."""
    missing = MISSING_TOKENS | {token for token in mapping.missing if not _is_number(token)}
    return Rule(0, IMPORTANCE_TOTAL, None, missing, mapping.values, decimal_comma)


def _check_answers(
    report: ValidationReport, table: RawTable, instrument: Instrument, rule: Rule, keep: Mask
) -> list[CheckedColumn]:
    """Every answer column the file has, section by section in the instrument's order,
    then the factors' items, so that reports read the same every run."""
    names = [c for s in instrument.sections for c in instrument.columns(s)] + instrument.factor_columns
    return _check_group(report, table, [c for c in names if c in table.plan.answers], rule, keep)


def _check_group(
    report: ValidationReport, table: RawTable, names: list[str], rule: Rule, keep: Mask
) -> list[CheckedColumn]:
    """The columns ``names`` (canonical names: a section, or the importance columns)
    checked against ``rule`` in the rows ``keep``. A column :func:`_valid_columns` finds
    valid is kept as polars read it, without a check of each cell."""
    plan = table.plan
    part = table.frame.select([column_name(plan.answers[name]) for name in names])
    valid, lowest, highest = _valid_columns(part, rule, rule.codes)
    all_kept = bool(keep.all())
    checked = []
    for name, series, ok, low, high in zip(names, part.iter_columns(), valid, lowest, highest, strict=True):
        column = plan.header[plan.answers[name]]
        if ok:
            checked.append(_as_read(column, series.alias(name), keep, all_kept, low, high))
        else:
            checked.append(_check_cells(report, column, series, name, rule, keep, all_kept, table.row_numbers))
    return checked


def _as_read(column: str, series: pl.Series, keep: Mask, all_kept: bool, low: float, high: float) -> CheckedColumn:
    """A column known to hold valid answers only, whose lowest and highest values are
    ``low`` and ``high``: its count and extremes in the rows kept come from polars,
    without a pass over floats."""
    kept = series if all_kept else series.filter(keep)
    given = kept.len() - kept.null_count()
    if not given:
        return CheckedColumn(column, series, None, given, np.nan, np.nan, np.nan, np.nan)
    if not all_kept:  # a numeric column with values has numbers as its extremes
        low, high = float(cast(float, kept.min())), float(cast(float, kept.max()))
    return CheckedColumn(column, series, None, given, low, high, low, high)


def _check_cells(
    report: ValidationReport,
    column: str,
    series: pl.Series,
    name: str,
    rule: Rule,
    keep: Mask,
    all_kept: bool,
    rows: np.ndarray,
) -> CheckedColumn:
    """Check each cell of one column: text that is not a number, numbers outside the
    scale and numbers between its points (``rule.step``) become missing, each
    reported with its row in ``rows``. ``name`` is the canonical name of the column."""
    numbers = float_matrix(series.to_frame())[:, 0] if series.dtype.is_numeric() else np.empty(series.len())
    text = _numbers(series, rule, numbers)
    if all_kept:  # the usual case: skip four passes over the column
        not_number, present = text, ~np.isnan(numbers)
    else:
        numbers[~keep] = np.nan
        not_number, present = text & keep, keep & ~np.isnan(numbers)
    outside = present & ((numbers < rule.low) | (numbers > rule.high))
    broken = present & ~outside & ~on_points(numbers, rule.low, rule.step)
    _reject(
        report,
        series,
        not_number,
        rows,
        column,
        N_("{file} row {row} column {column}: {value!r} is not a number; treated as missing"),
    )
    _reject(
        report,
        series,
        outside,
        rows,
        column,
        N_("{file} row {row} column {column}: {value} is outside {low}..{high}; treated as missing"),
        low=_plain(rule.low),
        high=_plain(rule.high),
    )
    _reject(
        report,
        series,
        broken,
        rows,
        column,
        N_("{file} row {row} column {column}: {value} is not a whole scale point; treated as missing")
        if rule.step == 1
        else N_(
            "{file} row {row} column {column}: {value} is not a point of the scale "
            "(steps of {step}); treated as missing"
        ),
        step=_plain(rule.step),
    )
    read = numbers[present]
    read_low, read_high = (float(read.min()), float(read.max())) if read.size else (np.nan, np.nan)
    numbers[outside | broken] = np.nan
    given = int(np.count_nonzero(~np.isnan(numbers)))
    n_text = int(np.count_nonzero(not_number))
    first_text = str(series[int(np.argmax(not_number))]).strip() if n_text else None
    return CheckedColumn(
        column,
        pl.Series(name, numbers, nan_to_null=True),
        not_number | outside | broken,
        given,
        float(np.nanmin(numbers)) if given else np.nan,
        float(np.nanmax(numbers)) if given else np.nan,
        read_low,
        read_high,
        outside=int(np.count_nonzero(outside)),
        not_whole=int(np.count_nonzero(broken)),
        not_number=n_text,
        text=first_text,
        label=bool(n_text) and not present.any(),
    )


def _valid_columns(
    part: pl.DataFrame, rule: Rule, codes: list[float]
) -> tuple[Mask, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Which columns certainly hold valid answers only: read as numbers (whole ones for
    whole points; a scale with another step has each cell checked), no NaN, lowest and
    highest within the rule's range (polars' own extremes, all columns in one parallel
    pass), and no missing code between them; and each column's lowest and highest value.
    In a clean file no cell then needs a check of its own."""
    lo, hi = rule.low, rule.high
    read = np.array(
        [dtype.is_integer() if rule.step == 1 else dtype.is_numeric() and rule.step is None for dtype in part.dtypes]
    )
    lowest, highest = np.full(part.width, np.nan), np.full(part.width, np.nan)
    numbers = [name for name, ok in zip(part.columns, read, strict=True) if ok]
    if numbers:
        floats = [name for name in numbers if part[name].dtype.is_float()]
        found = part.select(
            pl.col(numbers).min().name.prefix("low:"),
            pl.col(numbers).max().name.prefix("high:"),
            pl.col(floats).is_nan().any().name.prefix("nan:"),
        ).row(0, named=True)
        for j, name in enumerate(part.columns):
            if name in floats and found[f"nan:{name}"]:
                read[j] = False
            elif read[j] and found[f"low:{name}"] is not None:
                lowest[j], highest[j] = found[f"low:{name}"], found[f"high:{name}"]
    valid = read & (lowest >= lo) & (highest <= hi)
    for code in codes:
        valid &= (code < lowest) | (code > highest)
    return valid, lowest, highest


def _numbers(series: pl.Series, rule: Rule, numbers: npt.NDArray[np.float64]) -> Mask:
    """Float answers (NaN = no answer) into ``numbers``; returns a mask of cells that held
    text, not a number. A numeric series is already in ``numbers`` (:func:`float_matrix`)."""
    if series.dtype.is_numeric():
        codes = rule.codes
        if codes:
            numbers[np.isin(numbers, codes)] = np.nan
        return np.zeros(series.len(), dtype=bool)
    text = series.str.strip_chars()
    lowered = text.str.to_lowercase()
    missing: Mask = (text.is_null() | lowered.is_in(list(rule.missing))).to_numpy()
    if rule.values:
        labels = {k: str(v) for k, v in rule.values.items()}
        text = pl.select(pl.lit(lowered).replace_strict(labels, default=pl.lit(text))).to_series()
    if rule.decimal_comma:
        text = text.str.replace(",", ".", literal=True)
    numbers[:] = text.cast(pl.Float64, strict=False).to_numpy()
    numbers[missing] = np.nan
    return ~missing & np.isnan(numbers)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in {"nan", "inf", "-inf", "infinity"}


def _reject(
    report: ValidationReport,
    series: pl.Series,
    mask: Mask,
    rows: np.ndarray,
    column: str,
    message_id: str,
    **params: Any,
) -> None:
    report.add_issues(
        message_id,
        np.flatnonzero(mask),
        lambda i: {"row": int(rows[i]), "column": column, "value": _plain(series[i]), **params},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _natural(name: str) -> tuple[str, int]:
    """Sort E9 before E10."""
    digits = "".join(c for c in name if c.isdigit())
    return "".join(c for c in name if not c.isdigit()), int(digits or 0)


def column_ranges(names: list[str]) -> str:
    """E1, E2, E3, P7 -> 'E1-E3, P7' so a long list stays readable."""
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}")
            run.clear()

    for name in names:
        if (
            run
            and name[0] == run[-1][0]
            and name[1:].isdigit()
            and run[-1][1:].isdigit()
            and int(name[1:]) == int(run[-1][1:]) + 1
        ):
            run.append(name)
        else:
            flush()
            run.append(name)
    flush()
    return ", ".join(parts)


def _refuse_mostly_rejected(answers: list[CheckedColumn], instrument: Instrument, source: str) -> None:
    """Refuse a file that would lose more than :data:`WRONG_SCALE_SHARE` of its answers to
    rejection (outside the scale, between scale points or text): its figures would rest on
    what is left. The message names the main reason and the columns."""
    rejected = sum(column.n_rejected for column in answers)
    given = sum(column.given for column in answers)
    if not rejected or rejected <= WRONG_SCALE_SHARE * (given + rejected):
        return
    main = max(REJECTIONS, key=lambda kind: sum(getattr(c, kind) for c in answers))
    columns = column_ranges([c.column for c in answers if getattr(c, main)])
    scale = instrument.scale
    params = {
        "file": source,
        "share": rejected / (given + rejected),
        "low": scale.min,
        "high": scale.max,
        "instrument": instrument.key,
        "columns": columns,
    }
    if main == "outside":
        message = N_(
            "{file}: {share:.0%} of the answers cannot be used, most of them outside {low}..{high}, the scale of "
            "instrument {instrument} (columns {columns}); the file seems to use another scale (choose or write a "
            "matching instrument)"
        )
    elif main == "not_whole":
        message = N_(
            "{file}: {share:.0%} of the answers cannot be used, most of them not whole points of the {low}..{high} "
            "scale of instrument {instrument} (columns {columns}); the file seems to hold averages or a slider's "
            "values (round them, or choose or write an instrument whose scale has a step or is continuous: "
            "docs/instruments.md#scale)"
        )
    else:
        message = N_(
            "{file}: {share:.0%} of the answers cannot be used, most of them text such as {example!r} where a "
            "number belongs (columns {columns}); if they are answer labels, give each its scale point under "
            "[values] in a mapping file (docs/file-format.md#the-mapping-file)"
        )
        params["example"] = next(c.text for c in answers if c.text is not None)
    raise ServqualError(message, **params)


#: The kinds of rejected answer, as :class:`CheckedColumn` counts them.
REJECTIONS = ("outside", "not_whole", "not_number")


def _note_label_columns(report: ValidationReport, answers: list[CheckedColumn]) -> None:
    """Name the columns whose every answer is text: each loses all its answers (and its
    item leaves the dimension) until the mapping gives the labels their points."""
    labelled = [column for column in answers if column.label]
    if not labelled:
        return
    report.label_columns = [column.column for column in labelled]
    report.note(
        N_(
            "{file}: the answers in {columns} are text such as {example!r}, not scale points, so none of them is "
            "used; give each label its scale point under [values] in a mapping file "
            "(docs/file-format.md#the-mapping-file)"
        ),
        columns=column_ranges(report.label_columns),
        example=labelled[0].text,
    )


def _check_scale_fit(report: ValidationReport, answers: list[CheckedColumn], instrument: Instrument) -> None:
    """From :data:`SCALE_FIT_ANSWERS` answers on, name a scale whose top point no answer
    uses, or whose bottom point none uses while numbers above the top were read (a shifted
    scale), and the scale the numbers read look like: a 1..6 file read as 1..7 has no 7,
    and its reverse-scored items shift by one. A bottom point unused alone is common
    (satisfied customers never give a 1) and not named."""
    given = sum(column.given for column in answers)
    with_answers = [column for column in answers if column.given]
    if given < SCALE_FIT_ANSWERS or not with_answers:
        return
    read = [column for column in answers if column.read_low == column.read_low]
    note_scale_fit(
        report,
        instrument,
        given,
        (min(column.lowest for column in with_answers), max(column.highest for column in with_answers)),
        (min(column.read_low for column in read), max(column.read_high for column in read)),
    )


def note_scale_fit(
    report: ValidationReport,
    instrument: Instrument,
    given: int,
    answered: tuple[float, float],
    read: tuple[float, float],
) -> None:
    """The scale check of :func:`_check_scale_fit` from its counts: ``given`` answers (at
    least :data:`SCALE_FIT_ANSWERS`), the lowest and highest of them (``answered``), and of
    every number read (``read``: rejected ones too). Also for the reports of parts of a set
    merged (servqual.analysis.merge_parts)."""
    scale = instrument.scale
    if given < SCALE_FIT_ANSWERS or scale.continuous:  # a slider's ends are seldom hit exactly
        return
    (lowest, highest), (read_low, read_high) = answered, read
    bottom_unused = lowest > scale.min and read_high > scale.max
    top_unused = highest < scale.max
    if not (bottom_unused or top_unused):
        return
    unused = [point for point, out in ((scale.min, bottom_unused), (scale.max, top_unused)) if out]
    looks_like = (
        _plain(float(np.floor(read_low))) if bottom_unused or read_low < scale.min else scale.min,
        _plain(float(np.ceil(read_high))) if top_unused or read_high > scale.max else scale.max,
    )
    report.scale_unused = [_plain(point) for point in unused]
    report.scale_looks_like = looks_like
    report.note(
        N_(
            "{file}: none of the {n} answers is {points}, on the {low}..{high} scale of instrument {instrument}; "
            "the answers look like a {looks_low}..{looks_high} scale. Check that the file and the instrument use the "
            "same scale "
            "(with another, every mean and each reverse-scored item shifts)"
        ),
        n=given,
        points=" / ".join(str(point) for point in report.scale_unused),
        low=scale.min,
        high=scale.max,
        instrument=instrument.key,
        looks_low=looks_like[0],
        looks_high=looks_like[1],
    )


def _check_importance(
    report: ValidationReport, table: RawTable, instrument: Instrument, rule: Rule, keep: Mask
) -> Importance | None:
    """The importance columns checked cell by cell and row by row; None when the
    instrument asks no importance or the file has none (which the report notes)."""
    if not instrument.importance:
        return None
    names = instrument.importance_columns
    if not all(name in table.plan.answers for name in names):
        if instrument.audience == "customer":  # else the note on the parts absent says so
            report.note(N_("{file}: no importance columns; weighted scores cannot be computed"))
        return None
    columns = _check_group(report, table, names, rule, keep)
    return _check_allocations(report, columns, keep, table.row_numbers)


def _check_allocations(
    report: ValidationReport, columns: list[CheckedColumn], keep: Mask, rows: np.ndarray
) -> Importance:
    """Points must add up to 100; blanks beside a full 100 count as 0. Else, or when a
    cell of the row was rejected, the row's importance becomes missing (its answers
    stay).

    Sums in polars, the rest by positions in numpy; a file whose rows have all their
    points or none (the usual case) keeps its columns as they are."""
    bad_cell = np.zeros_like(keep)
    for column in columns:
        if column.rejected is not None:
            bad_cell |= column.rejected
    points = [column.values for column in columns]
    frame = pl.DataFrame(points)
    found = frame.select(
        total=pl.sum_horizontal(pl.all().fill_null(0.0)), given=pl.sum_horizontal(pl.all().is_not_null())
    )
    total, given = found["total"].to_numpy(), found["given"].to_numpy()
    off = np.flatnonzero((given > 0) & (np.abs(total - IMPORTANCE_TOTAL) > IMPORTANCE_TOLERANCE))
    off = off[keep[off]]
    report.add_issues(
        N_("{file} row {row}: importance points add up to {total}, not 100; importance treated as missing"),
        off,
        lambda i: {"row": int(rows[i]), "total": _plain(round(float(total[i]), 2))},
    )
    wrong = np.zeros(frame.height, dtype=bool)
    wrong[off] = True
    wrong |= keep & bad_cell  # those were reported cell by cell
    if not wrong.any() and not ((given > 0) & (given < frame.width)).any():
        return Importance(points, wrong)  # every row has all its points or none: nothing changes
    unusable = pl.Series(wrong | (given == 0))
    checked = frame.select(
        pl.when(unusable).then(None).otherwise(pl.col(c).fill_null(0.0)).alias(c) for c in frame.columns
    )
    return Importance(checked.get_columns(), wrong)


def _exclude_empty_rows(
    report: ValidationReport, answered: pl.DataFrame, answers: list[CheckedColumn], keep: Mask, rows: np.ndarray
) -> Mask:
    """Exclude the rows kept that have no valid answer left: those whose answers were all
    rejected apart from those that had none; returns the rows kept."""
    given: Mask = answered.select(pl.any_horizontal(pl.all().is_not_null())).to_series().to_numpy()
    rejected = np.zeros_like(keep)
    for column in answers:
        if column.rejected is not None:
            rejected |= column.rejected
    empty = keep & ~given
    report.exclude(
        rows[empty & rejected],
        "answers_rejected",
        N_("{file} row {row}: every answer was rejected (listed above); row excluded"),
    )
    report.exclude(rows[empty & ~rejected], "no_answers", N_("{file} row {row}: no answers at all; row excluded"))
    return keep & given


def _respondent_ids(table: RawTable) -> RespondentIds | None:
    """The id column, its ids without surrounding blanks; None when the file has none."""
    position = table.plan.id
    if position is None:
        return None
    return RespondentIds(table.plan.header[position], table.frame[column_name(position)].str.strip_chars())


def _exclude_repeated_ids(report: ValidationReport, ids: RespondentIds | None, keep: Mask, rows: np.ndarray) -> Mask:
    """Exclude each row kept whose id an earlier row kept already has; returns the rows kept."""
    if ids is None or _certainly_distinct(ids.values) or not ids.values.is_duplicated().any():
        return keep
    kept = np.flatnonzero(keep)
    kept_ids = ids.values.gather(kept)
    repeat = (~kept_ids.is_first_distinct() & kept_ids.is_not_null()).to_numpy()
    if not repeat.any():
        return keep
    first_row: dict[str, int] = {}
    for i, value in zip(kept, kept_ids.to_list(), strict=True):
        first_row.setdefault(value, int(rows[i]))
    for i in kept[repeat]:
        value = ids.values[int(i)]
        report.exclude(
            [rows[i]],
            "duplicate_id",
            N_(
                "{file} row {row}: respondent id {id!r} (column {column}) already appeared in row {first}; row excluded"
            ),
            id=value,
            column=ids.column,
            first=first_row[value],
        )
    keep = keep.copy()
    keep[kept[repeat]] = False
    return keep


def _certainly_distinct(ids: pl.Series) -> bool:
    """Whether the ids are certainly all distinct: strictly increasing (most exports
    number their responses) or with distinct hashes, both cheaper to know than whether
    any text repeats."""
    if ids.null_count() == 0 and (ids.slice(1) > ids.slice(0, ids.len() - 1)).all():
        return True
    return bool(ids.hash().n_unique() == ids.len())


def _rows_used(
    table: RawTable, answered: pl.DataFrame, importance: Importance | None, ids: RespondentIds | None, keep: Mask
) -> RowsUsed:
    """The answers (importance points after them), attributes, ids and source rows of
    the rows kept."""
    answer_table = answered if importance is None else answered.hstack(importance.points)
    attributes = table.frame.select([pl.col(column_name(p)).alias(name) for name, p in table.plan.attributes.items()])
    respondent_ids = None if ids is None else ids.values
    if keep.all():
        return RowsUsed(answer_table, attributes, respondent_ids, table.row_numbers)
    kept = pl.Series(keep)
    return RowsUsed(
        answer_table.filter(kept),
        attributes.filter(kept) if attributes.width else attributes,
        None if respondent_ids is None else respondent_ids.filter(kept),
        table.row_numbers[keep],
    )


def _open_answers(table: RawTable, keep: Mask) -> pl.DataFrame:
    """The open questions' answers of the rows kept, as text (blank is no answer)."""
    frame = table.frame.select(
        pl.col(column_name(p)).cast(pl.String).str.strip_chars().replace("", None).alias(name)
        for name, p in table.plan.open_answers.items()
    )
    return frame if keep.all() or not frame.width else frame.filter(pl.Series(keep))


def _count_used(
    report: ValidationReport,
    answers: list[CheckedColumn],
    importance: Importance | None,
    used: pl.DataFrame,
    keep: Mask,
) -> None:
    """The report's counts of rows, answers and rejections, over the rows used (``used``:
    their answer table)."""
    report.rows_used = int(keep.sum())
    if importance is not None:
        report.importance_rejected = int(np.count_nonzero(importance.wrong & keep))
    for column in answers:
        count = 0 if column.rejected is None else int(np.count_nonzero(column.rejected & keep))
        if count:
            report.answers_rejected[column.column] = count
    report.answers_expected = report.rows_used * len(answers)
    if keep.all():  # no row left out since the answers were checked: their counts hold
        report.answers_given = sum(column.given for column in answers)
    else:
        names = [column.values.name for column in answers]
        report.answers_given = sum(used[name].len() - used[name].null_count() for name in names)
