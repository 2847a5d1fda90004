"""The response set: what every reader produces and every analysis consumes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from servqual.instruments import SECTION_PREFIX, Factor, Instrument

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl


@dataclass(frozen=True)
class Issue:
    """One problem found in the input, told with file, row and column.

    ``message_id`` is an English template (translated at the edges); ``params`` fill it.
    """

    message_id: str
    params: dict[str, Any]

    def render(self, gettext: Any = None) -> str:
        template = gettext(self.message_id) if gettext else self.message_id
        return template.format(**self.params)

    def __str__(self) -> str:
        return self.render()


@dataclass
class ValidationReport:
    """What happened to every row and answer of the input: nothing is dropped unreported.

    Counts are complete; ``issues`` keeps the first ``max_issues`` detailed messages and
    ``issues_not_listed`` counts the rest.
    """

    source: str
    file_format: str
    rows_read: int = 0
    rows_used: int = 0
    #: reason code (``duplicate_id``, ``ragged_row``, ...) -> source rows excluded for it
    excluded: dict[str, list[int]] = field(default_factory=dict)
    answers_expected: int = 0
    answers_given: int = 0
    #: column -> number of answers (of rows used) set to missing because they were invalid
    answers_rejected: Counter[str] = field(default_factory=Counter)
    #: rows used whose importance points were invalid (their answers are kept)
    importance_rejected: int = 0
    #: answer columns in the file that the instrument does not ask (P23 beside P1..P22)
    unused_columns: list[str] = field(default_factory=list)
    #: answer columns whose every answer is text (labels the mapping does not turn into points)
    label_columns: list[str] = field(default_factory=list)
    #: the ends of the instrument's scale no answer uses (checked from 100 answers on) ...
    scale_unused: list[float] = field(default_factory=list)
    #: ... and the scale the numbers read look like then, (lowest, highest)
    scale_looks_like: tuple[float, float] | None = None
    #: file-level remarks (columns dropped for privacy, a scale that looks off, ...)
    notes: list[Issue] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    issues_not_listed: int = 0
    max_issues: int = 1000

    @property
    def rows_excluded(self) -> int:
        return sum(len(rows) for rows in self.excluded.values())

    @property
    def answers_missing(self) -> int:
        """Answers left blank or 'no opinion' (not counting rejected ones)."""
        return self.answers_expected - self.answers_given - self.total_rejected

    @property
    def total_rejected(self) -> int:
        return sum(self.answers_rejected.values())

    def add_issues(
        self,
        message_id: str,
        found: Sequence[int] | npt.NDArray[np.integer[Any]],
        params: Callable[[int], dict[str, Any]],
    ) -> None:
        """One issue per element of ``found``, its fields from ``params(element)``; only
        the issues that fit under ``max_issues`` are built, the rest are counted."""
        room = max(0, self.max_issues - len(self.issues))
        for element in found[:room]:
            self.issues.append(Issue(message_id, {"file": self.source, **params(int(element))}))
        self.issues_not_listed += max(0, len(found) - room)

    def exclude(self, rows: Any, reason: str, message_id: str, **params: Any) -> None:
        """Exclude source ``rows`` for ``reason``; each gets an issue from ``message_id``."""
        rows = [int(r) for r in np.atleast_1d(rows)]
        if not rows:
            return
        self.excluded.setdefault(reason, []).extend(rows)
        self.add_issues(message_id, rows, lambda row: {"row": row, **params})

    def note(self, message_id: str, **params: Any) -> None:
        self.notes.append(Issue(message_id, {"file": self.source, **params}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.file_format,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_excluded": self.rows_excluded,
            "excluded": {reason: sorted(rows) for reason, rows in self.excluded.items()},
            "answers_expected": self.answers_expected,
            "answers_given": self.answers_given,
            "answers_missing": self.answers_missing,
            "answers_rejected": self.total_rejected,
            "answers_rejected_by_column": dict(self.answers_rejected),
            "importance_rejected": self.importance_rejected,
            "unused_columns": self.unused_columns,
            "label_columns": self.label_columns,
            "scale_unused": self.scale_unused,
            "scale_looks_like": None if self.scale_looks_like is None else list(self.scale_looks_like),
            "notes": [str(n) for n in self.notes],
            "issues": [str(i) for i in self.issues],
            "issues_not_listed": self.issues_not_listed,
        }


@dataclass(frozen=True)
class ResponseSet:
    """Validated survey answers in the canonical layout.

    Attributes
    ----------
    instrument
        The instrument the answers belong to.
    table
        The validated answers as a polars DataFrame, one row per respondent and one
        column per answer and importance column, in the canonical names (``E1`` ...
        ``P22``, ``W_TAN`` ...); null is no answer. Whole scale points as read (Int16
        from CSV, else Float64); importance points Float64. The analysis works on this
        table: the 44 answers of a million respondents take 88 MB here, 352 MB as
        float matrices.
    attributes
        Respondent attributes (segments such as branch or channel) as text, one row per
        respondent.
    respondent_ids
        The respondent id of each row, as text, or None when the file has no id column.
    row_numbers
        The row in the source file each respondent came from (header row = 1).
    report
        The validation summary.
    open_answers
        The open questions' answers (``OPEN_IMPROVE``) as text, one row per respondent,
        null for no answer: kept for reading, never analysed as numbers.
    """

    instrument: Instrument
    table: pl.DataFrame
    attributes: pl.DataFrame
    respondent_ids: pl.Series | None
    row_numbers: np.ndarray
    report: ValidationReport
    open_answers: pl.DataFrame

    @property
    def n_respondents(self) -> int:
        return len(self.row_numbers)

    @cached_property
    def answers(self) -> dict[str, np.ndarray]:
        """Section (``"expectation"``, ``"perception"``, ``"minimum"``) -> float array of
        shape (n_respondents, n_items) in the instrument's item order; NaN is no answer.
        Raw answers: reverse scoring is the analysis' job. Made from :attr:`table` when
        first asked for. A managers' or employees' file may leave a section out: it is then
        absent here (see :attr:`sections`)."""
        return {s: float_matrix(self.table.select(self.instrument.columns(s))) for s in self.sections}

    @property
    def sections(self) -> tuple[str, ...]:
        """The instrument's sections the file holds, in the instrument's order."""
        return tuple(s for s in self.instrument.sections if self.instrument.columns(s)[0] in self.table.columns)

    @property
    def factors(self) -> tuple[Factor, ...]:
        """The instrument's factors the file holds."""
        return tuple(f for f in self.instrument.factors if f.columns[0] in self.table.columns)

    def factor_answers(self, factor: Factor) -> np.ndarray:
        """Float array of shape (n_respondents, n_items) of one factor's raw answers (NaN
        is no answer); reverse scoring is the analysis' job."""
        return float_matrix(self.table.select(factor.columns))

    @property
    def has_importance(self) -> bool:
        """Whether the table holds the instrument's importance points."""
        columns = self.instrument.importance_columns
        return bool(columns) and columns[0] in self.table.columns

    @cached_property
    def importance(self) -> np.ndarray | None:
        """Array of shape (n_respondents, n_dimensions) with the 100-point allocation, NaN
        for a respondent who gave none (or gave an invalid one); None if the file has none."""
        if not self.has_importance:
            return None
        return float_matrix(self.table.select(self.instrument.importance_columns))

    def to_frame(self) -> pd.DataFrame:
        """A pandas DataFrame in the canonical file layout (id, attributes, E.., P.., W_..,
        the factor statements' answers TW1..). Open answers are left out: they are text a
        person may be known by, kept apart in :attr:`open_answers`."""
        import pandas as pd

        columns: dict[str, Any] = {}
        if self.respondent_ids is not None:
            columns["respondent_id"] = self.respondent_ids.to_numpy()
        for name in self.attributes.columns:
            columns[name] = self.attributes[name].to_numpy()
        for section, matrix in self.answers.items():
            prefix = SECTION_PREFIX[section]
            for j, item in enumerate(self.instrument.items):
                columns[f"{prefix}{item.number}"] = matrix[:, j]
        if self.importance is not None:
            for j, name in enumerate(self.instrument.importance_columns):
                columns[name] = self.importance[:, j]
        for factor in self.factors:
            for j, name in enumerate(factor.columns):
                columns[name] = self.factor_answers(factor)[:, j]
        return pd.DataFrame(columns)


def float_matrix(part: pl.DataFrame) -> np.ndarray:
    """A float matrix (column-major) of the numeric columns of ``part``, null as NaN.

    Column by column into one array: a cast of the whole frame first would touch twice
    the memory, and fresh pages cost the kernel more time than the copy itself."""
    matrix = np.empty((part.height, part.width), dtype=np.float64, order="F")
    for j, series in enumerate(part.iter_columns()):
        # The values without their nulls come out of polars without a copy; the nulls
        # (a few percent) become NaN by position. polars' own conversion of a column
        # with nulls makes a float copy first.
        matrix[:, j] = series.fill_null(0).to_numpy()
        if series.null_count():
            matrix[series.is_null().arg_true().to_numpy(), j] = np.nan
    return matrix
