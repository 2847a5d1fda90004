"""Importing responses from a file into a wave: upload, read the summary, then confirm.

Nothing is saved before the confirm. The confirm locks the import's row and marks it
saved in the same transaction as the responses, so a double click saves them once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from servqual.errors import ServqualError
from servqual.i18n import translator
from servqual.report.words import validation_summary
from servqual.web.accounts.models import EDIT
from servqual.web.accounts.tenancy import get_scoped_or_404
from servqual.web.dashboards.results import language
from servqual.web.imports.forms import UploadForm
from servqual.web.imports.models import ResponseImport
from servqual.web.imports.rows import read_upload, save_responses, unknown_segment_values
from servqual.web.studies.models import Wave

#: The summary lists this many problems in detail (it counts all of them).
MAX_ISSUES = 50
#: An upload nobody confirmed is deleted after this long.
KEEP_UNSAVED = timedelta(days=1)


@login_required
def upload(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        pending = store_upload(wave, request.user, form.cleaned_data["file"])
        return redirect("import-review", key=pending.key)
    return render(request, "imports/upload.html", {"wave": wave, "study": wave.study, "form": form})


@login_required
def review(request: HttpRequest, key: str) -> HttpResponse:
    pending = get_scoped_or_404(request.user, ResponseImport, EDIT, key=key, created_by=request.user)
    if request.method == "POST":
        confirm(pending)
        return redirect("import-review", key=key)
    context: dict[str, Any] = {"pending": pending, "wave": pending.wave, "study": pending.wave.study}
    if pending.saved_at is None:
        context |= read_import(pending)
    return render(request, "imports/review.html", context)


def store_upload(wave: Wave, user: Any, file: Any) -> ResponseImport:
    """Keep an uploaded file until it is confirmed; answers nobody saved are not kept, so
    uploads left unconfirmed are cleared out first."""
    ResponseImport.objects.filter(saved_at__isnull=True, created_at__lt=timezone.now() - KEEP_UNSAVED).delete()
    return ResponseImport.objects.create(wave=wave, created_by=user, filename=file.name[:200], content=file.read())


def confirm(pending: ResponseImport) -> ResponseImport:
    """Save the import's rows in its wave, once: the row is locked and marked saved in the
    same transaction, so a second confirm finds it saved and stores nothing."""
    with transaction.atomic():
        locked = ResponseImport.objects.select_for_update().get(pk=pending.pk)
        if locked.saved_at is None:
            found = read_import(locked)
            if found["ready"]:
                locked.rows_saved = save_responses(locked.wave, found["responses"])
                locked.saved_at = timezone.now()
                locked.content = b""  # the rows are in the wave now; the file is not kept
                locked.save()
    return locked


def read_import(pending: ResponseImport) -> dict[str, Any]:
    """The file read as on the command line, with its summary in the user's language;
    ready when it can be saved."""
    _ = translator(language())
    study = pending.wave.study
    try:
        responses = read_upload(bytes(pending.content), pending.filename, study, max_issues=MAX_ISSUES)
    except ServqualError as exc:
        return {"ready": False, "error": exc.render(_)}
    unknown = unknown_segment_values(responses, study)
    summary = [(line.startswith("  "), line.strip()) for line in validation_summary(responses.report, _)]
    return {
        "ready": not unknown and responses.n_respondents > 0,
        "responses": responses,
        "summary": summary,
        "unknown": unknown,
    }
