"""Each kind of instrument makes its own survey: the scales, points and pages it defines."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from servqual.web.surveys.models import SurveyLink

CUSTOM = """
key = "counter"
sections = ["perception"]
[scale]
min = 1
max = 5
[[dimensions]]
key = "speed"
code = "SPD"
name = { en = "Speed", nl = "Snelheid" }
[[items]]
number = 1
dimension = "speed"
perception = { en = "{service} helps me quickly.", nl = "{service} helpt me snel." }
"""


def first_page(client, study):
    link = SurveyLink.objects.create(wave=study.waves.get())
    return client.get(f"/s/{link.key}/1/").content.decode()


def test_the_three_column_format_asks_three_scales_of_nine_points(client, acme, study_for):
    html = first_page(client, study_for(acme, instrument_key="servqual-3col"))
    assert html.count("<fieldset") == 3 * 4  # four tangibles statements
    assert 'name="M1" value="9"' in html and 'name="M1" value="10"' not in html
    assert "Desired level" in html
    assert '<progress id="progress" max="6"' in html


def test_servperf_asks_perceptions_only(client, acme, study_for):
    html = first_page(client, study_for(acme, instrument_key="servperf"))
    assert html.count("<fieldset") == 4 and 'name="E1"' not in html


def test_an_uploaded_instrument_file_makes_the_survey(client, acme, study_for):
    study = study_for(acme, instrument_file=CUSTOM)
    study.full_clean()
    html = first_page(client, study)
    assert "Acme helps me quickly." in html
    assert 'name="P1" value="5"' in html and 'value="none"' not in html  # this scale has no "no opinion"
    assert '<progress id="progress" max="1"' in html  # one dimension, no importance page


def test_an_invalid_instrument_file_is_refused_with_the_readers_message(acme, study_for):
    study = study_for(acme, instrument_file=CUSTOM.replace('dimension = "speed"', 'dimension = "sped"'))
    with pytest.raises(ValidationError, match="item 1 has an unknown dimension 'sped'"):
        study.full_clean()


def test_a_link_fixes_only_segment_values_the_study_allows(link):
    link.full_clean()
    link.fixed_segments = {"branch": "Amsterdam"}
    with pytest.raises(ValidationError, match="branch = Amsterdam is not a segment value"):
        link.full_clean()
