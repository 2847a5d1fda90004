"""The sufficient statistics behind analyze: summed over many blocks of rows they give the
same figures as one pass, the sums of two parts are those of the whole, and on a file of
many blocks they agree with the functions that work on whole arrays (each pinned to R)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import servqual
from servqual.analysis import (
    ConfirmatoryFactorAnalysis,
    _statistics,
    analyze,
    cronbach_alpha,
    derived_importance,
    mean_ci,
    paired_t,
    respondent_dimension_scores,
    wilcoxon_signed_rank,
)
from servqual.analysis._segments import segment_codes
from servqual.analysis._statistics import Layout, accumulate, finish
from servqual.io.synthetic import generate_study

FIXTURES = __import__("pathlib").Path(__file__).parents[1] / "fixtures"


def figures(value, path=""):
    """Every number of a result, by its path, so two results compare in one line."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in figures(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in figures(item, f"{path}[{i}]").items()}
    return {path: value}


def assert_same(a, b, tolerance=1e-10):
    a, b = figures(a), figures(b)
    assert a.keys() == b.keys()
    for key, value in a.items():
        if isinstance(value, float) and not math.isnan(value):
            assert b[key] == pytest.approx(value, rel=tolerance, abs=tolerance), key
        elif isinstance(value, float):
            assert math.isnan(b[key]), key
        else:
            assert b[key] == value, key


@pytest.mark.parametrize("instrument", ["servqual-22", "servqual-3col", "servqual-22-1988"])
def test_many_small_blocks_give_the_figures_of_one(monkeypatch, instrument):
    responses = servqual.read_responses(pd.DataFrame(generate_study(700, instrument, seed=11)), instrument)
    whole = analyze(responses, segments=["branch", "channel"]).to_dict()
    monkeypatch.setattr(_statistics, "BLOCK_ROWS", 37)
    assert_same(whole, analyze(responses, segments=["branch", "channel"]).to_dict())


@pytest.mark.parametrize("instrument", ["servqual-22", "servqual-3col"])
def test_many_dimensions_counted_as_pairs_of_items_give_the_figures_of_whole_patterns(monkeypatch, instrument):
    # A dimension with more answer patterns than MAX_PATTERN_CELLS (many items on a long
    # scale) is counted as the patterns of each pair of its items; here every dimension is.
    responses = servqual.read_responses(pd.DataFrame(generate_study(600, instrument, seed=15)), instrument)
    whole = analyze(responses, segments=["branch"], cfa=["perception", "gap"]).to_dict()
    monkeypatch.setattr(_statistics, "MAX_PATTERN_CELLS", 8**3)
    assert_same(whole, analyze(responses, segments=["branch"], cfa=["perception", "gap"]).to_dict())


def test_the_sums_of_two_parts_are_the_sums_of_the_whole():
    responses = servqual.read_responses(pd.DataFrame(generate_study(500, seed=12)))
    instrument = responses.instrument
    codes, values = segment_codes(responses.attributes["branch"])
    layout = Layout.of(instrument, instrument.sections, ["perception"], {"branch": len(values)}, importance=True)

    def part(rows):
        return accumulate(layout, responses.table[rows], {"branch": codes[rows]})

    whole, first, second = part(slice(None)), part(slice(0, 180)), part(slice(180, None))
    assert whole.n_used == 500
    assert (first + second).n_used == 500
    assert_same(sums_of(first + second), sums_of(whole))
    # and the figures that follow from them
    merged, alone = finish(layout, first + second), finish(layout, whole)
    for section, moments in alone.moments.items():
        for d, dimension in enumerate(moments):
            np.testing.assert_allclose(merged.moments[section][d].cross, dimension.cross, rtol=1e-12)


def sums_of(sums):
    """The arrays of a Sums, by name, as plain lists (for assert_same)."""
    return {
        f.name: {str(k): np.asarray(v).tolist() for k, v in value.items()}
        if isinstance(value, dict)
        else (None if value is None else np.asarray(value).tolist())
        for f in dataclasses.fields(sums)
        for value in [getattr(sums, f.name)]
    }


def test_a_file_of_many_blocks_agrees_with_the_functions_on_arrays():
    n = 3 * _statistics.BLOCK_ROWS + 123
    responses = servqual.read_responses(pd.DataFrame(generate_study(n, seed=13)))
    result = analyze(responses)
    instrument = responses.instrument
    e, p = responses.answers["expectation"], responses.answers["perception"]
    for dimension in instrument.dimensions:
        positions = instrument.item_positions(dimension.key)
        gap = respondent_dimension_scores(p - e, positions)
        got, test = result.dimensions[dimension.key].scores["gap"], result.dimensions[dimension.key].tests["gap"]
        mean, low, high = mean_ci(gap)
        assert got.mean == pytest.approx(mean, rel=1e-12)
        assert list(test.ci95) == pytest.approx([low, high], rel=1e-12)
        assert test.t == pytest.approx(paired_t(gap)["t"], rel=1e-10)
        assert test.wilcoxon_v == wilcoxon_signed_rank(gap)["V"]
        assert test.wilcoxon_p == pytest.approx(wilcoxon_signed_rank(gap)["p_value"], rel=1e-10)
        alpha = result.dimensions[dimension.key].alpha["perception"]
        assert alpha == pytest.approx(cronbach_alpha(p[:, positions])["alpha"], rel=1e-12)
    first = result.items[0]
    assert first.tests["gap"].wilcoxon_v == wilcoxon_signed_rank(p[:, 0], e[:, 0])["V"]
    assert first.scores["perception"].sd == pytest.approx(np.nanstd(p[:, 0], ddof=1), rel=1e-12)
    derived = [entry.importance for entry in result.ipa.items]
    assert derived == pytest.approx(derived_importance(p), rel=1e-10)
    factors = [instrument.item_positions(key) for key in instrument.dimension_keys]
    direct = ConfirmatoryFactorAnalysis(factors).fit(p)
    assert result.cfa["perception"].fit.chi2 == pytest.approx(direct.fit_.chi2, rel=1e-8)
    assert result.cfa["perception"].n == direct.n_


