"""The report's cover: the organisation, its logo and colour, the fieldwork period, the
responses and the response rate, in HTML and PDF and both languages; without them (the
command line) the cover is as before."""

from __future__ import annotations

import datetime
import io

import pytest
from logos import JPEG, png
from pypdf import PdfReader

from servqual.report import Cover, build_report, render_html, render_pdf
from servqual.report.charts import BLUE
from servqual.report.colours import contrast_ratio

#: A name that is a spreadsheet formula, HTML and typst code at once (as conftest.HOSTILE_BRANCH).
HOSTILE_NAME = '=HYPERLINK("http://x") <img src=x onerror=alert(1)> #"]; #panic()'
COVER = Cover(
    organisation="Gemeente Acme",
    logo=png(240, 80),
    logo_format="png",
    accent="#7a1f5c",
    opens=datetime.date(2026, 3, 2),
    closes=datetime.date(2026, 3, 29),
    responses=120,
    invited=300,
    response_rate=40,
)
FACTS = {
    "en": [("Fieldwork", "2026-03-02 – 2026-03-29"), ("Responses", "120"), ("Response rate", "40 % of 300 invited")],
    "nl": [("Veldwerk", "2026-03-02 – 2026-03-29"), ("Reacties", "120"), ("Respons", "40 % van 300 uitgenodigden")],
}


def first_page(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).pages[0]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_cover_gives_the_organisation_and_the_fieldwork_in_html_and_pdf(three_column, lang):
    responses, result = three_column
    report = build_report(result, responses.instrument, lang=lang, cover=COVER)
    html = render_html(report)
    assert '<img src="data:image/png;base64,' in html and 'alt="Gemeente Acme"' in html
    assert "--accent: #7a1f5c;" in html
    for label, value in FACTS[lang]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html
    cover = first_page(render_pdf(report))
    text = " ".join(cover.extract_text().split())
    assert text.startswith("Gemeente Acme")
    assert all(f"{label} {value}" in text for label, value in FACTS[lang]), text
    assert len(cover.images) == 1


def test_a_jpeg_logo_reaches_the_pdf_too(three_column):
    responses, result = three_column
    report = build_report(result, responses.instrument, cover=Cover(logo=JPEG, logo_format="jpeg"))
    assert len(first_page(render_pdf(report)).images) == 1


def test_without_a_cover_the_report_is_as_the_command_line_makes_it(three_column):
    responses, result = three_column
    report = build_report(result, responses.instrument)
    assert report["cover"] == {"organisation": "", "logo": None, "facts": []} and report["accent"] == BLUE
    html = render_html(report)
    assert "<img" not in html and "<dl>" not in html
    cover = first_page(render_pdf(report))
    assert not cover.images and "Fieldwork" not in cover.extract_text()


def test_an_accent_colour_too_light_for_white_falls_back_to_blue(three_column):
    responses, result = three_column
    assert contrast_ratio("#e69f00") < 4.5
    report = build_report(result, responses.instrument, cover=Cover(accent="#e69f00"))
    assert report["accent"] == BLUE
    report = build_report(result, responses.instrument, cover=Cover(accent="red; } body { display: none"))
    assert report["accent"] == BLUE


def test_a_hidden_rate_and_a_hostile_name_are_handled_as_data(three_column):
    responses, result = three_column
    cover = Cover(organisation=HOSTILE_NAME, responses=12, invited=300, response_rate=None)
    report = build_report(result, responses.instrument, cover=cover)
    assert [f["label"] for f in report["cover"]["facts"]] == ["Responses"]
    html = render_html(report)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    text = " ".join(first_page(render_pdf(report)).extract_text().split())
    assert "#panic()" in text and "Response rate" not in text
