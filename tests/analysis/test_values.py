"""Scales with a step and sliders (issue 13, point 2): every figure from the values as given.

Answers that are not whole points are analysed by :func:`value_totals` instead of by
answer patterns. Both ways must give the same figures where both apply (whole points),
so here every figure of ``analyze`` is compared between them; tests/analysis/
test_against_r.py pins steps and sliders to R on half300.csv and slider300.csv.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import servqual
from servqual.analysis import analyze
from servqual.errors import ServqualError
from servqual.instruments import instrument_from_text, load_instrument
from servqual.io.synthetic import generate_study

DATA = Path(__file__).parent / "data"
ACCOUNTED = Path(__file__).parent.parent / "fixtures" / "accounted"


def figures(result, path="result"):
    """Every figure of a result, by its path (``result.dimensions[reliability].scores...``)."""
    if dataclasses.is_dataclass(result):
        found = {}
        for field in dataclasses.fields(result):
            found.update(figures(getattr(result, field.name), f"{path}.{field.name}"))
        return found
    if isinstance(result, dict):
        return {k: v for key, value in result.items() for k, v in figures(value, f"{path}[{key}]").items()}
    if isinstance(result, list | tuple):
        return {k: v for i, value in enumerate(result) for k, v in figures(value, f"{path}[{i}]").items()}
    return {path: result}


def as_slider(responses):
    """The same responses, with the instrument's scale declared continuous: the answers
    (whole points) then go through the values as given instead of the patterns."""
    instrument = dataclasses.replace(
        responses.instrument, scale=dataclasses.replace(responses.instrument.scale, step=None)
    )
    return dataclasses.replace(responses, instrument=instrument)


@pytest.mark.parametrize("instrument", ["servqual-22", "servqual-22-1988", "servqual-3col", "servperf"])
def test_the_values_as_given_give_the_figures_of_the_answer_patterns(instrument):
    """Every figure (scores, tests, reliability, CFA, segments, zone, weights, IPA,
    warnings) agrees to 1e-11 between the two ways, for every built-in instrument:
    reverse-scored items, three columns, importance points, two segment columns."""
    responses = servqual.read_responses(pd.DataFrame(generate_study(700, instrument, seed=5)), instrument)
    options = {"segments": ["branch", "channel"], "cfa": ["perception", "gap"], "min_answers": 3}
    by_patterns, by_values = figures(analyze(responses, **options)), figures(analyze(as_slider(responses), **options))
    assert by_values.keys() == by_patterns.keys()
    numbers = 0
    for path, expected in by_patterns.items():
        got = by_values[path]
        if isinstance(expected, float):
            numbers += 1
            assert got == pytest.approx(expected, rel=1e-11, abs=1e-12, nan_ok=True), path
        else:
            assert got == expected, path
    assert numbers > 500


def test_a_half_point_scale_keeps_every_half():
    """decimals.csv has halves in most answers: refused on whole points (test_accounted),
    every answer kept on a scale in steps of 0.5, and the means are those of the halves."""
    half = load_instrument(DATA / "half.toml")
    responses = servqual.read_responses(ACCOUNTED / "decimals.csv", half, progress=False)
    assert responses.report.total_rejected == 0
    frame = pd.read_csv(ACCOUNTED / "decimals.csv")
    result = analyze(responses)
    assert result.items[0].scores["perception"].mean == pytest.approx(frame["P1"].mean(), rel=1e-12)
    assert {w.code for w in result.warnings}.isdisjoint({"answers_rejected", "not_whole"})


def test_answers_between_the_steps_are_named_and_left_out(tmp_path):
    quarter = DATA / "half300.csv"
    frame = pd.read_csv(quarter)
    frame.loc[3, "P1"] = 5.25
    frame.loc[7, "E2"] = 7.5
    path = tmp_path / "quarter.csv"
    frame.to_csv(path, index=False)
    responses = servqual.read_responses(path, DATA / "half.toml", progress=False)
    messages = [str(issue) for issue in responses.report.issues]
    assert "quarter.csv row 5 column P1: 5.25 is not a point of the scale (steps of 0.5); treated as missing" in (
        messages
    )
    assert "quarter.csv row 9 column E2: 7.5 is outside 1..7; treated as missing" in messages
    assert math.isnan(responses.answers["perception"][3, 0])


def test_a_slider_takes_any_value_in_its_range(tmp_path):
    path = tmp_path / "slider.csv"
    frame = pd.read_csv(DATA / "slider300.csv")
    frame.loc[0, "P1"], frame.loc[1, "P1"] = 33.333, 100.5
    frame.to_csv(path, index=False)
    responses = servqual.read_responses(path, DATA / "slider.toml", progress=False)
    assert responses.answers["perception"][0, 0] == 33.333
    assert math.isnan(responses.answers["perception"][1, 0])
    assert [str(i) for i in responses.report.issues] == [
        "slider.csv row 3 column P1: 100.5 is outside 0..100; treated as missing"
    ]
    # A slider's ends are seldom hit exactly: no note that the scale does not fit.
    assert responses.report.scale_unused == []


def test_a_slider_is_analysed_from_its_values():
    responses = servqual.read_responses(DATA / "slider300.csv", DATA / "slider.toml", progress=False)
    result = analyze(responses, segments=["branch"])
    frame = pd.read_csv(DATA / "slider300.csv")
    gaps = frame[[f"P{i}" for i in range(5, 10)]].to_numpy() - frame[[f"E{i}" for i in range(5, 10)]].to_numpy()
    with np.errstate(invalid="ignore"):
        scores = np.nanmean(gaps, axis=1)
    assert result.dimensions["reliability"].scores["gap"].mean == pytest.approx(np.nanmean(scores), rel=1e-12)
    amsterdam = next(g for g in result.segments["branch"].groups if g.value == "Amsterdam")
    chosen = (frame["branch"] == "Amsterdam").to_numpy() & ~np.isnan(scores)
    assert amsterdam.dimensions["reliability"].mean == pytest.approx(scores[chosen].mean(), rel=1e-12)
    assert amsterdam.dimensions["reliability"].n == chosen.sum()


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        (
            "min = 1\nmax = 7\nstep = 0.35",
            "x.toml: steps of 0.35 do not divide 1..7 into at most 10001 points",
        ),
        ("min = 0\nmax = 100\nstep = 0", "x.toml: the scale's step must be a number above 0, not 0"),
        (
            "min = 0\nmax = 100\nstep = 0.5\ncontinuous = true",
            "x.toml: a continuous scale has no step; give one of the two",
        ),
        (
            "min = 0\nmax = 200",
            "x.toml: a scale of whole points spans at most 100 (got 0..200); a slider is continuous = true",
        ),
    ],
)
def test_a_scale_that_cannot_be_is_refused(scale, message):
    with pytest.raises(ServqualError) as caught:
        instrument_from_text(f'based_on = "servqual-22"\nkey = "x"\n[scale]\n{scale}\n', "x.toml")
    assert str(caught.value) == message


def test_the_scale_is_described_in_both_languages():
    from servqual.report.text import instrument_text

    half, slider = load_instrument(DATA / "half.toml"), load_instrument(DATA / "slider.toml")
    assert "Scale: 1 to 7 in steps of 0.5" in instrument_text(half, "en")
    assert "Schaal: 1 tot en met 7 in stappen van 0,5" in instrument_text(half, "nl")
    assert "Scale: 0 to 100, any value (a slider)" in instrument_text(slider, "en")
    assert "Schaal: 0 tot en met 100, elke waarde (een schuifregelaar)" in instrument_text(slider, "nl")
    assert slider.to_dict()["scale"]["continuous"] is True
