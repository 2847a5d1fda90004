"""Studies (one service measured for one organisation), their segments and waves."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servqual.errors import ServqualError
from servqual.i18n import LANGUAGES, translator
from servqual.instruments import (
    BUILTIN_PROCESSES,
    Instrument,
    Process,
    builtin_instruments,
    instrument_from_text,
    load_instrument,
    load_processes,
    processes_from_text,
)
from servqual.web.accounts.models import Organisation
from servqual.web.languages import language

SEGMENT_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
#: Keys the file reader would take for an answer, importance or id column (E1, w_tan, id).
_READER_KEY = re.compile(r"^([emp][\d_.\[ -].*|w[\d_.\[ -].*|w[a-z]{3}|id|respondent(_?id)?|response_?id)$")


#: Days after a wave closes that invitees' personal data is kept, unless the study says otherwise.
KEEP_PERSONAL_DATA_DAYS = 30
#: The longest a study may keep it: ten years.
MAX_PERSONAL_DATA_DAYS = 3650


class AfterRetention(models.TextChoices):
    """What happens to invitees' personal data once a study's retention period has passed
    (servqual.web.distribution.personal.apply_retention)."""

    ANONYMISE = "anonymise", _("anonymise: remove e-mail addresses and personal links, keep the answers")
    DELETE = "delete", _("delete the invitees' responses as well")


class SegmentMissing(models.TextChoices):
    """What the results do with respondents without a value of a segment: the values of
    ``servqual.analysis.SEGMENT_MISSING`` (docs/methods.md#segments says why "exclude" is the
    default)."""

    EXCLUDE = "exclude", _("leave them out of that segment's groups and tests, and say how many")
    GROUP = "group", _("make them a group of their own, “(no value)”")


#: An instrument file is a short text; anything larger is not one.
MAX_INSTRUMENT_BYTES = 256 * 1024


def default_languages() -> list[str]:
    return ["nl", "en"]


class Study(models.Model):
    """One service measured for one organisation, with one instrument, over waves."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="studies")
    name = models.CharField(_("name"), max_length=200)
    service_name = models.CharField(
        _("service name"), max_length=200, help_text=_("Fills in the statements, e.g. “Gemeente Utrecht”.")
    )
    #: The languages respondents may choose; the first is shown when the browser asks for neither.
    languages = models.JSONField(_("languages"), default=default_languages)
    instrument_key = models.CharField(
        _("instrument"), max_length=50, default="servqual-22", choices=[(k, k) for k in builtin_instruments("customer")]
    )
    #: A custom instrument file (TOML, docs/instruments.md); when given it replaces instrument_key.
    instrument_file = models.TextField(_("custom instrument file"), blank=True)
    #: The managers' and the contact employees' questionnaires (gaps 1 to 4): built-in instruments
    #: that ask the customers' items, so that their figures can be set beside the customers'.
    manager_instrument_key = models.CharField(
        _("instrument for managers"),
        max_length=50,
        default="servqual-managers",
        choices=[(k, k) for k in builtin_instruments("manager")],
    )
    employee_instrument_key = models.CharField(
        _("instrument for employees"),
        max_length=50,
        default="servqual-employees",
        choices=[(k, k) for k in builtin_instruments("employee")],
    )
    #: The study's customer processes, each with an owner, and the items and factors that speak
    #: of it (TOML, docs/instruments.md#processes); blank: the built-in example when the
    #: customers' instrument is a built-in one, else none.
    processes_file = models.TextField(_("customer processes"), blank=True)
    anonymity_threshold = models.PositiveSmallIntegerField(
        _("anonymity threshold"),
        default=5,
        validators=[MinValueValidator(3)],
        help_text=_("Groups with fewer respondents are never shown."),
    )
    keep_personal_data_days = models.PositiveSmallIntegerField(
        _("keep personal data (days)"),
        default=KEEP_PERSONAL_DATA_DAYS,
        validators=[MaxValueValidator(MAX_PERSONAL_DATA_DAYS)],
        help_text=_("Days after a wave closes that invitees' e-mail addresses and personal links are kept."),
    )
    after_retention = models.CharField(
        _("after that"), max_length=10, choices=AfterRetention.choices, default=AfterRetention.ANONYMISE
    )
    segment_missing = models.CharField(
        _("respondents without a segment value"),
        max_length=10,
        choices=SegmentMissing.choices,
        default=SegmentMissing.EXCLUDE,
        help_text=_("Used by the results page, the report and the exports. All other figures include them."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    organisation_path = "organisation"

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("study")
        verbose_name_plural = _("studies")

    def __str__(self) -> str:
        return self.name

    def instrument(self, audience: str = "customer") -> Instrument:
        """The questionnaire of ``audience`` (customer, manager, employee)."""
        if audience == "manager":
            return load_instrument(self.manager_instrument_key)
        if audience == "employee":
            return load_instrument(self.employee_instrument_key)
        if audience != "customer":
            raise ValueError(f"unknown audience {audience!r}")
        if self.instrument_file:
            return _instrument_from_text(self.instrument_file)
        return load_instrument(self.instrument_key)

    def processes(self) -> tuple[Process, ...]:
        """The study's customer processes: from its processes file, else the built-in example
        (``default``) when the customers' instrument is a built-in one that the example fits,
        else none. The diagnosis gives the gaps per process from them."""
        if self.processes_file:
            return _processes_from_text(self.processes_file, self._instrument_keys())
        if self.instrument_file:
            return ()
        return _default_processes(self._instrument_keys())

    def _instrument_keys(self) -> tuple[str, str, str, str]:
        """What the study's three instruments are made from (its instrument file or key, the
        managers' and employees' keys): the processes are cached on it."""
        return (self.instrument_file, self.instrument_key, self.manager_instrument_key, self.employee_instrument_key)

    def audience_problem(self, audience: str) -> str | None:
        """Why ``audience`` cannot be surveyed in this study, in the active language, or None
        when it can. Managers' and employees' answers are set beside the customers' item by
        item (gap 1, the mirror): their instrument must ask the same items (numbers and
        dimensions) on the same scale as the customers' one, which a study's own instrument
        file may not."""
        if audience == "customer":
            return None
        if same_items(self.instrument(), self.instrument(audience)):
            return None
        message = _(
            "The survey for %(audience)s cannot be offered in this study: its questionnaire (%(instrument)s) "
            "asks other statements, or on another scale, than the customers' questionnaire, and their figures "
            "are compared statement by statement with the customers'."
        )
        labels = {"manager": _("managers"), "employee": _("employees")}
        return message % {"audience": labels[audience], "instrument": self.instrument(audience).key}

    def clean(self) -> None:
        if not self.languages or any(lang not in LANGUAGES for lang in self.languages):
            raise ValidationError({"languages": _("Choose one or more of: nl, en.")})
        if len(self.instrument_file.encode()) > MAX_INSTRUMENT_BYTES:  # the wizard, the API and the admin alike
            too_large = _("The instrument file is larger than %(limit)s kB.")
            raise ValidationError(
                {"instrument_file": ValidationError(too_large, params={"limit": MAX_INSTRUMENT_BYTES // 1024})}
            )
        instrument = check_instrument_text(self.instrument_file, "instrument_file") if self.instrument_file else None
        if instrument is not None and instrument.audience != "customer":
            # The survey pages and the results ask and analyse the study's instrument as the customers'.
            raise ValidationError(
                {
                    "instrument_file": _(
                        "This instrument is for managers or employees. The study's own instrument file is the "
                        "customers' questionnaire; managers and employees answer the built-in instruments chosen "
                        "for them."
                    )
                }
            )
        if instrument is not None and not instrument.scale.whole:
            # The survey pages offer the scale's whole points as choices (docs/instruments.md#scale).
            raise ValidationError(
                {
                    "instrument_file": _(
                        "The survey pages ask whole scale points: an instrument with steps or a slider can be "
                        "analysed from files (servqual analyze), not surveyed here."
                    )
                }
            )
        if len(self.processes_file.encode()) > MAX_INSTRUMENT_BYTES:
            too_large = _("The processes file is larger than %(limit)s kB.")
            raise ValidationError(
                {"processes_file": ValidationError(too_large, params={"limit": MAX_INSTRUMENT_BYTES // 1024})}
            )
        if self.processes_file:
            self._check_processes()
        if self.pk and self._instrument_changed() and self.waves.filter(responses__isnull=False).exists():
            # The stored answers belong to the items of the instrument they were given to.
            raise ValidationError({"instrument_key": _("The study has responses, so its instrument cannot change.")})
        for audience, field in (("manager", "manager_instrument_key"), ("employee", "employee_instrument_key")):
            if self.pk and self._changed(field) and self.waves.filter(responses__audience=audience).exists():
                message = _("The study has responses from %(audience)s, so their instrument cannot change.")
                labels = {"manager": _("managers"), "employee": _("employees")}
                raise ValidationError({field: ValidationError(message, params={"audience": labels[audience]})})

    def _check_processes(self) -> None:
        """The processes file against the study's three instruments: a ValidationError on the
        field naming the process and what is wrong with it (or the line, for a file that is
        not TOML), in the user's language."""
        try:
            self.instrument()
        except ServqualError:
            return  # the instrument file's own error is given on its field
        try:
            _processes_from_text(self.processes_file, self._instrument_keys())
        except ServqualError as exc:
            raise ValidationError({"processes_file": exc.render(translator(language()))}) from None

    def _instrument_changed(self) -> bool:
        stored = Study.objects.filter(pk=self.pk).values_list("instrument_key", "instrument_file").first()
        return stored is not None and stored != (self.instrument_key, self.instrument_file)

    def _changed(self, field: str) -> bool:
        stored = Study.objects.filter(pk=self.pk).values_list(field, flat=True).first()
        return stored is not None and stored != getattr(self, field)


def same_items(customers: Instrument, others: Instrument) -> bool:
    """Whether ``others`` asks the items of ``customers`` (the same numbers in the same
    dimensions) on the same scale: then their answers can be set side by side."""
    items = sorted((item.number, item.dimension) for item in customers.items)
    scale = (customers.scale.min, customers.scale.max)
    return items == sorted((item.number, item.dimension) for item in others.items) and scale == (
        others.scale.min,
        others.scale.max,
    )


def check_instrument_text(text: str, field: str, filename: str | None = None) -> Instrument:
    """The instrument an instrument file's text defines, or a ValidationError on ``field``
    that names the file (``filename``, as uploaded), line and problem in the user's language."""
    try:
        return _instrument_from_text(text, filename)
    except ServqualError as exc:
        raise ValidationError({field: exc.render(translator(language()))}) from None


@lru_cache(maxsize=64)
def _instrument_from_text(text: str, filename: str | None = None) -> Instrument:
    # The messages name the file: the uploaded file's own name, or one made from the text.
    name = Path(filename or "").name or f"instrument-{hashlib.sha256(text.encode()).hexdigest()[:12]}.toml"
    return instrument_from_text(text, name)


#: The name a study's processes file goes by in messages.
PROCESSES_FILENAME = "processes.toml"


def _instruments(keys: tuple[str, str, str, str]) -> tuple[Instrument, Instrument, Instrument]:
    """The customers', managers' and employees' instruments of :meth:`Study._instrument_keys`."""
    instrument_file, instrument_key, manager_key, employee_key = keys
    customers = _instrument_from_text(instrument_file) if instrument_file else load_instrument(instrument_key)
    return customers, load_instrument(manager_key), load_instrument(employee_key)


@lru_cache(maxsize=64)
def _processes_from_text(text: str, keys: tuple[str, str, str, str]) -> tuple[Process, ...]:
    return processes_from_text(text, PROCESSES_FILENAME, _instruments(keys))


@lru_cache(maxsize=16)
def _default_processes(keys: tuple[str, str, str, str]) -> tuple[Process, ...]:
    """The built-in example of processes, or none when the instruments do not have its
    items and factors."""
    try:
        return load_processes("default", _instruments(keys))
    except ServqualError:
        return ()


def default_processes_text() -> str:
    """The built-in example processes file, as a starting point for a study's own."""
    return BUILTIN_PROCESSES["default"].read_text(encoding="utf-8")


class Segment(models.Model):
    """A respondent attribute to compare groups by (branch, channel), with its allowed values."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="segments")
    key = models.CharField(_("key"), max_length=50, help_text=_("Column name in exports, e.g. “branch”."))
    name = models.CharField(_("name"), max_length=100)
    values = models.JSONField(_("allowed values"), default=list)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    organisation_path = "study__organisation"

    class Meta:
        ordering = ["study", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["study", "key"], name="one_segment_per_key")]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not SEGMENT_KEY.match(self.key) or _READER_KEY.match(self.key):
            raise ValidationError(
                {"key": _("Use lower-case letters, digits and _, not a name that looks like an answer column or id.")}
            )
        if not isinstance(self.values, list) or not all(isinstance(v, str) and v.strip() for v in self.values):
            raise ValidationError({"values": _("Give the allowed values as a list of texts.")})
        for number, value in enumerate(self.values, start=1):
            if _has_control_character(value):
                # Values end up in exports, reports and links: a tab, line break, NUL or
                # invisible mark there misleads readers or breaks a spreadsheet row.
                message = _("Value %(number)s holds a control or invisible character, such as a tab or a line break.")
                raise ValidationError({"values": ValidationError(message, params={"number": number})})


def _has_control_character(text: str) -> bool:
    """Whether ``text`` holds a control (Cc) or format (Cf) character: tabs, line breaks,
    NUL, zero-width spaces, direction marks. An ordinary space is fine."""
    return any(unicodedata.category(character) in ("Cc", "Cf") for character in text)


class Wave(models.Model):
    """A measurement round of a study, open for answers between two moments."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(_("name"), max_length=200)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))

    organisation_path = "study__organisation"

    class Meta:
        ordering = ["study", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="wave_closes_after_it_opens"
            )
        ]
        verbose_name = _("wave")
        verbose_name_plural = _("waves")

    def __str__(self) -> str:
        return f"{self.study}: {self.name}"

    def clean(self) -> None:
        # The check constraint holds it in the database; this says it on the field.
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A wave closes after it opens.")})

    def is_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.closes_at


class WizardFile(models.Model):
    """A file uploaded in a step of the study wizard, kept until its last step: in the
    database, as an import's file is, so that the next step may come to any server process
    or machine (servqual.web.studies.wizard). Kept a day at most."""

    name = models.CharField(max_length=255, unique=True)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
