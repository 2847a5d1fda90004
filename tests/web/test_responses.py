"""A wave's responses become a servqual response set through the reader's own validation."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

import servqual
from servqual.errors import ServqualError
from servqual.web.surveys.models import Response
from servqual.web.surveys.responses import response_set

SERVQUAL = servqual.load_instrument("servqual-22")
POINTS = {"W_TAN": 10, "W_REL": 30, "W_RES": 20, "W_ASS": 25, "W_EMP": 15}


def complete(link, perception: int, branch: str, **answers) -> Response:
    values = {f"E{item.number}": 6 for item in SERVQUAL.items}
    values |= {f"P{item.number}": perception for item in SERVQUAL.items}
    return Response.objects.create(
        wave=link.wave,
        link=link,
        language="nl",
        segments={"branch": branch},
        answers={**values, **POINTS, **answers},
        completed_at=timezone.now(),
    )


def test_completed_responses_become_the_rows_of_the_response_set(link):
    for perception in (2, 4, 5, 7):
        complete(link, perception, "Utrecht")
    complete(link, 3, "Zwolle", E1=None)  # "no opinion"
    Response.objects.create(wave=link.wave, link=link, language="en", answers={"E1": 1})  # not finished
    responses = response_set(link.wave)
    assert responses.n_respondents == 5
    assert responses.report.rows_used == 5 and responses.report.rows_excluded == 0
    assert responses.answers["perception"][:, 0].tolist() == [2, 4, 5, 7, 3]
    assert np.isnan(responses.answers["expectation"][4, 0])
    assert responses.attributes["branch"].to_list() == ["Utrecht"] * 4 + ["Zwolle"]
    assert responses.importance[0].tolist() == [10, 30, 20, 25, 15]


def test_the_analysis_of_a_wave_is_the_command_lines_analysis(link):
    perceptions = [2, 3, 4, 5, 5, 6, 7, 4, 3, 5]
    for i, perception in enumerate(perceptions):
        complete(link, perception, "Utrecht" if i % 2 else "Zwolle")
    result = servqual.analyze(response_set(link.wave))
    assert result.dimensions["reliability"].scores["gap"].mean == pytest.approx(np.mean(perceptions) - 6)


def test_answers_out_of_the_scale_are_rejected_as_in_a_file(link):
    complete(link, 5, "Utrecht", P1=9)
    report = response_set(link.wave).report
    assert report.answers_rejected["P1"] == 1


def test_a_wave_without_completed_responses_is_told_not_guessed(link):
    Response.objects.create(wave=link.wave, link=link, language="en")
    with pytest.raises(ServqualError, match="no data rows"):
        response_set(link.wave)


def test_other_audiences_stay_out(link):
    complete(link, 5, "Utrecht")
    Response.objects.update(audience="manager")
    with pytest.raises(ServqualError):
        response_set(link.wave)
    assert response_set(link.wave, "manager").n_respondents == 1
