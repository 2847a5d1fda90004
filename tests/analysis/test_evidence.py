"""No confident figures from tiny samples (issue 13, point 3): below documented minimums
reliability, tests, factor models and advice on where to act are not shown, and say why."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import servqual
from servqual.analysis import MIN_FOR_ADVICE, MIN_FOR_FACTOR_MODEL, MIN_FOR_RELIABILITY, MIN_FOR_TESTS
from servqual.analysis._evidence import dimension_with_evidence
from servqual.report import build_report, render_html, render_pdf

FIXTURES = Path(__file__).parents[1] / "fixtures"
CANONICAL = pd.read_csv(FIXTURES / "canonical.csv", dtype={"respondent_id": str})


def analysed(n: int) -> servqual.AnalysisResult:
    return servqual.analyze(servqual.read_responses(CANONICAL.head(n), progress=False))


def test_three_respondents_get_figures_but_no_reliability_tests_or_advice():
    result = analysed(3)
    for dimension in result.dimensions.values():
        assert not math.isnan(dimension.scores["gap"].mean)  # the means stay: they are what was said
        assert all(math.isnan(r.alpha) and math.isnan(r.omega_total) for r in dimension.reliability.values())
        assert math.isnan(dimension.tests["gap"].p_value) and math.isnan(dimension.difference_score)
    assert all(math.isnan(item.tests["gap"].p_value) for item in result.items)
    assert all(point.quadrant is None for point in (*result.ipa.dimensions, *result.ipa.items))
    codes = [(w.code, w.reason) for w in result.warnings]
    assert codes[:4] == [("small_sample", None), ("too_few_for", "advice"), ("too_few_for", "reliability"),
                         ("too_few_for", "tests")]  # fmt: skip


def test_the_minimums_are_where_the_figures_appear():
    below, at = analysed(MIN_FOR_RELIABILITY - 1), analysed(MIN_FOR_RELIABILITY)
    assert math.isnan(below.dimensions["reliability"].reliability["perception"].alpha)
    assert not math.isnan(at.dimensions["reliability"].reliability["perception"].alpha)
    assert any(p.quadrant for p in at.ipa.dimensions) and MIN_FOR_ADVICE <= MIN_FOR_RELIABILITY
    few = analysed(MIN_FOR_TESTS)
    assert not math.isnan(few.dimensions["reliability"].tests["gap"].p_value)
    assert math.isnan(analysed(MIN_FOR_TESTS - 1).dimensions["reliability"].tests["gap"].p_value)


def test_an_alpha_above_one_is_never_shown_as_a_reliability():
    dimension = analysed(40).dimensions["tangibles"]
    broken = dimension.reliability["perception"].__class__(
        **{**dimension.reliability["perception"].__dict__, "alpha": 1.4}
    )
    shown = dimension_with_evidence(
        dimension.__class__(**{**dimension.__dict__, "reliability": {**dimension.reliability, "perception": broken}})
    )
    assert math.isnan(shown.reliability["perception"].alpha)
    assert math.isnan(shown.difference_score)


def test_a_factor_model_needs_enough_complete_rows():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"P{i}": rng.integers(1, 8, size=MIN_FOR_FACTOR_MODEL - 1) for i in range(1, 23)})
    result = servqual.analyze(servqual.read_responses(frame, "servperf", progress=False))
    model = result.cfa["perception"]
    assert not model.converged and model.reason == "too_few_respondents" and model.n == MIN_FOR_FACTOR_MODEL - 1


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_report_warns_first_and_gives_no_advice_on_three_respondents(lang):
    responses = servqual.read_responses(CANONICAL.head(3), progress=False)
    content = build_report(servqual.analyze(responses), responses.instrument, lang=lang)
    summary = content["sections"][0]["blocks"]
    assert summary[0]["type"] == "notice"
    words = {
        "en": ("Only 3 respondents", "With 3 respondents no advice on where to act first is given", "Act here first"),
        "nl": ("Slechts 3 respondenten", "Met 3 respondenten volgt geen advies", "Handel hier eerst"),
    }[lang]
    assert summary[0]["text"].startswith(words[0])
    html = render_html(content)
    assert words[1] in html and words[2] not in html
    assert html.index(words[0]) < html.index('class="keyfigures"')
    pdf = render_pdf(content)
    assert len(pdf) > 1000


def test_the_command_line_says_it_first_and_the_json_holds_nulls(tmp_path):
    path = tmp_path / "three.csv"
    CANONICAL.head(3).to_csv(path, index=False)
    run = subprocess.run(
        [sys.executable, "-m", "servqual", "analyze", str(path)], capture_output=True, text=True, timeout=120
    )
    lines = run.stdout.splitlines()
    assert lines[1].startswith("! only 3 respondents")
    assert "concentrate here" not in run.stdout
    data = json.loads(
        subprocess.run(
            [sys.executable, "-m", "servqual", "analyze", str(path), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )
    assert data["dimensions"]["tangibles"]["reliability"]["perception"]["alpha"] is None
    assert {"code": "too_few_for", "reason": "reliability", "n": 3, "threshold": MIN_FOR_RELIABILITY} in data[
        "warnings"
    ]
