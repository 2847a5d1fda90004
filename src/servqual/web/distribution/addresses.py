"""Reading an uploaded list of addresses (CSV or XLSX) into invitations to be made.

Columns: ``email`` (required), ``language`` (optional), and one per segment, named by its
key or its name. Nothing is saved here: the caller shows the summary first. Every problem
names the row (as the spreadsheet numbers it, the header being row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from servqual.errors import ServqualError
from servqual.i18n import translator

# The response reader's own encoding and delimiter guesses, so a Dutch Excel export of
# addresses (cp1252, semicolons) reads as its answer files do; and its bounded XLSX reader.
from servqual.io import decode, read_workbook_rows, sniff_delimiter
from servqual.web.languages import language
from servqual.web.studies.models import Segment, Study

MAX_BYTES = 2 * 1024**2
MAX_ROWS = 20_000
#: A sheet spanning more cells is refused before it is read: 20,000 rows of 50 columns.
MAX_CELLS = 1_000_000
EMAIL_HEADERS = {"email", "emailaddress", "emailadres", "mail"}
LANGUAGE_HEADERS = {"language", "lang", "taal"}


@dataclass
class Row:
    email: str
    language: str
    segments: dict[str, str]


@dataclass
class AddressList:
    rows: list[Row] = field(default_factory=list)
    #: (row number or None for the whole file, column name or "", message)
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class UnreadableFileError(Exception):
    """The file as a whole cannot be used; the message says why."""


def read_addresses(upload: Any, study: Study, already_invited: set[str]) -> AddressList:
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnreadableFileError(_("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // 1024**2})
    table = _xlsx_rows(data, upload.name) if data.startswith(b"PK\x03\x04") else _csv_rows(data, upload.name)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise UnreadableFileError(_("The file is empty."))
    if len(table) > MAX_ROWS + 1:
        raise UnreadableFileError(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
    return _check(table[0], table[1:], study, already_invited)


def _csv_rows(data: bytes, name: str) -> list[list[str]]:
    utf8, _encoding = decode(data, name)
    text = utf8.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text[:65536])))


def _xlsx_rows(data: bytes, name: str) -> list[list[str]]:
    """The first sheet, read as the import page reads a workbook (a process of its own,
    memory, time and cells bounded); its refusal names the file, in the user's language.
    The bytes go to a temporary folder under a name of our own, removed at once; the
    messages name the file as uploaded (Django keeps only the last part of its name)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        try:
            rows = read_workbook_rows(path, name=name or "upload", max_cells=MAX_CELLS)
        except ServqualError as exc:
            raise UnreadableFileError(exc.render(translator(language()))) from None
    return [[cell.strip() for cell in row] for row in rows]


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.strip().lower())


def _check(header: list[str], body: list[list[str]], study: Study, already_invited: set[str]) -> AddressList:
    out = AddressList()
    segments = {}
    for segment in study.segments.all():
        segments[_normal(segment.key)] = segments[_normal(segment.name)] = segment
    email_at: int | None = None
    language_at: int | None = None
    segment_at: dict[int, Segment] = {}
    for j, name in enumerate(header):
        key = _normal(name)
        if key in EMAIL_HEADERS and email_at is None:
            email_at = j
        elif key in LANGUAGE_HEADERS and language_at is None:
            language_at = j
        elif key in segments and segments[key] not in segment_at.values():
            segment_at[j] = segments[key]
        elif name.strip():
            out.ignored_columns.append(name.strip())
    if email_at is None:
        raise UnreadableFileError(_("The first row has no column “email”."))
    languages = study.languages
    seen: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        cells = cells + [""] * (len(header) - len(cells))
        problems = []
        email = cells[email_at].strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append((header[email_at], _("“%(value)s” is not an e-mail address.") % {"value": email}))
        language = ""
        if language_at is not None:
            language = cells[language_at].strip().lower()
            if language and language not in languages:
                allowed = ", ".join(languages)
                message = _("“%(value)s” is not a language of this study (%(allowed)s).")
                problems.append((header[language_at], message % {"value": language, "allowed": allowed}))
        values = {}
        for j, segment in segment_at.items():
            value = cells[j].strip()
            if not value:
                continue
            match = [v for v in segment.values if v.lower() == value.lower()]
            if match:
                values[segment.key] = match[0]
            else:
                message = _("“%(value)s” is not a value of %(segment)s (%(allowed)s).")
                params = {"value": value, "segment": segment.name, "allowed": ", ".join(segment.values)}
                problems.append((header[j], message % params))
        if not problems and email in seen:
            message = _("the same address as row %(row)s.") % {"row": seen[email]}
            problems.append((header[email_at], message))
        elif not problems and email in already_invited:
            problems.append((header[email_at], _("already invited to this wave.")))
        if problems:
            out.problems += [(number, column, message) for column, message in problems]
            continue
        seen[email] = number
        out.rows.append(Row(email, language or languages[0], values))
    return out
