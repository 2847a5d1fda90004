"""The PDF as a reader meets it: contents, page numbers, running header, embedded fonts,
and charts as vector graphics."""

from __future__ import annotations

import datetime
import io

import pytest
from pypdf import PdfReader

from servqual.i18n import translator
from servqual.report import build_report, render_pdf


@pytest.fixture(scope="module")
def pdf(study300):
    responses, result = study300
    content = build_report(
        result, responses.instrument, lang="nl", title="Klantonderzoek 2026", date=datetime.date(2026, 12, 1)
    )
    return content, PdfReader(io.BytesIO(render_pdf(content)))


def test_every_page_after_the_cover_has_the_header_and_its_number(pdf):
    _, reader = pdf
    total = len(reader.pages)
    assert total >= 8
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"{number} / {total}" in text
        if number > 1:
            assert text.startswith("Klantonderzoek 2026") and "2026-12-01" in text


def test_the_contents_list_every_section_with_its_page(pdf):
    content, reader = pdf
    titles = [section["title"] for section in content["sections"]]
    cover = " ".join(reader.pages[0].extract_text().split())
    assert translator("nl")("Contents") in cover
    for title in titles:
        assert title in cover
    bookmarks = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert bookmarks == titles  # the PDF's own outline, for the reader's side panel
    first = {entry.title: reader.get_destination_page_number(entry) + 1 for entry in reader.outline}
    assert first[titles[0]] == 2 and sorted(first.values()) == [first[t] for t in titles]


def test_fonts_are_embedded_and_charts_are_vectors(pdf):
    _, reader = pdf
    fonts, images = [], 0
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"].get_object()
            fonts.append(any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")))
        for xobject in resources.get("/XObject", {}).values():
            xobject = xobject.get_object()
            images += xobject["/Subtype"] == "/Image"
            for inner in xobject.get("/Resources", {}).get("/XObject", {}).values():
                images += inner.get_object()["/Subtype"] == "/Image"
    assert fonts and all(fonts)
    assert images == 0
    # the charts' own labels are text in the PDF, not pixels (the sign note is only in the charts)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert text.count("kloof = B − V (negatief: de dienstverlening schiet tekort)") == 2
