from __future__ import annotations

from pathlib import Path

import pytest

import servqual

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "docs" / "examples"
STUDIES = {
    # the standard instrument, with a segment where two branches fall under the threshold of 30
    "servqual-22": (ROOT / "tests" / "analysis" / "data" / "study300.csv", "servqual-22", ["branch"], 30),
    "servqual-3col": (EXAMPLES / "three-column-responses.csv", "servqual-3col", [], 5),
    "webshop-6": (EXAMPLES / "custom-responses.csv", EXAMPLES / "custom-instrument.toml", ["channel"], 5),
}


def analysed(name: str):
    path, instrument, segments, min_group = STUDIES[name]
    responses = servqual.read_responses(path, instrument, progress=False)
    return responses, servqual.analyze(responses, segments=segments, min_group=min_group)


@pytest.fixture(scope="session", params=list(STUDIES))
def study(request):
    """(responses, result) of each kind of instrument: standard, three-column, custom."""
    return analysed(request.param)


@pytest.fixture(scope="session")
def study300():
    return analysed("servqual-22")


@pytest.fixture(scope="session")
def three_column():
    return analysed("servqual-3col")


#: A segment value that is a spreadsheet formula, HTML and typst code at once.
HOSTILE_BRANCH = '=HYPERLINK("http://x") <img src=x onerror=alert(1)> #"]; #panic()'


@pytest.fixture(scope="session")
def hostile_study():
    """study300 with the branch Utrecht renamed to a hostile text."""
    import polars as pl

    path = STUDIES["servqual-22"][0]
    frame = pl.read_csv(path).with_columns(
        pl.when(pl.col("branch") == "Utrecht").then(pl.lit(HOSTILE_BRANCH)).otherwise(pl.col("branch")).alias("branch")
    )
    responses = servqual.read_responses(frame, progress=False)
    return responses, servqual.analyze(responses, segments=["branch"])


@pytest.fixture(scope="session")
def one_answered_tangibles():
    """Four branches that all meet the threshold of 5; in Gouda (25) only the first member
    answered the tangibles statements, so Gouda's tangibles score (and, to keep it from
    following by subtraction, Delft's) is hidden while the group is shown."""
    import pandas as pd

    from servqual.io.synthetic import generate_study

    sizes = {"Breda": 40, "Delft": 30, "Ede": 35, "Gouda": 25}
    frame = pd.DataFrame(generate_study(sum(sizes.values()), seed=3))
    frame["branch"] = [value for value, n in sizes.items() for _ in range(n)]
    frame.loc[frame.index[frame["branch"] == "Gouda"][1:], [f"{s}{i}" for s in "EP" for i in range(1, 5)]] = None
    responses = servqual.read_responses(frame, progress=False)
    return responses, servqual.analyze(responses, segments=["branch"])
