"""``/health/``: whether this server can answer requests, for a load balancer or a monitor.

It asks the database for one row: a server whose database is gone is not healthy, though its
process runs. No login, and nothing about the installation beyond "ok"; exempt from the HTTPS
redirect, so a load balancer may ask over plain HTTP inside the network (docs/deployment.md).
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
