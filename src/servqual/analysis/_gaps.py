"""Gaps 1 to 4 and the mirror: the organisation's side of the gaps model.

Gap 1 sets the managers' predictions of customers' expectations beside the customers' own;
gaps 2 to 4 come from factor scales answered by managers and contact employees; the mirror
sets employees' (and managers', where asked) views of the service beside the customers'
perceptions (docs/methods.md#gaps-1-to-4). Figures that rest on fewer than ``min_answers``
answers are hidden, as in :func:`servqual.analysis.analyze`; a comparison is hidden when
either of its groups is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from servqual.analysis._anonymity import hidden, hidden_reliability
from servqual.analysis._evidence import MIN_FOR_RELIABILITY
from servqual.analysis._inference import NAN, ci_of_mean, summary
from servqual.analysis._reliability import PairwiseMoments, reliability
from servqual.analysis._results import AnalysisResult, Figures, Interval, Reliability, WelchT
from servqual.analysis._scores import scored_answers
from servqual.analysis._segments import welch_t_of
from servqual.analysis._sets import column_sums, figures_of
from servqual.analysis._values import respondent_dimension_scores
from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.instruments import Factor, Instrument
from servqual.io import ResponseSet


@dataclass(frozen=True)
class Comparison:
    """One subject (an item, a dimension, an importance weight) in two groups: ``first``
    minus ``second``, with the 95% CI of the difference and Welch's t-test."""

    subject: str
    first: Figures
    second: Figures
    difference: float
    ci95: Interval
    welch: WelchT

    @property
    def suppressed(self) -> bool:
        return self.first.suppressed or self.second.suppressed

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "subject": self.subject,
            "first": self.first.to_dict(),
            "second": self.second.to_dict(),
            "difference": self.difference,
            "ci95": list(self.ci95),
            "welch": self.welch.to_dict(),
        }
        if self.suppressed:
            entry["suppressed"] = True
        return entry


@dataclass(frozen=True)
class Comparisons:
    """Per item (``"1"`` .. ``"22"``) and per dimension (its key), one group against another."""

    items: tuple[Comparison, ...]
    dimensions: tuple[Comparison, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"items": [c.to_dict() for c in self.items], "dimensions": [c.to_dict() for c in self.dimensions]}


@dataclass(frozen=True)
class Gap1Result:
    """Gap 1: managers' predictions minus customers' answers, for the expectations and,
    when both files have them, the importance points per dimension (subject: the column, W_TAN)."""

    expectation: Comparisons
    importance: tuple[Comparison, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"expectation": self.expectation.to_dict(), "importance": [c.to_dict() for c in self.importance]}


@dataclass(frozen=True)
class FactorScore:
    """One factor's scores: the respondents' means of their answered items after reverse
    keys (higher is better), with the CI of the mean and the factor's reliability."""

    key: str
    gap: int | None
    group: str | None
    figures: Figures
    ci95: Interval
    reliability: Reliability

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "gap": self.gap,
            "group": self.group,
            **self.figures.to_dict(),
            "ci95": list(self.ci95),
            "reliability": self.reliability.to_dict(),
        }


@dataclass(frozen=True)
class GapIndex:
    """A gap's size from its factors' mean scores, 0 (no gap) to 100 (largest); NaN when
    none of its factors can be shown. ``factors``: the keys of those it rests on."""

    gap: int
    index: float
    factors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"gap": self.gap, "index": self.index, "factors": list(self.factors)}


@dataclass(frozen=True)
class FactorScores:
    factors: tuple[FactorScore, ...]
    gap_indices: tuple[GapIndex, ...]

    def factor(self, key: str) -> FactorScore:
        return next(score for score in self.factors if score.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {"factors": [f.to_dict() for f in self.factors], "gap_indices": [g.to_dict() for g in self.gap_indices]}


@dataclass(frozen=True)
class MirrorResult:
    """Employees' (and managers', where their survey asks it) view of the service minus
    the customers' perceptions."""

    employees: Comparisons
    managers: Comparisons | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "employees": self.employees.to_dict(),
            "managers": None if self.managers is None else self.managers.to_dict(),
        }


