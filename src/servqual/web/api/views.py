"""The JSON API (django-ninja), with its schema at /api/openapi.json.

A request carries ``Authorization: Bearer <token>``. The token stands for one user in one
organisation: every object comes through servqual.web.accounts.tenancy with the user's
rights and within the token's organisation, so the answers are those of the pages, and
an object of any other organisation is not found (404), even one the user may see there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, ValidationError
from django.db import transaction
from django.db.models import Field, Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import File, NinjaAPI, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import AfterValidator, BeforeValidator, ModelWrapValidatorHandler, model_validator
from pydantic_core import PydanticCustomError

from servqual.i18n import pick
from servqual.instruments import Instrument
from servqual.web.accounts.audit import Actor, record
from servqual.web.accounts.limits import AttemptLimit, client_address
from servqual.web.accounts.models import EDIT, RESULTS, SEE, Action, Organisation
from servqual.web.accounts.tenancy import get_scoped_or_404, scoped
from servqual.web.api.errors import Errors, Message, with_error_answers
from servqual.web.api.models import ApiToken
from servqual.web.dashboards.downloads import DOWNLOADS, download_file, download_response, may_see_raw_rows
from servqual.web.dashboards.models import PreparedReport
from servqual.web.dashboards.results import admit, wave_analysis, wave_diagnosis
from servqual.web.dashboards.tasks import failed, queue_report
from servqual.web.imports.forms import UploadForm
from servqual.web.imports.models import ResponseImport
from servqual.web.imports.tasks import ImportState, confirm, import_state
from servqual.web.imports.uploads import read_import, store_upload
from servqual.web.keys import key_hash
from servqual.web.languages import language
from servqual.web.siteurl import site_url
from servqual.web.studies.counts import response_counts
from servqual.web.studies.models import Segment, Study, Wave
from servqual.web.surveys.forms import (
    FACTORS_PAGE,
    IMPORTANCE_PAGE,
    MAX_OPEN_ANSWER,
    OPEN_PAGE,
    column,
    factors_on,
    page_columns,
    page_keys,
    page_prompts,
    prompt,
)
from servqual.web.surveys.models import Audience, SurveyLink

#: Requests with a wrong token allowed from one address, and the window they are counted in;
#: then every request from that address is refused (429), a valid token's too, until it ends.
TOKEN_FAILURES = AttemptLimit("api-token-failures", attempts=20, window=15 * 60)


class TooManyFailuresError(Exception):
    pass


class InvalidInputError(Exception):
    """Input the models' validation refuses: field name -> messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        address = client_address(request)
        if TOKEN_FAILURES.reached(address):
            raise TooManyFailuresError
        # A lookup by the hash: the time it takes says nothing about the token's characters.
        found = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(token_hash=key_hash(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is None:
            TOKEN_FAILURES.count(address)
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found


class ServqualApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return with_error_answers(super().get_openapi_schema(**kwargs))


api = ServqualApi(title="servqual", version="1", auth=TokenAuth(), urls_namespace="api")


@api.exception_handler(TooManyFailuresError)
def too_many_failures(request: HttpRequest, exc: TooManyFailuresError) -> HttpResponse:
    detail = _("Too many requests with a wrong token. Please wait a quarter of an hour and try again.")
    response = api.create_response(request, {"detail": detail}, status=429)
    response["Retry-After"] = str(TOKEN_FAILURES.window)
    return response


@api.exception_handler(InvalidInputError)
def invalid(request: HttpRequest, exc: InvalidInputError) -> HttpResponse:
    return api.create_response(request, {"detail": _("The data cannot be saved."), "errors": exc.errors}, status=400)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: the documented 400, not Django's HTML page."""
    limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024**2:g}"
    errors = {"body": [_("The request is larger than %(limit)s MB.") % {"limit": limit}]}
    return api.create_response(request, {"detail": _("The request cannot be read."), "errors": errors}, status=400)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own errors. Its one 400, a body it cannot parse, gets the documented shape
    of every 400 (``errors`` per field, the body as the field) in the user's language."""
    if exc.status_code == 400:
        body = {"detail": _("The request cannot be read."), "errors": {"body": [_("Not valid JSON.")]}}
        return api.create_response(request, body, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _save_valid(obj: Model, prefix: str = "") -> None:
    """Save ``obj`` once the model's own validation passes (full_clean, as the admin and the
    forms run it); else its messages under the names of the API's fields
    (``segments.0.key`` with a prefix)."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise InvalidInputError(
            {
                (prefix + field if field != NON_FIELD_ERRORS else prefix.rstrip(".") or field): messages
                for field, messages in exc.message_dict.items()
            }
        ) from None
    obj.save()


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication, unknown to Django's stubs


def _get(request: HttpRequest, model: type, right: str, pk: int) -> Any:
    token = _token(request)
    return get_scoped_or_404(token.user, model, right, within=token.organisation, pk=pk)


def _aware(moment: datetime) -> datetime:
    """A time without a zone is one in the site's time zone, as in Django's forms."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Body(Schema):
    """A request body: a JSON object. ninja reads anything else (``[]``, ``"x"``, ``3``) as
    an object with every field at its default, so a list once made a survey link. No text
    in it holds NUL, which PostgreSQL cannot store (a server error there; the pages' forms
    refuse it too)."""

    @model_validator(mode="wrap")
    @classmethod
    def _json_object(cls, values: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(values, dict):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        if _holds_nul(values):
            raise PydanticCustomError("string_nul", "Text may not hold NUL (0x00) characters")
        return handler(values)


def _holds_nul(value: Any) -> bool:
    """Whether any text in a JSON value, keys included, holds NUL; a loop, as JSON nests deep."""
    waiting = [value]
    while waiting:
        value = waiting.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, dict):
            waiting.extend(value.keys())
            waiting.extend(value.values())
        elif isinstance(value, list):
            waiting.extend(value)
    return False


class SegmentOut(Schema):
    key: str
    name: str
    values: list[str]


class StudyOut(Schema):
    id: int
    organisation_id: int
    name: str
    service_name: str
    languages: list[str]
    instrument_key: str
    #: an instrument file of the study's own (TOML, docs/instruments.md); "" for a built-in
    instrument_file: str
    #: the built-in instruments the managers and the contact employees answer
    manager_instrument_key: str
    employee_instrument_key: str
    #: the study's customer processes file (TOML, docs/instruments.md#processes); "" for none
    #: of its own: the built-in example when the instruments are built-in ones
    processes_file: str
    #: the processes in use, from that file or the built-in example: key, name, owner, items, factors
    processes: list[dict[str, Any]]
    anonymity_threshold: int
    #: respondents without a value of a segment: "exclude" (left out of its groups and tests,
    #: counted) or "group" (a group of their own)
    segment_missing: str
    #: days after a wave closes that invitees' addresses and personal links are kept
    keep_personal_data_days: int
    #: then "anonymise" (addresses and links removed, answers kept) or "delete" (responses too)
    after_retention: str
    segments: list[SegmentOut]

    @staticmethod
    def resolve_processes(obj: Study) -> list[dict[str, Any]]:
        return [p.to_dict() for p in obj.processes()]


class SegmentIn(Body):
    key: str
    name: str
    values: list[str]


def _default(name: str) -> Any:
    """The Study model's default for field ``name``: the API leaves out what the model fills in."""
    field = Study._meta.get_field(name)
    assert isinstance(field, Field)  # a column of the study's own, not a relation
    return field.get_default()


class StudyIn(Body):
    name: str
    service_name: str
    languages: list[str] = _default("languages")
    instrument_key: str = _default("instrument_key")
    instrument_file: str = _default("instrument_file")
    manager_instrument_key: str = _default("manager_instrument_key")
    employee_instrument_key: str = _default("employee_instrument_key")
    processes_file: str = _default("processes_file")
    anonymity_threshold: int = _default("anonymity_threshold")
    segment_missing: str = _default("segment_missing")
    keep_personal_data_days: int = _default("keep_personal_data_days")
    after_retention: str = _default("after_retention")
    segments: list[SegmentIn] = []


class StudyChange(Body):
    """Only the fields given change. ``segments``, when given, is the whole new list:
    segments are matched by key; one left out is removed. ``instrument_file`` null is no
    file of the study's own, as "" is: the built-in ``instrument_key`` counts again."""

    name: str | None = None
    service_name: str | None = None
    languages: list[str] | None = None
    instrument_key: str | None = None
    instrument_file: str | None = None
    manager_instrument_key: str | None = None
    employee_instrument_key: str | None = None
    processes_file: str | None = None
    anonymity_threshold: int | None = None
    segment_missing: str | None = None
    keep_personal_data_days: int | None = None
    after_retention: str | None = None
    segments: list[SegmentIn] | None = None


def _iso_text(value: Any) -> Any:
    """A time as the schema gives it, ISO 8601 text: pydantic would also read a number, as
    seconds since 1970, and make a wave close in 1969."""
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "Input should be ISO 8601 text")
    return value


def _in_utc(moment: datetime) -> datetime:
    """A time with a zone, in UTC: ISO 8601 allows offsets up to 23:59, PostgreSQL up to
    15:59 (a larger one was a server error there). A time without a zone stays so: it is
    in the site's time zone (_aware)."""
    if timezone.is_naive(moment):
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 at +01:00, or 9999-12-31 at -05:00
        raise PydanticCustomError("datetime_range", "Input should be a time between the years 1 and 9999") from None


Moment = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_in_utc)]


