"""Item and dimension scores of expectations (E), perceptions (P) and the gap P - E."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from servqual.analysis._cfa import ConfirmatoryFactorAnalysis, ConvergenceWarning
from servqual.analysis._inference import mean_ci, paired_t, wilcoxon_signed_rank
from servqual.analysis._ipa import importance_performance
from servqual.analysis._reliability import PairwiseMoments, difference_score_reliability
from servqual.analysis._reliability import reliability as section_reliability
from servqual.analysis._segments import segment_scores
from servqual.analysis._warnings import warnings_for
from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.io import ResponseSet

if TYPE_CHECKING:
    import pandas as pd

#: Result keys of the sections (``minimum`` is only asked in the three-column format,
#: where ``expectation`` holds the desired level).
GAP = "gap"
ADEQUACY = "adequacy"


def scored_answers(responses: ResponseSet) -> dict[str, np.ndarray]:
    """Answers with negatively worded items reverse-scored (min + max - x).

    The 1988 wording states nine items negatively; scoring turns them so that a higher
    number always means better service (Parasuraman, Zeithaml & Berry, 1988).
    """
    instrument = responses.instrument
    reverse = instrument.reverse_positions
    if not reverse:
        return dict(responses.answers)
    flip = instrument.scale.min + instrument.scale.max
    scored = {}
    for section, matrix in responses.answers.items():
        matrix = matrix.copy(order="F")
        matrix[:, reverse] = flip - matrix[:, reverse]
        scored[section] = matrix
    return scored


def _with_gap(scored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add the gap P - E and, in the three-column format, the adequacy gap P - M
    (Parasuraman, Zeithaml & Berry, 1994); there the gap is the superiority gap P - D."""
    gaps = {}
    if "expectation" in scored and "perception" in scored:
        gaps[GAP] = scored["perception"] - scored["expectation"]
    if "minimum" in scored and "perception" in scored:
        gaps[ADEQUACY] = scored["perception"] - scored["minimum"]
    return {**scored, **gaps}


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


def _summary(values: np.ndarray) -> dict[str, float | int]:
    """n, mean and SD (n - 1) of the non-missing values; NaN where undefined."""
    present = values[~np.isnan(values)]
    n = int(present.size)
    mean = float(present.mean()) if n else float("nan")
    sd = float(present.std(ddof=1)) if n > 1 else float("nan")
    return {"n": n, "mean": mean, "sd": sd}


@dataclass(frozen=True)
class AnalysisResult:
    """Scores, inference and reliability per item and dimension.

    ``to_dict()`` gives the documented JSON (docs/json-output.md); keys are stable.
    """

    instrument: str
    n_respondents: int
    #: respondents with at least one answer pair (or perception, without expectations)
    n_used: int
    #: answer sections and differences present, in display order (expectation, ..., gap)
    sections: list[str]
    #: dimension key -> section -> statistics; plus "alpha", "reliability" and "weight"
    dimensions: dict[str, dict[str, Any]]
    #: one entry per item: item, dimension, n, and <section>_mean / _sd / _n per section
    items: list[dict[str, Any]]
    #: {"unweighted": ..., "weighted": ...} of the gap (SERVQUAL) and of perceptions (SERVPERF)
    servqual: dict[str, float] | None
    servperf: dict[str, float] | None
    #: segment column -> {"min_group", "groups": [...], "tests": {dimension: ...}}
    segments: dict[str, Any]
    #: section -> CFA fit, loadings, composite reliability (or {"converged": False})
    cfa: dict[str, Any]
    #: importance-performance grid: {"dimensions": [...], "items": [...]}
    ipa: dict[str, Any]
    #: things to read with care: [{"code": ..., figures}], see docs/methods.md
    warnings: list[dict[str, Any]]

    def item_table(self) -> pd.DataFrame:
        """One row per item: item, dimension, n and every <section>_<statistic> figure."""
        import pandas as pd

        return pd.DataFrame(
            [{k: (tuple(v) if isinstance(v, list) else v) for k, v in row.items() if k != "zone"} for row in self.items]
        )

    def dimension_table(self) -> pd.DataFrame:
        """One row per dimension and section: n, mean, sd (and the tests for gaps), alpha, omega."""
        import pandas as pd

        rows = []
        for key, entry in self.dimensions.items():
            for section in self.sections:
                figures = {k: (tuple(v) if isinstance(v, list) else v) for k, v in entry[section].items()}
                reliability = entry["reliability"][section]
                rows.append(
                    {
                        "dimension": key,
                        "section": section,
                        **figures,
                        "alpha": reliability["alpha"],
                        "omega_total": reliability["omega_total"],
                    }
                )
        table = pd.DataFrame(rows)
        last = ["alpha", "omega_total"]
        return table[[c for c in table.columns if c not in last] + last]

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "n_respondents": self.n_respondents,
            "n_used": self.n_used,
            "sections": self.sections,
            "dimensions": self.dimensions,
            "items": self.items,
            "servqual": self.servqual,
            "servperf": self.servperf,
            "segments": self.segments,
            "cfa": self.cfa,
            "ipa": self.ipa,
            "warnings": self.warnings,
        }


