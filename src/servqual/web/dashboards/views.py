"""The results of a wave: the dashboard, and the report and exports to download.

Every wave comes through servqual.web.accounts.tenancy with the results right, so a wave
of another organisation, or one a viewer asks for, is not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from servqual.report import GroupSummary, render_sections_html
from servqual.web.accounts.audit import Actor, record
from servqual.web.accounts.models import RESULTS, Action
from servqual.web.accounts.tenancy import get_scoped_or_404
from servqual.web.dashboards.downloads import DOWNLOADS, download_file, download_response, may_see_raw_rows
from servqual.web.dashboards.models import PreparedReport
from servqual.web.dashboards.results import admitted, wave_results
from servqual.web.dashboards.tasks import failed, queue_report
from servqual.web.languages import language
from servqual.web.studies.models import Wave

#: The management view: the summary (headline, where to act, the biggest gaps), what to read
#: with care, and the segments; the analyst's view has the rest of the report, in its order.
MANAGEMENT_SECTIONS = ("summary", "cautions", "segments")
#: The section on the five gaps: the analyst's view has all of it, the management view its
#: picture (its first blocks, up to the chart), linked to the rest.
GAPS_SECTION = "gaps"
#: The page of a PDF report being prepared looks again after this many seconds.
REFRESH_SECONDS = 2
#: The management view's filter, ``?group=branch:Utrecht``: a segment's key (which holds no
#: colon), a colon and one of its values; nothing after the colon is the group of respondents
#: without a value, where the study makes them a group of their own.
GROUP_PARAMETER = "group"


@dataclass(frozen=True)
class GroupChoice:
    """One option of the filter: the parameter's value and what the option says."""

    key: str
    label: str


@dataclass(frozen=True)
class SegmentChoices:
    """The filter's options of one segment: the groups its table shows, no others."""

    name: str
    groups: list[GroupChoice]


def group_key(column: str, value: str | None) -> str:
    return f"{column}:{value or ''}"


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
    found = wave_results(wave, language(), counts)
    report, groups = found if found else (None, [])
    shown = None
    names = dict(wave.study.segments.values_list("key", "name"))
    choices: list[SegmentChoices] = []
    chosen: GroupSummary | None = None
    refused = False
    if report:
        sections = [s for s in report["sections"] if (s["id"] in MANAGEMENT_SECTIONS) != analyst]
        if not analyst:
            choices, chosen, refused = _filter(request, groups, names)
        if chosen is not None:
            sections = [chosen.section if s["id"] == "summary" else s for s in sections]
        gaps = next((s for s in report["sections"] if s["id"] == GAPS_SECTION), None)
        if not analyst and gaps is not None:
            sections.insert(1, _gaps_picture(gaps, reverse("wave-results-analysis", args=[wave.pk])))
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
        "sections": _sections_html(shown) if shown else None,
        "downloads": list(DOWNLOADS),
        "raw_rows": may_see_raw_rows(request.user, wave),
        "choices": choices,
        "chosen": chosen,
        "chosen_key": group_key(chosen.column, chosen.value) if chosen else "",
        "chosen_segment": names.get(chosen.column, chosen.column) if chosen else "",
        "chosen_value": _group_label(chosen.value) if chosen else "",
        "refused": refused,
        "has_segments": bool(names),
    }
    # a filter the page cannot show is the request's fault: say so, and show everyone
    return render(request, "dashboards/dashboard.html", context, status=400 if refused else 200)


def _gaps_picture(section: dict[str, Any], analysis: str) -> dict[str, Any]:
    """The management view's part of the section on the five gaps: what it shows and its
    picture, whose gaps link to their evidence in the analyst's view (``analysis``, its URL)."""
    blocks = []
    for block in section["blocks"]:  # what it shows, any notice, and the picture: up to the first chart
        if block["type"] == "chart":
            blocks.append({**block, "svg": block["svg"].replace('href="#gap-', f'href="{analysis}#gap-')})
            break
        blocks.append(block)
    return {**section, "blocks": blocks, "more": f"{analysis}#{GAPS_SECTION}"}


