"""Scores checked against an independent pandas computation of the method spec's formulas
(respondent dimension score = mean of the answered items; gap = P - E per item)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import servqual
from servqual.analysis import ResultWarning, analyze
from servqual.instruments import load_instrument
from servqual.io.synthetic import generate_study

FIXTURES = __import__("pathlib").Path(__file__).parents[1] / "fixtures"


def test_dimension_means_follow_the_respondent_level_formula():
    frame = pd.read_csv(FIXTURES / "canonical.csv")
    result = analyze(servqual.read_responses(FIXTURES / "canonical.csv", progress=False))
    sq = load_instrument("servqual-22")
    for dimension in sq.dimensions:
        numbers = [item.number for item in sq.items if item.dimension == dimension.key]
        e = frame[[f"E{i}" for i in numbers]].to_numpy()
        p = frame[[f"P{i}" for i in numbers]].to_numpy()
        gap = pd.DataFrame(p - e).mean(axis=1, skipna=True)  # rowMeans(P - E, na.rm = TRUE)
        got = result.dimensions[dimension.key]
        assert got.scores["gap"].mean == pytest.approx(gap.mean(), abs=1e-12)
        assert got.scores["gap"].sd == pytest.approx(gap.std(ddof=1), abs=1e-12)
        assert got.scores["expectation"].mean == pytest.approx(pd.DataFrame(e).mean(axis=1).mean(), abs=1e-12)
        assert got.scores["perception"].n == int(pd.DataFrame(p).notna().any(axis=1).sum())
    item1 = result.items[0]
    assert item1.scores["gap"].mean == pytest.approx((frame["P1"] - frame["E1"]).mean(), abs=1e-12)
    assert item1.n == int((frame["P1"] - frame["E1"]).notna().sum())


def test_the_1988_negative_items_are_reverse_scored():
    columns = generate_study(300, "servqual-22-1988", seed=5)
    responses = servqual.read_responses(pd.DataFrame(columns), "servqual-22-1988")
    result = analyze(responses)
    raw = pd.DataFrame(columns)
    item10 = next(i for i in result.items if i.item == 10)
    assert item10.scores["perception"].mean == pytest.approx((8 - raw["P10"]).mean(), abs=1e-12)
    item1 = result.items[0]
    assert item1.scores["perception"].mean == pytest.approx(raw["P1"].mean(), abs=1e-12)
    # After scoring, all dimensions show the synthetic study's shortfall (negative gaps).
    assert all(d.scores["gap"].mean < 0 for d in result.dimensions.values())


def test_servperf_has_perceptions_only():
    responses = servqual.read_responses(pd.DataFrame(generate_study(50, "servperf", seed=1)), "servperf")
    result = analyze(responses).to_dict()
    assert result["sections"] == ["perception"]
    assert "gap" not in result["dimensions"]["empathy"]
    assert result["servqual"] is None
    assert result["n_respondents"] == 50


def test_a_respondent_without_answers_in_a_dimension_has_no_score_there():
    columns = generate_study(20, seed=2, missing_rate=0.0)
    for i in (1, 2, 3, 4):
        columns[f"P{i}"][0] = np.nan
    responses = servqual.read_responses(pd.DataFrame(columns))
    result = analyze(responses)
    assert result.dimensions["tangibles"].scores["perception"].n == 19
    assert result.dimensions["reliability"].scores["perception"].n == 20


def test_the_three_column_format_gives_adequacy_and_superiority_gaps():
    columns = generate_study(200, "servqual-3col", seed=8)
    result = analyze(servqual.read_responses(pd.DataFrame(columns), "servqual-3col"))
    raw = pd.DataFrame(columns)
    item = result.items[4]
    assert item.scores["adequacy"].mean == pytest.approx((raw["P5"] - raw["M5"]).mean(), abs=1e-12)
    assert item.scores["gap"].mean == pytest.approx((raw["P5"] - raw["E5"]).mean(), abs=1e-12)


def test_it_warns_about_low_alpha_small_samples_and_difference_scores():
    result = analyze(servqual.read_responses(FIXTURES / "canonical.csv", progress=False))
    codes = [w.code for w in result.warnings]
    assert "difference_scores" in codes
    low = [w for w in result.warnings if w.code == "low_alpha"]
    assert low and all(w.alpha is not None and w.alpha < 0.7 for w in low)
    assert {(w.dimension, w.section) for w in low} == {
        (k, s) for k, d in result.dimensions.items() for s, a in d.alpha.items() if a < 0.7
    }
    small = analyze(servqual.read_responses(pd.DataFrame(generate_study(12, seed=1))))
    assert ResultWarning("small_sample", n=12, threshold=30) in small.warnings


def test_stated_importance_places_dimensions_in_quadrants():
    result = analyze(servqual.read_responses(FIXTURES / "canonical.csv", progress=False))
    grid = {e.dimension: e for e in result.ipa.dimensions}
    mean_importance = np.mean([e.importance for e in grid.values()])
    assert mean_importance == pytest.approx(0.2)  # five shares of 100 points
    reliability = grid["reliability"]
    assert reliability.importance == pytest.approx(result.dimensions["reliability"].weight)
    assert reliability.quadrant == "concentrate_here"  # most important, lowest perception


def test_the_zone_of_tolerance_counts_perceptions_below_inside_and_above():
    columns = generate_study(300, "servqual-3col", seed=9)
    raw = pd.DataFrame(columns)
    result = analyze(servqual.read_responses(raw, "servqual-3col"))
    complete = raw[["M3", "E3", "P3"]].dropna()
    zone = result.items[2].zone
    assert zone.n == len(complete)
    assert zone.below == pytest.approx((complete["P3"] < complete["M3"]).mean(), abs=1e-12)
    assert zone.above == pytest.approx((complete["P3"] > complete["E3"]).mean(), abs=1e-12)
    assert zone.below + zone.inside + zone.above == pytest.approx(1)
    assert set(result.to_dict()["dimensions"]["empathy"]["zone"]) == {"n", "below", "inside", "above"}


def test_the_result_gives_tables_as_dataframes():
    result = servqual.analyze(servqual.read_responses(FIXTURES / "canonical.csv", progress=False))
    items = result.item_table()
    assert len(items) == 22 and items.loc[0, "gap_mean"] == result.items[0].scores["gap"].mean
    dims = result.dimension_table()
    assert len(dims) == 15  # five dimensions, three sections
    gap = dims[(dims.dimension == "empathy") & (dims.section == "gap")].iloc[0]
    assert gap["mean"] == result.dimensions["empathy"].scores["gap"].mean
    assert list(dims.columns[-2:]) == ["alpha", "omega_total"]


def test_a_desired_level_under_the_minimum_is_counted_once():
    from servqual.analysis import zone_of_tolerance

    zone = zone_of_tolerance(np.array([5.0, 3.0]), np.array([3.0, 6.0]), np.array([4.0, 4.0]))
    assert zone.to_dict() == {"n": 2, "below": 0.5, "inside": 0.5, "above": 0.0}


def test_an_instrument_without_perceptions_is_analysed(tmp_path):
    path = tmp_path / "wishes.toml"
    path.write_text(
        'key = "wishes"\nsections = ["expectation"]\n[scale]\nmin = 1\nmax = 5\n'
        '[[dimensions]]\nkey = "speed"\ncode = "SPD"\nname = { en = "Speed" }\n'
        + "".join(f'[[items]]\nnumber = {i}\ndimension = "speed"\ntext = {{ en = "Item {i}" }}\n' for i in (1, 2, 3)),
        encoding="utf-8",
    )
    frame = pd.DataFrame({"E1": [4, 5, 3, 4], "E2": [5, 5, 4, 4], "E3": [3, 4, 4, 5]})
    result = servqual.analyze(servqual.read_responses(frame, path))
    assert result.sections == ("expectation",)
    assert result.servperf is None and result.servqual is None
    assert result.dimensions["speed"].scores["expectation"].mean == pytest.approx(frame.mean(axis=1).mean())


def test_identical_expectations_and_perceptions_give_no_test_rather_than_an_error():
    frame = pd.DataFrame(generate_study(60, seed=1))
    frame.loc[:, "E1":"E22"] = frame.loc[:, "P1":"P22"].to_numpy()
    result = servqual.analyze(servqual.read_responses(frame))
    gap, test = result.dimensions["empathy"].scores["gap"], result.dimensions["empathy"].tests["gap"]
    assert gap.mean == 0 and test.ci95 == (0.0, 0.0)
    assert np.isnan(test.p_value) and np.isnan(test.wilcoxon_p)
    assert np.isnan(result.dimensions["empathy"].difference_score)
