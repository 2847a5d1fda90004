"""The respondent's survey through an anonymous link (``/s/<key>/``): the respondent is
known by a random key in a cookie scoped to the link (the database keeps only its hash).

The pages themselves are servqual.web.surveys.pages, shared with the personal
invitations (``/i/<token>/``, servqual.web.distribution), which come in through a door of
their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from servqual.web.keys import key_hash
from servqual.web.studies.models import Wave
from servqual.web.surveys import pages
from servqual.web.surveys.limits import get_by_secret, limited
from servqual.web.surveys.models import Response, SurveyLink, new_resume_key

#: What new_resume_key makes: 32 random bytes, URL-safe base64 without padding.
RESUME_KEY = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass
class LinkDoor:
    """An anonymous survey link: the respondent is known by a cookie for this link alone.

    The start page's form carries a fresh resume key (``start``, made by
    servqual.web.surveys.pages.start). Posted, it becomes the new response's key: so a second
    click on "Start", sent before the answer to the first set the cookie, finds the response
    the first made and resumes it, without JavaScript."""

    link: SurveyLink
    #: the resume key the start form posted, if it looks like one of ours
    start_key: str | None = None
    #: whether the response was found by ``start_key`` rather than by the cookie
    resumed_by_start_key: bool = False
    url_prefix = "survey"
    language = None

    @property
    def wave(self) -> Wave:
        return self.link.wave

    @property
    def audience(self) -> str:
        return self.link.audience

    @property
    def key(self) -> str:
        return self.link.key

    def cookie_name(self) -> str:
        return f"servqual_resume_{self.link.pk}"

    def current_response(self, request: HttpRequest) -> Response | None:
        key = request.COOKIES.get(self.cookie_name())
        if key:
            return Response.objects.filter(link=self.link, resume_key_hash=key_hash(key)).first()
        if not self.start_key:
            return None
        found = Response.objects.filter(link=self.link, resume_key_hash=key_hash(self.start_key)).first()
        if found:
            # The browser may have dropped the first click's answer and its cookie: set it again.
            self.resumed_by_start_key = True
        return found

    def start_response(self, lang: str) -> tuple[Response, str | None]:
        key = self.start_key or new_resume_key()
        try:
            return self._create(lang, key), key
        except IntegrityError:
            # A click sent at the same moment made it first (the hash is unique): go on with that one.
            found = Response.objects.filter(link=self.link, resume_key_hash=key_hash(key)).first()
            if found is not None:
                return found, key
        key = new_resume_key()  # the key is another link's: this link gets a response of its own
        return self._create(lang, key), key

    def _create(self, lang: str, key: str) -> Response:
        with transaction.atomic():
            return Response.objects.create(
                wave=self.link.wave,
                link=self.link,
                audience=self.link.audience,
                segments=dict(self.link.fixed_segments),
                language=lang,
                resume_key_hash=key_hash(key),
            )

    def with_cookie(self, http: HttpResponse, key: str | None) -> HttpResponse:
        if key is None and self.resumed_by_start_key:
            key = self.start_key
        if key:
            lifetime = max(self.link.wave.closes_at - timezone.now(), timedelta(days=1))
            http.set_cookie(
                self.cookie_name(),
                key,
                max_age=int(lifetime.total_seconds()),
                path=reverse("survey-start", args=[self.link.key]),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return http


def _link_door(key: str, start_key: str | None = None) -> LinkDoor:
    if start_key is not None and not RESUME_KEY.fullmatch(start_key):
        start_key = None  # not one the start page made: a new key instead
    return LinkDoor(get_by_secret(SurveyLink.objects.select_related("wave__study__organisation"), key=key), start_key)


# The start page holds the resume key its form will post: no cache may keep it.
@never_cache
@require_http_methods(["GET", "POST"])
@limited
def survey_start(request: HttpRequest, key: str) -> HttpResponse:
    return pages.start(request, _link_door(key, request.POST.get("start") if request.method == "POST" else None))


@require_http_methods(["GET", "POST"])
@limited
def survey_page(request: HttpRequest, key: str, page: int) -> HttpResponse:
    return pages.page_view(request, _link_door(key), page)


@limited
def survey_done(request: HttpRequest, key: str) -> HttpResponse:
    return pages.done(request, _link_door(key))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A survey page whose CSRF check failed (an old tab, cookies cleared) comes back with
    the answers just posted; anywhere else, a short explanation."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match and match.url_name in ("survey-page", "invitation-page"):
        request.servqual_csrf_failed = True  # type: ignore[attr-defined]
        try:
            return match.func(request, *match.args, **match.kwargs)
        except Http404:
            pass
    return render(request, "403_csrf.html", status=403)
