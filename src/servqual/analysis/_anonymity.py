"""Figures that rest on fewer answers than the anonymity threshold, hidden.

A wave can hold enough respondents while an item was answered by only a few of them (the
others chose "no opinion" or skipped it): its mean is then those few people's answers.
Such a figure keeps its n (how many answered is no answer) and loses everything computed
from the answers: the mean, SD and tests become NaN and the figure is marked
``suppressed``. What is built from it goes too: a dimension's reliability when one of its
items is hidden, the overall score when a dimension is hidden, an item's derived
importance. Segment groups have their own rule (:mod:`servqual.analysis._segments`).
"""

from __future__ import annotations

import dataclasses

from servqual.analysis._inference import NAN
from servqual.analysis._results import (
    DimensionResult,
    Figures,
    GapTest,
    ItemResult,
    Reliability,
    ZoneShares,
)


def hidden(figures: Figures) -> Figures:
    """The figures with their n only."""
    return Figures(n=figures.n, mean=NAN, sd=NAN, suppressed=True)


def hidden_test() -> GapTest:
    return GapTest(ci95=(NAN, NAN), t=NAN, df=NAN, p_value=NAN, d_z=NAN, wilcoxon_v=NAN, wilcoxon_p=NAN)


def _zone_within(zone: ZoneShares | None, min_answers: int) -> ZoneShares | None:
    if zone is None or zone.n >= min_answers or zone.n == 0:
        return zone
    return ZoneShares(n=zone.n, below=NAN, inside=NAN, above=NAN)


def tests_within(scores: dict[str, Figures], tests: dict[str, GapTest], minimum: int) -> dict[str, GapTest]:
    """The tests, hidden for the sections fewer than ``minimum`` answered (none at all is
    nothing to hide); for anonymity here, for too little evidence in _evidence."""
    return {section: hidden_test() if 0 < scores[section].n < minimum else test for section, test in tests.items()}


def _scores_within(scores: dict[str, Figures], minimum: int) -> dict[str, Figures]:
    return {section: hidden(figures) if 0 < figures.n < minimum else figures for section, figures in scores.items()}


def item_within(item: ItemResult, min_answers: int) -> ItemResult:
    """The item with every section's figures (and tests) hidden that rest on fewer than
    ``min_answers`` answers (none at all is nothing to hide)."""
    return dataclasses.replace(
        item,
        scores=_scores_within(item.scores, min_answers),
        tests=tests_within(item.scores, item.tests, min_answers),
        zone=_zone_within(item.zone, min_answers),
    )


def dimension_within(
    dimension: DimensionResult, items: list[ItemResult], min_answers: int, importance_n: int | None
) -> DimensionResult:
    """The dimension with its figures hidden per section where fewer than ``min_answers``
    respondents have a score, its reliability where that rests on a hidden figure (the
    dimension's, or one of ``items``', its items after :func:`item_within`), and its weight
    when fewer than ``min_answers`` gave importance points (``importance_n``)."""
    scores = _scores_within(dimension.scores, min_answers)
    tests = tests_within(dimension.scores, dimension.tests, min_answers)
    reliability = dict(dimension.reliability)
    for section in dimension.scores:
        if scores[section].suppressed or any(item.scores[section].suppressed for item in items):
            reliability[section] = hidden_reliability(reliability[section])
    difference_score = dimension.difference_score
    if difference_score is not None and any(
        reliability[s].alpha != reliability[s].alpha for s in ("perception", "expectation")
    ):
        difference_score = NAN
    weight = dimension.weight
    if weight is not None and importance_n is not None and importance_n < min_answers:
        weight = NAN
    return dataclasses.replace(
        dimension,
        scores=scores,
        tests=tests,
        reliability=reliability,
        difference_score=difference_score,
        zone=_zone_within(dimension.zone, min_answers),
        weight=weight,
    )


def hidden_reliability(reliability: Reliability) -> Reliability:
    return dataclasses.replace(
        reliability,
        alpha=NAN,
        ci95=(NAN, NAN),
        omega_total=NAN,
        alpha_if_dropped=tuple(NAN for _ in reliability.alpha_if_dropped),
        corrected_item_total=tuple(NAN for _ in reliability.corrected_item_total),
    )