class WaveIn(Body):
    name: str
    opens_at: Moment
    closes_at: Moment


class WaveChange(Body):
    name: str | None = None
    opens_at: Moment | None = None
    closes_at: Moment | None = None


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


@api.get("/studies", response=list[StudyOut])
def studies(request: HttpRequest) -> Any:
    token = _token(request)
    return scoped(token.user, Study, SEE, within=token.organisation).prefetch_related("segments").order_by("pk")


@api.post("/studies", response={201: StudyOut, 400: Errors, 403: Message})
def study_create(request: HttpRequest, payload: StudyIn) -> Any:
    """A new study in the token's organisation, with its segments (the setup right)."""
    token = _token(request)
    if not scoped(token.user, Organisation, EDIT, within=token.organisation).exists():
        raise HttpError(403, _("Your role in this organisation does not allow setting up studies."))
    fields = payload.dict(exclude={"segments"})
    with transaction.atomic():
        created = Study(organisation=token.organisation, **fields)
        _save_valid(created)
        _replace_segments(created, payload.segments, by=Actor.token(token))
    return Status(201, created)


@api.patch("/studies/{study_id}", response={200: StudyOut, 400: Errors})
def study_change(request: HttpRequest, study_id: int, payload: StudyChange) -> Any:
    """Change the fields given (the setup right). The instrument cannot change once the
    study has responses."""
    found = _get(request, Study, EDIT, study_id)
    changes = payload.dict(exclude_unset=True)
    segments = changes.pop("segments", None)
    for text_field in ("instrument_file", "processes_file"):
        if text_field in changes and changes[text_field] is None:
            changes[text_field] = ""  # the column holds "" for no file, never null
    with transaction.atomic():
        for field, value in changes.items():
            setattr(found, field, value)
        _save_valid(found)
        if segments is not None:
            _replace_segments(found, payload.segments or [], by=Actor.token(_token(request)))
    return found


