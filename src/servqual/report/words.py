"""The words for the result's codes (sections, quadrants, fit, warnings), shared by the
command line and the report, so each is written and translated once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from servqual.i18n import N_, number, p_value, translator
from servqual.io import column_ranges

if TYPE_CHECKING:
    from servqual.analysis import FitMeasures, ResultWarning, SegmentResult
    from servqual.instruments import Factor, Instrument, Scale
    from servqual.io import ValidationReport

Gettext = Callable[[str], str]

SECTION_TITLES = {
    "minimum": N_("Minimum level"),
    "expectation": N_("Expectations"),
    "perception": N_("Perceptions"),
    "gap": N_("Gap (P - E)"),
    "adequacy": N_("Adequacy gap (P - M)"),
}
#: In the three-column format the expectation section holds the desired level.
THREE_COLUMN_TITLES = {"expectation": N_("Desired level"), "gap": N_("Superiority gap (P - D)")}
#: Managers predict the customers' expectations (gap 1); employees give their own view of
#: the service (the mirror).
AUDIENCE_TITLES = {
    ("manager", "expectation"): N_("Customers' expectations, as managers predict them"),
    ("employee", "perception"): N_("Perceptions, as employees see the service"),
}
AUDIENCE_NAMES = {"customer": N_("customers"), "manager": N_("managers"), "employee": N_("employees")}
FACTOR_GROUP_NAMES = {"values": N_("Customer-orientation values")}


GAP_EXPLAINED = {
    "two-column": N_("Gap = perception - expectation; below zero, the service falls short."),
    "three-column": N_(
        "Superiority gap = perception - desired level; adequacy gap = perception - minimum level; "
        "below zero, the service falls short of that level."
    ),
}


def scale_words(scale: Scale, _: Gettext, lang: str) -> str:
    """The scale in words: "1 to 7", "1 to 7 in steps of 0.5", "0 to 100, any value (a slider)"."""
    if scale.continuous:
        return _("{low} to {high}, any value (a slider)").format(low=scale.min, high=scale.max)
    if scale.whole:
        return _("{low} to {high}").format(low=scale.min, high=scale.max)
    step = f"{scale.step:g}"
    return _("{low} to {high} in steps of {step}").format(
        low=scale.min, high=scale.max, step=step.replace(".", ",") if lang == "nl" else step
    )


def gap_kind(sections: Sequence[str]) -> str | None:
    """How the gaps of a result are meant: two-column (P - E), three-column (P - D and
    P - M), or None without a gap."""
    if "adequacy" in sections:
        return "three-column"
    return "two-column" if "gap" in sections else None


def section_title(section: str, instrument: Instrument) -> str:
    if "minimum" in instrument.sections and section in THREE_COLUMN_TITLES:
        return THREE_COLUMN_TITLES[section]
    return AUDIENCE_TITLES.get((instrument.audience, section), SECTION_TITLES[section])


def factor_heading(factor: Factor, _: Gettext) -> str:
    """Where a factor belongs: "Gap 3", or its group ("Customer-orientation values")."""
    if factor.gap is not None:
        return _("Gap {gap}").format(gap=factor.gap)
    return _(FACTOR_GROUP_NAMES[factor.group or ""])


#: The five gaps of the gaps model by number (design.md, "What it is").
GAP_NAMES = {
    1: N_("knowledge gap"),
    2: N_("standards gap"),
    3: N_("delivery gap"),
    4: N_("communication gap"),
    5: N_("customer gap"),
}
#: Whose answers each gap's size rests on (the managers' for gap 1 when they predicted the
#: customers' expectations, or else their gap 1 factors).
GAP_AUDIENCES = {1: "manager", 2: "manager", 3: "employee", 4: "employee", 5: "customer"}
#: A gap's level (servqual.analysis.LEVELS) in words; None: the gap was not measured.
GAP_LEVELS = {"small": N_("small"), "medium": N_("medium"), "large": N_("large"), None: N_("not measured")}
#: What a gap's size rests on (GapSize.basis).
GAP_BASES = {
    "prediction": N_("the managers' predictions of the customers' expectations, against the customers' own"),
    "factors": N_("the {audience}' answers on the factors behind this gap"),
    "customers": N_("the customers' perceptions minus their expectations"),
}
#: Each gap in plain words: what it is and why it matters (docs/methods.md#diagnosis).
GAP_MEANINGS = {
    1: N_(
        "Management does not know well enough what customers expect. Decisions about the service then rest on a "
        "picture of the customer that is off."
    ),
    2: N_(
        "Management knows what customers expect, but has not turned it into clear service standards: goals, "
        "procedures and priorities that staff can work to."
    ),
    3: N_(
        "The standards exist, but the service delivered falls short of them: staff cannot or do not deliver to "
        "standard, for example for lack of teamwork, the right tools or room to act."
    ),
    4: N_(
        "What the organisation promises its customers does not match what it delivers. Promises raise "
        "expectations that the service then fails to meet."
    ),
    5: N_(
        "Customers perceive the service as worse than they expect it to be. This is the gap customers feel; the "
        "four gaps inside the organisation (1 to 4) cause it."
    ),
}
#: Typical ways to close each gap, written for this tool (servqual-method.md §4, §5).
GAP_REMEDIES = {
    1: (
        N_("Ask customers regularly what they expect, and discuss the results in management meetings."),
        N_("Let managers spend time at the front line and talk with customers themselves."),
        N_("Make it easy for front-line staff to pass on what they hear from customers, and act on it visibly."),
        N_("Cut the layers between the front line and the people who decide."),
    ),
    2: (
        N_("Set measurable service goals from what customers expect, such as response times or first-time right."),
        N_("Standardise routine tasks with tools and procedures, so that the standard is easy to meet."),
        N_("Make service quality a priority of management, on a par with costs and volume."),
        N_("Where managers think customers' wishes cannot be met, find out what it would take before giving up."),
    ),
    3: (
        N_("Strengthen teamwork, and give staff the room to solve customers' problems themselves."),
        N_("Fit people, tools and technology to the job; train where skills fall short."),
        N_("Evaluate and reward staff on the service they give, not only on their output."),
        N_("Remove conflicting demands, and make clear what is expected of staff and how it is judged."),
    ),
    4: (
        N_("Involve the people who deliver the service before promises are made in advertising and sales."),
        N_("Keep departments and branches informed of each other, so that everyone promises the same."),
        N_("Promise what can be delivered every time; resist the pressure to promise more."),
    ),
    5: (
        N_("Close gaps 1 to 4: their sizes show where the cause most likely lies."),
        N_("Start with the dimensions whose gap is largest and that customers find most important."),
        N_("Measure again after the improvements, to see whether the gap narrows."),
    ),
}
#: The words of the gaps model's picture (charts.gaps_model).
MODEL_WORDS = {
    "customer": N_("Customer"),
    "organisation": N_("Organisation"),
    "expected": N_("Expected service"),
    "perceived": N_("Perceived service"),
    "delivery": N_("Service delivery"),
    "communication": N_("Communication to customers"),
    "standards": N_("Service standards"),
    "management": N_("Management's picture of customers' expectations"),
}


QUADRANT_NAMES = {
    "concentrate_here": N_("concentrate here"),
    "keep_up": N_("keep up the good work"),
    "low_priority": N_("low priority"),
    "possible_overkill": N_("possible overkill"),
}
CFA_FAILURES = {
    "too_few_rows": N_("fewer complete rows than items"),
    "too_few_respondents": N_("fewer than 50 complete rows, too few for a factor model"),
    "singular": N_("the items' covariance matrix is singular"),
    "not_converged": N_("the estimation did not converge"),
}
#: What the minimums of servqual.analysis._evidence leave out.
LEFT_OUT = {
    "advice": N_("Where to act first"),
    "reliability": N_("Reliability (alpha, omega, the gap's reliability)"),
    "tests": N_("The tests of a gap (its interval, p-value and effect size)"),
}
FIT_WORDS = {
    "good": N_("The dimensions fit the answers well (CFI at least 0.95, RMSEA at most 0.06)."),
    "fair": N_("The dimensions fit the answers fairly (CFI at least 0.90, RMSEA at most 0.08)."),
    "poor": N_("The dimensions fit the answers poorly: read dimension scores with care."),
    "untestable": N_("The model has no degrees of freedom, so its fit cannot be tested."),
}


def fit_quality(fit: FitMeasures) -> str:
    """Hu & Bentler (1999) for good fit; CFI 0.90 and RMSEA 0.08 as the fair limits."""
    if fit.df == 0:
        return "untestable"
    if fit.cfi >= 0.95 and fit.rmsea <= 0.06:
        return "good"
    if fit.cfi >= 0.90 and fit.rmsea <= 0.08:
        return "fair"
    return "poor"


def fit_figures(fit: FitMeasures, lang: str, _: Gettext) -> str:
    """The fit measures of a factor model on one line, as the command line and the report show them."""
    return _("chi2 {chi2} (df {df}, p {p}); CFI {cfi}; TLI {tli}; RMSEA {rmsea} [{low}; {high}]; SRMR {srmr}").format(
        chi2=number(fit.chi2, lang),
        df=fit.df,
        p=p_value(fit.p_value, lang),
        cfi=number(fit.cfi, lang, 3),
        tli=number(fit.tli, lang, 3),
        rmsea=number(fit.rmsea, lang, 3),
        low=number(fit.rmsea_ci90[0], lang, 3),
        high=number(fit.rmsea_ci90[1], lang, 3),
        srmr=number(fit.srmr, lang, 3),
    )


WARNINGS = {
    "rows_excluded": N_(
        "{n} rows ({share}) were excluded and their answers left out: servqual validate lists each with its reason"
    ),
    "answers_rejected": N_(
        "{n} answers ({share}) were rejected as invalid and left out, in {columns}: servqual validate lists each "
        "(docs/file-format.md#validation)"
    ),
    "label_columns": N_(
        "the answers in {columns} are text labels, not scale points, so their items are left out of their "
        "dimensions; give each label its point under [values] in a mapping file (docs/file-format.md#the-mapping-file)"
    ),
    "unused_columns": N_("not used by the instrument: {columns}"),
    "scale_fit": N_(
        "none of the {n} answers is {points}, on the {scale} scale of the instrument; the answers look like a "
        "{looks_like} scale: check that the file and the instrument use the same scale "
        "(docs/file-format.md#validation)"
    ),
    "small_sample": N_("only {n} respondents: figures are uncertain (docs/methods.md#sample-size)"),
    "too_few_for": N_(
        "{reason}: not shown, as at least {threshold} respondents are needed and some figures rest on {n} "
        "(docs/methods.md#too-few-respondents)"
    ),
    "alpha_above_one": N_(
        "{dimension}, {section}: alpha came out above 1 ({alpha}), which no reliability can be; it is not shown "
        "(docs/methods.md#too-few-respondents)"
    ),
    "many_missing": N_("{share} of the answers are missing (docs/methods.md#missing-answers)"),
    "low_alpha": N_(
        "{dimension}, {section}: alpha {alpha} is below 0.70; the items may not measure one thing "
        "(docs/methods.md#reliability)"
    ),
    "low_difference_reliability": N_(
        "{dimension}: the gap score has low reliability ({reliability}), as difference scores often do "
        "(docs/methods.md#known-caveats)"
    ),
    "poor_fit": N_(
        "{section}: the dimension model fits poorly (CFI {cfi}, RMSEA {rmsea}) (docs/methods.md#factor-structure)"
    ),
    "no_factor_model": N_("{section}: no factor model could be fitted ({reason}, {n} complete rows)"),
    "difference_scores": N_(
        "gap scores are differences of two ratings, with known weaknesses; compare with the perceptions "
        "alone (docs/methods.md#known-caveats)"
    ),
}


def warning_text(warning: ResultWarning, names: dict[str, str], lang: str, _: Gettext) -> str:
    """A warning as a sentence, with the dimension's name in ``names``."""
    params = warning.figures()
    if "dimension" in params:
        params["dimension"] = names.get(params["dimension"], params["dimension"])
    if "section" in params:
        params["section"] = _(SECTION_TITLES[params["section"]])
    if "reason" in params:
        reasons = LEFT_OUT if warning.code == "too_few_for" else CFA_FAILURES
        params["reason"] = _(reasons[params["reason"]])
    for name in ("alpha", "reliability", "cfi", "rmsea"):
        if name in params:
            params[name] = number(params[name], lang)
    if "share" in params:
        params["share"] = share_text(params["share"], lang)
    if "columns" in params:
        params["columns"] = column_ranges(list(params["columns"]))
    if "points" in params:
        params["points"] = " / ".join(_point(p) for p in params["points"])
    for name in ("scale", "looks_like"):
        if name in params:
            params[name] = "..".join(_point(p) for p in params[name])
    return _(WARNINGS[warning.code]).format(**params)


