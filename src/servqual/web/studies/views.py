"""Pages for the organisation's people: their studies, waves and response counts.

Every object comes through servqual.web.accounts.tenancy, so nothing of another
organisation resolves.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from servqual.i18n import pick
from servqual.report.charts import counts_by_day
from servqual.web.accounts.models import EDIT, PRIVACY, RESULTS, Organisation
from servqual.web.accounts.tenancy import get_scoped_or_404, has_right, scoped
from servqual.web.distribution.rates import response_rates
from servqual.web.languages import language
from servqual.web.studies.counts import completed_by_day, response_counts, wave_summaries
from servqual.web.studies.forms import LinkForm, SegmentValuesForm, StudySettingsForm, WaveEditForm, WaveForm
from servqual.web.studies.links import QR_TYPES, qr_code
from servqual.web.studies.models import Study, Wave, default_processes_text


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
    lang = language()
    processes = [
        (pick(p.names, lang), pick(p.owner, lang) if p.owner else "", len(p.items), len(p.factors))
        for p in study.processes()
    ]
    context = {
        "study": study,
        "waves": wave_summaries(study),
        "can_edit": has_right(request.user, study, EDIT),
        "may_see_results": has_right(request.user, study, RESULTS),
        "processes": processes,
        "default_processes": not study.processes_file,
    }
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
    days = completed_by_day(wave)
    context = {
        "wave": wave,
        "over_time": mark_safe(  # the chart module escapes every text it places
            counts_by_day(
                [(date_format(day, "SHORT_DATE_FORMAT"), n) for day, n in days],
                title=_("Completed responses per day"),
                axis=_("Completed responses per day"),
            )
        )
        if days
        else None,
        "study": wave.study,
        "audiences": response_counts(wave),
        "links": [
            (link, request.build_absolute_uri(reverse("survey-start", args=[link.key]))) for link in wave.links.all()
        ],
        "invitations": response_rates(wave),
        "can_edit": has_right(request.user, wave, EDIT),
        "may_see_results": has_right(request.user, wave, RESULTS),
    }
    return render(request, "studies/wave.html", context)


@login_required
def link_qr(request: HttpRequest, wave_id: int, link_id: int, kind: str) -> HttpResponse:
    """The QR code of a survey link, as SVG or PNG, for posters and desks: whoever sees the
    wave page (where the link is) may have it."""
    wave = get_scoped_or_404(request.user, Wave, pk=wave_id)
    link = get_object_or_404(wave.links, pk=link_id)
    if kind not in QR_TYPES:
        raise Http404
    address = request.build_absolute_uri(reverse("survey-start", args=[link.key]))
    return HttpResponse(qr_code(address, kind), content_type=QR_TYPES[kind])


@login_required
def study_edit(request: HttpRequest, study_id: int) -> HttpResponse:
    """Change a study's names, languages, threshold, retention and segment values; the
    instrument stays (the answers belong to its items)."""
    study = get_scoped_or_404(request.user, Study, EDIT, pk=study_id)
    data = request.POST if request.method == "POST" else None
    form = StudySettingsForm(data, instance=study)
    segments = [SegmentValuesForm(data, segment=s, prefix=f"segment-{s.pk}") for s in study.segments.all()]
    if data is not None and form.is_valid() and all(f.is_valid() for f in segments):
        with transaction.atomic():
            form.save()
            for segment_form in segments:
                segment_form.save()
        messages.success(request, _("The study is saved."))
        return redirect("study", study.pk)
    context = {
        "study": study,
        "form": form,
        "segments": segments,
        "instrument_name": pick(study.instrument().name, language()),
        "default_processes": default_processes_text(),
    }
    return render(request, "studies/study_edit.html", context)


@login_required
def wave_edit(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Rename a wave, extend it, or close it now."""
    wave = get_scoped_or_404(request.user, Wave, EDIT, pk=wave_id)
    if request.method == "POST" and "close_now" in request.POST:
        now = timezone.now().replace(second=0, microsecond=0)
        wave.opens_at, wave.closes_at = min(wave.opens_at, now), now
        wave.full_clean()
        wave.save()
        messages.success(request, _("The wave is saved."))
        return redirect("wave", wave.pk)
    form = WaveEditForm(request.POST or None, instance=wave)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The wave is saved."))
        return redirect("wave", wave.pk)
    return render(request, "studies/wave_edit.html", {"wave": wave, "study": wave.study, "form": form})
