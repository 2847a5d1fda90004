"""From a file's own column headers to canonical names (E1, P1, M1, W_TAN, attributes).

Common header styles are recognised without help (``E1``, ``e_01``, ``E[SQ001]``,
``W[TAN]``); a small mapping file (TOML, docs/file-format.md) covers the rest.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servqual._toml import read_settings
from servqual.errors import ServqualError
from servqual.i18n import N_
from servqual.instruments import IMPORTANCE_PREFIX, SECTION_PREFIX, Instrument

#: Cell texts that mean "no answer" in any file, compared case-insensitively.
MISSING_TOKENS = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        ".",
        "-",
        "--",
        "n.v.t.",
        "nvt",
        "n.v.t",
        "geen mening",
        "weet niet",
        "no opinion",
        "don't know",
        "dont know",
        "-99",
    }
)
#: Columns that identify a person (survey tools' exports and common hand-made names),
#: compared case-insensitively. No analysis needs them, so they are never read.
PERSONAL_COLUMNS = frozenset(
    {
        "ipaddress",
        "ip address",
        "ipaddr",
        "ip",
        "recipientemail",
        "recipientfirstname",
        "recipientlastname",
        "externalreference",
        "externaldatareference",
        "locationlatitude",
        "locationlongitude",
        # Qualtrics' second header row names them in words
        "recipient email",
        "recipient first name",
        "recipient last name",
        "external data reference",
        "location latitude",
        "location longitude",
        "emailaddress",
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "emailadres",
        "e-mailadres",
        "firstname",
        "first name",
        "lastname",
        "last name",
        "voornaam",
        "achternaam",
        "name",
        "naam",
        "phone",
        "telefoon",
        "telefoonnummer",
        "token",
        "refurl",
        "referrer url",
        "useragent",
        "user agent",
    }
)
#: A Qualtrics ImportId cell, ``{"ImportId":"ipAddress"}`` (or with single quotes, as in
#: its 2016 layout): the name it holds.
_IMPORT_ID = re.compile(r"""^\{\s*['"]ImportId['"]\s*:\s*['"](?P<name>[^'"]*)['"]""")
#: Header names recognised as the respondent id, compared case-insensitively.
ID_NAMES = ("respondent_id", "respondentid", "respondent", "responseid", "response_id", "response id", "id")

_SECTION_LETTERS = set(SECTION_PREFIX.values()) | {"W"}
_NUMBERED = re.compile(r"^(?P<section>[EPMW])[\s_.\-]?(?:\[\s*)?(?:SQ)?0*(?P<number>\d{1,9})(?:\s*\])?$", re.I)
_CODED = re.compile(r"^W[\s_.\-]?(?:\[\s*)?(?P<code>[A-Za-z][A-Za-z0-9]*)(?:\s*\])?$", re.I)
_BRACKETED = re.compile(r"^\s*\[(?P<inner>.*)\]\s*$", re.S)
_SUBCODE = re.compile(r"^(?:SQ)?0*(?P<number>\d{1,9})$", re.I)


@dataclass(frozen=True)
class Mapping:
    """The contents of a mapping file; every field is optional."""

    id: str | None = None
    sheet: str | None = None
    missing: frozenset[str] = frozenset()
    columns: dict[str, str] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)
    #: answer text -> scale point, for files that hold labels instead of numbers
    values: dict[str, float] = field(default_factory=dict)
    #: column number (1 = the first column) -> name: for headers that occur more than once
    positions: dict[int, str] = field(default_factory=dict)
    #: header pattern (``*`` any text, ``?`` one character) -> name; ``{n}`` in the name
    #: counts the columns the pattern matches, in file order
    patterns: dict[str, str] = field(default_factory=dict)
    source: str = ""


MAPPING_FIELDS = (
    "id",
    "sheet",
    "missing",
    "columns",
    "prefixes",
    "items",
    "dimensions",
    "values",
    "positions",
    "patterns",
)
#: The longest pattern in ``[patterns]``; fnmatch's translation keeps long ones linear,
#: but a mapping file needs nothing longer.
MAX_PATTERN = 500


def load_mapping(path: str | Path | None) -> Mapping:
    """Read a mapping file (TOML); ``None`` gives the empty mapping."""
    if path is None:
        return Mapping()
    path = Path(path)
    data = read_settings(path, N_("{file}: not a valid mapping file ({detail})"), MAPPING_FIELDS)
    for section in data.get("prefixes", {}).values():
        if str(section).upper() not in _SECTION_LETTERS:
            raise ServqualError(
                N_("{file}: prefixes map to a section letter E, P, M or W, not {value!r}"),
                file=path.name,
                value=section,
            )
    try:
        positions = {_column_number(k, path.name): str(v).strip() for k, v in data.get("positions", {}).items()}
        patterns = {str(k).strip(): str(v).strip() for k, v in data.get("patterns", {}).items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise ServqualError(
            N_("{file}: not a valid mapping file ({detail})"), file=path.name, detail=str(exc)
        ) from None
    for pattern, target in patterns.items():
        if not pattern or len(pattern) > MAX_PATTERN or target.count("{n}") > 1:
            raise ServqualError(
                N_(
                    "{file}: the pattern {pattern!r} cannot be used "
                    "(at most {limit} characters, and {{n}} at most once in its name)"
                ),
                file=path.name,
                pattern=pattern[:80],
                limit=MAX_PATTERN,
            )
    try:
        # Headers are read without their surrounding spaces, so the names given for them are too.
        return Mapping(
            id=None if data.get("id") is None else str(data["id"]).strip(),
            sheet=data.get("sheet"),
            missing=frozenset(str(v).strip().lower() for v in data.get("missing", [])),
            columns={str(k).strip(): str(v).strip() for k, v in data.get("columns", {}).items()},
            prefixes={str(k): str(v).upper() for k, v in data.get("prefixes", {}).items()},
            items={_normal(k): int(v) for k, v in data.get("items", {}).items()},
            dimensions={_normal(k): str(v).upper() for k, v in data.get("dimensions", {}).items()},
            values={_normal(k): float(v) for k, v in data.get("values", {}).items()},
            positions=positions,
            patterns=patterns,
            source=path.name,
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ServqualError(
            N_("{file}: not a valid mapping file ({detail})"), file=path.name, detail=str(exc)
        ) from None


def _column_number(key: object, source: str) -> int:
    """A ``[positions]`` key: the column's number, 1 for the first."""
    text = str(key).strip()
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise ServqualError(
            N_("{file}: [positions] takes column numbers (1 = the first column), not {value!r}"),
            file=source,
            value=text[:80],
        )
    return int(text)


def _positions_text(positions: list[int]) -> str:
    """Column numbers as a reader counts them (1 = the first), shortened after ten."""
    shown = ", ".join(str(p + 1) for p in positions[:10])
    return shown + (", ..." if len(positions) > 10 else "")


def _named_by_mapping(header: list[str], mapping: Mapping, source: str) -> dict[int, str]:
    """Header position -> the name the mapping gives it: by column number, by exact
    header (``[columns]``) or by pattern, in that order of precedence."""
    at: dict[str, list[int]] = {}
    for position, name in enumerate(header):
        at.setdefault(name.strip(), []).append(position)
    named: dict[int, str] = {}
    for number, target in mapping.positions.items():
        if number > len(header):
            raise ServqualError(
                N_("{file}: the mapping names column number {number}, but the file has {count} columns"),
                file=source,
                number=number,
                count=len(header),
            )
        named[number - 1] = target
    for name, target in mapping.columns.items():
        found = [p for p in at.get(name, []) if p not in named]
        if not found and not at.get(name):
            raise ServqualError(
                N_("{file}: the mapping names column {column!r}, which the file does not have"),
                file=source,
                column=name,
            )
        if len(found) > 1:
            raise ServqualError(
                N_(
                    "{file}: the file has {count} columns named {column!r} (columns {positions}); "
                    "name each by its number in [positions], or give them numbered names in [patterns]"
                ),
                file=source,
                count=len(found),
                column=name,
                positions=_positions_text(found),
            )
        named.update(dict.fromkeys(found, target))
    for pattern, target in mapping.patterns.items():
        # Only * and ? are wildcards: headers hold brackets ("[Scale 1]"), which fnmatch would
        # read as a set of characters. fnmatch's translation runs in linear time for many *s.
        literal_brackets = pattern.replace("[", "[[]")
        found = [p for p, name in enumerate(header) if fnmatch.fnmatchcase(name.strip(), literal_brackets)]
        if not found:
            raise ServqualError(
                N_("{file}: the mapping's pattern {pattern!r} matches no column"), file=source, pattern=pattern
            )
        count = 0
        for position in found:
            if position not in named:
                count += 1
                named[position] = target.replace("{n}", str(count))
    return named


@dataclass(frozen=True)
class ColumnPlan:
    """What each source column becomes: positions into the file's header."""

    header: list[str]
    #: canonical answer/importance name (E1, P3, W_TAN) -> header position
    answers: dict[str, int]
    #: attribute name -> header position
    attributes: dict[str, int]
    id: int | None
    #: header positions never read: personal data
    dropped: list[int]
    #: header positions of answer columns that the instrument does not ask (E1 under
    #: servperf, P23 beside P1..P22)
    unused: list[int]
    #: whether the instrument's answers are whole scale points (else steps or a slider)
    whole_points: bool = True
    #: open question column (OPEN_IMPROVE) -> header position: text, never a number
    open_answers: dict[str, int] = field(default_factory=dict)

    @property
    def numeric_positions(self) -> set[int]:
        return set(self.answers.values())

    @property
    def whole_positions(self) -> set[int]:
        """Positions of the answer columns proper where they hold whole scale points
        (importance points may have decimals)."""
        if not self.whole_points:
            return set()
        return {p for name, p in self.answers.items() if not name.startswith(IMPORTANCE_PREFIX)}


def looks_personal(header_cell: str) -> bool:
    """Whether a header names personal data: a name in PERSONAL_COLUMNS, also inside a
    Qualtrics ImportId cell (``{"ImportId":"recipientEmail"}``, ``panel-RecipientEmail``)."""
    text = header_cell.strip()
    found = _IMPORT_ID.match(text)
    if found:
        text = found["name"]
    return text.strip().lower().removeprefix("panel-") in PERSONAL_COLUMNS


def plan_columns(
    header: list[str],
    instrument: Instrument,
    mapping: Mapping,
    source: str,
    other_header_rows: Sequence[Sequence[str]] = (),
) -> ColumnPlan:
    """Decide, per header, whether it is an answer, the id, an attribute or dropped.

    ``other_header_rows`` are a survey tool's further header rows (question texts, import
    ids): a column that any of them names as personal data is not read either.

    Raises ServqualError when two columns claim the same canonical name, or when the
    mapping names a column the file does not have.
    """
    wanted = {c for s in instrument.sections for c in instrument.columns(s)} | set(instrument.importance_columns)
    wanted |= set(instrument.factor_columns)
    open_columns = set(instrument.open_columns)
    every_answer = set(_canonical_names(instrument))
    codes = {d.code for d in instrument.dimensions}
    by_position = [d.code for d in instrument.dimensions]
    item_numbers = {item.number for item in instrument.items}
    item_by_text = _item_texts(instrument) | mapping.items
    dim_by_text = {_normal(d.key): d.code for d in instrument.dimensions}
    for d in instrument.dimensions:
        dim_by_text.update({_normal(name): d.code for name in d.name.values()})
    dim_by_text |= mapping.dimensions

    named = _named_by_mapping(header, mapping, source)
    stripped_header = [h.strip() for h in header]
    if mapping.id and mapping.id not in stripped_header:
        raise ServqualError(
            N_("{file}: the mapping names column {column!r}, which the file does not have"),
            file=source,
            column=mapping.id,
        )

    def canonical(name: str) -> str | None:
        stripped = name.strip()
        if stripped.upper() in wanted or stripped.upper() in open_columns:
            return stripped.upper()  # a factor item (TW1) or an open answer (OPEN_IMPROVE)
        for prefix, letter in mapping.prefixes.items():
            if stripped.startswith(prefix):
                return _from_rest(letter, stripped[len(prefix) :])
        match = _NUMBERED.match(stripped)
        if match and match["section"].upper() in _SECTION_LETTERS:
            return _numbered(match["section"].upper(), int(match["number"]))
        match = _CODED.match(stripped)
        if match and match["code"].upper() in codes:
            return f"W_{match['code'].upper()}"
        return None

    def _numbered(letter: str, number: int) -> str | None:
        if letter == "W":
            return f"W_{by_position[number - 1]}" if 1 <= number <= len(by_position) else None
        return f"{letter}{number}" if number in item_numbers else None

    def _from_rest(letter: str, rest: str) -> str | None:
        rest = rest.strip()
        bracket = _BRACKETED.match(rest)
        inner = bracket["inner"].strip() if bracket else rest
        code = _SUBCODE.match(inner)
        if code:
            return _numbered(letter, int(code["number"]))
        if letter == "W":
            found = inner.upper() if inner.upper() in codes else dim_by_text.get(_normal(inner))
            return f"W_{found}" if found else None
        number = item_by_text.get(_normal(inner))
        return f"{letter}{number}" if number else None

    id_position = stripped_header.index(mapping.id) if mapping.id else None
    if id_position is None:
        lowered = [h.strip().lower() for h in header]
        id_position = next((lowered.index(n) for n in ID_NAMES if n in lowered), None)

    answers: dict[str, int] = {}
    open_answers: dict[str, int] = {}
    attributes: dict[str, int] = {}
    dropped: list[int] = []
    unused: list[int] = []
    for position, name in enumerate(header):
        if position == id_position:
            continue
        if position not in named and (
            looks_personal(name)
            or any(position < len(row) and looks_personal(row[position]) for row in other_header_rows)
        ):
            dropped.append(position)
            continue
        target = named[position] if position in named else canonical(name)
        if target in open_columns and target not in open_answers:
            open_answers[target] = position
            continue
        if (target in every_answer and target not in wanted) or (target is None and _looks_like_answer(name)):
            unused.append(position)  # an answer column the instrument does not ask (P23 beside P1..P22)
            continue
        if target in wanted:
            if target in answers:
                raise ServqualError(
                    N_(
                        "{file}: columns {first!r} (column {first_number}) and {second!r} "
                        "(column {second_number}) both hold {name}"
                    ),
                    file=source,
                    first=header[answers[target]],
                    first_number=answers[target] + 1,
                    second=name,
                    second_number=position + 1,
                    name=target,
                )
            answers[target] = position
            continue
        label = target or name.strip() or f"column_{position + 1}"
        while label in attributes or label in wanted:
            label += "_"
        attributes[label] = position
    return ColumnPlan(
        list(header), answers, attributes, id_position, dropped, unused, instrument.scale.whole, open_answers
    )


def _looks_like_answer(name: str) -> bool:
    """Whether a header is named as an answer column (``P23``, ``E[SQ030]``) that no
    mapping claims: such a column is listed as not used, never taken for a segment."""
    return _NUMBERED.match(name.strip()) is not None


def _canonical_names(instrument: Instrument) -> list[str]:
    names = [c for section in SECTION_PREFIX for c in instrument.columns(section)]
    return names + [d.importance_column for d in instrument.dimensions]


def _item_texts(instrument: Instrument) -> dict[str, int]:
    """Item texts in every language and section, so headers that quote them are found."""
    found: dict[str, int] = {}
    for item in instrument.items:
        for by_lang in item.texts.values():
            for text in by_lang.values():
                found[_normal(text)] = item.number
    return found


def _normal(text: Any) -> str:
    """Compare texts loosely: Unicode-normalised, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())
