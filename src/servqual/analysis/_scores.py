"""Item and dimension scores of expectations (E), perceptions (P) and the gap P - E."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from servqual.io import ResponseSet

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
    """Scores per item and dimension; ``to_dict()`` gives the documented JSON."""

    instrument: str
    n_respondents: int
    #: dimension key -> section (expectation, perception, minimum, gap) -> n, mean, sd
    dimensions: dict[str, dict[str, dict[str, float | int]]]
    #: one entry per item: item, dimension, n, and <section>_mean / _sd / _n per section
    items: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "n_respondents": self.n_respondents,
            "dimensions": self.dimensions,
            "items": self.items,
        }


def analyze(responses: ResponseSet) -> AnalysisResult:
    """Item and dimension means, SDs and counts of E, P and the gap P - E."""
    instrument = responses.instrument
    scored = _with_gap(scored_answers(responses))
    dimensions = {
        key: {
            section: _summary(respondent_dimension_scores(matrix, instrument.item_positions(key)))
            for section, matrix in scored.items()
        }
        for key in instrument.dimension_keys
    }
    items = []
    for j, item in enumerate(instrument.items):
        entry: dict[str, Any] = {"item": item.number, "dimension": item.dimension}
        for section, matrix in scored.items():
            for name, value in _summary(matrix[:, j]).items():
                entry[f"{section}_{name}"] = value
        # n of the headline figure: the gap, else the adequacy gap, else the only section
        entry["n"] = entry.get(f"{GAP}_n", entry.get(f"{ADEQUACY}_n", entry[f"{next(iter(scored))}_n"]))
        items.append(entry)
    return AnalysisResult(instrument.key, responses.n_respondents, dimensions, items)
