"""The report's section on the five gaps (a :func:`servqual.analysis.diagnose` result): the
picture of the gaps model with each gap's size and level, the evidence per gap, the
findings per branch, the gaps per process, in Dutch and English, in HTML and PDF; hidden
figures stay hidden. Data: tests/analysis/data, with gap 3 planted in Rotterdam (its
employees' teamwork and perceived control low, its customers' reliability gap larger)."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import replace
from html import unescape
from pathlib import Path

import polars as pl
import pytest

import servqual
from report.test_report import english_fragments, pdf_text, tables
from servqual.analysis import MIN_UNITS_FOR_RELATION, UnitRelation, diagnose, factor_scores, gap1
from servqual.i18n import number, pick, translator
from servqual.instruments import load_processes
from servqual.report import build_report, render_html, render_pdf
from servqual.report.charts import GREY, LEVEL_COLOURS
from servqual.report.words import GAP_LEVELS

DATA = Path(__file__).parents[1] / "analysis" / "data"
DATE = datetime.date(2026, 12, 1)


@pytest.fixture(scope="module")
def files():
    customers = servqual.read_responses(DATA / "study300.csv", "servqual-22", progress=False)
    managers = servqual.read_responses(DATA / "managers40.csv", "servqual-managers", progress=False)
    employees = servqual.read_responses(DATA / "employees150.csv", "servqual-employees", progress=False)
    return customers, managers, employees, servqual.analyze(customers, segments=["branch"])


def diagnosed(files, min_group=5, with_managers=True):
    customers, managers, employees, result = files
    instruments = [customers.instrument, managers.instrument, employees.instrument]
    return diagnose(
        customers,
        result,
        managers if with_managers else None,
        employees,
        units=["branch"],
        processes=load_processes("default", instruments),
        min_group=min_group,
    )


@pytest.fixture(scope="module")
def diagnosis(files):
    return diagnosed(files)


def report(files, diagnosis, lang):
    customers, _managers, _employees, result = files
    return build_report(result, customers.instrument, lang=lang, date=DATE, diagnosis=diagnosis)


def section(content):
    return next(s for s in content["sections"] if s["id"] == "gaps")


def factor_name(files, key, lang):
    _, managers, employees, _ = files
    factor = next(f for i in (managers.instrument, employees.instrument) for f in i.factors if f.key == key)
    return pick(factor.name, lang)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_five_gaps_follow_the_summary_and_its_caveats(files, diagnosis, lang):
    content = report(files, diagnosis, lang)
    ids = [s["id"] for s in content["sections"]]
    assert ids[:4] == ["summary", "cautions", "gaps", "dimensions"]
    assert section(content)["title"] == {"en": "The five gaps", "nl": "De vijf kloven"}[lang]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_picture_shows_each_gap_with_its_size_and_level_and_links_to_its_evidence(files, diagnosis, lang):
    _ = translator(lang)
    content = report(files, diagnosis, lang)
    svg = section(content)["blocks"][1]["svg"]
    html = render_html(content)
    links = re.findall(r'<a href="#(gap-\d)">(.*?)</a>', svg)
    assert [anchor for anchor, _badge in links] == [f"gap-{n}" for n in range(1, 6)]
    levels = [diagnosis.gap(n).size.level for n in range(1, 6)]
    assert levels == ["medium", "small", "medium", "medium", "medium"]  # the planted gap 3 is not small
    for (anchor, badge), gap in zip(links, diagnosis.gaps, strict=True):
        texts = re.findall(r">([^<]+)</text>", badge)
        assert texts == [
            f"{_('Gap {gap}').format(gap=gap.gap)} · {number(gap.size.index, lang, 0)}",
            _(GAP_LEVELS[gap.size.level]),
        ]
        assert f'stroke="{LEVEL_COLOURS[gap.size.level][0]}"' in badge  # the colour goes with the words
        assert f'<h3 id="{anchor}">' in html  # the evidence the link leads to


def test_a_gap_not_measured_is_grey_and_says_why(files):
    diagnosis = diagnosed(files, with_managers=False)
    content = report(files, diagnosis, "en")
    blocks = section(content)["blocks"]
    badge = re.search(r'<a href="#gap-2">(.*?)</a>', blocks[1]["svg"]).group(1)
    assert f'stroke="{GREY}"' in badge and ">not measured</text>" in badge and "·" not in badge
    after = blocks[[b.get("id") for b in blocks].index("gap-2") + 1]
    assert after["text"] == "Not measured: this study has no answers from managers."
    # gap 3 still measured from the employees
    assert "Size 35 of 100: medium." in blocks[[b.get("id") for b in blocks].index("gap-3") + 1]["text"]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_findings_name_the_planted_cause_in_rotterdam_as_an_association(files, diagnosis, lang):
    customers, *_rest = files
    content = report(files, diagnosis, lang)
    blocks = section(content)["blocks"]
    start = next(i for i, b in enumerate(blocks) if b["type"] == "heading" and "branch" in b["text"])
    findings = blocks[start + 1]["items"]
    assert len(findings) == 1  # one unit stands out: Rotterdam, with all its findings in one line
    line = findings[0]
    teamwork, control = (factor_name(files, key, lang).lower() for key in ("teamwork", "perceived_control"))
    reliability = pick(next(d.name for d in customers.instrument.dimensions if d.key == "reliability"), lang)
    expected = {
        "en": f"Rotterdam: employees score {teamwork} and {control} clearly lower than in the other groups (gap 3); "
        f"its customers see a larger gap on {reliability.lower()} (gap 5).",
        "nl": f"Rotterdam: medewerkers scoren {teamwork} en {control} duidelijk lager dan in de andere groepen "
        f"(kloof 3); de klanten zien er een grotere kloof bij {reliability.lower()} (kloof 5).",
    }[lang]
    assert line == expected
    words = " ".join(b["text"] for b in blocks[start + 2 :] if b["type"] == "text")
    assert {"en": "association, not proof of cause", "nl": "samenhang, geen bewijs van oorzaak"}[lang] in words
    assert {"en": "(5 of the 10 needed)", "nl": "(5 van de 10 nodig)"}[lang] in words


def test_a_hidden_factor_shows_as_hidden_and_leaks_no_figure(files):
    customers, managers, _employees, _result = files
    diagnosis = diagnosed(files, min_group=60)  # 40 managers: all their figures hidden
    frame = pl.read_csv(DATA / "managers40.csv")
    answers = [c for c in frame.columns if c not in ("respondent_id", "branch") and not c.startswith("W_")]
    frame = frame.with_columns([(8 - pl.col(c)).alias(c) for c in answers])
    other = servqual.read_responses(frame, "servqual-managers", progress=False)
    turned = diagnosed((customers, other, *files[2:]), min_group=60)
    assert factor_scores(other).factors[0].figures.mean != factor_scores(managers).factors[0].figures.mean
    assert all(f.figures.suppressed for f in diagnosis.gap(2).factors)
    hidden_means = [f.figures.mean for f in factor_scores(managers).factors]
    hidden_means += [c.first.mean for c in gap1(customers, managers).expectation.dimensions]
    hidden_means += [c.difference for c in gap1(customers, managers).expectation.dimensions]
    for lang in ("en", "nl"):
        content = report(files, diagnosis, lang)
        found = tables(render_html(content))
        for key in ("gap-1-factors", "gap-2-factors"):
            rows = {k: v for k, v in found[key].items() if k != "header"}
            assert rows and all(
                cells[1:] == [translator(lang)("too few respondents"), "", "", ""] for cells in rows.values()
            )
        for cells in (v for k, v in found["gap-1-prediction"].items() if k != "header"):
            assert cells[1] == translator(lang)("too few respondents") and cells[3:6] == ["", "", ""]
        everything = json.dumps(content)
        assert not [n for n in map(float, re.findall(r"-?\d+\.\d{6,}", everything)) if n in hidden_means]
        # nothing in the section depends on the hidden answers: other managers' answers,
        # every one turned around (8 - x), give the very same section
        assert section(report(files, turned, lang)) == section(content)
    # with managers hidden, gaps 1 and 2 are not measured, and say why
    blocks = section(report(files, diagnosis, "en"))["blocks"]
    size = blocks[[b.get("id") for b in blocks].index("gap-2") + 1]["text"]
    assert size == "Not measured: too few managers answered to show a figure without revealing their answers."


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_each_process_shows_the_level_of_each_gap_with_its_owner(files, diagnosis, lang):
    _ = translator(lang)
    content = report(files, diagnosis, lang)
    html = render_html(content)
    table = tables(html)["processes"]
    for process in diagnosis.processes:
        cells = table[process.process.key]
        assert cells[:2] == [pick(process.process.names, lang), pick(process.process.owner, lang)]
        assert cells[2:] == [_(GAP_LEVELS[size.level]) for size in process.sizes]
    # each level cell carries its tint as a class, the level's word in it too
    delivery = re.search(r'<tr data-key="delivery">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'class="number level level-(\w+)"', delivery) == [
        size.level or "unmeasured" for size in next(p for p in diagnosis.processes if p.process.key == "delivery").sizes
    ]
    assert "td.level-large { background: #f6cdb3; }" in html


def test_the_html_has_its_anchors_titles_and_full_rows(files, diagnosis):
    html = render_html(report(files, diagnosis, "en"))
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # every id once
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids  # every link, in the contents and the picture, leads somewhere
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        assert re.match(r"<svg[^>]*><title>[^<]+</title>", svg)  # every chart has a text alternative
    for key, table in tables(html).items():
        header = table.pop("header")
        assert all(len(cells) == len(header) for cells in table.values()), key


@pytest.mark.parametrize("render", [render_html, lambda c: pdf_text(render_pdf(c))], ids=["html", "pdf"])
def test_the_dutch_section_has_no_english_catalog_text(files, diagnosis, render):
    text = " ".join(unescape(render(report(files, diagnosis, "nl"))).split())
    assert [fragment for fragment in english_fragments() if fragment in text] == []


def test_the_pdf_holds_the_section(files, diagnosis):
    text = pdf_text(render_pdf(report(files, diagnosis, "nl")))
    for words in ("De vijf kloven", "Kloof 3: leveringskloof", "Kloof 1: kenniskloof", "De kloven per klantproces"):
        assert words in text
    assert "Rotterdam: medewerkers scoren samenwerking en ervaren invloed duidelijk lager" in text
    assert "Manager financiële administratie" in text  # the owner of invoicing


def test_without_a_diagnosis_the_report_has_no_such_section(files):
    customers, _managers, _employees, result = files
    content = build_report(result, customers.instrument, lang="en", date=DATE)
    assert "gaps" not in [s["id"] for s in content["sections"]] and "tones" not in content
    html = render_html(content)
    assert 'id="gap-1"' not in html and "The five gaps" not in html and 'class="number level' not in html


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_relations_across_enough_units_are_given_as_associations(files, diagnosis, lang):
    unit = diagnosis.units["branch"]
    enough = UnitRelation("teamwork", 3, MIN_UNITS_FOR_RELATION + 2, 0.5, 0.01)
    few = UnitRelation("customer_research", 1, 3, 0.97, 0.16)
    wider = replace(diagnosis, units={"branch": replace(unit, relations=(enough, few))})
    blocks = section(report(files, wider, lang))["blocks"]
    start = next(i for i, b in enumerate(blocks) if b["type"] == "heading" and "branch" in b["text"])
    relations = next(b for b in blocks[start:] if b["type"] == "bullets" and b is not blocks[start + 1])
    name = factor_name(files, "teamwork", lang)
    assert relations["items"] == [
        {
            "en": f"{name} (gap 3) and the customers' mean gap, across 12 groups: r = 0.50 (p 0.010).",
            "nl": f"{name} (kloof 3) en de gemiddelde kloof van klanten, over 12 groepen: r = 0,50 (p 0,010).",
        }[lang]
    ]  # the relation over 3 groups is left out
    words = " ".join(b["text"] for b in blocks[start:] if b["type"] == "text")
    assert {"en": "groups differ in more than these scores", "nl": "groepen verschillen in meer dan"}[lang] in words
