"""Reading survey files into one validated response set.

>>> import servqual
>>> responses = servqual.read_responses("responses.csv")  # doctest: +SKIP
>>> responses.report.rows_used  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.instruments import Instrument, load_instrument
from servqual.io._csv import decode, sniff_delimiter
from servqual.io._mapping import ColumnPlan, Mapping, load_mapping, plan_columns
from servqual.io._responses import Issue, ResponseSet, ValidationReport
from servqual.io._validate import column_ranges, validate

__all__ = [
    "FORMATS",
    "Issue",
    "Mapping",
    "ResponseSet",
    "ValidationReport",
    "column_ranges",
    "decode",
    "load_mapping",
    "read_responses",
    "read_workbook_rows",
    "sniff_delimiter",
]

#: File formats by their first bytes; anything else is read as delimited text.
_MAGIC = {b"PK\x03\x04": "xlsx", b"$FL2": "sav", b"$FL3": "sav", b"PAR1": "parquet"}
FORMATS = ("csv", "xlsx", "sav", "parquet")


def read_responses(
    source: str | Path | Any,
    instrument: str | Path | Instrument = "servqual-22",
    *,
    mapping: str | Path | Mapping | None = None,
    sheet: str | None = None,
    progress: bool = True,
    max_issues: int = 1000,
    name: str | None = None,
) -> ResponseSet:
    """Read a survey file (or DataFrame) into a validated :class:`ResponseSet`.

    Parameters
    ----------
    source
        Path to a CSV/TSV (plain, Dutch Excel, Qualtrics or LimeSurvey export), XLSX,
        SPSS ``.sav`` or Parquet file; or a pandas or polars DataFrame in the canonical
        layout. The format is recognised from the file's content.
    instrument
        A built-in instrument name (``servqual-22``, ``servqual-22-1988``,
        ``servqual-3col``, ``servperf``), a path to an instrument file, or an Instrument.
    mapping
        A mapping file (or Mapping) for headers that are not recognised on their own.
    sheet
        XLSX sheet to read; by default the first sheet that holds answer columns.
    progress
        Show a progress bar on a terminal for long reads.
    max_issues
        How many detailed problem messages the report keeps (counts are always complete).
    name
        The file's name in every message (default: the name of ``source``). For a copy
        under another name, such as an upload the web app saved in a temporary folder:
        the messages then name the file as its owner knows it, never the folder it is in.

    Returns
    -------
    ResponseSet
        Answers, importance points, attributes and ``report``, which tells how many rows
        were read, used and excluded, and why.

    Raises
    ------
    ServqualError
        When the file cannot be read at all, or lacks the instrument's columns. The
        message names the file (and the row and column where there is one).

    Examples
    --------
    >>> import servqual
    >>> responses = servqual.read_responses("tests/fixtures/dutch_excel.csv")  # doctest: +SKIP
    >>> responses.report.rows_used, responses.report.file_format  # doctest: +SKIP
    (40, 'csv')
    """
    if not isinstance(instrument, Instrument):
        instrument = load_instrument(instrument)
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    sheet = sheet or mapping.sheet

    if isinstance(source, str | Path):
        path = Path(source)
        name = name or path.name
    else:
        path, name = None, name or "DataFrame"

    def planner(header: list[str], other_header_rows: Sequence[Sequence[str]] = ()) -> ColumnPlan:
        return plan_columns(header, instrument, mapping, name, other_header_rows)

    from servqual.io import _csv, _formats

    if path is None:
        table = _formats.from_frame(source, planner, name)
    else:
        kind = _sniff(path)
        if kind == "xlsx":
            table = _formats.read_xlsx(path, name, planner, sheet, progress)
        elif kind == "sav":
            table = _formats.read_sav(path, name, planner, progress)
        elif kind == "parquet":
            table = _formats.read_parquet(path, name, planner)
        else:
            table = _csv.read_delimited(path, name, planner, progress)
    return validate(table, instrument, mapping, max_issues=max_issues)


def read_workbook_rows(path: str | Path, *, name: str | None = None, max_cells: int | None = None) -> list[list[str]]:
    """The first worksheet of an XLSX workbook as rows of text ("" for an empty cell).

    Read as :func:`read_responses` reads a workbook: by calamine in a process of its own,
    its memory and time limited, a zip bomb refused before it is unpacked. For other tables
    of a spreadsheet, such as the web app's lists of addresses.

    Parameters
    ----------
    path
        The workbook.
    name
        The file's name in every message (default: the name of ``path``), as in
        :func:`read_responses`.
    max_cells
        A sheet spanning more cells than this (from A1 to its last cell) is refused;
        by default the limit of :func:`read_responses`, ten million. A whole number of
        millions: the refusal names the limit in millions.

    Raises
    ------
    ServqualError
        When the workbook cannot be read or is refused; the message names the file.
    """
    from servqual.io import _formats

    path = Path(path)
    return _formats.first_sheet_text(path, name or path.name, max_cells or _formats.XLSX_MAX_CELLS)


def _sniff(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except FileNotFoundError:
        raise ServqualError(N_("{file}: no such file"), file=str(path)) from None
    except IsADirectoryError:
        raise ServqualError(N_("{file}: is a folder, not a file"), file=str(path)) from None
    except OSError as exc:
        raise ServqualError(N_("{file}: cannot be read ({detail})"), file=str(path), detail=exc.strerror) from None
    return _MAGIC.get(head, "csv")