def zone_of_tolerance(minimum: np.ndarray, desired: np.ndarray, perceived: np.ndarray) -> dict[str, Any]:
    """Shares of respondents whose perception lies below the minimum, inside the zone
    (minimum <= P <= desired) or above the desired level, over respondents with all three
    (Zeithaml, Berry & Parasuraman, 1993)."""
    both = ~np.isnan(minimum) & ~np.isnan(desired) & ~np.isnan(perceived)
    n = int(both.sum())
    if n == 0:
        return {"n": 0, "below": float("nan"), "inside": float("nan"), "above": float("nan")}
    m, d, p = minimum[both], desired[both], perceived[both]
    below = p < m
    above = (p > d) & ~below  # a desired level under the minimum must not count twice
    return {
        "n": n,
        "below": float(below.mean()),
        "inside": float((~below & ~above).mean()),
        "above": float(above.mean()),
    }


def _difference(values: np.ndarray) -> dict[str, Any]:
    """Summary of a gap: mean with its CI, the paired t-test, d_z and the signed-rank test."""
    _, low, high = mean_ci(values)
    t = paired_t(values)
    w = wilcoxon_signed_rank(values)
    return {
        **_summary(values),
        "ci95": [low, high],
        "t": t["t"],
        "df": t["df"],
        "p_value": t["p_value"],
        "d_z": t["d_z"],
        "wilcoxon_v": w["V"],
        "wilcoxon_p": w["p_value"],
    }


def _weighted(scores: dict[str, np.ndarray], weights: np.ndarray | None, keys: list[str]) -> dict[str, float]:
    """Mean of the dimension means, and the mean over respondents of sum_d w_d * score_d
    (respondents with importance points and a score on every dimension)."""
    matrix = np.column_stack([scores[k] for k in keys])
    result = {"unweighted": float(np.mean([np.nanmean(c) if (~np.isnan(c)).any() else np.nan for c in matrix.T]))}
    if weights is None:
        result["weighted"] = float("nan")
        return result
    usable = ~np.isnan(weights).any(axis=1) & ~np.isnan(matrix).any(axis=1)
    result["weighted"] = (
        float((weights[usable] / 100 * matrix[usable]).sum(axis=1).mean()) if usable.any() else float("nan")
    )
    return result


