"""servqual's URLs and /s/<key>/fails/, a page that raises (settings_with_failing_page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from servqual.web.urls import urlpatterns as servqual_urls


@csrf_exempt
def fails(request: HttpRequest, key: str) -> HttpResponse:
    raise RuntimeError(f"a failure on {request.path}")  # the message names the key too


urlpatterns = [path("s/<str:key>/fails/", fails), *servqual_urls]
