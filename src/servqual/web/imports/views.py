"""Importing responses from a file into a wave: upload, read the summary, then confirm
(servqual.web.imports.uploads)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from servqual.web.accounts.audit import Actor
from servqual.web.accounts.models import EDIT
from servqual.web.accounts.tenancy import get_scoped_or_404
from servqual.web.imports.forms import UploadForm
from servqual.web.imports.layout import TEMPLATE_TYPES, accepted_columns, template_file
from servqual.web.imports.models import ResponseImport
from servqual.web.imports.tasks import ImportState, confirm, import_state
from servqual.web.imports.uploads import read_import, store_upload
from servqual.web.languages import language
from servqual.web.studies.models import Wave

#: The page of an import being saved looks again after this many seconds.
REFRESH_SECONDS = 2


@login_required
def upload(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        pending = store_upload(wave, request.user, form.cleaned_data["file"])
        return redirect("import-review", key=pending.key)
    context = {"wave": wave, "study": wave.study, "form": form, "columns": accepted_columns(wave.study, language())}
    return render(request, "imports/upload.html", context)


@login_required
def template(request: HttpRequest, wave_id: int, kind: str) -> HttpResponse:
    """An empty import file for the wave's study, with its columns and segments."""
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    if kind not in TEMPLATE_TYPES:
        raise Http404
    response = HttpResponse(template_file(wave.study, kind, language()), content_type=TEMPLATE_TYPES[kind])
    filename = f"{slugify(wave.study.name) or 'study'}-import.{kind}"
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


@login_required
def review(request: HttpRequest, key: str) -> HttpResponse:
    """The file's summary and the button that saves it; once confirmed, where its save is
    (queued, being saved, saved or failed), looking again every few seconds without
    JavaScript while a worker saves it."""
    pending = get_scoped_or_404(request.user, ResponseImport, EDIT, key=key, created_by=request.user)
    if request.method == "POST":
        confirm(pending, by=Actor.person(request.user))
        return redirect("import-review", key=key)
    state = import_state(pending)
    context: dict[str, Any] = {
        "pending": pending,
        "wave": pending.wave,
        "study": pending.wave.study,
        "state": state,
        "refresh": REFRESH_SECONDS,
    }
    if state in (ImportState.REVIEW, ImportState.FAILED):
        context |= read_import(pending)
    return render(request, "imports/review.html", context)