def test_dimensions_whose_items_interleave_get_their_own_moments(tmp_path, monkeypatch):
    # Items 1, 3, 5 measure one dimension and 2, 4, 6 the other: the moments within each
    # dimension are gathered from columns that are not side by side.
    responses = custom_study(tmp_path, {i: "odd" if i % 2 else "even" for i in range(1, 7)}, (1, 7), (2, 7), 1, seed=14)
    result = analyze(responses, cfa=["perception"])
    e, p = responses.answers["expectation"], responses.answers["perception"]
    for key, columns in (("odd", [0, 2, 4]), ("even", [1, 3, 5])):
        for section, matrix in (("expectation", e), ("perception", p), ("gap", p - e)):
            reliability = result.dimensions[key].reliability[section]
            assert reliability.alpha == pytest.approx(cronbach_alpha(matrix[:, columns])["alpha"], rel=1e-12)
    for j, row in enumerate(result.items):
        assert row.scores["perception"].mean == pytest.approx(np.nanmean(p[:, j]), rel=1e-12)
        assert row.scores["gap"].sd == pytest.approx(np.nanstd((p - e)[:, j], ddof=1), rel=1e-12)
    direct = ConfirmatoryFactorAnalysis([[0, 2, 4], [1, 3, 5]]).fit(p)
    assert result.cfa["perception"].fit.chi2 == pytest.approx(direct.fit_.chi2, rel=1e-8)
    monkeypatch.setattr(_statistics, "BLOCK_ROWS", 37)
    assert_same(result.to_dict(), analyze(responses, cfa=["perception"]).to_dict())


def test_a_dimension_with_too_many_patterns_agrees_with_the_functions_on_arrays(tmp_path):
    # Seven items on a 0..10 scale: 12**7 answer patterns, more than MAX_PATTERN_CELLS, so
    # the dimension is counted by pairs of items; its figures must still be those of the
    # functions that take whole arrays (each pinned to R).
    responses = custom_study(tmp_path, dict.fromkeys(range(1, 8), "all"), (0, 10), (2, 9), 2, seed=16, n=400)
    layout = Layout.of(responses.instrument, list(responses.instrument.sections))
    assert len(layout.pattern_groups["gap"][0]) == 21  # every pair of the seven items
    result = analyze(responses, cfa=["perception"])
    e, p = responses.answers["expectation"], responses.answers["perception"]
    for section, matrix in (("expectation", e), ("perception", p), ("gap", p - e)):
        reliability = result.dimensions["all"].reliability[section]
        assert reliability.alpha == pytest.approx(cronbach_alpha(matrix)["alpha"], rel=1e-12)
        score = respondent_dimension_scores(matrix, list(range(7)))
        assert result.dimensions["all"].scores[section].mean == pytest.approx(np.nanmean(score), rel=1e-12)
    gap = respondent_dimension_scores(p - e, list(range(7)))
    assert result.dimensions["all"].tests["gap"].wilcoxon_v == wilcoxon_signed_rank(gap)["V"]
    for j, row in enumerate(result.items):
        assert row.scores["gap"].mean == pytest.approx(np.nanmean((p - e)[:, j]), rel=1e-12)
        assert row.tests["gap"].wilcoxon_v == wilcoxon_signed_rank(p[:, j], e[:, j])["V"]


def custom_study(tmp_path, dimension_of, scale, levels, spread, seed, n=300):
    """A response set of ``n`` synthetic respondents to an instrument written for the test:
    items (number -> dimension) on the ``scale`` (low, high), each respondent's answers
    within ``spread`` of a level of their own drawn from ``levels``, 5 % missing."""
    path = tmp_path / "custom.toml"
    path.write_text(
        f'key = "custom"\nsections = ["expectation", "perception"]\n[scale]\nmin = {scale[0]}\nmax = {scale[1]}\n'
        + "".join(
            f'[[dimensions]]\nkey = "{key}"\ncode = "{key[:3].upper()}"\nname = {{ en = "{key}" }}\n'
            for key in dict.fromkeys(dimension_of.values())
        )
        + "".join(
            f'[[items]]\nnumber = {i}\ndimension = "{key}"\ntext = {{ en = "Item {i}" }}\n'
            for i, key in dimension_of.items()
        ),
        encoding="utf-8",
    )
    rng = np.random.default_rng(seed)
    level = rng.integers(*levels, size=n)
    frame = pd.DataFrame(
        {
            f"{prefix}{i}": np.where(
                rng.random(n) < 0.05, np.nan, np.clip(level + rng.integers(-spread, spread + 1, n), *scale)
            )
            for prefix in "EP"
            for i in dimension_of
        }
    )
    return servqual.read_responses(frame, path)
