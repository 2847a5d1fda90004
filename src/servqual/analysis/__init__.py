"""Pure statistics on a response set: scores now; inference, reliability and factor
structure come with the analysis engine.
"""

from __future__ import annotations

from servqual.analysis._scores import AnalysisResult, analyze, respondent_dimension_scores, scored_answers

__all__ = ["AnalysisResult", "analyze", "respondent_dimension_scores", "scored_answers"]
