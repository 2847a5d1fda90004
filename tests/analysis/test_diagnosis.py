"""The diagnosis of all five gaps (servqual.analysis.diagnose): each size, the figures per
unit and per process against an independent computation (numpy, scipy) on the committed
files (data/study300.csv, managers40.csv, employees150.csv), the anonymity threshold for
small teams, and a synthetic study with gap 3 planted in one branch found as such."""

from __future__ import annotations

import itertools
import math
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

import servqual
from servqual.analysis import MIN_UNITS_FOR_RELATION, analyze, diagnose, suppressed_groups
from servqual.errors import ServqualError
from servqual.i18n import translator
from servqual.instruments import load_instrument, load_processes, processes_from_text
from servqual.io.synthetic import generate_study

DATA = Path(__file__).parent / "data"
SPAN = 6  # a 7-point scale


def read(name: str, instrument: str = "servqual-22"):
    return servqual.read_responses(DATA / name, instrument, progress=False)


@pytest.fixture(scope="module")
def files():
    return (
        read("study300.csv"),
        read("managers40.csv", "servqual-managers"),
        read("employees150.csv", "servqual-employees"),
    )


@pytest.fixture(scope="module")
def diagnosis(files):
    customers, managers, employees = files
    processes = load_processes("default", [f.instrument for f in files])
    result = analyze(customers, segments=["branch"])
    return diagnose(customers, result, managers, employees, units=["branch"], processes=processes)


def frame(name: str) -> pl.DataFrame:
    return pl.read_csv(DATA / name, infer_schema_length=None)


