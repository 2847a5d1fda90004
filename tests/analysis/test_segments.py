"""The anonymity threshold: small groups are never shown, nor recoverable from totals."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import servqual
from servqual.analysis import analyze
from servqual.analysis._segments import segment_scores, suppressed_groups
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


def test_respondents_without_a_value_form_a_group_of_their_own_when_asked():
    result = analyze(
        study_with_branches({"Breda": 40, "Delft": 30, None: 2}), segments=["branch"], segment_missing="group"
    )
    segment = result.segments["branch"]
    assert [g.value for g in segment.groups] == ["Breda", "Delft", None]
    assert [g.suppressed for g in segment.groups] == [False, True, True]
    assert (segment.missing, segment.left_out) == ("group", 0)
    assert result.to_dict()["segments"]["branch"]["missing"] == "group"


def test_respondents_without_a_value_are_left_out_by_default_and_counted():
    responses = study_with_branches({"Breda": 40, "Delft": 30, None: 12})
    result = analyze(responses, segments=["branch"])
    segment = result.segments["branch"]
    assert [(g.value, g.n) for g in segment.groups] == [("Breda", 40), ("Delft", 30)]
    assert (segment.missing, segment.left_out) == ("exclude", 12)
    data = result.to_dict()["segments"]["branch"]
    assert (data["missing"], data["left_out"]) == ("exclude", 12)
    # Left out of this column's groups and tests only: the same tests as on the rows with a
    # branch alone, and every other figure still rests on all 82.
    frame = responses.to_frame()
    with_branch = analyze(servqual.read_responses(frame[frame["branch"].notna()]), segments=["branch"])
    for key, test in segment.tests.items():
        assert test.to_dict() == with_branch.segments["branch"].tests[key].to_dict()
    assert result.n_respondents == 82
    assert result.dimensions == analyze(responses).dimensions


@pytest.mark.parametrize(
    ("sizes", "hidden", "left_out"),
    [
        # The two left out are hidden figures: Delft goes too, and their number would then
        # give Delft's size (the total minus Breda minus them).
        ({"Breda": 40, "Delft": 30, None: 2}, {"Delft"}, None),
        ({"Breda": 40, "Ede": 3, None: 10}, {"Ede"}, None),
        ({"Breda": 40, "Ede": 3, "Gouda": 4, None: 10}, {"Ede", "Gouda"}, 10),
        ({"Breda": 40, "Ede": 1, "Gouda": 1, None: 10}, {"Ede", "Gouda"}, None),
        ({"Breda": 40, "Delft": 30, None: 1}, {"Delft"}, None),
        ({"Breda": 40, "Delft": 30}, set(), 0),
    ],
)
def test_the_number_left_out_is_shown_unless_it_reveals_a_hidden_group(sizes, hidden, left_out):
    segment = analyze(study_with_branches(sizes), segments=["branch"]).segments["branch"]
    assert {g.value for g in segment.groups if g.suppressed} == hidden
    assert None not in {g.value for g in segment.groups}
    assert segment.left_out == left_out


def test_an_unknown_way_with_missing_values_is_refused():
    with pytest.raises(servqual.ServqualError, match="segment_missing must be one of exclude, group, not 'drop'"):
        analyze(study_with_branches({"Breda": 10}), segments=["branch"], segment_missing="drop")


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ({"a": 10, "b": 7, "c": 6}, set()),
        ({"a": 10, "b": 4, "c": 6}, {"b", "c"}),
        ({"a": 10, "b": 3, "c": 2, "d": 30}, {"b", "c"}),
        ({"a": 10, "b": 1, "c": 1, "d": 1, "e": 30}, {"b", "c", "d", "a"}),
        # respondents without a value are hidden first, before a smaller group
        ({"a": 10, "b": 3, "c": 6, None: 20}, {"b", None}),
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


def shown_counts(segment, sizes):
    """What a reader learns of the groups' sizes: the visible groups' n, and the number
    left out where it is given."""
    shown = {g.value: g.n for g in segment.groups if not g.suppressed}
    if segment.missing == "exclude" and segment.left_out is not None and None in sizes:
        shown[None] = segment.left_out
    return shown


def shown_scores(segment, key):
    """The groups whose score on dimension ``key`` is shown."""
    return {
        g.value for g in segment.groups if not g.suppressed and not g.dimensions[key].suppressed and g.dimensions[key].n
    }


@given(
    sizes=st.lists(st.integers(0, 12), min_size=2, max_size=5),
    missing_size=st.integers(0, 12),
    answered=st.lists(st.floats(0, 1), min_size=12, max_size=12),
    k=st.integers(2, 6),
)
@settings(max_examples=400, deadline=None)
def test_no_group_under_the_threshold_is_revealed_either_way_nor_by_both(sizes, missing_size, answered, k):
    """Per way and across the two read side by side, whatever is not shown (a group's size,
    or its scores on a dimension) is, by subtraction from the totals, the sum over at least
    k respondents, and sizes over at least two groups (unless nothing is shown: then the
    totals are the study's own figures, which rest on k or more where they are shown)."""
    categories = [*(f"g{i}" for i in range(len(sizes))), None]
    n = np.array([*sizes, missing_size])
    assume(n.sum() >= k)
    size_of = {value: int(m) for value, m in zip(categories, n, strict=True) if m}
    tables, answered_of = {}, {}
    for d, key in enumerate(["tangibles", "empathy"]):
        # of each group, a share answered the dimension (scores 0, 1, 2 in turn), the rest did not
        scored = np.floor(n * np.array(answered[d * 6 : d * 6 + len(n)] + [1.0] * 6)[: len(n)]).astype(int)
        counts = np.zeros((len(n), 4))
        for g, m in enumerate(scored):
            counts[g, :3] = np.bincount(np.arange(m) % 3, minlength=3)
        counts[:, 3] = n - scored
        tables[key] = (np.array([0.0, 1.0, 2.0]), counts)
        answered_of[key] = {value: int(m) for value, m in zip(categories, scored, strict=True) if m}
    results = {way: segment_scores(tables, categories, k, "gap", way) for way in ("exclude", "group")}
    unseen_sizes = {}
    for way, segment in results.items():
        shown = shown_counts(segment, size_of)
        assert all(m >= k for value, m in shown.items() if value is not None or way == "group")
        unseen_sizes[way] = size_of.keys() - shown.keys()
    unseen_sizes["both"] = unseen_sizes["exclude"] & unseen_sizes["group"]
    for unseen in unseen_sizes.values():
        assert not unseen or (len(unseen) >= 2 and sum(size_of[v] for v in unseen) >= k) or unseen == size_of.keys()
    for key, of in answered_of.items():
        unseen_scores = {way: of.keys() - shown_scores(segment, key) for way, segment in results.items()}
        unseen_scores["both"] = unseen_scores["exclude"] & unseen_scores["group"]
        for unseen in unseen_scores.values():
            assert sum(of[v] for v in unseen) >= k or not unseen or unseen == of.keys()
        for segment in results.values():
            assert all(g.dimensions[key].n >= k for g in segment.groups if not g.suppressed and g.dimensions[key].n)
