"""Inference on paired answers: confidence intervals, the paired t-test, the Wilcoxon
signed-rank test and Cohen's d_z.

Distribution functions come from ``scipy.special`` rather than ``scipy.stats``: the
latter costs about 0.6 s of import on the reference machine, a third of the budget for
a million-respondent analysis (docs/performance.md). The signed-rank test is therefore
written here, following R's ``wilcox.test`` exactly (exact below 50 pairs without ties
or zeros, else the normal approximation with continuity and tie correction).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import special


def mean_ci(values: np.ndarray, ci: float = 0.95) -> tuple[float, float, float]:
    r"""Mean of the non-missing values with its t-based confidence interval.

    .. math:: \bar x \pm t_{n-1,\,1-\alpha/2}\; s / \sqrt{n}

    Returns NaNs where fewer than two values are present.
    In R: ``t.test(x, conf.level = ci)$conf.int``.
    """
    x = values[~np.isnan(values)]
    n = x.size
    if n < 2:
        return (float(x.mean()) if n else float("nan")), float("nan"), float("nan")
    mean = float(x.mean())
    half = float(special.stdtrit(n - 1, 0.5 + ci / 2)) * float(x.std(ddof=1)) / np.sqrt(n)
    return mean, float(mean - half), float(mean + half)


def paired_t(after: np.ndarray, before: np.ndarray | None = None) -> dict[str, float]:
    r"""Paired t-test of ``after`` against ``before`` on complete pairs, with Cohen's d_z;
    without ``before``, the one-sample test of ``after`` against zero.

    .. math:: t = \frac{\bar d}{s_d/\sqrt{n}},\quad df = n - 1,\quad d_z = \bar d / s_d

    with :math:`d = after - before`. Two-sided p-value.
    In R: ``t.test(after, before, paired = TRUE)``; d_z as in Lakens (2013).
    """
    d = _differences(after, before)
    n = d.size
    if n < 2:
        return {"n": n, "t": float("nan"), "df": float("nan"), "p_value": float("nan"), "d_z": float("nan")}
    sd = float(d.std(ddof=1))
    mean = float(d.mean())
    if sd == 0:
        t = float("nan") if mean == 0 else float(np.sign(mean) * np.inf)
    else:
        t = mean / (sd / np.sqrt(n))
    p = float(2 * special.stdtr(n - 1, -abs(t))) if not np.isnan(t) else float("nan")
    return {"n": n, "t": t, "df": float(n - 1), "p_value": p, "d_z": mean / sd if sd else float("nan")}


def wilcoxon_signed_rank(after: np.ndarray, before: np.ndarray | None = None) -> dict[str, float]:
    r"""Wilcoxon signed-rank test of ``after`` against ``before`` (two-sided); without
    ``before``, of ``after`` against zero.

    Zero differences are dropped; V is the sum of the ranks of the positive differences
    (ties get their average rank). Exact p-value when there are fewer than 50 pairs and
    no ties or zeros, else the normal approximation

    .. math:: z = \frac{V - n(n+1)/4 - \tfrac12\operatorname{sign}(\cdot)}
                       {\sqrt{n(n+1)(2n+1)/24 - \sum_j (t_j^3 - t_j)/48}}

    In R: ``wilcox.test(after, before, paired = TRUE)`` (its statistic V, its p-value).
    """
    d = _differences(after, before)
    zeros = bool((d == 0).any())
    d = d[d != 0]
    n = d.size
    if n == 0:
        return {"n": 0, "V": float("nan"), "p_value": float("nan")}
    ranks, tie_counts = average_ranks(np.abs(d))
    v = float(ranks[d > 0].sum())
    ties = bool((tie_counts > 1).any())
    if n < 50 and not ties and not zeros:
        p = _exact_signed_rank_p(v, n)
    else:
        z = v - n * (n + 1) / 4
        sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float((tie_counts**3 - tie_counts).sum()) / 48)
        z = (z - np.sign(z) * 0.5) / sigma
        p = float(2 * min(special.ndtr(z), special.ndtr(-z)))
    return {"n": n, "V": v, "p_value": min(1.0, p)}


def _differences(after: np.ndarray, before: np.ndarray | None) -> np.ndarray:
    d = after if before is None else after - before
    return d[~np.isnan(d)]


#: Answers are whole scale points, and a dimension score is a mean of at most a few
#: of them, so |differences| times one of these is whole: ranks then come from counting
#: (linear time) instead of sorting a million values for every item.
_GRIDS = (1, 60, 2520)


def average_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..n with ties averaged, and the size of each group of ties.

    In R: ``rank(x)`` (ties.method = "average").
    """
    if values.size == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    shifted = values - values.min()
    for grid in _GRIDS:
        scaled = np.rint(shifted * grid)
        if np.abs(shifted * grid - scaled).max() < 1e-6 and scaled.max() < 1e7:
            counts = np.bincount(scaled.astype(np.int64))
            before = np.cumsum(counts) - counts
            average = before + (counts + 1) / 2
            return average[scaled.astype(np.int64)], counts[counts > 0]
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    counts = np.diff(np.r_[starts, len(values)])
    average = starts + (counts + 1) / 2  # mean of ranks start+1 .. start+count
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(average, counts)
    return ranks, counts


@cache
def _signed_rank_counts(n: int) -> np.ndarray:
    """Number of subsets of {1..n} with each rank sum: the exact null distribution of V."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    return counts


def _exact_signed_rank_p(v: float, n: int) -> float:
    """Two-sided exact p-value, as R computes it from psignrank."""
    probabilities = _signed_rank_counts(n) / 2.0**n
    cumulative = np.cumsum(probabilities)
    if v > n * (n + 1) / 4:
        p = 1 - cumulative[int(np.ceil(v)) - 1]  # P(V >= v)
    else:
        p = cumulative[int(np.floor(v))]  # P(V <= v)
    return float(min(1.0, 2 * p))
