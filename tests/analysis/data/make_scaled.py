"""Write half300.csv (a 1..7 scale in steps of 0.5) and slider300.csv (a 0..100 slider,
one decimal) from study300.csv: the same respondents, each answer moved by a little
seeded noise, so that the figures of steps and sliders are pinned to R
(tests/analysis/reference.R) on data with the structure of a real survey.

    .venv/bin/python tests/analysis/data/make_scaled.py
"""

from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).parent
ANSWERS = [f"{section}{i}" for section in "EP" for i in range(1, 23)]


def main() -> None:
    study = pl.read_csv(HERE / "study300.csv")
    rng = np.random.default_rng(20261206)
    answers = study.select(ANSWERS).to_numpy().astype(float)
    half = np.clip(answers + rng.choice([-0.5, 0.0, 0.5], size=answers.shape), 1, 7)
    slider = np.round(np.clip((answers - 1) / 6 * 100 + rng.normal(0, 6, size=answers.shape), 0, 100), 1)
    for name, values in (("half300", half), ("slider300", slider)):
        frame = study.with_columns(pl.Series(c, values[:, j], nan_to_null=True) for j, c in enumerate(ANSWERS))
        frame.write_csv(HERE / f"{name}.csv")


if __name__ == "__main__":
    main()