def _replace_segments(study: Study, given: list[SegmentIn], by: Actor) -> None:
    """The study's segments become ``given``, in that order; each validated as in the admin.
    A segment left out is deleted, and the audit log says so."""
    existing = {segment.key: segment for segment in study.segments.all()}
    keys = [segment.key for segment in given]
    for removed in study.segments.exclude(key__in=keys):
        record(Action.DELETE, study.organisation, by, removed)
        removed.delete()
    for position, segment in enumerate(given):
        # A key given twice: the second is a new segment, which its validation refuses.
        found = existing.pop(segment.key, None) or Segment(study=study, key=segment.key)
        found.name, found.values, found.position = segment.name, segment.values, position
        _save_valid(found, prefix=f"segments.{position}.")


@api.get("/studies/{study_id}", response=StudyOut)
def study(request: HttpRequest, study_id: int) -> Any:
    return _get(request, Study, SEE, study_id)


@api.post("/studies/{study_id}/waves", response={201: WaveOut, 400: Errors})
def wave_create(request: HttpRequest, study_id: int, payload: WaveIn) -> Any:
    """A new wave of the study (the setup right); a time without a zone is the site's."""
    found = _get(request, Study, EDIT, study_id)
    created = Wave(
        study=found, name=payload.name, opens_at=_aware(payload.opens_at), closes_at=_aware(payload.closes_at)
    )
    _save_valid(created)
    return Status(201, created)


