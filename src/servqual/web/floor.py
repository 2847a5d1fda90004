"""The floor of benchmarks/bench_survey.py: a bare view that inserts one row, served by the
same processes, middleware and database as the survey. What a survey request costs beyond
it is the survey's own work. Routed only with settings.BENCHMARK_FLOOR (never in production)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from servqual.web.surveys.models import Response


def insert_one_row(request: HttpRequest, wave_id: int) -> HttpResponse:
    Response.objects.create(wave_id=wave_id, language="en")
    return HttpResponse("inserted\n", content_type="text/plain")
