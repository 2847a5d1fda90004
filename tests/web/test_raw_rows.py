"""The raw rows of the exports (one per respondent, for who sets up studies) are
k-anonymous on the combination of all segment values: no combination, not even the one of
rows left without any, is held by fewer than k rows; and no segment value the results show
has between 1 and k − 1 of its rows left empty, which the results' counts and means would
give away by subtraction."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

import numpy as np
import pandas as pd
import polars as pl
import pytest

import servqual
from servqual.io.synthetic import generate_study
from servqual.web.imports.rows import save_responses
from servqual.web.studies.models import Segment

#: branch × channel: everyone is in a branch and a channel of at least 5, yet one person is
#: the only one of Utrecht by phone.
COMBINATIONS = {("Utrecht", "web"): 9, ("Utrecht", "phone"): 1, ("Zwolle", "web"): 5, ("Zwolle", "phone"): 5}


def fill_branch_by_channel(wave, reverse: bool = False) -> pd.DataFrame:
    Segment.objects.create(study=wave.study, key="channel", name="Channel", values=["web", "phone"])
    frame = pd.DataFrame(generate_study(sum(COMBINATIONS.values()), seed=4)).drop(columns=["respondent_id"])
    frame[["branch", "channel"]] = [combination for combination, n in COMBINATIONS.items() for _ in range(n)]
    if reverse:
        frame = frame.iloc[::-1].reset_index(drop=True)
    save_responses(wave, servqual.read_responses(frame, "servqual-22", progress=False))
    return frame


def raw_rows(client, wave) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/waves/{wave.pk}/results/export-csv.zip").getvalue()))
    return archive.read("responses.csv")


def test_one_person_alone_in_a_combination_of_segment_values_is_not_shown(client, people, wave, token_for):
    frame = fill_branch_by_channel(wave)
    client.force_login(people["alice"])
    rows = pd.read_csv(io.BytesIO(raw_rows(client, wave)), keep_default_na=False)
    answers = [c for c in frame.columns if c not in ("branch", "channel")]
    assert list(rows.columns[:2]) == ["branch", "channel"]  # no id, language or time beside them
    assert {c for c in rows.columns[2:] if c not in answers} == {f"G{i}" for i in range(1, 23)}  # the gaps
    assert len(rows) == 20
    combinations = Counter(zip(rows["branch"], rows["channel"], strict=True))
    assert ("Utrecht", "phone") not in combinations
    assert all(n >= 5 for n in combinations.values()), combinations  # the empty one too
    # What the results show per value, minus the rows that show it: 0 or at least 5 left empty.
    token = token_for("alice")
    results = client.get(f"/api/waves/{wave.pk}/results", headers={"authorization": f"Bearer {token}"}).json()
    for column, segment in results["segments"].items():
        for group in segment["groups"]:
            assert not group["suppressed"]
            emptied = group["n"] - (rows[column] == group["value"]).sum()
            assert emptied == 0 or emptied >= 5, (column, group["value"], emptied)


def test_the_order_of_the_raw_rows_does_not_tell_who_answered_first(client, people, study_for, acme):
    first, second = study_for(acme).waves.get(), study_for(acme).waves.get()
    fill_branch_by_channel(first)
    fill_branch_by_channel(second, reverse=True)
    client.force_login(people["alice"])
    assert raw_rows(client, first) == raw_rows(client, second)


@pytest.mark.parametrize("k", [3, 5, 10])
def test_the_rule_holds_for_any_segment_values(k):
    """On random values of three columns: every combination shown (the empty one included)
    is held by at least k rows, and of every value held by at least k rows (one the results
    can show) none or at least k rows are left empty."""
    from servqual.web.dashboards.results import k_anonymous

    rng = np.random.default_rng(k)
    columns = ["x", "y", "z"]
    for _ in range(40):
        n = int(rng.integers(k, 300))
        before = pl.DataFrame(
            {c: rng.choice(["a", "b", "c", "d", ""], size=n, p=rng.dirichlet(np.ones(5))) for c in columns}
        ).with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in columns)
        after = k_anonymous(before, columns, k)
        assert after.height == before.height
        assert all(count >= k for count in Counter(after.iter_rows()).values())
        gone = after.select(pl.all_horizontal(pl.all().is_null())).to_series()
        assert after.filter(~gone).equals(before.filter(~gone))  # a row keeps all its values or none
        for c in columns:
            sizes = Counter(before[c].drop_nulls().to_list())
            emptied = Counter(before.filter(gone)[c].drop_nulls().to_list())
            assert all(emptied[v] == 0 or emptied[v] >= k for v, size in sizes.items() if size >= k), (c, emptied)


def test_the_streamed_rows_are_every_row_used_and_those_of_the_export_made_in_memory(client, people, wave, monkeypatch):
    from django.utils import timezone

    from servqual.report.export import csv_rows, response_table
    from servqual.web.dashboards import raw_rows as streamed
    from servqual.web.dashboards.results import analysed, anonymous_rows, wave_analysis
    from servqual.web.surveys.models import Response

    fill_branch_by_channel(wave)
    # 5 rows the reader excludes, without answers: 3 never answered, 2 "no opinion" to all
    # (one of them alone in Zwolle by web: counted, it would let a combination show). The
    # survey and the import store no answer off the scale, so no other row is excluded.
    no_opinion = dict.fromkeys([f"{s}{i}" for s in "EP" for i in range(1, 23)])
    excluded = [({"branch": "Utrecht", "channel": "phone"}, {})] * 3 + [
        ({"branch": "Utrecht", "channel": "phone"}, no_opinion),
        ({"branch": "Zwolle", "channel": "web"}, no_opinion),
    ]
    for segments, answers in excluded:
        Response.objects.create(
            wave=wave, segments=segments, answers=answers, language="nl", completed_at=timezone.now()
        )
    monkeypatch.setattr(streamed, "CHUNK_ROWS", 7)  # several parts, the last ones all excluded
    client.force_login(people["alice"])
    out = raw_rows(client, wave)
    rows_in = Response.objects.filter(wave=wave, in_results=True).count()
    validation = wave_analysis(wave).validation
    assert (rows_in, validation.rows_used, validation.rows_excluded) == (25, 20, 5)
    assert out.decode().count("\r\n") == 1 + 20  # the header and every row used, each once
    responses, result = analysed(wave)
    in_memory = csv_rows(response_table(anonymous_rows(responses, result, wave.study.anonymity_threshold)))
    assert out.decode() == in_memory
