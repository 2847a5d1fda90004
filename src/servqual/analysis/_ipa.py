"""Importance-performance analysis (Martilla & James, 1977).

Each dimension (stated importance: the 100-point allocation) and each item (derived
importance: its correlation with the overall perception score) is placed against its
performance (mean perception), split at the means into four quadrants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
    answered = ~np.isnan(perception)
    count = answered.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(answered, perception, 0.0).sum(axis=1) / count
    result = []
    for j in range(perception.shape[1]):
        both = answered[:, j] & (count > 0)
        x, y = perception[both, j], overall[both]
        if x.size < 3 or x.std() == 0 or y.std() == 0:
            result.append(float("nan"))
        else:
            result.append(float(np.corrcoef(x, y)[0, 1]))
    return result


def importance_performance(
    dimension_keys: list[str],
    weights: list[float | None],
    dimension_performance: list[float],
    item_numbers: list[int],
    perception: np.ndarray,
) -> dict[str, Any]:
    """The IPA grid for dimensions (stated importance) and items (derived importance)."""
    stated = [np.nan if w is None else w for w in weights]
    item_performance = [float(np.nanmean(c)) if (~np.isnan(c)).any() else float("nan") for c in perception.T]
    derived = derived_importance(perception)
    return {
        "dimensions": [
            {"dimension": key, "importance": None if w is None else w, "performance": perf, "quadrant": q}
            for key, w, perf, q in zip(
                dimension_keys, weights, dimension_performance, quadrants(stated, dimension_performance), strict=True
            )
        ]
        if any(w is not None for w in weights)
        else [],
        "items": [
            {"item": number, "importance": imp, "performance": perf, "quadrant": q}
            for number, imp, perf, q in zip(
                item_numbers, derived, item_performance, quadrants(derived, item_performance), strict=True
            )
        ],
    }
