"""The results from stored sums per batch of responses equal a fresh analysis of every
response, after any sequence of changes: responses that arrive (some started early and
completed late), imports, erasures, segments and settings changed, steps let in.

Hypothesis makes the sequences; after each change the figures from the stored sums
(``wave_analysis``, which also lets steps in) are compared with ``servqual.analyze`` on all the responses in the
results, read afresh. Batches are made small here, so that they are made, merged and
invalidated many times in a short sequence. A longer run:

    SERVQUAL_SUMS_EXAMPLES=200 .venv/bin/python -m pytest tests/web/test_stored_sums.py
"""

from __future__ import annotations

import os
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servqual
from figures import same_figures
from servqual.analysis import analyze
from servqual.errors import ServqualError
from servqual.web.dashboards import sums as stored_sums
from servqual.web.dashboards.models import StoredSums
from servqual.web.dashboards.results import admit, delete_responses, wave_analysis
from servqual.web.imports.rows import save_responses
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.models import Audience, Response
from servqual.web.surveys.responses import response_set

EXAMPLES = int(os.environ.get("SERVQUAL_SUMS_EXAMPLES", "8"))
BRANCHES = ["Utrecht", "Zwolle", "Amersfoort", None]

changes = st.one_of(
    st.tuples(st.just("arrive"), st.integers(1, 9), st.integers(0, 2**16)),
    st.tuples(st.just("start"), st.integers(1, 3), st.integers(0, 2**16)),
    st.tuples(st.just("complete"), st.integers(1, 3)),
    st.tuples(st.just("import"), st.integers(1, 12), st.integers(0, 2**16)),
    st.tuples(st.just("erase"), st.integers(1, 4), st.integers(0, 2**16)),
    st.tuples(st.just("threshold"), st.integers(3, 6)),
    st.tuples(st.just("segment_missing"), st.sampled_from(["exclude", "group"])),
    st.tuples(st.just("allow_value")),
    st.tuples(st.just("add_segment")),
)


def answers(rng: np.random.Generator, study: Study) -> dict[str, int | None]:
    """Whole points, some "no opinion" (None) or left out; now and then none at all."""
    instrument = study.instrument()
    columns = [c for s in instrument.sections for c in instrument.columns(s)]
    if rng.random() < 0.05:
        return dict.fromkeys(columns)
    given = {c: (None if rng.random() < 0.1 else int(rng.integers(1, 8))) for c in columns if rng.random() > 0.05}
    if rng.random() < 0.7:
        cuts = np.sort(rng.integers(0, 101, size=4))
        given.update(zip(instrument.importance_columns, map(int, np.diff(np.r_[0, cuts, 100])), strict=True))
    return given


def segments(rng: np.random.Generator, study: Study) -> dict[str, str]:
    chosen = {"branch": BRANCHES[int(rng.integers(0, 4))]}
    if study.segments.filter(key="channel").exists():
        chosen["channel"] = ["web", "phone", None][int(rng.integers(0, 3))]
    return {key: value for key, value in chosen.items() if value is not None}


def change(wave: Wave, step: tuple) -> None:
    study = wave.study
    what = step[0]
    if what in ("arrive", "start"):
        rng = np.random.default_rng(step[2])
        for _ in range(step[1]):
            Response.objects.create(
                wave=wave,
                audience=Audience.CUSTOMER,
                segments=segments(rng, study),
                language="en",
                answers=answers(rng, study),
                completed_at=timezone.now() if what == "arrive" else None,
            )
    elif what == "complete":  # started early, completed late: a low primary key comes last
        for response in wave.responses.filter(completed_at__isnull=True).order_by("pk")[: step[1]]:
            Response.objects.filter(pk=response.pk).update(completed_at=timezone.now())
    elif what == "import":
        rng = np.random.default_rng(step[2])
        rows = [{**answers(rng, study), **segments(rng, study)} for _ in range(step[1])]
        instrument = study.instrument()
        columns = {c: pl.Float64 for s in instrument.sections for c in instrument.columns(s)}
        columns.update(dict.fromkeys(instrument.importance_columns, pl.Float64))
        columns.update({"branch": pl.String, "channel": pl.String})
        frame = pl.DataFrame(rows, schema=columns)
        if frame.select(pl.any_horizontal(pl.exclude("branch", "channel").is_not_null())).to_series().any():
            save_responses(wave, servqual.read_responses(frame, instrument, progress=False))
    elif what == "erase":  # a person's erasure: a few responses, in the results or not
        rng = np.random.default_rng(step[2])
        pks = list(wave.responses.values_list("pk", flat=True))
        if pks:
            chosen = rng.choice(pks, size=min(step[1], len(pks)), replace=False).tolist()
            delete_responses(Response.objects.filter(pk__in=chosen))
    elif what == "threshold":
        Study.objects.filter(pk=study.pk).update(anonymity_threshold=step[1])
    elif what == "segment_missing":
        Study.objects.filter(pk=study.pk).update(segment_missing=step[1])
    elif what == "allow_value":
        Segment.objects.filter(study=study, key="branch").update(values=["Utrecht", "Zwolle", "Amersfoort"])
    elif what == "add_segment" and not study.segments.filter(key="channel").exists():
        Segment.objects.create(study=study, key="channel", name="Channel", values=["web", "phone"], position=1)


