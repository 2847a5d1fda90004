"""Pure statistics on a response set: one function per concept, each pinned to R.

``analyze`` computes everything the command line reports; the functions below are the
pieces it is built from, for analysts who want one statistic on their own data.
"""

from __future__ import annotations

from servqual.analysis._cfa import ConfirmatoryFactorAnalysis, ConvergenceWarning
from servqual.analysis._evidence import MIN_FOR_ADVICE, MIN_FOR_FACTOR_MODEL, MIN_FOR_RELIABILITY, MIN_FOR_TESTS
from servqual.analysis._gaps import (
    Comparison,
    Comparisons,
    FactorScore,
    FactorScores,
    Gap1Result,
    GapIndex,
    MirrorResult,
    factor_scores,
    gap1,
    mirror,
)
from servqual.analysis._inference import mean_ci, paired_t, wilcoxon_signed_rank
from servqual.analysis._ipa import derived_importance, quadrants
from servqual.analysis._parts import PartSums, analyze_parts, merge_parts, part_from_bytes, part_sums, part_to_bytes
from servqual.analysis._reliability import (
    PairwiseMoments,
    cronbach_alpha,
    difference_score_reliability,
    item_statistics,
    omega_total,
    pairwise_correlation,
    pairwise_covariance,
)
from servqual.analysis._results import (
    DIFFERENCES,
    SEGMENT_MISSING,
    AnalysisResult,
    DimensionPoint,
    DimensionResult,
    FactorFit,
    FactorModel,
    Figures,
    FitMeasures,
    GapTest,
    GroupScore,
    ImportancePerformance,
    ItemPoint,
    ItemResult,
    NoFactorFit,
    OverallScore,
    Reliability,
    ResultWarning,
    SegmentGroup,
    SegmentResult,
    SegmentTest,
    WelchAnova,
    WelchT,
    ZoneShares,
)
from servqual.analysis._scores import analyze, analyze_sums, scored_answers
from servqual.analysis._segments import holm, kruskal_wallis, suppressed_groups, welch_anova, welch_t
from servqual.analysis._values import respondent_dimension_scores
from servqual.analysis._warnings import SMALL_SAMPLE
from servqual.analysis._zone import zone_of_tolerance

__all__ = [
    "DIFFERENCES",
    "MIN_FOR_ADVICE",
    "MIN_FOR_FACTOR_MODEL",
    "MIN_FOR_RELIABILITY",
    "MIN_FOR_TESTS",
    "SEGMENT_MISSING",
    "SMALL_SAMPLE",
    "AnalysisResult",
    "Comparison",
    "Comparisons",
    "ConfirmatoryFactorAnalysis",
    "ConvergenceWarning",
    "DimensionPoint",
    "DimensionResult",
    "FactorFit",
    "FactorModel",
    "FactorScore",
    "FactorScores",
    "Figures",
    "FitMeasures",
    "Gap1Result",
    "GapIndex",
    "GapTest",
    "GroupScore",
    "ImportancePerformance",
    "ItemPoint",
    "ItemResult",
    "MirrorResult",
    "NoFactorFit",
    "OverallScore",
    "PairwiseMoments",
    "PartSums",
    "Reliability",
    "ResultWarning",
    "SegmentGroup",
    "SegmentResult",
    "SegmentTest",
    "WelchAnova",
    "WelchT",
    "ZoneShares",
    "analyze",
    "analyze_parts",
    "analyze_sums",
    "cronbach_alpha",
    "derived_importance",
    "difference_score_reliability",
    "factor_scores",
    "gap1",
    "holm",
    "item_statistics",
    "kruskal_wallis",
    "mean_ci",
    "merge_parts",
    "mirror",
    "omega_total",
    "paired_t",
    "pairwise_correlation",
    "pairwise_covariance",
    "part_from_bytes",
    "part_sums",
    "part_to_bytes",
    "quadrants",
    "respondent_dimension_scores",
    "scored_answers",
    "suppressed_groups",
    "welch_anova",
    "welch_t",
    "wilcoxon_signed_rank",
    "zone_of_tolerance",
]
