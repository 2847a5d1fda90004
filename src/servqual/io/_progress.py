"""Progress bars for long reads: shown on a terminal, silent when output is piped."""

from __future__ import annotations

import sys
from typing import Any


def progress(total: int | None, unit: str, enabled: bool = True, desc: str | None = None) -> Any:
    """A tqdm bar on stderr, disabled unless stderr is a terminal (and ``enabled``)."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        unit_scale=unit == "B",
        leave=False,
        disable=not (enabled and sys.stderr.isatty()),
        file=sys.stderr,
        mininterval=0.2,
    )