@api.patch("/waves/{wave_id}", response={200: WaveOut, 400: Errors})
def wave_change(request: HttpRequest, wave_id: int, payload: WaveChange) -> Any:
    """Change the fields given (the setup right)."""
    found = _get(request, Wave, EDIT, wave_id)
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(found, field, _aware(value) if isinstance(value, datetime) else value)
    _save_valid(found)
    return found


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


class LinkIn(Body):
    audience: str = "customer"
    #: segment key -> the value every response through the link gets
    fixed_segments: dict[str, str] = {}


class LinkOut(Schema):
    id: int
    wave_id: int
    audience: str
    fixed_segments: dict[str, str]
    url: str
    created_at: datetime


def _link_out(request: HttpRequest, link: SurveyLink) -> dict[str, Any]:
    return {
        "id": link.pk,
        "wave_id": link.wave_id,
        "audience": link.audience,
        "fixed_segments": link.fixed_segments,
        "url": site_url(request) + reverse("survey-start", args=[link.key]),
        "created_at": link.created_at,
    }


@api.get("/waves/{wave_id}/links", response=list[LinkOut])
def wave_links(request: HttpRequest, wave_id: int) -> Any:
    """The wave's anonymous survey links, with their addresses, as the wave page lists them."""
    found = _get(request, Wave, SEE, wave_id)
    return [_link_out(request, link) for link in found.links.order_by("pk")]


@api.post("/waves/{wave_id}/links", response={201: LinkOut, 400: Errors})
def wave_link_create(request: HttpRequest, wave_id: int, payload: LinkIn) -> Any:
    """A new anonymous survey link for one audience (the setup right); the fixed segment
    values must be allowed values of the study's segments."""
    found = _get(request, Wave, EDIT, wave_id)
    link = SurveyLink(wave=found, audience=payload.audience, fixed_segments=payload.fixed_segments)
    _save_valid(link)
    return Status(201, _link_out(request, link))


class ItemOut(Schema):
    number: int
    reverse: bool
    #: section -> the column its answer goes in (expectation -> E1)
    columns: dict[str, str]
    #: section -> the statement, with the service filled in
    texts: dict[str, str]


class DimensionOut(Schema):
    key: str
    code: str
    name: str
    description: str
    importance_column: str | None
    items: list[ItemOut]


class ScaleOut(Schema):
    min: int
    max: int
    no_opinion: bool
    #: point -> its label, for the points that have one
    anchors: dict[str, str]


class FactorItemOut(Schema):
    number: int
    #: the column its answer goes in (TW1)
    column: str
    reverse: bool
    #: the statement, with the service filled in
    text: str


class FactorOut(Schema):
    key: str
    code: str
    #: the gap (1 to 4) the factor helps explain, if one
    gap: int | None
    group: str | None
    name: str
    description: str
    items: list[FactorItemOut]


class OpenQuestionOut(Schema):
    key: str
    #: the column its answer goes in (OPEN_IMPROVE)
    column: str
    text: str
    #: the longest answer taken, in characters; an empty answer is no answer
    max_length: int


class PageOut(Schema):
    #: the page's number in the survey's address (/s/<key>/<number>/), from 1
    number: int
    #: "dimension", "importance", "factors" or "open"
    kind: str
    #: on a dimension's page, its key
    dimension: str | None
    #: on a page of factor statements, the keys of its factors
    factors: list[str]
    #: on the open questions' page, their columns
    open_questions: list[str]
    #: the columns the page must have answered before the next (the open questions may stay empty)
    required: list[str]
    #: the lead-ins shown above its questions, with the service filled in
    prompts: list[str]


class SurveyOut(Schema):
    wave_id: int
    #: customer, manager or employee: whose questionnaire this is
    audience: str
    instrument_key: str
    language: str
    languages: list[str]
    sections: list[str]
    prompts: dict[str, str]
    scale: ScaleOut
    importance: bool
    dimensions: list[DimensionOut]
    #: the factor scales (managers, employees), in the instrument's order
    factors: list[FactorOut]
    open_questions: list[OpenQuestionOut]
    #: the pages in the order the survey shows them
    pages: list[PageOut]


