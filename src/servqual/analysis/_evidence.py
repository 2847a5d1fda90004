"""Figures that need more respondents than there are, not shown.

On a handful of respondents a reliability, a factor model or a test is a guess that reads
like a finding. Below these minimums the figure is NaN (null in the JSON), and a warning
says which figures are left out and why (docs/methods.md#too-few-respondents):

- reliability (alpha with its interval, omega, alpha if dropped, the item-total
  correlations, Johns' r_D): 30 respondents with answers to the dimension's items, the
  usual floor for a stable alpha (Nunnally 1978; Bonett 2002 on its interval);
- the tests of a gap (interval, t, p, d_z, Wilcoxon): 10 answers, below which the t and
  signed-rank tests depend on the shape of the few answers;
- the confirmatory factor model: 50 complete rows (Wolf et al. 2013: below about 50 even
  simple factor models are often biased or fail to converge);
- advice on where to act (the quadrants of the importance-performance grid): 30
  respondents, the sample-size warning's floor; below it which dimension ranks first is
  largely chance.

An alpha above 1 cannot be a reliability (it comes from pairwise covariances on few rows
that no complete data set would give): it is never shown.
"""

from __future__ import annotations

import dataclasses

from servqual.analysis._anonymity import hidden_reliability, tests_within
from servqual.analysis._inference import NAN
from servqual.analysis._results import (
    DimensionResult,
    FactorModel,
    ImportancePerformance,
    ItemResult,
    NoFactorFit,
    ResultWarning,
)

MIN_FOR_RELIABILITY = 30
MIN_FOR_TESTS = 10
MIN_FOR_FACTOR_MODEL = 50
MIN_FOR_ADVICE = 30


def item_with_evidence(item: ItemResult) -> ItemResult:
    """The item without the tests of sections fewer than MIN_FOR_TESTS answered."""
    return dataclasses.replace(item, tests=tests_within(item.scores, item.tests, MIN_FOR_TESTS))


def dimension_with_evidence(dimension: DimensionResult) -> DimensionResult:
    """The dimension without the reliability that rests on fewer than MIN_FOR_RELIABILITY
    respondents (or is above 1), and without tests on fewer than MIN_FOR_TESTS."""
    reliability = {
        section: hidden_reliability(r) if r.n < MIN_FOR_RELIABILITY or r.alpha > 1 else r
        for section, r in dimension.reliability.items()
    }
    tests = tests_within(dimension.scores, dimension.tests, MIN_FOR_TESTS)
    difference_score = dimension.difference_score
    if difference_score is not None and any(r.alpha != r.alpha for r in reliability.values()):
        difference_score = NAN  # r_D is built on both sections' alphas
    return dataclasses.replace(dimension, reliability=reliability, tests=tests, difference_score=difference_score)


def model_with_evidence(model: FactorModel) -> FactorModel:
    """No factor model on fewer than MIN_FOR_FACTOR_MODEL complete rows (whether or not the
    fit converged there; fewer rows than items keeps that more telling reason)."""
    if model.n < MIN_FOR_FACTOR_MODEL and (model.converged or model.reason != "too_few_rows"):
        return NoFactorFit(n=model.n, reason="too_few_respondents")
    return model


def grid_with_evidence(grid: ImportancePerformance, n_used: int) -> ImportancePerformance:
    """The importance-performance grid without its quadrants (the advice) on fewer than
    MIN_FOR_ADVICE respondents; the points stay."""
    if n_used >= MIN_FOR_ADVICE:
        return grid
    return ImportancePerformance(
        tuple(dataclasses.replace(p, quadrant=None) for p in grid.dimensions),
        tuple(dataclasses.replace(p, quadrant=None) for p in grid.items),
    )


def evidence_warnings(
    dimensions: dict[str, DimensionResult], items: tuple[ItemResult, ...], n_used: int, grid: ImportancePerformance
) -> list[ResultWarning]:
    """What the minimums left out: advice, reliability and tests (each once), an alpha above
    1; ``dimensions`` as they were before :func:`dimension_with_evidence`."""
    found = []
    if n_used < MIN_FOR_ADVICE and (grid.dimensions or grid.items):
        found.append(ResultWarning("too_few_for", reason="advice", n=n_used, threshold=MIN_FOR_ADVICE))
    for key, dimension in dimensions.items():
        for section, r in dimension.reliability.items():
            if r.alpha > 1:
                found.append(ResultWarning("alpha_above_one", dimension=key, section=section, alpha=r.alpha))
    too_few = [
        r.n for dimension in dimensions.values() for r in dimension.reliability.values() if r.n < MIN_FOR_RELIABILITY
    ]
    if too_few:
        found.append(ResultWarning("too_few_for", reason="reliability", n=min(too_few), threshold=MIN_FOR_RELIABILITY))
    tested = [
        figures.n
        for item in items
        for section, figures in item.scores.items()
        if section in item.tests and 0 < figures.n < MIN_FOR_TESTS
    ]
    if tested:
        found.append(ResultWarning("too_few_for", reason="tests", n=min(tested), threshold=MIN_FOR_TESTS))
    return found
