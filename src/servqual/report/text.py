"""The plain-text renderings the command line prints: an analysis, a validation report and
an instrument, in Dutch or English.

The core hands back data; these functions turn it into lines of text, translated through
the same catalog as the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from servqual.i18n import number, p_value, pick, translator
from servqual.report.words import (
    AUDIENCE_NAMES,
    CFA_FAILURES,
    FIT_WORDS,
    GAP_AUDIENCES,
    GAP_BASES,
    GAP_EXPLAINED,
    GAP_LEVELS,
    GAP_NAMES,
    QUADRANT_NAMES,
    SECTION_TITLES,
    Gettext,
    factor_heading,
    fit_figures,
    fit_quality,
    gap_kind,
    scale_words,
    section_title,
    segment_missing_note,
    validation_summary,
    warning_text,
)

if TYPE_CHECKING:
    from servqual.analysis import AnalysisResult, Diagnosis, GapSize, SegmentResult, UnitComparison
    from servqual.instruments import Instrument
    from servqual.io import ValidationReport


def validation_text(report: ValidationReport, lang: str) -> str:
    """What a reader did with a file: rows read, used and excluded, and every problem."""
    return "\n".join(validation_summary(report, lang))


def analysis_text(result: AnalysisResult, instrument: Instrument, lang: str) -> str:
    """The analysis as tables of text: dimension means, the gap's tests, reliability, the
    overall score, the factor models, where to act, the segments, warnings and items."""
    _ = translator(lang)
    sections = result.sections
    titles = [_(section_title(s, instrument)) for s in sections]
    names = {d.key: pick(d.name, lang) for d in instrument.dimensions}
    width = max(len(n) for n in names.values()) + 6  # room for the item number before the name
    column = max(12, *(len(t) + 2 for t in titles))
    kind = gap_kind(sections)

    def table(title: str, rows: dict[str, list[float]]) -> list[str]:
        """A title, the sections as columns, and a row of figures per name."""
        header = " " * width + "".join(f"{t:>{column}}" for t in titles)
        lines = [
            f"{label:<{width}}" + "".join(f"{number(v, lang):>{column}}" for v in row) for label, row in rows.items()
        ]
        return [title, header, *lines]

    small = [w for w in result.warnings if w.code == "small_sample"]  # said first, not only among the rest
    lines = [
        _("{instrument}: {n} respondents").format(instrument=pick(instrument.name, lang), n=result.n_respondents),
        *["! " + warning_text(w, names, lang, _) for w in small],
        *([_(GAP_EXPLAINED[kind])] if kind else []),
        "",
        *table(
            _("Dimensions (mean)"),
            {names[k]: [d.scores[s].mean for s in sections] for k, d in result.dimensions.items()},
        ),
    ]
    if "gap" in sections:
        lines += ["", _("Gap per dimension: 95% confidence interval, p-value (paired t-test), effect size d_z")]
        for key, dimension in result.dimensions.items():
            mean, test = dimension.scores["gap"].mean, dimension.tests["gap"]
            low, high = (number(v, lang) for v in test.ci95)
            lines.append(
                f"{names[key]:<{width}}{number(mean, lang):>8}   [{low}; {high}]"
                f"   p {p_value(test.p_value, lang)}   d_z {number(test.d_z, lang)}"
            )
    lines += [
        "",
        *table(
            _("Reliability (Cronbach's alpha; below 0.70 is weak)"),
            {names[k]: [d.reliability[s].alpha for s in sections] for k, d in result.dimensions.items()},
        ),
    ]
    if result.servqual is not None:
        lines += [
            "",
            _("SERVQUAL score (mean of the dimension gaps): {unweighted}; weighted by importance: {weighted}").format(
                unweighted=number(result.servqual.unweighted, lang), weighted=number(result.servqual.weighted, lang)
            ),
        ]
    for section, model in result.cfa.items():
        lines += [
            "",
            _("Factor structure, {section} (confirmatory factor analysis, {n} complete rows)").format(
                section=_(SECTION_TITLES[section]), n=model.n
            ),
        ]
        if not model.converged:
            lines.append("  " + _("no fit: {reason}").format(reason=_(CFA_FAILURES[model.reason])))
            continue
        lines.append("  " + fit_figures(model.fit, lang, _))
        lines.append("  " + _(FIT_WORDS[fit_quality(model.fit)]))
    if result.ipa.dimensions:
        lines += ["", _("Where to act (importance from the 100 points against mean perception)")]
        for point in result.ipa.dimensions:
            importance = None if point.importance is None else point.importance * 100
            quadrant = _(QUADRANT_NAMES[point.quadrant]) if point.quadrant else ""
            lines.append(
                f"{names[point.dimension]:<{width}}{number(importance, lang):>8}"
                f"{number(point.performance, lang):>8}   {quadrant}".rstrip()
            )
    for name, segment in result.segments.items():
        lines += _segment_lines(name, segment, names, lang, _)
    if result.warnings:
        lines += ["", _("Read with care:")]
        lines += ["  - " + warning_text(w, names, lang, _) for w in result.warnings]
    items = {f"{i.item:>3} {names[i.dimension]}": [i.scores[s].mean for s in sections] for i in result.items}
    lines += ["", *table(_("Items (mean)"), items)]
    return "\n".join(lines)


def diagnosis_text(diagnosis: Diagnosis, instrument: Instrument, lang: str) -> str:
    """All five gaps: each gap's size and level (0-100, higher is a larger gap) with its
    factors, the mirror, the findings per unit, the relations across units and the gaps per
    process."""
    _ = translator(lang)
    names = {d.key: pick(d.name, lang) for d in instrument.dimensions}

    def size(gap: GapSize, which: int) -> str:
        if gap.level is None or gap.basis is None:
            return _(GAP_LEVELS[None])
        basis = _(GAP_BASES[gap.basis]).format(audience=_(AUDIENCE_NAMES[GAP_AUDIENCES[which]]))
        return _("{index} of 100, {level}; it rests on {basis}").format(
            index=number(gap.index, lang, 0), level=_(GAP_LEVELS[gap.level]), basis=basis
        )

    def subject(key: str) -> str:
        return names[key] if key in names else pick(diagnosis.factor(key).name, lang)

    hidden = _("hidden (fewer than {k})").format(k=diagnosis.min_group)
    lines = [_("The five gaps (index 0-100: higher is a larger gap)")]
    for note in diagnosis.notes:
        if note.code == "small_sample":
            lines.append(
                "! "
                + _("Only {n} {audience} answered: the gaps that rest on their answers are uncertain.").format(
                    n=note.n, audience=_(AUDIENCE_NAMES[note.reason or ""])
                )
            )
    for gap in diagnosis.gaps:
        title = _("Gap {gap}: {name}").format(gap=gap.gap, name=_(GAP_NAMES[gap.gap]))
        lines += ["", f"{title}: {size(gap.size, gap.gap)}"]
        if gap.expectation is not None:
            lines.append("  " + _("Managers' prediction minus customers' expectation, per dimension:"))
            for comparison in gap.expectation.dimensions:
                figures = hidden if comparison.suppressed else number(comparison.difference, lang)
                lines.append(f"    {names[comparison.subject]:<24}{figures:>8}")
        for factor in gap.factors:
            figures = hidden if factor.figures.suppressed else number(factor.figures.mean, lang)
            lines.append(f"  {subject(factor.key):<38}{figures:>8}   n {factor.figures.n}")
        for dimension in gap.dimensions:
            figures = hidden if dimension.figures.suppressed else number(dimension.figures.mean, lang)
            lines.append(f"  {names[dimension.key]:<38}{figures:>8}")
    if diagnosis.mirror is not None:
        lines += ["", _("The mirror: employees' view of the service minus the customers' perception, per dimension")]
        for comparison in diagnosis.mirror.employees.dimensions:
            figures = hidden if comparison.suppressed else number(comparison.difference, lang)
            lines.append(f"  {names[comparison.subject]:<38}{figures:>8}")
    for value in diagnosis.values:
        figures = hidden if value.figures.suppressed else number(value.figures.mean, lang)
        lines += ["", f"{subject(value.key)}: {figures}"]
    for column, unit in diagnosis.units.items():
        lines += ["", _("Per {column}: where a unit scores clearly worse than the others").format(column=column)]
        lines += [f"  - {_unit_finding(finding, subject, lang, _)}" for finding in unit.findings] or [
            "  " + _("no unit differs clearly from the others")
        ]
        lines.append("  " + _("An association within one measurement, not proof of a cause."))
        shown = [r for r in unit.relations if r.enough_units]
        if unit.relations and not shown:
            lines.append(
                "  "
                + _("Too few units ({n} of the {needed} needed) to conclude on relations across units.").format(
                    n=max(r.n_units for r in unit.relations), needed=unit.relations[0].to_dict()["min_units"]
                )
            )
        for relation in shown:
            lines.append(
                "  "
                + _("{factor} against the customers' gap across {n} units: r {r}, p {p}").format(
                    factor=subject(relation.factor),
                    n=relation.n_units,
                    r=number(relation.r, lang),
                    p=p_value(relation.p_value, lang),
                )
            )
    if diagnosis.processes:
        lines += ["", _("Gaps per customer process (owner): gap 1 to gap 5")]
        for process in diagnosis.processes:
            levels = [_(GAP_LEVELS[s.level]) if s.level else "-" for s in process.sizes]
            owner = f" ({pick(process.process.owner, lang)})" if process.process.owner else ""
            lines.append(f"  {pick(process.process.names, lang) + owner:<52}" + "".join(f"{v:>9}" for v in levels))
    return "\n".join(lines)


def _unit_finding(finding: UnitComparison, subject: Callable[[str], str], lang: str, _: Gettext) -> str:
    where = _("{unit}, {audience}").format(unit=finding.unit, audience=_(AUDIENCE_NAMES[finding.audience]))
    return _("{where}: {subject} {mine} against {others} elsewhere (gap {gap}, p {p} after Holm)").format(
        where=where,
        subject=subject(finding.subject),
        mine=number(finding.unit_figures.mean, lang),
        others=number(finding.others.mean, lang),
        gap=finding.gap,
        p=p_value(finding.p_holm, lang),
    )


def _segment_lines(name: str, segment: SegmentResult, names: dict[str, str], lang: str, _: Gettext) -> list[str]:
    keys = list(names)
    too_few = _("too few respondents")
    width = max([12, *(len(str(g.value)) + 2 for g in segment.groups)])  # no groups: all were left out
    column = max(10, *(len(names[k]) + 2 for k in keys))
    if any(score.suppressed for g in segment.groups for score in g.dimensions.values()):
        column = max(column, len(too_few) + 2)
    lines = [
        "",
        _(
            "By {column} ({section}; groups under {threshold} respondents, a group's score on a dimension "
            "that fewer than {threshold} of them answered, and any that would reveal them, are not shown)"
        ).format(column=name, section=_(SECTION_TITLES[segment.section]), threshold=segment.min_group),
        segment_missing_note(segment, name, _),
        " " * width + f"{'n':>6}" + "".join(f"{names[k]:>{column}}" for k in keys),
    ]
    for group in segment.groups:
        label = _("(no value)") if group.value is None else str(group.value)
        if group.suppressed:
            lines.append(f"{label:<{width}}" + "  " + too_few)
            continue
        scores = [group.dimensions[k] for k in keys]
        figures = "".join(f"{too_few if s.suppressed else number(s.mean, lang):>{column}}" for s in scores)
        lines.append(f"{label:<{width}}{group.n:>6}{figures}")
    tests = [segment.tests.get(k) for k in keys]
    if any(tests):
        p_values = (p_value(t.p_value if t else None, lang) for t in tests)
        lines.append(" " * width + f"{'p':>6}" + "".join(f"{p:>{column}}" for p in p_values))
    return lines


def instrument_list_text(instruments: list[Instrument], lang: str) -> str:
    """One line per instrument: its key and name, then how to show one."""
    _ = translator(lang)
    width = max(len(i.key) for i in instruments)
    lines = [f"{i.key:<{width}}  {pick(i.name, lang)}" for i in instruments]
    return "\n".join([*lines, "", _("Show one with: servqual instruments NAME")])


def instrument_text(instrument: Instrument, lang: str, service: str | None = None) -> str:
    """The instrument's name, description and scale, then per section its items by dimension,
    the factors with their item columns, and the open questions (reverse-scored items marked
    (R)), with ``service`` filled in."""
    _ = translator(lang)
    service = service or _("[service]")
    lines = [
        pick(instrument.name, lang),
        pick(instrument.description, lang),
        _("Scale: {scale}").format(scale=scale_words(instrument.scale, _, lang)),
    ]
    if instrument.audience != "customer":
        lines.append(_("Answered by: {audience}").format(audience=_(AUDIENCE_NAMES[instrument.audience])))
    for section in instrument.sections:
        lines += ["", _(section_title(section, instrument)).upper()]
        for dimension in instrument.dimensions:
            lines.append(f"  {pick(dimension.name, lang)}")
            for item in instrument.items:
                if item.dimension == dimension.key:
                    flag = " (R)" if item.reverse else ""
                    lines.append(f"    {item.number:>2}. {item.text(section, lang, service)}{flag}")
    if instrument.factors:
        lines += ["", _("Factors").upper()]
        width = max(len(column) for column in instrument.factor_columns)
        for factor in instrument.factors:
            lines.append(f"  {factor_heading(factor, _)}: {pick(factor.name, lang)}")
            for factor_item in factor.items:
                flag = " (R)" if factor_item.reverse else ""
                lines.append(f"    {factor_item.column:>{width}}. {factor_item.text(lang, service)}{flag}")
    if instrument.open_questions:
        lines += ["", _("Open questions").upper()]
        lines += [f"  {q.column}. {q.text(lang, service)}" for q in instrument.open_questions]
    return "\n".join(lines)
