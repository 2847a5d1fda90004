"""servqual: measure and close the five gaps of the SERVQUAL gaps model.

>>> import servqual
>>> servqual.builtin_instruments()
('servperf', 'servqual-22', 'servqual-22-1988', 'servqual-3col')
"""

from __future__ import annotations

from servqual.analysis import AnalysisResult, analyze
from servqual.errors import ServqualError
from servqual.instruments import Instrument, builtin_instruments, load_instrument
from servqual.io import ResponseSet, ValidationReport, read_responses

__version__ = "0.1.0"

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
