"""The results of a wave: the dashboard, and the report and exports to download.

Every wave comes through servqual.web.accounts.tenancy with the results right, so a wave
of another organisation, or one a viewer asks for, is not found (404).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from servqual.report import render_sections_html
from servqual.web.accounts.audit import Actor
from servqual.web.accounts.models import RESULTS
from servqual.web.accounts.tenancy import get_scoped_or_404
from servqual.web.dashboards.downloads import DOWNLOADS, download_file, download_response, may_see_raw_rows
from servqual.web.dashboards.results import admitted, wave_report
from servqual.web.languages import language
from servqual.web.studies.models import Wave

#: The management view: the summary (headline, where to act, the biggest gaps), what to read
#: with care, and the segments; the analyst's view has the rest of the report, in its order.
MANAGEMENT_SECTIONS = ("summary", "cautions", "segments")


@login_required
def dashboard(request: HttpRequest, wave_id: int) -> HttpResponse:
    """The management view of a wave's results."""
    return _results_page(request, wave_id, analyst=False)


@login_required
def dashboard_analysis(request: HttpRequest, wave_id: int) -> HttpResponse:
    """The analyst's view: figures per dimension, reliability and validity, method, all items."""
    return _results_page(request, wave_id, analyst=True)


def _results_page(request: HttpRequest, wave_id: int, analyst: bool) -> HttpResponse:
    wave = get_scoped_or_404(request.user, Wave, RESULTS, pk=wave_id)
    counts = admitted(wave)
    report = wave_report(wave, language(), counts)
    shown = None
    if report:
        sections = [s for s in report["sections"] if (s["id"] in MANAGEMENT_SECTIONS) != analyst]
        shown = {**report, "sections": sections}
    context = {
        "wave": wave,
        "study": wave.study,
        "completed": counts.completed,
        "in_results": counts.in_results,
        "step": wave.study.anonymity_threshold,
        "report": shown,
        "analyst": analyst,
        # The report's texts are escaped by its own template; the charts are our SVG.
        "sections": mark_safe(render_sections_html(shown)) if shown else None,
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
    raw_rows = may_see_raw_rows(request.user, wave)
    body = download_file(wave, name, language(), raw_rows=raw_rows, by=Actor.person(request.user))
    if body is None:
        raise Http404  # too few responses: there is nothing to give
    return download_response(wave, name, body)
