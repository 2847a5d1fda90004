"""Scores per segment (branch, channel, ...) with the anonymity threshold applied, and
tests of whether the segments differ.

A group smaller than the threshold is reported as suppressed: no figures, no count.
Because the total is shown too, one suppressed group could be recovered by subtracting
the visible groups from it; so more groups are suppressed (smallest first) until the
suppressed respondents together reach the threshold. The same rule then runs per
dimension on the members who have a score on it: a visible group's score of a dimension
that too few of its members answered is suppressed too, with more scores of that
dimension, smallest first. Tests use visible scores only.

Respondents without a value of the column are left out of its groups and tests, or form a
group of their own (``missing``); left out, they count for the rule as a hidden group.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

import numpy as np
from scipy import special

from servqual.analysis._inference import NAN, ci_of_mean, summary, table_summary
from servqual.analysis._results import (
    HIDDEN_SCORE,
    SEGMENT_MISSING,
    GroupScore,
    KruskalWallis,
    PairwiseTest,
    SegmentGroup,
    SegmentResult,
    SegmentTest,
    WelchAnova,
    WelchT,
)

#: The label of respondents without a value for the segment column.
MISSING_VALUE = None


def segment_codes(values: Any) -> tuple[np.ndarray, list[Any]]:
    """Each respondent's group as a code into the returned values: the values sorted,
    then None for respondents without one (missing or empty), if there are any.
    Grouping goes through polars: a Python loop over a million labels costs seconds."""
    import polars as pl

    series = pl.Series("value", values, dtype=pl.String, strict=False)
    series = pl.select(pl.when(series == "").then(None).otherwise(series)).to_series()
    categories = series.drop_nulls().unique().sort().to_list()
    codes = series.cast(pl.Enum(categories)).to_physical().fill_null(len(categories)).to_numpy()
    if series.null_count():
        categories.append(MISSING_VALUE)
    return codes.astype(np.intp), categories


def suppressed_groups(sizes: dict[Any, int], min_group: int, hidden: Iterable[Any] = ()) -> set[Any]:
    """The groups to hide: those in ``hidden`` (already hidden for another reason) and
    every group below ``min_group``, then others until the hidden groups together hold at
    least ``min_group`` respondents (or none are hidden), so no hidden figure follows from
    the total by subtraction: the respondents without a value (:data:`MISSING_VALUE`)
    first, then the smallest.

    Hiding the group without a value first makes the groups hidden with it a subset of
    those hidden without it: leaving those respondents out (``hidden`` holds
    :data:`MISSING_VALUE`) hides the same groups as keeping them as a group, plus theirs.
    So the two ways, read side by side, reveal nothing either hides."""
    hidden = set(hidden) | {value for value, n in sizes.items() if n < min_group}
    visible = sorted(
        (value is not MISSING_VALUE, n, str(value), value) for value, n in sizes.items() if value not in hidden
    )
    while hidden and sum(sizes.get(v, 0) for v in hidden) < min_group and visible:
        hidden.add(visible.pop(0)[3])
    return hidden


def welch_anova(groups: list[np.ndarray]) -> dict[str, float]:
    r"""Welch's one-way ANOVA (unequal variances).

    With :math:`w_i = n_i / s_i^2`, :math:`m = \sum w_i \bar x_i / \sum w_i` and
    :math:`\lambda = \sum (1 - w_i/\sum w)^2 / (n_i - 1)`:

    .. math:: F = \frac{\sum w_i (\bar x_i - m)^2 / (k-1)}{1 + 2(k-2)\lambda/(k^2-1)},
              \quad df_1 = k-1,\quad df_2 = \frac{k^2-1}{3\lambda}

    In R: ``oneway.test(x ~ g, var.equal = FALSE)``.
    """
    return welch_anova_of([summary(g) for g in groups])


def welch_anova_of(summaries: list[tuple[int, float, float]]) -> dict[str, float]:
    """Welch's ANOVA from each group's (n, mean, SD)."""
    k = len(summaries)
    n, means, sds = (np.array(column, dtype=float) for column in zip(*summaries, strict=True))
    variances = sds**2
    if k < 2 or (n < 2).any() or (variances == 0).any():
        return {"f": NAN, "df1": NAN, "df2": NAN, "p_value": NAN}
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
    return welch_t_of(summary(a), summary(b))


def welch_t_of(a: tuple[int, float, float], b: tuple[int, float, float]) -> dict[str, float]:
    """Welch's t-test from the two groups' (n, mean, SD)."""
    (na, ma, sa), (nb, mb, sb) = a, b
    if na < 2 or nb < 2:
        return {"t": NAN, "df": NAN, "p_value": NAN}
    va, vb = sa**2 / na, sb**2 / nb
    if va + vb == 0:
        return {"t": NAN, "df": NAN, "p_value": NAN}
    t = (ma - mb) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    return {"t": float(t), "df": float(df), "p_value": float(2 * special.stdtr(df, -abs(t)))}


def kruskal_wallis(groups: list[np.ndarray]) -> dict[str, float]:
    r"""Kruskal-Wallis rank-sum test, with the correction for ties.

    .. math:: H = \frac{\frac{12}{N(N+1)}\sum_i R_i^2/n_i - 3(N+1)}{1 - \sum_j (t_j^3 - t_j)/(N^3 - N)}

    on :math:`k - 1` degrees of freedom. In R: ``kruskal.test(x ~ g)``.
    """
    values, position = np.unique(np.concatenate(groups), return_inverse=True)
    group = np.repeat(np.arange(len(groups)), [g.size for g in groups])
    table = np.bincount(group * len(values) + position, minlength=len(groups) * len(values))
    return kruskal_wallis_of(table.reshape(len(groups), len(values)))


def kruskal_wallis_of(table: np.ndarray) -> dict[str, float]:
    """Kruskal-Wallis from a frequency table: ``table[i, v]`` respondents of group i have
    the v-th smallest value."""
    table = np.asarray(table, dtype=float)
    sizes = table.sum(axis=1)
    ties = table.sum(axis=0)
    total = float(sizes.sum())
    if len(table) < 2 or total < 2:
        return {"h": NAN, "df": NAN, "p_value": NAN}
    average_rank = np.cumsum(ties) - ties + (ties + 1) / 2
    rank_sums = table @ average_rank
    with np.errstate(invalid="ignore", divide="ignore"):
        h = 12 / (total * (total + 1)) * (rank_sums**2 / sizes).sum() - 3 * (total + 1)
    correction = 1 - (ties**3 - ties).sum() / (total**3 - total)
    h = h / correction if correction > 0 else NAN
    df = len(table) - 1
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
    tables: dict[str, tuple[np.ndarray, np.ndarray]],
    categories: list[Any],
    min_group: int = 5,
    section: str = "gap",
    missing: str = "exclude",
) -> SegmentResult:
    """Per group: size and, per dimension, the mean score with its 95% CI; per dimension,
    tests across the groups whose score of it is shown.

    Groups are hidden by :func:`suppressed_groups` on their sizes. Then, per dimension, by
    the same rule on the members with a score on it: a score with n below ``min_group`` is
    hidden, then the smallest others until the hidden scores (those of hidden groups
    included) hold at least ``min_group``. So the dimension's total, the sizes and the
    visible scores together give away nothing about fewer than ``min_group`` people.

    Respondents without a value (:data:`MISSING_VALUE`) form a group of their own with
    ``missing="group"``. With ``missing="exclude"`` they are left out of the groups and
    tests; their figures are still in the totals, so for the rule they count as a hidden
    group, and their number (``left_out``) is given unless it would tell the size of the
    other hidden groups: when exactly one is hidden, or several under ``min_group`` together.

    ``tables`` maps each dimension key to the frequency table of the respondents'
    scores of ``section`` (the gap, or perceptions without expectations) per group:
    ``(values, counts)`` with ``counts[g, v]`` the respondents of group g whose score is
    ``values[v]``, and a last column for those without a score. ``categories`` are the
    groups' values in order (:func:`segment_codes`).
    """
    sizes_array = next(iter(tables.values()))[1].sum(axis=1)
    if missing not in SEGMENT_MISSING:
        raise ValueError(f"missing must be one of {SEGMENT_MISSING}, not {missing!r}")
    sizes = {value: int(n) for value, n in zip(categories, sizes_array, strict=True) if n}
    excluded = {MISSING_VALUE} & sizes.keys() if missing == "exclude" else set()
    hidden = suppressed_groups(sizes, min_group, excluded)
    counted = [(g, value) for g, value in enumerate(categories) if value in sizes]
    present = [(g, value) for g, value in counted if value not in excluded]
    shown = [(g, value) for g, value in present if value not in hidden]

    stats = {
        key: [table_summary(values, counts[g, :-1]) for g in range(len(categories))]
        for key, (values, counts) in tables.items()
    }
    # Per dimension, the groups whose score is hidden: by the members with a score on it.
    hidden_scores = {}
    for key in tables:
        answered = {value: stats[key][g][0] for g, value in counted if stats[key][g][0]}
        hidden_scores[key] = suppressed_groups(answered, min_group, hidden & answered.keys())
    groups = []
    for g, value in present:
        if value in hidden:
            groups.append(SegmentGroup(value=value, suppressed=True, n=None, dimensions={}))
            continue
        dimensions = {}
        for key in tables:
            n, mean, sd = stats[key][g]
            if value in hidden_scores[key] or n < min_group:
                dimensions[key] = HIDDEN_SCORE
            else:
                dimensions[key] = GroupScore(n=n, mean=mean, ci95=ci_of_mean(n, mean, sd), sd=sd)
        groups.append(SegmentGroup(value=value, suppressed=False, n=sizes[value], dimensions=dimensions))

    tests: dict[str, SegmentTest | None] = {}
    for key, (_, counts) in tables.items():
        scored = [(g, value) for g, value in shown if value not in hidden_scores[key] and stats[key][g][0] >= min_group]
        if len(scored) < 2:
            tests[key] = None
            continue
        summaries = [stats[key][g] for g, _ in scored]
        parametric: WelchT | WelchAnova = (
            WelchT(**welch_t_of(*summaries)) if len(scored) == 2 else WelchAnova(**welch_anova_of(summaries))
        )
        pairs = list(combinations(range(len(scored)), 2))
        raw = [welch_t_of(summaries[i], summaries[j])["p_value"] for i, j in pairs]
        adjusted = holm(raw) if pairs else []
        tests[key] = SegmentTest(
            parametric=parametric,
            kruskal_wallis=KruskalWallis(**kruskal_wallis_of(counts[[g for g, _ in scored], :-1])),
            pairwise=tuple(
                PairwiseTest(a=scored[i][1], b=scored[j][1], p_value=p, p_holm=q)
                for (i, j), p, q in zip(pairs, raw, adjusted, strict=True)
            ),
        )
    left_out: int | None = sizes[MISSING_VALUE] if excluded else 0
    others = hidden - excluded
    if excluded and others and (len(others) == 1 or sum(sizes[v] for v in others) < min_group):
        left_out = None
    return SegmentResult(
        min_group=min_group,
        section=section,
        groups=tuple(groups),
        tests=tests,
        missing=missing,
        left_out=left_out,
    )
