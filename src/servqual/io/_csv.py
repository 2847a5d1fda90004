"""Delimited text files: plain CSV, Dutch Excel exports, Qualtrics and LimeSurvey exports.

polars does the parsing (it is the fastest reader on the machine and the floor the
benchmarks measure against). Two things it cannot tell us are done here: which encoding
and delimiter a file uses, and which rows have the wrong number of fields (polars fills
short rows with nulls without a word, so a truncated row would pass unnoticed).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.io._mapping import ColumnPlan
from servqual.io._panics import panic_messages_held
from servqual.io._progress import progress
from servqual.io._table import Planner, RawTable, column_name
from servqual.tuning import beside

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
#: Bytes per step of the field-count scan: its dozen temporaries (one byte per byte of
#: the file) then stay in the processor's cache and are reused by the allocator; with
#: 16 MB steps they were fresh pages every time, which cost more than the counting.
CHUNK_BYTES = 2 * 1024 * 1024
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")

#: Qualtrics response statuses that are not real responses (numeric and text exports).
QUALTRICS_NOT_REAL = frozenset(
    {
        "1",
        "2",
        "8",
        "9",
        "12",
        "17",
        "Survey Preview",
        "Survey Test",
        "Spam",
        "Preview Spam",
        "Imported Spam",
        "Offline Survey Preview",
    }
)
LIMESURVEY_MARKERS = frozenset({"id", "submitdate", "lastpage", "startlanguage"})
#: Qualtrics' legacy export names its first ten columns V1..V10; their names are in row 2.
_LEGACY_COLUMN = re.compile(r"V\d+")


def decode(data: bytes, source: str) -> tuple[bytes, str]:
    """UTF-8 bytes for polars, and the name of the encoding the file was in.

    UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else cp1252
    (older Dutch Excel), else Latin-1, which accepts any byte.
    """
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # errors="replace": a file cut mid-character keeps every complete row.
        return _newlines(data.decode("utf-16", errors="replace").encode("utf-8")), "utf-16"
    else:
        encoding = "utf-8"
    data = _newlines(data)
    if data.isascii():
        return data, encoding
    try:
        data.decode("utf-8")
        return data, encoding
    except UnicodeDecodeError:
        pass
    for fallback in ("cp1252", "latin-1"):
        try:
            return data.decode(fallback).encode("utf-8"), fallback
        except UnicodeDecodeError:
            continue
    raise ServqualError(N_("{file}: unknown text encoding"), file=source)  # pragma: no cover


def _newlines(data: bytes) -> bytes:
    """Line ends as LF. polars splits records on LF only; old Mac exports end lines with CR."""
    if b"\r" not in data or data.count(b"\r") == data.count(b"\r\n"):
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first records into the most, equally long rows."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        rows = list(_records(sample, delimiter, limit=20))
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows[1:])
        score = (consistent, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    # The last record of a sample may be cut off; leave it out when there are others.
    return rows[:-1] if len(rows) > 2 and len(text) >= SAMPLE_BYTES - 4 else rows


@dataclass(frozen=True)
class Scan:
    """What the field-count scan found, per record (header records included)."""

    counts: np.ndarray
    blank: np.ndarray
    #: the file ends inside a quoted field (cut off)
    open_quote: bool
    #: byte offsets of quotes inside an unquoted field (``12" screen``): plain characters
    stray_quotes: list[int]


def field_counts(data: bytes, delimiter: str, show_progress: bool = True, quotes: bool = True) -> Scan:
    """Number of fields per record, which records are blank lines, whether the file ends
    inside a quoted field, and where quotes stand inside unquoted text. ``quotes=False``
    says the data holds no quote at all, which spares two passes over each step.

    Written with numpy because neither polars nor the csv module reports it fast enough
    for a million rows: a delimiter or newline counts only outside double quotes, which
    is the parity of the quotes before it. A quote with neither a field edge nor another
    quote on either side cannot open or close a field; it counts as a plain character.
    """
    delim, quote, newline, cr = ord(delimiter), ord('"'), ord("\n"), ord("\r")
    is_edge_byte = np.zeros(256, dtype=bool)
    is_edge_byte[[delim, quote, newline, cr]] = True
    counts, blanks, stray = [], [], []
    parity = 0
    carry_delims = carry_len = 0
    last_byte = newline
    view = memoryview(data)
    with progress(len(data), "B", show_progress) as bar:
        for start in range(0, len(data), CHUNK_BYTES):
            arr = np.frombuffer(view[start : start + CHUNK_BYTES], dtype=np.uint8)
            is_quote = arr == quote if quotes else None
            if is_quote is not None and is_quote.any():
                edge = is_edge_byte[arr]
                edge_before = np.empty_like(edge)
                edge_before[0], edge_before[1:] = is_edge_byte[last_byte], edge[:-1]
                edge_after = np.empty_like(edge)
                following = data[start + len(arr)] if start + len(arr) < len(data) else newline
                edge_after[-1], edge_after[:-1] = is_edge_byte[following], edge[1:]
                plain = is_quote & ~edge_before & ~edge_after
                if plain.any():
                    where = np.flatnonzero(plain)
                    is_quote[where] = False
                    stray.extend((start + where).tolist())
            is_newline = arr == newline
            is_delim = arr == delim
            if is_quote is not None and (parity or is_quote.any()):
                # uint8 wraps at 256, which keeps the parity bit intact.
                inside = ((np.cumsum(is_quote, dtype=np.uint8) + parity) & 1).astype(bool)
                parity = (parity + int(np.count_nonzero(is_quote))) & 1
                is_newline &= ~inside
                is_delim &= ~inside
            ends = np.flatnonzero(is_newline)
            if len(ends):
                # Delimiters per newline-terminated segment; reduceat avoids a cumulative
                # sum over every byte, which cost more than polars' whole parse.
                starts = np.concatenate(([0], ends[:-1] + 1))
                per_record = np.add.reduceat(is_delim.view(np.uint8), starts, dtype=np.uint32).astype(np.int64)
                tail_delims = int(np.count_nonzero(is_delim[ends[-1] + 1 :]))
                per_record[-1] -= tail_delims  # reduceat's last segment runs to the chunk's end
                per_record[0] += carry_delims
                lengths = np.diff(ends, prepend=-1) - 1
                lengths[0] += carry_len
                before = arr[np.maximum(ends - 1, 0)]
                blank = (per_record == 0) & ((lengths == 0) | ((lengths == 1) & (before == cr)))
                counts.append(per_record + 1)
                blanks.append(blank)
                carry_delims = tail_delims
                carry_len = len(arr) - int(ends[-1]) - 1
            else:
                carry_delims += int(np.count_nonzero(is_delim))
                carry_len += len(arr)
            last_byte = int(arr[-1]) if len(arr) else last_byte
            bar.update(len(arr))
    if carry_len > 0 and not (carry_len == 1 and last_byte == cr):
        counts.append(np.array([carry_delims + 1]))
        blanks.append(np.array([False]))
    if not counts:
        return Scan(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), bool(parity), stray)
    return Scan(np.concatenate(counts).astype(np.int64), np.concatenate(blanks), bool(parity), stray)


#: Stands in for a stray quote while polars parses (polars refuses quotes inside
#: unquoted fields); turned back into '"' in every text column right after.
STRAY_QUOTE = "\uff02"


def _mask_stray_quotes(data: bytes, positions: list[int]) -> bytes:
    parts, last = [], 0
    for position in positions:
        parts += [data[last:position], STRAY_QUOTE.encode()]
        last = position + 1
    parts.append(data[last:])
    return b"".join(parts)


def read_delimited(path: Path, source: str, planner: Planner, show_progress: bool = True) -> RawTable:
    """Read a CSV/TSV file, a Qualtrics CSV export or a LimeSurvey CSV export; ``source``
    is its name in the messages."""
    data = path.read_bytes()
    if not data[:SAMPLE_BYTES].strip() and not data.strip():  # the sample first: no copy of a large file
        raise ServqualError(N_("{file}: the file is empty"), file=source)
    data, encoding = decode(data, source)
    sample = data[:SAMPLE_BYTES].decode("utf-8", errors="ignore")
    delimiter = sniff_delimiter(sample)
    head = _records(sample, delimiter, limit=200)
    if not head or not any(cell.strip() for cell in head[0]):
        raise ServqualError(N_("{file}: the first row holds no column names"), file=source)
    header = [cell.strip() for cell in head[0]]

    file_format, header_rows = "csv", 1
    if len(head) >= 3 and any(cell.lstrip().startswith(('{"ImportId"', "{'ImportId'")) for cell in head[2]):
        file_format, header_rows = "qualtrics", 3  # the current layout and the 2016 "Insights" one
    elif _is_qualtrics_legacy(head):
        file_format, header_rows = "qualtrics", 2
        header = [
            second.strip() if _LEGACY_COLUMN.fullmatch(first) else first
            for first, second in zip(header, [*head[1], *[""] * len(header)], strict=False)
        ]
    elif {h.lower() for h in header} >= LIMESURVEY_MARKERS:
        file_format = "limesurvey"
    plan = planner(header, head[1:header_rows])

    decimal_comma = delimiter != "," and any(_DECIMAL_COMMA.match(cell) for row in head[header_rows:] for cell in row)
    # In a file without quotes the scan (numpy, one core) runs beside polars' parse: no
    # quote can be cut off or stand inside unquoted text, so the file is parsed as it is.
    # Quotes can make polars fail, even panic, until the scan has masked the stray ones.
    quotes = b'"' in data

    def scan_fields() -> Scan:
        return field_counts(data, delimiter, show_progress, quotes)

    def parse_as_is() -> pl.DataFrame | None:
        try:
            return _parse(data, delimiter, header, plan, header_rows, decimal_comma, source)
        except ServqualError:  # parsed again below, to say why
            return None

    frame: pl.DataFrame | None
    if quotes:
        scan, frame = scan_fields(), None
    else:
        scan, frame = beside(scan_fields, parse_as_is)
    counts, blank, open_quote = scan.counts[header_rows:], scan.blank[header_rows:], scan.open_quote
    # Empty lines at the end of a file (LimeSurvey writes one) are no rows.
    if not open_quote:
        end = len(blank) - int(np.argmax(~blank[::-1])) if (~blank).any() else 0
        counts, blank = counts[:end], blank[:end]
    if len(counts) == 0:
        raise ServqualError(N_("{file}: the file has column names but no data rows"), file=source)
    row_numbers = np.arange(header_rows + 1, header_rows + 1 + len(counts))

    if frame is None or open_quote or scan.stray_quotes:
        # A file that ends inside a quoted field: parse the rows before it; the cut-off
        # one is excluded below.
        complete = len(counts) - 1 if open_quote else None
        if scan.stray_quotes:
            data = _mask_stray_quotes(data, scan.stray_quotes)
        frame = _parse(data, delimiter, header, plan, header_rows, decimal_comma, source, complete)
    if scan.stray_quotes:
        frame = frame.with_columns(pl.col(pl.String).str.replace_all(STRAY_QUOTE, '"', literal=True))
    if open_quote:
        frame = pl.concat([frame, pl.DataFrame(schema=frame.schema, data=[[None]] * frame.width)])
    if not open_quote and frame.height > len(counts):
        frame = frame.head(len(counts))  # the empty lines at the end, which the scan left out above
    if frame.height != len(counts):  # the scan and polars disagree: say so rather than guess
        raise ServqualError(
            N_("{file}: cannot be read as {format} ({detail})"),
            file=source,
            format="CSV",
            detail=f"{frame.height} rows parsed, {len(counts)} records found",
        )

    table = RawTable(source, file_format, plan, frame, row_numbers, decimal_comma)
    table.notes.append(
        (
            N_("{file}: read as {format}, encoding {encoding}, delimiter {delimiter}"),
            {"format": file_format, "encoding": encoding, "delimiter": repr(delimiter)},
        )
    )
    ragged = ~blank & (counts != len(header))
    if open_quote:
        ragged[-1] = False
        table.excluded.append(
            (
                "truncated_row",
                N_("{file} row {row}: the file ends inside a quoted field (cut off?); row excluded"),
                [int(row_numbers[-1])],
                {},
            )
        )
    if ragged.any():
        for row, found in zip(row_numbers[ragged], counts[ragged], strict=True):
            table.excluded.append(
                (
                    "ragged_row",
                    N_("{file} row {row}: {found} fields where the header has {expected}; row excluded"),
                    [int(row)],
                    {"found": int(found), "expected": len(header)},
                )
            )
    if blank.any():
        table.excluded.append(
            ("blank_line", N_("{file} row {row}: empty line; skipped"), [int(r) for r in row_numbers[blank]], {})
        )
    if file_format == "qualtrics":
        _qualtrics_status(table)
    return table


def _parse(
    data: bytes,
    delimiter: str,
    header: list[str],
    plan: ColumnPlan,
    header_rows: int,
    decimal_comma: bool,
    source: str,
    n_rows: int | None = None,
) -> pl.DataFrame:
    """Answers straight to numbers: whole scale points as Int16 (which polars parses
    faster than Float64), importance points as Float64. If a cell does not fit,
    all as Float64; if a cell is not a number, the answer columns as text, so that
    validation can name each bad cell."""

    def attempt(whole: set[int], numeric: set[int]) -> pl.DataFrame:
        schema = {
            column_name(i): (pl.Int16 if i in whole else pl.Float64 if i in numeric else pl.String)
            for i in range(len(header))
        }
        return pl.read_csv(
            data,
            has_header=False,
            skip_rows=header_rows,
            separator=delimiter,
            schema=schema,
            decimal_comma=decimal_comma,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            n_rows=n_rows,
            extra_columns="ignore",
            # Without a header polars counts the columns of the first row; a short first
            # row must not shrink the table (ragged rows are reported from field_counts).
            missing_columns="insert",
        )

    # polars can panic on hostile bytes (a PanicException is no Exception); taken as a
    # cell that does not fit, then as a file that cannot be read
    for whole, numeric in ((plan.whole_positions, plan.numeric_positions), (set(), plan.numeric_positions)):
        try:
            with panic_messages_held():
                return attempt(whole, numeric)
        except (pl.exceptions.ComputeError, pl.exceptions.SchemaError, pl.exceptions.PanicException):
            pass
    try:
        with panic_messages_held():
            return attempt(set(), set())
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, ValueError) as exc:
        raise ServqualError(
            N_("{file}: cannot be read as {format} ({detail})"),
            file=source,
            format="CSV",
            detail=str(exc).splitlines()[0],
        ) from None


def _is_qualtrics_legacy(head: list[list[str]]) -> bool:
    """Qualtrics' legacy CSV export: V1, V2, ... in the first row, ResponseID below V1."""
    return (
        len(head) >= 2
        and len(head[0]) >= 2
        and [cell.strip() for cell in head[0][:2]] == ["V1", "V2"]
        and bool(head[1])
        and head[1][0].strip().lower() == "responseid"
    )


def _qualtrics_status(table: RawTable) -> None:
    """Preview, test and spam responses are not data; set them aside, reported."""
    try:
        position = table.plan.header.index("Status")
    except ValueError:
        return
    status = table.frame[column_name(position)].str.strip_chars()
    fake = status.is_in(list(QUALTRICS_NOT_REAL)).fill_null(False).to_numpy()
    if fake.any():
        table.excluded.append(
            (
                "not_a_response",
                N_("{file} row {row}: a Qualtrics preview, test or spam response; row excluded"),
                [int(r) for r in table.row_numbers[fake]],
                {},
            )
        )