def analyze(
    responses: ResponseSet,
    *,
    segments: Sequence[str] = (),
    min_group: int = 5,
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
    cfa
        Sections to fit the factor model on (``perception``, ``expectation``, ``gap``);
        sections the instrument lacks are skipped.
    """
    unknown = [c for c in segments if c not in responses.attributes.columns]
    if unknown:
        raise ServqualError(
            N_("no attribute column {column!r} to segment by (columns: {columns})"),
            column=unknown[0],
            columns=", ".join(responses.attributes.columns) or "-",
        )
    instrument = responses.instrument
    scored = _with_gap(scored_answers(responses))
    differences = [s for s in (GAP, ADEQUACY) if s in scored]
    sections = list(scored)
    weights = responses.importance
    dimensions: dict[str, dict[str, Any]] = {}
    dimension_scores: dict[str, dict[str, np.ndarray]] = {s: {} for s in sections}
    moments = {section: PairwiseMoments.of(matrix) for section, matrix in scored.items()}
    for dimension in instrument.dimensions:
        positions = instrument.item_positions(dimension.key)
        entry: dict[str, Any] = {}
        reliability: dict[str, Any] = {}
        for section, matrix in scored.items():
            values = respondent_dimension_scores(matrix, positions)
            dimension_scores[section][dimension.key] = values
            entry[section] = _difference(values) if section in differences else _summary(values)
            answered = int(np.count_nonzero(~np.isnan(values)))
            reliability[section] = section_reliability(moments[section].subset(positions), answered)
        if GAP in scored:
            reliability["difference_score"] = difference_score_reliability(
                dimension_scores["perception"][dimension.key],
                dimension_scores["expectation"][dimension.key],
                reliability["perception"]["alpha"],
                reliability["expectation"]["alpha"],
            )
        if "minimum" in scored:
            entry["zone"] = zone_of_tolerance(
                *(dimension_scores[s][dimension.key] for s in ("minimum", "expectation", "perception"))
            )
        entry["alpha"] = {section: reliability[section]["alpha"] for section in sections}
        entry["reliability"] = reliability
        j = instrument.dimensions.index(dimension)
        entry["weight"] = float(np.nanmean(weights[:, j]) / 100) if _any(weights, j) else None
        dimensions[dimension.key] = entry

    items = []
    for j, item in enumerate(instrument.items):
        row: dict[str, Any] = {"item": item.number, "dimension": item.dimension}
        for section, matrix in scored.items():
            stats = _difference(matrix[:, j]) if section in differences else _summary(matrix[:, j])
            for name, value in stats.items():
                row[f"{section}_{name}"] = value
        if "minimum" in scored:
            row["zone"] = zone_of_tolerance(*(scored[s][:, j] for s in ("minimum", "expectation", "perception")))
        # n of the headline figure: the gap, else the adequacy gap, else the only section
        row["n"] = row.get(f"{GAP}_n", row.get(f"{ADEQUACY}_n", row[f"{sections[0]}_n"]))
        items.append(row)

    headline_section = differences[0] if differences else ("perception" if "perception" in scored else sections[0])
    headline = scored[headline_section]
    keys = instrument.dimension_keys
    fields: dict[str, Any] = {
        "instrument": instrument.key,
        "n_respondents": responses.n_respondents,
        "n_used": int(np.count_nonzero(~np.isnan(headline).all(axis=1))),
        "sections": sections,
        "dimensions": dimensions,
        "items": items,
        "servqual": _weighted(dimension_scores[GAP], weights, keys) if GAP in scored else None,
        "servperf": _weighted(dimension_scores["perception"], weights, keys) if "perception" in scored else None,
        "segments": {
            column: segment_scores(
                dimension_scores[headline_section], responses.attributes[column], min_group, headline_section
            )
            for column in segments
        },
        "cfa": {section: factor_model(scored[section], instrument) for section in cfa if section in scored},
        "ipa": importance_performance(
            keys,
            [dimensions[k]["weight"] for k in keys],
            [dimensions[k]["perception"]["mean"] for k in keys],
            [item.number for item in instrument.items],
            scored["perception"],
        )
        if "perception" in scored
        else {"dimensions": [], "items": []},
    }
    report = responses.report
    missing_share = report.answers_missing / report.answers_expected if report.answers_expected else 0.0
    return AnalysisResult(**fields, warnings=warnings_for(fields, missing_share))


def factor_model(matrix: np.ndarray, instrument: Any) -> dict[str, Any]:
    """The instrument's dimensions as correlated factors, fitted by ML on complete rows."""
    factors = [instrument.item_positions(key) for key in instrument.dimension_keys]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as converged: false
        model = ConfirmatoryFactorAnalysis(factors).fit(matrix)
    if not model.converged_:
        return {"converged": False, "n": model.n_, "reason": model.failure_}
    order = [i for items in factors for i in items]
    return {
        "converged": True,
        **model.fit_,
        "loadings": [
            {"item": instrument.items[i].number, "dimension": instrument.items[i].dimension, "std_loading": float(v)}
            for i, v in zip(order, model.standardized_loadings_, strict=True)
        ],
        "reliability": dict(zip(instrument.dimension_keys, model.reliability(), strict=True)),
    }


def _any(weights: np.ndarray | None, j: int) -> bool:
    return weights is not None and bool((~np.isnan(weights[:, j])).any())
