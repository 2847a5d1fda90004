"""Realistic synthetic responses in a wave, through the same code as an import."""

from __future__ import annotations

import polars as pl

import servqual
from servqual.io.synthetic import SEGMENTS, generate_study
from servqual.web.imports.rows import save_responses


def fill(wave, n: int, seed: int = 1) -> servqual.ResponseSet:
    """``n`` synthetic customer responses in ``wave``, whose branch segment takes the
    synthetic branches; returns them as read from the generated table."""
    wave.study.segments.filter(key="branch").update(values=SEGMENTS["branch"][0])
    frame = pl.DataFrame(generate_study(n, seed=seed)).drop("respondent_id", "channel")
    responses = servqual.read_responses(frame, "servqual-22", progress=False)
    save_responses(wave, responses)
    return responses