def _sections_html(report: dict[str, Any]) -> SafeString:
    """The report's sections as HTML; after the five gaps' picture on the management view,
    a link to the rest of that section."""
    parts = []
    for section in report["sections"]:
        # The report's texts are escaped by its own template; the charts are our SVG.
        parts.append(mark_safe(render_sections_html({**report, "sections": [section]})))
        if "more" in section:
            words = _("Each gap's evidence, the gaps per unit and per customer process: in the analyst's view.")
            parts.append(format_html('<p class="more"><a href="{}">{}</a></p>', section["more"], words))
    return mark_safe("".join(parts))  # each part escaped above


def _filter(
    request: HttpRequest, groups: list[GroupSummary], names: dict[str, str]
) -> tuple[list[SegmentChoices], GroupSummary | None, bool]:
    """The filter's options (only groups the segment tables show), the group asked for in
    the request, and whether one was asked for that is not among them. A hidden group and a
    value nobody has are refused alike, so the answer tells nothing the tables do not."""
    choices: dict[str, list[GroupChoice]] = {}
    for group in groups:
        choices.setdefault(group.column, []).append(
            GroupChoice(group_key(group.column, group.value), _group_label(group.value))
        )
    asked = request.GET.get(GROUP_PARAMETER, "")
    chosen = next((g for g in groups if group_key(g.column, g.value) == asked), None) if asked else None
    options = [SegmentChoices(names.get(column, column), found) for column, found in choices.items()]
    return options, chosen, bool(asked) and chosen is None


def _group_label(value: str | None) -> str:
    return _("(no value)") if value is None else value


@login_required
def download(request: HttpRequest, wave_id: int, name: str) -> HttpResponseBase:
    """The report (.html, .pdf) or an export (.xlsx, zipped .csv or .sav) of the wave."""
    wave = get_scoped_or_404(request.user, Wave, RESULTS, pk=wave_id)
    if name not in DOWNLOADS:
        raise Http404
    if name == "report.pdf":
        # Made by a background task; a task run at once (the immediate backend) gives it here.
        prepared = queue_report(wave, language(), request.user)
        if prepared.ready_at is None:
            return redirect("prepared-report", report_key=prepared.key)
        return _pdf_file(request, prepared)
    raw_rows = may_see_raw_rows(request.user, wave)
    body = download_file(wave, name, language(), raw_rows=raw_rows, by=Actor.person(request.user))
    if body is None:
        raise Http404  # too few responses: there is nothing to give
    return download_response(wave, name, body)


@login_required
def prepared_report(request: HttpRequest, report_key: str) -> HttpResponseBase:
    """A PDF report being prepared: the page looks again every few seconds (without
    JavaScript) until the report is ready to download, or says that it failed. Only for the
    person who asked for it."""
    prepared = get_scoped_or_404(request.user, PreparedReport, RESULTS, key=report_key, created_by=request.user)
    if prepared.ready_at is not None and not prepared.content:
        raise Http404  # too few responses: there is nothing to give
    wave = prepared.wave
    context = {"prepared": prepared, "wave": wave, "study": wave.study, "refresh": REFRESH_SECONDS}
    if prepared.ready_at is None:
        context["failed"] = failed(prepared)
    return render(request, "dashboards/preparing.html", context)


@login_required
def prepared_report_file(request: HttpRequest, report_key: str) -> HttpResponseBase:
    prepared = get_scoped_or_404(request.user, PreparedReport, RESULTS, key=report_key, created_by=request.user)
    if prepared.ready_at is None:
        return redirect("prepared-report", report_key=prepared.key)
    return _pdf_file(request, prepared)


def _pdf_file(request: HttpRequest, prepared: PreparedReport) -> HttpResponseBase:
    wave = prepared.wave
    if not prepared.content:
        raise Http404  # too few responses: there is nothing to give
    record(Action.DOWNLOAD, wave.study.organisation, Actor.person(request.user), wave, detail={"format": "report.pdf"})
    return download_response(wave, "report.pdf", bytes(prepared.content))
