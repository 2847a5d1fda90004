from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

#: Larger files are refused before they are read; 20 MB holds some 100,000 rows of CSV.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File with responses"),
        help_text=_("CSV, Excel (.xlsx) or SPSS (.sav), one row per respondent, with the column names of servqual."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)s."), params={"limit": filesizeformat(MAX_UPLOAD_BYTES)}
            )
        return upload