def compare(subject: str, first: np.ndarray, second: np.ndarray, min_answers: int = 1) -> Comparison:
    r"""The mean of ``first`` minus that of ``second`` (missing values left out), with
    Welch's t-test and its 95% confidence interval.

    .. math:: \bar a - \bar b \pm t_{df,\,0.975}\sqrt{s_a^2/n_a + s_b^2/n_b}

    with Welch's df (:func:`servqual.analysis.welch_t`). Hidden (NaN, ``suppressed``) when
    either group has fewer than ``min_answers`` values.
    In R: ``t.test(a, b)`` (its ``estimate``, ``conf.int``, ``statistic``, ``parameter``, ``p.value``).
    """
    a, b = summary(first[~np.isnan(first)]), summary(second[~np.isnan(second)])
    return compare_figures(subject, Figures(*a), Figures(*b), min_answers)


def compare_figures(subject: str, first: Figures, second: Figures, min_answers: int = 1) -> Comparison:
    """:func:`compare` from the two groups' n, mean and SD (hidden when either is
    suppressed or has fewer than ``min_answers`` values)."""
    figures = [hidden(f) if 0 < f.n < min_answers else f for f in (first, second)]
    if any(f.suppressed for f in figures):
        return Comparison(subject, figures[0], figures[1], NAN, (NAN, NAN), WelchT(NAN, NAN, NAN))
    a, b = (first.n, first.mean, first.sd), (second.n, second.mean, second.sd)
    test = welch_t_of(a, b)
    difference = first.mean - second.mean
    if test["df"] == test["df"]:
        half = float(stats.t.ppf(0.975, test["df"]) * np.sqrt(a[2] ** 2 / a[0] + b[2] ** 2 / b[0]))
        ci95 = (difference - half, difference + half)
    else:
        ci95 = (NAN, NAN)
    return Comparison(subject, figures[0], figures[1], difference, ci95, WelchT(**test))


def gap1(
    customers: ResponseSet,
    managers: ResponseSet,
    *,
    min_answers: int = 1,
    customers_analysis: AnalysisResult | None = None,
) -> Gap1Result:
    r"""Gap 1, not knowing what customers expect: managers' predicted expectations minus
    customers' own, per item and dimension; the same for the importance points.

    .. math:: \text{gap}_1 = \bar E_\text{managers} - \bar E_\text{customers}

    per item over the answers given, per dimension over the respondents' dimension scores
    (the mean of their answered items). A positive gap: managers think customers expect
    more than they do. With Welch's t-test and 95% CI (:func:`compare`).

    Parameters
    ----------
    customers, managers
        The customers' responses and the managers' (``servqual-managers``), both on an
        instrument with the same items and an expectation section.
    min_answers
        The anonymity threshold: a comparison with fewer answers in either group is hidden.
    customers_analysis
        :func:`analyze` of ``customers``, when at hand: the customers' item and dimension
        figures are then taken from it instead of from their answers (the same figures;
        a million customers' answer matrices cost seconds).

    Raises
    ------
    ServqualError
        When either file has no expectations, or the instruments' items differ.

    In R: ``t.test(m, c)`` per item, dimension score or importance column.
    """
    expectation = _comparisons(managers, customers, "expectation", min_answers, customers_analysis)
    importance: tuple[Comparison, ...] = ()
    if managers.has_importance and customers.has_importance:
        columns = customers.instrument.importance_columns
        importance = tuple(
            compare_figures(column, mine, theirs, min_answers)
            for column, mine, theirs in zip(
                columns, column_figures(managers, columns), column_figures(customers, columns), strict=True
            )
        )
    return Gap1Result(expectation, importance)


