"""servqual: measure and close the five gaps of the SERVQUAL gaps model.

>>> import servqual
>>> servqual.builtin_instruments("customer")
('servperf', 'servqual-22', 'servqual-22-1988', 'servqual-3col')
"""

from __future__ import annotations

from typing import Any

from servqual.errors import ServqualError
from servqual.instruments import Instrument, builtin_instruments, load_instrument
from servqual.io import ResponseSet, ValidationReport, read_responses

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The analysis pulls in scipy; reading a file must not pay for that import.
    if name in ("analyze", "AnalysisResult"):
        from servqual import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'servqual' has no attribute {name!r}")


__all__ = [
    "AnalysisResult",
    "Instrument",
    "ResponseSet",
    "ServqualError",
    "ValidationReport",
    "analyze",
    "builtin_instruments",
    "load_instrument",
    "read_responses",
]
