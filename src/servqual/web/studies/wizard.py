"""The wizard that sets up a study in four steps: the study, its instrument, its segments
and its first wave (with the customers' survey link).

django-formtools keeps the steps' answers in the session and an uploaded instrument file
in the database (:class:`WizardFiles`) until the last step, so that each step may go to
another server; then every step is validated once more and everything is saved in one
transaction, or nothing is.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from formtools.wizard.views import SessionWizardView

from servqual.web.accounts.models import EDIT, Organisation
from servqual.web.accounts.tenancy import scoped
from servqual.web.studies.forms import InstrumentForm, SegmentFormSet, StudyForm, WaveForm
from servqual.web.studies.models import Segment, WizardFile

#: An instrument file of a wizard nobody finished is deleted after this long.
KEEP_UPLOAD = timedelta(days=1)


class WizardFiles(Storage):
    """The wizard's uploads as rows of a table (:class:`WizardFile`), not files on one
    machine's disk; each under a new random name, never one built from the upload's."""

    def _save(self, name: str, content: File) -> str:
        # chunks() reads from the start: the step's form has read the file already
        stored = WizardFile.objects.create(name=secrets.token_hex(16), content=b"".join(content.chunks()))
        return stored.name

    def _open(self, name: str, mode: str = "rb") -> File:
        return ContentFile(bytes(WizardFile.objects.get(name=name).content), name=name)

    def delete(self, name: str) -> None:
        WizardFile.objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        return WizardFile.objects.filter(name=name).exists()


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
    file_storage = WizardFiles()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            if not scoped(request.user, Organisation, EDIT).exists():
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
    WizardFile.objects.filter(created_at__lt=timezone.now() - KEEP_UPLOAD).delete()
