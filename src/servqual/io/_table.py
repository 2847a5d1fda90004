"""The raw table every reader hands to validation, before any checking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import polars as pl

from servqual.io._mapping import ColumnPlan


class Planner(Protocol):
    """A reader gets the header (and a survey tool's further header rows) and returns what
    each column becomes."""

    def __call__(self, header: list[str], other_header_rows: Sequence[Sequence[str]] = ()) -> ColumnPlan: ...


@dataclass
class RawTable:
    """A file's cells, one column per header position (named ``c0``, ``c1``, ...).

    Answer columns are Float64 when the reader could parse them as numbers, else String;
    every other column is String.
    """

    source: str
    file_format: str
    plan: ColumnPlan
    frame: pl.DataFrame
    row_numbers: np.ndarray
    decimal_comma: bool = False
    #: rows the reader itself set aside: (reason, message id, rows, params)
    excluded: list[tuple[str, str, list[int], dict[str, Any]]] = field(default_factory=list)
    #: file-level remarks: (message id, params)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def column_name(position: int) -> str:
    return f"c{position}"


def as_text(series: pl.Series) -> pl.Series:
    """Any column as text; whole floats lose their ``.0`` so every reader agrees."""
    if series.dtype == pl.String:
        return series
    if series.dtype.is_float():
        return series.fill_nan(None).cast(pl.String).str.replace(r"\.0$", "")
    return series.cast(pl.String, strict=False)


def typed_frame(frame: pl.DataFrame, plan: ColumnPlan) -> pl.DataFrame:
    """Columns renamed by position; numeric answer columns Float64, the rest text."""
    numeric = plan.numeric_positions
    columns = []
    for position, series in enumerate(frame.get_columns()):
        if position in numeric and (series.dtype.is_numeric() or series.dtype == pl.Null):
            series = series.cast(pl.Float64)
        else:
            series = as_text(series)
        columns.append(series.alias(column_name(position)))
    return pl.DataFrame(columns)