def segment_missing_note(segment: SegmentResult, column: str, _: Gettext) -> str:
    """What became of the respondents without a value of a segment column, said under
    every segment table: left out (with their number where it reveals no hidden group)
    or a group of their own."""
    if segment.missing == "group":
        return _("Respondents without a value for {column} form a group of their own, “(no value)”.").format(
            column=column
        )
    if segment.left_out is None:
        return _(
            "Respondents without a value for {column}: left out of these groups and tests (how many is not "
            "shown: it would reveal the size of a hidden group). All other figures include them."
        ).format(column=column)
    return _(
        "Respondents without a value for {column}: left out of these groups and tests ({n}). All other "
        "figures include them."
    ).format(column=column, n=segment.left_out)


def share_text(share: float, lang: str) -> str:
    """A share as a percentage; below 1 % with one decimal, so that a few answers in
    thousands do not read as 0 %."""
    if 0 < share < 0.01:
        return number(max(share * 100, 0.1), lang, 1) + "%"
    return f"{share:.0%}"


def _point(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def validation_summary(report: ValidationReport, lang: str) -> list[str]:
    """What a reader did with a file (a :class:`~servqual.io.ValidationReport`), line by line,
    in ``lang``; sub-lines start with two spaces. ``servqual validate`` prints it, the web
    import shows it."""
    _ = translator(lang)
    reasons = {
        "ragged_row": _("wrong number of fields"),
        "truncated_row": _("cut off at the end of the file"),
        "blank_line": _("empty line"),
        "not_a_response": _("preview, test or spam response"),
        "no_answers": _("no answers at all"),
        "answers_rejected": _("every answer rejected"),
        "duplicate_id": _("duplicate respondent id"),
    }
    lines = [_("File: {file} ({format})").format(file=report.source, format=report.file_format)]
    lines += ["  " + note.render(_) for note in report.notes]
    lines.append(_("Rows read: {n}").format(n=report.rows_read))
    lines.append(_("Rows used: {n}").format(n=report.rows_used))
    lines.append(_("Rows excluded: {n}").format(n=report.rows_excluded))
    for reason, rows in report.excluded.items():
        lines.append("  " + _("{reason}: {n}").format(reason=reasons.get(reason, reason), n=len(rows)))
    lines.append(
        _("Answers given: {given} of {expected}; no answer: {missing}; rejected as invalid: {rejected}").format(
            given=report.answers_given,
            expected=report.answers_expected,
            missing=report.answers_missing,
            rejected=report.total_rejected,
        )
    )
    if report.total_rejected:
        lines.append(
            "  "
            + _("rejected: {share} of the answers given, in {columns}").format(
                share=share_text(report.total_rejected / (report.answers_given + report.total_rejected), lang),
                columns=column_ranges(list(report.answers_rejected)),
            )
        )
    if report.importance_rejected:
        lines.append(_("Respondents whose importance points were invalid: {n}").format(n=report.importance_rejected))
    if report.issues:
        lines.append(_("Problems:"))
        lines += ["  " + issue.render(_) for issue in report.issues]
        if report.issues_not_listed:
            lines.append("  " + _("... and {n} more").format(n=report.issues_not_listed))
    else:
        lines.append(_("No problems found."))
    return lines
