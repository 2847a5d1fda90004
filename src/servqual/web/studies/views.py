"""Pages for the organisation's people: their studies, waves and response counts.

Every object comes through servqual.web.accounts.tenancy, so nothing of another
organisation resolves.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from servqual.web.accounts.models import EDIT, PRIVACY, RESULTS, Organisation
from servqual.web.accounts.tenancy import get_scoped_or_404, has_right, scoped
from servqual.web.distribution.rates import response_rates
from servqual.web.studies.counts import response_counts
from servqual.web.studies.forms import LinkForm, WaveForm
from servqual.web.studies.models import Study, Wave


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organisations = scoped(request.user, Organisation).prefetch_related("studies")
    can_edit = scoped(request.user, Organisation, EDIT).exists()
    owned = set(scoped(request.user, Organisation, PRIVACY).values_list("pk", flat=True))
    context = {"organisations": organisations, "can_edit": can_edit, "owned": owned}
    return render(request, "studies/home.html", context)


@login_required
def study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    study = get_scoped_or_404(request.user, Study, pk=study_id)
    context = {"study": study, "waves": study.waves.all(), "can_edit": has_right(request.user, study, EDIT)}
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
    context = {
        "wave": wave,
        "study": wave.study,
        "audiences": response_counts(wave),
        "links": wave.links.all(),
        "invitations": response_rates(wave),
        "can_edit": has_right(request.user, wave, EDIT),
        "may_see_results": has_right(request.user, wave, RESULTS),
    }
    return render(request, "studies/wave.html", context)
