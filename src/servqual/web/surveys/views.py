"""The respondent's survey: plain form posts, no JavaScript needed, answers saved per page.

An anonymous respondent is known by a random key in a cookie scoped to the link; the
database keeps only its hash. The final submit marks the one response row complete
inside a transaction that locks it, so a double click, a back-button resubmit or a retry
completes it once and changes nothing after.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servqual.i18n import pick
from servqual.web.surveys.forms import IMPORTANCE_PAGE, AnswersForm, ImportanceForm, page_keys
from servqual.web.surveys.models import Response, SurveyLink, key_hash, new_resume_key


def _link(key: str) -> SurveyLink:
    return get_object_or_404(SurveyLink.objects.select_related("wave__study"), key=key)


def _cookie_name(link: SurveyLink) -> str:
    return f"servqual_resume_{link.pk}"


def _current_response(request: HttpRequest, link: SurveyLink) -> Response | None:
    key = request.COOKIES.get(_cookie_name(link))
    if not key:
        return None
    return Response.objects.filter(link=link, resume_key_hash=key_hash(key)).first()


def _language(request: HttpRequest, link: SurveyLink, response: Response | None) -> str:
    """From the link (?lang=nl), else the language the respondent started in, else the
    browser's, else the study's first language."""
    languages = link.wave.study.languages
    for lang in (request.GET.get("lang"), response and response.language, request.LANGUAGE_CODE[:2]):
        if lang in languages:
            return lang
    return languages[0]


def _render(request: HttpRequest, lang: str, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    link: SurveyLink = context["link"]
    with translation.override(lang):
        response = render(
            request, template, {"languages": link.wave.study.languages, "lang": lang, **context}, status=status
        )
    response.headers["Content-Language"] = lang
    return response


def _start_response(link: SurveyLink, lang: str) -> tuple[Response, str]:
    key = new_resume_key()
    response = Response.objects.create(
        wave=link.wave,
        link=link,
        audience=link.audience,
        segments=dict(link.fixed_segments),
        language=lang,
        resume_key_hash=key_hash(key),
    )
    return response, key


def _with_cookie(http: HttpResponse, link: SurveyLink, key: str | None) -> HttpResponse:
    if key:
        lifetime = max(link.wave.closes_at - timezone.now(), timedelta(days=1))
        http.set_cookie(
            _cookie_name(link),
            key,
            max_age=int(lifetime.total_seconds()),
            path=reverse("survey-start", args=[link.key]),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return http


def _first_open_page(form_columns: list[list[str]], answers: dict[str, Any]) -> int | None:
    """The first page (1-based) with a question not answered yet, or None when all are."""
    for number, columns in enumerate(form_columns, start=1):
        if any(column not in answers for column in columns):
            return number
    return None


def _form(link: SurveyLink, page_key: str, lang: str, **kwargs: Any) -> AnswersForm | ImportanceForm:
    study = link.wave.study
    instrument = study.instrument()
    if page_key == IMPORTANCE_PAGE:
        return ImportanceForm(instrument=instrument, lang=lang, **kwargs)
    return AnswersForm(instrument=instrument, dimension=page_key, lang=lang, service=study.service_name, **kwargs)


def _visit(request: HttpRequest, key: str) -> tuple[SurveyLink, Response | None, str, HttpResponse | None]:
    """The link, the respondent's response so far and the language; and the page to show
    instead, if any (the wave is closed, the survey already sent). A ?lang= choice is kept."""
    link = _link(key)
    response = _current_response(request, link)
    lang = _language(request, link, response)
    if response and response.language != lang and request.GET.get("lang") == lang:
        Response.objects.filter(pk=response.pk).update(language=lang)
    if not link.wave.is_open():
        return link, response, lang, _render(request, lang, "surveys/closed.html", {"link": link}, status=410)
    if response and response.completed_at:
        return link, response, lang, redirect("survey-done", link.key)
    return link, response, lang, None


@require_http_methods(["GET", "POST"])
def survey_start(request: HttpRequest, key: str) -> HttpResponse:
    link, response, lang, instead = _visit(request, key)
    if instead:
        return instead
    if request.method == "POST":
        new_key = None
        if response is None:
            response, new_key = _start_response(link, lang)
        return _with_cookie(redirect("survey-page", link.key, _resume_page(link, response)), link, new_key)
    return _render(request, lang, "surveys/start.html", {"link": link, "response": response})


def _resume_page(link: SurveyLink, response: Response) -> int:
    instrument = link.wave.study.instrument()
    keys = page_keys(instrument)
    return _first_open_page(_page_columns(link, keys), response.answers) or len(keys)


def _page_columns(link: SurveyLink, keys: list[str]) -> list[list[str]]:
    """The answer columns of each page (the same in every language)."""
    return [list(_form(link, page_key, "en").fields) for page_key in keys]


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, key: str, page: int) -> HttpResponse:
    return _survey_page(request, key, page, csrf_failed=False)


def _survey_page(request: HttpRequest, key: str, page: int, *, csrf_failed: bool) -> HttpResponse:
    link, response, lang, instead = _visit(request, key)
    keys = page_keys(link.wave.study.instrument())
    if not 1 <= page <= len(keys):
        raise Http404
    if instead:
        return instead

    page_key = keys[page - 1]
    message = None
    if request.method == "POST" and csrf_failed:
        # Nothing is saved from an unverified post; the page comes back with what was chosen.
        form = _form(link, page_key, lang, data=request.POST)
        message = _("For your security this page was not saved yet. Your answers are still here: please send again.")
    elif request.method == "POST":
        form = _form(link, page_key, lang, data=request.POST)
        new_key = None
        going_back = "back" in request.POST
        if (going_back or form.is_valid()) and response is None:
            # The cookie is gone (expired, cleared): start again rather than lose these answers.
            response, new_key = _start_response(link, lang)
        if going_back:
            _save(response, form.valid_answers(), complete=False)
            return _with_cookie(redirect("survey-page", link.key, max(page - 1, 1)), link, new_key)
        if form.is_valid():
            final = page == len(keys)
            answers = {**response.answers, **form.answers()}
            open_page = _first_open_page(_page_columns(link, keys), answers)
            if final and open_page is not None and open_page != page:
                _save(response, form.answers(), complete=False)
                return _with_cookie(redirect("survey-page", link.key, open_page), link, new_key)
            _save(response, form.answers(), complete=final)
            target = redirect("survey-done", link.key) if final else redirect("survey-page", link.key, page + 1)
            return _with_cookie(target, link, new_key)
    else:
        if response is None and page > 1:
            return redirect("survey-start", link.key)
        form = _form(link, page_key, lang)
        form.initial = form.initial_from(response.answers if response else {})

    context = {
        "link": link,
        "form": form,
        "page": page,
        "pages": len(keys),
        "final": page == len(keys),
        "importance": page_key == IMPORTANCE_PAGE,
        "prompts": _prompts(link, page_key, lang),
        "message": message,
        "csrf_failed": csrf_failed,
    }
    return _render(request, lang, "surveys/page.html", context, status=403 if csrf_failed else 200)


def _prompts(link: SurveyLink, page_key: str, lang: str) -> list[str]:
    study = link.wave.study
    instrument = study.instrument()
    sections = [IMPORTANCE_PAGE] if page_key == IMPORTANCE_PAGE else list(instrument.sections)
    return [
        pick(instrument.prompts[section], lang).replace("{service}", study.service_name)
        for section in sections
        if section in instrument.prompts
    ]


def _save(response: Response, answers: dict[str, Any], *, complete: bool) -> bool:
    """Store a page's answers; with ``complete``, mark the response complete. False when it
    already was (a replay): nothing changes then."""
    with transaction.atomic():
        current = Response.objects.select_for_update().get(pk=response.pk)
        if current.completed_at is not None:
            return False
        current.answers = {**current.answers, **answers}
        if complete:
            current.completed_at = timezone.now()
        current.save(update_fields=["answers", "completed_at"])
        return True


def survey_done(request: HttpRequest, key: str) -> HttpResponse:
    link = _link(key)
    response = _current_response(request, link)
    return _render(request, _language(request, link, response), "surveys/done.html", {"link": link})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A survey page whose CSRF check failed (an old tab, cookies cleared) comes back with
    the answers just posted; anywhere else, a short explanation."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match and match.url_name == "survey-page":
        try:
            return _survey_page(request, csrf_failed=True, **match.kwargs)
        except Http404:
            pass
    return render(request, "403_csrf.html", status=403)
