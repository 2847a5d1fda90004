"""The JSON API (django-ninja), with its schema at /api/openapi.json.

A request carries ``Authorization: Bearer <token>``. The token stands for one user in one
organisation: every object comes through servqual.web.accounts.tenancy with the user's
rights and within the token's organisation, so the answers are those of the pages, and
an object of any other organisation is not found (404), even one the user may see there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from ninja import File, NinjaAPI, Schema, Status, UploadedFile
from ninja.security import HttpBearer

from servqual.web.accounts.models import EDIT, RESULTS, SEE
from servqual.web.accounts.tenancy import get_scoped_or_404, scoped
from servqual.web.api.models import ApiToken
from servqual.web.dashboards.results import analysed, language
from servqual.web.dashboards.views import DOWNLOADS, export_file
from servqual.web.imports.forms import UploadForm
from servqual.web.imports.models import ResponseImport
from servqual.web.imports.views import confirm, read_import, store_upload
from servqual.web.keys import key_hash
from servqual.web.studies.models import Study, Wave
from servqual.web.studies.views import response_counts


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        # A lookup by the hash: the time it takes says nothing about the token's characters.
        found = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(token_hash=key_hash(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is not None:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found


api = NinjaAPI(title="servqual", version="1", auth=TokenAuth(), urls_namespace="api")


def _get(request: HttpRequest, model: type, right: str, pk: int) -> Any:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return get_scoped_or_404(token.user, model, right, within=token.organisation, pk=pk)


class StudyOut(Schema):
    id: int
    organisation_id: int
    name: str
    service_name: str
    languages: list[str]
    instrument_key: str
    anonymity_threshold: int


class WaveOut(Schema):
    id: int
    study_id: int
    name: str
    opens_at: datetime
    closes_at: datetime


class CountRow(Schema):
    value: str | None
    count: int | None  # None: a group under the anonymity threshold


class SegmentCounts(Schema):
    key: str
    name: str
    rows: list[CountRow]


class AudienceCounts(Schema):
    audience: str
    started: int
    completed: int
    segments: list[SegmentCounts]


class WaveDetail(WaveOut):
    anonymity_threshold: int
    audiences: list[AudienceCounts]


class Message(Schema):
    detail: str


@api.get("/studies", response=list[StudyOut])
def studies(request: HttpRequest) -> Any:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return scoped(token.user, Study, SEE, within=token.organisation).order_by("pk")


@api.get("/studies/{study_id}", response=StudyOut)
def study(request: HttpRequest, study_id: int) -> Any:
    return _get(request, Study, SEE, study_id)


@api.get("/studies/{study_id}/waves", response=list[WaveOut])
def study_waves(request: HttpRequest, study_id: int) -> Any:
    return _get(request, Study, SEE, study_id).waves.order_by("opens_at", "pk")


@api.get("/waves/{wave_id}", response=WaveDetail)
def wave(request: HttpRequest, wave_id: int) -> Any:
    found = _get(request, Wave, SEE, wave_id)
    return {
        "id": found.pk,
        "study_id": found.study_id,
        "name": found.name,
        "opens_at": found.opens_at,
        "closes_at": found.closes_at,
        "anonymity_threshold": found.study.anonymity_threshold,
        "audiences": response_counts(found),
    }


@api.get("/waves/{wave_id}/results", response={200: dict[str, Any], 409: Message})
def wave_results(request: HttpRequest, wave_id: int) -> Any:
    """The analysis of the wave's customer responses, as ``servqual analyze --json`` gives it."""
    found = _get(request, Wave, RESULTS, wave_id)
    analysis = analysed(found)
    if analysis is None:
        return Status(409, {"detail": _too_few(found)})
    return analysis[1].to_dict()


@api.get("/waves/{wave_id}/export.xlsx", response={200: None, 409: Message})
def wave_export(request: HttpRequest, wave_id: int) -> Any:
    """The wave's Excel export, as the dashboard downloads it."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    found = _get(request, Wave, RESULTS, wave_id)
    raw_rows = scoped(token.user, Wave, EDIT, within=token.organisation).filter(pk=found.pk).exists()
    body = export_file(found, "xlsx", language(), raw_rows=raw_rows)
    if body is None:
        return Status(409, {"detail": _too_few(found)})
    response = HttpResponse(body, content_type=DOWNLOADS["export.xlsx"][0])
    filename = "-".join(filter(None, [slugify(found.study.name), slugify(found.name), "export.xlsx"]))
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


class ImportOut(Schema):
    key: str
    filename: str
    saved: bool
    rows_saved: int
    ready: bool = False
    error: str | None = None
    summary: list[str] = []
    unknown: dict[str, list[str]] = {}


class UploadErrors(Schema):
    detail: str
    errors: dict[str, list[str]]


@api.post("/waves/{wave_id}/imports", response={200: ImportOut, 400: UploadErrors})
def wave_import(request: HttpRequest, wave_id: int, file: File[UploadedFile]) -> Any:
    """Upload a file of responses: nothing is saved yet; the answer is the file's validation
    summary. POST /api/imports/{key}/confirm then saves its rows."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    found = _get(request, Wave, EDIT, wave_id)
    form = UploadForm({}, {"file": file})
    if not form.is_valid():
        errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
        return Status(400, {"detail": _("The file cannot be imported."), "errors": errors})
    return _import_out(store_upload(found, token.user, form.cleaned_data["file"]))


@api.post("/imports/{key}/confirm", response=ImportOut)
def import_confirm(request: HttpRequest, key: str) -> Any:
    """Save the rows of an upload; a second confirm saves nothing twice."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    pending = get_scoped_or_404(
        token.user, ResponseImport, EDIT, within=token.organisation, key=key, created_by=token.user
    )
    return _import_out(confirm(pending))


def _import_out(pending: ResponseImport) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": pending.key,
        "filename": pending.filename,
        "saved": pending.saved_at is not None,
        "rows_saved": pending.rows_saved,
    }
    if pending.saved_at is None:
        found = read_import(pending)
        out["ready"] = found["ready"]
        out["error"] = found.get("error")
        out["summary"] = [text for _indented, text in found.get("summary", [])]
        out["unknown"] = found.get("unknown", {})
    return out


def _too_few(wave: Wave) -> str:
    return _("Too few completed responses: results are given from %(threshold)s on.") % {
        "threshold": wave.study.anonymity_threshold,
    }
