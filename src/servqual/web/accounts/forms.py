"""The organisation's branding, on its owners' page and in the admin alike."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from servqual.web.accounts.branding import MAX_LOGO_BYTES, check_logo, check_logo_size, set_logo
from servqual.web.accounts.models import Organisation


class BrandingForm(forms.ModelForm):
    """The accent colour, a new logo (PNG or JPEG) or none. The logo's bytes are checked
    here and stored by :func:`servqual.web.accounts.branding.set_logo` on save."""

    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Organisation
        fields = ["accent_colour"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo_file"].help_text = gettext(
            "A PNG or JPEG of at most %(size)d KB, shown with the organisation's name."
        ) % {"size": MAX_LOGO_BYTES // 1024}

    def clean_logo_file(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        check_logo_size(upload.size)  # before it is read into memory
        data = upload.read()
        check_logo(data)
        return bytes(data)

    def save(self, commit: bool = True) -> Any:
        organisation = super().save(commit=commit)
        if commit:
            self.save_logo()
        return organisation

    def save_logo(self) -> None:
        data = self.cleaned_data.get("logo_file")
        if data is not None:
            set_logo(self.instance, data)
        elif self.cleaned_data.get("remove_logo"):
            set_logo(self.instance, None)


class OrganisationAdminForm(BrandingForm):
    class Meta(BrandingForm.Meta):
        fields = ["name", "accent_colour"]
