from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servqual.web.surveys.models import Audience


class UploadForm(forms.Form):
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, initial=Audience.CUSTOMER)
    file = forms.FileField(
        label=_("List of addresses (CSV or XLSX)"),
        help_text=_("Columns: email; optionally language (nl, en) and one column per segment."),
    )
