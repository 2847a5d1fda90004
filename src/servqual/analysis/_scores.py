"""Item and dimension scores of expectations (E), perceptions (P) and the gap P - E."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from servqual.analysis._anonymity import dimension_within, item_within
from servqual.analysis._cfa import ConfirmatoryFactorAnalysis, ConvergenceWarning
from servqual.analysis._evidence import (
    dimension_with_evidence,
    evidence_warnings,
    grid_with_evidence,
    item_with_evidence,
    model_with_evidence,
)
from servqual.analysis._inference import (
    ci_of_mean,
    moment_summary,
    signed_rank_test,
    t_test_of_mean,
    table_summary,
)
from servqual.analysis._ipa import derived_importance_of, importance_performance
from servqual.analysis._reliability import difference_score_reliability_of
from servqual.analysis._reliability import reliability as section_reliability
from servqual.analysis._results import (
    SEGMENT_MISSING,
    AnalysisResult,
    DimensionResult,
    FactorFit,
    FactorModel,
    Figures,
    GapTest,
    ImportancePerformance,
    ItemResult,
    Loading,
    NoFactorFit,
    OverallScore,
    SegmentResult,
)
from servqual.analysis._segments import segment_codes, segment_scores
from servqual.analysis._statistics import MAX_SEGMENT_CELLS, Layout, Sums, Totals, accumulate, finish
from servqual.analysis._values import scored_matrices, value_totals
from servqual.analysis._warnings import warnings_for
from servqual.analysis._zone import zone_shares
from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.instruments import Instrument
from servqual.io import ResponseSet, ValidationReport
from servqual.tuning import one_blas_thread

#: The gap P - E (in the three-column format the superiority gap P - D).
GAP = "gap"


def scored_answers(responses: ResponseSet) -> dict[str, np.ndarray]:
    """Answers with negatively worded items reverse-scored (min + max - x).

    The 1988 wording states nine items negatively; scoring turns them so that a higher
    number always means better service (Parasuraman, Zeithaml & Berry, 1988).
    """
    instrument = responses.instrument
    if not instrument.reverse_positions:
        return dict(responses.answers)
    layout = Layout.of(instrument, list(responses.sections))
    matrices = scored_matrices(layout, responses.table)
    return {section: matrices[section] for section in responses.sections}


def analyze(
    responses: ResponseSet,
    *,
    segments: Sequence[str] = (),
    min_group: int = 5,
    min_answers: int = 1,
    segment_missing: str = "exclude",
    cfa: Sequence[str] = ("perception",),
) -> AnalysisResult:
    """Item and dimension scores of E, P and the gap P - E, with inference and reliability.

    Per dimension and section: n, mean, SD of the respondent dimension scores; for a gap
    also its 95% CI, paired t-test, Cohen's d_z and Wilcoxon signed-rank test; Cronbach's
    alpha (with Feldt's CI, alpha if dropped, corrected item-total correlations) of the
    items of each section, and the reliability of the difference score (Johns, 1981).
    SERVQUAL and SERVPERF scores, unweighted and weighted by the importance points.

    Parameters
    ----------
    responses
        A validated response set (:func:`servqual.read_responses`).
    segments
        Attribute columns to compare groups on (branch, channel, ...).
    min_group
        The anonymity threshold: a group with fewer respondents is reported as
        suppressed, without figures or count (and enough others with it that no figure
        follows by subtraction).
    min_answers
        The anonymity threshold for the figures of the whole set: an item's or a
        dimension's figures of a section that fewer respondents answered are suppressed,
        keeping their n, and so is what is built on them (reliability, the overall score,
        derived importance, a factor model on fewer complete rows). The web app gives the
        study's threshold; by default (1) nothing is hidden.
    segment_missing
        Respondents without a value of a segment column: ``"exclude"`` leaves them out of
        that column's groups and tests (not out of any other figure) and counts them in
        ``left_out``; ``"group"`` makes them a group of their own (value None).
    cfa
        Sections to fit the factor model on (``perception``, ``expectation``, ``gap``);
        sections the instrument lacks are skipped.
    """
    if responses.instrument.audience != "customer":
        # Their answers mean something else (predicted expectations, the mirror, factor
        # scales): read as a customer survey they would give wrong figures, not none.
        raise ServqualError(
            N_(
                "instrument {instrument} is answered by managers or employees: servqual cannot analyse their "
                "answers yet, only customers' (docs/instruments.md#managers-and-employees)"
            ),
            instrument=responses.instrument.key,
        )
    check_segment_missing(segment_missing)
    unknown = [c for c in segments if c not in responses.attributes.columns]
    if unknown:
        raise ServqualError(
            N_("no attribute column {column!r} to segment by (columns: {columns})"),
            column=unknown[0],
            columns=", ".join(responses.attributes.columns) or "-",
        )
    groups = {column: segment_codes(responses.attributes[column]) for column in segments}
    layout = Layout.of(
        responses.instrument,
        list(responses.instrument.sections),
        cfa,
        {column: len(values) for column, (_, values) in groups.items()},
        importance=responses.has_importance,
    )
    categories = {column: values for column, (_, values) in groups.items()}
    check_segment_sizes(layout, categories)
    codes = {column: code for column, (code, _) in groups.items()}
    with one_blas_thread():  # the same figures on every machine
        if not responses.instrument.scale.whole:  # steps or a slider: too many values to count answer patterns
            return _result(
                responses.instrument,
                responses.n_respondents,
                responses.report,
                layout,
                value_totals(layout, responses.table, codes),
                categories,
                min_group,
                min_answers,
                segment_missing,
            )
        sums = accumulate(layout, responses.table, codes)
    return analyze_sums(
        responses.instrument,
        layout,
        sums,
        categories,
        responses.report,
        responses.n_respondents,
        min_group=min_group,
        min_answers=min_answers,
        segment_missing=segment_missing,
    )


def check_segment_missing(segment_missing: str) -> None:
    """Refuse a choice for respondents without a segment value that ``analyze`` lacks."""
    if segment_missing not in SEGMENT_MISSING:
        raise ServqualError(
            N_("segment_missing must be one of {choices}, not {given!r}"),
            choices=", ".join(SEGMENT_MISSING),
            given=segment_missing,
        )


def check_segment_sizes(layout: Layout, categories: dict[str, list[Any]]) -> None:
    """Refuse a segment column of so many groups that its frequency tables would not fit."""
    for column, values in categories.items():
        if layout.segment_cells(column) > MAX_SEGMENT_CELLS:
            raise ServqualError(
                N_("segment column {column!r} has {count} different values: too many groups to compare"),
                column=column,
                count=len(values),
            )


def analyze_sums(
    instrument: Instrument,
    layout: Layout,
    sums: Sums,
    categories: dict[str, list[Any]],
    report: ValidationReport,
    n_respondents: int,
    *,
    min_group: int = 5,
    min_answers: int = 1,
    segment_missing: str = "exclude",
) -> AnalysisResult:
    """What :func:`analyze` gives, from the :class:`Sums` of the whole response set (sums
    of its parts added up, wherever they were counted): ``categories`` are each segment
    column's values in the order of the codes the sums were counted with, ``report`` and
    ``n_respondents`` those of the whole set. The other parameters as for :func:`analyze`."""
    with one_blas_thread():  # the same figures on every machine
        totals = finish(layout, sums)
        return _result(
            instrument, n_respondents, report, layout, totals, categories, min_group, min_answers, segment_missing
        )


def _result(
    instrument: Instrument,
    n_respondents: int,
    report: ValidationReport,
    layout: Layout,
    totals: Totals,
    categories: dict[str, list[Any]],
    min_group: int,
    min_answers: int,
    segment_missing: str,
) -> AnalysisResult:
    """Every figure of the result from the :class:`Totals` of the response table."""
    keys = instrument.dimension_keys
    # Figures on fewer answers than the threshold are hidden before anything is built on them.
    items = tuple(
        item_with_evidence(item_within(_item(layout, totals, j, item.number, item.dimension), min_answers))
        for j, item in enumerate(instrument.items)
    )
    importance_n = totals.sums.weights[0] if totals.sums.weights is not None else None
    dimensions = {
        key: dimension_within(
            _dimension(layout, totals, d, key),
            [item for item in items if item.dimension == key],
            min_answers,
            None if importance_n is None else int(importance_n[d]),
        )
        for d, key in enumerate(keys)
    }
    # Figures that need more respondents than there are are left out, and the warnings say so.
    shown = {key: dimension_with_evidence(dimension) for key, dimension in dimensions.items()}
    grid = _importance_performance(layout, totals, shown, items, instrument)
    evidence = evidence_warnings(dimensions, items, totals.sums.n_used, grid)
    dimensions = shown

    def segment(column: str) -> SegmentResult:
        """The groups of a segment column from the frequencies of their headline scores."""
        tables = {key: totals.segment_tables[column, d] for d, key in enumerate(keys)}
        return segment_scores(tables, categories[column], min_group, layout.headline, segment_missing)

    cfa = {section: factor_model(totals.sums.complete[section], instrument) for section in layout.cfa}
    cfa = {
        section: NoFactorFit(n=model.n, reason="too_few_rows")
        if model.converged and model.n < min_answers
        else model_with_evidence(model)
        for section, model in cfa.items()
    }
    servqual = _overall_score(dimensions, totals, GAP, min_answers) if GAP in layout.sections else None
    missing_share = report.answers_missing / report.answers_expected if report.answers_expected else 0.0
    return AnalysisResult(
        instrument=instrument.key,
        n_respondents=n_respondents,
        n_used=totals.sums.n_used,
        sections=layout.sections,
        dimensions=dimensions,
        items=items,
        servqual=servqual,
        servperf=_overall_score(dimensions, totals, "perception", min_answers)
        if "perception" in layout.sections
        else None,
        segments={column: segment(column) for column in categories},
        cfa=cfa,
        ipa=grid_with_evidence(grid, totals.sums.n_used),
        warnings=warnings_for(
            report, instrument.scale, totals.sums.n_used, missing_share, dimensions, cfa, servqual is not None, evidence
        ),
    )


def _dimension(layout: Layout, totals: Totals, d: int, key: str) -> DimensionResult:
    """A dimension's figures: per section the respondents' scores (from the frequencies
    of their (sum, count) keys) and their items' reliability (from the items' moments);
    Johns' reliability of the gap, the zone of tolerance and the weight from their sums."""
    scores, tests, reliability = {}, {}, {}
    for section in layout.sections:
        values, counts = totals.score_tables[section, d]
        scores[section] = Figures(*table_summary(values, counts))
        if section in layout.differences:
            tests[section] = _gap_test(scores[section], values, counts)
        reliability[section] = section_reliability(totals.moments[section][d], scores[section].n)
    difference_score = None
    if totals.sums.difference_score is not None:
        difference_score = difference_score_reliability_of(
            totals.sums.difference_score[:, d], reliability["perception"].alpha, reliability["expectation"].alpha
        )
    weights = totals.sums.weights
    return DimensionResult(
        key=key,
        scores=scores,
        tests=tests,
        reliability=reliability,
        difference_score=difference_score,
        zone=None if totals.sums.zone_dimensions is None else zone_shares(totals.sums.zone_dimensions[:, d]),
        weight=float(weights[1, d] / weights[0, d] / 100) if weights is not None and weights[0, d] else None,
    )