def mirror(
    customers: ResponseSet,
    employees: ResponseSet,
    managers: ResponseSet | None = None,
    *,
    min_answers: int = 1,
    customers_analysis: AnalysisResult | None = None,
) -> MirrorResult:
    r"""The mirror: how employees (and managers, where their survey asks it) see the service
    beside how customers see it, per item and dimension.

    .. math:: \bar P_\text{employees} - \bar P_\text{customers}

    A positive difference: staff think the service better than customers do. With Welch's
    t-test and 95% CI (:func:`compare`); hidden below ``min_answers`` as in :func:`gap1`.

    Parameters
    ----------
    customers, employees
        The customers' responses and the employees' (``servqual-employees``), both with
        perceptions of the same items.
    managers
        The managers' responses: compared too when their instrument asks for perceptions.
    min_answers
        The anonymity threshold.
    customers_analysis
        :func:`analyze` of ``customers``, when at hand (as for :func:`gap1`).

    Raises
    ------
    ServqualError
        When the customers' or employees' file has no perceptions, or the items differ.

    In R: ``t.test(p_employees, p_customers)`` per item or dimension score.
    """
    managers_view = None
    if managers is not None and "perception" in managers.sections:
        managers_view = _comparisons(managers, customers, "perception", min_answers, customers_analysis)
    return MirrorResult(
        _comparisons(employees, customers, "perception", min_answers, customers_analysis), managers_view
    )


def factor_scores(responses: ResponseSet, *, min_answers: int = 1) -> FactorScores:
    r"""Per factor of a managers' or employees' file: the respondents' factor scores, their
    mean, SD, n and 95% CI, Cronbach's alpha and omega total; per gap (1 to 4) a gap index.

    A respondent's factor score is the mean of the items they answered, reverse-keyed items
    scored :math:`\min + \max - x` (so higher is always better). The gap index of gap g,
    over its factors F_g that can be shown:

    .. math:: \text{index}_g = 100 \cdot \frac{\max - \frac{1}{|F_g|}\sum_{f \in F_g} \bar s_f}{\max - \min}

    0 when every factor scores the top of the scale, 100 when every one scores the bottom.
    A factor scored by fewer than ``min_answers`` respondents is hidden, with its
    reliability, and left out of the index. Its reliability is NaN below
    ``MIN_FOR_RELIABILITY`` (30) respondents, as the dimensions' is (docs/methods.md#too-few-respondents).

    Parameters
    ----------
    responses
        A managers' or employees' file; the factors it leaves out have no score.
    min_answers
        The anonymity threshold.

    Returns
    -------
    FactorScores
        A :class:`FactorScore` per factor in the instrument's order, a :class:`GapIndex`
        per gap its factors belong to.

    In R: ``rowMeans(x, na.rm = TRUE)`` per factor after ``x[, r] <- min + max - x[, r]``,
    ``t.test(score)$conf.int``, ``psych::alpha(x, use = "pairwise")`` and
    ``psych::omega(x, nfactors = 1)$omega.tot`` (as for the dimensions).
    """
    scale = responses.instrument.scale
    scores = []
    for factor in responses.factors:
        answers = scored_factor_answers(responses, factor)
        per_respondent = respondent_dimension_scores(answers, list(range(len(factor.items))))
        n, mean, sd = summary(per_respondent[~np.isnan(per_respondent)])
        figures = Figures(n, mean, sd)
        factor_reliability = reliability(PairwiseMoments.of(answers), n)
        if n < MIN_FOR_RELIABILITY or factor_reliability.alpha > 1:  # a guess on so few rows, as for the dimensions
            factor_reliability = hidden_reliability(factor_reliability)
        ci95 = ci_of_mean(n, mean, sd)
        if 0 < n < min_answers:
            figures, ci95, factor_reliability = hidden(figures), (NAN, NAN), hidden_reliability(factor_reliability)
        scores.append(FactorScore(factor.key, factor.gap, factor.group, figures, ci95, factor_reliability))
    indices = []
    for gap in sorted({score.gap for score in scores if score.gap is not None}):
        shown = [s for s in scores if s.gap == gap and s.figures.n and not s.figures.suppressed]
        mean = float(np.mean([s.figures.mean for s in shown])) if shown else NAN
        index = 100 * (scale.max - mean) / (scale.max - scale.min)
        indices.append(GapIndex(gap, index, tuple(s.key for s in shown)))
    return FactorScores(tuple(scores), tuple(indices))


