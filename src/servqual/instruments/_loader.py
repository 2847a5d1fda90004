"""Load and check instrument definition files (TOML).

TOML because it is in the standard library (``tomllib``), cannot run code, and reads well
for people who write their own instrument.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from servqual._toml import parse_settings, read_settings
from servqual.errors import ServqualError
from servqual.i18n import LANGUAGES, N_

DATA_DIR = Path(__file__).parent / "data"

#: The answer sections an instrument can ask, in the order a survey shows them.
SECTIONS = ("minimum", "expectation", "perception")
#: The column prefix of each section in the canonical file layout (E1, P1, M1).
SECTION_PREFIX = {"minimum": "M", "expectation": "E", "perception": "P"}
IMPORTANCE_PREFIX = "W_"
#: Who answers an instrument (the web's audience keys): customers rate the service;
#: managers and contact employees answer about the organisation (gaps 1-4).
AUDIENCES = ("customer", "manager", "employee")
#: The gaps of the model a factor can belong to (docs/instruments.md#factors).
FACTOR_GAPS = (1, 2, 3, 4)
#: Factor groups outside the gaps: the customer-orientation values of the staff.
FACTOR_GROUPS = ("values",)
#: The column prefix of an open question's answer (OPEN_IMPROVE).
OPEN_PREFIX = "OPEN_"
#: Where an instrument may have a prompt: above a section, the importance split, the
#: factor statements and the open questions.
PROMPTS = (*SECTIONS, "importance", "factors", "open")
KNOWN_FIELDS = frozenset(
    {
        "key",
        "audience",
        "based_on",
        "name",
        "description",
        "reference",
        "sections",
        "importance",
        "scale",
        "prompts",
        "dimensions",
        "items",
        "factors",
        "open",
    }
)

NOT_VALID = N_("{file}: not a valid instrument file ({detail})")

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_CODE = re.compile(r"^[A-Z][A-Z0-9]*$")
_FACTOR_CODE = re.compile(r"^[A-Z]{2,4}$")
#: Factor codes whose columns the readers would take for an answer or importance column:
#: W... (W_TAN, WTAN), and ESQ1, PSQ1, MSQ1 (LimeSurvey's subquestion codes for E1, P1, M1).
_READ_AS_ANSWER = re.compile(r"^(W.*|[EPM]SQ)$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Scale:
    """Answer scale from ``min`` to ``max``, with labels for some points: whole points
    (``step`` 1, the default), points ``step`` apart (0.5, 0.1), or any value in the range
    (``step`` None: a slider)."""

    min: int
    max: int
    no_opinion: bool = False
    anchors: dict[str, dict[int, str]] = field(default_factory=dict)
    step: float | None = 1

    @property
    def whole(self) -> bool:
        """Whether answers are whole points, which the analysis counts as answer patterns."""
        return self.step == 1

    @property
    def continuous(self) -> bool:
        return self.step is None

    def anchor(self, point: int, lang: str) -> str | None:
        labels = self.anchors.get(lang) or self.anchors.get("en") or {}
        return labels.get(point)


def on_points(values: np.ndarray, low: float, step: float | None) -> np.ndarray:
    """Which of ``values`` lie a whole number of ``step`` from ``low``: exactly for whole
    points; for a step such as 0.1 up to the rounding error of its decimal notation
    (0.3 is 3 steps of 0.1, though not in binary floating point); any value for None."""
    if step is None:
        return np.ones(values.shape, dtype=bool)
    if step == 1:
        whole: np.ndarray = values == np.floor(values)
        return whole
    places = (values - low) / step
    close: np.ndarray = np.abs(places - np.round(places)) < 1e-9 * np.maximum(1.0, np.abs(places))
    return close


def _in_language(by_lang: dict[str, str], lang: str, service: str | None) -> str:
    """The text in ``lang``, else the first one given, with ``{service}`` filled in when given."""
    text = by_lang.get(lang) or next(iter(by_lang.values()))
    return text.replace("{service}", service) if service is not None else text


@dataclass(frozen=True)
class Dimension:
    key: str
    code: str
    name: dict[str, str]
    description: dict[str, str]

    @property
    def importance_column(self) -> str:
        return IMPORTANCE_PREFIX + self.code


@dataclass(frozen=True)
class Item:
    number: int
    dimension: str
    reverse: bool
    #: section -> language -> text; a shared text is stored under every section.
    texts: dict[str, dict[str, str]]

    def text(self, section: str, lang: str, service: str | None = None) -> str:
        """The statement in ``lang``, with ``{service}`` filled in when given."""
        return _in_language(self.texts[section], lang, service)


@dataclass(frozen=True)
class FactorItem:
    """One statement of a factor scale; its answer goes in ``column`` (``TW1``)."""

    number: int
    column: str
    reverse: bool
    #: language -> text
    texts: dict[str, str]

    def text(self, lang: str, service: str | None = None) -> str:
        return _in_language(self.texts, lang, service)


@dataclass(frozen=True)
class Factor:
    """A scale of statements about the organisation, behind one gap (1-4) or in a group
    (``values``). Its score is the mean of its items after reverse keys are scored
    ``min + max - answer``: higher is always better, also for role conflict or the
    propensity to overpromise (docs/instruments.md#factors)."""

    key: str
    code: str
    gap: int | None
    group: str | None
    name: dict[str, str]
    description: dict[str, str]
    items: tuple[FactorItem, ...]

    @property
    def columns(self) -> list[str]:
        return [item.column for item in self.items]

    @property
    def reverse_columns(self) -> list[str]:
        return [item.column for item in self.items if item.reverse]

    @property
    def reverse_positions(self) -> list[int]:
        """Positions (0-based) among the factor's own items of the reverse-keyed ones."""
        return [i for i, item in enumerate(self.items) if item.reverse]


@dataclass(frozen=True)
class OpenQuestion:
    """A question answered in the respondent's own words, in column ``OPEN_<KEY>``."""

    key: str
    #: language -> text
    texts: dict[str, str]

    @property
    def column(self) -> str:
        return OPEN_PREFIX + self.key.upper()

    def text(self, lang: str, service: str | None = None) -> str:
        return _in_language(self.texts, lang, service)


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: which sections it asks, on which scale, about which items."""

    key: str
    name: dict[str, str]
    description: dict[str, str]
    reference: str
    sections: tuple[str, ...]
    importance: bool
    scale: Scale
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    prompts: dict[str, dict[str, str]]
    source: str
    audience: str = "customer"
    factors: tuple[Factor, ...] = ()
    open_questions: tuple[OpenQuestion, ...] = ()

    def columns(self, section: str) -> list[str]:
        """Canonical column names of a section, in item order (``E1``, ``E2``, ...)."""
        prefix = SECTION_PREFIX[section]
        return [f"{prefix}{item.number}" for item in self.items]

    @property
    def importance_columns(self) -> list[str]:
        return [d.importance_column for d in self.dimensions] if self.importance else []

    @property
    def factor_columns(self) -> list[str]:
        """The columns of every factor's items, factor by factor (``CR1``, ``CR2``, ...)."""
        return [column for factor in self.factors for column in factor.columns]

    @property
    def open_columns(self) -> list[str]:
        return [question.column for question in self.open_questions]

    @property
    def file_columns(self) -> list[str]:
        """Every column a complete file of this instrument has, in order: the sections'
        items, the importance points, the factors' items, the open answers."""
        items = [column for section in self.sections for column in self.columns(section)]
        return [*items, *self.importance_columns, *self.factor_columns, *self.open_columns]

    def factor(self, key: str) -> Factor:
        return next(factor for factor in self.factors if factor.key == key)

    @property
    def dimension_keys(self) -> list[str]:
        return [d.key for d in self.dimensions]

    def item_positions(self, dimension: str) -> list[int]:
        """Positions (0-based, in item order) of the items of one dimension."""
        return [i for i, item in enumerate(self.items) if item.dimension == dimension]

    @property
    def reverse_positions(self) -> list[int]:
        return [i for i, item in enumerate(self.items) if item.reverse]

    def to_dict(self) -> dict[str, Any]:
        """The definition with the instrument file's field names (``servqual instruments NAME --format json``),
        and the columns of a file for it."""
        return {
            "key": self.key,
            "audience": self.audience,
            "name": self.name,
            "description": self.description,
            "reference": self.reference,
            "sections": list(self.sections),
            "importance": self.importance,
            "scale": {
                "min": self.scale.min,
                "max": self.scale.max,
                "step": self.scale.step,
                "continuous": self.scale.continuous,
                "no_opinion": self.scale.no_opinion,
                "anchors": self.scale.anchors,
            },
            "dimensions": [
                {"key": d.key, "code": d.code, "name": d.name, "description": d.description} for d in self.dimensions
            ],
            "items": [
                {"number": i.number, "dimension": i.dimension, "reverse": i.reverse, "texts": i.texts}
                for i in self.items
            ],
            "factors": [
                {
                    "key": f.key,
                    "code": f.code,
                    "gap": f.gap,
                    "group": f.group,
                    "name": f.name,
                    "description": f.description,
                    "columns": f.columns,
                    "reverse_columns": f.reverse_columns,
                    "items": [
                        {"number": i.number, "column": i.column, "reverse": i.reverse, "text": i.texts} for i in f.items
                    ],
                }
                for f in self.factors
            ],
            "open": [{"key": q.key, "column": q.column, "text": q.texts} for q in self.open_questions],
            "prompts": self.prompts,
            "columns": self.file_columns,
        }


@cache
def builtin_instruments(audience: str | None = None) -> tuple[str, ...]:
    """Names of the instruments shipped with servqual; with ``audience``, those for that
    audience only (``"customer"``: the ones a customer survey can use)."""
    names = tuple(sorted(p.stem for p in DATA_DIR.glob("*.toml")))
    if audience is None:
        return names
    return tuple(name for name in names if _load_builtin(name).audience == audience)


def load_instrument(name_or_path: str | Path) -> Instrument:
    """Load a built-in instrument by name, or a user's instrument file by path.

    A file's ``based_on`` names a built-in instrument or a file in the folder of the file
    (or below it): never one elsewhere on the machine.

    Raises
    ------
    ServqualError
        When the name is unknown or the file is not a valid instrument; the message names
        the file and the item or field at fault.
    """
    if isinstance(name_or_path, str) and name_or_path in builtin_instruments():
        return _load_builtin(name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise ServqualError(
            N_("unknown instrument {name}: not a built-in ({builtins}) and no such file"),
            name=str(name_or_path),
            builtins=", ".join(builtin_instruments()),
        )
    return _build(_read_merged(path, folder=path.parent.resolve()), str(path))


def instrument_from_text(text: str, filename: str) -> Instrument:
    """The instrument an instrument file's text defines (an upload), named ``filename`` in
    the messages. It has no folder, so its ``based_on`` may name only a built-in instrument.

    Raises
    ------
    ServqualError
        As :func:`load_instrument`.
    """
    data = parse_settings(text, filename, NOT_VALID, KNOWN_FIELDS)
    return _build(_with_base(data, filename, folder=None, seen=()), filename)


@cache
def _load_builtin(name: str) -> Instrument:
    return _build(_read_merged(DATA_DIR / f"{name}.toml", folder=DATA_DIR), name)


def _read_merged(path: Path, folder: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a file and the instruments it is based on; its bases lie in ``folder``."""
    data = read_settings(path, NOT_VALID, KNOWN_FIELDS)
    return _with_base(data, path.name, folder, (*seen, path.resolve()))


def _with_base(data: dict[str, Any], name: str, folder: Path | None, seen: tuple[Path, ...]) -> dict[str, Any]:
    """With ``based_on``, the file's top-level keys replace those of the base. The base is a
    built-in, or a file in ``folder`` (or below it); without a folder, a built-in only.
    The answer about a file outside the folder never depends on whether it exists, so
    based_on cannot be used to find out what is on the machine."""
    base = data.pop("based_on", None)
    if base is None:
        return data
    if "key" not in data:
        raise ServqualError(N_("{file}: the field {field!r} is missing"), file=name, field="key")
    if isinstance(base, str) and base in builtin_instruments():
        return {**_read_merged(DATA_DIR / f"{base}.toml", DATA_DIR, seen), **data}
    if folder is None:
        raise ServqualError(
            N_(
                "{file}: based_on {base!r} is not a built-in instrument; an uploaded instrument file may be "
                "based only on one of {builtins}"
            ),
            file=name,
            base=base,
            builtins=", ".join(builtin_instruments()),
        )
    # Relative to the folder of the file that names it, as docs/instruments.md promises.
    base_path = (seen[-1].parent / base).resolve() if isinstance(base, str) and "\0" not in base else None
    if base_path is None or Path(base).is_absolute() or not base_path.is_relative_to(folder):
        raise ServqualError(
            N_(
                "{file}: based_on {base!r} must be a built-in instrument or a file in the folder of {file} "
                "(or below it)"
            ),
            file=name,
            base=base,
        )
    if base_path in seen or not base_path.is_file():
        raise ServqualError(
            N_("{file}: based_on {base!r} is not a built-in instrument or a file beside it"), file=name, base=base
        )
    return {**_read_merged(base_path, folder, seen), **data}


#: The most points a scale with a step may have (a slider 0-100 in steps of 0.01).
MAX_SCALE_POINTS = 10_001


def _step(raw_scale: dict[str, Any], low: int, high: int, fail: Any, continuous: bool) -> float | None:
    """The scale's ``step``: 1 (whole points) unless given; None for ``continuous = true``."""
    if continuous:
        if "step" in raw_scale:
            raise fail(N_("{file}: a continuous scale has no step; give one of the two"))
        return None
    step = raw_scale.get("step", 1)
    if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0:
        raise fail(N_("{file}: the scale's step must be a number above 0, not {value!r}"), value=step)
    places = (high - low) / step
    if abs(places - round(places)) > 1e-9 * places or round(places) + 1 > MAX_SCALE_POINTS:
        raise fail(
            N_("{file}: steps of {step} do not divide {low}..{high} into at most {most} points"),
            step=step,
            low=low,
            high=high,
            most=MAX_SCALE_POINTS,
        )
    if step == 1 and high - low > 100:
        raise fail(
            N_("{file}: a scale of whole points spans at most 100 (got {low}..{high}); a slider is continuous = true"),
            low=low,
            high=high,
        )
    return 1 if step == 1 else float(step)


def _build(data: dict[str, Any], source: str) -> Instrument:
    where = Path(source).name

    def fail(message_id: str, **params: Any) -> ServqualError:
        return ServqualError(message_id, file=where, **params)

    def texts(value: Any, what: str) -> dict[str, str]:
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict) or not value:
            raise fail(N_('{file}: {what} needs a text, e.g. {{ en = "...", nl = "..." }}'), what=what)
        for lang, text in value.items():
            if lang not in LANGUAGES or not isinstance(text, str) or not text.strip():
                raise fail(N_("{file}: {what} has an empty or unknown-language text ({lang})"), what=what, lang=lang)
            for name in _PLACEHOLDER.findall(text):
                if name != "service":
                    raise fail(
                        N_("{file}: {what} uses {{{name}}}; the only placeholder is {{service}}"), what=what, name=name
                    )
        return dict(value)

    def only(table: Any, allowed: set[str], what: str) -> dict[str, Any]:
        """A table with no fields but the allowed ones: a typo must not pass silently."""
        if not isinstance(table, dict):
            raise fail(N_("{file}: {what} must be a table"), what=what)
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise fail(
                N_("{file}: {what} has an unknown field {field!r} (known: {known})"),
                what=what,
                field=unknown[0],
                known=", ".join(sorted(allowed)),
            )
        return table

    def flag(table: dict[str, Any], name: str, what: str) -> bool:
        value = table.get(name, False)
        if not isinstance(value, bool):
            raise fail(
                N_("{file}: {what}: {field} must be true or false, not {value!r}"), what=what, field=name, value=value
            )
        return value

    for required in ("key", "sections", "scale", "dimensions", "items"):
        if required not in data:
            raise fail(N_("{file}: the field {field!r} is missing"), field=required)

    sections = tuple(data["sections"])
    if not sections or any(s not in SECTIONS for s in sections) or len(set(sections)) != len(sections):
        raise fail(N_("{file}: sections must be one or more of {allowed}"), allowed=", ".join(SECTIONS))
    sections = tuple(s for s in SECTIONS if s in sections)

    raw_scale = only(data["scale"], {"min", "max", "no_opinion", "anchors", "step", "continuous"}, "scale")
    lo, hi = raw_scale.get("min"), raw_scale.get("max")
    if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi):
        raise fail(N_("{file}: the scale needs whole numbers min < max (got {low} and {high})"), low=lo, high=hi)
    step = _step(raw_scale, lo, hi, fail, flag(raw_scale, "continuous", "scale"))
    anchors: dict[str, dict[int, str]] = {}
    for lang, labels in raw_scale.get("anchors", {}).items():
        try:
            anchors[lang] = {int(point): str(label) for point, label in labels.items()}
        except (ValueError, AttributeError):
            raise fail(N_("{file}: scale anchors must map scale points to labels")) from None
        if any(not lo <= p <= hi for p in anchors[lang]):
            raise fail(N_("{file}: a scale anchor lies outside {low}..{high}"), low=lo, high=hi)
    scale = Scale(lo, hi, flag(raw_scale, "no_opinion", "scale"), anchors, step)

    dimensions = []
    for d in data["dimensions"]:
        d = only(d, {"key", "code", "name", "description"}, "dimension")
        key, code = d.get("key", ""), d.get("code", "")
        if not _KEY.match(str(key)) or not _CODE.match(str(code)):
            raise fail(N_("{file}: dimension {key!r} needs a lower-case key and an upper-case code"), key=key)
        dimensions.append(
            Dimension(
                key,
                code,
                texts(d.get("name", key), f"dimension {key} name"),
                texts(d.get("description", d.get("name", key)), f"dimension {key} description"),
            )
        )
    if len({d.key for d in dimensions}) != len(dimensions) or len({d.code for d in dimensions}) != len(dimensions):
        raise fail(N_("{file}: dimension keys and codes must be unique"))
    known = {d.key for d in dimensions}

    items = []
    for raw in data["items"]:
        raw = only(raw, {"number", "dimension", "reverse", "text", *SECTIONS}, f"item {raw.get('number')}")
        number = raw.get("number")
        if not isinstance(number, int) or number < 1:
            raise fail(N_("{file}: every item needs a whole number >= 1 (got {number!r})"), number=number)
        if raw.get("dimension") not in known:
            raise fail(
                N_("{file}: item {number} has an unknown dimension {dimension!r}"),
                number=number,
                dimension=raw.get("dimension"),
            )
        by_section = {}
        for section in sections:
            value = raw.get(section, raw.get("text"))
            if value is None:
                raise fail(N_("{file}: item {number} has no {section} text"), number=number, section=section)
            by_section[section] = texts(value, f"item {number} {section}")
        items.append(Item(number, raw["dimension"], flag(raw, "reverse", f"item {number}"), by_section))
    numbers = [item.number for item in items]
    if len(set(numbers)) != len(numbers):
        raise fail(N_("{file}: item numbers must be unique"))
    empty = known - {item.dimension for item in items}
    if empty:
        raise fail(N_("{file}: dimension {key} has no items"), key=", ".join(sorted(empty)))

    audience = data.get("audience", "customer")
    if audience not in AUDIENCES:
        raise fail(
            N_("{file}: audience must be one of {allowed} (got {value!r})"),
            allowed=", ".join(AUDIENCES),
            value=audience,
        )

    factors = []
    for raw_factor in _table_list(data.get("factors", []), fail, "factors"):
        factor = only(raw_factor, {"key", "code", "gap", "group", "name", "description", "items"}, "factor")
        factor_key, code = factor.get("key", ""), factor.get("code", "")
        if not _KEY.match(str(factor_key)) or not _FACTOR_CODE.match(str(code)):
            raise fail(
                N_("{file}: factor {key!r} needs a lower-case key and a code of 2 to 4 letters A-Z"), key=factor_key
            )
        if _READ_AS_ANSWER.match(code):
            raise fail(
                N_(
                    "{file}: factor {key}: the readers would take column {column} for an answer; a code may not "
                    "start with W, nor be ESQ, PSQ or MSQ"
                ),
                key=factor_key,
                column=f"{code}1",
            )
        what = f"factor {factor_key}"
        gap, group = factor.get("gap"), factor.get("group")
        if (gap is None) == (group is None):
            raise fail(N_('{file}: {what} needs either a gap (1 to 4) or group = "values"'), what=what)
        if gap is not None and (isinstance(gap, bool) or not isinstance(gap, int) or gap not in FACTOR_GAPS):
            raise fail(N_("{file}: {what}: gap must be 1, 2, 3 or 4 (got {value!r})"), what=what, value=gap)
        if group is not None and group not in FACTOR_GROUPS:
            raise fail(
                N_("{file}: {what}: group must be one of {allowed} (got {value!r})"),
                what=what,
                allowed=", ".join(FACTOR_GROUPS),
                value=group,
            )
        factor_items = []
        for raw_item in _table_list(factor.get("items", []), fail, f"{what} items"):
            number = raw_item.get("number") if isinstance(raw_item, dict) else None
            raw_item = only(raw_item, {"number", "reverse", "text"}, f"{what} item {number}")
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise fail(
                    N_("{file}: {what}: every item needs a whole number >= 1 (got {number!r})"),
                    what=what,
                    number=number,
                )
            item_what = f"{what} item {number}"
            factor_items.append(
                FactorItem(
                    number,
                    f"{code}{number}",
                    flag(raw_item, "reverse", item_what),
                    texts(raw_item.get("text"), item_what),
                )
            )
        if not factor_items:
            raise fail(N_("{file}: {what} has no items"), what=what)
        if len({item.number for item in factor_items}) != len(factor_items):
            raise fail(N_("{file}: {what}: item numbers must be unique"), what=what)
        factors.append(
            Factor(
                factor_key,
                code,
                gap,
                group,
                texts(factor.get("name", factor_key), f"{what} name"),
                texts(factor.get("description", factor.get("name", factor_key)), f"{what} description"),
                tuple(factor_items),
            )
        )
    for attribute in ("key", "code"):
        seen = [getattr(factor, attribute) for factor in factors]
        repeated = sorted({value for value in seen if seen.count(value) > 1})
        if repeated:
            raise fail(
                N_("{file}: factor {field}s must be unique ({value} is used twice)"), field=attribute, value=repeated[0]
            )

    open_questions = []
    for raw_open in _table_list(data.get("open", []), fail, "open"):
        question = only(raw_open, {"key", "text"}, "open question")
        question_key = question.get("key", "")
        if not _KEY.match(str(question_key)):
            raise fail(N_("{file}: open question {key!r} needs a lower-case key"), key=question_key)
        open_questions.append(OpenQuestion(question_key, texts(question.get("text"), f"open question {question_key}")))
    if len({q.key for q in open_questions}) != len(open_questions):
        raise fail(N_("{file}: open question keys must be unique"))

    key = str(data["key"])
    return Instrument(
        key=key,
        name=texts(data.get("name", key), "name"),
        description=texts(data.get("description", key), "description"),
        reference=str(data.get("reference", "")),
        sections=sections,
        importance=bool(data.get("importance", False)),
        scale=scale,
        dimensions=tuple(dimensions),
        items=tuple(items),
        prompts={
            name: texts(value, f"prompt {name}")
            for name, value in only(data.get("prompts", {}), set(PROMPTS), "prompts").items()
        },
        source=source,
        audience=audience,
        factors=tuple(factors),
        open_questions=tuple(open_questions),
    )


def _table_list(value: Any, fail: Any, what: str) -> list[Any]:
    """A list of tables (``[[factors]]``), or the error that says it must be one."""
    if not isinstance(value, list):
        raise fail(N_("{file}: {what} must be a list of tables"), what=what)
    return value
