"""Scores per segment (branch, channel, ...) with the anonymity threshold applied, and
tests of whether the segments differ.

A group smaller than the threshold is reported as suppressed: no figures, no count.
Because the total is shown too, one suppressed group could be recovered by subtracting
the visible groups from it; so more groups are suppressed (smallest first) until the
suppressed respondents together reach the threshold. Tests use visible groups only.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
from scipy import special

from servqual.analysis._inference import average_ranks, mean_ci

#: The label of respondents without a value for the segment column.
MISSING_VALUE = None


def _members(values: Any) -> dict[Any, np.ndarray]:
    """Row positions per value, values sorted, missing (None or empty) last.
    Grouping goes through polars: a Python loop over a million labels costs seconds."""
    import polars as pl

    series = pl.Series("value", values, dtype=pl.String, strict=False)
    series = pl.select(pl.when(series == "").then(None).otherwise(series)).to_series()
    categories = series.drop_nulls().unique().sort().to_list()
    codes = series.cast(pl.Enum(categories)).to_physical().fill_null(len(categories)).to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(categories) + 2))
    members = {value: order[bounds[i] : bounds[i + 1]] for i, value in enumerate(categories)}
    if bounds[-1] > bounds[-2]:
        members[MISSING_VALUE] = order[bounds[-2] : bounds[-1]]
    return members


def suppressed_groups(sizes: dict[Any, int], min_group: int) -> set[Any]:
    """The groups to hide: every group below ``min_group``, then the smallest others
    until the hidden groups together hold at least ``min_group`` respondents (or none
    are hidden), so no hidden figure follows from the total by subtraction."""
    hidden = {value for value, n in sizes.items() if n < min_group}
    visible = sorted((n, str(value), value) for value, n in sizes.items() if value not in hidden)
    while hidden and sum(sizes[v] for v in hidden) < min_group and visible:
        hidden.add(visible.pop(0)[2])
    return hidden


def welch_anova(groups: list[np.ndarray]) -> dict[str, float]:
    r"""Welch's one-way ANOVA (unequal variances).

    With :math:`w_i = n_i / s_i^2`, :math:`m = \sum w_i \bar x_i / \sum w_i` and
    :math:`\lambda = \sum (1 - w_i/\sum w)^2 / (n_i - 1)`:

    .. math:: F = \frac{\sum w_i (\bar x_i - m)^2 / (k-1)}{1 + 2(k-2)\lambda/(k^2-1)},
              \quad df_1 = k-1,\quad df_2 = \frac{k^2-1}{3\lambda}

    In R: ``oneway.test(x ~ g, var.equal = FALSE)``.
    """
    k = len(groups)
    n = np.array([g.size for g in groups], dtype=float)
    means = np.array([g.mean() for g in groups])
    variances = np.array([g.var(ddof=1) for g in groups])
    if k < 2 or (n < 2).any() or (variances == 0).any():
        return {"f": float("nan"), "df1": float("nan"), "df2": float("nan"), "p_value": float("nan")}
    w = n / variances
    m = (w * means).sum() / w.sum()
    lam = ((1 - w / w.sum()) ** 2 / (n - 1)).sum()
    f = ((w * (means - m) ** 2).sum() / (k - 1)) / (1 + 2 * (k - 2) * lam / (k**2 - 1))
    df2 = (k**2 - 1) / (3 * lam)
    return {"f": float(f), "df1": float(k - 1), "df2": float(df2), "p_value": float(special.fdtrc(k - 1, df2, f))}


def welch_t(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    r"""Welch's two-sample t-test.

    .. math:: t = \frac{\bar a - \bar b}{\sqrt{s_a^2/n_a + s_b^2/n_b}},\quad
              df = \frac{(s_a^2/n_a + s_b^2/n_b)^2}{(s_a^2/n_a)^2/(n_a-1) + (s_b^2/n_b)^2/(n_b-1)}

    In R: ``t.test(a, b)`` (var.equal = FALSE is its default).
    """
    if a.size < 2 or b.size < 2:
        return {"t": float("nan"), "df": float("nan"), "p_value": float("nan")}
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return {"t": float("nan"), "df": float("nan"), "p_value": float("nan")}
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return {"t": float(t), "df": float(df), "p_value": float(2 * special.stdtr(df, -abs(t)))}


def kruskal_wallis(groups: list[np.ndarray]) -> dict[str, float]:
    r"""Kruskal-Wallis rank-sum test, with the correction for ties.

    .. math:: H = \frac{\frac{12}{N(N+1)}\sum_i R_i^2/n_i - 3(N+1)}{1 - \sum_j (t_j^3 - t_j)/(N^3 - N)}

    on :math:`k - 1` degrees of freedom. In R: ``kruskal.test(x ~ g)``.
    """
    sizes = np.array([g.size for g in groups])
    pooled = np.concatenate(groups)
    total = pooled.size
    if len(groups) < 2 or total < 2:
        return {"h": float("nan"), "df": float("nan"), "p_value": float("nan")}
    ranks, ties = average_ranks(pooled)
    rank_sums = np.add.reduceat(ranks, np.r_[0, np.cumsum(sizes)[:-1]])
    h = 12 / (total * (total + 1)) * (rank_sums**2 / sizes).sum() - 3 * (total + 1)
    correction = 1 - (ties.astype(float) ** 3 - ties).sum() / (total**3 - total)
    h = h / correction if correction > 0 else float("nan")
    df = len(groups) - 1
    return {"h": float(h), "df": float(df), "p_value": float(special.chdtrc(df, h))}


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment. In R: ``p.adjust(p, method = "holm")``."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    order = np.argsort(p, kind="mergesort")
    adjusted = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    result = np.empty(m)
    result[order] = adjusted
    return result.tolist()


def segment_scores(
    scores: dict[str, np.ndarray], values: Any, min_group: int = 5, section: str = "gap"
) -> dict[str, Any]:
    """Per group of ``values``: size and, per dimension, the mean score with its 95% CI;
    per dimension, tests across the visible groups.

    ``scores`` maps dimension keys to respondent-level scores of ``section`` (the gap,
    or perceptions without expectations). Groups are ordered by value; respondents
    without a value form their own group (value None), under the same threshold.
    """
    members = _members(values)
    order = list(members)
    sizes = {value: len(rows) for value, rows in members.items()}
    hidden = suppressed_groups(sizes, min_group)

    groups = []
    for value in order:
        if value in hidden:
            groups.append({"value": value, "suppressed": True})
            continue
        dimensions = {}
        for key, score in scores.items():
            picked = score[members[value]]
            mean, low, high = mean_ci(picked)
            dimensions[key] = {
                "n": int(np.count_nonzero(~np.isnan(picked))),
                f"{section}_mean": mean,
                "ci95": [low, high],
            }
        groups.append({"value": value, "suppressed": False, "n": sizes[value], "dimensions": dimensions})

    shown = [value for value in order if value not in hidden]
    tests = {}
    for key, score in scores.items():
        samples = [score[members[v]][~np.isnan(score[members[v]])] for v in shown]
        if len(samples) < 2:
            tests[key] = None
            continue
        parametric = welch_t(*samples) if len(samples) == 2 else welch_anova(samples)
        pairs = list(combinations(range(len(shown)), 2))
        raw = [welch_t(samples[i], samples[j])["p_value"] for i, j in pairs]
        adjusted = holm(raw) if pairs else []
        tests[key] = {
            "test": "welch_t" if len(samples) == 2 else "welch_anova",
            **parametric,
            "kruskal_wallis": kruskal_wallis(samples),
            "pairwise": [
                {"a": shown[i], "b": shown[j], "p_value": p, "p_holm": q}
                for (i, j), p, q in zip(pairs, raw, adjusted, strict=True)
            ],
        }
    return {"min_group": min_group, "groups": groups, "tests": tests}