def column_figures(responses: ResponseSet, columns: list[str]) -> list[Figures]:
    """n, mean and SD of each column's values given (:func:`~servqual.analysis._sets.column_sums`)."""
    sums = column_sums(responses.table, columns)
    return [figures_of(sums[c]) for c in columns]


def scored_factor_answers(responses: ResponseSet, factor: Factor) -> np.ndarray:
    """A factor's answers (respondents x its items), reverse-keyed items turned
    (min + max - x) so that higher is better; NaN where not answered."""
    scale = responses.instrument.scale
    answers = responses.factor_answers(factor)
    reverse = factor.reverse_positions
    answers[:, reverse] = scale.min + scale.max - answers[:, reverse]
    return answers


def respondent_factor_scores(responses: ResponseSet, factor: Factor) -> np.ndarray:
    """Each respondent's factor score: the mean of the factor's items they answered, after
    reverse keys; NaN when they answered none."""
    return respondent_dimension_scores(scored_factor_answers(responses, factor), list(range(len(factor.items))))


def _comparisons(
    first: ResponseSet,
    second: ResponseSet,
    section: str,
    min_answers: int,
    second_analysis: AnalysisResult | None = None,
) -> Comparisons:
    """``first``'s answers to ``section`` minus ``second``'s, per item and dimension;
    ``second``'s figures from its analysis when given."""
    _check_section(second, section)
    if second_analysis is not None:
        theirs = figures_in_analysis(second_analysis, section, second.instrument)
    else:
        theirs = _figures_of_answers(second, section)
    return compared(first, section, second.instrument, *theirs, min_answers)


def compared(
    first: ResponseSet,
    section: str,
    instrument: Instrument,
    items: Sequence[Figures],
    dimensions: Sequence[Figures],
    min_answers: int,
) -> Comparisons:
    """``first``'s answers to ``section`` minus the figures of the other group (per item
    and dimension of ``instrument``, which ``first``'s must ask too)."""
    _check_section(first, section)
    if [(i.number, i.dimension) for i in first.instrument.items] != [(i.number, i.dimension) for i in instrument.items]:
        raise ServqualError(
            N_("instruments {first} and {second} do not ask the same items; they cannot be compared"),
            first=first.instrument.key,
            second=instrument.key,
        )
    mine_items, mine_dimensions = _figures_of_answers(first, section)
    return Comparisons(
        tuple(
            compare_figures(str(item.number), mine, theirs, min_answers)
            for item, mine, theirs in zip(instrument.items, mine_items, items, strict=True)
        ),
        tuple(
            compare_figures(d.key, mine, theirs, min_answers)
            for d, mine, theirs in zip(instrument.dimensions, mine_dimensions, dimensions, strict=True)
        ),
    )


def figures_in_analysis(
    analysis: AnalysisResult, section: str, instrument: Instrument
) -> tuple[list[Figures], list[Figures]]:
    """The figures per item and per dimension of ``section`` in an analysis."""
    return (
        [item.scores[section] for item in analysis.items],
        [analysis.dimensions[d.key].scores[section] for d in instrument.dimensions],
    )


def _figures_of_answers(responses: ResponseSet, section: str) -> tuple[list[Figures], list[Figures]]:
    instrument = responses.instrument
    matrix = scored_answers(responses)[section]
    items = [Figures(*summary(matrix[:, j][~np.isnan(matrix[:, j])])) for j in range(len(instrument.items))]
    return items, [_summary(matrix, instrument.item_positions(d.key)) for d in instrument.dimensions]


def _check_section(responses: ResponseSet, section: str) -> None:
    if section not in responses.sections:
        columns = responses.instrument.columns(section)
        raise ServqualError(
            N_("{file}: has no columns {columns}, which this comparison needs"),
            file=responses.report.source,
            columns=f"{columns[0]}-{columns[-1]}",
        )


def _summary(matrix: np.ndarray, positions: list[int]) -> Figures:
    """n, mean and SD of the respondents' scores over the items at ``positions``."""
    scores = respondent_dimension_scores(matrix, positions)
    return Figures(*summary(scores[~np.isnan(scores)]))
