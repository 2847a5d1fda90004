"""Sums of parts counted apart (and stored) add up to the figures of the whole: what a
dashboard that keeps sums per batch of responses, or partitions summed elsewhere, rest on."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import servqual
from figures import same_figures
from servqual.analysis import analyze, analyze_parts, merge_parts, part_from_bytes, part_sums, part_to_bytes
from servqual.instruments import load_instrument
from servqual.io.synthetic import generate_study


def canonical_frame(n: int, seed: int, instrument: str = "servqual-22") -> pl.DataFrame:
    """Synthetic responses as the web's response_frame gives them: segments as text (some
    without a value), every answer a Float64."""
    study = pl.DataFrame(generate_study(n, instrument, seed=seed)).drop("respondent_id")
    rng = np.random.default_rng(seed)
    no_branch = pl.Series(rng.random(n) < 0.1)
    study = study.with_columns(
        pl.when(no_branch).then(None).otherwise(pl.col("branch")).alias("branch"),
        pl.exclude("branch", "channel", "^OPEN_.*$").cast(pl.Float64),  # open answers stay text
    )
    return study


@pytest.mark.parametrize("instrument", ["servqual-22", "servqual-3col"])
def test_parts_add_up_to_the_whole(instrument):
    """Random cuts of a set into parts, each stored and read back, merged, give the figures
    of analyze on the whole set: means, tests, reliability, factor model, segments with
    their suppressed groups, warnings and counts."""
    frame = canonical_frame(900, seed=3, instrument=instrument)
    rng = np.random.default_rng(4)
    cuts = np.sort(rng.choice(np.arange(1, frame.height), size=5, replace=False))
    # one part holds a single branch, so the parts' values differ and must be recoded
    parts = [frame[int(a) : int(b)] for a, b in zip([0, *cuts], [*cuts, frame.height], strict=True)]
    parts.append(canonical_frame(40, seed=8, instrument=instrument).filter(pl.col("branch") == "Zwolle"))
    parts.append(frame[:0])
    whole = pl.concat(parts)
    loaded = load_instrument(instrument)
    segments = ["branch", "channel"]
    stored = [
        part_from_bytes(part_to_bytes(part_sums(p, loaded, segments=segments, cfa=("perception", "gap"))))
        for p in parts
    ]
    merged = merge_parts(loaded, stored)
    for k in (1, 5, 40):
        expected = analyze(
            servqual.read_responses(whole, loaded, progress=False),
            segments=segments,
            min_group=k,
            min_answers=k,
            cfa=("perception", "gap"),
        )
        got = analyze_parts(loaded, merged, min_group=k, min_answers=k)
        assert same_figures(got.to_dict(), expected.to_dict()) == []
    assert merged.report.rows_used == whole.height
    assert merged.categories["branch"] == [*sorted(whole["branch"].drop_nulls().unique().to_list()), None]


def test_a_part_without_answers_counts_its_rows_as_excluded():
    """Rows that hold no answer at all are excluded as the reader excludes them, also when a
    part holds nothing else (the reader alone would refuse such a part)."""
    loaded = load_instrument("servqual-22")
    frame = canonical_frame(300, seed=5)
    answers = [c for s in loaded.sections for c in loaded.columns(s)]
    empty = frame[:7].with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in answers)
    merged = merge_parts(
        loaded, [part_sums(frame, loaded, segments=["branch"]), part_sums(empty, loaded, segments=["branch"])]
    )
    whole = servqual.read_responses(pl.concat([frame, empty]), loaded, progress=False)
    assert merged.report.rows_read == 307
    assert len(merged.report.excluded["no_answers"]) == 7
    expected = analyze(whole, segments=["branch"], min_group=5, min_answers=5)
    assert same_figures(analyze_parts(loaded, merged, min_group=5, min_answers=5).to_dict(), expected.to_dict()) == []


def test_the_scale_check_is_made_for_the_whole():
    """A scale whose top point no answer of any part uses is named for the whole, also when
    each part alone has too few answers to be checked."""
    loaded = load_instrument("servqual-22")
    frame = canonical_frame(60, seed=6)
    answers = [c for s in loaded.sections for c in loaded.columns(s)]
    frame = frame.with_columns(pl.col(c).clip(upper_bound=6) for c in answers)
    parts = [part_sums(frame[i : i + 2], loaded) for i in range(0, 60, 2)]  # 88 answers each at most
    merged = merge_parts(loaded, parts)
    whole = servqual.read_responses(frame, loaded, progress=False)
    assert whole.report.scale_unused == [7]
    assert merged.report.scale_unused == whole.report.scale_unused
    assert merged.report.scale_looks_like == whole.report.scale_looks_like
    assert same_figures(analyze_parts(loaded, merged).to_dict(), analyze(whole).to_dict()) == []


def test_a_stored_part_is_no_pickle():
    """The archive of a part loads with pickle switched off and holds plain arrays only."""
    import io

    loaded = load_instrument("servqual-22")
    data = part_to_bytes(part_sums(canonical_frame(50, seed=7), loaded, segments=["branch"]))
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
