"""The report's content, built once from an analysis result: sections of blocks (texts,
tables, charts) with every figure formatted and every text translated.

The HTML (Jinja2) and the PDF (typst) templates both render this one structure, so no
figure or sentence is computed twice. It is plain data (dicts, lists, strings), JSON-ready:
typst reads it as JSON, which also means no user text is ever parsed as typst markup.
"""

from __future__ import annotations

import base64
import datetime
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servqual.analysis import LEVEL_BOUNDS, MIN_FOR_ADVICE, MIN_UNITS_FOR_RELATION, SMALL_SAMPLE
from servqual.i18n import N_, number, p_value, pick, translator
from servqual.report import charts
from servqual.report.colours import readable_on_white
from servqual.report.words import (
    AUDIENCE_NAMES,
    CFA_FAILURES,
    FACTOR_GROUP_NAMES,
    FIT_WORDS,
    GAP_AUDIENCES,
    GAP_BASES,
    GAP_EXPLAINED,
    GAP_LEVELS,
    GAP_MEANINGS,
    GAP_NAMES,
    GAP_REMEDIES,
    MODEL_WORDS,
    QUADRANT_NAMES,
    SECTION_TITLES,
    fit_figures,
    fit_quality,
    gap_kind,
    scale_words,
    section_title,
    segment_missing_note,
    warning_text,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from servqual.analysis import (
        AnalysisResult,
        Comparison,
        Diagnosis,
        FactorScore,
        GapDiagnosis,
        GroupScore,
        ItemResult,
        SegmentGroup,
        SegmentResult,
        UnitComparison,
        UnitDiagnosis,
    )
    from servqual.instruments import Instrument
    from servqual.io import ValidationReport

Report = dict[str, Any]
Block = dict[str, Any]


def text(words: str) -> Block:
    return {"type": "text", "text": words}


def notice(words: str) -> Block:
    """A text set apart, read before the figures (too few respondents)."""
    return {"type": "notice", "text": words}


def heading(words: str) -> Block:
    return {"type": "heading", "text": words}


def bullets(items: list[str]) -> Block:
    return {"type": "bullets", "items": items}


def chart(svg: str, caption: str) -> Block:
    return {"type": "chart", "svg": svg, "caption": caption}


def anchored_heading(words: str, anchor: str) -> Block:
    """A heading a link can point to (``#anchor`` in the HTML)."""
    return {"type": "heading", "text": words, "id": anchor}


def table(
    key: str, header: list[str], rows: list[dict[str, Any]], caption: str, text_column: int | None = None
) -> Block:
    """Rows are ``{"key": ..., "cells": [...]}``, optionally with ``"levels"``: per cell a
    gap's level (small, medium, large, unmeasured; "" for none) that tints it, the level
    also written in the cell (TONES); ``text_column`` is a long-text column
    (the items) that gets the page's width, with the figures right-aligned after it."""
    block = {"type": "table", "id": key, "header": header, "rows": rows, "caption": caption}
    return block if text_column is None else {**block, "text_column": text_column}


#: The command line's warnings end with a pointer into the docs; a report names the docs once.
DOCS_LINK = re.compile(r"\s*\(docs/[^)]*\)")
#: How the dimension and segment charts state the sign, per kind of instrument.
SIGN_NOTES = {
    "two-column": N_("gap = P − E (negative: service falls short)"),
    "three-column": N_("superiority gap = P − D (negative: service falls short of the desired level)"),
}
#: The plain words for a gap, by whether its 95% interval lies below, around or above zero;
#: in the three-column format the gap is measured against the desired level.
GAP_WORDS = {
    "two-column": {
        "short": N_("Customers rate this {size} points below what they expect; the shortfall is clear, not chance."),
        "unclear": N_("Customers rate this {size} points below what they expect, but this may be chance."),
        "untested": N_(
            "Customers rate this {size} points below what they expect; too few answered to tell whether this is chance."
        ),
        "met": N_("This meets or exceeds what customers expect ({size} points above)."),
    },
    "three-column": {
        "short": N_(
            "Customers rate this {size} points below the level they desire; the shortfall is clear, not chance."
        ),
        "unclear": N_("Customers rate this {size} points below the level they desire, but this may be chance."),
        "untested": N_(
            "Customers rate this {size} points below the level they desire; too few answered to tell whether this "
            "is chance."
        ),
        "met": N_("This reaches or exceeds the level customers desire ({size} points above)."),
    },
}


#: Image formats a logo may have on the cover (what browsers and typst both show).
LOGO_FORMATS = {"png": "image/png", "jpeg": "image/jpeg"}


@dataclass(frozen=True)
class Cover:
    """What the cover says of the study beyond the analysis: the organisation, its logo and
    accent colour, the fieldwork period and the responses. Every field is optional (the
    command line knows none of them); the web app fills what it knows. Plain values, so
    the report needs no database to read them."""

    organisation: str | None = None
    #: the logo's bytes, a PNG or JPEG already checked by whoever stored it
    logo: bytes | None = None
    #: "png" or "jpeg"
    logo_format: str | None = None
    #: #rrggbb; used for headings and rules only when white text on it reads (colours.readable_on_white)
    accent: str | None = None
    #: the fieldwork period: the wave's first and last day
    opens: datetime.date | None = None
    closes: datetime.date | None = None
    #: the responses the report rests on
    responses: int | None = None
    #: the invitations sent and the share of them answered, in percent; None without
    #: invitations, or where the rate is hidden (fewer responses than the anonymity threshold)
    invited: int | None = None
    response_rate: int | None = None


#: The report's colour for headings and rules when no readable accent colour is given
#: (Okabe-Ito blue, charts.BLUE).
DEFAULT_ACCENT = charts.BLUE
#: The tint of a table cell per gap level (a row's ``levels``), as the gaps model's picture
#: fills its labels; "unmeasured" for a gap that was not measured.
TONES = {level or "unmeasured": fill for level, (_stroke, fill) in charts.LEVEL_COLOURS.items()}
#: Who answers for each gap: what a gap that was not measured lacks.


def build_report(
    result: AnalysisResult,
    instrument: Instrument,
    *,
    lang: str = "en",
    title: str | None = None,
    service: str | None = None,
    validation: ValidationReport | None = None,
    date: datetime.date | None = None,
    cover: Cover | None = None,
    diagnosis: Diagnosis | None = None,
) -> Report:
    """The content of the report on ``result`` (an :class:`~servqual.analysis.AnalysisResult`)
    for ``instrument``, in ``lang``. ``validation`` (the response set's report) adds what was
    read and excluded to the method section; ``cover`` adds the organisation, its logo and
    colour, the fieldwork period and the responses to the cover. ``diagnosis``
    (:func:`servqual.analysis.diagnose`) adds the section on the five gaps. Works from the
    results only: its cost does not grow with the number of respondents."""
    builder = _Builder(result, instrument, lang, service, validation)
    builder.diagnosis = diagnosis
    return builder.build(title, date or datetime.date.today(), cover or Cover())


@dataclass(frozen=True)
class GroupSummary:
    """The management summary of one group of a segment column (branch = Utrecht), built
    from that group's row of the segment table only (:meth:`_Builder.group_summary`)."""

    column: str
    #: None: the respondents without a value, where they form a group of their own
    value: str | None
    #: the group's respondents, as the segment table shows them
    n: int
    #: a report section with the id "summary", to show in place of everyone's
    section: Block


def build_group_summaries(
    result: AnalysisResult, instrument: Instrument, *, lang: str = "en", service: str | None = None
) -> list[GroupSummary]:
    """The management summary of every group the segment tables of ``result`` show, in
    their order; none of a suppressed group. Each is built from the figures its segment
    table shows and nothing else, so it can reveal nothing the table does not: the
    segment analysis already hid every group and score that would expose fewer than
    its threshold, directly or by subtraction (:mod:`servqual.analysis._segments`)."""
    builder = _Builder(result, instrument, lang, service, None)
    return [
        GroupSummary(column, group.value, group.n, builder.group_summary(column, segment, group))
        for column, segment in result.segments.items()
        for group in segment.groups
        if not group.suppressed and group.n is not None
    ]


def cover_content(cover: Cover, lang: str) -> Report:
    """The report's ``cover`` (the organisation, its logo in base64 so the content stays
    JSON, and the facts of the fieldwork as label and value) and its ``accent`` colour: the
    cover's when it reads on white, else DEFAULT_ACCENT. Apart from :func:`build_report`,
    so a report kept in a cache can get a fresh cover without being built again."""
    _ = translator(lang)
    facts = []
    if cover.opens is not None and cover.closes is not None:
        facts.append({"label": _("Fieldwork"), "value": f"{cover.opens.isoformat()} – {cover.closes.isoformat()}"})
    if cover.responses is not None:
        facts.append({"label": _("Responses"), "value": str(cover.responses)})
    if cover.response_rate is not None and cover.invited:
        rate = _("{rate} % of {invited} invited").format(rate=cover.response_rate, invited=cover.invited)
        facts.append({"label": _("Response rate"), "value": rate})
    logo = None
    if cover.logo and cover.logo_format in LOGO_FORMATS:
        logo = {
            "format": cover.logo_format,
            "media_type": LOGO_FORMATS[cover.logo_format],
            "base64": base64.b64encode(cover.logo).decode("ascii"),
            "alt": cover.organisation or _("Logo"),
        }
    return {
        "cover": {"organisation": cover.organisation or "", "logo": logo, "facts": facts},
        "accent": cover.accent if cover.accent and readable_on_white(cover.accent) else DEFAULT_ACCENT,
    }


def _in_sentence(name: str) -> str:
    """A name as a word inside a sentence: its first letter lower-case, unless the name
    starts with an abbreviation ("SERVQUAL", "IT-support")."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _capitalised(sentence: str) -> str:
    """An item text that starts with the filled-in service ("de organisatie ...") as a sentence."""
    return sentence[:1].upper() + sentence[1:]


class _Builder:
    def __init__(
        self,
        result: AnalysisResult,
        instrument: Instrument,
        lang: str,
        service: str | None,
        validation: ValidationReport | None,
    ) -> None:
        self.result, self.instrument, self.lang, self.validation = result, instrument, lang, validation
        self._ = translator(lang)
        self.service = service
        self.names = {d.key: pick(d.name, lang) for d in instrument.dimensions}
        named = service or self._("the organisation")
        reverse = " " + self._("(reverse-scored)")
        self.texts = {
            item.number: _capitalised(
                item.text("perception" if "perception" in item.texts else next(iter(item.texts)), lang, named)
            )
            + (reverse if item.reverse else "")
            for item in instrument.items
        }
        self.differences = list(result.differences)
        self.answer_sections = [s for s in result.sections if s not in self.differences]
        #: the headline figure: the gap, else (SERVPERF) the perception
        self.headline = result.headline
        self.kind = gap_kind(result.sections)
        self.diagnosis: Diagnosis | None = None
        self.factor_names: dict[str, str] = {}

    # -- small helpers -------------------------------------------------------------------

    def num(self, value: float | None, digits: int = 2) -> str:
        return number(value, self.lang, digits)

    def fmt(self, digits: int) -> Callable[[float], str]:
        return lambda value: number(value, self.lang, digits)

    def title_of(self, section: str) -> str:
        return self._(section_title(section, self.instrument))

    def interval(self, ci: tuple[float, float]) -> str:
        return f"[{self.num(ci[0])}; {self.num(ci[1])}]"

    def gap_words(self, mean: float, ci: tuple[float, float]) -> str:
        high = ci[1]
        if mean >= 0:
            key = "met"
        elif high is None or not math.isfinite(high):
            key = "untested"  # no interval: too few answers (servqual.analysis._evidence)
        else:
            key = "short" if high < 0 else "unclear"
        return self._(GAP_WORDS[self.kind or "two-column"][key]).format(size=self.num(abs(mean)))

    def sign_note(self) -> str:
        return self._(SIGN_NOTES[self.kind]) if self.kind else ""

    def gap_legend(self) -> tuple[str, str]:
        """The gap charts' two colours: orange below zero, blue at or above."""
        return self._("falls short (gap below 0)"), self._("meets or exceeds (gap 0 or more)")

    # -- the report ----------------------------------------------------------------------

    def build(self, title: str | None, date: datetime.date, cover: Cover) -> Report:
        _ = self._
        sections = [self.summary()]
        if self.result.warnings:
            sections.append(self.cautions())
        if self.diagnosis is not None:
            sections.append(self.five_gaps(self.diagnosis))
        sections += [self.per_dimension(), self.reliability()]
        if self.result.segments:
            sections.append(self.segments())
        sections += [self.method(), self.appendix()]
        return {
            "lang": self.lang,
            "title": title or _("Service quality report"),
            "subtitle": " · ".join(filter(None, [self.service, pick(self.instrument.name, self.lang)])),
            "date": date.isoformat(),
            "labels": {"contents": _("Contents"), "generated": _("Made with servqual")},
            **cover_content(cover, self.lang),
            "sections": sections,
            # the tints of the gaps' levels, for the tables of the five gaps
            **({"tones": TONES} if self.diagnosis is not None else {}),
        }

    def summary(self) -> Block:
        _, result = self._, self.result
        figures = [{"value": str(result.n_used), "label": _("respondents")}]
        if result.servqual is not None:
            figures.append({"value": self.num(result.servqual.unweighted), "label": _("SERVQUAL score (mean gap)")})
            if math.isfinite(result.servqual.weighted):
                figures.append({"value": self.num(result.servqual.weighted), "label": _("weighted by importance")})
            short = sum(1 for d in result.dimensions.values() if d.scores["gap"].mean < 0)
            figures.append({"value": f"{short}/{len(result.dimensions)}", "label": _("dimensions below expectation")})
        elif result.servperf is not None:
            figures.append({"value": self.num(result.servperf.unweighted), "label": _("mean perception")})
        blocks: list[Block] = []
        if result.n_used < SMALL_SAMPLE:
            blocks.append(
                notice(
                    _(
                        "Only {n} respondents: every figure below is uncertain. Reliability, the tests of the gaps and "
                        "advice on where to act are left out until there are at least {minimum}."
                    ).format(n=result.n_used, minimum=SMALL_SAMPLE)
                )
            )
        blocks.append({"type": "keyfigures", "items": figures})
        if self.kind:
            blocks.append(text(_(GAP_EXPLAINED[self.kind])))
        blocks += self.biggest_gaps()
        blocks += self.where_to_act()
        if "gap" in result.sections:
            blocks.append(self.dimension_gap_chart())
        return {"id": "summary", "title": _("Management summary"), "blocks": blocks}

    def biggest_gaps(self) -> list[Block]:
        _, lang = self._, self.lang
        ranked_by = "gap" if self.headline == "gap" else "perception"

        def score(item: ItemResult) -> float:
            return item.scores[ranked_by].mean

        ranked = sorted((i for i in self.result.items if math.isfinite(score(i))), key=score)[:3]
        if ranked_by == "gap":
            title = _("The three biggest gaps")
            lines = [
                _("{dimension}, item {item}: “{text}” Gap {gap} {interval}. {words}").format(
                    dimension=self.names[i.dimension],
                    item=i.item,
                    text=self.texts[i.item],
                    gap=self.num(i.scores["gap"].mean),
                    interval=self.interval(i.tests["gap"].ci95),
                    words=self.gap_words(i.scores["gap"].mean, i.tests["gap"].ci95),
                )
                for i in ranked
            ]
        else:
            title = _("The three lowest-rated items")
            lines = [
                _("{dimension}, item {item}: “{text}” Mean perception {mean} on a scale of {low} to {high}.").format(
                    dimension=self.names[i.dimension],
                    item=i.item,
                    text=self.texts[i.item],
                    mean=number(i.scores["perception"].mean, lang),
                    low=self.instrument.scale.min,
                    high=self.instrument.scale.max,
                )
                for i in ranked
            ]
        return [heading(title), bullets(lines)]

    def where_to_act(self) -> list[Block]:
        _, ipa = self._, self.result.ipa
        blocks: list[Block] = [heading(_("Where to act first"))]
        if self.result.n_used < MIN_FOR_ADVICE:
            blocks.append(self.no_advice(self.result.n_used))
            return blocks
        if ipa.dimensions:
            act = [e for e in ipa.dimensions if e.quadrant == "concentrate_here"]
            keep = [e for e in ipa.dimensions if e.quadrant == "keep_up"]
            lines = [
                _(
                    "{dimension}: important to customers ({points} of 100 points) and rated below average "
                    "({performance}). Act here first."
                ).format(
                    dimension=self.names[e.dimension],
                    points=self.num(e.importance * 100, 0),
                    performance=self.num(e.performance),
                )
                for e in sorted(act, key=lambda e: -(e.importance or 0.0))
                if e.importance is not None
            ]
            if not act:
                lines.append(_("No dimension is both important to customers and rated below average."))
            if keep:
                lines.append(
                    _("Keep up the good work on: {dimensions}.").format(
                        dimensions=", ".join(self.names[e.dimension] for e in keep)
                    )
                )
            blocks.append(bullets(lines))
            blocks.append(
                text(
                    _(
                        "Importance is the share of 100 points customers gave each dimension; performance is the "
                        "mean perception. Both are compared with their average over the dimensions."
                    )
                )
            )
            return blocks
        act_items = [e for e in ipa.items if e.quadrant == "concentrate_here"]
        if act_items:
            lines = [
                _("Item {item} ({dimension}): “{text}”").format(
                    item=e.item, dimension=self.names[self._dimension_of(e.item)], text=self.texts[e.item]
                )
                for e in sorted(act_items, key=lambda e: e.performance)[:5]
            ]
            blocks.append(
                text(
                    _(
                        "Customers gave no importance points, so importance is derived: how strongly each item goes "
                        "together with their overall judgement. These items matter most and score below average:"
                    )
                )
            )
            blocks.append(bullets(lines))
        else:
            blocks.append(text(_("There is too little data to say where to act first.")))
        return blocks

    def no_advice(self, n: int) -> Block:
        return text(
            self._(
                "With {n} respondents no advice on where to act first is given: which dimension comes first "
                "would be largely chance. It needs at least {minimum}."
            ).format(n=n, minimum=MIN_FOR_ADVICE)
        )

    def _dimension_of(self, item: int) -> str:
        return next(i.dimension for i in self.instrument.items if i.number == item)

    def dimension_gap_chart(self) -> Block:
        _ = self._
        bars = [
            charts.Bar(self.names[key], d.scores["gap"].mean, *d.tests["gap"].ci95)
            for key, d in self.result.dimensions.items()
        ]
        svg = charts.gap_bars(
            [("", bars)],
            title=_("Gap per dimension"),
            sign_note=self.sign_note(),
            fmt=self.fmt(1),
            value_fmt=self.fmt(2),
            legend=self.gap_legend(),
        )
        return chart(svg, _("Gap per dimension, with its 95% confidence interval."))

    # -- the five gaps (the diagnosis) -----------------------------------------------------

    def five_gaps(self, diagnosis: Diagnosis) -> Block:
        """The gaps model with all five gaps: its picture, per gap its size, meaning,
        remedies and evidence, the mirror, the staff's customer orientation, the findings
        per unit and the gaps per customer process. Every figure is one the diagnosis
        shows; a hidden one is said to be hidden, never given."""
        _ = self._
        self.factor_names = self._factor_names(diagnosis)
        blocks: list[Block] = [
            text(
                _(
                    "The gap customers feel (gap 5, between the service they expect and the service they perceive) "
                    "comes from four gaps inside the organisation (gaps 1 to 4). The picture shows each gap's size, "
                    "from 0 (none) to 100 (the largest possible), and its level; each gap's evidence follows below it."
                )
            ),
            *[
                notice(
                    _(
                        "Only {n} {audience} answered: the gaps that rest on their answers are uncertain. Read their "
                        "sizes with care; from {threshold} on they are steadier."
                    ).format(n=note.n, audience=_(AUDIENCE_NAMES[note.reason or ""]), threshold=note.threshold)
                )
                for note in diagnosis.notes
                if note.code == "small_sample"
            ],
            self.model_chart(diagnosis),
            text(self.level_rule()),
        ]
        for gap in diagnosis.gaps:
            blocks += self.gap_blocks(gap, diagnosis)
        if diagnosis.mirror is not None:
            blocks += self.mirror_blocks(diagnosis)
        if diagnosis.values:
            blocks += self.values_blocks(diagnosis.values)
        for column, unit in diagnosis.units.items():
            blocks += self.unit_blocks(column, unit)
        if diagnosis.processes:
            blocks += self.process_blocks(diagnosis)
        return {"id": "gaps", "title": _("The five gaps"), "blocks": blocks}

    def _factor_names(self, diagnosis: Diagnosis) -> dict[str, str]:
        """Each factor's name in the language, from the instruments the managers and the
        employees answered."""
        return {f.key: pick(f.name, self.lang) for i in diagnosis.instruments.values() for f in i.factors}

    def gap_title(self, number: int) -> str:
        _ = self._
        return _("Gap {gap}: {name}").format(gap=number, name=_(GAP_NAMES[number]))

    def level_words(self, level: str | None) -> str:
        return self._(GAP_LEVELS[level])

    def level_rule(self) -> str:
        """How a size becomes a level (servqual.analysis.LEVEL_BOUNDS)."""
        factors, difference = LEVEL_BOUNDS["factors"], LEVEL_BOUNDS["customers"]
        scale = self.instrument.scale
        span = scale.max - scale.min
        return self._(
            "How to read a size: from factor scales (gaps 2 to 4), under {f_small} is small (the mean score lies "
            "in the top third of the scale) and over {f_large} large (below its middle); from a difference between "
            "answers (gaps 1 and 5), under {d_small} is small (less than {small_points} points on the scale of "
            "{low} to {high}) and over {d_large} large (more than {large_points} points)."
        ).format(
            f_small=self.num(factors[0], 0),
            f_large=self.num(factors[1], 0),
            d_small=self.num(difference[0], 0),
            d_large=self.num(difference[1], 0),
            small_points=self.num(difference[0] * span / 100, 1),
            large_points=self.num(difference[1] * span / 100, 1),
            low=scale.min,
            high=scale.max,
        )

    def model_chart(self, diagnosis: Diagnosis) -> Block:
        _ = self._
        marks = []
        for gap in diagnosis.gaps:
            label = _("Gap {gap}").format(gap=gap.gap)
            if gap.measured:
                label += " · " + self.num(gap.size.index, 0)
            marks.append(
                charts.GapMark(gap.gap, label, self.level_words(gap.size.level), gap.size.level, f"#gap-{gap.gap}")
            )
        texts = charts.ModelTexts(
            **{key: _(words) for key, words in MODEL_WORDS.items()},
            legend=tuple((level, self.level_words(level)) for level in ("small", "medium", "large", None)),
            note=_("Each gap: its size from 0 (none) to 100 (the largest possible), and its level."),
        )
        svg = charts.gaps_model(marks, texts, title=_("The gaps model"))
        caption = _(
            "The gaps model: the customer above the line, the organisation below it. Gaps 1 to 4 inside the "
            "organisation cause gap 5, the gap customers feel."
        )
        return chart(svg, caption)

    def gap_blocks(self, gap: GapDiagnosis, diagnosis: Diagnosis) -> list[Block]:
        _ = self._
        blocks: list[Block] = [
            anchored_heading(self.gap_title(gap.gap), f"gap-{gap.gap}"),
            text(self.size_words(gap, diagnosis)),
        ]
        blocks.append(text(_(GAP_MEANINGS[gap.gap])))
        blocks.append(text(_("Typical remedies:")))
        blocks.append(bullets([_(remedy) for remedy in GAP_REMEDIES[gap.gap]]))
        if gap.expectation is not None:
            blocks.append(self.prediction_table(gap.expectation.dimensions))
        if gap.factors:
            blocks.append(self.factor_table(f"gap-{gap.gap}-factors", gap.factors, self.gap_title(gap.gap)))
        if gap.gap == 5 and gap.dimensions:
            blocks.append(self.customer_gap_table(gap))
        return blocks

    def size_words(self, gap: GapDiagnosis, diagnosis: Diagnosis) -> str:
        """The gap's size, level and what it rests on; or why it was not measured."""
        _ = self._
        audience = GAP_AUDIENCES[gap.gap]
        if gap.measured and gap.size.basis is not None:
            basis = _(GAP_BASES[gap.size.basis]).format(audience=_(AUDIENCE_NAMES[audience]))
            return _("Size {index} of 100: {level}. It rests on {basis}.").format(
                index=self.num(gap.size.index, 0), level=self.level_words(gap.size.level), basis=basis
            )
        if audience not in diagnosis.audiences:
            return _("Not measured: this study has no answers from {audience}.").format(
                audience=_(AUDIENCE_NAMES[audience])
            )
        if gap.gap == 5 and not gap.dimensions:
            return _("Not measured: the customers' answers hold no expectations.")
        return _("Not measured: too few {audience} answered to show a figure without revealing their answers.").format(
            audience=_(AUDIENCE_NAMES[audience])
        )

    def prediction_table(self, comparisons: Sequence[Comparison]) -> Block:
        """Gap 1 per dimension: the managers' prediction beside the customers' expectation."""
        _ = self._
        too_few = _("too few respondents")
        header = [
            _("Dimension"),
            _("managers' prediction"),
            _("customers' expectation"),
            _("difference"),
            _("95% interval"),
            _("n managers"),
            _("n customers"),
        ]
        rows = []
        for c in comparisons:
            managers, customers = c.first, c.second
            cells = [
                self.names.get(c.subject, c.subject),
                too_few if managers.suppressed else self.num(managers.mean),
                too_few if customers.suppressed else self.num(customers.mean),
                "" if c.suppressed else self.num(c.difference),
                "" if c.suppressed else self.interval(c.ci95),
                "" if managers.suppressed else str(managers.n),
                "" if customers.suppressed else str(customers.n),
            ]
            rows.append({"key": c.subject, "cells": cells})
        caption = _(
            "Customers' expectations per dimension, as managers predict them and as customers state them. "
            "Difference = managers - customers (above 0: managers think customers expect more than they do)."
        )
        return table("gap-1-prediction", header, rows, caption)

    def factor_table(self, key: str, factors: Sequence[FactorScore], title: str) -> Block:
        """The factors behind a gap: score, interval, alpha, n; a hidden one says so only."""
        _ = self._
        too_few = _("too few respondents")
        header = [_("Factor"), _("score"), _("95% interval"), "alpha", "n"]
        rows = []
        for f in factors:
            name = self.factor_names.get(f.key, f.key)
            if f.figures.suppressed or not f.figures.n:
                cells = [name, too_few, "", "", ""]
            else:
                cells = [
                    name,
                    self.num(f.figures.mean),
                    self.interval(f.ci95),
                    self.num(f.reliability.alpha),
                    str(f.figures.n),
                ]
            rows.append({"key": f.key, "cells": cells})
        caption = _(
            "{title}: the mean factor score (higher is better: a smaller gap), its 95% interval, Cronbach's alpha "
            "(from 30 respondents on) and the respondents."
        ).format(title=title)
        return table(key, header, rows, caption)

    def customer_gap_table(self, gap: GapDiagnosis) -> Block:
        _ = self._
        too_few = _("too few respondents")
        header = [_("Dimension"), self.title_of("gap"), _("95% interval"), "n"]
        rows = []
        for d in gap.dimensions:
            if d.figures.suppressed:
                cells = [self.names.get(d.key, d.key), too_few, "", ""]
            else:
                cells = [
                    self.names.get(d.key, d.key),
                    self.num(d.figures.mean),
                    self.interval(d.ci95),
                    str(d.figures.n),
                ]
            rows.append({"key": d.key, "cells": cells})
        caption = _("The customers' gap per dimension.") + (" " + _(GAP_EXPLAINED[self.kind]) if self.kind else "")
        return table("gap-5-dimensions", header, rows, caption)

    def mirror_blocks(self, diagnosis: Diagnosis) -> list[Block]:
        """The mirror: per dimension the customers' perception beside the staff's view."""
        _ = self._
        mirror = diagnosis.mirror
        if mirror is None:
            return []
        employees = mirror.employees.dimensions
        managers = mirror.managers.dimensions if mirror.managers is not None else None

        def shown(figures: Any) -> float | None:
            return None if figures.suppressed or not figures.n else float(figures.mean)

        pairs = [
            charts.Pair(
                self.names.get(c.subject, c.subject),
                shown(c.first),
                shown(c.second),
                None if managers is None else shown(managers[k].first),
            )
            for k, c in enumerate(employees)
        ]
        legend = [("circle", _("customers' perception")), ("diamond", _("employees' view"))]
        if managers is not None:
            legend.append(("square", _("managers' view")))
        scale = (self.instrument.scale.min, self.instrument.scale.max)
        svg = charts.dot_pairs(
            [(_("Per dimension"), pairs)],
            title=_("The mirror: how staff and customers see the service"),
            scale=scale,
            legend=legend,
            fmt=self.fmt(0),
            label_room=170,
            band=False,
        )
        too_few = _("too few respondents")
        header = [_("Dimension"), _("customers' perception"), _("employees' view"), _("difference"), _("95% interval")]
        if managers is not None:
            header += [_("managers' view"), _("difference")]
        rows = []
        for k, c in enumerate(employees):
            cells = [
                self.names.get(c.subject, c.subject),
                too_few if c.second.suppressed else self.num(c.second.mean),
                too_few if c.first.suppressed else self.num(c.first.mean),
                "" if c.suppressed else self.num(c.difference),
                "" if c.suppressed else self.interval(c.ci95),
            ]
            if managers is not None:
                m = managers[k]
                cells += [
                    too_few if m.first.suppressed else self.num(m.first.mean),
                    "" if m.suppressed else self.num(m.difference),
                ]
            rows.append({"key": c.subject, "cells": cells})
        return [
            heading(_("The mirror: how staff see the service")),
            text(
                _(
                    "Employees rated the same statements as customers, as they think the service is. Where they see "
                    "it as much better than customers do, the organisation has a blind spot: it may not see the "
                    "gap it needs to close."
                )
            ),
            chart(svg, _("Per dimension: the customers' perception beside the staff's view of the service.")),
            table(
                "mirror",
                header,
                rows,
                _(
                    "Difference = staff's view - customers' perception (above 0: staff think the service better than "
                    "customers do)."
                ),
            ),
        ]

    def values_blocks(self, values: Sequence[FactorScore]) -> list[Block]:
        """The staff's customer orientation, in one line per factor."""
        _ = self._
        lines = []
        for v in values:
            name = self.factor_names.get(v.key, v.key)
            if v.figures.suppressed or not v.figures.n:
                lines.append(_("{name}: too few respondents to show a figure.").format(name=name))
            else:
                lines.append(
                    _("{name}: {score} {interval} from {n} respondents (higher is more customer-oriented).").format(
                        name=name, score=self.num(v.figures.mean), interval=self.interval(v.ci95), n=v.figures.n
                    )
                )
        return [heading(_("The staff's customer orientation")), text(" ".join(lines))]

    def subject_name(self, comparison: UnitComparison) -> str:
        """A dimension's or factor's name inside a sentence: "perceived control"."""
        if comparison.audience == "customer":
            name = self.names.get(comparison.subject, comparison.subject)
        else:
            name = self.factor_names.get(comparison.subject, comparison.subject)
        return _in_sentence(name)

    def and_list(self, words: Sequence[str]) -> str:
        if len(words) == 1:
            return words[0]
        return self._("{first} and {last}").format(first=", ".join(words[:-1]), last=words[-1])

    def unit_blocks(self, column: str, unit: UnitDiagnosis) -> list[Block]:
        """The findings per unit of ``column`` in plain words, and the relations across units."""
        _ = self._
        blocks: list[Block] = [heading(_("The gaps by {column}").format(column=column))]
        order = {"employee": 0, "manager": 1, "customer": 2}
        by_unit: dict[str | None, list[UnitComparison]] = {}
        for finding in unit.findings:
            by_unit.setdefault(finding.unit, []).append(finding)
        lines = []
        for value, findings in by_unit.items():
            parts = []
            groups: dict[tuple[str, int | None], list[str]] = {}
            for f in sorted(findings, key=lambda f: order.get(f.audience, 3)):
                groups.setdefault((f.audience, f.gap), []).append(self.subject_name(f))
            for (audience, gap), names in groups.items():
                if audience == "customer":
                    parts.append(
                        _("its customers see a larger gap on {names} (gap 5)").format(names=self.and_list(names))
                    )
                else:
                    where = _("gap {gap}").format(gap=gap) if gap is not None else _(FACTOR_GROUP_NAMES["values"])
                    parts.append(
                        _("{audience} score {names} clearly lower than in the other groups ({gap})").format(
                            audience=_(AUDIENCE_NAMES[audience]), names=self.and_list(names), gap=where
                        )
                    )
            label = _("(no value)") if value is None else str(value)
            lines.append(_("{unit}: {findings}.").format(unit=label, findings="; ".join(parts)))
        if lines:
            blocks.append(bullets(lines))
        else:
            blocks.append(
                text(
                    _("No group of {column} scores clearly lower than the others on any factor or dimension.").format(
                        column=column
                    )
                )
            )
        blocks.append(
            text(
                _(
                    "A finding is a group that scores clearly lower than the other groups of {column} together "
                    "(Welch's t-test, p below 0.05 after Holm's correction for the number of comparisons). It is an "
                    "association, not proof of cause: it shows where to look first, not why. Groups too small to "
                    "show are left out."
                ).format(column=column)
            )
        )
        if unit.relations:
            enough = [r for r in unit.relations if r.enough_units and r.r == r.r]
            if not enough:
                blocks.append(
                    text(
                        _(
                            "Too few groups of {column} ({n} of the {needed} needed) to conclude on relations across "
                            "them between the staff's factor scores and the customers' gap."
                        ).format(column=column, n=max(r.n_units for r in unit.relations), needed=MIN_UNITS_FOR_RELATION)
                    )
                )
            else:
                lines = [
                    _("{factor} ({gap}) and the customers' mean gap, across {n} groups: r = {r} (p {p}).").format(
                        factor=self.factor_names.get(r.factor, r.factor),
                        gap=_("gap {gap}").format(gap=r.gap) if r.gap is not None else _(FACTOR_GROUP_NAMES["values"]),
                        n=r.n_units,
                        r=self.num(r.r),
                        p=p_value(r.p_value, self.lang),
                    )
                    for r in enough
                ]
                blocks.append(text(_("Relations across the groups of {column}:").format(column=column)))
                blocks.append(bullets(lines))
                blocks.append(
                    text(
                        _(
                            "A relation across groups is an association, not proof of cause: groups differ in more "
                            "than these scores."
                        )
                    )
                )
        return blocks

    def process_blocks(self, diagnosis: Diagnosis) -> list[Block]:
        """Per customer process its owner and the level of each gap, so that a reader sees
        which gaps show in which process."""
        _ = self._
        header = [_("Process"), _("Owner"), *(_("Gap {gap}").format(gap=n) for n in range(1, 6))]
        rows = []
        for p in diagnosis.processes:
            owner = pick(p.process.owner, self.lang) if p.process.owner else ""
            levels = [size.level or "unmeasured" for size in p.sizes]
            rows.append(
                {
                    "key": p.process.key,
                    "cells": [pick(p.process.names, self.lang), owner, *(self.level_words(s.level) for s in p.sizes)],
                    "levels": ["", "", *levels],
                }
            )
        caption = _(
            "The level of each gap in each customer process, from the customer statements and the factors that "
            "belong to the process."
        )
        return [
            heading(_("The gaps per customer process")),
            table("processes", header, rows, caption, text_column=1),
            text(
                _(
                    "Improvement goes to the owner of the process: the gaps a process shows say what kind of work is "
                    "needed there (the remedies under each gap above)."
                )
            ),
        ]

    # -- results per dimension -------------------------------------------------------------

    def per_dimension(self) -> Block:
        _, result = self._, self.result
        blocks: list[Block] = [
            text(
                _(
                    "Each dimension's score is the mean over its items. Customers answered on a scale of {low} "
                    "to {high}."
                ).format(low=self.instrument.scale.min, high=self.instrument.scale.max)
            ),
            self.dimension_table(),
            *self.hidden_figures(),
        ]
        if "gap" in result.sections:
            blocks.append(
                bullets(
                    [
                        f"{self.names[key]}: "
                        + (
                            _("too few answered to show a figure.")
                            if d.scores["gap"].suppressed
                            else self.gap_words(d.scores["gap"].mean, d.tests["gap"].ci95)
                        )
                        for key, d in result.dimensions.items()
                    ]
                )
            )
        blocks.append(self.profile_chart())
        weights = [(self.names[k], d.weight) for k, d in result.dimensions.items()]
        if any(w is not None and math.isfinite(w) for _n, w in weights):
            blocks.append(
                chart(
                    charts.share_bars(weights, title=_("Importance"), fmt=self.fmt(0)),
                    _("Importance: the mean share of the 100 points customers gave each dimension."),
                )
            )
        if "minimum" in result.sections:
            blocks += [self.zone_table(), self.item_chart(zone=True)]
        elif "expectation" in result.sections:
            blocks.append(self.item_chart(zone=False))
        blocks += self.ipa_blocks()
        return {"id": "dimensions", "title": _("Results per dimension"), "blocks": blocks}

    def hidden_figures(self) -> list[Block]:
        """Which figures are left out because too few answered them (the anonymity
        threshold), so a reader does not take a missing figure for a missing answer."""
        _, result = self._, self.result
        hidden = [
            _("{dimension} ({section}, {n} answered)").format(
                dimension=self.names[key], section=self.title_of(section).lower(), n=figures.n
            )
            for key, d in result.dimensions.items()
            for section, figures in d.scores.items()
            if figures.suppressed
        ] + [
            _("item {item} ({section}, {n} answered)").format(
                item=item.item, section=self.title_of(section).lower(), n=figures.n
            )
            for item in result.items
            for section, figures in item.scores.items()
            if figures.suppressed
        ]
        if not hidden:
            return []
        words = _("Not shown, because too few answered them to keep their answers anonymous: {figures}.")
        return [text(words.format(figures="; ".join(hidden)))]

    def dimension_table(self) -> Block:
        _, result = self._, self.result
        header = [_("Dimension"), *(self.title_of(s) for s in self.answer_sections)]
        for section in self.differences:
            header += [self.title_of(section), _("95% interval")]
        if self.differences:
            header.append(_("p-value"))
        rows = []
        for key, d in result.dimensions.items():
            cells = [self.names[key], *(self.num(d.scores[s].mean) for s in self.answer_sections)]
            for section in self.differences:
                cells += [self.num(d.scores[section].mean), self.interval(d.tests[section].ci95)]
            if self.differences:
                cells.append(p_value(d.tests[self.differences[0]].p_value, self.lang))
            rows.append({"key": key, "cells": cells})
        caption = _("Mean per dimension.")
        if self.kind:
            caption += " " + _(GAP_EXPLAINED[self.kind])
        return table("dimension-table", header, rows, caption)

    def profile_chart(self) -> Block:
        _, result = self._, self.result
        shapes = {"minimum": "square", "expectation": "diamond", "perception": "circle"}
        series = [
            (shapes[s], self.title_of(s), [d.scores[s].mean for d in result.dimensions.values()])
            for s in self.answer_sections
        ]
        svg = charts.profile(
            [self.names[k] for k in result.dimensions],
            series,
            title=_("Profile of the dimensions"),
            scale=(self.instrument.scale.min, self.instrument.scale.max),
            fmt=self.fmt(0),
        )
        return chart(svg, _("Mean per dimension: the profile of the service."))

    def _item_groups(self, sections: tuple[str, str, str | None]) -> list[tuple[str, list[charts.Pair]]]:
        expectation, perception, minimum = sections
        groups = []
        for key in self.result.dimensions:
            pairs = [
                charts.Pair(
                    f"{i.item}. {self.texts[i.item]}",
                    i.scores[expectation].mean,
                    i.scores[perception].mean,
                    i.scores[minimum].mean if minimum else None,
                )
                for i in self.result.items
                if i.dimension == key
            ]
            groups.append((self.names[key], pairs))
        return groups

    def item_chart(self, zone: bool) -> Block:
        _ = self._
        scale = (self.instrument.scale.min, self.instrument.scale.max)
        if zone:
            legend = [
                ("square", self.title_of("minimum")),
                ("diamond", self.title_of("expectation")),
                ("circle", self.title_of("perception")),
                ("triangle", _("perception below the minimum")),
            ]
            svg = charts.dot_pairs(
                self._item_groups(("expectation", "perception", "minimum")),
                title=_("Zone of tolerance per item"),
                scale=scale,
                legend=legend,
                fmt=self.fmt(0),
            )
            caption = _(
                "Zone of tolerance per item: the band runs from the minimum level customers accept to the level "
                "they desire; the marker is the perception."
            )
        else:
            legend = [("diamond", self.title_of("expectation")), ("circle", self.title_of("perception"))]
            svg = charts.dot_pairs(
                self._item_groups(("expectation", "perception", None)),
                title=_("Expectation and perception per item"),
                scale=scale,
                legend=legend,
                fmt=self.fmt(0),
            )
            caption = _("Expectation and perception per item, by dimension; the line between them is the gap.")
        return chart(svg, caption)

    def zone_table(self) -> Block:
        _ = self._
        header = [_("Dimension"), _("below the zone"), _("inside the zone"), _("above the zone"), "n"]
        rows = [
            {
                "key": key,
                "cells": [
                    self.names[key],
                    *(self._share(share) for share in (d.zone.below, d.zone.inside, d.zone.above)),
                    str(d.zone.n),
                ],
            }
            for key, d in self.result.dimensions.items()
            if d.zone is not None
        ]
        caption = _(
            "Share of customers whose perception lies below their minimum level, inside their zone of tolerance, "
            "or above their desired level."
        )
        return table("zone-table", header, rows, caption)

    def _share(self, value: float | None) -> str:
        return "-" if value is None or not math.isfinite(value) else self.num(value * 100, 0) + " %"

    def ipa_blocks(self) -> list[Block]:
        _, ipa = self._, self.result.ipa
        by_dimension = bool(ipa.dimensions)
        points = [
            charts.Point(
                self.names[e.dimension], e.performance, math.nan if e.importance is None else e.importance * 100
            )
            for e in ipa.dimensions
        ] or [charts.Point(str(e.item), e.performance, e.importance) for e in ipa.items if e.quadrant is not None]
        # a dimension without a figure (none answered, or too few: hidden) has no place in the grid
        points = [p for p in points if math.isfinite(p.x) and math.isfinite(p.y)]
        if len(points) < 2:
            return []
        names = [_(QUADRANT_NAMES[q]) for q in ("concentrate_here", "keep_up", "low_priority", "possible_overkill")]
        svg = charts.quadrant_grid(
            points,
            title=_("Importance and performance"),
            axes=(
                _("performance (mean perception)"),
                _("importance (points of 100)") if by_dimension else _("importance (derived)"),
            ),
            quadrants=(names[0], names[1], names[2], names[3]),
            x_fmt=self.fmt(1),
            y_fmt=self.fmt(0) if by_dimension else self.fmt(2),
        )
        caption = _(
            "Importance against performance, split at their averages. Top left (concentrate here): important "
            "and below average, where to act first."
        )
        if not by_dimension:
            caption += " " + _("Points are item numbers; importance is derived from the answers.")
        return [heading(_("Where to act")), chart(svg, caption)]

    # -- reliability and validity ----------------------------------------------------------

    def reliability(self) -> Block:
        _, result = self._, self.result
        blocks: list[Block] = [
            text(
                _(
                    "Do the items of a dimension measure one thing? Cronbach's alpha and McDonald's omega run from 0 "
                    "to 1; from 0.70 up, the items hang together well enough to add them up into one score."
                )
            )
        ]
        header = [_("Dimension"), *(self.title_of(s) for s in result.sections)]
        has_difference = "gap" in result.sections
        if has_difference:
            header.append(_("gap score reliability"))
        rows = []
        for key, d in result.dimensions.items():
            pairs = [d.reliability[s] for s in result.sections]
            cells = [self.names[key], *(f"{self.num(r.alpha)} / {self.num(r.omega_total)}" for r in pairs)]
            if has_difference:
                cells.append(self.num(d.difference_score))
            rows.append({"key": key, "cells": cells})
        blocks.append(
            table("reliability-table", header, rows, _("Reliability per dimension and section: alpha / omega."))
        )
        section = "perception" if "perception" in result.sections else result.sections[0]
        weak = [self.names[k] for k, d in result.dimensions.items() if not d.reliability[section].alpha >= 0.70]
        if weak:
            words = _("For {section}, these dimensions are below 0.70, so read their scores with care: {names}.")
            blocks.append(text(words.format(section=self.title_of(section).lower(), names=", ".join(weak))))
        else:
            words = _("For {section}, every dimension reaches 0.70: the items of each dimension hang together.")
            blocks.append(text(words.format(section=self.title_of(section).lower())))
        blocks.append(heading(_("Do the dimensions fit the answers?")))
        blocks.append(
            text(
                _(
                    "A confirmatory factor analysis checks whether the answers group into the instrument's "
                    "dimensions. CFI near 1 and RMSEA near 0 mean a good fit."
                )
            )
        )
        for name, model in result.cfa.items():
            label = self._(SECTION_TITLES[name])
            if not model.converged:
                failure = _("{section}: no factor model could be fitted ({reason}, {n} complete rows)").format(
                    section=label, reason=_(CFA_FAILURES[model.reason]), n=model.n
                )
                blocks.append(bullets([failure]))
                continue
            technical = fit_figures(model.fit, self.lang, _)
            blocks.append(
                bullets(
                    [
                        _("{section}: {words}").format(section=label, words=_(FIT_WORDS[fit_quality(model.fit)])),
                        _("Technical: {figures}; {n} complete rows.").format(figures=technical, n=model.n),
                    ]
                )
            )
        return {"id": "reliability", "title": _("Reliability and validity"), "blocks": blocks}

    # -- segments --------------------------------------------------------------------------

    def segments(self) -> Block:
        _, result = self._, self.result
        too_few = _("too few respondents")
        blocks: list[Block] = []
        for column, segment in result.segments.items():
            labels = [_("(no value)") if g.value is None else str(g.value) for g in segment.groups]
            blocks.append(heading(_("By {column}").format(column=column)))
            blocks.append(
                text(
                    _(
                        "Groups of fewer than {threshold} respondents, a group's score on a dimension that fewer "
                        "than {threshold} of its members answered, and any that would reveal them, are shown as "
                        "“too few respondents”, without any figure."
                    ).format(threshold=segment.min_group)
                )
            )
            blocks.append(text(segment_missing_note(segment, column, _)))
            if self.headline == "gap" and not all(g.suppressed for g in segment.groups):
                groups = []
                for dim in result.dimensions:
                    bars = []
                    for label, g in zip(labels, segment.groups, strict=True):
                        figures = None if g.suppressed else g.dimensions[dim]
                        if figures is None or figures.suppressed or figures.ci95 is None:
                            bars.append(charts.Bar(label, note=too_few))
                        else:
                            bars.append(charts.Bar(label, figures.mean, *figures.ci95))
                    groups.append((self.names[dim], bars))
                svg = charts.gap_bars(
                    groups,
                    title=_("Gap per dimension by {column}").format(column=column),
                    sign_note=self.sign_note(),
                    fmt=self.fmt(1),
                    value_fmt=self.fmt(2),
                    legend=self.gap_legend(),
                )
                caption = _("Gap per dimension by {column}, with 95% confidence intervals.").format(column=column)
                blocks.append(chart(svg, caption))
            header = [column, "n", *(self.names[d] for d in result.dimensions)]
            rows = []
            for label, g in zip(labels, segment.groups, strict=True):
                if g.suppressed:
                    cells = [label, too_few, *("" for _d in result.dimensions)]
                else:
                    scores = [g.dimensions[d] for d in result.dimensions]
                    cells = [label, str(g.n), *(too_few if s.suppressed else self.num(s.mean) for s in scores)]
                rows.append({"key": label, "cells": cells})
            tests = segment.tests
            if any(tests.values()):
                cells = [
                    _("p-value (Welch)"),
                    "",
                    *(p_value(t.p_value if t else None, self.lang) for t in tests.values()),
                ]
                rows.append({"key": "p-value", "cells": cells})
            caption = _("Mean per group of {column}: {section}.").format(
                section=self.title_of(self.headline), column=column
            )
            blocks.append(table(f"segment-{column}", header, rows, caption))
        return {"id": "segments", "title": _("Segments"), "blocks": blocks}

    # -- one segment group -----------------------------------------------------------------

    def group_summary(self, column: str, segment: SegmentResult, group: SegmentGroup) -> Block:
        """The management summary of one visible ``group`` of ``segment``: its size and
        its scores per dimension, exactly as the segment table shows them (a score hidden
        there stays hidden), and what follows from those alone. Nothing of the whole wave
        is read, and nothing per item: the segment analysis computes no item figures or
        importance per group, and so hides none either."""
        _ = self._
        n = group.n or 0
        value = _("(no value)") if group.value is None else group.value
        section = segment.section
        scores = {key: group.dimensions[key] for key in self.result.dimensions}
        shown = {key: s for key, s in scores.items() if not s.suppressed and s.mean is not None}
        blocks: list[Block] = [
            notice(
                _("These figures are of one group, {column} “{value}”: {n} respondents.").format(
                    column=column, value=value, n=n
                )
            )
        ]
        if n < SMALL_SAMPLE:
            blocks.append(
                notice(
                    _(
                        "Only {n} respondents in this group: every figure below is uncertain, and no advice on where "
                        "to act is given until there are at least {minimum}."
                    ).format(n=n, minimum=MIN_FOR_ADVICE)
                )
            )
        figures = [{"value": str(n), "label": _("respondents")}]
        if shown and len(shown) == len(scores):
            # the unweighted score, as for everyone: the mean of the dimensions' means
            mean = sum(s.mean for s in shown.values() if s.mean is not None) / len(shown)
            if section == "gap":
                figures.append({"value": self.num(mean), "label": _("SERVQUAL score (mean gap)")})
                short = sum(1 for s in shown.values() if s.mean is not None and s.mean < 0)
                figures.append({"value": f"{short}/{len(scores)}", "label": _("dimensions below expectation")})
            else:
                figures.append({"value": self.num(mean), "label": _("mean perception")})
        blocks.append({"type": "keyfigures", "items": figures})
        if self.kind and section == "gap":
            blocks.append(text(_(GAP_EXPLAINED[self.kind])))
        blocks += self.group_where_to_act(n, section, shown)
        if section == "gap":
            blocks.append(self.group_gap_chart(column, value, scores))
        blocks.append(self.group_table(column, value, section, scores))
        blocks.append(
            text(
                _(
                    "Figures per item, the biggest gaps among the items and the importance of each dimension are not "
                    "shown for one group: with few respondents they could reveal someone's answers. Every group's "
                    "score per dimension is in the segment tables under “Segments”; every item, for all respondents, "
                    "is in the analyst's view."
                )
            )
        )
        title = _("Management summary: {column} “{value}”").format(column=column, value=value)
        return {"id": "summary", "title": title, "blocks": blocks}

    def group_where_to_act(self, n: int, section: str, shown: dict[str, GroupScore]) -> list[Block]:
        """For one group, where to act is read from its scores per dimension alone: the
        importance customers give the dimensions is known for everyone only."""
        _ = self._
        blocks: list[Block] = [heading(_("Where to act first"))]
        if n < MIN_FOR_ADVICE:
            blocks.append(self.no_advice(n))
            return blocks
        ranked = sorted(shown.items(), key=lambda pair: pair[1].mean if pair[1].mean is not None else math.inf)
        if section == "gap":
            clear = [(key, s) for key, s in ranked if s.ci95 is not None and s.mean is not None and s.ci95[1] < 0]
            lines = [
                _("{dimension}: gap {gap} {interval}. {words}").format(
                    dimension=self.names[key],
                    gap=self.num(s.mean),
                    interval=self.interval(s.ci95),
                    words=self.gap_words(s.mean, s.ci95),
                )
                for key, s in clear
                if s.mean is not None and s.ci95 is not None
            ]
            blocks.append(
                bullets(lines or [_("No dimension falls clearly short in this group: no gap's interval lies below 0.")])
            )
            blocks.append(
                text(
                    _(
                        "In one group, where to act is read from its gaps per dimension: those whose 95% interval "
                        "lies below 0, the largest first. How important customers find each dimension is known for "
                        "everyone only."
                    )
                )
            )
        else:
            lines = [
                _("{dimension}: mean perception {mean} {interval}").format(
                    dimension=self.names[key],
                    mean=self.num(s.mean),
                    interval="" if s.ci95 is None else self.interval(s.ci95),
                )
                for key, s in ranked
            ]
            blocks.append(text(_("The dimensions from the lowest rated in this group:")))
            blocks.append(bullets(lines))
        return blocks

    def group_gap_chart(self, column: str, value: str, scores: dict[str, GroupScore]) -> Block:
        _ = self._
        bars = []
        for key, s in scores.items():
            if s.suppressed or s.mean is None or s.ci95 is None:
                bars.append(charts.Bar(self.names[key], note=_("too few respondents")))
            else:
                bars.append(charts.Bar(self.names[key], s.mean, *s.ci95))
        svg = charts.gap_bars(
            [("", bars)],
            title=_("Gap per dimension: {column} “{value}”").format(column=column, value=value),
            sign_note=self.sign_note(),
            fmt=self.fmt(1),
            value_fmt=self.fmt(2),
            legend=self.gap_legend(),
        )
        caption = _("Gap per dimension for {column} “{value}”, with its 95% confidence interval.")
        return chart(svg, caption.format(column=column, value=value))

    def group_table(self, column: str, value: str, section: str, scores: dict[str, GroupScore]) -> Block:
        _ = self._
        header = [_("Dimension"), self.title_of(section), _("95% interval"), "n"]
        rows = []
        for key, s in scores.items():
            if s.suppressed or s.mean is None:
                cells = [self.names[key], _("too few respondents"), "", ""]
            else:
                interval = "" if s.ci95 is None else self.interval(s.ci95)
                cells = [self.names[key], self.num(s.mean), interval, str(s.n)]
            rows.append({"key": key, "cells": cells})
        caption = _("Mean per dimension for {column} “{value}”: {section}.").format(
            column=column, value=value, section=self.title_of(section)
        )
        return table("group-table", header, rows, caption)

    # -- method and caveats ----------------------------------------------------------------

    def method(self) -> Block:
        _, instrument = self._, self.instrument
        texts = [
            _("Instrument: {name}, {items} items in {dimensions} dimensions, answered on a scale of {scale}.").format(
                name=pick(instrument.name, self.lang),
                items=len(instrument.items),
                dimensions=len(instrument.dimensions),
                scale=scale_words(instrument.scale, _, self.lang),
            ),
        ]
        if self.validation is not None:
            texts.append(
                _("Rows read: {read}; used: {used}; excluded: {excluded}.").format(
                    read=self.validation.rows_read,
                    used=self.validation.rows_used,
                    excluded=self.validation.rows_excluded,
                )
            )
        texts.append(
            _(
                "A respondent's dimension score is the mean of the items they answered. Confidence intervals come "
                "from the t distribution; the p-values test whether a gap differs from zero (paired t-test)."
            )
        )
        texts.append(_("Figures are rounded for display only; the exports hold the exact values."))
        return {"id": "method", "title": _("Method"), "blocks": [text(t) for t in texts]}

    def cautions(self) -> Block:
        """What the figures rest on and what to read with care: right after the summary, so
        that nobody reads the figures without it."""
        _ = self._
        warnings = [
            _capitalised(DOCS_LINK.sub("", warning_text(w, self.names, self.lang, _))) + "."
            for w in self.result.warnings
        ]
        blocks = [
            bullets(warnings),
            text(_("The methods behind each caveat: docs/methods.md in servqual's documentation.")),
        ]
        return {"id": "cautions", "title": _("Read with care"), "blocks": blocks}

    # -- appendix --------------------------------------------------------------------------

    def appendix(self) -> Block:
        _, result = self._, self.result
        header = ["#", _("Item"), *(self.title_of(s) for s in self.answer_sections)]
        for section in self.differences:
            header += [self.title_of(section), _("95% interval")]
        header.append("n")
        rows: list[dict[str, Any]] = []
        for i in result.items:
            cells = [str(i.item), self.texts[i.item], *(self.num(i.scores[s].mean) for s in self.answer_sections)]
            for section in self.differences:
                cells += [self.num(i.scores[section].mean), self.interval(i.tests[section].ci95)]
            cells.append(str(i.n))
            rows.append({"key": str(i.item), "cells": cells})
        blocks: list[Block] = []
        for key in result.dimensions:
            numbers = {i.item for i in result.items if i.dimension == key}
            blocks.append(heading(self.names[key]))
            blocks.append(
                table(
                    f"items-{key}",
                    header,
                    [r for r in rows if int(r["key"]) in numbers],
                    _("Mean per item.") + (" " + _(GAP_EXPLAINED[self.kind]) if self.kind else ""),
                    text_column=1,
                )
            )
        return {"id": "appendix", "title": _("Appendix: all items"), "blocks": blocks}
