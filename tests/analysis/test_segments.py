"""The anonymity threshold: small groups are never shown, nor recoverable from totals."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import servqual
from servqual.analysis import analyze
from servqual.analysis._segments import suppressed_groups
from servqual.io.synthetic import generate_study


def study_with_branches(sizes: dict[str | None, int]) -> servqual.ResponseSet:
    frame = pd.DataFrame(generate_study(sum(sizes.values()), seed=3))
    frame["branch"] = [value for value, n in sizes.items() for _ in range(n)]
    return servqual.read_responses(frame)


def test_a_group_below_the_threshold_shows_no_figures_and_no_count():
    result = analyze(study_with_branches({"Breda": 40, "Delft": 30, "Ede": 3, "Gouda": 25}), segments=["branch"])
    segments = result.to_dict()["segments"]  # what the JSON, the report and the web read from
    groups = {g["value"]: g for g in segments["branch"]["groups"]}
    assert groups["Ede"] == {"value": "Ede", "suppressed": True}
    # Ede alone would follow from the total by subtraction: the smallest other group goes too.
    assert groups["Gouda"] == {"value": "Gouda", "suppressed": True}
    assert groups["Breda"]["n"] == 40 and not groups["Breda"]["suppressed"]
    text = json.dumps(segments, default=str)
    assert not re.search(r'"n": (3|25)[,}]', text)
    test = result.segments["branch"].tests["empathy"]
    assert test is not None
    assert {(p.a, p.b) for p in test.pairwise} == {("Breda", "Delft")}


def test_respondents_without_a_value_count_as_a_group_of_their_own():
    result = analyze(study_with_branches({"Breda": 40, "Delft": 30, None: 2}), segments=["branch"])
    groups = result.segments["branch"].groups
    assert [g.value for g in groups] == ["Breda", "Delft", None]
    assert [g.suppressed for g in groups] == [False, True, True]


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ({"a": 10, "b": 7, "c": 6}, set()),
        ({"a": 10, "b": 4, "c": 6}, {"b", "c"}),
        ({"a": 10, "b": 3, "c": 2, "d": 30}, {"b", "c"}),
        ({"a": 10, "b": 1, "c": 1, "d": 1, "e": 30}, {"b", "c", "d", "a"}),
    ],
)
def test_suppression_always_hides_at_least_the_threshold_together(sizes, hidden):
    assert suppressed_groups(sizes, 5) == hidden
    if hidden:
        assert sum(sizes[v] for v in hidden) >= 5 or len(hidden) == len(sizes)


def test_an_unknown_segment_column_is_named():
    with pytest.raises(servqual.ServqualError, match="no attribute column 'region'"):
        analyze(study_with_branches({"Breda": 10}), segments=["region"])


def test_group_means_are_the_means_of_the_group_members():
    responses = study_with_branches({"Breda": 40, "Delft": 30})
    result = analyze(responses, segments=["branch"])
    frame = responses.to_frame()
    gaps = pd.DataFrame({i: frame[f"P{i}"] - frame[f"E{i}"] for i in range(5, 10)}).mean(axis=1)
    breda = next(g for g in result.segments["branch"].groups if g.value == "Breda")
    assert breda.dimensions["reliability"].mean == pytest.approx(gaps[:40].mean(), abs=1e-12)
    assert np.isfinite(breda.dimensions["reliability"].ci95).all()


def test_a_segment_column_with_a_value_per_respondent_is_refused_by_name():
    sizes = {f"R{i}": 1 for i in range(30_000)}
    with pytest.raises(servqual.ServqualError, match="segment column 'branch' has 30000 different values"):
        analyze(study_with_branches(sizes), segments=["branch"])


def study_where_one_member_answered_tangibles() -> servqual.ResponseSet:
    """Four branches that all meet the threshold; in Gouda (25) only the first member
    answered the tangibles statements (items 1-4), the others left them all empty."""
    sizes = {"Breda": 40, "Delft": 30, "Ede": 35, "Gouda": 25}
    frame = pd.DataFrame(generate_study(sum(sizes.values()), seed=3))
    frame["branch"] = [value for value, n in sizes.items() for _ in range(n)]
    others_in_gouda = frame.index[frame["branch"] == "Gouda"][1:]
    frame.loc[others_in_gouda, [f"{s}{i}" for s in "EP" for i in range(1, 5)]] = None
    return servqual.read_responses(frame)


def test_a_dimension_resting_on_one_member_of_a_visible_group_is_hidden():
    result = analyze(study_where_one_member_answered_tangibles(), segments=["branch"])
    segment = result.segments["branch"]
    groups = {g.value: g for g in segment.groups}
    assert not groups["Gouda"].suppressed and groups["Gouda"].n == 25  # the group itself is shown
    gouda = groups["Gouda"].dimensions["tangibles"]
    assert gouda.suppressed and gouda.n is None and gouda.mean is None and gouda.ci95 is None
    # One hidden answer would follow from the dimension's total minus the visible groups:
    # the smallest other group's tangibles go too, so the hidden ones hold at least 5.
    assert groups["Delft"].dimensions["tangibles"].suppressed
    assert not groups["Breda"].dimensions["tangibles"].suppressed
    assert not groups["Ede"].dimensions["tangibles"].suppressed
    assert groups["Gouda"].dimensions["empathy"].n == 25  # its other dimensions stay
    assert groups["Delft"].dimensions["empathy"].n == 30
    test = segment.tests["tangibles"]
    assert test is not None and test.parametric.to_dict()["test"] == "welch_t"
    assert {(p.a, p.b) for p in test.pairwise} == {("Breda", "Ede")}
    assert {(p.a, p.b) for p in segment.tests["empathy"].pairwise} >= {("Delft", "Gouda")}
    data = result.to_dict()["segments"]["branch"]
    cells = {g["value"]: g["dimensions"]["tangibles"] for g in data["groups"]}
    assert cells["Gouda"] == {"suppressed": True} and cells["Delft"] == {"suppressed": True}
    assert set(cells["Breda"]) == {"n", "gap_mean", "ci95"}  # a shown cell keeps its keys


def test_hidden_groups_count_towards_a_dimension_by_the_members_who_answered_it():
    """Ede (3) and Gouda (25) are hidden whole; when only one of Gouda answered tangibles,
    the hidden groups hold 4 tangibles scores: the smallest visible group's go too."""
    sizes = {"Breda": 40, "Delft": 30, "Ede": 3, "Gouda": 25}
    frame = pd.DataFrame(generate_study(sum(sizes.values()), seed=3))
    frame["branch"] = [value for value, n in sizes.items() for _ in range(n)]
    frame.loc[frame.index[frame["branch"] == "Gouda"][1:], [f"{s}{i}" for s in "EP" for i in range(1, 5)]] = None
    segment = analyze(servqual.read_responses(frame), segments=["branch"]).segments["branch"]
    groups = {g.value: g for g in segment.groups}
    assert [v for v, g in groups.items() if g.suppressed] == ["Ede", "Gouda"]
    assert groups["Delft"].dimensions["tangibles"].suppressed
    assert not groups["Delft"].dimensions["empathy"].suppressed
    assert segment.tests["tangibles"] is None  # one group left: nothing to compare
