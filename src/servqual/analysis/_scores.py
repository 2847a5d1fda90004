"""Item and dimension scores of expectations (E), perceptions (P) and the gap P - E."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits

from servqual.analysis._cfa import ConfirmatoryFactorAnalysis, ConvergenceWarning
from servqual.analysis._inference import (
    ci_of_mean,
    moment_summary,
    signed_rank_test,
    t_test_of_mean,
    table_summary,
)
from servqual.analysis._ipa import derived_importance_of, importance_performance
from servqual.analysis._reliability import PairwiseMoments, difference_score_reliability_of
from servqual.analysis._reliability import reliability as section_reliability
from servqual.analysis._segments import segment_codes, segment_scores
from servqual.analysis._statistics import MAX_SEGMENT_CELLS, Layout, accumulate
from servqual.analysis._warnings import warnings_for
from servqual.analysis._zone import zone_shares
from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.io import ResponseSet
from servqual.io._responses import float_matrix

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
    if not instrument.reverse_positions:
        return dict(responses.answers)
    layout = Layout.of(instrument, instrument.sections)
    return {
        section: float_matrix(
            responses.table.select(layout.value(section, j).alias(str(j)) for j in range(len(columns)))
        )
        for section, columns in layout.columns.items()
    }


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
    # each column in a thread of its own: polars lets go of the interpreter lock
    with ThreadPoolExecutor(max(1, len(segments))) as pool:
        groups = dict(zip(segments, pool.map(segment_codes, [responses.attributes[c] for c in segments]), strict=True))
    layout = Layout.of(
        responses.instrument,
        responses.instrument.sections,
        cfa,
        {column: len(values) for column, (_, values) in groups.items()},
        importance=responses.has_importance,
    )
    for column, (_, values) in groups.items():
        if layout.segment_cells(column) > MAX_SEGMENT_CELLS:
            raise ServqualError(
                N_("segment column {column!r} has {count} different values: too many groups to compare"),
                column=column,
                count=len(values),
            )
    sums = accumulate(layout, responses.table, {column: codes for column, (codes, _) in groups.items()})
    # One BLAS thread for the figures too: their matrices are small (items x items at
    # most, the CFA's many products of them), and OpenBLAS's waiting threads made this
    # step 0.17 s instead of 0.03 s on a busy 2-core machine.
    with threadpool_limits(limits=1, user_api="blas"):
        return _result(responses, layout, sums, {column: values for column, (_, values) in groups.items()}, min_group)


def _result(
    responses: ResponseSet,
    layout: Layout,
    sums: dict[str, np.ndarray],
    categories: dict[str, list[Any]],
    min_group: int,
) -> AnalysisResult:
    """Every figure of the result from the sums of :func:`accumulate`."""
    instrument = responses.instrument
    sections, differences = list(layout.sections), layout.differences
    keys = instrument.dimension_keys
    weights = sums.get("weights")
    dimensions: dict[str, dict[str, Any]] = {}
    #: per dimension, the headline's distinct scores and each (sum, count) key's place among them
    headline_scores: list[tuple[np.ndarray, np.ndarray]] = []
    #: section -> the moments of each dimension's items (the figures need none across dimensions)
    moments = {s: [PairwiseMoments(*sums[f"{s}:moments:{d}"]) for d in range(len(keys))] for s in sections}
    for d, key in enumerate(keys):
        entry: dict[str, Any] = {}
        reliability: dict[str, Any] = {}
        for section in sections:
            values, inverse = np.unique(layout.score_values(section, d), return_inverse=True)
            start, stop = layout.key_offsets(section)[d : d + 2]
            frequencies = sums[f"{section}:dimensions"][start : stop - 1]  # the last bin: no score
            counts = np.bincount(inverse, weights=frequencies, minlength=len(values))
            if section == layout.headline:
                headline_scores.append((values, inverse))
            table = (values, counts) if section in differences else None
            entry[section] = _figures(table_summary(values, counts), table)
            reliability[section] = section_reliability(moments[section][d], entry[section]["n"])
        if GAP in sections:
            reliability["difference_score"] = difference_score_reliability_of(
                sums["difference_score"][:, d], reliability["perception"]["alpha"], reliability["expectation"]["alpha"]
            )
        if "minimum" in sections:
            entry["zone"] = zone_shares(sums["zone:dimensions"][:, d])
        entry["alpha"] = {section: reliability[section]["alpha"] for section in sections}
        entry["reliability"] = reliability
        entry["weight"] = float(weights[1, d] / weights[0, d] / 100) if weights is not None and weights[0, d] else None
        dimensions[key] = entry

    item_moments = {}
    for section in sections:
        item_moments[section] = np.empty((3, layout.n_items))
        for d, part in enumerate(moments[section]):
            item_moments[section][:, list(layout.dimensions[d])] = part.diagonal()
    items = []
    for j, item in enumerate(instrument.items):
        row: dict[str, Any] = {"item": item.number, "dimension": item.dimension}
        for section in sections:
            table = None
            if section in differences:
                width = layout.widths[section]
                counts = sums[f"{section}:items"][j * (width + 1) : (j + 1) * (width + 1) - 1]
                table = np.arange(width, dtype=np.float64) + layout.lowest[section], counts
            figures = _figures(moment_summary(*item_moments[section][:, j]), table)
            for name, value in figures.items():
                row[f"{section}_{name}"] = value
        if "minimum" in sections:
            row["zone"] = zone_shares(sums["zone:items"][:, j])
        # n of the headline figure: the gap, else the adequacy gap, else the only section
        row["n"] = row.get(f"{GAP}_n", row.get(f"{ADEQUACY}_n", row[f"{sections[0]}_n"]))
        items.append(row)

    def segment(column: str) -> dict[str, Any]:
        tables = {}
        for d, key in enumerate(keys):
            values, inverse = headline_scores[d]
            start, stop = layout.segment_offsets(column)[d : d + 2]
            joint = sums[f"segment:{column}"][start:stop].reshape(len(categories[column]), -1)
            merged = np.zeros((joint.shape[0], len(values) + 1))
            np.add.at(merged, (slice(None), np.r_[inverse, len(values)]), joint)
            tables[key] = (values, merged)
        return segment_scores(tables, categories[column], min_group, layout.headline)

    fields: dict[str, Any] = {
        "instrument": instrument.key,
        "n_respondents": responses.n_respondents,
        "n_used": int(sums["n_used"]),
        "sections": sections,
        "dimensions": dimensions,
        "items": items,
        "servqual": _servqual(dimensions, sums, GAP, keys) if GAP in sections else None,
        "servperf": _servqual(dimensions, sums, "perception", keys) if "perception" in sections else None,
        "segments": {column: segment(column) for column in categories},
        "cfa": {section: factor_model(sums[f"{section}:complete"], instrument) for section in layout.cfa},
        "ipa": importance_performance(
            keys,
            [dimensions[k]["weight"] for k in keys],
            [dimensions[k]["perception"]["mean"] for k in keys],
            [item.number for item in instrument.items],
            [row["perception_mean"] for row in items],
            derived_importance_of(item_moments["perception"], sums["perception:overall"]),
        )
        if "perception" in sections
        else {"dimensions": [], "items": []},
    }
    report = responses.report
    missing_share = report.answers_missing / report.answers_expected if report.answers_expected else 0.0
    return AnalysisResult(**fields, warnings=warnings_for(fields, missing_share))


def _figures(summary: tuple[int, float, float], table: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """n, mean and SD; for a gap, whose frequency ``table`` (values, counts) is given,
    also its 95% CI, the one-sample t-test with d_z and the signed-rank test against zero."""
    n, mean, sd = summary
    figures: dict[str, Any] = {"n": n, "mean": mean, "sd": sd}
    if table is None:
        return figures
    t = t_test_of_mean(n, mean, sd)
    w = signed_rank_test(*table)
    return {
        **figures,
        "ci95": list(ci_of_mean(n, mean, sd)),
        "t": t["t"],
        "df": t["df"],
        "p_value": t["p_value"],
        "d_z": t["d_z"],
        "wilcoxon_v": w["V"],
        "wilcoxon_p": w["p_value"],
    }


def _servqual(
    dimensions: dict[str, Any], sums: dict[str, np.ndarray], section: str, keys: list[str]
) -> dict[str, float]:
    """Mean of the dimension means, and the mean over respondents of sum_d w_d * score_d
    (respondents with importance points and a score on every dimension)."""
    result = {"unweighted": float(np.mean([dimensions[k][section]["mean"] for k in keys]))}
    usable, total = sums.get(f"{section}:weighted", (0, 0.0))
    result["weighted"] = float(total / usable) if usable else float("nan")
    return result


def factor_model(moments: np.ndarray, instrument: Any) -> dict[str, Any]:
    """The instrument's dimensions as correlated factors, fitted by ML on complete rows
    (``moments`` as :meth:`ConfirmatoryFactorAnalysis.fit_moments` takes them)."""
    factors = [instrument.item_positions(key) for key in instrument.dimension_keys]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as converged: false
        model = ConfirmatoryFactorAnalysis(factors).fit_moments(moments)
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
