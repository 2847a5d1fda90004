"""Every statistic pinned to R (stats::t.test, stats::wilcox.test, psych::alpha) on
committed data. The values come from tests/analysis/reference.R; rerun it after
changing the data: Rscript tests/analysis/reference.R
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import servqual
from servqual.analysis import WelchAnova, WelchT, analyze
from servqual.analysis._inference import wilcoxon_signed_rank

HERE = Path(__file__).parent
DATASETS = {
    "canonical": HERE.parent / "fixtures" / "canonical.csv",
    "study300": HERE / "data" / "study300.csv",
    # the same respondents on a 1..7 scale in steps of 0.5 and on a 0..100 slider
    "half300": HERE / "data" / "half300.csv",
    "slider300": HERE / "data" / "slider300.csv",
}
#: The instrument of each data set: servqual-22, or servqual-22 on another scale.
INSTRUMENTS = {"half300": HERE / "data" / "half.toml", "slider300": HERE / "data" / "slider.toml"}


def read(dataset):
    path = DATASETS.get(dataset, HERE / "data" / f"{dataset}.csv")
    return servqual.read_responses(path, instrument=INSTRUMENTS.get(dataset, "servqual-22"), progress=False)


TOLERANCE = 1e-9  # the issue asks for 1e-3; these agree to rounding


def reference() -> dict[str, dict[tuple[str, str], float]]:
    values: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    with (HERE / "reference.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            values[row["dataset"]][row["statistic"], row["subject"]] = float(row["value"])
    return values


R = reference()


@pytest.fixture(scope="module", params=sorted(DATASETS))
def case(request):
    result = analyze(read(request.param))
    return R[request.param], result


def close(got, expected):
    assert got == pytest.approx(expected, abs=TOLERANCE, rel=TOLERANCE, nan_ok=True)


def test_item_gaps_match_t_test_and_wilcox_test(case):
    r, result = case
    for item in result.items:
        i, test = str(item.item), item.tests["gap"]
        close(item.scores["gap"].mean, r["gap_mean", i])
        close(list(test.ci95), [r["gap_ci_low", i], r["gap_ci_high", i]])
        close(test.t, r["t", i])
        close(test.p_value, r["t_p", i])
        close(test.wilcoxon_v, r["wilcoxon_V", i])
        close(test.wilcoxon_p, r["wilcoxon_p", i])
        close(test.d_z, r["d_z", i])


def test_dimension_gaps_match_r(case):
    r, result = case
    for key, entry in result.dimensions.items():
        test = entry.tests["gap"]
        close(entry.scores["expectation"].mean, r["dim_expectation_mean", key])
        close(entry.scores["perception"].mean, r["dim_perception_mean", key])
        close(entry.scores["gap"].mean, r["dim_gap_mean", key])
        close(entry.scores["gap"].sd, r["dim_gap_sd", key])
        close(list(test.ci95), [r["dim_gap_ci_low", key], r["dim_gap_ci_high", key]])
        close(test.p_value, r["dim_t_p", key])
        close(test.wilcoxon_p, r["dim_wilcoxon_p", key])
        close(test.d_z, r["dim_d_z", key])


def test_alpha_matches_psych_with_feldt_interval_and_item_statistics(case):
    r, result = case
    for key, entry in result.dimensions.items():
        for section in ("expectation", "perception", "gap"):
            stats = entry.reliability[section]
            close(entry.alpha[section], r[f"alpha_{section}", key])
            # psych's minres optimiser stops earlier than our iterated principal axes
            assert stats.omega_total == pytest.approx(r[f"omega_{section}", key], abs=1e-5)
            close(list(stats.ci95), [r[f"alpha_low_{section}", key], r[f"alpha_high_{section}", key]])
            k = len(stats.alpha_if_dropped)
            close(list(stats.alpha_if_dropped), [r[f"alpha_drop_{section}", f"{key}:{j}"] for j in range(1, k + 1)])
            close(list(stats.corrected_item_total), [r[f"r_drop_{section}", f"{key}:{j}"] for j in range(1, k + 1)])
        close(entry.difference_score, r["johns_r_d", key])


def test_servqual_scores_and_weights_match_r(case):
    r, result = case
    close(result.servqual.unweighted, r["servqual_unweighted", "all"])
    close(result.servqual.weighted, r["servqual_weighted", "all"])
    for key, entry in result.dimensions.items():
        close(entry.weight, r["weight", key])


def test_the_exact_signed_rank_test_matches_r():
    after = np.array([5.1, 6.3, 4.8, 7.2, 5.9, 6.6, 3.7, 5.5, 6.1, 4.4, 6.9, 5.2])
    before = np.array([4.0, 6.0, 5.35, 5.1, 5.0, 6.45, 4.9, 4.15, 5.35, 4.3, 5.0, 5.65])
    w = wilcoxon_signed_rank(after, before)
    close(w["V"], R["exact"]["wilcoxon_V", "all"])
    close(w["p_value"], R["exact"]["wilcoxon_p", "all"])


def test_segments_match_oneway_kruskal_and_pairwise_t_tests():
    r = R["segments"]
    responses = servqual.read_responses(DATASETS["study300"], progress=False)
    result = analyze(responses, segments=["branch"])
    branch = result.segments["branch"]
    for group in branch.groups:
        assert not group.suppressed
        for key, stats in group.dimensions.items():
            close(stats.mean, r["branch_gap_mean", f"{key}:{group.value}"])
    for key, test in branch.tests.items():
        assert isinstance(test.parametric, WelchAnova)
        close(test.parametric.f, r["welch_f", key])
        close(test.parametric.df2, r["welch_df2", key])
        close(test.p_value, r["welch_p", key])
        close(test.kruskal_wallis.h, r["kruskal_h", key])
        close(test.kruskal_wallis.p_value, r["kruskal_p", key])
        for pair in test.pairwise:
            close(pair.p_holm, r["pairwise_holm", f"{key}:{pair.a}:{pair.b}"])


def test_two_segments_get_welch_t_test():
    r = R["segments"]
    frame = responses_frame = servqual.read_responses(DATASETS["study300"], progress=False).to_frame()
    responses_frame["web"] = np.where(frame["channel"] == "web", "web", "other")
    result = analyze(servqual.read_responses(responses_frame), segments=["web"])
    for key, test in result.segments["web"].tests.items():
        assert isinstance(test.parametric, WelchT)
        close(test.parametric.t, r["two_t", key])
        close(test.parametric.df, r["two_df", key])
        close(test.p_value, r["two_p", key])


def test_derived_importance_is_the_correlation_with_the_overall_perception(case):
    r, result = case
    for entry in result.ipa.items:
        close(entry.importance, r["derived_importance", str(entry.item)])
    importance = [e.importance for e in result.ipa.items]
    performance = [e.performance for e in result.ipa.items]
    for entry in result.ipa.items:
        high_i = entry.importance >= np.mean(importance)
        high_p = entry.performance >= np.mean(performance)
        expected = {
            (True, False): "concentrate_here",
            (True, True): "keep_up",
            (False, False): "low_priority",
            (False, True): "possible_overkill",
        }[high_i, high_p]
        assert entry.quadrant == expected


@pytest.mark.parametrize("dataset", ["study300", "study1000", "slider300"])
@pytest.mark.parametrize(("section", "prefix"), [("perception", "P"), ("expectation", "E"), ("gap", "G")])
def test_cfa_matches_lavaan(dataset, section, prefix):
    r = R[dataset]
    model = analyze(read(dataset), cfa=[section]).cfa[section]
    assert model.converged
    name, fit = f"cfa_{prefix}_", model.fit
    close(fit.chi2, r[name + "chisq", "all"])
    assert fit.df == r[name + "df", "all"]
    assert fit.n == r[name + "ntotal", "all"]
    for ours, theirs in [("p_value", "pvalue"), ("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"), ("srmr", "srmr")]:
        assert getattr(fit, ours) == pytest.approx(r[name + theirs, "all"], abs=1e-6), ours
    assert list(fit.rmsea_ci90) == pytest.approx(
        [r[name + "rmsea.ci.lower", "all"], r[name + "rmsea.ci.upper", "all"]], abs=1e-6
    )
    # Loadings agree to lavaan's own optimiser tolerance (its parameters stop moving at
    # about 1e-5 while the fit function is flat to 1e-10); the issue asks for 1e-3.
    for loading in model.loadings:
        assert loading.std_loading == pytest.approx(r[name + "std_loading", f"{prefix}{loading.item}"], abs=1e-4)


def test_the_standalone_functions_give_the_same_figures_as_analyze():
    from servqual.analysis import cronbach_alpha, item_statistics, omega_total, pairwise_correlation

    r = R["study300"]
    responses = servqual.read_responses(DATASETS["study300"], progress=False)
    items = responses.answers["perception"][:, 4:9]  # reliability, items 5-9
    alpha = cronbach_alpha(items)
    close(alpha["alpha"], r["alpha_perception", "reliability"])
    close(alpha["ci95"], [r["alpha_low_perception", "reliability"], r["alpha_high_perception", "reliability"]])
    close(
        item_statistics(items)["corrected_item_total"],
        [r["r_drop_perception", f"reliability:{j}"] for j in range(1, 6)],
    )
    assert omega_total(pairwise_correlation(items)) == pytest.approx(r["omega_perception", "reliability"], abs=1e-5)


@pytest.mark.parametrize("missing", ["exclude", "group"])
def test_segments_with_blanks_match_r_either_way(missing):
    """blank_branch.csv leaves 9 branches empty: left out, they match R's own na.omit on the
    group; as a group of their own, R's tests with a level "(none)" for them."""
    r = R["blank_branch"]
    responses = servqual.read_responses(HERE.parent / "fixtures" / "blank_branch.csv", progress=False)
    branch = analyze(responses, segments=["branch"], segment_missing=missing).segments["branch"]
    names = ["(none)" if group.value is None else group.value for group in branch.groups]
    expected = {subject.split(":", 1)[1] for statistic, subject in r if statistic == f"{missing}_gap_mean"}
    assert set(names) == expected
    assert branch.missing == missing
    assert branch.left_out == (r["left_out", "exclude"] if missing == "exclude" else 0)
    for name, group in zip(names, branch.groups, strict=True):
        assert not group.suppressed
        for key, stats in group.dimensions.items():
            assert stats.n == r[f"{missing}_n", f"{key}:{name}"]
            close(stats.mean, r[f"{missing}_gap_mean", f"{key}:{name}"])
    assert responses.n_respondents == 40  # every other figure still rests on all of them
    for key, test in branch.tests.items():
        assert isinstance(test.parametric, WelchAnova)
        close(test.parametric.f, r[f"{missing}_welch_f", key])
        close(test.parametric.df2, r[f"{missing}_welch_df2", key])
        close(test.p_value, r[f"{missing}_welch_p", key])
        close(test.kruskal_wallis.h, r[f"{missing}_kruskal_h", key])
        close(test.kruskal_wallis.p_value, r[f"{missing}_kruskal_p", key])
        assert len(test.pairwise) == len(names) * (len(names) - 1) // 2
        for pair in test.pairwise:
            a, b = ("(none)" if v is None else v for v in (pair.a, pair.b))
            # R orders the levels by its locale's collation: look the pair up either way
            holm = r.get(
                (f"{missing}_pairwise_holm", f"{key}:{a}:{b}"), r.get((f"{missing}_pairwise_holm", f"{key}:{b}:{a}"))
            )
            close(pair.p_holm, holm)
