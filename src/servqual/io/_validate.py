"""From a raw table to a validated response set, with every change reported.

One implementation for every reader: answers outside the scale, text where a number
belongs, importance points that do not add up, duplicate ids and empty rows all end
here, each named by file, row and column.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl

from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.instruments import Instrument
from servqual.io._mapping import MISSING_TOKENS, Mapping
from servqual.io._responses import ResponseSet, ValidationReport, float_matrix
from servqual.io._table import RawTable, column_name

#: Share of given answers outside the scale above which the file is taken to use
#: another scale altogether, and refused instead of losing most of its answers.
WRONG_SCALE_SHARE = 0.2
IMPORTANCE_TOTAL = 100.0
IMPORTANCE_TOLERANCE = 0.01


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
    # The ids are made ready beside the checks of the answers: polars lets go of the
    # interpreter lock (0.03 s at a million rows).
    checking_ids = None
    if plan.id is not None:
        pool = ThreadPoolExecutor(1)
        checking_ids = pool.submit(_stripped_ids, frame[column_name(plan.id)])
        pool.shutdown(wait=False)

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
    #: canonical column name -> its validated answers (null: no answer)
    checked: dict[str, pl.Series] = {}

    def convert(name: str, lo: float, hi: float, whole: bool, series: pl.Series, valid: bool, high: float) -> None:
        """Check one column; a column known to be ``valid`` (:func:`_valid_columns`,
        which found its highest value ``high``) is kept as polars read it, with no check
        of its own per cell."""
        nonlocal outside_total
        column = plan.header[plan.answers[name]]
        if valid:
            kept = series if all_kept else series.filter(keep)
            count = kept.len() - kept.null_count()
            extent[column] = (count, (high if all_kept else float(kept.max())) if count else np.nan)
            rejected[column] = None
            checked[name] = series.alias(name)
            return
        numbers = float_matrix(series.to_frame())[:, 0] if series.dtype.is_numeric() else np.empty(series.len())
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
        count = int(np.count_nonzero(~np.isnan(numbers)))
        extent[column] = (count, float(np.nanmax(numbers)) if count else np.nan)
        checked[name] = pl.Series(name, numbers, nan_to_null=True)

    def check(names: list[str], lo: float, hi: float, whole: bool) -> None:
        part = frame.select([column_name(plan.answers[name]) for name in names])
        codes = [float(t) for t in (tokens if whole else importance_tokens) if _is_number(t)]
        valid, highest = _valid_columns(part, lo, hi, whole, codes)
        for name, series, ok, high in zip(names, part.iter_columns(), valid, highest, strict=True):
            convert(name, lo, hi, whole, series, ok, high)

    answer_names = [name for section in instrument.sections for name in instrument.columns(section)]
    for section in instrument.sections:
        check(instrument.columns(section), low, high, True)
    answer_columns = list(rejected)  # instrument order, so reports read the same every run
    given_total = sum(extent[column][0] for column in answer_columns)
    highest = max((extent[c][1] for c in answer_columns if extent[c][0]), default=np.nan)
    _check_scale(report, given_total, highest, outside_total, instrument, table.source)

    has_importance = False
    if instrument.importance and all(c in plan.answers for c in instrument.importance_columns):
        has_importance = True
        names = instrument.importance_columns
        check(names, 0, IMPORTANCE_TOTAL, False)
        bad_cell = np.zeros(frame.height, dtype=bool)
        for c in names:
            cells = rejected[plan.header[plan.answers[c]]]
            if cells is not None:
                bad_cell |= cells
        points, wrong_importance = _check_importance(report, [checked[c] for c in names], bad_cell, keep, rows)
        checked.update(zip(names, points, strict=True))
    elif instrument.importance:
        report.note(N_("{file}: no importance columns; weighted scores cannot be computed"))

    answered = pl.DataFrame([checked[c] for c in answer_names])
    given = answered.select(pl.any_horizontal(pl.all().is_not_null())).to_series().to_numpy()
    empty = keep & ~given
    report.exclude(rows[empty], "no_answers", N_("{file} row {row}: no answers at all; row excluded"))
    keep &= given

    ids = None
    if checking_ids is not None:
        ids, distinct = checking_ids.result()
        if not distinct:
            _check_ids(report, ids, keep, rows, plan.header[plan.id])

    if not keep.any():
        raise ServqualError(
            N_("{file}: no usable rows: every row was excluded ({reasons})"),
            file=table.source,
            reasons=", ".join(sorted(report.excluded)),
        )
    everyone = bool(keep.all())
    kept = None if everyone else pl.Series(keep)
    answer_table = answered.hstack([checked[c] for c in instrument.importance_columns]) if has_importance else answered
    attributes = frame.select([pl.col(column_name(p)).alias(name) for name, p in plan.attributes.items()])
    if not everyone:
        answer_table = answer_table.filter(kept)
        if attributes.width:
            attributes = attributes.filter(kept)
    report.rows_used = int(keep.sum())
    if has_importance:
        report.importance_rejected = int(np.count_nonzero(wrong_importance & keep))
    for column in answer_columns:
        cells = rejected[column]
        count = 0 if cells is None else int(np.count_nonzero(cells & keep))
        if count:
            report.answers_rejected[column] = count
    report.answers_expected = report.rows_used * len(answer_names)
    if everyone:  # no row left out since the scale check: its count holds
        report.answers_given = given_total
    else:
        report.answers_given = sum(answer_table[c].len() - answer_table[c].null_count() for c in answer_names)
    return ResponseSet(
        instrument=instrument,
        table=answer_table,
        attributes=attributes,
        respondent_ids=None if ids is None else (ids if everyone else ids.filter(kept)),
        row_numbers=rows[keep] if not everyone else rows,
        report=report,
    )


def _valid_columns(
    part: pl.DataFrame, lo: float, hi: float, whole: bool, codes: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Which columns certainly hold valid answers only: read as numbers (whole ones where
    ``whole``), no NaN, lowest and highest within lo..hi (polars' own extremes, all
    columns in one parallel pass), and no missing code between them; and each column's
    highest value. In a clean file no cell then needs a check of its own."""
    read = np.array([dtype.is_integer() if whole else dtype.is_numeric() for dtype in part.dtypes])
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
    return valid, highest


