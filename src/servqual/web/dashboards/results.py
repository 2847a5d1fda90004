"""A wave's results: the command line's analysis and report content, cached per wave.

Nothing here computes a figure or draws a chart: ``servqual.analyze`` does the one and
``servqual.report.build_report`` the other, on the wave's responses as
``servqual.web.surveys.responses.response_set`` reads them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db.models import Count, Max

from servqual.analysis import AnalysisResult, analyze
from servqual.io import ResponseSet
from servqual.report import build_report
from servqual.web.studies.models import Wave
from servqual.web.surveys.models import Audience
from servqual.web.surveys.responses import response_set

#: A cached report is found again by its key, which changes with every new response;
#: the timeout only clears out reports nobody asks for any more.
CACHE_SECONDS = 24 * 60 * 60


def completed(wave: Wave) -> dict[str, Any]:
    """How many customers completed the survey, and when the latest did."""
    return wave.responses.filter(audience=Audience.CUSTOMER, completed_at__isnull=False).aggregate(
        n=Count("pk"), latest=Max("completed_at")
    )


def analysed(wave: Wave) -> tuple[ResponseSet, AnalysisResult] | None:
    """The customers' responses and their analysis, with the study's segments and its
    anonymity threshold as the smallest group shown; None below the threshold."""
    study = wave.study
    if completed(wave)["n"] < study.anonymity_threshold:
        return None
    responses = response_set(wave, Audience.CUSTOMER)
    segments = list(study.segments.values_list("key", flat=True))
    result = analyze(responses, segments=segments, min_group=study.anonymity_threshold)
    if result.n_used < study.anonymity_threshold:  # rows the reader excluded do not count
        return None
    return responses, result


def wave_report(wave: Wave, lang: str) -> dict[str, Any] | None:
    """The report content of the wave in ``lang`` (None below the threshold), from the
    cache while no response has been completed since it was built."""
    state = completed(wave)
    if state["n"] < wave.study.anonymity_threshold:
        return None
    key = "wave-report:" + _fingerprint(wave, state, lang)
    report = cache.get(key)
    if report is None:
        found = analysed(wave)
        if found is None:
            return None
        responses, result = found
        report = build_report(
            result,
            responses.instrument,
            lang=lang,
            title=f"{wave.study.name}: {wave.name}",
            service=wave.study.service_name,
            validation=responses.report,
        )
        cache.set(key, report, CACHE_SECONDS)
    return report


def _fingerprint(wave: Wave, state: dict[str, Any], lang: str) -> str:
    """Everything the report depends on: a new or deleted response, another threshold,
    segment or instrument, or a renamed study gives another key."""
    study = wave.study
    segments = list(study.segments.values_list("key", "values"))
    parts = [
        wave.pk,
        state["n"],
        state["latest"].isoformat() if state["latest"] else None,
        lang,
        study.anonymity_threshold,
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
    attributes = responses.attributes
    for column, segment in result.segments.items():
        hidden = [g.value for g in segment.groups if g.suppressed and g.value is not None]
        if hidden:
            column_values = pl.col(column)
            attributes = attributes.with_columns(
                pl.when(column_values.is_in(hidden)).then(None).otherwise(column_values).alias(column)
            )
    return dataclasses.replace(responses, attributes=attributes)
