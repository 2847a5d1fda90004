"""A wave's results: the command line's analysis and report content, cached per wave.

Nothing here computes a figure or draws a chart: ``servqual.analysis`` does the one (from
the sums of the wave's responses, ``servqual.web.dashboards.sums``) and
``servqual.report.build_report`` the other.

Results that changed with every response would give each response away: read them, let one
more response in, read again, and (n+1)·mean' − n·mean is its answer. So the results rest on
the responses let into them (``Response.in_results``), which grow by whole steps of the
study's anonymity threshold k: :func:`admit` lets the completed responses that wait in, k at a
time in the order of their primary key, whenever someone reads the results. A response started
early and completed late waits at the end of the line; it cannot slip in among those already
in and push another out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from servqual.analysis import AnalysisResult, CustomerSums, Diagnosis, analyze_parts, diagnose, suppressed_groups
from servqual.errors import ServqualError
from servqual.instruments import Instrument
from servqual.io import ResponseSet, ValidationReport
from servqual.report import build_group_summaries, build_report, cover_content
from servqual.report.content import Cover, GroupSummary
from servqual.web.accounts.branding import report_branding
from servqual.web.dashboards.sums import ResultCounts, completed_responses, result_counts, wave_sums
from servqual.web.studies.counts import response_rate
from servqual.web.studies.models import Wave
from servqual.web.surveys.models import Audience, Response
from servqual.web.surveys.responses import response_set

#: The audiences of the organisation, whose answers the diagnosis sets beside the customers'.
STAFF = (Audience.MANAGER, Audience.EMPLOYEE)
#: A cached report is found again by its key, which changes with every step of responses let
#: in; the timeout only clears out reports nobody asks for any more.
CACHE_SECONDS = 24 * 60 * 60


def admit(wave: Wave, audience: str = Audience.CUSTOMER) -> dict[str, int]:
    """Let the wave's completed responses of ``audience`` that wait into its results: as
    many whole steps of the anonymity threshold k as there are, oldest first (by primary
    key). Each audience's results grow by steps of their own.

    Returns ``completed`` (all completed responses of the audience), ``in_results`` (those
    the results rest on) and ``step`` (k)."""
    counts = admitted(wave, audience)
    return {"completed": counts.completed, "in_results": counts.in_results, "step": wave.study.anonymity_threshold}


def admitted(wave: Wave, audience: str = Audience.CUSTOMER) -> ResultCounts:
    """:func:`admit`, giving the counts of the wave's responses of ``audience`` after it."""
    step = wave.study.anonymity_threshold
    with transaction.atomic():
        # One admission at a time per wave (PostgreSQL; SQLite writes one at a time anyway).
        list(Wave.objects.select_for_update().filter(pk=wave.pk).values_list("pk"))
        counts = result_counts(wave, audience)
        n_waiting = counts.completed - counts.in_results
        if n_waiting >= step:
            # the keys through the index, sorted here: ORDER BY in SQL reads the table instead
            waiting = completed_responses(wave, audience).filter(in_results=False)
            last = sorted(waiting.order_by().values_list("pk", flat=True))[n_waiting // step * step - 1]
            waiting.filter(pk__lte=last).update(in_results=True)
            counts = result_counts(wave, audience)
    return counts


def delete_responses(responses: QuerySet[Response]) -> int:
    """Delete ``responses`` (a person's erasure, a study's retention period) without giving
    them away: per wave, when some were in its results, as many of the others last let in
    are taken out again as make the number gone from the results a whole step of k, so the
    results before and after differ by at least k responses, as when they grow. Those taken
    out wait in line again (by primary key) and come back with a next step; no answer is
    lost. Returns how many were deleted."""
    deleted = 0
    with transaction.atomic():
        for wave in Wave.objects.filter(pk__in=responses.values("wave")).select_related("study"):
            # Locked as admit() locks it, so no step is let in halfway.
            list(Wave.objects.select_for_update().filter(pk=wave.pk).values_list("pk"))
            of_wave = responses.filter(wave=wave)
            for audience in Audience.values:  # each audience's results by steps of their own
                gone = of_wave.filter(audience=audience, in_results=True).count()
                short = -gone % wave.study.anonymity_threshold
                if short:
                    in_results = completed_responses(wave, audience).filter(in_results=True)
                    others = in_results.exclude(pk__in=of_wave.values("pk"))
                    taken_out = list(others.order_by("-pk").values_list("pk", flat=True)[:short])
                    # out of their batch too: a batch's stored sums hold while it only loses responses
                    Response.objects.filter(pk__in=taken_out).update(in_results=False, results_batch=None)
            deleted += of_wave.delete()[1].get(Response._meta.label, 0)
    return deleted


@dataclasses.dataclass(frozen=True)
class WaveAnalysis:
    """The analysis of the customers' responses in a wave's results."""

    instrument: Instrument
    result: AnalysisResult
    #: the validation counts of those responses (rows read, used and excluded, answers)
    validation: ValidationReport
    #: what the five gaps need of the customers beyond ``result``, from the same sums
    customer_sums: CustomerSums


def wave_analysis(wave: Wave, counts: ResultCounts | None = None) -> WaveAnalysis | None:
    """The analysis of the customers' responses in the wave's results, with the study's
    segments and its anonymity threshold k as the smallest group shown and the fewest
    answers an item's or dimension's figure rests on (else suppressed, with its n), and its
    choice for respondents without a segment value; None below the threshold. From the
    stored sums of the responses' batches and those of the others (``wave_sums``): the
    figures of ``servqual.analyze`` on all of them. The page, the report, the exports and
    the API all read this. ``counts``: what :func:`admitted` just gave, if it was called."""
    study = wave.study
    k = study.anonymity_threshold
    counts = counts or admitted(wave)
    if counts.in_results < k:
        return None
    sums = wave_sums(wave, counts)
    if sums.sums.n_used < k:  # rows the reader excluded do not count
        return None
    instrument = study.instrument()
    result = analyze_parts(instrument, sums, min_group=k, min_answers=k, segment_missing=study.segment_missing)
    return WaveAnalysis(
        instrument=instrument,
        result=result,
        validation=sums.report,
        customer_sums=CustomerSums.of_part(sums, instrument),
    )


def analysed(wave: Wave) -> tuple[ResponseSet, AnalysisResult] | None:
    """The responses in the wave's results, for the raw rows of an export, and their
    analysis (:func:`wave_analysis`); None below the threshold."""
    found = wave_analysis(wave)
    if found is None:
        return None
    return response_set(wave, Audience.CUSTOMER, in_results=True), found.result


def staff_counts(wave: Wave) -> dict[str, ResultCounts]:
    """The counts of the managers' and the employees' responses, after letting in those that
    wait (:func:`admitted`, whole steps of the threshold per audience)."""
    return {audience: admitted(wave, audience) for audience in STAFF}


def staff_responses(wave: Wave, audience: str) -> ResponseSet | None:
    """The responses of ``audience`` (managers, employees) in the wave's results; None when
    there are none (or the reader excludes every one of them)."""
    try:
        return response_set(wave, audience, in_results=True)
    except ServqualError:  # as the reader says of an empty file
        return None


def diagnosis_of(wave: Wave, analysis: WaveAnalysis, staff: dict[str, ResultCounts]) -> Diagnosis | None:
    """The five gaps of the wave (``servqual.analysis.diagnose``): the customers' analysis
    and sums (:func:`wave_analysis`, from the sums stored per batch: no customer's answers
    are read again) beside the managers' and employees' responses in the results, per unit
    of every segment of the study and per customer process, each figure under the study's
    anonymity threshold. None when neither managers nor employees are in the results.
    ``staff``: :func:`staff_counts`."""
    study = wave.study
    if not any(staff[audience].in_results for audience in STAFF):
        return None
    managers, employees = (
        staff_responses(wave, audience) if staff[audience].in_results else None for audience in STAFF
    )
    if managers is None and employees is None:
        return None
    return diagnose(
        analysis.customer_sums,
        analysis.result,
        managers,
        employees,
        units=list(study.segments.values_list("key", flat=True)),
        processes=study.processes(),
        min_group=study.anonymity_threshold,
        segment_missing=study.segment_missing,
    )


def wave_diagnosis(
    wave: Wave,
    counts: ResultCounts | None = None,
    staff: dict[str, ResultCounts] | None = None,
    analysis: WaveAnalysis | None = None,
) -> Diagnosis | None:
    """The five gaps of the wave (:func:`diagnosis_of`), from the cache while no step of any
    audience's responses has been let in since it was made; None below the customers'
    threshold, or without managers and employees in the results. ``counts``, ``staff``:
    what :func:`admitted` and :func:`staff_counts` just gave, if called; ``analysis``: the
    customers' (:func:`wave_analysis`), if at hand."""
    counts = counts or admitted(wave)
    staff = staff or staff_counts(wave)
    if counts.in_results < wave.study.anonymity_threshold or not any(c.in_results for c in staff.values()):
        return None
    key = "wave-diagnosis:" + _fingerprint(wave, "", counts, staff)
    found = cache.get(key)
    if found is None:
        analysis = analysis or wave_analysis(wave, counts)
        found = {"diagnosis": None if analysis is None else diagnosis_of(wave, analysis, staff)}
        cache.set(key, found, CACHE_SECONDS)  # in a dict, so that "none" is found in the cache too
    diagnosis: Diagnosis | None = found["diagnosis"]
    return diagnosis


def wave_report(wave: Wave, lang: str, counts: ResultCounts | None = None) -> dict[str, Any] | None:
    """The report content of the wave in ``lang`` (None below the threshold), from the
    cache while no step of responses has been let in since it was built; its cover
    (:func:`wave_cover`) made fresh each time, so a new logo shows at once. ``counts``:
    what :func:`admitted` just gave, if it was called."""
    found = wave_results(wave, lang, counts)
    return None if found is None else found[0]


def wave_results(
    wave: Wave, lang: str, counts: ResultCounts | None = None
) -> tuple[dict[str, Any], list[GroupSummary]] | None:
    """The report content (as :func:`wave_report`) and the management summary of every
    segment group its segment tables show, in ``lang``; None below the threshold. Both
    come from one analysis and are cached together."""
    counts = counts or admitted(wave)
    if counts.in_results < wave.study.anonymity_threshold:
        return None
    staff = staff_counts(wave)
    fingerprint = _fingerprint(wave, lang, counts, staff)
    keys = ("wave-report:" + fingerprint, "wave-groups:" + fingerprint)
    cached = cache.get_many(keys)
    if len(cached) == len(keys):
        report, groups = (cached[key] for key in keys)
    else:
        found = wave_analysis(wave, counts)
        if found is None:
            return None
        report = build_report(
            found.result,
            found.instrument,
            lang=lang,
            title=f"{wave.study.name}: {wave.name}",
            service=wave.study.service_name,
            validation=found.validation,
            diagnosis=wave_diagnosis(wave, counts, staff, found),
        )
        groups = build_group_summaries(found.result, found.instrument, lang=lang, service=wave.study.service_name)
        cache.set_many(dict(zip(keys, (report, groups), strict=True)), CACHE_SECONDS)
    return {**report, **cover_content(wave_cover(wave, counts.in_results), lang)}, groups


def wave_cover(wave: Wave, in_results: int) -> Cover:
    """The report's cover: the organisation's name, logo and colour, the fieldwork period
    (the days the wave opens and closes), the responses in the results, and the response
    rate of the customers' invitations among them, hidden as on the wave page under the
    anonymity threshold. Counted from the responses in the results, as every figure of the
    report is, so the rate moves by whole steps too. ``in_results``: their number."""
    invitations = wave.invitations.filter(audience=Audience.CUSTOMER)
    invited = invitations.count()
    answered = invitations.filter(response__in_results=True, response__completed_at__isnull=False).count()
    rate = response_rate(invited, answered, wave.study.anonymity_threshold)
    return dataclasses.replace(
        report_branding(wave.study.organisation),
        opens=timezone.localdate(wave.opens_at),
        closes=timezone.localdate(wave.closes_at),
        responses=in_results,
        invited=invited if rate is not None else None,
        response_rate=rate,
    )


def _fingerprint(wave: Wave, lang: str, counts: ResultCounts, staff: dict[str, ResultCounts]) -> str:
    """Everything the report depends on: the responses of every audience in the results
    (their number and primary keys: a step let in or a response deleted gives another key),
    another threshold, segment, choice for respondents without a segment value, instrument or
    processes, or a renamed study. ``counts``: what :func:`admitted` gave for the customers;
    ``staff``: :func:`staff_counts`."""
    study = wave.study
    segments = list(study.segments.values_list("key", "values"))
    parts = [
        wave.pk,
        [counts.in_results, counts.last, counts.total],
        {audience: [c.in_results, c.last, c.total] for audience, c in staff.items()},
        study.manager_instrument_key,
        study.employee_instrument_key,
        hashlib.sha256(study.processes_file.encode()).hexdigest(),
        lang,
        study.anonymity_threshold,
        study.segment_missing,
        segments,
        study.instrument_key,
        hashlib.sha256(study.instrument_file.encode()).hexdigest(),
        study.name,
        study.service_name,
        wave.name,
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def without_small_groups(responses: ResponseSet, result: AnalysisResult) -> ResponseSet:
    """The responses with the segment values of every suppressed group left empty, so the
    raw rows of an export reveal no group the analysis hides."""
    return without_values(responses, suppressed_values(result))


def without_values(responses: ResponseSet, hidden: dict[str, set[Any]]) -> ResponseSet:
    """The responses with the values ``hidden`` (segment column -> values) left empty."""
    attributes = responses.attributes
    for column, values in hidden.items():
        column_values = pl.col(column)
        attributes = attributes.with_columns(
            pl.when(column_values.is_in(list(values))).then(None).otherwise(column_values).alias(column)
        )
    return dataclasses.replace(responses, attributes=attributes)


def suppressed_values(result: AnalysisResult) -> dict[str, set[Any]]:
    """Segment column -> the values of its groups that the analysis suppresses (only the
    columns that have any)."""
    hidden = {
        column: {g.value for g in segment.groups if g.suppressed and g.value is not None}
        for column, segment in result.segments.items()
    }
    return {column: values for column, values in hidden.items() if values}


def k_anonymous(attributes: pl.DataFrame, columns: list[str], k: int) -> pl.DataFrame:
    """``attributes`` with every segment value of some rows left empty, so that

    1. every combination of the values of ``columns`` in the result is held by at least
       ``k`` rows, and so is the empty one (rows with no value left), unless it is absent;
    2. of every value held by at least ``k`` rows (one the results can show, with its count
       and means), none or at least ``k`` rows are left empty: else the results' figures for
       it minus the rows that show it would single out the ones left empty.

    Rows are left empty a whole combination at a time: first every combination held by
    fewer than ``k`` rows, then the smallest others until the empty rows number at least
    ``k`` (:func:`servqual.analysis.suppressed_groups`, the rule of the results' groups, on
    combinations); then, while a value has between 1 and ``k`` − 1 rows left empty, the
    smallest combination with it that still shows; and so on until nothing changes (each
    step only empties more, so it ends; at worst every row is left empty)."""
    rows = list(attributes.select(columns).iter_rows())
    hidden = hidden_combinations(Counter(rows), len(columns), k)
    if not hidden - {(None,) * len(columns)}:
        return attributes
    gone = pl.Series([row in hidden for row in rows])
    return attributes.with_columns(pl.when(gone).then(None).otherwise(pl.col(c)).alias(c) for c in columns)


def hidden_combinations(sizes: Counter[tuple[Any, ...]], width: int, k: int) -> set[tuple[Any, ...]]:
    """The combinations of segment values (tuples of ``width``) whose rows :func:`k_anonymous`
    leaves empty, from how many rows hold each (``sizes``); the empty one among them."""
    empty = (None,) * width
    hidden: set[tuple[Any, ...]] = {empty} & sizes.keys()  # rows with no value show nothing
    while True:
        hidden = suppressed_groups(dict(sizes), k, hidden)
        more = _half_emptied(sizes, hidden, k)
        if more is None:
            return hidden
        hidden.add(more)


def _half_emptied(sizes: Counter[tuple[Any, ...]], hidden: set[tuple[Any, ...]], k: int) -> tuple[Any, ...] | None:
    """The smallest shown combination with a value of which at least ``k`` rows exist and
    between 1 and ``k`` − 1 are left empty (the first such value, by column and value); None
    when there is no such value. Counted from the combinations' sizes, not row by row."""
    shown = sorted((n, str(c), c) for c, n in sizes.items() if c not in hidden)
    for j in range(len(next(iter(sizes), ()))):
        values: Counter[Any] = Counter()
        emptied: Counter[Any] = Counter()
        for c, n in sizes.items():
            if c[j] is not None:
                values[c[j]] += n
                if c in hidden:
                    emptied[c[j]] += n
        for value in sorted(values):
            if values[value] >= k and 0 < emptied[value] < k:
                found = next((c for _, _, c in shown if c[j] == value), None)
                if found is not None:
                    return found
    return None


def anonymous_rows(responses: ResponseSet, result: AnalysisResult, k: int) -> ResponseSet:
    """The responses as the raw rows of an export may show them: the segment values of every
    group the analysis suppresses left empty (:func:`without_small_groups`), then those of
    rows whose combination of segment values is too rare (:func:`k_anonymous`); and the rows
    sorted by what they hold, so their order does not tell who answered first."""
    return anonymous_in(without_small_groups(responses, result), list(result.segments), k)


def anonymous_in(responses: ResponseSet, columns: list[str], k: int) -> ResponseSet:
    """:func:`anonymous_rows` after the values of hidden groups are left empty: the rows
    whose combination of the values of ``columns`` is too rare left empty too
    (:func:`k_anonymous`), and the rows sorted by what they hold."""
    attributes = k_anonymous(responses.attributes, columns, k) if columns else responses.attributes
    content = pl.concat([attributes, responses.table], how="horizontal")
    order = content.with_row_index("row").sort(content.columns, nulls_last=True)["row"].to_numpy()
    return dataclasses.replace(
        responses,
        table=responses.table[order],
        # a study without segments has attributes of no columns and so of no rows
        attributes=attributes[order] if attributes.width else attributes,
        respondent_ids=None if responses.respondent_ids is None else responses.respondent_ids[order],
        row_numbers=responses.row_numbers[order],
    )
