"""Instrument definitions: items, dimensions, scale and texts, and for managers and
employees factor scales and open questions, kept as data files.

Built-in instruments live in ``data/*.toml``; a user's own file in the same format works
everywhere a built-in name does (see docs/instruments.md).

>>> from servqual.instruments import load_instrument
>>> sq = load_instrument("servqual-22")
>>> sq.columns("perception")[:3]
['P1', 'P2', 'P3']
"""

from __future__ import annotations

from servqual.instruments._loader import (
    AUDIENCES,
    FACTOR_GAPS,
    FACTOR_GROUPS,
    IMPORTANCE_PREFIX,
    OPEN_PREFIX,
    SECTION_PREFIX,
    SECTIONS,
    Dimension,
    Factor,
    FactorItem,
    Instrument,
    Item,
    OpenQuestion,
    Scale,
    builtin_instruments,
    instrument_from_text,
    load_instrument,
    on_points,
)
from servqual.instruments._processes import BUILTIN_PROCESSES, Process, load_processes, processes_from_text

__all__ = [
    "AUDIENCES",
    "BUILTIN_PROCESSES",
    "FACTOR_GAPS",
    "FACTOR_GROUPS",
    "IMPORTANCE_PREFIX",
    "OPEN_PREFIX",
    "SECTIONS",
    "SECTION_PREFIX",
    "Dimension",
    "Factor",
    "FactorItem",
    "Instrument",
    "Item",
    "OpenQuestion",
    "Process",
    "Scale",
    "builtin_instruments",
    "instrument_from_text",
    "load_instrument",
    "load_processes",
    "on_points",
    "processes_from_text",
]