def _item(layout: Layout, totals: Totals, j: int, number: int, dimension: str) -> ItemResult:
    """An item's figures: n, mean and SD from the diagonal of its dimension's moments;
    for a difference, the tests from the frequencies of the item's values."""
    d = next(d for d, positions in enumerate(layout.dimensions) if j in positions)
    within = layout.dimensions[d].index(j)
    scores, tests = {}, {}
    for section in layout.sections:
        n, total, squares = totals.moments[section][d].diagonal()[:, within]
        scores[section] = Figures(*moment_summary(n, total, squares))
        if section in layout.differences:
            tests[section] = _gap_test(scores[section], *totals.item_tables[section, j])
    return ItemResult(
        item=number,
        dimension=dimension,
        scores=scores,
        tests=tests,
        zone=None if totals.sums.zone_items is None else zone_shares(totals.sums.zone_items[:, j]),
        n=scores[layout.headline].n,
    )


def _gap_test(figures: Figures, values: np.ndarray, counts: np.ndarray) -> GapTest:
    """The 95% CI of a gap's mean, the one-sample t-test with d_z and the signed-rank test
    against zero, from its summary and the frequency table (values, counts) of the gaps."""
    n, mean, sd = figures.n, figures.mean, figures.sd
    t = t_test_of_mean(n, mean, sd)
    w = signed_rank_test(values, counts)
    return GapTest(
        ci95=ci_of_mean(n, mean, sd),
        t=t["t"],
        df=t["df"],
        p_value=t["p_value"],
        d_z=t["d_z"],
        wilcoxon_v=w["V"],
        wilcoxon_p=w["p_value"],
    )