@api.get("/waves/{wave_id}/survey", response={200: SurveyOut, 400: Errors})
def wave_survey(request: HttpRequest, wave_id: int, lang: str | None = None, audience: str = "customer") -> Any:
    """What the wave's survey asks ``audience`` (customer, manager or employee), page by page
    as the survey shows it, in ``lang`` (one of the study's languages; by default the
    request's language when the study has it, else the study's first)."""
    found = _get(request, Wave, SEE, wave_id)
    study = found.study
    if audience not in Audience.values:
        choices = ", ".join(Audience.values)
        raise InvalidInputError({"audience": [_("Choose one of: %(audiences)s.") % {"audiences": choices}]})
    problem = study.audience_problem(audience)
    if problem is not None:
        raise InvalidInputError({"audience": [problem]})
    if lang is None:
        lang = language() if language() in study.languages else study.languages[0]
    elif lang not in study.languages:
        raise InvalidInputError(
            {
                "lang": [
                    _("Choose one of the study's languages: %(languages)s.") % {"languages": ", ".join(study.languages)}
                ]
            }
        )
    instrument = study.instrument(audience)
    service = study.service_name
    scale = instrument.scale
    return {
        "wave_id": found.pk,
        "audience": audience,
        "instrument_key": instrument.key,
        "language": lang,
        "languages": study.languages,
        "sections": list(instrument.sections),
        "prompts": {section: prompt(instrument, section, lang, service) for section in instrument.prompts},
        "scale": {
            "min": scale.min,
            "max": scale.max,
            "no_opinion": scale.no_opinion,
            "anchors": {
                str(point): label
                for point in range(scale.min, scale.max + 1)
                if (label := scale.anchor(point, lang)) is not None
            },
        },
        "importance": instrument.importance,
        "dimensions": [
            {
                "key": dimension.key,
                "code": dimension.code,
                "name": pick(dimension.name, lang),
                "description": pick(dimension.description, lang),
                "importance_column": dimension.importance_column if instrument.importance else None,
                "items": [
                    {
                        "number": item.number,
                        "reverse": item.reverse,
                        "columns": {section: column(section, item) for section in instrument.sections},
                        "texts": {section: item.text(section, lang, service) for section in instrument.sections},
                    }
                    for item in instrument.items
                    if item.dimension == dimension.key
                ],
            }
            for dimension in instrument.dimensions
        ],
        "factors": [
            {
                "key": factor.key,
                "code": factor.code,
                "gap": factor.gap,
                "group": factor.group,
                "name": pick(factor.name, lang),
                "description": pick(factor.description, lang),
                "items": [
                    {
                        "number": item.number,
                        "column": item.column,
                        "reverse": item.reverse,
                        "text": item.text(lang, service),
                    }
                    for item in factor.items
                ],
            }
            for factor in instrument.factors
        ],
        "open_questions": [
            {
                "key": question.key,
                "column": question.column,
                "text": question.text(lang, service),
                "max_length": MAX_OPEN_ANSWER,
            }
            for question in instrument.open_questions
        ],
        "pages": [
            _page_out(instrument, number, key, lang, service) for number, key in enumerate(page_keys(instrument), 1)
        ],
    }


def _page_out(instrument: Instrument, number: int, page_key: str, lang: str, service: str) -> dict[str, Any]:
    """One page of the survey as servqual.web.surveys.pages shows it."""
    if page_key == IMPORTANCE_PAGE:
        kind = "importance"
    elif page_key.startswith(FACTORS_PAGE):
        kind = "factors"
    elif page_key == OPEN_PAGE:
        kind = "open"
    else:
        kind = "dimension"
    return {
        "number": number,
        "kind": kind,
        "dimension": page_key if kind == "dimension" else None,
        "factors": [factor.key for factor in factors_on(instrument, page_key)] if kind == "factors" else [],
        "open_questions": list(instrument.open_columns) if kind == "open" else [],
        "required": page_columns(instrument, page_key),
        "prompts": [prompt(instrument, key, lang, service) for key in page_prompts(instrument, page_key)],
    }