def row_means_of(matrix: np.ndarray) -> np.ndarray:
    """Each row's mean over its values present, NaN when none: R's rowMeans(na.rm = TRUE)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row with no answers: NaN, as in R
        return np.nanmean(matrix, axis=1)


def row_means(table: pl.DataFrame, columns: list[str]) -> np.ndarray:
    return row_means_of(table.select(columns).to_numpy().astype(float))


def factor_score(table: pl.DataFrame, key: str) -> np.ndarray:
    factor = load_instrument("servqual-employees").factor(key)
    matrix = table.select(factor.columns).to_numpy().astype(float)
    reverse = factor.reverse_positions
    matrix[:, reverse] = 8 - matrix[:, reverse]
    return row_means_of(matrix)


def gap_scores(table: pl.DataFrame, items: list[int]) -> np.ndarray:
    p = table.select([f"P{i}" for i in items]).to_numpy().astype(float)
    e = table.select([f"E{i}" for i in items]).to_numpy().astype(float)
    return row_means_of(p - e)


DIMENSIONS = {
    "tangibles": [1, 2, 3, 4],
    "reliability": [5, 6, 7, 8, 9],
    "responsiveness": [10, 11, 12, 13],
    "assurance": [14, 15, 16, 17],
    "empathy": [18, 19, 20, 21, 22],
}


# The five sizes


def test_gap_5_is_the_shortfall_of_the_mean_dimension_gap_on_the_scale(diagnosis):
    customers = frame("study300.csv")
    means = [np.nanmean(gap_scores(customers, items)) for items in DIMENSIONS.values()]
    gap5 = diagnosis.gap(5)
    assert gap5.size.index == pytest.approx(100 * max(0, -np.mean(means)) / SPAN, abs=1e-10)
    assert gap5.size.level == "medium" and gap5.size.basis == "customers"
    assert [d.figures.mean for d in gap5.dimensions] == pytest.approx(means, abs=1e-10)


def test_gap_1_is_the_largest_misjudgement_of_a_dimension(diagnosis):
    customers, managers = frame("study300.csv"), frame("managers40.csv")
    differences = [
        np.nanmean(row_means(managers, [f"E{i}" for i in items]))
        - np.nanmean(row_means(customers, [f"E{i}" for i in items]))
        for items in DIMENSIONS.values()
    ]
    gap = diagnosis.gap(1)
    assert gap.size.index == pytest.approx(100 * max(abs(d) for d in differences) / SPAN, abs=1e-10)
    assert gap.size.basis == "prediction" and gap.size.level == "medium"  # reliability underestimated by 0.67
    assert [f.key for f in gap.factors] == ["customer_research", "upward_communication", "management_levels"]
    assert gap.factor_index == pytest.approx(100 * (7 - np.mean([f.figures.mean for f in gap.factors])) / SPAN)


def test_gaps_2_to_4_are_their_factors_gap_index(diagnosis, files):
    employees = frame("employees150.csv")
    for number in (3, 4):
        gap = diagnosis.gap(number)
        keys = [f.key for f in load_instrument("servqual-employees").factors if f.gap == number]
        means = [np.nanmean(factor_score(employees, key)) for key in keys]
        assert [f.key for f in gap.factors] == keys
        assert gap.size.index == pytest.approx(100 * (7 - np.mean(means)) / SPAN, abs=1e-10)
        assert gap.size.basis == "factors"
    assert diagnosis.gap(2).size.level == "small"  # 31: every factor above 5 on average
    assert diagnosis.gap(3).size.level == "medium"
    assert [v.key for v in diagnosis.values] == ["customer_orientation"]


def test_without_managers_gaps_1_and_2_are_not_measured_and_it_says_so(files):
    customers, _, employees = files
    diagnosis = diagnose(customers, analyze(customers), None, employees)
    assert diagnosis.audiences == ("customer", "employee")
    assert not diagnosis.gap(1).measured and not diagnosis.gap(2).measured
    assert math.isnan(diagnosis.gap(2).size.index)
    assert diagnosis.gap(3).measured and diagnosis.mirror is not None
    assert [n.code for n in diagnosis.notes] == ["no_managers"]
    assert diagnosis.to_dict()["gap1"]["level"] is None


# Per unit


def test_each_branch_is_compared_with_the_others_by_welch_and_holm(diagnosis):
    employees = frame("employees150.csv")
    branch = employees["branch"].to_numpy()
    unit = diagnosis.units["branch"]
    teamwork = factor_score(employees, "teamwork")
    found = next(c for c in unit.comparisons if (c.unit, c.subject) == ("Rotterdam", "teamwork"))
    mine, others = teamwork[branch == "Rotterdam"], teamwork[branch != "Rotterdam"]
    shown = {g.value for g in unit.employees.groups if not g.suppressed}
    others = teamwork[np.isin(branch, list(shown)) & (branch != "Rotterdam")]
    expected = stats.ttest_ind(mine[~np.isnan(mine)], others[~np.isnan(others)], equal_var=False)
    assert found.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert found.difference == pytest.approx(np.nanmean(mine) - np.nanmean(others), abs=1e-12)
    employee_tests = [c for c in unit.comparisons if c.audience == "employee"]
    ranked = sorted(c.p_value for c in employee_tests)
    m = len(ranked)
    holm = np.maximum.accumulate([min(1.0, (m - i) * p) for i, p in enumerate(ranked)])
    assert sorted(c.p_holm for c in employee_tests) == pytest.approx(list(holm))


def test_the_planted_cause_in_the_committed_files_is_found(diagnosis):
    findings = {(f.unit, f.audience, f.subject, f.gap) for f in diagnosis.units["branch"].findings}
    assert findings == {
        ("Rotterdam", "employee", "teamwork", 3),
        ("Rotterdam", "employee", "perceived_control", 3),
        ("Rotterdam", "customer", "reliability", 5),
    }


def test_five_branches_are_too_few_to_conclude_on_a_relation(diagnosis):
    relations = diagnosis.units["branch"].relations
    assert relations and all(not r.enough_units for r in relations)
    assert max(r.n_units for r in relations) == 5 < MIN_UNITS_FOR_RELATION
    teamwork = next(r for r in relations if r.factor == "teamwork")
    assert teamwork.gap == 3 and -1 <= teamwork.r <= 1
    assert teamwork.to_dict()["enough_units"] is False


def test_a_small_team_is_hidden_with_enough_others_that_nothing_follows_by_subtraction(files):
    customers, managers, employees = files
    sizes = frame("managers40.csv")["branch"].value_counts()
    sizes = dict(zip(sizes["branch"].to_list(), sizes["count"].to_list(), strict=True))
    k = 5  # Eindhoven has 4 managers: hidden, and the smallest other with it
    expected = suppressed_groups(sizes, k)
    assert expected and any(n >= k for v, n in sizes.items() if v in expected)  # others hidden with the small
    diagnosis = diagnose(customers, analyze(customers), managers, employees, units=["branch"], min_group=k)
    groups = diagnosis.units["branch"].managers.groups
    assert {g.value for g in groups if g.suppressed} == expected
    assert sum(sizes[v] for v in expected) >= k
    hidden_units = {c.unit for c in diagnosis.units["branch"].comparisons if c.audience == "manager"}
    assert not hidden_units & expected
    for group in diagnosis.units["branch"].to_dict()["managers"]["groups"]:
        if group["value"] in expected:
            assert group == {"value": group["value"], "suppressed": True}  # no n, no score


def test_a_team_below_the_threshold_shows_no_factor_score_at_all(files):
    customers, managers, employees = files
    diagnosis = diagnose(customers, analyze(customers), managers, employees, min_group=41)
    for factor in diagnosis.gap(2).factors:
        assert factor.figures.suppressed and math.isnan(factor.figures.mean)
        assert math.isnan(factor.reliability.alpha)
    assert not diagnosis.gap(2).measured
    assert all(c.suppressed for c in diagnosis.gap(1).expectation.items)


# Per process


def test_a_process_has_the_gaps_of_its_items_and_factors(diagnosis):
    customers, employees = frame("study300.csv"), frame("employees150.csv")
    delivery = next(p for p in diagnosis.processes if p.process.key == "delivery")
    items = [3, 5, 7, 8, 14, 17]
    assert delivery.process.items == tuple(items)
    expected_gap = gap_scores(customers, items)
    assert delivery.customers.figures.mean == pytest.approx(np.nanmean(expected_gap), abs=1e-12)
    assert delivery.size(5).index == pytest.approx(100 * -np.nanmean(expected_gap) / SPAN, abs=1e-10)
    staff = row_means(employees, [f"P{i}" for i in items])
    perceived = row_means(customers, [f"P{i}" for i in items])
    assert delivery.mirror.difference == pytest.approx(np.nanmean(staff) - np.nanmean(perceived), abs=1e-12)
    test = stats.ttest_ind(staff[~np.isnan(staff)], perceived[~np.isnan(perceived)], equal_var=False)
    assert delivery.mirror.welch.p_value == pytest.approx(test.pvalue, rel=1e-9)
    gap3 = [np.nanmean(factor_score(employees, k)) for k in ("teamwork", "technology_fit", "supervisory_control")]
    assert delivery.size(3).index == pytest.approx(100 * (7 - np.mean(gap3)) / SPAN, abs=1e-10)
    assert delivery.size(4).level is None  # none of its factors belongs to gap 4
    assert delivery.to_dict()["owner"] == {"en": "Head of operations", "nl": "Hoofd operatie"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[processes]]\nkey = "x"\nitems = [23]',
            "processes.toml: process x: item 23 is not an item of the customers'",
        ),
        (
            '[[processes]]\nkey = "x"\nfactors = ["luck"]',
            "process x: luck is not a factor of the managers' or employees'",
        ),
        ('[[processes]]\nkey = "x"\nitems = [1]\n[[processes]]\nkey = "x"\nitems = [2]', "process x is defined twice"),
        ('[[processes]]\nkey = "x"', "process x has no items and no factors"),
        ('[[processes]]\nkey = "X y"\nitems = [1]', "a process needs a key"),
        ('[[processes]]\nkey = "x"\nitem = [1]', "process x has an unknown field 'item'"),
    ],
)
def test_a_wrong_processes_file_is_refused_naming_file_process_and_field(text, message):
    instruments = [load_instrument(n) for n in ("servqual-22", "servqual-managers", "servqual-employees")]
    with pytest.raises(ServqualError) as caught:
        processes_from_text(text, "processes.toml", instruments)
    assert message in str(caught.value)
    assert "processes.toml" in caught.value.render(translator("nl"))


# The planted cause


def test_gap_3_planted_in_one_branch_is_diagnosed_as_such():
    """Rotterdam's employees score teamwork and perceived control far lower and its customers
    rate reliability lower (servqual.io.synthetic); nothing else is planted."""
    from servqual.io import read_responses

    frames = {
        name: pl.DataFrame(generate_study(n, instrument, seed=seed))
        for name, n, instrument, seed in (
            ("customers", 2000, "servqual-22", 41),
            ("managers", 120, "servqual-managers", 42),
            ("employees", 400, "servqual-employees", 43),
        )
    }
    customers = read_responses(frames["customers"], "servqual-22", progress=False)
    managers = read_responses(frames["managers"], "servqual-managers", progress=False)
    employees = read_responses(frames["employees"], "servqual-employees", progress=False)
    processes = load_processes("default", [customers.instrument, managers.instrument, employees.instrument])
    result = analyze(customers, segments=["branch"])
    diagnosis = diagnose(customers, result, managers, employees, units=["branch"], processes=processes)
    findings = diagnosis.units["branch"].findings
    organisation = {(f.unit, f.subject) for f in findings if f.audience != "customer"}
    assert organisation == {("Rotterdam", "teamwork"), ("Rotterdam", "perceived_control")}
    assert {f.gap for f in findings if f.audience != "customer"} == {3}
    customer = [f for f in findings if f.audience == "customer"]
    assert ("Rotterdam", "reliability") in {(f.unit, f.subject) for f in customer}
    worst = min(customer, key=lambda f: f.difference)
    assert (worst.unit, worst.subject) == ("Rotterdam", "reliability")
    # the processes those factors belong to carry gap 3 at least as large as the rest
    delivery = next(p for p in diagnosis.processes if p.process.key == "delivery")
    assert delivery.size(3).level is not None


@pytest.mark.parametrize("instrument", ["servqual-22", "servqual-22-1988"])
@pytest.mark.parametrize("section", ["expectation", "perception", "gap"])
def test_item_set_figures_equal_the_respondents_scores_from_the_answer_matrices(instrument, section):
    """The processes' figures come from polars over the table: the same as the row means
    of the scored answer matrices, reverse-scored items (1988 wording) included."""
    from servqual.analysis import item_set_figures, respondent_dimension_scores, scored_answers
    from servqual.analysis._inference import summary

    responses = servqual.read_responses(
        pl.DataFrame(generate_study(400, instrument, seed=5)), instrument, progress=False
    )
    sets = {"a": [1, 5, 10, 11, 18], "b": [9], "c": list(range(1, 23))}
    answers = scored_answers(responses)
    matrix = answers["perception"] - answers["expectation"] if section == "gap" else answers[section]
    for (of_section, key), figures in item_set_figures(responses, [section], sets).items():
        assert of_section == section
        positions = [number - 1 for number in sets[key]]
        scores = respondent_dimension_scores(matrix, positions)
        n, mean, sd = summary(scores[~np.isnan(scores)])
        assert (figures.n, figures.mean, figures.sd) == (
            n,
            pytest.approx(mean, abs=1e-12),
            pytest.approx(sd, abs=1e-12),
        )


def test_gap_1_and_the_mirror_from_the_customers_analysis_equal_those_from_their_answers(files):
    from servqual.analysis import gap1, mirror

    customers, managers, employees = files
    result = analyze(customers)
    for fast, slow in (
        (gap1(customers, managers, customers_analysis=result), gap1(customers, managers)),
        (mirror(customers, employees, customers_analysis=result), mirror(customers, employees)),
    ):
        assert_close(fast.to_dict(), slow.to_dict())


def assert_close(left, right):
    if isinstance(left, dict):
        assert left.keys() == right.keys()
        for key in left:
            assert_close(left[key], right[key])
    elif isinstance(left, list):
        assert len(left) == len(right)
        for a, b in zip(left, right, strict=True):
            assert_close(a, b)
    elif isinstance(left, float):
        assert left == pytest.approx(right, abs=1e-11, nan_ok=True)
    else:
        assert left == right


def test_the_diagnosis_from_sums_of_parts_equals_that_from_the_responses(files):
    """A web wave's diagnosis reads no customer answer again: the customers' importance
    and process sums come from the stored parts (part_sums with the processes' item sets,
    stored as bytes, merged) and give the same figures as the whole set's responses."""
    from servqual.analysis import CustomerSums, merge_parts, part_from_bytes, part_sums, part_to_bytes

    customers, managers, employees = files
    processes = load_processes("default", [f.instrument for f in files])
    item_sets = {p.key: p.items for p in processes}
    frame = pl.read_csv(DATA / "study300.csv", infer_schema_length=None).drop("respondent_id")
    cuts = [0, 70, 71, 180, 300]
    parts = [
        part_from_bytes(
            part_to_bytes(part_sums(frame[a:b], customers.instrument, segments=["branch"], item_sets=item_sets))
        )
        for a, b in itertools.pairwise(cuts)
    ]
    parts.append(part_sums(frame[:0], customers.instrument, segments=["branch"], item_sets=item_sets))  # no rows
    merged = merge_parts(customers.instrument, parts)
    from_parts = CustomerSums.of_part(merged, customers.instrument)
    whole = CustomerSums.of(customers, processes)
    assert set(from_parts.sums) == set(whole.sums) and len(whole.sums) == 3 * 5 + 5  # E, P, gap per process; W_
    for name, sums in whole.sums.items():
        assert from_parts.sums[name] == pytest.approx(sums, rel=1e-12), name
    result = analyze(customers, segments=["branch"])
    one = diagnose(customers, result, managers, employees, units=["branch"], processes=processes).to_dict()
    other = diagnose(from_parts, result, managers, employees, units=["branch"], processes=processes).to_dict()
    assert_close(other, one)
    assert one["gap1"]["importance"][1]["second"]["n"] > 0  # the customers' importance points were compared


