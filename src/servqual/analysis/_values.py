"""The :class:`~servqual.analysis._statistics.Totals` of answers that are not whole points.

A scale with a step of 0.5 or 0.1, or a slider, has too many possible values for the
frequency tables of answer patterns that whole points are counted by (a pair of 0..100
slider items with one decimal has a million patterns). Here every total comes from the
values as given: moments as sums of products of the answer matrix, frequency tables as
the distinct values of each score. The figures are then computed by the same code as for
whole points (tests/analysis/test_values.py checks that both ways give the same figures
on whole points, and tests/analysis/test_against_r.py pins steps and sliders to R).

The price: the answer matrices of the whole table are in memory at once, and the tables
of distinct values do not add up over parts of a table the way :class:`Sums` do. Files
are read whole anyway; the web app's surveys ask whole points
(docs/performance.md has what a slider file costs against whole points).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from servqual.analysis._reliability import PairwiseMoments
from servqual.analysis._results import DIFFERENCES
from servqual.analysis._statistics import Layout, Sums, Table, Totals, importance_sums
from servqual.analysis._zone import zone_counts
from servqual.io._responses import float_matrix


def respondent_dimension_scores(matrix: np.ndarray, positions: list[int]) -> np.ndarray:
    r"""Each respondent's dimension score: the mean of the items they answered.

    .. math:: G_{rd} = \frac{1}{|I_{rd}|} \sum_{i \in I_{rd}} G_{ri}

    with :math:`I_{rd}` the answered items of dimension d; NaN when none were answered.
    In R: ``rowMeans(x[, items], na.rm = TRUE)`` (which gives NaN for an empty row too).
    """
    part = matrix[:, positions]
    answered = ~np.isnan(part)
    count = answered.sum(axis=1)
    total = np.where(answered, part, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def scored_matrices(layout: Layout, table: pl.DataFrame) -> dict[str, np.ndarray]:
    """Per section (differences included) the answers as a float matrix, NaN for none,
    reverse-scored items turned (min + max - x); a difference is NaN unless both answers
    were given."""
    matrices = {}
    for section, columns in layout.columns.items():
        matrix = float_matrix(table.select(columns))
        matrix[:, list(layout.reverse)] = layout.flip - matrix[:, list(layout.reverse)]
        matrices[section] = matrix
    for section in layout.differences:
        matrices[section] = matrices["perception"] - matrices[DIFFERENCES[section]]
    return matrices


def value_totals(layout: Layout, table: pl.DataFrame, codes: dict[str, np.ndarray]) -> Totals:
    """Every total the figures of ``analyze`` read, from the values of ``table`` as given
    (``codes``: each segment column's group codes)."""
    matrices = scored_matrices(layout, table)
    n_dimensions = len(layout.dimensions)
    scores = {
        section: [respondent_dimension_scores(matrices[section], list(positions)) for positions in layout.dimensions]
        for section in layout.sections
    }
    headline = scores[layout.headline]
    zone_items = zone_dimensions = None
    if "minimum" in layout.sections:
        zone = ("minimum", "expectation", "perception")
        zone_items = zone_counts(*(matrices[s] for s in zone))
        zone_dimensions = zone_counts(*(np.stack(scores[s], axis=1) for s in zone))
    points = [float_matrix(table.select(column))[:, 0] for column in layout.importance]
    weights, weighted = importance_sums(layout, points, scores.__getitem__)
    sums = Sums(
        n_used=int(np.count_nonzero((~np.isnan(np.stack(headline, axis=1))).any(axis=1))),
        patterns={},
        score_keys={},
        overall_by_pattern={},
        complete={section: _complete_moments(matrices[section]) for section in layout.cfa},
        difference_score=np.stack(
            [_pair_sums(scores["perception"][d], scores["expectation"][d]) for d in range(n_dimensions)], axis=1
        )
        if "gap" in layout.sections
        else None,
        zone_items=zone_items,
        zone_dimensions=zone_dimensions,
        weights=weights,
        weighted=weighted,
        segments={},
    )
    return Totals(
        sums=sums,
        moments={
            section: tuple(PairwiseMoments.of(matrices[section][:, list(positions)]) for positions in layout.dimensions)
            for section in layout.sections
        },
        score_tables={
            (section, d): _table(score) for section in layout.sections for d, score in enumerate(scores[section])
        },
        item_tables={
            (section, j): _table(matrices[section][:, j])
            for section in layout.differences
            for j in range(layout.n_items)
        },
        segment_tables={
            (column, d): group_table(score, code, layout.groups[column])
            for column, code in codes.items()
            for d, score in enumerate(headline)
        },
        overall=_overall_sums(matrices["perception"]) if "perception" in layout.sections else None,
    )


def _table(values: np.ndarray) -> Table:
    """The distinct values (NaN left out) and how often each occurs."""
    distinct, counts = np.unique(values[~np.isnan(values)], return_counts=True)
    return distinct, counts.astype(np.float64)


def group_table(score: np.ndarray, code: np.ndarray, n_groups: int) -> Table:
    """The distinct scores and, per group (rows), how often each occurs, then how many of
    the group have no score (the last column)."""
    distinct, place = np.unique(score, return_inverse=True)
    scored = int(np.count_nonzero(~np.isnan(distinct)))  # np.unique puts NaN last
    place = np.minimum(place.ravel(), scored)
    counts = np.bincount(code * (scored + 1) + place, minlength=n_groups * (scored + 1))
    return distinct[:scored], counts.reshape(n_groups, scored + 1).astype(np.float64)


def _pair_sums(p: np.ndarray, e: np.ndarray) -> np.ndarray:
    """n, sum p, sum e, sum p^2, sum e^2, sum pe over respondents with both scores
    (:func:`~servqual.analysis._reliability.pair_sums`)."""
    both = ~np.isnan(p) & ~np.isnan(e)
    p, e = p[both], e[both]
    return np.array([both.sum(), p.sum(), e.sum(), p @ p, e @ e, p @ e])


def _complete_moments(matrix: np.ndarray) -> np.ndarray:
    """[n, sums; sums, cross] of the rows with every item answered."""
    x = matrix[~np.isnan(matrix).any(axis=1)]
    moments = np.empty((x.shape[1] + 1, x.shape[1] + 1))
    moments[0, 0], moments[0, 1:] = len(x), x.sum(axis=0)
    moments[1:, 0], moments[1:, 1:] = moments[0, 1:], x.T @ x
    return moments


def _overall_sums(perception: np.ndarray) -> np.ndarray:
    """Per perception item, over respondents who answered it: sum y, sum y^2 and sum xy,
    y the respondent's overall perception score (the mean of their answered items)."""
    overall = respondent_dimension_scores(perception, list(range(perception.shape[1])))
    answered = ~np.isnan(perception)
    y = np.where(np.isnan(overall), 0.0, overall)
    x = np.where(answered, perception, 0.0)
    weights = answered.astype(np.float64)
    return np.stack([y @ weights, (y * y) @ weights, y @ x])
