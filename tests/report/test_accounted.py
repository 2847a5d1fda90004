"""The report says what its figures do not rest on: rejected answers, columns of labels,
columns not used and a scale that does not fit reach its caveats, in Dutch and English,
in HTML and PDF (issue 13, point 1)."""

from __future__ import annotations

import datetime
import io
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

import servqual
from servqual.report import build_report, render_html, render_pdf

ACCOUNTED = Path(__file__).parents[1] / "fixtures" / "accounted"
DATE = datetime.date(2026, 12, 1)

EXPECTED = {
    ("unused_columns.csv", "en"): ["Not used by the instrument: P23-P25."],
    ("unused_columns.csv", "nl"): ["Niet gebruikt door het instrument: P23-P25."],
    ("labels.csv", "en"): [
        "39 answers (2%) were rejected as invalid and left out, in P3: servqual validate lists each.",
        "The answers in P3 are text labels, not scale points, so their items are left out of their dimensions; "
        "give each label its point under [values] in a mapping file.",
    ],
    ("labels.csv", "nl"): [
        "39 antwoorden (2%) zijn als ongeldig afgewezen en weggelaten, in P3: servqual validate noemt ze elk.",
        "De antwoorden in P3 zijn tekstlabels, geen schaalpunten, dus hun items tellen niet mee in hun dimensies; "
        "geef elk label zijn punt onder [values] in een koppelbestand.",
    ],
    ("six_point.csv", "en"): [
        "None of the 1707 answers is 7, on the 1..7 scale of the instrument; the answers look like a 1..6 scale: "
        "check that the file and the instrument use the same scale."
    ],
    ("six_point.csv", "nl"): [
        "Geen van de 1707 antwoorden is 7, op de schaal 1..7 van het instrument; de antwoorden lijken op een schaal "
        "1..6: controleer of het bestand en het instrument dezelfde schaal gebruiken."
    ],
}


def words(text: str) -> str:
    return " ".join(unescape(text).split())


@pytest.mark.parametrize(("name", "lang"), list(EXPECTED))
def test_the_reports_caveats_say_what_the_figures_do_not_rest_on(name, lang):
    responses = servqual.read_responses(ACCOUNTED / name, progress=False)
    result = servqual.analyze(responses)
    content = build_report(result, responses.instrument, lang=lang, date=DATE, validation=responses.report)
    html = words(render_html(content))
    pdf = words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(content))).pages))
    for sentence in EXPECTED[name, lang]:
        assert sentence in html
        assert sentence.replace(" ", "") in pdf.replace(" ", "")  # the PDF's lines break anywhere