def look(wave: Wave) -> None:
    """The results from the stored sums equal analyze on every response in the results."""
    wave = Wave.objects.select_related("study").get(pk=wave.pk)  # the study as changed
    study = wave.study
    got = wave_analysis(wave)
    k = study.anonymity_threshold
    in_results = admit(wave)["in_results"]
    if in_results < k:
        assert got is None
        return
    try:
        responses = response_set(wave, Audience.CUSTOMER, in_results=True)
    except ServqualError:  # every response in the results without any answer
        assert got is None
        return
    expected = analyze(
        responses,
        segments=list(study.segments.values_list("key", flat=True)),
        min_group=k,
        min_answers=k,
        segment_missing=study.segment_missing,
    )
    if expected.n_used < k:
        assert got is None
        return
    assert got is not None
    assert same_figures(got.result.to_dict(), expected.to_dict()) == []
    report = responses.report
    assert (got.validation.rows_read, got.validation.rows_used) == (report.rows_read, report.rows_used)
    assert {r: len(rows) for r, rows in got.validation.excluded.items()} == {
        r: len(rows) for r, rows in report.excluded.items()
    }


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(changes, min_size=3, max_size=15), batch=st.integers(2, 9))
def test_results_from_stored_sums_equal_a_fresh_analysis(acme, monkeypatch, steps, batch):
    monkeypatch.setattr(stored_sums, "BATCH_RESPONSES", batch)
    study = Study.objects.create(organisation=acme, name="Klantonderzoek", service_name="Acme", anonymity_threshold=3)
    Segment.objects.create(study=study, key="branch", name="Branch", values=["Utrecht", "Zwolle"])
    now = timezone.now()
    wave = Wave.objects.create(study=study, name="1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(9))
    for step in steps:
        change(wave, step)
        look(wave)
    study.delete()


def test_a_batch_that_loses_a_response_is_counted_again(wave, monkeypatch):
    """The stored sums of a batch hold while it keeps every response it was counted from:
    after an erasure they are deleted and the batch's other responses counted again."""
    monkeypatch.setattr(stored_sums, "BATCH_RESPONSES", 5)
    for i in range(10):
        Response.objects.create(
            wave=wave,
            segments={"branch": "Utrecht"},
            language="en",
            answers={"E1": 1 + i % 7, "P1": 7 - i % 5},
            completed_at=timezone.now(),
        )
    first = wave_analysis(wave)
    assert first is not None and first.result.n_respondents == 10
    (batch,) = StoredSums.objects.get(wave=wave).batches  # one batch of 10, as the first look counted them
    delete_responses(Response.objects.filter(pk=Response.objects.filter(wave=wave).earliest("pk").pk))  # 4 more out
    after = wave_analysis(wave)
    assert after is not None and after.result.n_respondents == 5
    stored = StoredSums.objects.get(wave=wave)
    assert stored.responses == 5 and list(stored.batches) != [batch]  # counted again, as a new batch
    assert Response.objects.filter(wave=wave, in_results=False, results_batch__isnull=False).count() == 0
