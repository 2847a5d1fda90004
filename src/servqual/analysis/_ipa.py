"""Importance-performance analysis (Martilla & James, 1977).

Each dimension (stated importance: the 100-point allocation) and each item (derived
importance: its correlation with the overall perception score) is placed against its
performance (mean perception), split at the means into four quadrants.
"""

from __future__ import annotations

import numpy as np

from servqual.analysis._results import DimensionPoint, ImportancePerformance, ItemPoint

#: (importance high?, performance high?) -> quadrant key
QUADRANTS = {
    (True, False): "concentrate_here",
    (True, True): "keep_up",
    (False, False): "low_priority",
    (False, True): "possible_overkill",
}


def quadrants(importance: list[float], performance: list[float]) -> list[str | None]:
    """Quadrant of each point, split at the mean importance and mean performance
    (a point on a line counts as high). None where a coordinate is missing."""
    imp, perf = np.asarray(importance, dtype=float), np.asarray(performance, dtype=float)
    usable = ~np.isnan(imp) & ~np.isnan(perf)
    if not usable.any():
        return [None] * len(imp)
    split_i, split_p = imp[usable].mean(), perf[usable].mean()
    return [
        QUADRANTS[bool(i >= split_i), bool(p >= split_p)] if ok else None
        for i, p, ok in zip(imp, perf, usable, strict=True)
    ]


def derived_importance(perception: np.ndarray) -> list[float]:
    r"""Each item's correlation with the respondent's overall perception score (the mean
    of all answered perception items), over respondents with both.

    In R: ``cor(P[, i], rowMeans(P, na.rm = TRUE), use = "complete.obs")``.
    """
    present = ~np.isnan(perception)
    filled = np.where(present, perception, 0.0)
    weight = present.astype(np.float64)
    items = np.stack([weight.sum(axis=0), filled.sum(axis=0), (filled * filled).sum(axis=0)])
    return derived_importance_of(items, overall_sums(filled, weight, weight.sum(axis=1), filled.sum(axis=1)))


def overall_sums(filled: np.ndarray, present: np.ndarray, count: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Per item, over respondents who answered it: sum y, sum y^2 and sum xy, with x the
    item and y the overall score total / count (``filled`` has 0 for no answer,
    ``present`` 1 for an answer; ``count`` and ``total`` per respondent)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(count > 0, total / count, 0.0)
    return np.stack([present.T @ overall, present.T @ (overall * overall), filled.T @ overall])


def derived_importance_of(items: np.ndarray, overall: np.ndarray) -> list[float]:
    """The correlations from each item's n, sum x and sum x^2 (``items``) and
    :func:`overall_sums`; NaN below three respondents or where the item or the overall
    score does not vary."""
    (n, sx, sxx), (sy, syy, sxy) = items, overall
    with np.errstate(invalid="ignore", divide="ignore"):
        vx, vy = sxx - sx**2 / n, syy - sy**2 / n
        r = (sxy - sx * sy / n) / np.sqrt(vx * vy)
    # sums of squares of a constant leave rounding noise rather than zero
    flat = (vx <= 1e-12 * sxx) | (vy <= 1e-12 * syy)
    return [float("nan") if n_i < 3 or flat_i else float(r_i) for n_i, flat_i, r_i in zip(n, flat, r, strict=True)]


def importance_performance(
    dimension_keys: list[str],
    weights: list[float | None],
    dimension_performance: list[float],
    item_numbers: list[int],
    item_performance: list[float],
    derived: list[float],
) -> ImportancePerformance:
    """The IPA grid for dimensions (stated importance; none without importance points)
    and items (derived importance)."""
    stated = [np.nan if w is None else w for w in weights]
    dimensions = tuple(
        DimensionPoint(dimension=key, importance=w, performance=perf, quadrant=q)
        for key, w, perf, q in zip(
            dimension_keys, weights, dimension_performance, quadrants(stated, dimension_performance), strict=True
        )
    )
    items = tuple(
        ItemPoint(item=number, importance=imp, performance=perf, quadrant=q)
        for number, imp, perf, q in zip(
            item_numbers, derived, item_performance, quadrants(derived, item_performance), strict=True
        )
    )
    return ImportancePerformance(dimensions if any(w is not None for w in weights) else (), items)
