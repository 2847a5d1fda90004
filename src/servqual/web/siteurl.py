"""The site's address in links handed out: e-mailed invitations, the API's survey links."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site_url(request: HttpRequest) -> str:
    """SITE_URL when set (the address respondents reach, e.g. behind a proxy), else the
    scheme and host the request came in on; without a trailing slash."""
    return settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")
