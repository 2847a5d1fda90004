"""Inference on paired answers: confidence intervals, the paired t-test, the Wilcoxon
signed-rank test and Cohen's d_z.

Each test is computed from a summary (n, mean, SD) or a frequency table (distinct
values and how often each occurs), the forms in which analyze keeps a million answers
(servqual.analysis._statistics); the functions on arrays build that summary first.

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

NAN = float("nan")


def mean_ci(values: np.ndarray, ci: float = 0.95) -> tuple[float, float, float]:
    r"""Mean of the non-missing values with its t-based confidence interval.

    .. math:: \bar x \pm t_{n-1,\,1-\alpha/2}\; s / \sqrt{n}

    Returns NaNs where fewer than two values are present.
    In R: ``t.test(x, conf.level = ci)$conf.int``.
    """
    n, mean, sd = summary(values[~np.isnan(values)])
    return (mean, *ci_of_mean(n, mean, sd, ci))


def summary(values: np.ndarray) -> tuple[int, float, float]:
    """n, mean and SD (n - 1) of present values; NaN where undefined."""
    n = int(values.size)
    mean = float(values.mean()) if n else NAN
    sd = float(values.std(ddof=1)) if n > 1 else NAN
    return n, mean, sd


def table_summary(values: np.ndarray, counts: np.ndarray) -> tuple[int, float, float]:
    """n, mean and SD (n - 1) of a frequency table: ``counts[i]`` answers equal ``values[i]``."""
    n = int(counts.sum())
    if n == 0:
        return 0, NAN, NAN
    mean = float(counts @ values) / n
    sd = float(np.sqrt(counts @ (values - mean) ** 2 / (n - 1))) if n > 1 else NAN
    return n, mean, sd


def moment_summary(n: float, total: float, squares: float) -> tuple[int, float, float]:
    """n, mean and SD (n - 1) from n, the sum and the sum of squares. For whole-number
    answers the sums are exact, and so is n * squares - total^2 until the division."""
    n = int(n)
    if n == 0:
        return 0, NAN, NAN
    sd = float(np.sqrt(max(n * squares - total * total, 0.0) / (n * (n - 1)))) if n > 1 else NAN
    return n, float(total / n), sd


def ci_of_mean(n: int, mean: float, sd: float, ci: float = 0.95) -> tuple[float, float]:
    """The t-based confidence interval of a mean from its summary."""
    if n < 2:
        return NAN, NAN
    half = float(special.stdtrit(n - 1, 0.5 + ci / 2)) * sd / np.sqrt(n)
    return float(mean - half), float(mean + half)


def paired_t(after: np.ndarray, before: np.ndarray | None = None) -> dict[str, float]:
    r"""Paired t-test of ``after`` against ``before`` on complete pairs, with Cohen's d_z;
    without ``before``, the one-sample test of ``after`` against zero.

    .. math:: t = \frac{\bar d}{s_d/\sqrt{n}},\quad df = n - 1,\quad d_z = \bar d / s_d

    with :math:`d = after - before`. Two-sided p-value.
    In R: ``t.test(after, before, paired = TRUE)``; d_z as in Lakens (2013).
    """
    return t_test_of_mean(*summary(_differences(after, before)))


def t_test_of_mean(n: int, mean: float, sd: float) -> dict[str, float]:
    """The one-sample t-test of a mean against zero, and d_z, from its summary."""
    if n < 2:
        return {"n": n, "t": NAN, "df": NAN, "p_value": NAN, "d_z": NAN}
    if sd == 0:
        t = NAN if mean == 0 else float(np.sign(mean) * np.inf)
    else:
        t = mean / (sd / np.sqrt(n))
    p = float(2 * special.stdtr(n - 1, -abs(t))) if not np.isnan(t) else NAN
    return {"n": n, "t": t, "df": float(n - 1), "p_value": p, "d_z": mean / sd if sd else NAN}


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
    values, counts = np.unique(_differences(after, before), return_counts=True)
    return signed_rank_test(values, counts)


def signed_rank_test(values: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """The signed-rank test of a frequency table of differences (``values`` distinct)."""
    zeros = bool(counts[values == 0].sum())
    magnitudes, position = np.unique(np.abs(values[values != 0]), return_inverse=True)
    counts = counts[values != 0]
    tie_counts = np.bincount(position, weights=counts, minlength=len(magnitudes))
    n = int(tie_counts.sum())
    if n == 0:
        return {"n": 0, "V": NAN, "p_value": NAN}
    average_rank = np.cumsum(tie_counts) - tie_counts + (tie_counts + 1) / 2
    positive = values[values != 0] > 0
    v = float(counts[positive] @ average_rank[position[positive]])
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
    present: np.ndarray = d[~np.isnan(d)]
    return present


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
