"""The results of a wave: the dashboard, and the report and exports to download.

Every wave comes through servqual.web.accounts.tenancy with the results right, so a wave
of another organisation, or one a viewer asks for, is not found (404).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from servqual.report import render_pdf, render_sections_html
from servqual.report.export import TABLES, write_export
from servqual.web.accounts.models import EDIT, RESULTS, Organisation
from servqual.web.accounts.tenancy import get_scoped_or_404, scoped
from servqual.web.dashboards.results import analysed, completed, language, wave_report, without_small_groups
from servqual.web.studies.models import Wave

#: name in the URL -> (content type, export format or None for the report)
DOWNLOADS = {
    "report.html": ("text/html; charset=utf-8", None),
    "report.pdf": ("application/pdf", None),
    "export.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "export-csv.zip": ("application/zip", "csv"),
    "export-sav.zip": ("application/zip", "sav"),
}


@login_required
def dashboard(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = get_scoped_or_404(request.user, Wave, RESULTS, pk=wave_id)
    report = wave_report(wave, language())
    context = {
        "wave": wave,
        "study": wave.study,
        "completed": completed(wave)["n"],
        "report": report,
        # The report's texts are escaped by its own template; the charts are our SVG.
        "sections": mark_safe(render_sections_html(report)) if report else None,
        "downloads": list(DOWNLOADS),
        "raw_rows": may_see_raw_rows(request.user, wave),
    }
    return render(request, "dashboards/dashboard.html", context)


@login_required
def download(request: HttpRequest, wave_id: int, name: str) -> HttpResponse:
    """The report (.html, .pdf) or an export (.xlsx, zipped .csv or .sav) of the wave."""
    wave = get_scoped_or_404(request.user, Wave, RESULTS, pk=wave_id)
    if name not in DOWNLOADS:
        raise Http404
    body = download_file(wave, name, language(), raw_rows=may_see_raw_rows(request.user, wave))
    if body is None:
        raise Http404  # too few responses: there is nothing to give
    return download_response(wave, name, body)


def download_file(wave: Wave, name: str, lang: str, raw_rows: bool) -> bytes | str | None:
    """The content of download ``name`` (a key of DOWNLOADS); None below the threshold.

    The exports' responses table holds one raw row per respondent, so only with
    ``raw_rows`` (roles that set up studies, ``may_see_raw_rows``); the others get the item
    and dimension tables alone. In the raw rows the segment values of groups under the
    threshold are left empty."""
    export = DOWNLOADS[name][1]
    if export is not None:
        return export_file(wave, export, lang, raw_rows=raw_rows)
    report = wave_report(wave, lang)
    if report is None:
        return None
    if name.endswith(".pdf"):
        return render_pdf(report)
    from servqual.report import render_html

    return render_html(report)


def download_response(wave: Wave, name: str, body: bytes | str) -> HttpResponse:
    """The download as an attachment named after the study and the wave."""
    filename = "-".join(filter(None, [slugify(wave.study.name), slugify(wave.name), name])) or name
    response = HttpResponse(body, content_type=DOWNLOADS[name][0])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def may_see_raw_rows(user: Any, wave: Wave, within: Organisation | None = None) -> bool:
    """Whether ``user`` (limited to ``within``, an API token's organisation) gets the raw
    rows of the wave's exports: only with the right to set up studies."""
    return scoped(user, Wave, EDIT, within=within).filter(pk=wave.pk).exists()


def export_file(wave: Wave, to: str, lang: str, raw_rows: bool) -> bytes | None:
    """The wave's export in format ``to`` (None below the threshold); the raw responses
    table only with ``raw_rows``, and with the segment values of small groups left empty."""
    found = analysed(wave)
    if found is None:
        return None
    responses, result = found
    tables = TABLES if raw_rows else tuple(t for t in TABLES if t != "responses")
    return _export(without_small_groups(responses, result), result, to, lang, tables)


def _export(responses: object, result: object, to: str, lang: str, tables: tuple[str, ...]) -> bytes:
    """The export as one file: the workbook, or the folder of csv or sav files zipped."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / ("export.xlsx" if to == "xlsx" else "export")
        written = write_export(result, responses, to, target, lang, tables=tables)
        if to == "xlsx":
            return target.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, path.name)
        return buffer.getvalue()
