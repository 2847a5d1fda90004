"""The language of a page: the interface's for the organisation's people, or the one a
respondent reads the survey in, whatever the browser asks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from servqual.i18n import LANGUAGES


def language() -> str:
    """The request's language (Django's: the browser's, or the one chosen in the language
    switch) as a language of servqual's texts; English for any other."""
    lang = (translation.get_language() or "en")[:2]
    return lang if lang in LANGUAGES else "en"


def render_in(
    request: HttpRequest, lang: str, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """``template`` rendered in ``lang`` (a respondent's, one of the study's languages),
    with the Content-Language header that says so."""
    with translation.override(lang):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = lang
    return response
