from __future__ import annotations

import numpy as np

from servqual.io.synthetic import generate_study


def test_it_is_reproducible_and_realistic():
    a, b = generate_study(500, seed=7), generate_study(500, seed=7)
    assert all(
        np.array_equal(a[k], b[k], equal_nan=True) if a[k].dtype.kind == "f" else (a[k] == b[k]).all() for k in a
    )
    points = np.column_stack([a[c] for c in ("W_TAN", "W_REL", "W_RES", "W_ASS", "W_EMP")])
    given = ~np.isnan(points).any(axis=1)
    assert (points[given].sum(axis=1) == 100).all()
    assert (points[given] % 5 == 0).all()
    answers = np.column_stack([a[f"P{i}"] for i in range(1, 23)])
    assert set(np.unique(answers[~np.isnan(answers)])) <= set(range(1, 8))
    assert 0.01 < np.isnan(answers).mean() < 0.03
    assert set(a["branch"]) <= {"Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"}
