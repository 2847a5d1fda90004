"""Saving an import's rows as a background task (docs/tasks.md): a file of a hundred
thousand rows takes longer to save than a request should."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tasks import TaskResultStatus, default_task_backend, task
from django_tasks.exceptions import TaskResultDoesNotExist

from servqual.web.accounts.audit import Actor
from servqual.web.api.models import ApiToken
from servqual.web.imports.models import ResponseImport
from servqual.web.imports.uploads import save_rows


class ImportState(StrEnum):
    """Where an import is: read for review, its save queued, being saved, saved, or failed."""

    REVIEW = "review"
    QUEUED = "queued"
    SAVING = "saving"
    SAVED = "saved"
    FAILED = "failed"


def import_state(pending: ResponseImport) -> ImportState:
    if pending.saved_at is not None:
        return ImportState.SAVED
    if not pending.task_id:
        return ImportState.REVIEW
    try:
        status = default_task_backend.get_result(pending.task_id).status
    except (TaskResultDoesNotExist, NotImplementedError):
        # its task is gone, or ran at once (the immediate backend) without saving it
        return ImportState.FAILED
    if status == TaskResultStatus.READY:
        return ImportState.QUEUED
    if status == TaskResultStatus.RUNNING:
        return ImportState.SAVING
    return ImportState.FAILED  # failed, or finished without saving: nothing is saved


def confirm(pending: ResponseImport, by: Actor) -> ResponseImport:
    """Queue the saving of the import's rows, once: the row is locked while its task is
    queued, so a second confirm (a double click) finds the task there and queues nothing.
    After a failed save, a confirm tries again."""
    with transaction.atomic():
        locked = ResponseImport.objects.select_for_update().get(pk=pending.pk)
        if import_state(locked) in (ImportState.REVIEW, ImportState.FAILED):
            token = by.api_token.pk if by.api_token is not None else None
            queued = save_import.enqueue(locked.pk, by.user.pk, token)
            ResponseImport.objects.filter(pk=locked.pk).update(task_id=queued.id)
    locked.refresh_from_db()  # a task run at once (the immediate backend) has saved it
    return locked


@task()
def save_import(import_id: int, user_id: int, api_token_id: int | None) -> int:
    """Save the import's rows for the person (or their API token) who confirmed it. Run again
    after a lost worker, it saves nothing twice (servqual.web.imports.uploads.save_rows).
    Returns how many responses the import saved."""
    pending = ResponseImport.objects.select_related("wave__study__organisation").get(pk=import_id)
    if api_token_id is not None:
        by = Actor.token(ApiToken.objects.select_related("user").get(pk=api_token_id))
    else:
        by = Actor.person(get_user_model().objects.get(pk=user_id))
    return save_rows(pending, by).rows_saved
