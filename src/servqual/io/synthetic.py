"""Realistic synthetic studies: the demo's data, and test and benchmark fixtures.

Answers follow a five-factor model per section: respondent r's answer to item i of
dimension d is ``round(mu_section_d + loading * f_rd + noise)``, clipped to the scale,
with the factors correlated (as customers' views of the dimensions are). Expectations
sit high and tight; perceptions lower and wider, so gaps are mostly negative, largest
for reliability and smallest for tangibles, as published SERVQUAL studies tend to find.

A managers' or employees' study (``servqual-managers``, ``servqual-employees``) has the
branch only, its sections as the customers' (managers predict expectations a little low
on reliability; employees see the service rosier than customers: the mirror), and factor
items around a factor score per respondent. Gap 3 is planted in Rotterdam: its employees
score teamwork and perceived control far lower, as its customers rate the service lower,
reliability most of all.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from servqual.instruments import Instrument, load_instrument

#: Mean expectation and perception per dimension on a 1..7 scale (rescaled for others).
_EXPECTATION = {"tangibles": 5.4, "reliability": 6.3, "responsiveness": 6.0, "assurance": 6.1, "empathy": 5.6}
_PERCEPTION = {"tangibles": 5.2, "reliability": 4.6, "responsiveness": 4.8, "assurance": 5.3, "empathy": 4.9}
_IMPORTANCE = {"tangibles": 11, "reliability": 32, "responsiveness": 22, "assurance": 19, "empathy": 16}
SEGMENTS = {
    "branch": (["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"], [0.3, 0.25, 0.2, 0.15, 0.1]),
    "channel": (["phone", "desk", "web"], [0.35, 0.25, 0.4]),
}
#: How much a segment value moves perceptions (the demo has something to find).
_SEGMENT_SHIFT = {"Rotterdam": -0.35, "Eindhoven": 0.25, "web": -0.2, "desk": 0.2}
#: And on one dimension only: Rotterdam's customers find the service less reliable still
#: (with its staff's low teamwork and perceived control: gap 3 planted).
_DIMENSION_SHIFT = {("Rotterdam", "reliability"): -0.5}
#: Managers' predictions of customers' expectations (gap 1: reliability underestimated).
_MANAGERS_EXPECTATION = {**_EXPECTATION, "reliability": 5.5, "responsiveness": 5.7}
#: Employees' view of the service: rosier than the customers' (the mirror).
_EMPLOYEES_PERCEPTION = {key: value + 0.6 for key, value in _PERCEPTION.items()}
#: Mean factor score (1..7) of every factor, and the planted causes: (branch, factor) -> shift.
_FACTOR_MEAN = 5.0
_FACTOR_SHIFT = {("Rotterdam", "teamwork"): -2.0, ("Rotterdam", "perceived_control"): -2.0}
#: What employees write in the open question, now and then.
_OPEN_ANSWERS = ["More time per customer", "Fewer systems to switch between", "Meer tijd per klant"]


def generate_study(
    n_respondents: int = 400,
    instrument: str | Instrument = "servqual-22",
    *,
    seed: int = 0,
    missing_rate: float = 0.02,
) -> dict[str, Any]:
    """A synthetic study in the canonical layout, as a dict of column name -> array.

    Columns: ``respondent_id``, the segment columns ``branch`` and ``channel``, the
    answer columns of the instrument's sections, and the importance columns.
    """
    if not isinstance(instrument, Instrument):
        instrument = load_instrument(instrument)
    rng = np.random.default_rng(seed)
    n = n_respondents
    low, high, step = instrument.scale.min, instrument.scale.max, instrument.scale.step
    stretch = (high - low) / 6.0
    keys = instrument.dimension_keys
    dims = len(keys)

    customers = instrument.audience == "customer"
    columns: dict[str, Any] = {"respondent_id": np.array([f"R{i + 1:07d}" for i in range(n)])}
    shift = np.zeros(n)
    for name, (values, weights) in SEGMENTS.items():
        if not customers and name != "branch":
            continue
        chosen = rng.choice(len(values), size=n, p=weights)
        columns[name] = np.array(values)[chosen]
        shift += np.array([_SEGMENT_SHIFT.get(v, 0.0) for v in values])[chosen]

    correlation = np.full((dims, dims), 0.55) + 0.45 * np.eye(dims)
    item_dim: npt.NDArray[np.intp] = np.array([keys.index(item.dimension) for item in instrument.items])

    def section(means: dict[str, float], spread: float, extra: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        factors = rng.multivariate_normal(np.zeros(dims), correlation, size=n)
        loading = rng.uniform(0.6, 0.85, size=len(item_dim))
        centre = np.array([means.get(k, 5.0) for k in keys])[item_dim]
        raw = (
            (centre - 1) * stretch
            + low
            + spread
            * stretch
            * (loading * factors[:, item_dim] + np.sqrt(1 - loading**2) * rng.standard_normal((n, len(item_dim))))
        )
        if extra.ndim == 1:
            extra = extra[:, None]
        points: npt.NDArray[np.float64] = np.clip(_to_points(raw + extra * stretch, low, step), low, high)
        return points

    answers = {}
    if "expectation" in instrument.sections:
        answers["expectation"] = section(_EXPECTATION if customers else _MANAGERS_EXPECTATION, 0.75, np.zeros(n))
    if "perception" in instrument.sections:
        perceived = shift[:, None] + np.zeros(len(item_dim))
        if customers and "branch" in columns:
            for (branch, dimension), moved in _DIMENSION_SHIFT.items():
                if dimension in keys:
                    perceived[np.ix_(columns["branch"] == branch, item_dim == keys.index(dimension))] += moved
        answers["perception"] = section(_PERCEPTION if customers else _EMPLOYEES_PERCEPTION, 1.15, perceived)
    if "minimum" in instrument.sections:
        answers["minimum"] = np.minimum(
            section({k: v - 1.5 for k, v in _EXPECTATION.items()}, 0.8, np.zeros(n)), answers["expectation"]
        )
    for name, matrix in answers.items():
        if instrument.reverse_positions:  # negatively worded items are answered the other way round
            matrix[:, instrument.reverse_positions] = low + high - matrix[:, instrument.reverse_positions]
        matrix[rng.random(matrix.shape) < missing_rate] = np.nan
        for j, column in enumerate(instrument.columns(name)):
            columns[column] = matrix[:, j]

    if instrument.importance:
        alpha = np.array([_IMPORTANCE.get(k, 100 / dims) for k in keys]) / 4
        points = _hundred(rng.dirichlet(alpha, size=n) * 100)
        points[rng.random(n) < missing_rate * 2] = np.nan
        for j, column in enumerate(instrument.importance_columns):
            columns[column] = points[:, j]
    for factor in instrument.factors:
        planted = np.array([_FACTOR_SHIFT.get((branch, factor.key), 0.0) for branch in columns["branch"]])
        score = _FACTOR_MEAN + planted + 0.9 * rng.standard_normal(n)
        raw = (score[:, None] - 1) * stretch + low + 0.8 * stretch * rng.standard_normal((n, len(factor.items)))
        matrix = np.clip(_to_points(raw, low, step), low, high)
        reverse = factor.reverse_positions  # reverse-keyed statements are answered the other way round
        matrix[:, reverse] = low + high - matrix[:, reverse]
        matrix[rng.random(matrix.shape) < missing_rate] = np.nan
        for j, column in enumerate(factor.columns):
            columns[column] = matrix[:, j]
    for question in instrument.open_questions:
        said = rng.random(n) < 0.3
        columns[question.column] = np.where(said, rng.choice(_OPEN_ANSWERS, size=n), "")
    return columns


def _to_points(values: np.ndarray, low: int, step: float | None) -> np.ndarray:
    """Values rounded to the scale's points; a slider's to two decimals, as exports write them."""
    if step is None:
        return np.round(values, 2)
    points: np.ndarray = np.rint(values) if step == 1 else low + np.rint((values - low) / step) * step
    return points


def _hundred(shares: np.ndarray) -> np.ndarray:
    """Round each row to multiples of 5 that still add up to exactly 100 (as people do)."""
    fives = np.floor(shares / 5)
    short = 20 - fives.sum(axis=1).astype(int)
    remainder = shares / 5 - fives
    order = np.argsort(-remainder, axis=1)
    rows = np.arange(len(shares))
    for k in range(shares.shape[1]):
        fives[rows, order[:, k]] += k < short
    return fives * 5


def write_csv(columns: dict[str, Any], path: Any) -> None:
    """Write a generated study as a canonical CSV (UTF-8, comma, blank = no answer)."""
    import polars as pl

    frame = pl.DataFrame(columns)
    frame = frame.with_columns(
        pl.col(pl.Float64).fill_nan(None).cast(pl.Int64),
        # an open question left empty is a blank field, as the answers are (not a quoted "")
        pl.col(pl.String).replace("", None),
    )
    frame.write_csv(path)
