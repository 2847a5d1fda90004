"""Sums over sets of items and over single columns, which add up over parts of a table.

A customer process is a set of items; the diagnosis needs, per section, the n, mean and SD
of the respondents' scores over each set (the mean of the set's items they answered), and
of each importance column. Both follow from three sums that add up over parts: the number
of scores, their sum and their sum of squares. So a web wave's stored sums per batch carry
them, and the diagnosis of 200,000 customers reads none of their answers again
(``servqual.web.dashboards.sums``).

Computed by polars over the response table, not from the answer matrices: at a million
customers the matrices and their row means took 2.3 s, this about a tenth
(benchmarks/bench_analyze.py --gaps, docs/performance.md); the same figures as from the
matrices (tests/analysis/test_diagnosis.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from servqual.analysis._inference import NAN
from servqual.analysis._results import Figures
from servqual.instruments import Instrument

#: The name of an item set's sums in a section: ``"gap/delivery"``.
SEPARATOR = "/"


def set_name(section: str, key: str) -> str:
    return f"{section}{SEPARATOR}{key}"


def item_set_sums(
    table: pl.DataFrame, instrument: Instrument, sections: Sequence[str], item_sets: Mapping[str, Sequence[int]]
) -> dict[str, np.ndarray]:
    """Per section and item set (item numbers): the number, sum and sum of squares of the
    respondents' scores over the set's items of the section (``"gap"``: P - E per item),
    each score the mean of the items answered after reverse scoring, as
    :func:`~servqual.analysis.respondent_dimension_scores`. Named :func:`set_name`."""
    if not item_sets or not sections:
        return {}
    flip = instrument.scale.min + instrument.scale.max
    reverse = {instrument.items[j].number for j in instrument.reverse_positions}
    numbers = [i.number for i in instrument.items]
    used = sorted({number for item_set in item_sets.values() for number in item_set})
    asked = [*(["expectation", "perception"] if "gap" in sections else []), *(s for s in sections if s != "gap")]

    def answer(section: str, number: int) -> pl.Expr:
        column = pl.col(instrument.columns(section)[numbers.index(number)])
        return (flip - column if number in reverse else column).alias(f"{section}.{number}")

    def mean_of(columns: list[str]) -> pl.Expr:
        """The mean of the answered columns, null when none: sums of the answers as they
        are stored (whole points in 16 bits), half the time of casting each to floats."""
        answered = pl.sum_horizontal([pl.col(c).is_not_null() for c in columns])
        return pl.when(answered > 0).then(pl.sum_horizontal(columns).cast(pl.Float64) / answered)

    # Each answer once, then the gaps, then each set's row means, then their sums: lazy
    # steps (one select with every set's own items took ten times as long).
    scores = table.lazy().select([answer(s, n) for s in dict.fromkeys(asked) for n in used])
    if "gap" in sections:
        scores = scores.with_columns(
            [(pl.col(f"perception.{n}") - pl.col(f"expectation.{n}")).alias(f"gap.{n}") for n in used]
        )
    names = [set_name(section, key) for section in sections for key in item_sets]
    scores = scores.select(
        [
            mean_of([f"{section}.{n}" for n in ns]).alias(set_name(section, key))
            for section in sections
            for key, ns in item_sets.items()
        ]
    )
    return _sums_of(scores, names)


def column_sums(table: pl.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Per column: the number of its values given, their sum and their sum of squares."""
    return _sums_of(table.lazy().select([pl.col(c).cast(pl.Float64) for c in columns]), list(columns))


def _sums_of(frame: pl.LazyFrame, names: list[str]) -> dict[str, np.ndarray]:
    row = (
        frame.select(
            [
                aggregate
                for name in names
                for aggregate in (
                    pl.col(name).count().cast(pl.Float64).alias(f"{name}.n"),
                    pl.col(name).sum().alias(f"{name}.sum"),
                    (pl.col(name) ** 2).sum().alias(f"{name}.squares"),
                )
            ]
        )
        .collect()
        .row(0, named=True)
    )
    return {name: np.array([row[f"{name}.n"], row[f"{name}.sum"], row[f"{name}.squares"]]) for name in names}


def figures_of(sums: np.ndarray) -> Figures:
    r"""n, mean and SD (n - 1) from the number, sum and sum of squares of some values.

    .. math:: \bar x = \frac{\sum x}{n}, \quad s = \sqrt{\frac{\sum x^2 - n \bar x^2}{n - 1}}

    In R: ``c(length(x), mean(x), sd(x))``.
    """
    n, total, squares = (float(v) for v in sums)
    if n == 0:
        return Figures(0, NAN, NAN)
    mean = total / n
    sd = float(np.sqrt(max(squares - n * mean * mean, 0.0) / (n - 1))) if n > 1 else NAN
    return Figures(int(n), mean, sd)
