"""The demo's data: two waves of synthetic customers, the second somewhat better."""

from __future__ import annotations

import servqual
from servqual.web import demo
from servqual.web.studies.models import Study, Wave
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
