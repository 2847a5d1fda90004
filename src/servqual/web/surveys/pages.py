"""The respondent's pages: start, one page of answers per dimension, then (as the
instrument of the door's audience has them) the importance split, the factor statements and
the open questions; done.

Plain form posts, no JavaScript needed, answers saved per page. A respondent comes in
through a door: an anonymous link (servqual.web.surveys.views) or a personal invitation
(servqual.web.distribution.views); each door's views call the pages here with it. The
final submit marks the one response row complete inside a transaction that locks it, so a
double click, a back-button resubmit or a retry completes it once and changes nothing after.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from servqual.instruments import Instrument
from servqual.web.accounts.branding import brand_css_url, shown_logo
from servqual.web.languages import render_in
from servqual.web.studies.models import Wave
from servqual.web.surveys.forms import (
    FACTORS_PAGE,
    IMPORTANCE_PAGE,
    MAX_OPEN_ANSWER,
    OPEN_PAGE,
    AnswersForm,
    FactorsForm,
    ImportanceForm,
    OpenForm,
    factors_on,
    page_columns,
    page_keys,
    page_prompts,
    prompt,
)
from servqual.web.surveys.models import Response, new_resume_key


class Door(Protocol):
    """How a respondent came in: what the survey pages need to know of it."""

    @property
    def wave(self) -> Wave:
        """The wave, with its study and the study's organisation selected."""
        ...

    @property
    def audience(self) -> str: ...

    @property
    def url_prefix(self) -> str:
        """The URL names' prefix: "survey" (survey-start, survey-page, survey-done) or "invitation"."""
        ...

    @property
    def key(self) -> str:
        """The key in the URL: a link's key or an invitation's token."""
        ...

    @property
    def language(self) -> str | None:
        """A language to prefer over the browser's (the invitee's), or None."""
        ...

    def current_response(self, request: HttpRequest) -> Response | None: ...

    def start_response(self, lang: str) -> tuple[Response, str | None]:
        """A new response, and a resume key to give the browser in a cookie (or None)."""
        ...

    def with_cookie(self, http: HttpResponse, key: str | None) -> HttpResponse: ...


def _language(request: HttpRequest, door: Door, response: Response | None) -> str:
    """From the link (?lang=nl), else the language the respondent started in, else the
    invitee's, else the browser's, else the study's first language."""
    languages = door.wave.study.languages
    candidates = (
        request.GET.get("lang"),
        response.language if response else None,
        door.language,
        request.LANGUAGE_CODE[:2],
    )
    for lang in candidates:
        if lang and lang in languages:
            return lang
    return languages[0]