def _numbers(
    series: pl.Series, tokens: frozenset[str], values: dict[str, float], decimal_comma: bool, numbers: np.ndarray
) -> np.ndarray:
    """Float answers (NaN = no answer) into ``numbers``; returns a mask of cells that held
    text, not a number. A numeric series is already in ``numbers`` (:func:`float_matrix`)."""
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
    report: ValidationReport, points: list[pl.Series], bad_cell: np.ndarray, keep: np.ndarray, rows: np.ndarray
) -> tuple[list[pl.Series], np.ndarray]:
    """Points must add up to 100; blanks beside a full 100 count as 0. Else, or when a
    cell of the row was rejected, the row's importance becomes missing (its answers
    stay). Returns the checked columns and the rows with wrong points.

    Sums in polars, the rest by positions in numpy; a file whose rows have all their
    points or none (the usual case) keeps its columns as they are."""
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
        return points, wrong  # every row has all its points or none: nothing changes
    unusable = pl.Series(wrong | (given == 0))
    checked = frame.select(
        pl.when(unusable).then(None).otherwise(pl.col(c).fill_null(0.0)).alias(c) for c in frame.columns
    )
    return checked.get_columns(), wrong


def _stripped_ids(column: pl.Series) -> tuple[pl.Series, bool]:
    """The ids without surrounding blanks, and whether they are certainly all distinct:
    strictly increasing (most exports number their responses) or with distinct hashes,
    both ten times faster to know than comparing the texts."""
    ids = column.str.strip_chars()
    if ids.null_count() == 0 and (ids.slice(1) > ids.slice(0, ids.len() - 1)).all():
        return ids, True
    return ids, ids.hash().n_unique() == ids.len()


def _check_ids(report: ValidationReport, ids: pl.Series, keep: np.ndarray, rows: np.ndarray, column: str) -> None:
    if not ids.is_duplicated().any():
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
