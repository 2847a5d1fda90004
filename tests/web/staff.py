"""Managers' and employees' completed responses in a wave, as their survey stores them."""

from __future__ import annotations

import numpy as np
from django.utils import timezone

from servqual.web.surveys.models import Response
from servqual.web.surveys.responses import answer_columns


def staff(wave, audience: str, branches: dict[str, int], seed: int = 1, shift: float = 0.0) -> list[Response]:
    """Completed responses of ``audience`` (manager, employee) in ``wave``: per branch the
    number given (``None`` as a branch: no branch value). Every answer of their instrument
    (no importance points) on the 1-7 scale, around 5 + ``shift``; employees also answer the
    open question, with a sentence naming their branch."""
    rng = np.random.default_rng(seed)
    instrument = wave.study.instrument(audience)
    columns = [c for c in answer_columns(instrument) if c not in instrument.importance_columns]
    now = timezone.now()
    made = []
    for branch, n in branches.items():
        for j in range(n):
            answers = {c: int(np.clip(np.rint(rng.normal(5 + shift, 1.2)), 1, 7)) for c in columns}
            open_answers = dict.fromkeys(
                instrument.open_columns, f"Wij in {branch or 'geen'} ({j}) zouden meer tijd willen."
            )
            made.append(
                Response(
                    wave=wave,
                    audience=audience,
                    language="nl",
                    segments={"branch": branch} if branch else {},
                    answers=answers,
                    open_answers=open_answers,
                    completed_at=now,
                )
            )
    return Response.objects.bulk_create(made)
