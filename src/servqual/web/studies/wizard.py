"""The wizard that sets up a study in four steps: the study, its instrument, its segments
and its first wave (with the customers' survey link).

django-formtools keeps the steps' answers in the session and an uploaded instrument file
in a folder of its own until the last step; then every step is validated once more and
everything is saved in one transaction, or nothing is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from formtools.wizard.views import SessionWizardView

from servqual.web.accounts.models import EDIT, Organisation
from servqual.web.accounts.tenancy import scoped
from servqual.web.studies.forms import InstrumentForm, SegmentFormSet, StudyForm, WaveForm
from servqual.web.studies.models import Segment

UPLOADS = Path(settings.DATA_DIR) / "wizard-uploads"
#: An instrument file of a wizard nobody finished is deleted after this many seconds.
KEEP_UPLOAD_SECONDS = 24 * 3600

STEPS = {
    "study": (
        _("The study"),
        _("Which service you measure, for which organisation, and in which languages the survey is offered."),
    ),
    "instrument": (
        _("The questionnaire"),
        _("The standard SERVQUAL questionnaire suits most services; the documentation explains the others."),
    ),
    "segments": (
        _("Segments"),
        _(
            "Groups to compare, such as branch or channel. Survey links and invitations can fix a"
            " respondent's segment values. Leave the rows empty if you compare no groups."
        ),
    ),
    "wave": (
        _("The first wave"),
        _("A measurement round: the survey is open between these two moments. You can add waves later."),
    ),
}


class StudyWizard(LoginRequiredMixin, SessionWizardView):
    form_list = [("study", StudyForm), ("instrument", InstrumentForm), ("segments", SegmentFormSet), ("wave", WaveForm)]
    template_name = "studies/wizard.html"
    file_storage = FileSystemStorage(location=UPLOADS)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not scoped(request.user, Organisation, EDIT).exists():
            raise Http404  # as for any page of data the user's role does not reach
        _forget_old_uploads()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        return {"user": self.request.user} if step == "study" else {}

    def get_context_data(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        context["step_title"], context["step_help"] = STEPS[self.steps.current]
        return context

    def done(self, form_list: Any, form_dict: dict[str, Any], **kwargs: Any) -> HttpResponse:
        with transaction.atomic():
            study = form_dict["study"].save(commit=False)
            for name, value in form_dict["instrument"].study_fields().items():
                setattr(study, name, value)
            study.full_clean()
            study.save()
            for position, segment in enumerate(form_dict["segments"].segments()):
                Segment.objects.create(study=study, position=position, **segment)
            wave = form_dict["wave"].save_for(study)
        return redirect("wave", wave.pk)


def _forget_old_uploads() -> None:
    if not UPLOADS.is_dir():
        return
    cutoff = time.time() - KEEP_UPLOAD_SECONDS
    for path in UPLOADS.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