@api.get("/waves/{wave_id}/results", response={200: dict[str, Any], 409: Message})
def wave_results(request: HttpRequest, wave_id: int) -> Any:
    """The analysis of the wave's customer responses, as ``servqual analyze --json`` gives it."""
    found = _get(request, Wave, RESULTS, wave_id)
    analysis = wave_analysis(found)
    if analysis is None:
        return Status(409, {"detail": _too_few(found)})
    return without_nan(analysis.result.to_dict())


def without_nan(data: Any) -> Any:
    """``data`` with every undefined number (NaN, infinite) as None: JSON has no NaN, and a
    parser that keeps to the standard refuses it (docs/json-output.md: ``null``)."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {key: without_nan(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [without_nan(value) for value in data]
    return data


@api.get("/waves/{wave_id}/gaps", response={200: dict[str, Any], 409: Message})
def wave_gaps(request: HttpRequest, wave_id: int) -> Any:
    """The five gaps of the wave, as ``servqual analyze --managers M --employees E --json``
    gives them under ``gaps``: the customers' responses in the results beside the
    managers' and employees'. 409 below the customers' threshold, or while neither managers
    nor employees are in the results."""
    found = _get(request, Wave, RESULTS, wave_id)
    if wave_analysis(found) is None:
        return Status(409, {"detail": _too_few(found)})
    diagnosis = wave_diagnosis(found)
    if diagnosis is None:
        detail = _(
            "No managers or employees in the results yet: the five gaps are given once %(threshold)s of either "
            "have completed their survey."
        ) % {"threshold": found.study.anonymity_threshold}
        return Status(409, {"detail": detail})
    return without_nan(diagnosis.to_dict())


def _download(name: str) -> Callable[..., Any]:
    def view(request: HttpRequest, wave_id: int) -> Any:
        token = _token(request)
        found = _get(request, Wave, RESULTS, wave_id)
        raw_rows = may_see_raw_rows(token.user, found, within=token.organisation)
        body = download_file(found, name, language(), raw_rows=raw_rows, by=Actor.token(token))
        if body is None:
            return Status(409, {"detail": _too_few(found)})
        return download_response(found, name, body)

    return view


# The dashboard's downloads, by the same names and through the same code: the exports
# (.xlsx; .csv and .sav files zipped), raw rows only with the setup right, and the HTML report.
# The PDF report is made by a worker, as on the dashboard: its own endpoints below.
for _name, (_content_type, _export) in DOWNLOADS.items():
    if _name == "report.pdf":
        continue
    api.get(
        f"/waves/{{wave_id}}/{_name}",
        response={200: None, 409: Message},
        operation_id="wave_" + _name.replace(".", "_").replace("-", "_"),
        summary=f"The wave's {_name}, as the dashboard downloads it",
        description=(
            "The report in the request's language."
            if _export is None
            else "The item and dimension tables; the responses table (one raw row per respondent) "
            "only with the setup right, with the segment values of groups under the threshold left empty."
        ),
        openapi_extra={
            "responses": {
                200: {
                    "description": _name,
                    "content": {_content_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}},
                }
            }
        },
    )(_download(_name))


class Preparing(Schema):
    """202: the work is queued for a worker; ask ``url`` (also in Location) again later."""

    detail: str
    url: str


def _accepted(request: HttpRequest, detail: str, url: str) -> HttpResponse:
    """202 with where to look again (Location), and when (Retry-After, in seconds)."""
    response = api.create_response(request, {"detail": detail, "url": url}, status=202)
    response["Location"] = url
    response["Retry-After"] = str(POLL_SECONDS)
    return response


#: What a 202 answer's Retry-After asks a client to wait before it looks again.
POLL_SECONDS = 2

PDF_ANSWER = {
    "responses": {
        200: {
            "description": "report.pdf",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@api.get(
    "/waves/{wave_id}/report.pdf",
    response={200: None, 202: Preparing, 409: Message},
    operation_id="wave_report_pdf",
    summary="The wave's report.pdf, as the dashboard downloads it",
    openapi_extra=PDF_ANSWER,
)
def wave_report_pdf(request: HttpRequest, wave_id: int) -> Any:
    """The report in the request's language, made by a worker: 202 with its address
    (Location, ``url``) to ask until it is ready, then 200 with the PDF there. Each request
    here asks for a new report."""
    token = _token(request)
    found = _get(request, Wave, RESULTS, wave_id)
    if admit(found)["in_results"] < found.study.anonymity_threshold:
        return Status(409, {"detail": _too_few(found)})
    return _prepared_pdf(request, token, queue_report(found, language(), token.user))


@api.get(
    "/reports/{report_key}/report.pdf",
    response={200: None, 202: Preparing, 409: Message},
    summary="A report.pdf asked for at /api/waves/{wave_id}/report.pdf",
    openapi_extra=PDF_ANSWER,
    url_name="prepared_report_pdf",
)
def prepared_report_pdf(request: HttpRequest, report_key: str) -> Any:
    """The PDF once ready (200); 202 while it is being prepared; 409 when it could not be
    prepared (ask for a new one). Only for the token's user who asked for it."""
    token = _token(request)
    prepared = get_scoped_or_404(
        token.user, PreparedReport, RESULTS, within=token.organisation, key=report_key, created_by=token.user
    )
    return _prepared_pdf(request, token, prepared)


