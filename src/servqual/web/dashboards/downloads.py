"""A wave's report and exports as files to download, for the dashboard and the API alike.

The caller has found the wave through servqual.web.accounts.tenancy with the results
right; the raw rows of the exports need the right to set up studies as well.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from servqual.analysis import AnalysisResult, Diagnosis
from servqual.io import ResponseSet
from servqual.report import render_html, render_pdf
from servqual.report.export import TABLES, csv_rows, export_tables_of_figures, gaps_table, write_export
from servqual.web.accounts.audit import Actor, record
from servqual.web.accounts.models import EDIT, Action, Organisation
from servqual.web.accounts.tenancy import has_right
from servqual.web.dashboards.raw_rows import csv_of_rows, shown_segments, staff_rows
from servqual.web.dashboards.results import STAFF, analysed, anonymous_rows, wave_analysis, wave_diagnosis, wave_report
from servqual.web.studies.models import Wave

if TYPE_CHECKING:
    import pandas as pd

#: name in the URL -> (content type, export format or None for the report)
DOWNLOADS = {
    "report.html": ("text/html; charset=utf-8", None),
    "report.pdf": ("application/pdf", None),
    "export.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "export-csv.zip": ("application/zip", "csv"),
    "export-sav.zip": ("application/zip", "sav"),
}
#: The HTML report opens in the browser. It is one file with its styles inline and no
#: scripts; this policy lets those styles apply and nothing else: no script, no request
#: anywhere, and (sandbox) an origin of its own, so the page cannot reach the platform.
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)


def download_file(wave: Wave, name: str, lang: str, raw_rows: bool, by: Actor) -> bytes | str | Iterator[bytes] | None:
    """The content of download ``name`` (a key of DOWNLOADS) for ``by``, who is written in
    the audit log; None below the threshold (and nothing logged: nothing was given).

    The exports' responses table holds one raw row per respondent, so only with
    ``raw_rows`` (roles that set up studies, ``may_see_raw_rows``); the others get the item
    and dimension tables alone. The raw rows are k-anonymous on their segment values
    (servqual.web.dashboards.results.anonymous_rows)."""
    body = _content(wave, name, lang, raw_rows)
    if body is not None:
        record(Action.DOWNLOAD, wave.study.organisation, by, wave, detail={"format": name})
    return body


def _content(wave: Wave, name: str, lang: str, raw_rows: bool) -> bytes | str | Iterator[bytes] | None:
    export = DOWNLOADS[name][1]
    if export is not None:
        return export_file(wave, export, lang, raw_rows=raw_rows)
    report = wave_report(wave, lang)
    if report is None:
        return None
    if name.endswith(".pdf"):
        return render_pdf(report)
    return render_html(report)


def download_response(
    wave: Wave, name: str, body: bytes | str | Iterator[bytes]
) -> HttpResponse | StreamingHttpResponse:
    """The download named after the study and the wave: the HTML report to read in the
    browser (saved under that name), the others as attachments; parts sent as they come."""
    filename = "-".join(filter(None, [slugify(wave.study.name), slugify(wave.name), name])) or name
    response: HttpResponse | StreamingHttpResponse
    if isinstance(body, bytes | str):
        response = HttpResponse(body, content_type=DOWNLOADS[name][0])
    else:
        response = StreamingHttpResponse(body, content_type=DOWNLOADS[name][0])
    in_browser = name == "report.html"
    response["Content-Disposition"] = content_disposition_header(not in_browser, filename) or ""
    if in_browser:
        response["Content-Security-Policy"] = REPORT_POLICY
    return response


def may_see_raw_rows(user: Any, wave: Wave, within: Organisation | None = None) -> bool:
    """Whether ``user`` (limited to ``within``, an API token's organisation) gets the raw
    rows of the wave's exports: only with the right to set up studies."""
    return has_right(user, wave, EDIT, within=within)


def export_file(wave: Wave, to: str, lang: str, raw_rows: bool) -> bytes | Iterator[bytes] | None:
    """The wave's export in format ``to`` (None below the threshold); the raw responses
    table only with ``raw_rows``, k-anonymous on its segment values and in an order of their
    own (``anonymous_rows``). The zipped CSV files come as parts of the archive, written
    while the rows are read (:mod:`servqual.web.dashboards.raw_rows`)."""
    if to == "csv":
        return _csv_archive(wave, lang, raw_rows)
    found = analysed(wave)
    if found is None:
        return None
    responses, result = found
    tables = TABLES if raw_rows else tuple(t for t in TABLES if t != "responses")
    more = _gaps_tables(wave, wave_diagnosis(wave), raw_rows)
    return _export(anonymous_rows(responses, result, wave.study.anonymity_threshold), result, to, lang, tables, more)


def _gaps_tables(wave: Wave, diagnosis: Diagnosis | None, raw_rows: bool) -> dict[str, pd.DataFrame]:
    """The tables of the five gaps, when managers or employees are in the results: the
    ``gaps`` table of figures, and with ``raw_rows`` the managers' and the employees' raw
    rows (``manager_responses``, ``employee_responses``), anonymous as the customers' are
    and without their open answers (:func:`servqual.web.dashboards.raw_rows.staff_rows`)."""
    if diagnosis is None:
        return {}
    tables = {"gaps": gaps_table(diagnosis)}
    if raw_rows:
        for audience in STAFF:
            rows = staff_rows(wave, diagnosis, audience)
            if rows is not None:
                tables[f"{audience}_responses"] = rows
    return tables


def _export(
    responses: ResponseSet,
    result: AnalysisResult,
    to: str,
    lang: str,
    tables: tuple[str, ...],
    more: dict[str, pd.DataFrame],
) -> bytes:
    """The export as one file: the workbook, or the folder of csv or sav files zipped."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / ("export.xlsx" if to == "xlsx" else "export")
        written = write_export(result, responses, to, target, lang, tables=tables, more=more)
        if to == "xlsx":
            return target.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, path.name)
        return buffer.getvalue()


def _csv_archive(wave: Wave, lang: str, raw_rows: bool) -> Iterator[bytes] | None:
    analysis = wave_analysis(wave)
    if analysis is None:
        return None
    result = analysis.result
    more = _gaps_tables(wave, wave_diagnosis(wave), raw_rows)
    tables = {**export_tables_of_figures(result), **({"gaps": more.pop("gaps")} if "gaps" in more else {})}
    # counted now, so that a wave below the threshold or a failing count answers at once
    segments = shown_segments(wave, result, wave.study.anonymity_threshold) if raw_rows else None

    def parts() -> Iterator[bytes]:
        archive_bytes = _Pending()
        with zipfile.ZipFile(archive_bytes, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, table in tables.items():
                archive.writestr(f"{name}.csv", csv_rows(table).encode())
            yield archive_bytes.take()
            if segments is not None:
                with archive.open("responses.csv", "w", force_zip64=True) as member:
                    for text in csv_of_rows(wave, segments):
                        member.write(text.encode())
                        yield archive_bytes.take()
            for name, table in more.items():  # the managers' and employees' rows: a few hundred
                archive.writestr(f"{name}.csv", csv_rows(table).encode())
        yield archive_bytes.take()

    return parts()


class _Pending(io.RawIOBase):
    """A file the zip archive writes to and the response takes its bytes from; it cannot
    seek, so zipfile writes each member's sizes after its data."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken, self._parts = b"".join(self._parts), []
        return taken
