"""An import of responses from a file: kept until confirmed, read into a summary, then saved.

Nothing is saved before the confirm. The confirm queues a task that saves the rows
(servqual.web.imports.tasks); the save locks the import's row and marks it saved in the
same transaction as the responses, so a double click, or a task run again after a lost
worker, saves them once. The import pages and the API both go through here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from servqual.errors import ServqualError
from servqual.i18n import translator
from servqual.report.words import validation_summary
from servqual.web.accounts.audit import COMMAND_LINE, Actor, record
from servqual.web.accounts.models import Action
from servqual.web.imports.models import ResponseImport
from servqual.web.imports.rows import read_upload, save_responses, unknown_segment_values
from servqual.web.languages import language
from servqual.web.studies.models import Wave

#: The summary lists this many problems in detail (it counts all of them).
MAX_ISSUES = 50
#: An upload nobody confirmed is deleted after this long.
KEEP_UNSAVED = timedelta(days=1)


class NotReadyError(Exception):
    """A file confirmed that cannot be saved (its summary said so): its task fails, once."""


def store_upload(wave: Wave, user: Any, file: Any) -> ResponseImport:
    """Keep an uploaded file until it is confirmed; answers nobody saved are not kept, so
    uploads left unconfirmed are cleared out first (by the platform, as the log says)."""
    stale = ResponseImport.objects.filter(saved_at__isnull=True, created_at__lt=timezone.now() - KEEP_UNSAVED)
    for unconfirmed in stale.select_related("wave__study__organisation").defer("content"):
        record(Action.DELETE, unconfirmed.wave.study.organisation, COMMAND_LINE, unconfirmed)
        unconfirmed.delete()
    return ResponseImport.objects.create(wave=wave, created_by=user, filename=file.name[:200], content=file.read())


def save_rows(pending: ResponseImport, by: Actor) -> ResponseImport:
    """Save the import's rows in its wave, once: the row is locked and marked saved in the
    same transaction as the responses, so a second run finds it saved and stores nothing.
    The file is read before the lock, so that a long read holds up no other writer (on
    SQLite, every writer). The audit log says who saved how many rows."""
    if pending.saved_at is not None:
        return pending
    found = read_import(pending)
    if not found["ready"]:
        raise NotReadyError(found.get("error") or f"import {pending.pk} cannot be saved as it is")
    with transaction.atomic():
        locked = ResponseImport.objects.select_for_update().get(pk=pending.pk)
        if locked.saved_at is None:
            locked.rows_saved = save_responses(locked.wave, found["responses"])
            locked.saved_at = timezone.now()
            locked.content = b""  # the rows are in the wave now; the file is not kept
            locked.save()
            record(Action.IMPORT, locked.wave.study.organisation, by, locked, detail={"responses": locked.rows_saved})
    return locked


def read_import(pending: ResponseImport) -> dict[str, Any]:
    """The file read as on the command line, with its summary in the user's language;
    ready when it can be saved."""
    lang = language()
    study = pending.wave.study
    try:
        responses = read_upload(bytes(pending.content), pending.filename, study, max_issues=MAX_ISSUES)
    except ServqualError as exc:
        return {"ready": False, "error": exc.render(translator(lang))}
    unknown = unknown_segment_values(responses, study)
    summary = [(line.startswith("  "), line.strip()) for line in validation_summary(responses.report, lang)]
    return {
        "ready": not unknown and responses.n_respondents > 0,
        "responses": responses,
        "summary": summary,
        "unknown": unknown,
    }
