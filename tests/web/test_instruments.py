"""Each kind of instrument makes its own survey: the scales, points and pages it defines."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from servqual.web.surveys.models import SurveyLink

#: The documented example of an instrument file (docs/instruments.md).
CUSTOM = (Path(__file__).parents[2] / "docs" / "examples" / "custom-instrument.toml").read_text(encoding="utf-8")


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
    instrument = study.instrument()
    html = first_page(client, study)
    assert instrument.key == "webshop-6"
    assert instrument.items[0].text("perception", "en", "Acme") in html
    assert 'name="P1" value="5"' in html and 'name="P1" value="6"' not in html
    assert '<progress id="progress" max="3"' in html  # two dimensions, then the importance split


def test_a_scale_without_no_opinion_offers_none(client, acme, study_for):
    study = study_for(acme, instrument_file=CUSTOM.replace("no_opinion = true", "no_opinion = false"))
    html = first_page(client, study)
    assert 'name="P1" value="1"' in html and 'value="none"' not in html


def test_an_invalid_instrument_file_is_refused_with_the_readers_message(acme, study_for):
    study = study_for(acme, instrument_file=CUSTOM.replace('dimension = "delivery"', 'dimension = "delivry"', 1))
    with pytest.raises(ValidationError, match="item 1 has an unknown dimension 'delivry'"):
        study.full_clean()


def test_a_link_fixes_only_segment_values_the_study_allows(link):
    link.full_clean()
    link.fixed_segments = {"branch": "Amsterdam"}
    with pytest.raises(ValidationError, match="branch = Amsterdam is not a segment value"):
        link.full_clean()


def test_a_link_without_a_wave_reports_the_wave_not_a_crash(db):
    with pytest.raises(ValidationError) as error:
        SurveyLink(fixed_segments={"branch": "Utrecht"}).full_clean()
    assert "wave" in error.value.message_dict