def _render(request: HttpRequest, lang: str, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    door: Door = context["door"]
    study = door.wave.study
    organisation = study.organisation
    context = {
        "languages": study.languages,
        "lang": lang,
        "study": study,
        "organisation": organisation,
        "logo": shown_logo(organisation),
        "brand_css": brand_css_url(organisation),
        **context,
    }
    return render_in(request, lang, template, context, status=status)


def _redirect(door: Door, name: str, *args: Any) -> HttpResponse:
    return redirect(f"{door.url_prefix}-{name}", door.key, *args)


def _first_open_page(form_columns: list[list[str]], answers: dict[str, Any]) -> int | None:
    """The first page (1-based) with a question not answered yet, or None when all are."""
    for number, columns in enumerate(form_columns, start=1):
        if any(column not in answers for column in columns):
            return number
    return None


def _instrument(door: Door) -> Instrument:
    """The questionnaire of the door's audience."""
    return door.wave.study.instrument(door.audience)


def _form(door: Door, page_key: str, lang: str, **kwargs: Any) -> AnswersForm | FactorsForm | ImportanceForm | OpenForm:
    instrument = _instrument(door)
    service = door.wave.study.service_name
    if page_key == IMPORTANCE_PAGE:
        return ImportanceForm(instrument=instrument, lang=lang, **kwargs)
    if page_key.startswith(FACTORS_PAGE):
        factors = factors_on(instrument, page_key)
        return FactorsForm(instrument=instrument, factors=factors, lang=lang, service=service, **kwargs)
    if page_key == OPEN_PAGE:
        return OpenForm(instrument=instrument, lang=lang, service=service, **kwargs)
    return AnswersForm(instrument=instrument, dimension=page_key, lang=lang, service=service, **kwargs)


def _visit(request: HttpRequest, door: Door) -> tuple[Response | None, str, HttpResponse | None]:
    """The respondent's response so far and the language; and the page to show instead,
    if any (the study cannot survey the audience, the wave is closed, the survey already
    sent). A ?lang= choice is kept."""
    response = door.current_response(request)
    lang = _language(request, door, response)
    if response and response.language != lang and request.GET.get("lang") == lang:
        Response.objects.filter(pk=response.pk).update(language=lang)
    if door.audience != "customer" and door.wave.study.audience_problem(door.audience) is not None:
        # A link or invitation made before the study's questionnaire changed to one with other items.
        return response, lang, _render(request, lang, "surveys/not_available.html", {"door": door})
    if not door.wave.is_open():
        return response, lang, _render(request, lang, "surveys/closed.html", {"door": door}, status=410)
    if response and response.completed_at:
        return response, lang, _redirect(door, "done")
    return response, lang, None


def start(request: HttpRequest, door: Door) -> HttpResponse:
    response, lang, instead = _visit(request, door)
    if instead:
        return instead
    if request.method == "POST":
        new_key = None
        if response is None:
            response, new_key = door.start_response(lang)
        return door.with_cookie(_redirect(door, "page", _resume_page(door, response)), new_key)
    # A fresh resume key in the form: a door that keeps responses by such a key (an anonymous
    # link) makes the response under it, so a double-clicked Start finds the first click's.
    start_key = None if response else new_resume_key()
    return _render(request, lang, "surveys/start.html", {"door": door, "response": response, "start_key": start_key})


def _resume_page(door: Door, response: Response) -> int:
    keys = page_keys(_instrument(door))
    return _first_open_page(_page_columns(door, keys), response.answers) or len(keys)


def _page_columns(door: Door, keys: list[str]) -> list[list[str]]:
    """The answer columns of each page."""
    instrument = _instrument(door)
    return [page_columns(instrument, page_key) for page_key in keys]


def page_view(request: HttpRequest, door: Door, page: int) -> HttpResponse:
    # csrf_failure() in servqual.web.surveys.views sets this when it shows the page again
    # after a failed check.
    csrf_failed = getattr(request, "servqual_csrf_failed", False)
    response, lang, instead = _visit(request, door)
    keys = page_keys(_instrument(door))
    if not 1 <= page <= len(keys):
        raise Http404
    if instead:
        return instead

    page_key = keys[page - 1]
    message = None
    if request.method == "POST" and csrf_failed:
        # Nothing is saved from an unverified post; the page comes back with what was chosen.
        form = _form(door, page_key, lang, data=request.POST)
        message = _("For your security this page was not saved yet. Your answers are still here: please send again.")
    elif request.method == "POST":
        form = _form(door, page_key, lang, data=request.POST)
        going_back = "back" in request.POST
        if going_back or form.is_valid():
            new_key = None
            if response is None:
                # The cookie is gone (expired, cleared): start again rather than lose these answers.
                response, new_key = door.start_response(lang)
            # A response completed meanwhile (another device or tab) takes nothing more: then
            # the thank-you page, as for a post after completion, not "saved, next page".
            if going_back:
                saved = _save(response, form.valid_answers(), form.valid_open_answers(), complete=False)
                target = _redirect(door, "page", max(page - 1, 1)) if saved else _redirect(door, "done")
                return door.with_cookie(target, new_key)
            final = page == len(keys)
            answers = {**response.answers, **form.answers()}
            open_page = _first_open_page(_page_columns(door, keys), answers)
            if final and open_page is not None and open_page != page:
                saved = _save(response, form.answers(), form.open_answers(), complete=False)
                target = _redirect(door, "page", open_page) if saved else _redirect(door, "done")
                return door.with_cookie(target, new_key)
            saved = _save(response, form.answers(), form.open_answers(), complete=final)
            target = _redirect(door, "done") if final or not saved else _redirect(door, "page", page + 1)
            return door.with_cookie(target, new_key)
    else:
        if response is None and page > 1:
            return _redirect(door, "start")
        form = _form(door, page_key, lang)
        if response is None:
            form.initial = {}
        else:
            form.initial = form.initial_from(response.open_answers if isinstance(form, OpenForm) else response.answers)

    context = {
        "door": door,
        "form": form,
        "page": page,
        "pages": len(keys),
        "final": page == len(keys),
        "importance": page_key == IMPORTANCE_PAGE,
        "factors": page_key.startswith(FACTORS_PAGE),
        "open": page_key == OPEN_PAGE,
        "audience": door.audience,
        "max_open_answer": MAX_OPEN_ANSWER,
        "prompts": _prompts(door, page_key, lang),
        # said in full where a part of the survey starts; after that one tap away
        "prompts_in_full": page == 1 or page_key in (IMPORTANCE_PAGE, OPEN_PAGE, f"{FACTORS_PAGE}1"),
        "message": message,
        "csrf_failed": csrf_failed,
    }
    return _render(request, lang, "surveys/page.html", context, status=403 if csrf_failed else 200)


def _prompts(door: Door, page_key: str, lang: str) -> list[str]:
    instrument = _instrument(door)
    return [prompt(instrument, key, lang, door.wave.study.service_name) for key in page_prompts(instrument, page_key)]


def _save(response: Response, answers: dict[str, Any], open_answers: dict[str, str], *, complete: bool) -> bool:
    """Store a page's answers and answers in own words (an empty text takes an earlier one
    away); with ``complete``, mark the response complete. Once it is complete nothing
    changes: a replay (a double click, a resubmit) stores nothing, and False says so (the
    response may have completed after the caller looked at it)."""
    with transaction.atomic():
        current = Response.objects.select_for_update().get(pk=response.pk)
        if current.completed_at is not None:
            return False
        current.answers = {**current.answers, **answers}
        fields = ["answers", "completed_at"]
        if open_answers:
            given = {**current.open_answers, **open_answers}
            current.open_answers = {column: text for column, text in given.items() if text}
            fields.append("open_answers")
        if complete:
            current.completed_at = timezone.now()
        current.save(update_fields=fields)
    return True


def done(request: HttpRequest, door: Door) -> HttpResponse:
    response = door.current_response(request)
    return _render(request, _language(request, door, response), "surveys/done.html", {"door": door})
