"""Rate limits on the respondent's doors: anonymous links (``/s/<key>/``) and personal
invitations (``/i/<token>/``), counted per client address (settings
SURVEY_LOOKUP_FAILURES_PER_ADDRESS and SURVEY_POSTS_PER_ADDRESS).

Both are checked before the view runs, so a refused request has saved nothing: a page sent
while its address waits comes back as a page that holds the answers, to be sent again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from servqual.i18n import LANGUAGES
from servqual.web.accounts.limits import AttemptLimit, client_address
from servqual.web.languages import language, render_in

#: How long unknown keys are counted, and how long an address that reached the limit waits.
LOOKUP_WINDOW = 15 * 60
#: How long survey pages sent are counted.
POSTS_WINDOW = 60

ModelT = TypeVar("ModelT", bound=Model)


class UnknownKeyError(Http404):
    """A survey key or invitation token that names nothing: a 404, counted for the address."""


def lookup_failures() -> AttemptLimit:
    """Unknown keys and tokens from one address (read at each request, so the setting holds)."""
    return AttemptLimit("survey-lookup-failures", settings.SURVEY_LOOKUP_FAILURES_PER_ADDRESS, LOOKUP_WINDOW)


def survey_posts() -> AttemptLimit:
    """Survey pages sent (POSTs to a start page or a page) from one address."""
    return AttemptLimit("survey-posts", settings.SURVEY_POSTS_PER_ADDRESS, POSTS_WINDOW)


def get_by_secret(queryset: QuerySet[ModelT], **lookup: Any) -> ModelT:
    """The one object the secret names; UnknownKeyError (a 404) when there is none."""
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist:
        raise UnknownKeyError from None


def limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A survey view behind both limits: unknown keys (see lookups_limited), and POSTs over
    the pages allowed per minute from the address wait (429), before anything is saved."""
    return _limited(view, count_posts=True)


def lookups_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view reached by a survey key or invitation token: an address that sent too many
    unknown ones waits (429) for every such request, known keys too, or the limit would not
    bound guessing."""
    return _limited(view, count_posts=False)


def _limited(view: Callable[..., HttpResponse], *, count_posts: bool) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def limited_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = client_address(request)
        if lookup_failures().reached(address):
            return _wait(request, lookup_failures().seconds_left(address), count_posts)
        # A page shown again after a failed CSRF check (surveys.views.csrf_failure) saves
        # nothing and was counted when it came in.
        if count_posts and request.method == "POST" and not getattr(request, "servqual_csrf_failed", False):
            posts = survey_posts()
            if posts.count(address) > posts.attempts:
                return _wait(request, posts.seconds_left(address), count_posts)
        try:
            return view(request, *args, **kwargs)
        except UnknownKeyError:
            lookup_failures().count(address)
            raise

    return limited_view


def _wait(request: HttpRequest, seconds: int, answers: bool) -> HttpResponse:
    """429 in the respondent's language (the link's ?lang=, else the browser's): wait and
    try again. A survey page that was sent (``answers``) comes back as a form with its answers, unsaved, to be
    sent again with one press once the time is up, without JavaScript."""
    asked = request.GET.get("lang")
    lang = asked if asked in LANGUAGES else language()
    sent = [(name, value) for name, values in request.POST.lists() for value in values]
    context = {"minutes": -(-seconds // 60), "sent": sent if answers and request.method == "POST" else None}
    response = render_in(request, lang, "surveys/wait.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
