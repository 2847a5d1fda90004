"""The survey's pages as forms: one page per dimension, then the importance split, the
factor statements (managers, employees) and the open questions, as the instrument of the
respondent's audience has them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from servqual.i18n import pick, translator
from servqual.instruments import SECTION_PREFIX, Dimension, Factor, FactorItem, Instrument, Item, OpenQuestion
from servqual.report.words import section_title
from servqual.web.studies.models import Study
from servqual.web.surveys.models import Audience

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NO_OPINION = "none"
IMPORTANCE_PAGE = "importance"
#: A page of factor statements is FACTORS_PAGE + its number (factors-1); a dimension key
#: (lower case, digits, _) is never one, nor OPEN_PAGE.
FACTORS_PAGE = "factors-"
OPEN_PAGE = "open-questions"
#: The most factor statements on one page: a factor's statements stay together, so a page
#: has more only when one factor has more.
MAX_FACTOR_STATEMENTS = 15
#: The longest answer to an open question, in characters.
MAX_OPEN_ANSWER = 2000


def page_keys(instrument: Instrument) -> list[str]:
    """What each page asks: a dimension key; then ``IMPORTANCE_PAGE``, the pages of factor
    statements and ``OPEN_PAGE``, when the instrument has them."""
    factor_pages = [f"{FACTORS_PAGE}{number}" for number in range(1, len(factor_pages_of(instrument)) + 1)]
    return (
        instrument.dimension_keys
        + ([IMPORTANCE_PAGE] if instrument.importance else [])
        + factor_pages
        + ([OPEN_PAGE] if instrument.open_questions else [])
    )


def page_columns(instrument: Instrument, page_key: str) -> list[str]:
    """The columns a page must have answered, in the order of its form's fields (none for
    the open questions, which may be left empty)."""
    if page_key == IMPORTANCE_PAGE:
        return [dimension.importance_column for dimension in instrument.dimensions]
    if page_key.startswith(FACTORS_PAGE):
        return [item.column for factor in factors_on(instrument, page_key) for item in factor.items]
    if page_key == OPEN_PAGE:
        return []
    return [column(section, item) for item in _items_of(instrument, page_key) for section in instrument.sections]


def page_prompts(instrument: Instrument, page_key: str) -> list[str]:
    """The keys of the instrument's prompts (lead-ins) a page shows: its sections' on a
    dimension's page, else the importance split's, the factors' or the open questions'."""
    if page_key == IMPORTANCE_PAGE:
        keys = [IMPORTANCE_PAGE]
    elif page_key.startswith(FACTORS_PAGE):
        keys = ["factors"]
    elif page_key == OPEN_PAGE:
        keys = ["open"]
    else:
        keys = list(instrument.sections)
    return [key for key in keys if key in instrument.prompts]


def factor_pages_of(instrument: Instrument) -> list[tuple[Factor, ...]]:
    """The factors on each page of factor statements: those of one gap (or group) together,
    in the instrument's order, a page holding at most MAX_FACTOR_STATEMENTS statements
    unless one factor has more."""
    pages: list[list[Factor]] = []
    for factor in instrument.factors:
        last = pages[-1] if pages else None
        fits = last is not None and sum(len(f.items) for f in last) + len(factor.items) <= MAX_FACTOR_STATEMENTS
        if last is not None and fits and (last[-1].gap, last[-1].group) == (factor.gap, factor.group):
            last.append(factor)
        else:
            pages.append([factor])
    return [tuple(page) for page in pages]


def factors_on(instrument: Instrument, page_key: str) -> tuple[Factor, ...]:
    return factor_pages_of(instrument)[int(page_key.removeprefix(FACTORS_PAGE)) - 1]


def _items_of(instrument: Instrument, dimension: str) -> list[Item]:
    return [item for item in instrument.items if item.dimension == dimension]


@dataclass(frozen=True)
class RadioOption:
    """One point of a scale as the page writes its radio button."""

    value: str
    label: StrOrPromise
    id: str
    checked: bool


@dataclass(frozen=True)
class ScaleAnswer:
    """One statement on one scale: its bound field and its radio buttons, written here
    (Django's widget rendering, a template per radio button, took a third of the survey
    page's time; a template loop over the buttons still took half of the rest:
    docs/performance.md). The buttons are read in the language being rendered."""

    field: forms.BoundField
    options: list[RadioOption]
    #: as Django marks a bound field with errors (aria-invalid on each button)
    invalid: bool

    def points(self) -> SafeString:
        """The buttons of the scale's points, in a row: the number shown, the label read aloud."""
        return _lines(
            format_html(
                '<label for="{}">{}<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></label>',
                option.id,
                self._input(option),
                option.value,
                option.label,
            )
            for option in self.options
            if option.value != NO_OPINION
        )

    def no_opinion(self) -> SafeString:
        """The "no opinion" button below the row, if the scale has one."""
        return _lines(
            format_html(
                '<label for="{}" class="none">{}<span>{}</span></label>', option.id, self._input(option), option.label
            )
            for option in self.options
            if option.value == NO_OPINION
        )

    def _input(self, option: RadioOption) -> SafeString:
        return format_html(
            '<input type="radio" name="{}" value="{}" id="{}" required{}{}>',
            self.field.html_name,
            option.value,
            option.id,
            _ARIA_INVALID if self.invalid else "",
            _CHECKED if option.checked else "",
        )