def _overall_score(
    dimensions: dict[str, DimensionResult], totals: Totals, section: str, min_answers: int
) -> OverallScore:
    """Mean of the dimension means (NaN when one is hidden: it would follow from the others),
    and the mean over respondents of sum_d w_d * score_d (respondents with importance points
    and a score on every dimension; NaN when fewer than ``min_answers``)."""
    usable, total = totals.sums.weighted.get(section, (0, 0.0))
    return OverallScore(
        unweighted=float(np.mean([d.scores[section].mean for d in dimensions.values()])),
        weighted=float(total / usable) if usable >= max(min_answers, 1) else float("nan"),
    )


def _importance_performance(
    layout: Layout,
    totals: Totals,
    dimensions: dict[str, DimensionResult],
    items: tuple[ItemResult, ...],
    instrument: Instrument,
) -> ImportancePerformance:
    """Stated importance (the weights) of the dimensions and derived importance of the
    items, against their mean perception."""
    if totals.overall is None:
        return ImportancePerformance((), ())
    item_moments = np.empty((3, layout.n_items))
    for d, moments in enumerate(totals.moments["perception"]):
        item_moments[:, list(layout.dimensions[d])] = moments.diagonal()
    return importance_performance(
        list(dimensions),
        [d.weight for d in dimensions.values()],
        [d.scores["perception"].mean for d in dimensions.values()],
        [item.item for item in items],
        [item.scores["perception"].mean for item in items],
        [
            np.nan if item.scores["perception"].suppressed else float(importance)
            for item, importance in zip(items, derived_importance_of(item_moments, totals.overall), strict=True)
        ],
    )


def factor_model(moments: np.ndarray, instrument: Instrument) -> FactorModel:
    """The instrument's dimensions as correlated factors, fitted by ML on complete rows
    (``moments`` as :meth:`ConfirmatoryFactorAnalysis.fit_moments` takes them)."""
    factors = [instrument.item_positions(key) for key in instrument.dimension_keys]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as converged: false
        model = ConfirmatoryFactorAnalysis(factors).fit_moments(moments)
    if not model.converged_:
        return NoFactorFit(n=model.n_, reason=str(model.failure_))
    order = [i for items in factors for i in items]
    return FactorFit(
        fit=model.fit_,
        loadings=tuple(
            Loading(item=instrument.items[i].number, dimension=instrument.items[i].dimension, std_loading=float(v))
            for i, v in zip(order, model.standardized_loadings_, strict=True)
        ),
        reliability=dict(zip(instrument.dimension_keys, model.reliability(), strict=True)),
    )
