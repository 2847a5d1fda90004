"""Readers for XLSX, SPSS .sav, Parquet and in-memory DataFrames.

Each returns a RawTable like the CSV reader, so validation is one implementation.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.io._panics import panic_messages_held
from servqual.io._progress import progress
from servqual.io._table import Planner, RawTable, as_text, typed_frame

#: Refuse XLSX archives that would unpack to more than this, or unpack this much
#: more than their size: the signature of a zip bomb.
XLSX_MAX_UNPACKED = 512 * 1024**2
XLSX_MAX_RATIO = 200
#: The reader's process may take this much memory (address space) and this long.
XLSX_MAX_MEMORY = 2 * 1024**3
XLSX_MAX_SECONDS = 60  # half of gunicorn's worker timeout: the refusal reaches the user
#: Ten million cells: 200,000 rows of 50 columns (docs/file-format.md).
XLSX_MAX_CELLS = 10_000_000


def read_xlsx(path: Path, source: str, planner: Planner, sheet: str | None, show_progress: bool = True) -> RawTable:
    """Read the named sheet, or else the first sheet that holds the instrument's columns.

    calamine (python-calamine, Rust) reads the workbook, 5 to 40 times faster than openpyxl
    did (docs/performance.md), in a process of its own with its memory and time limited
    (:func:`workbook_messages`): a sheet larger than ten million cells is refused, and
    a workbook that makes the reader crash or run out of memory is refused, not the command
    or a server's worker. Its XML reader expands no entities, so entity-expansion attacks
    are refused; a zip bomb is refused before anything is unpacked.
    """
    names: list[str] = []
    chosen = None
    for message in workbook_messages(path, source, sheet):
        if message[0] == "sheets":
            names = [sheet] if sheet is not None else message[1]
            if sheet is not None and sheet not in message[1]:
                raise ServqualError(
                    N_("{file}: no sheet named {sheet!r} (sheets: {sheets})"),
                    file=source,
                    sheet=sheet,
                    sheets=", ".join(message[1]),
                )
        elif message[0] == "sheet":
            found = _read_sheet(message[2], planner, source, show_progress, need_answers=len(names) > 1)
            if found is not None:
                chosen = message[1], found
                break
    if chosen is None:
        raise ServqualError(
            N_("{file}: no sheet holds a table of answers (sheets: {sheets})"), file=source, sheets=", ".join(names)
        )
    name, (rows, plan, header_row) = chosen
    if not rows:
        raise ServqualError(N_("{file}: the file has column names but no data rows"), file=source)
    columns = list(zip(*rows, strict=True))  # calamine gives a rectangle: every row as long as the header
    frame = pl.DataFrame([_column(values, j) for j, values in enumerate(columns)])
    table = RawTable(
        source, "xlsx", plan, typed_frame(frame, plan), np.arange(header_row + 1, header_row + 1 + len(rows))
    )
    table.notes.append((N_("{file}: read sheet {sheet!r}"), {"sheet": name}))
    return table


def first_sheet_text(path: Path, source: str, max_cells: int = XLSX_MAX_CELLS) -> list[list[str]]:
    """The first worksheet of a workbook as rows of text ("" for an empty cell), read by the
    same bounded process as :func:`read_xlsx`, with at most ``max_cells`` cells."""
    for message in workbook_messages(path, source, None, first_only=True, max_cells=max_cells):
        if message[0] == "sheet":
            return [["" if v == "" else _cell_text(v) for v in row] for row in message[2]]
    raise ServqualError(N_("{file}: the workbook has no worksheet"), file=source)


def workbook_messages(
    path: Path, source: str, sheet: str | None, first_only: bool = False, max_cells: int = XLSX_MAX_CELLS
) -> Iterator[tuple[Any, ...]]:
    """What the reader's process (:mod:`servqual.io._xlsx_child`) sends: ("sheets", names),
    then ("sheet", name, rows) for the sheet named, the first one (``first_only``) or every
    one. Its refusals (a zip bomb, a sheet over ``max_cells`` cells, a damaged workbook, a
    crash, too much memory or time) are raised as ServqualError naming ``source``."""
    import pickle
    import subprocess
    import sys

    try:
        _check_archive(path, source)
    except ServqualError:
        raise
    except Exception as exc:  # zipfile raises several types for a file that is no zip it can read
        raise _unreadable(source, "XLSX", exc, path) from None
    which = ["named", sheet] if sheet is not None else ["first" if first_only else "all"]
    # Run as a script with -P, as the SPSS reader's child (see read_sav).
    child_script = str(Path(__file__).with_name("_xlsx_child.py"))
    command = [sys.executable, "-P", child_script, str(path), str(XLSX_MAX_MEMORY), str(max_cells), *which]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as child:
        try:
            output, _ = child.communicate(timeout=XLSX_MAX_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            raise ServqualError(
                N_("{file}: refused: reading the workbook took longer than {seconds} seconds"),
                file=source,
                seconds=XLSX_MAX_SECONDS,
            ) from None
    stream = io.BytesIO(output)
    while True:
        try:
            message = pickle.load(stream)
        except EOFError:  # every sheet sent; or the child died mid-way (a crash, no memory)
            if child.returncode != 0:
                stopped = XlsxError("the reader stopped: the workbook is damaged or too large")
                raise _unreadable(source, "XLSX", stopped, path) from None
            return
        except pickle.UnpicklingError:
            raise _unreadable(source, "XLSX", XlsxError("the reader stopped on damaged data"), path) from None
        if message[0] == "error":
            raise _unreadable(source, "XLSX", XlsxError(message[1]), path)
        if message[0] == "too large":
            raise ServqualError(
                N_(
                    "{file}: refused: sheet {sheet!r} spans {rows} rows by {columns} columns;"
                    " servqual reads at most {millions} million cells of a workbook (save the sheet as CSV)"
                ),
                file=source,
                sheet=message[1],
                rows=message[2],
                columns=message[3],
                millions=max_cells // 1_000_000,
            )
        yield message


class XlsxError(Exception):
    """What the XLSX reader's process reported."""