_ARIA_INVALID = SafeString(' aria-invalid="true"')
_CHECKED = SafeString(" checked")


def _lines(html: Iterable[SafeString]) -> SafeString:
    return SafeString("\n".join(html))


class ScaleForm(forms.Form):
    """Statements answered on the instrument's scale: the points, and "no opinion" when
    the scale has it."""

    #: per statement (a card on the page), the names of its fields, one per scale
    statements: list[tuple[Item | FactorItem, list[str]]]

    def __init__(self, *args: Any, instrument: Instrument, lang: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        scale = instrument.scale
        choices: list[tuple[str, StrOrPromise]] = [
            (str(point), _point_label(instrument, point, lang)) for point in range(scale.min, scale.max + 1)
        ]
        if scale.no_opinion:
            choices.append((NO_OPINION, _("no opinion")))
        self.choice_values = {choice for choice, _label in choices}
        self.low_anchor = scale.anchor(scale.min, lang) or ""
        self.high_anchor = scale.anchor(scale.max, lang) or ""
        self.choices = choices
        self.statements = []

    def cards(self) -> list[tuple[Item | FactorItem, list[ScaleAnswer]]]:
        """Per statement, its answer on each scale: one card on the page."""
        return [(item, [self._scale_answer(self[name]) for name in names]) for item, names in self.statements]

    def _scale_answer(self, bound: forms.BoundField) -> ScaleAnswer:
        # What RadioSelect would render: ids id_<name>_<index>, checked as its format_value.
        value = bound.value()
        chosen = None if value is None else str(value)
        options = [
            RadioOption(choice, label, f"{bound.auto_id}_{index}", choice == chosen)
            for index, (choice, label) in enumerate(self.choices)
        ]
        return ScaleAnswer(bound, options, invalid=bool(self.is_bound and bound.errors))

    def answers(self) -> dict[str, int | None]:
        return {name: None if value == NO_OPINION else int(value) for name, value in self.cleaned_data.items()}

    def valid_answers(self) -> dict[str, int | None]:
        """The answers that are valid on their own, for saving a page left half done."""
        out: dict[str, int | None] = {}
        for name in self.fields:
            value = self.data.get(self.add_prefix(name))
            if isinstance(value, str) and value in self.choice_values:
                out[name] = None if value == NO_OPINION else int(value)
        return out

    def open_answers(self) -> dict[str, str]:
        return {}

    def valid_open_answers(self) -> dict[str, str]:
        return {}

    @staticmethod
    def initial_from(answers: dict[str, Any]) -> dict[str, str]:
        return {name: NO_OPINION if value is None else str(value) for name, value in answers.items()}


class AnswersForm(ScaleForm):
    """Every item of one dimension, on each of the instrument's scales (E and P, or M, E
    and P; managers E only, employees P only)."""

    def __init__(self, *args: Any, instrument: Instrument, dimension: str, lang: str, service: str, **kwargs: Any):
        super().__init__(*args, instrument=instrument, lang=lang, **kwargs)
        titles = translator(lang)
        for item in _items_of(instrument, dimension):
            names = []
            for section in instrument.sections:
                name = column(section, item)
                self.fields[name] = AnswerField(
                    label=item.text(section, lang, service),
                    choices=self.choices,
                    title=titles(section_title(section, instrument)),
                )
                names.append(name)
            self.statements.append((item, names))


class FactorsForm(ScaleForm):
    """The statements of some factor scales (managers, employees), each on the instrument's
    scale, in the order of the instrument file."""

    def __init__(
        self, *args: Any, instrument: Instrument, factors: tuple[Factor, ...], lang: str, service: str, **kwargs: Any
    ):
        super().__init__(*args, instrument=instrument, lang=lang, **kwargs)
        for factor in factors:
            for item in factor.items:
                self.fields[item.column] = AnswerField(label=item.text(lang, service), choices=self.choices, title="")
                self.statements.append((item, [item.column]))


class OpenForm(forms.Form):
    """The open questions, answered in the respondent's own words or left empty."""

    def __init__(self, *args: Any, instrument: Instrument, lang: str, service: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions: list[OpenQuestion] = list(instrument.open_questions)
        for question in self.questions:
            self.fields[question.column] = forms.CharField(
                label=question.text(lang, service),
                required=False,
                max_length=MAX_OPEN_ANSWER,
                widget=forms.Textarea(
                    attrs={
                        "rows": 5,
                        "maxlength": MAX_OPEN_ANSWER,
                        "aria-describedby": f"id_{question.column}_helptext",
                    }
                ),
            )

    def answers(self) -> dict[str, Any]:
        return {}

    def open_answers(self) -> dict[str, str]:
        """The texts given (stripped); an empty one is no answer, and takes an earlier one away."""
        return dict(self.cleaned_data)

    def valid_answers(self) -> dict[str, Any]:
        return {}

    def valid_open_answers(self) -> dict[str, str]:
        """The texts that are valid on their own, for a page left with "Back"."""
        out = {}
        for name, field in self.fields.items():
            value = self.data.get(self.add_prefix(name))
            if isinstance(value, str):
                try:
                    out[name] = field.clean(value)
                except forms.ValidationError:
                    continue
        return out

    @staticmethod
    def initial_from(answers: dict[str, Any]) -> dict[str, Any]:
        return answers


class AnswerField(forms.ChoiceField):
    """One statement on one scale (expectation, perception): its points as radio buttons,
    and the scale's title, which the page shows beside the statement."""

    def __init__(self, *, title: str, **kwargs: Any) -> None:
        super().__init__(widget=forms.RadioSelect, error_messages={"required": _("Choose an answer.")}, **kwargs)
        self.section_title = title


def column(section: str, item: Item) -> str:
    return f"{SECTION_PREFIX[section]}{item.number}"


def prompt(instrument: Instrument, section: str, lang: str, service: str) -> str:
    """The instrument's lead-in to a section (or to the importance page), with the service filled in."""
    return pick(instrument.prompts[section], lang).replace("{service}", service)


def _point_label(instrument: Instrument, point: int, lang: str) -> str:
    anchor = instrument.scale.anchor(point, lang)
    return f"{point} {anchor}" if anchor else str(point)


class ImportanceForm(forms.Form):
    """100 points over the dimensions; the server says clearly when they do not add up."""

    def __init__(self, *args: Any, instrument: Instrument, lang: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.dimensions: list[Dimension] = list(instrument.dimensions)
        for dimension in self.dimensions:
            self.fields[dimension.importance_column] = forms.IntegerField(
                label=pick(dimension.name, lang),
                help_text=pick(dimension.description, lang),
                min_value=0,
                max_value=100,
                error_messages={"required": _("Give a number of points, 0 if this matters not at all.")},
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "points"}),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors:
            total = sum(data.values())
            if total != 100:
                raise forms.ValidationError(
                    _("The points add up to %(total)s; together they must make 100."),
                    code="total",
                    params={"total": total},
                )
        return data

    def answers(self) -> dict[str, int]:
        return dict(self.cleaned_data)

    def valid_answers(self) -> dict[str, int]:
        return {}  # a half-done split is not kept: it has to add up as a whole

    def open_answers(self) -> dict[str, str]:
        return {}

    def valid_open_answers(self) -> dict[str, str]:
        return {}

    @staticmethod
    def initial_from(answers: dict[str, Any]) -> dict[str, Any]:
        return answers


class AudienceField(forms.ChoiceField):
    """Whom a link or invitation is for: only the audiences ``study`` can survey are choices
    (Study.audience_problem); the help text says why another is missing, and so does the
    error when it is posted anyway."""

    def __init__(self, *, study: Study, **kwargs: Any) -> None:
        problems = {audience: study.audience_problem(audience) for audience in Audience.values}
        self.problems = {audience: problem for audience, problem in problems.items() if problem}
        super().__init__(
            label=_("Audience"),
            choices=[(value, label) for value, label in Audience.choices if value not in self.problems],
            initial=Audience.CUSTOMER,
            help_text=" ".join(self.problems.values()),
            **kwargs,
        )

    def validate(self, value: Any) -> None:
        if value in self.problems:
            raise ValidationError(self.problems[value], code="other_items")
        super().validate(value)
