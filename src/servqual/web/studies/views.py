"""Pages for the organisation's people: their studies, waves and response counts.

Every object comes through servqual.web.accounts.tenancy, so nothing of another
organisation resolves.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from servqual.analysis import suppressed_groups
from servqual.web.accounts.models import EDIT, RESULTS, Organisation
from servqual.web.accounts.tenancy import get_scoped_or_404, scoped
from servqual.web.distribution.rates import response_rates
from servqual.web.studies.forms import LinkForm, WaveForm
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import Audience


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organisations = scoped(request.user, Organisation).prefetch_related("studies")
    can_edit = scoped(request.user, Organisation, EDIT).exists()
    return render(request, "studies/home.html", {"organisations": organisations, "can_edit": can_edit})


@login_required
def study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    study = get_scoped_or_404(request.user, Study, pk=study_id)
    context = {"study": study, "waves": study.waves.all()}
    context["can_edit"] = scoped(request.user, Study, EDIT).filter(pk=study.pk).exists()
    return render(request, "studies/study.html", context)


@login_required
def wave_new(request: HttpRequest, study_id: int) -> HttpResponse:
    study = get_scoped_or_404(request.user, Study, EDIT, pk=study_id)
    form = WaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect("wave", form.save_for(study).pk)
    return render(request, "studies/wave_new.html", {"study": study, "form": form})


@login_required
def link_new(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    form = LinkForm(request.POST or None, wave=wave)
    if request.method == "POST" and form.is_valid():
        form.cleaned_data["link"].save()
        return redirect("wave", wave.pk)
    return render(request, "studies/link_new.html", {"wave": wave, "study": wave.study, "form": form})


@login_required
def wave_detail(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = get_scoped_or_404(request.user, Wave, pk=wave_id)
    study = wave.study
    audiences = response_counts(wave)
    links = wave.links.all()
    context = {"wave": wave, "study": study, "audiences": audiences, "links": links}
    context["invitations"] = response_rates(wave)
    context["can_edit"] = scoped(request.user, Wave, EDIT).filter(pk=wave.pk).exists()
    context["may_see_results"] = scoped(request.user, Wave, RESULTS).filter(pk=wave.pk).exists()
    return render(request, "studies/wave.html", context)


def response_counts(wave: Wave) -> list[dict[str, Any]]:
    """Per audience that started the survey: started and completed responses, and the
    completed ones per segment value, with no number for groups under the threshold."""
    study = wave.study
    audiences = []
    for audience in Audience:
        responses = wave.responses.filter(audience=audience)
        started = responses.count()
        if not started:
            continue
        completed = list(responses.filter(completed_at__isnull=False).values_list("segments", flat=True))
        audiences.append(
            {
                "audience": audience.value,
                "name": audience.label,
                "started": started,
                "completed": len(completed),
                "segments": [
                    _segment_counts(segment, completed, study.anonymity_threshold) for segment in study.segments.all()
                ],
            }
        )
    return audiences


def _segment_counts(segment: Any, completed: list[dict[str, str]], threshold: int) -> dict[str, Any]:
    """Completed responses per allowed value; groups under the threshold (and any that
    would give them away by subtraction from the total) show no number."""
    sizes = Counter(values.get(segment.key) for values in completed)
    counts = {value: sizes.get(value, 0) for value in segment.values}
    if None in sizes:
        counts[None] = sizes[None]
    hidden = suppressed_groups({v: n for v, n in counts.items() if n}, threshold)
    rows = [{"value": value, "count": None if value in hidden else n} for value, n in counts.items() if n]
    return {"key": segment.key, "name": segment.name, "rows": rows}