def _read_sheet(cells: list[list[Any]], planner: Planner, source: str, show_progress: bool, need_answers: bool) -> Any:
    """Header = the first row with two or more filled cells; returns (rows, plan, header row),
    or None when the sheet has no header (or, with ``need_answers``, no answer columns).
    calamine gives an empty cell as "" (``_column`` makes it a missing value)."""
    rows: list[list[Any]] = []
    header_row, plan = 0, None
    with progress(len(cells), "rows", show_progress, desc=source) as bar:
        for number, row in enumerate(cells, start=1):
            bar.update(1)
            if plan is not None:
                rows.append(row)
            elif sum(str(v).strip() != "" for v in row) >= 2:
                header_row, plan = number, planner([_cell_text(v).strip() for v in row])
                if need_answers and not plan.answers:
                    return None
    if plan is None:
        return None
    while rows and all(v == "" for v in rows[-1]):  # trailing empty rows are only formatting
        rows.pop()
    return rows, plan, header_row


def _column(values: tuple[Any, ...], j: int) -> pl.Series:
    """One column's cells: numbers when every filled cell is one, else text."""
    if str in set(map(type, values)):
        values = tuple(None if v == "" else v for v in values)
    if set(map(type, values)) <= {float, int, type(None)}:  # bool is a type of its own here
        return pl.Series(f"x{j}", values, dtype=pl.Float64)
    return pl.Series(f"x{j}", [None if v is None else _cell_text(v) for v in values], dtype=pl.String)


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):  # pandas' Timestamp too
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _check_archive(path: Path, source: str) -> None:
    """Refuse a zip bomb before openpyxl unpacks it; zipfile's own errors (a file that is no
    zip, a zip version or compression it cannot read) go to the caller."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        for info in infos:  # opening a part checks its zip version and compression method
            archive.open(info).close()
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > XLSX_MAX_UNPACKED or (unpacked > 50 * 1024**2 and unpacked / packed > XLSX_MAX_RATIO):
        raise ServqualError(
            N_("{file}: refused: the workbook would unpack to {size} MB, which looks like a zip bomb"),
            file=source,
            size=unpacked // 1024**2,
        )


def read_sav(path: Path, source: str, planner: Planner, show_progress: bool = True) -> RawTable:
    """SPSS .sav: user-missing codes become missing; value labels name attribute values.

    The file is read by ReadStat in a process of its own (:mod:`servqual.io._sav_child`):
    on some damaged files it crashes the process that reads it (a segmentation fault,
    which no exception handler catches), and that must end one read with a refusal, not
    the command or a server's worker."""
    import pickle
    import subprocess
    import sys

    # Run as a script (the package's imports are not needed there), with -P so that its
    # folder does not come first on the path (io/_csv.py would hide the standard _csv).
    command = [sys.executable, "-P", str(Path(__file__).with_name("_sav_child.py")), str(path)]
    chunks: list[pl.DataFrame] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as child:
        assert child.stdout is not None  # for mypy: it is a pipe
        try:
            message = pickle.load(child.stdout)
            if message[0] == "meta":
                _, header, n_rows, value_labels = message
                plan = planner(header)
                with progress(n_rows, "rows", show_progress, desc=source) as bar:
                    while (message := pickle.load(child.stdout))[0] == "chunk":
                        chunks.append(message[1])
                        bar.update(message[1].height)
            if message[0] == "error":
                raise _unreadable(source, "SPSS .sav", SavError(message[1]), path)
        except (EOFError, pickle.UnpicklingError):  # the child died mid-way: ReadStat crashed
            raise _unreadable(source, "SPSS .sav", SavError("the reader stopped on damaged data"), path) from None
        finally:
            child.kill()
    frame = pl.concat(chunks) if chunks else pl.DataFrame(schema=header)
    if frame.height == 0:
        raise ServqualError(N_("{file}: the file has column names but no data rows"), file=source)
    answers = plan.numeric_positions
    labelled = []
    for position, name in enumerate(header):
        labels = value_labels.get(name)
        if labels and position not in answers:
            labelled.append(name)
            frame = frame.with_columns(as_text(frame[name]).replace({_cell_text(k): str(v) for k, v in labels.items()}))
    table = RawTable(source, "sav", plan, typed_frame(frame, plan), np.arange(2, 2 + frame.height))
    if labelled:
        table.notes.append((N_("{file}: value labels used for {columns}"), {"columns": ", ".join(labelled)}))
    return table


