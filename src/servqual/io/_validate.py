"""From a raw table to a validated response set, with every change reported.

One implementation for every reader: answers outside the scale, text where a number
belongs, importance points that do not add up, duplicate ids and empty rows all end
here, each named by file, row and column.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl

from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.instruments import Instrument
from servqual.io._mapping import MISSING_TOKENS, Mapping
from servqual.io._responses import ResponseSet, ValidationReport
from servqual.io._table import RawTable, column_name

#: Share of given answers outside the scale above which the file is taken to use
#: another scale altogether, and refused instead of losing most of its answers.
WRONG_SCALE_SHARE = 0.2
IMPORTANCE_TOTAL = 100.0
IMPORTANCE_TOLERANCE = 0.01
#: Answer cells from which the float matrices are filled in two threads.
PARALLEL_CELLS = 1_000_000


def validate(table: RawTable, instrument: Instrument, mapping: Mapping, max_issues: int = 1000) -> ResponseSet:
    """Check every answer of ``table`` against ``instrument`` and build the response set.

    Invalid answers become missing and are counted per column; rows the reader set aside,
    rows without answers and repeated respondent ids are excluded; each with an issue
    naming file, row and column. Raises ServqualError when required columns are missing,
    the file plainly uses another scale, or no row is left.
    """
    plan, frame, rows = table.plan, table.frame, table.row_numbers
    report = ValidationReport(table.source, table.file_format, rows_read=frame.height, max_issues=max_issues)
    for message_id, params in table.notes:
        report.note(message_id, **params)
    dropped = [plan.header[p] for p in plan.dropped]
    if dropped:
        report.note(N_("{file}: personal-data columns not read: {columns}"), columns=", ".join(dropped))
    unused = [plan.header[p] for p in plan.unused]
    if unused:
        report.note(
            N_("{file}: columns not used by instrument {instrument}: {columns}"),
            instrument=instrument.key,
            columns=_ranges(sorted(unused, key=_natural)),
        )

    _check_columns(table, instrument)

    keep = np.ones(frame.height, dtype=bool)
    for reason, message_id, excluded_rows, params in table.excluded:
        report.exclude(excluded_rows, reason, message_id, **params)
        keep[np.searchsorted(rows, excluded_rows)] = False

    # A user's numeric missing code (9 on a 1..7 scale) is an answer code: it must not
    # blank 9 importance points. The built-in codes (-99) mean no answer everywhere.
    tokens = MISSING_TOKENS | mapping.missing
    importance_tokens = MISSING_TOKENS | {t for t in mapping.missing if not _is_number(t)}
    values = mapping.values  # keys already case-folded by load_mapping
    low, high = instrument.scale.min, instrument.scale.max

    #: column -> cells set to missing as invalid (None: none were)
    rejected: dict[str, np.ndarray | None] = {}
    outside_total = 0
    all_kept = bool(keep.all())
    #: column -> (answers left, highest answer or NaN), taken from polars' own counts
    #: where the column needed no change, so that no pass over the floats is needed
    extent: dict[str, tuple[int, float]] = {}

    def convert(name: str, lo: float, hi: float, whole: bool, numbers: np.ndarray, valid: bool) -> None:
        """Check one column, its values already in ``numbers`` (a column of the result);
        a column known to be ``valid`` (:func:`_valid_columns`) is not checked cell by cell."""
        nonlocal outside_total
        column = plan.header[plan.answers[name]]
        if valid:
            if not all_kept:
                numbers[~keep] = np.nan
                _extent(column, numbers)
            else:
                series = frame[column_name(plan.answers[name])]
                count = series.len() - series.null_count()
                extent[column] = (count, float(series.max()) if count else np.nan)
            rejected[column] = None
            return
        series = frame[column_name(plan.answers[name])]
        text = _numbers(series, tokens if whole else importance_tokens, values, table.decimal_comma, numbers)
        if all_kept:  # the usual case: skip four passes over the column
            not_number, present = text, ~np.isnan(numbers)
        else:
            numbers[~keep] = np.nan
            not_number, present = text & keep, keep & ~np.isnan(numbers)
        outside = present & ((numbers < lo) | (numbers > hi))
        broken = present & ~outside & (numbers != np.floor(numbers)) if whole else np.zeros_like(outside)
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
            low=_plain(lo),
            high=_plain(hi),
        )
        _reject(
            report,
            series,
            broken,
            rows,
            column,
            N_("{file} row {row} column {column}: {value} is not a whole scale point; treated as missing"),
        )
        numbers[outside | broken] = np.nan
        rejected[column] = not_number | outside | broken
        outside_total += int(np.count_nonzero(outside))
        _extent(column, numbers)

    def _extent(column: str, numbers: np.ndarray) -> None:
        count = int(np.count_nonzero(~np.isnan(numbers)))
        extent[column] = (count, float(np.nanmax(numbers)) if count else np.nan)

    def matrix_of(names: list[str], lo: float, hi: float, whole: bool) -> np.ndarray:
        part = frame.select([column_name(plan.answers[name]) for name in names])
        matrix = _column_matrix(part)
        codes = [float(t) for t in (tokens if whole else importance_tokens) if _is_number(t)]
        valid = _valid_columns(part, matrix, lo, hi, whole, codes)
        for j, name in enumerate(names):
            convert(name, lo, hi, whole, matrix[:, j], valid[j])
        return matrix

    answers = {section: matrix_of(instrument.columns(section), low, high, True) for section in instrument.sections}
    answer_columns = list(rejected)  # instrument order, so reports read the same every run
    given_total = sum(extent[column][0] for column in answer_columns)
    highest = max((extent[c][1] for c in answer_columns if extent[c][0]), default=np.nan)
    _check_scale(report, given_total, highest, outside_total, instrument, table.source)

    importance = None
    if instrument.importance and all(c in plan.answers for c in instrument.importance_columns):
        importance = matrix_of(instrument.importance_columns, 0, IMPORTANCE_TOTAL, False)
        bad_cell = np.zeros(frame.height, dtype=bool)
        for c in instrument.importance_columns:
            cells = rejected[plan.header[plan.answers[c]]]
            if cells is not None:
                bad_cell |= cells
        wrong_importance = _check_importance(report, importance, bad_cell, keep, rows)
    elif instrument.importance:
        report.note(N_("{file}: no importance columns; weighted scores cannot be computed"))

    given = np.zeros(frame.height, dtype=bool)
    for matrix in answers.values():
        given |= ~np.isnan(matrix).all(axis=1)
    empty = keep & ~given
    report.exclude(rows[empty], "no_answers", N_("{file} row {row}: no answers at all; row excluded"))
    keep &= given

    ids = None
    if plan.id is not None:
        ids = frame[column_name(plan.id)].str.strip_chars()
        _check_ids(report, ids, keep, rows, plan.header[plan.id])

    if not keep.any():
        raise ServqualError(
            N_("{file}: no usable rows: every row was excluded ({reasons})"),
            file=table.source,
            reasons=", ".join(sorted(report.excluded)),
        )
    subset = slice(None) if keep.all() else keep
    answers = {section: matrix[subset] for section, matrix in answers.items()}
    attributes = frame.select([pl.col(column_name(p)).alias(name) for name, p in plan.attributes.items()])
    if attributes.width:
        attributes = attributes.filter(pl.Series(keep))
    report.rows_used = int(keep.sum())
    if importance is not None:
        report.importance_rejected = int(np.count_nonzero(wrong_importance & keep))
    for column in answer_columns:
        cells = rejected[column]
        count = 0 if cells is None else int(np.count_nonzero(cells & keep))
        if count:
            report.answers_rejected[column] = count
    report.answers_expected = report.rows_used * sum(m.shape[1] for m in answers.values())
    if isinstance(subset, slice):  # no row left out since the scale check: its count holds
        report.answers_given = given_total
    else:
        report.answers_given = int(sum(np.count_nonzero(~np.isnan(m)) for m in answers.values()))
    return ResponseSet(
        instrument=instrument,
        answers=answers,
        importance=None if importance is None else importance[subset],
        attributes=attributes,
        respondent_ids=None if ids is None else (ids if keep.all() else ids.filter(pl.Series(keep))),
        row_numbers=rows[subset],
        report=report,
    )


def _valid_columns(
    part: pl.DataFrame, matrix: np.ndarray, lo: float, hi: float, whole: bool, codes: list[float]
) -> np.ndarray:
    """Which columns certainly hold valid answers only: read as numbers (whole ones where
    ``whole``), lowest and highest within lo..hi, and no missing code between them. Two
    reductions per matrix; in a clean file no cell then needs a check of its own."""
    read = np.array([dtype.is_integer() if whole else dtype.is_numeric() for dtype in part.dtypes])
    if not read.any():
        return read
    lowest, highest = np.full(part.width, np.nan), np.full(part.width, np.nan)
    for j, series in enumerate(part.iter_columns()):
        if not read[j]:
            continue
        if series.dtype.is_integer():  # polars' own extremes of the small integers: no pass over the floats
            low, high = series.min(), series.max()
            lowest[j], highest[j] = (np.nan, np.nan) if low is None else (low, high)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an empty column has no lowest value: not valid
                lowest[j], highest[j] = np.fmin.reduce(matrix[:, j]), np.fmax.reduce(matrix[:, j])
    valid = read & (lowest >= lo) & (highest <= hi)
    for code in codes:
        valid &= (code < lowest) | (code > highest)
    return valid


def _column_matrix(part: pl.DataFrame) -> np.ndarray:
    """A float matrix (column-major) of the columns of ``part``, filled from the columns
    polars read as numbers (null becomes NaN); text columns are left for :func:`_numbers`.
    Column by column into one array: a cast of the whole frame first would touch twice
    the memory, and fresh pages cost the kernel more time than the copy itself."""
    matrix = np.empty((part.height, part.width), dtype=np.float64, order="F")

    def fill(j: int, series: pl.Series) -> None:
        # The values without their nulls come out of polars without a copy; the nulls
        # (a few percent) become NaN by position. Twice as fast as polars' own
        # conversion of a column with nulls, which makes a float copy first.
        matrix[:, j] = series.fill_null(0).to_numpy()
        if series.null_count():
            matrix[series.is_null().arg_true().to_numpy(), j] = np.nan

    numeric = [(j, series) for j, series in enumerate(part.iter_columns()) if series.dtype.is_numeric()]
    if part.height * len(numeric) < PARALLEL_CELLS:
        for j, series in numeric:
            fill(j, series)
        return matrix
    # Columns on two cores at once: most of the time goes to the kernel's first touch of
    # the matrix's fresh pages, which numpy's copy does without the interpreter lock
    # (0.15 s -> 0.09 s per section of a million rows).
    with ThreadPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
        list(pool.map(lambda column: fill(*column), numeric))
    return matrix


def _numbers(
    series: pl.Series, tokens: frozenset[str], values: dict[str, float], decimal_comma: bool, numbers: np.ndarray
) -> np.ndarray:
    """Float answers (NaN = no answer) into ``numbers``; returns a mask of cells that held
    text, not a number. A numeric series is already in ``numbers`` (:func:`_column_matrix`)."""
    if series.dtype.is_numeric():
        codes = [float(t) for t in tokens if _is_number(t)]
        if codes:
            numbers[np.isin(numbers, codes)] = np.nan
        return np.zeros(series.len(), dtype=bool)
    text = series.str.strip_chars()
    lowered = text.str.to_lowercase()
    missing = (text.is_null() | lowered.is_in(list(tokens))).to_numpy()
    if values:
        text = pl.select(
            pl.lit(lowered).replace_strict({k: str(v) for k, v in values.items()}, default=pl.lit(text))
        ).to_series()
    if decimal_comma:
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
    mask: np.ndarray,
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


def _check_columns(table: RawTable, instrument: Instrument) -> None:
    plan = table.plan
    missing = [c for s in instrument.sections for c in instrument.columns(s) if c not in plan.answers]
    if missing:
        raise ServqualError(
            N_("{file}: required columns missing for instrument {instrument}: {columns}"),
            file=table.source,
            instrument=instrument.key,
            columns=_ranges(missing),
        )
    weights = [c for c in instrument.importance_columns if c in plan.answers]
    if weights and len(weights) != len(instrument.importance_columns):
        absent = [c for c in instrument.importance_columns if c not in plan.answers]
        raise ServqualError(
            N_("{file}: importance columns incomplete; missing {columns}"), file=table.source, columns=", ".join(absent)
        )


def _natural(name: str) -> tuple[str, int]:
    """Sort E9 before E10."""
    digits = "".join(c for c in name if c.isdigit())
    return "".join(c for c in name if not c.isdigit()), int(digits or 0)


def _ranges(names: list[str]) -> str:
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


def _check_scale(
    report: ValidationReport, given: int, highest: float, outside: int, instrument: Instrument, source: str
) -> None:
    """``given``: answers left over all answer columns; ``highest``: the highest of them."""
    scale = instrument.scale
    if outside and outside > WRONG_SCALE_SHARE * (given + outside):
        raise ServqualError(
            N_(
                "{file}: {share:.0%} of the answers lie outside {low}..{high}, the scale of instrument "
                "{instrument}; the file seems to use another scale (choose or write a matching instrument)"
            ),
            file=source,
            share=outside / (given + outside),
            low=scale.min,
            high=scale.max,
            instrument=instrument.key,
        )
    if given >= 100 and highest <= scale.min + (scale.max - scale.min) * 2 / 3:
        report.note(
            N_(
                "{file}: no answer is higher than {highest} on the {low}..{high} scale; check that "
                "the file and the instrument use the same scale"
            ),
            highest=_plain(highest),
            low=scale.min,
            high=scale.max,
        )


def _check_importance(
    report: ValidationReport, points: np.ndarray, bad_cell: np.ndarray, keep: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Points must add up to 100; blanks beside a full 100 count as 0. Else, or when a
    cell of the row was rejected, the row's importance becomes missing (its answers
    stay). Returns the rows with wrong points."""
    blank = np.isnan(points)
    none_given = blank.all(axis=1)
    total = np.where(blank, 0.0, points).sum(axis=1)
    wrong = keep & ~none_given & (np.abs(total - IMPORTANCE_TOTAL) > IMPORTANCE_TOLERANCE)
    report.add_issues(
        N_("{file} row {row}: importance points add up to {total}, not 100; importance treated as missing"),
        np.flatnonzero(wrong),
        lambda i: {"row": int(rows[i]), "total": _plain(round(float(total[i]), 2))},
    )
    wrong |= keep & bad_cell  # those were reported cell by cell
    points[wrong] = np.nan
    points[blank & ~(none_given | wrong)[:, None]] = 0.0
    return wrong


def _check_ids(report: ValidationReport, ids: pl.Series, keep: np.ndarray, rows: np.ndarray, column: str) -> None:
    # Distinct hashes prove distinct ids, ten times faster than comparing the texts.
    if ids.hash().n_unique() == ids.len() or not ids.is_duplicated().any():
        return
    kept = np.flatnonzero(keep)
    kept_ids = ids.gather(kept)
    repeat = (~kept_ids.is_first_distinct() & kept_ids.is_not_null()).to_numpy()
    if not repeat.any():
        return
    first_row: dict[str, int] = {}
    for i, value in zip(kept, kept_ids.to_list(), strict=True):
        first_row.setdefault(value, int(rows[i]))
    for i in kept[repeat]:
        value = ids[int(i)]
        report.exclude(
            [rows[i]],
            "duplicate_id",
            N_(
                "{file} row {row}: respondent id {id!r} (column {column}) already appeared in row {first}; row excluded"
            ),
            id=value,
            column=column,
            first=first_row[value],
        )
    keep[kept[repeat]] = False