def _prepared_pdf(request: HttpRequest, token: ApiToken, prepared: PreparedReport) -> Any:
    wave = prepared.wave
    if prepared.ready_at is None:
        if failed(prepared):
            return Status(409, {"detail": _("The report could not be prepared. Ask for it again.")})
        url = reverse("api:prepared_report_pdf", kwargs={"report_key": prepared.key})
        return _accepted(request, _("The report is being prepared."), url)
    if not prepared.content:
        return Status(409, {"detail": _too_few(wave)})  # the responses went under the threshold meanwhile
    record(Action.DOWNLOAD, wave.study.organisation, Actor.token(token), wave, detail={"format": "report.pdf"})
    return download_response(wave, "report.pdf", bytes(prepared.content))


class ImportOut(Schema):
    key: str
    filename: str
    #: review (read, not confirmed), queued, saving, saved or failed (nothing saved; confirm again)
    state: str
    saved: bool
    rows_saved: int
    ready: bool = False
    error: str | None = None
    summary: list[str] = []
    unknown: dict[str, list[str]] = {}


@api.post("/waves/{wave_id}/imports", response={200: ImportOut, 400: Errors})
def wave_import(request: HttpRequest, wave_id: int, file: File[UploadedFile]) -> Any:
    """Upload a file of responses: nothing is saved yet; the answer is the file's validation
    summary. POST /api/imports/{key}/confirm then saves its rows."""
    token = _token(request)
    found = _get(request, Wave, EDIT, wave_id)
    form = UploadForm({}, MultiValueDict({"file": [file]}))
    if not form.is_valid():
        errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
        return Status(400, {"detail": _("The file cannot be imported."), "errors": errors})
    return _import_out(store_upload(found, token.user, form.cleaned_data["file"]))


@api.post("/imports/{key}/confirm", response={200: ImportOut, 202: ImportOut})
def import_confirm(request: HttpRequest, key: str) -> Any:
    """Save the rows of an upload, by a worker: 202 while they are queued or being saved
    (GET Location until ``state`` is saved), 200 once saved. A second confirm saves nothing
    twice; one after a failed save tries again."""
    token = _token(request)
    pending = confirm(_own_import(token, key), by=Actor.token(token))
    out = _import_out(pending)
    if out["state"] in (ImportState.QUEUED, ImportState.SAVING):
        response = api.create_response(request, out, status=202)
        response["Location"] = reverse("api:import_state", kwargs={"key": key})
        response["Retry-After"] = str(POLL_SECONDS)
        return response
    return out


@api.get("/imports/{key}", response=ImportOut, url_name="import_state")
def import_state_of(request: HttpRequest, key: str) -> Any:
    """An upload's state: its summary before the confirm, then queued, saving, saved or failed."""
    return _import_out(_own_import(_token(request), key))


def _own_import(token: ApiToken, key: str) -> ResponseImport:
    return get_scoped_or_404(
        token.user, ResponseImport, EDIT, within=token.organisation, key=key, created_by=token.user
    )


def _import_out(pending: ResponseImport) -> dict[str, Any]:
    state = import_state(pending)
    out: dict[str, Any] = {
        "key": pending.key,
        "filename": pending.filename,
        "state": state.value,
        "saved": pending.saved_at is not None,
        "rows_saved": pending.rows_saved,
    }
    if state in (ImportState.REVIEW, ImportState.FAILED):
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