def test_a_small_team_s_gaps_come_with_a_caution_that_names_how_few_answered(files):
    """12 employees: their gap sizes show (12 is above the threshold), with a note that they
    rest on fewer than 30, as the customers' figures do; 150 employees: no note."""
    from servqual.report import build_report
    from servqual.report.text import diagnosis_text

    customers, managers, employees = files
    few = servqual.read_responses(frame("employees150.csv").head(12), "servqual-employees", progress=False)
    result = analyze(customers)
    diagnosis = diagnose(customers, result, managers, few)
    assert [n.to_dict() for n in diagnosis.notes] == [
        {"code": "small_sample", "reason": "employee", "n": 12, "threshold": 30}
    ]
    assert diagnosis.gap(3).measured
    assert not diagnose(customers, result, managers, employees).notes
    assert "! Only 12 employees answered" in diagnosis_text(diagnosis, customers.instrument, "en")
    assert "! Er antwoordden maar 12 medewerkers" in diagnosis_text(diagnosis, customers.instrument, "nl")
    report = build_report(result, customers.instrument, lang="nl", diagnosis=diagnosis)
    gaps = next(s for s in report["sections"] if s["id"] == "gaps")
    assert gaps["blocks"][1] == {
        "type": "notice",
        "text": "Er antwoordden maar 12 medewerkers: de kloven die op hun antwoorden berusten, zijn onzeker. "
        "Lees hun grootte met zorg; vanaf 30 zijn ze stabieler.",
    }
