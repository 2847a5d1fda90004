"""What users type (title, service name, segment values, item texts) is shown as text in
the HTML, the PDF and the charts, and never runs as markup or code."""

from __future__ import annotations

import datetime
import io

from pypdf import PdfReader

from servqual.report import build_report, render_html, render_pdf

HOSTILE_TITLE = '<script>alert(1)</script> #eval("1+1") *bold* $x$ ] \\ @ref & "q"'
HOSTILE_SERVICE = "</text><svg onload=alert(1)> #set page(width: 1cm) [x]"


def hostile_report(study, lang: str = "en"):
    responses, result = study
    return build_report(
        result,
        responses.instrument,
        lang=lang,
        title=HOSTILE_TITLE,
        service=HOSTILE_SERVICE,
        date=datetime.date(2026, 1, 2),
    )


def test_the_html_shows_hostile_text_as_text(hostile_study):
    html = render_html(hostile_report(hostile_study))
    assert "<script>" not in html and "<img" not in html and "<svg onload" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the segment value, in the table and the chart
    assert "&lt;/text&gt;&lt;svg onload=alert(1)&gt;" in html  # the service name, in item texts and chart labels


def test_the_pdf_shows_hostile_text_literally(hostile_study):
    pdf = render_pdf(hostile_report(hostile_study, "nl"))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert HOSTILE_TITLE in text  # typst did not evaluate #eval, *bold* or $x$
    assert '#"]; #panic()' in text
    assert "#set page(width: 1cm) [x]" in text
