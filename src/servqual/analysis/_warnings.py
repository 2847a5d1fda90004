"""Warnings that teach: what in a result deserves care, as data (code and figures).

The edges (command line, reports, web) turn each code into a sentence in Dutch or
English with a pointer to docs/methods.md.
"""

from __future__ import annotations

from servqual.analysis._results import DimensionResult, FactorModel, ResultWarning

#: Thresholds, each a common rule of thumb (Nunnally 1978 for alpha).
LOW_ALPHA = 0.70
SMALL_SAMPLE = 30
MANY_MISSING = 0.10
#: Fair fit at least (Hu & Bentler 1999; Browne & Cudeck 1993).
POOR_CFI = 0.90
POOR_RMSEA = 0.08


def warnings_for(
    n_used: int,
    answers_missing_share: float,
    dimensions: dict[str, DimensionResult],
    cfa: dict[str, FactorModel],
    has_gap: bool,
) -> tuple[ResultWarning, ...]:
    """The warnings for a result's figures, in the documented order."""
    found: list[ResultWarning] = []
    if n_used < SMALL_SAMPLE:
        found.append(ResultWarning("small_sample", n=n_used, threshold=SMALL_SAMPLE))
    if answers_missing_share > MANY_MISSING:
        found.append(ResultWarning("many_missing", share=answers_missing_share, threshold=MANY_MISSING))
    for key, dimension in dimensions.items():
        for section, alpha in dimension.alpha.items():
            if alpha == alpha and alpha < LOW_ALPHA:  # NaN is no warning: too few items or answers
                found.append(ResultWarning("low_alpha", dimension=key, section=section, alpha=alpha))
        r_d = dimension.difference_score
        if r_d is not None and r_d == r_d and r_d < LOW_ALPHA:
            found.append(ResultWarning("low_difference_reliability", dimension=key, reliability=r_d))
    for section, model in cfa.items():
        if not model.converged:
            found.append(ResultWarning("no_factor_model", section=section, reason=model.reason, n=model.n))
        elif model.fit.cfi < POOR_CFI or model.fit.rmsea > POOR_RMSEA:
            found.append(ResultWarning("poor_fit", section=section, cfi=model.fit.cfi, rmsea=model.fit.rmsea))
    if has_gap:
        found.append(ResultWarning("difference_scores"))
    return tuple(found)
