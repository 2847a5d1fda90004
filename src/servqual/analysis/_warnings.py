"""Warnings that teach: what in a result deserves care, as data (code and figures).

The edges (command line, reports, web) turn each code into a sentence in Dutch or
English with a pointer to docs/methods.md.
"""

from __future__ import annotations

from typing import Any

#: Thresholds, each a common rule of thumb (Nunnally 1978 for alpha).
LOW_ALPHA = 0.70
SMALL_SAMPLE = 30
MANY_MISSING = 0.10
#: Fair fit at least (Hu & Bentler 1999; Browne & Cudeck 1993).
POOR_CFI = 0.90
POOR_RMSEA = 0.08


def warnings_for(result: dict[str, Any], answers_missing_share: float) -> list[dict[str, Any]]:
    """Warnings for a result dictionary (``AnalysisResult.to_dict()`` without warnings)."""
    found: list[dict[str, Any]] = []
    if result["n_used"] < SMALL_SAMPLE:
        found.append({"code": "small_sample", "n": result["n_used"], "threshold": SMALL_SAMPLE})
    if answers_missing_share > MANY_MISSING:
        found.append({"code": "many_missing", "share": answers_missing_share, "threshold": MANY_MISSING})
    for key, dimension in result["dimensions"].items():
        for section, alpha in dimension["alpha"].items():
            if alpha == alpha and alpha < LOW_ALPHA:  # NaN is no warning: too few items or answers
                found.append({"code": "low_alpha", "dimension": key, "section": section, "alpha": alpha})
        r_d = dimension["reliability"].get("difference_score")
        if r_d is not None and r_d == r_d and r_d < LOW_ALPHA:
            found.append({"code": "low_difference_reliability", "dimension": key, "reliability": r_d})
    for section, model in result.get("cfa", {}).items():
        if not model["converged"]:
            found.append({"code": "no_factor_model", "section": section, "reason": model["reason"], "n": model["n"]})
        elif model["cfi"] < POOR_CFI or model["rmsea"] > POOR_RMSEA:
            found.append({"code": "poor_fit", "section": section, "cfi": model["cfi"], "rmsea": model["rmsea"]})
    if result["servqual"] is not None:
        found.append({"code": "difference_scores"})
    return found
