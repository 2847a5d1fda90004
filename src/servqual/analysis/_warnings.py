"""Warnings that teach: what in a result deserves care, as data (code and figures).

The edges (command line, reports, web) turn each code into a sentence in Dutch or
English with a pointer to docs/methods.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from servqual.analysis._results import DimensionResult, FactorModel, ResultWarning
from servqual.instruments import Scale
from servqual.io import ValidationReport

#: Thresholds, each a common rule of thumb (Nunnally 1978 for alpha).
LOW_ALPHA = 0.70
SMALL_SAMPLE = 30
MANY_MISSING = 0.10
#: Fair fit at least (Hu & Bentler 1999; Browne & Cudeck 1993).
POOR_CFI = 0.90
POOR_RMSEA = 0.08


#: Reasons for excluding a row that leave answers out (blank lines, previews and rows without
#: answers hold none).
ROWS_WITH_ANSWERS_LEFT_OUT = ("ragged_row", "truncated_row", "answers_rejected", "duplicate_id")


def accounting_warnings(report: ValidationReport, scale: Scale) -> list[ResultWarning]:
    """What the figures do not rest on, from the validation report: rows and answers left
    out, columns of labels, columns not used, a scale whose top or bottom no answer uses."""
    found: list[ResultWarning] = []
    rows_out = sum(len(report.excluded.get(reason, ())) for reason in ROWS_WITH_ANSWERS_LEFT_OUT)
    if rows_out:
        found.append(ResultWarning("rows_excluded", n=rows_out, share=rows_out / (report.rows_used + rows_out)))
    rejected = report.total_rejected
    if rejected:
        columns = tuple(column for column, count in report.answers_rejected.items() if count)
        share = rejected / (report.answers_given + rejected)
        found.append(ResultWarning("answers_rejected", n=rejected, share=share, columns=columns))
    if report.label_columns:
        found.append(ResultWarning("label_columns", columns=tuple(report.label_columns)))
    if report.unused_columns:
        found.append(ResultWarning("unused_columns", columns=tuple(report.unused_columns)))
    if report.scale_looks_like is not None:
        found.append(
            ResultWarning(
                "scale_fit",
                n=report.answers_given,
                points=tuple(report.scale_unused),
                scale=(scale.min, scale.max),
                looks_like=report.scale_looks_like,
            )
        )
    return found


def warnings_for(
    report: ValidationReport,
    scale: Scale,
    n_used: int,
    answers_missing_share: float,
    dimensions: dict[str, DimensionResult],
    cfa: dict[str, FactorModel],
    has_gap: bool,
    evidence: Sequence[ResultWarning] = (),
) -> tuple[ResultWarning, ...]:
    """The warnings for a result's figures, in the documented order; ``evidence`` says
    which figures the minimums of servqual.analysis._evidence left out."""
    found = accounting_warnings(report, scale)
    if n_used < SMALL_SAMPLE:
        found.append(ResultWarning("small_sample", n=n_used, threshold=SMALL_SAMPLE))
    found += evidence
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
