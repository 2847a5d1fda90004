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
