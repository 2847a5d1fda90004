from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servqual.web.studies.models import Study
from servqual.web.surveys.forms import AudienceField


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("List of addresses (CSV or XLSX)"),
        help_text=_("Columns: email; optionally language (nl, en) and one column per segment."),
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study = study
        self.fields = {"audience": AudienceField(study=study), **self.fields}  # the audience first, as before


class PersonForm(forms.Form):
    """A person whose data is asked for or to be erased: by address or personal link."""

    email = forms.EmailField(label=_("E-mail address"), required=False)
    token = forms.CharField(
        label=_("Or their personal link"),
        required=False,
        max_length=300,
        help_text=_("The link from their invitation e-mail (…/i/…/), or the code in it."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("email") and not str(data.get("token") or "").strip():
            raise forms.ValidationError(_("Give an e-mail address or a personal link."))
        return data
