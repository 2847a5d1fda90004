"""The demo's data: two waves of synthetic customers, managers and contact employees, the
second somewhat better."""

from __future__ import annotations

import numpy as np

import servqual
from servqual.analysis import respondent_factor_scores
from servqual.io.synthetic import SEGMENTS
from servqual.web import demo
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import Audience, Response, SurveyLink
from servqual.web.surveys.responses import response_set


def test_the_second_wave_is_better_and_a_second_seed_replaces_the_first(db):
    demo.seed(respondents=100, seed=7)
    made = demo.seed(respondents=100, seed=7)
    spring, autumn = Wave.objects.filter(study__organisation__name=demo.ORGANISATION).order_by("opens_at")
    scores = [servqual.analyze(response_set(wave)).servqual.unweighted for wave in (spring, autumn)]
    assert -1.5 < scores[0] < -0.5  # the synthetic study's shortfall
    assert scores[1] - scores[0] > 0.2
    assert made["responses"] == {"Spring": 100, "Autumn": 110}
    assert Wave.objects.count() == 2  # the first seed's demo is gone
    assert autumn.is_open() and not spring.is_open()


def test_a_dutch_demo_has_dutch_names_and_replaces_an_english_one(db):
    demo.seed(respondents=30, seed=7)
    made = demo.seed(respondents=30, seed=7, lang="nl")
    assert made["organisation"] == "Demobank"
    assert made["responses"] == {"Voorjaar": 30, "Najaar": 33}
    (study,) = Study.objects.all()  # the English demo is gone
    assert (study.name, study.languages) == ("Klantonderzoek", ["nl", "en"])
    segments = {s.key: (s.name, s.values) for s in study.segments.all()}
    assert segments["channel"] == ("Kanaal", ["telefoon", "balie", "web"])
    assert segments["branch"][0] == "Vestiging"
    channels = set(response_set(study.waves.get(name="Najaar")).attributes["channel"].to_list())
    assert channels == {"telefoon", "balie", "web"}


def test_every_wave_has_managers_and_employees_in_the_results_in_the_demo_language(db):
    made = demo.seed(respondents=50, seed=7, lang="nl", managers=20, employees=60)
    assert made["audiences"] == {
        "Voorjaar": {"customer": 50, "manager": 20, "employee": 60},
        "Najaar": {"customer": 55, "manager": 20, "employee": 60},
    }
    (study,) = Study.objects.all()
    for wave in study.waves.all():
        for audience, n in made["audiences"][wave.name].items():
            responses = Response.objects.filter(wave=wave, audience=audience)
            assert responses.filter(completed_at__isnull=False).count() == n
            # the same admission as survey responses: whole steps of the anonymity threshold
            assert responses.filter(in_results=True).count() == n // 5 * 5
            assert set(responses.values_list("language", flat=True)) == {"nl"}
            branches = {r["branch"] for r in responses.values_list("segments", flat=True)}
            assert branches <= set(SEGMENTS["branch"][0]) and len(branches) >= 4
        employees = response_set(wave, Audience.EMPLOYEE, in_results=True)
        assert employees.n_respondents == 60
        assert [f.key for f in employees.factors][:2] == ["teamwork", "employee_fit"]  # TW1..: factor columns
        managers = response_set(wave, Audience.MANAGER, in_results=True)
        assert managers.n_respondents == 20 and managers.sections == ("expectation",) and managers.factors
    texts = [
        given["OPEN_IMPROVE"]
        for given in Response.objects.filter(audience=Audience.EMPLOYEE).values_list("open_answers", flat=True)
        if given
    ]
    assert 10 < len(texts) < 80  # about 3 in 10 write something
    dutch, english = set(demo.OPEN_ANSWERS[Audience.EMPLOYEE]["nl"]), set(demo.OPEN_ANSWERS[Audience.EMPLOYEE]["en"])
    assert set(texts) <= dutch | english
    assert sum(text in dutch for text in texts) > sum(text in english for text in texts) > 0  # mostly Dutch
    links = {link.audience: link.key for link in SurveyLink.objects.filter(wave__study=study)}
    assert links == made["survey_keys"] and set(links) == {"customer", "manager", "employee"}


def _rotterdam_and_others(wave: Wave, factor_key: str) -> tuple[float, float]:
    responses = response_set(wave, Audience.EMPLOYEE, in_results=True)
    (factor,) = [f for f in responses.factors if f.key == factor_key]
    scores = respondent_factor_scores(responses, factor)
    rotterdam = np.array(responses.attributes["branch"].to_list()) == "Rotterdam"
    return float(np.nanmean(scores[rotterdam])), float(np.nanmean(scores[~rotterdam]))


def test_the_rotterdam_employees_do_a_little_better_in_the_second_wave_and_gap_3_still_shows(db):
    demo.seed(respondents=20, seed=2026)
    spring, autumn = Wave.objects.order_by("opens_at")
    for factor in demo.ROTTERDAM_FACTORS:
        (before, others_before), (after, others_after) = (_rotterdam_and_others(w, factor) for w in (spring, autumn))
        assert 0.2 < after - before < 1.0, factor  # a little better
        assert others_before - before > 1.5 and others_after - after > 1.0, factor  # gap 3 still planted there
