"""The report in Dutch and English for the standard, three-column and a custom instrument:
its figures are the analysis result's, and every text is in the chosen language."""

from __future__ import annotations

import datetime
import io
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from servqual.i18n import number, pick, translator
from servqual.report import build_report, render_html, render_pdf
from servqual.report.charts import BAND
from servqual.report.text import analysis_text
from servqual.report.words import section_title

DATE = datetime.date(2026, 12, 1)
PO = Path(__file__).parents[2] / "src" / "servqual" / "locale" / "nl" / "LC_MESSAGES" / "servqual.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class Tables(HTMLParser):
    """Each table's header and rows (by their data-key) as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self.table = self.row = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(attrs["id"], {})
        elif tag == "tr" and self.table is not None:
            self.row = self.table.setdefault(attrs.get("data-key", "header"), [])
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "table":
            self.table = self.row = None


def tables(html: str) -> dict[str, dict[str, list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def english_fragments() -> list[str]:
    """Pieces of catalog messages whose Dutch differs: none may stay in a Dutch report."""
    fragments = set()
    for message in read_po(io.BytesIO(PO.read_bytes())):
        if message.id and message.string and message.string != message.id:
            fragments |= {part.strip() for part in PLACEHOLDER.split(message.id) if len(part.strip()) >= 12}
    return sorted(fragments)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_dimension_gap_in_the_html_is_the_analysis_result(study, lang):
    responses, result = study
    table = tables(render_html(build_report(result, responses.instrument, lang=lang, date=DATE)))["dimension-table"]
    header = table.pop("header")
    column = header.index(translator(lang)(section_title("gap", responses.instrument)))
    assert set(table) == set(result.dimensions)
    for key, cells in table.items():
        assert cells[column] == number(result.dimensions[key].scores["gap"].mean, lang)


def test_dutch_figures_have_a_decimal_comma(study300):
    responses, result = study300
    html = render_html(build_report(result, responses.instrument, lang="nl", date=DATE))
    gap = result.dimensions["reliability"].scores["gap"].mean
    row = tables(html)["dimension-table"]["reliability"]
    assert f"{gap:.2f}".replace(".", ",") in row
    assert f"{gap:.2f}" not in row


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_pdf_holds_the_summary_in_the_chosen_language(study, lang):
    responses, result = study
    content = build_report(result, responses.instrument, lang=lang, title="Studie 2026", date=DATE)
    text = pdf_text(render_pdf(content))
    headings = {
        "en": ["Management summary", "Where to act first", "Results per dimension", "Appendix: all items"],
        "nl": ["Managementsamenvatting", "Waar eerst handelen", "Resultaten per dimensie", "Bijlage: alle items"],
    }[lang]
    for heading in headings:
        assert heading in text
    assert "Studie 2026" in text and "2026-12-01" in text
    keyfigures = next(b for b in content["sections"][0]["blocks"] if b["type"] == "keyfigures")
    for figure in keyfigures["items"]:  # the key figures of the summary
        assert figure["value"] in text
    if result.servqual is not None:
        assert number(result.servqual.unweighted, lang) in text
        biggest = min(result.items, key=lambda i: i.scores["gap"].mean)
        assert number(biggest.scores["gap"].mean, lang) in text


def test_the_summary_names_the_three_biggest_gaps(study300):
    responses, result = study300
    content = build_report(result, responses.instrument, lang="en", service="De Bank", date=DATE)
    bullets = next(b for b in content["sections"][0]["blocks"] if b["type"] == "bullets")["items"]
    worst = sorted(result.items, key=lambda i: i.scores["gap"].mean)[:3]
    assert len(bullets) == 3
    for line, item in zip(bullets, worst, strict=True):
        assert f"item {item.item}:" in line
        assert f"Gap {number(item.scores['gap'].mean, 'en')} [" in line
    assert "De Bank" in bullets[0]


def test_where_to_act_comes_from_the_importance_performance_quadrants(study300):
    responses, result = study300
    content = build_report(result, responses.instrument, lang="en", date=DATE)
    blocks = content["sections"][0]["blocks"]
    act = blocks[[b.get("text") for b in blocks].index("Where to act first") + 1]["items"]
    first = [e.dimension for e in result.ipa.dimensions if e.quadrant == "concentrate_here"]
    assert first, "the study has dimensions to act on"
    names = {d.key: pick(d.name, "en") for d in responses.instrument.dimensions}
    assert [line.split(":")[0] for line in act[: len(first)]] == sorted(
        (names[k] for k in first),
        key=lambda n: -next(e.importance for e in result.ipa.dimensions if names[e.dimension] == n),
    )


@pytest.mark.parametrize("render", [render_html, lambda c: pdf_text(render_pdf(c))], ids=["html", "pdf"])
def test_the_dutch_report_has_no_english_catalog_text(study, render):
    responses, result = study
    text = unescape(render(build_report(result, responses.instrument, lang="nl", date=DATE)))
    text = " ".join(text.split())
    left = [fragment for fragment in english_fragments() if fragment in text]
    assert left == []
    assert "{service}" not in text and "de organisatie" in text.lower()


def test_suppressed_groups_show_no_figure_or_count(study300):
    responses, result = study300
    segment = result.segments["branch"]
    hidden = [g.value for g in segment.groups if g.suppressed]
    assert hidden == ["Den Haag", "Eindhoven"]
    content = build_report(result, responses.instrument, lang="en", date=DATE)
    html = render_html(content)
    table = tables(html)["segment-branch"]
    for value in hidden:
        assert table[value][1] == "too few respondents"
        assert not any(re.search(r"\d", cell) for cell in table[value])
    chart = next(b for s in content["sections"] if s["id"] == "segments" for b in s["blocks"] if b["type"] == "chart")
    for value in hidden:
        rows = re.findall(rf">{value}</text><text[^>]*>([^<]*)</text>", chart["svg"])
        assert rows == ["too few respondents"] * len(result.dimensions)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_hidden_dimension_of_a_shown_group_says_too_few_respondents(one_answered_tangibles, lang):
    responses, result = one_answered_tangibles
    _ = translator(lang)
    too_few = _("too few respondents")
    content = build_report(result, responses.instrument, lang=lang, date=DATE)
    table = tables(render_html(content))["segment-branch"]
    groups = {g.value: g for g in result.segments["branch"].groups}
    tangibles = 2  # the cells: the group, n, then the dimensions in order
    for value in ("Gouda", "Delft"):
        assert table[value][tangibles] == too_few
        assert table[value][1] == str(groups[value].n)  # the group's size stays
        assert table[value][tangibles + 1] == number(groups[value].dimensions["reliability"].mean, lang)
    assert re.search(r"\d", table["Breda"][tangibles])
    chart = next(b for s in content["sections"] if s["id"] == "segments" for b in s["blocks"] if b["type"] == "chart")
    for value in ("Gouda", "Delft"):
        notes = re.findall(rf">{value}</text><text[^>]*>([^<]*)</text>", chart["svg"])
        assert notes == [too_few]  # the tangibles bar only; its other dimensions have bars
    text = analysis_text(result, responses.instrument, lang)
    gouda = next(line for line in text.splitlines() if line.startswith("Gouda"))
    assert too_few in gouda and "25" in gouda
    figures = gouda.split()
    assert len([f for f in figures if re.fullmatch(r"-?\d+[.,]\d\d", f)]) == len(result.dimensions) - 1


def test_each_gap_chart_states_the_sign(study300):
    responses, result = study300
    for lang, note in (("en", "gap = P − E (negative: service falls short)"), ("nl", "kloof = B − V")):
        content = build_report(result, responses.instrument, lang=lang, date=DATE)
        charts = [b["svg"] for s in content["sections"] for b in s["blocks"] if b["type"] == "chart"]
        gap_charts = [svg for svg in charts if "Gap per dimension" in svg or "Kloof per dimensie" in svg]
        assert len(gap_charts) == 2  # the summary's and the one per segment
        assert all(note in svg for svg in gap_charts)


def test_the_three_column_report_shows_the_zone_of_tolerance(three_column):
    responses, result = three_column
    content = build_report(result, responses.instrument, lang="nl", date=DATE)
    html = render_html(content)
    zone = tables(html)["zone-table"]
    for key, cells in zone.items():
        if key != "header":
            zone = result.dimensions[key].zone
            shares = (zone.below, zone.inside, zone.above)
            assert cells[1:4] == [number(share * 100, "nl", 0) + " %" for share in shares]
    chart = next(
        b["svg"] for s in content["sections"] for b in s["blocks"] if "Tolerantiezone per item" in b.get("svg", "")
    )
    assert chart.count(f'fill="{BAND}"') == len(result.items)  # one band per item, minimum to desired


def test_a_report_without_expectations_names_the_lowest_perceptions():
    import polars as pl

    import servqual

    frame = pl.read_csv(Path(__file__).parents[1] / "analysis" / "data" / "study300.csv")
    responses = servqual.read_responses(frame.drop([c for c in frame.columns if c.startswith("E")]), "servperf")
    result = servqual.analyze(responses)
    content = build_report(result, responses.instrument, lang="en", date=DATE)
    summary = content["sections"][0]["blocks"]
    assert summary[0]["items"][1] == {"value": number(result.servperf.unweighted, "en"), "label": "mean perception"}
    lowest = min(result.items, key=lambda i: i.scores["perception"].mean)
    assert summary[1] == {"type": "heading", "text": "The three lowest-rated items"}
    assert summary[2]["items"][0].startswith(
        f"{pick(responses.instrument.dimensions[1].name, 'en')}, item {lowest.item}:"
    )
    assert "Mean perception " + number(lowest.scores["perception"].mean, "en") in summary[2]["items"][0]
    assert "“When you have a problem, the organisation is" in summary[2]["items"][0]
    assert "gap" not in render_html(content).split("<h2>Management summary</h2>")[1].split("<h2>")[0].lower()


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_management_summary_fits_on_one_page(study, lang):
    responses, result = study
    _ = translator(lang)
    pages = PdfReader(io.BytesIO(render_pdf(build_report(result, responses.instrument, lang=lang, date=DATE)))).pages
    cover, summary, following = (" ".join(p.extract_text().split()) for p in pages[:3])
    assert _("Contents") in cover
    assert _("Management summary") in summary and _("Where to act first") in summary
    # Next comes what to read with care, then the results per dimension.
    assert _("Read with care") in following and _("Management summary") not in following


def test_a_chart_scale_reaches_past_the_highest_value():
    from servqual.report.charts import ticks

    assert ticks(-2.1, 0.25) == [-2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5]  # a small positive gap is not cut off
    assert ticks(-1.5, -0.1) == [-1.5, -1.0, -0.5, 0.0]
