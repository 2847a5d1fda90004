"""Forms to set up a study, its segments, waves and survey links.

The wizard (servqual.web.studies.wizard) takes them in steps; the study and wave pages use
the wave and link forms on their own. Validation is the models' (``full_clean``), so the
pages, the admin and the API refuse the same things with the same messages.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from servqual.instruments import builtin_instruments, load_instrument
from servqual.web.accounts.models import EDIT, Organisation
from servqual.web.accounts.tenancy import scoped
from servqual.web.languages import language
from servqual.web.studies.models import (
    KEEP_PERSONAL_DATA_DAYS,
    MAX_INSTRUMENT_BYTES,
    AfterRetention,
    Segment,
    SegmentMissing,
    Study,
    Wave,
    check_instrument_text,
)
from servqual.web.surveys.forms import AudienceField
from servqual.web.surveys.models import Audience, SurveyLink

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CUSTOM = "custom"
DEFAULT_INSTRUMENT = Study._meta.get_field("instrument_key").default
#: How long a new wave stays open unless told otherwise.
DEFAULT_WAVE_LENGTH = timedelta(weeks=4)

RETENTION_FIELDS = ("keep_personal_data_days", "after_retention")

LANGUAGE_CHOICES = [
    ("nl,en", _("Dutch and English, Dutch first")),
    ("en,nl", _("English and Dutch, English first")),
    ("nl", _("Dutch only")),
    ("en", _("English only")),
]


#: The fields of a study that the wizard's first step and the study settings share.
SETTINGS_FIELDS = [
    "name",
    "service_name",
    "languages",
    "anonymity_threshold",
    "segment_missing",
    "keep_personal_data_days",
    "after_retention",
]
#: The study settings' own fields: the managers' and employees' instruments (in the wizard,
#: its instrument step asks them) and the customer processes.
AUDIENCE_FIELDS = {"manager_instrument_key": "manager", "employee_instrument_key": "employee"}


class StudySettingsForm(forms.ModelForm):
    """What may change in a study at any time: its names, languages, anonymity threshold,
    what the segments do with respondents without a value, retention and the customer
    processes; the managers' and employees' instruments until they have answered (the
    customers' instrument stays; the organisation too)."""

    languages = forms.ChoiceField(
        label=_("Languages of the survey"),
        choices=LANGUAGE_CHOICES,
        help_text=_("The first is shown when the respondent's browser asks for neither."),
    )

    class Meta:
        model = Study
        fields = [*SETTINGS_FIELDS, *AUDIENCE_FIELDS, "processes_file"]
        widgets = {"processes_file": forms.Textarea(attrs={"rows": 12, "class": "code", "spellcheck": "false"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["anonymity_threshold"].help_text = _(
            "Groups with fewer respondents are never shown, and the whole results page waits until "
            "this many responses are in; after that the results change in steps of this many."
        )
        if self.instance.pk:
            self.initial["languages"] = ",".join(self.instance.languages)
        # Left out (an older form, a script): the documented defaults, as in the API.
        for name in (*RETENTION_FIELDS, "segment_missing"):
            self.fields[name].required = False
        for name, audience in AUDIENCE_FIELDS.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ChoiceField):
                field.choices = _audience_choices(audience)
                field.required = False  # left out (an older form, a script): as it was
                field.label = (
                    _("Questionnaire for managers") if audience == "manager" else _("Questionnaire for employees")
                )
                field.help_text = _("It can change until the first of them has answered.")
        if "processes_file" in self.fields:
            self.fields["processes_file"].help_text = _(
                "The customer processes, each with its owner and the statements and factors that belong to it, "
                "as a TOML file (see the documentation on instruments, docs/instruments.md#processes). Empty: the "
                "built-in example below, when the study uses the built-in questionnaires; else no processes."
            )

    def clean_manager_instrument_key(self) -> str:
        return str(self.cleaned_data.get("manager_instrument_key") or self.instance.manager_instrument_key)

    def clean_employee_instrument_key(self) -> str:
        return str(self.cleaned_data.get("employee_instrument_key") or self.instance.employee_instrument_key)

    def clean_processes_file(self) -> str:
        if self.add_prefix("processes_file") not in self.data:  # left out: as it was
            return str(self.instance.processes_file)
        # a textarea sends CRLF line ends; the file is kept as one would save it
        return str(self.cleaned_data.get("processes_file") or "").replace("\r\n", "\n").strip()

    def clean_keep_personal_data_days(self) -> int:
        days = self.cleaned_data.get("keep_personal_data_days")
        return KEEP_PERSONAL_DATA_DAYS if days is None else int(days)

    def clean_after_retention(self) -> str:
        return str(self.cleaned_data.get("after_retention") or AfterRetention.ANONYMISE)

    def clean_segment_missing(self) -> str:
        return str(self.cleaned_data.get("segment_missing") or SegmentMissing.EXCLUDE)

    def clean_languages(self) -> list[str]:
        return self.cleaned_data["languages"].split(",")


class StudyForm(StudySettingsForm):
    """The study itself, in one of the organisations where the user sets up studies."""

    class Meta(StudySettingsForm.Meta):
        fields = ["organisation", *SETTINGS_FIELDS]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)  # the form field of a foreign key
        organisation.queryset = scoped(user, Organisation, EDIT).order_by("name")
        organisation.empty_label = None
        organisation.label = _("Organisation")


class SegmentValuesForm(forms.Form):
    """The name and allowed values of a study's existing segment. Values may be added at any
    time; a value that responses hold cannot be removed (they would fall outside every group)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    values = forms.CharField(
        label=_("Allowed values"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas."),
    )

    def __init__(self, *args: Any, segment: Segment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": segment.name, "values": "\n".join(segment.values)})
        super().__init__(*args, **kwargs)
        self.segment = segment

    def clean_values(self) -> list[str]:
        values = _split_values(self.cleaned_data["values"])
        removed = set(self.segment.values) - set(values)
        used = sorted(
            value
            for value in removed
            if self.segment.study.waves.filter(**{f"responses__segments__{self.segment.key}": value}).exists()
        )
        if used:
            message = _("Responses hold %(values)s, so it cannot be removed.")
            raise ValidationError(ValidationError(message, params={"values": ", ".join(used)}))
        return values

    def save(self) -> Segment:
        self.segment.name = self.cleaned_data["name"]
        self.segment.values = self.cleaned_data["values"]
        self.segment.full_clean()
        self.segment.save()
        return self.segment


def _instrument_choices() -> list[tuple[str, StrOrPromise]]:
    """The built-in instruments, the standard first, each with its description."""
    lang = language()
    choices = []
    for key in sorted(builtin_instruments("customer"), key=lambda key: key != DEFAULT_INSTRUMENT):
        instrument = load_instrument(key)
        name = instrument.name.get(lang) or instrument.name.get("en") or key
        description = instrument.description.get(lang) or instrument.description.get("en") or ""
        choices.append(
            (key, format_html('<span><strong>{}</strong><br><span class="help">{}</span></span>', name, description))
        )
    return [*choices, (CUSTOM, _("My own instrument file (TOML, see the documentation on instruments)"))]


def _audience_choices(audience: str) -> list[tuple[str, StrOrPromise]]:
    """The built-in instruments of managers or employees, by name."""
    lang = language()
    return [
        (key, load_instrument(key).name.get(lang) or load_instrument(key).name.get("en") or key)
        for key in builtin_instruments(audience)
    ]


class InstrumentForm(forms.Form):
    """A built-in instrument, or an instrument file of the user's own, for the customers;
    and the built-in instruments of the managers and the contact employees."""

    instrument = forms.ChoiceField(label=_("Instrument"), widget=forms.RadioSelect, initial=DEFAULT_INSTRUMENT)
    file = forms.FileField(label=_("Instrument file"), required=False, help_text=_("Only for your own instrument."))
    manager_instrument_key = forms.ChoiceField(
        label=_("Questionnaire for managers"),
        initial=Study._meta.get_field("manager_instrument_key").default,
        help_text=_(
            "It asks the customers' statements: an instrument file of your own with other statements "
            "leaves managers and employees out of the study."
        ),
    )
    employee_instrument_key = forms.ChoiceField(
        label=_("Questionnaire for employees"), initial=Study._meta.get_field("employee_instrument_key").default
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instrument = self.fields["instrument"]
        assert isinstance(instrument, forms.ChoiceField)
        instrument.choices = _instrument_choices()
        for name, audience in (("manager_instrument_key", "manager"), ("employee_instrument_key", "employee")):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _audience_choices(audience)
            field.required = False  # left out (an older form, a script): the default, as in the API

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if data.get("instrument") != CUSTOM:
            data["instrument_file"] = ""
            return data
        if upload is None:
            raise ValidationError({"file": _("Choose the instrument file to upload.")})
        if upload.size > MAX_INSTRUMENT_BYTES:
            too_large = _("The file is larger than %(limit)s.")
            raise ValidationError(
                {"file": ValidationError(too_large, params={"limit": filesizeformat(MAX_INSTRUMENT_BYTES)})}
            )
        upload.seek(0)
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            not_text = _("%(file)s is not a UTF-8 text file.")
            raise ValidationError({"file": ValidationError(not_text, params={"file": upload.name})}) from None
        check_instrument_text(text, "file", upload.name)
        data["instrument_file"] = text
        return data

    def study_fields(self) -> dict[str, str]:
        """The Study fields this step sets."""
        key = self.cleaned_data["instrument"]
        return {
            "instrument_key": DEFAULT_INSTRUMENT if key == CUSTOM else key,
            "instrument_file": self.cleaned_data["instrument_file"],
            "manager_instrument_key": self.cleaned_data["manager_instrument_key"]
            or str(Study._meta.get_field("manager_instrument_key").default),
            "employee_instrument_key": self.cleaned_data["employee_instrument_key"]
            or str(Study._meta.get_field("employee_instrument_key").default),
        }


def _split_values(text: str) -> list[str]:
    """One value per line, or separated by commas or semicolons."""
    return list(dict.fromkeys(v.strip() for v in re.split(r"[\n,;]", text) if v.strip()))


class SegmentForm(forms.ModelForm):
    values = forms.CharField(
        label=_("Allowed values"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas."),
    )

    class Meta:
        model = Segment
        fields = ["key", "name", "values"]

    def clean_values(self) -> list[str]:
        return _split_values(self.cleaned_data["values"])


class BaseSegmentFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        keys = [f.cleaned_data["key"] for f in self.forms if f.cleaned_data.get("key")]
        if len(keys) != len(set(keys)):
            raise ValidationError(_("Each segment needs a key of its own."))

    def segments(self) -> list[dict[str, Any]]:
        """The filled-in segments, in the order given."""
        return [f.cleaned_data for f in self.forms if f.cleaned_data.get("key")]


SegmentFormSet = forms.formset_factory(SegmentForm, formset=BaseSegmentFormSet, extra=3, max_num=12)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class WaveForm(forms.ModelForm):
    """A wave, and whether to make the customers' anonymous link with it."""

    customer_link = forms.BooleanField(
        label=_("Make an anonymous survey link for customers"), required=False, initial=True
    )

    class Meta:
        model = Wave
        fields = ["name", "opens_at", "closes_at"]
        widgets = {"opens_at": DateTimeInput(), "closes_at": DateTimeInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["opens_at"].initial = start
        self.fields["closes_at"].initial = start + DEFAULT_WAVE_LENGTH

    def save_for(self, study: Study) -> Wave:
        """Save the wave in ``study``, with the customers' anonymous link if asked."""
        wave = self.save(commit=False)
        wave.study = study
        wave.save()
        if self.cleaned_data["customer_link"]:
            SurveyLink.objects.create(wave=wave, audience=Audience.CUSTOMER)
        return wave


class WaveEditForm(forms.ModelForm):
    """A wave's name and when it is open: to extend it, or close it early."""

    class Meta:
        model = Wave
        fields = ["name", "opens_at", "closes_at"]
        widgets = {"opens_at": DateTimeInput(), "closes_at": DateTimeInput()}


class LinkForm(forms.Form):
    """An anonymous survey link of a wave: its audience and any segment values fixed in it."""

    def __init__(self, *args: Any, wave: Wave, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wave = wave
        self.fields["audience"] = AudienceField(study=wave.study)
        for segment in wave.study.segments.all():
            self.fields[f"segment_{segment.key}"] = forms.ChoiceField(
                label=segment.name,
                required=False,
                choices=[("", _("(not fixed)")), *((v, v) for v in segment.values)],
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        fixed = {name.removeprefix("segment_"): v for name, v in data.items() if name.startswith("segment_") and v}
        link = SurveyLink(wave=self.wave, audience=data.get("audience", Audience.CUSTOMER), fixed_segments=fixed)
        link.full_clean()
        data["link"] = link
        return data