class SavError(Exception):
    """What the SPSS reader's process reported."""


def read_parquet(path: Path, source: str, planner: Planner) -> RawTable:
    try:
        with panic_messages_held():
            frame = pl.read_parquet(path)
    except (Exception, pl.exceptions.PanicException) as exc:  # several error types, even a panic
        raise _unreadable(source, "Parquet", exc, path) from None
    return from_frame(frame, planner, source, "parquet")


def from_frame(frame: Any, planner: Planner, source: str = "DataFrame", file_format: str = "dataframe") -> RawTable:
    """A pandas or polars DataFrame, as a table whose first data row is row 2."""
    if not isinstance(frame, pl.DataFrame):
        frame = _from_pandas(frame, source)
    if frame.height == 0:
        raise ServqualError(N_("{file}: the file has column names but no data rows"), file=source)
    header = [str(c) for c in frame.columns]
    plan = planner(header)
    return RawTable(source, file_format, plan, typed_frame(frame, plan), np.arange(2, 2 + frame.height))


def _from_pandas(frame: Any, source: str) -> pl.DataFrame:
    """A pandas frame as polars; object columns (mixed text and numbers, as pandas makes
    of a messy sheet) become text first, so validation can judge each cell."""
    frame = frame.reset_index(drop=True)
    mixed = [c for c in frame.columns if frame[c].dtype == object]
    if mixed:
        frame = frame.copy()
        for column in mixed:
            frame[column] = [None if _is_missing(v) else _cell_text(v) for v in frame[column]]
    try:
        return pl.from_pandas(frame)
    except Exception as exc:  # pyarrow raises several types for columns it cannot convert
        raise _unreadable(source, "DataFrame", exc) from None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _unreadable(source: str, file_format: str, exc: BaseException, path: Path | None = None) -> ServqualError:
    """The reader's refusal of a file, with the first line of the library's reason. Some
    libraries quote the path they read (openpyxl does): the message names the file by
    ``source`` alone, so the folder it lies in (a server's temporary folder) never shows."""
    lines = str(exc).strip().splitlines()
    detail = lines[0] if lines else type(exc).__name__
    if path is not None:
        detail = detail.replace(str(path), source).replace(str(path.parent), "")
    return ServqualError(
        N_("{file}: cannot be read as {format} ({detail})"), file=source, format=file_format, detail=detail
    )
