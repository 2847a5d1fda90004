"""The management summary of one segment group (the management view's filter): built from
the group's row of the segment table and nothing else, so it shows no figure the table
hides, none per item, and no advice on too few respondents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import servqual
from servqual.analysis import MIN_FOR_ADVICE
from servqual.i18n import number, pick, translator
from servqual.report import build_group_summaries, build_report

FIXTURES = Path(__file__).parents[1] / "fixtures"


def segment_rows(content: dict, column: str) -> dict[str, list[str]]:
    """The rows of the report's segment table of ``column``, by their first cell."""
    segments = next(s for s in content["sections"] if s["id"] == "segments")
    block = next(b for b in segments["blocks"] if b.get("id") == f"segment-{column}")
    return {row["key"]: row["cells"] for row in block["rows"]}


def blocks_of(section: dict, kind: str) -> list[dict]:
    return [b for b in section["blocks"] if b["type"] == kind]


def group_table(section: dict) -> dict[str, list[str]]:
    (table,) = blocks_of(section, "table")
    assert table["id"] == "group-table"
    return {row["key"]: row["cells"] for row in table["rows"]}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_each_groups_summary_shows_the_figures_of_its_row_in_the_segment_table(study, lang):
    responses, result = study
    _ = translator(lang)
    content = build_report(result, responses.instrument, lang=lang)
    summaries = build_group_summaries(result, responses.instrument, lang=lang)
    visible = {
        (column, g.value) for column, segment in result.segments.items() for g in segment.groups if not g.suppressed
    }
    assert {(s.column, s.value) for s in summaries} == visible
    for summary in summaries:
        row = segment_rows(content, summary.column)[_("(no value)") if summary.value is None else summary.value]
        assert row[1] == str(summary.n)
        shown = group_table(summary.section)
        assert list(shown) == list(result.dimensions)
        for position, key in enumerate(result.dimensions):
            # the segment table's cells: the group, its n, then one mean per dimension
            assert shown[key][1] == row[2 + position], (summary.column, summary.value, key)
            score = next(g for g in result.segments[summary.column].groups if g.value == summary.value).dimensions[key]
            if score.suppressed:
                assert shown[key][1:] == [_("too few respondents"), "", ""]
            else:
                assert shown[key][3] == str(score.n)
                assert shown[key][2] == f"[{number(score.ci95[0], lang)}; {number(score.ci95[1], lang)}]"
        (figures,) = blocks_of(summary.section, "keyfigures")
        assert figures["items"][0] == {"value": str(summary.n), "label": _("respondents")}
        assert summary.section["id"] == "summary"


def test_suppressed_groups_have_no_summary(study300):
    responses, result = study300
    summaries = build_group_summaries(result, responses.instrument)
    assert [s.value for s in summaries] == ["Amsterdam", "Rotterdam", "Utrecht"]
    assert {g.value for g in result.segments["branch"].groups if g.suppressed} == {"Den Haag", "Eindhoven"}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_dimension_score_the_segment_table_hides_stays_hidden(one_answered_tangibles, lang):
    responses, result = one_answered_tangibles
    _ = translator(lang)
    summaries = {s.value: s for s in build_group_summaries(result, responses.instrument, lang=lang)}
    for value in ("Gouda", "Delft"):  # tangibles hidden in the segment table
        section = summaries[value].section
        assert group_table(section)["tangibles"][1:] == [_("too few respondents"), "", ""]
        (chart,) = blocks_of(section, "chart")
        assert re.findall(r"<text[^>]*>([^<]*)</text>", chart["svg"]).count(_("too few respondents")) == 1
        # the mean over the dimensions would rest on the hidden one: not shown
        (figures,) = blocks_of(section, "keyfigures")
        assert [f["label"] for f in figures["items"]] == [_("respondents")]
    breda = result.segments["branch"].groups[0]
    assert breda.value == "Breda"
    (figures,) = blocks_of(summaries["Breda"].section, "keyfigures")
    mean = sum(s.mean for s in breda.dimensions.values()) / len(breda.dimensions)
    assert figures["items"][1] == {"value": number(mean, lang), "label": _("SERVQUAL score (mean gap)")}
    short = sum(1 for s in breda.dimensions.values() if s.mean < 0)
    assert figures["items"][2]["value"] == f"{short}/5"


def test_where_to_act_names_the_dimensions_whose_gap_is_clearly_below_zero(study300):
    responses, result = study300
    summaries = build_group_summaries(result, responses.instrument)
    names = {d.key: pick(d.name, "en") for d in responses.instrument.dimensions}
    for summary in summaries:
        assert summary.n >= MIN_FOR_ADVICE
        group = next(g for g in result.segments["branch"].groups if g.value == summary.value)
        clear = sorted((s.mean, key) for key, s in group.dimensions.items() if s.ci95[1] < 0)
        assert clear, summary.value  # the synthetic study falls short somewhere in every branch
        (advice,) = blocks_of(summary.section, "bullets")
        assert [line.split(":")[0] for line in advice["items"]] == [names[key] for _mean, key in clear]
        assert all("Act here" not in line and "not chance" in line for line in advice["items"])


def test_no_advice_for_a_group_below_the_minimum(one_answered_tangibles):
    responses, result = one_answered_tangibles
    gouda = next(s for s in build_group_summaries(result, responses.instrument) if s.value == "Gouda")
    assert gouda.n == 25 < MIN_FOR_ADVICE
    texts = [b["text"] for b in gouda.section["blocks"] if b["type"] in ("text", "notice")]
    assert any(t.startswith("With 25 respondents no advice on where to act first is given") for t in texts)
    assert any(t.startswith("Only 25 respondents in this group") for t in texts)
    assert not blocks_of(gouda.section, "bullets")


def test_a_groups_summary_shows_no_figure_per_item_and_says_where_the_groups_are(study300):
    responses, result = study300
    instrument = responses.instrument
    for summary in build_group_summaries(result, instrument):
        words = " ".join(
            str(value) for block in summary.section["blocks"] for value in block.values() if isinstance(value, str)
        )
        words += " ".join(line for block in blocks_of(summary.section, "bullets") for line in block["items"])
        assert not [item.number for item in instrument.items if item.text("perception", "en", "Acme")[:30] in words]
        assert "item" not in re.sub(r"Figures per item[^.]*\.|every item[^.]*\.", "", words)
        assert "Figures per item, the biggest gaps among the items" in words and "“Segments”" in words


@pytest.mark.parametrize("missing", ["exclude", "group"])
def test_respondents_without_a_value_are_a_group_to_choose_only_where_they_form_one(missing):
    responses = servqual.read_responses(FIXTURES / "blank_branch.csv", progress=False)
    result = servqual.analyze(responses, segments=["branch", "channel"], segment_missing=missing)
    summaries = build_group_summaries(result, responses.instrument, lang="nl")
    without = [s for s in summaries if s.column == "branch" and s.value is None]
    if missing == "exclude":
        assert without == []
    else:
        (group,) = without
        assert group.n == 9
        assert group.section["title"] == "Managementsamenvatting: branch “(geen waarde)”"
