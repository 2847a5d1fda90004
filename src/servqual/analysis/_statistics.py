"""Sufficient statistics of a response set, summed over blocks of rows.

Everything ``analyze`` reports follows from these sums: frequency tables of every
respondent's dimension score (answers are whole scale points, so a dimension score is
one of a few fractions), the frequency table of each dimension's answer patterns (from
which every pairwise moment and every item's frequencies follow exactly), the moments
of complete rows for the CFA, and a few sums of products. Sums of separate parts of a
file add up to those of the whole (tests/analysis/test_statistics.py checks it), which
is what a dashboard that adds new responses to stored sums, or partitions summed
elsewhere, would build on. Today the web dashboard still analyses a wave's responses
whole, with its report cached until a response arrives (docs/web.md).

Why patterns: a dimension of k items on a 7-point scale has at most 8**k answer
patterns (14**k for the gap), so one integer per respondent and one ``bincount`` give
its whole joint distribution. The integer is made by polars on all cores, without the
interpreter lock, straight from the columns as read (docs/performance.md has what this
replaced and what it saves).

:func:`accumulate` gives the :class:`Sums` of a table, which add up over parts (``a + b``);
:func:`finish` turns the sums of the whole into the :class:`Totals` the figures read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from servqual.analysis._reliability import PairwiseMoments
from servqual.analysis._results import DIFFERENCES, headline_of
from servqual.analysis._zone import zone_counts
from servqual.instruments import Instrument
from servqual.tuning import in_blocks

#: Rows per block: the per-respondent codes and keys of a block (about 40 integers a
#: respondent) stay near 40 MB however large the file.
BLOCK_ROWS = 262_144
#: The largest frequency table of one dimension's answer patterns (8 MB); a dimension
#: with more patterns is counted as the patterns of each pair of its items (a scale has at
#: most 101 points, so a pair's table of gaps has at most 202**2 cells).
MAX_PATTERN_CELLS = 2**20
#: The largest frequency table of one segment column and dimension (64 MB).
MAX_SEGMENT_CELLS = 2**23


@dataclass(frozen=True)
class Layout:
    """What is counted, and where in the sums: sections, value ranges, dimensions."""

    #: answer sections and their differences (gap, adequacy), in display order
    sections: tuple[str, ...]
    #: the differences, whose items are tested (signed-rank tests need their frequencies)
    differences: tuple[str, ...]
    #: lowest possible value of each section (the scale's minimum, or minus its span)
    lowest: dict[str, int]
    #: number of possible values of each section
    widths: dict[str, int]
    #: item positions of each dimension
    dimensions: tuple[tuple[int, ...], ...]
    n_items: int
    #: the section whose scores segments compare
    headline: str
    #: sections whose complete rows the factor model needs
    cfa: tuple[str, ...]
    #: segment column -> number of groups (codes 0..n-1)
    groups: dict[str, int]
    #: answered section -> its columns in the response table, in item order
    columns: dict[str, tuple[str, ...]]
    #: importance columns in the response table, one per dimension (none: no weights)
    importance: tuple[str, ...]
    #: positions of the items scored in reverse (min + max - x)
    reverse: tuple[int, ...]
    #: min + max of the scale
    flip: int

    @classmethod
    def of(
        cls,
        instrument: Instrument,
        answered: list[str],
        cfa: Sequence[str] = (),
        groups: dict[str, int] | None = None,
        importance: bool = False,
    ) -> Layout:
        """The layout for an instrument's ``answered`` sections: the gap P - E and, in the
        three-column format, the adequacy gap P - M follow (there the gap is the
        superiority gap P - D); segments compare the first difference (else perceptions)."""
        differences = tuple(d for d, needs in DIFFERENCES.items() if {needs, "perception"} <= set(answered))
        sections = (*answered, *differences)
        span = instrument.scale.max - instrument.scale.min
        return cls(
            sections=sections,
            differences=differences,
            lowest={s: -span if s in differences else instrument.scale.min for s in sections},
            widths={s: 2 * span + 1 if s in differences else span + 1 for s in sections},
            dimensions=tuple(tuple(instrument.item_positions(d.key)) for d in instrument.dimensions),
            n_items=len(instrument.items),
            headline=headline_of(sections),
            cfa=tuple(s for s in cfa if s in sections),
            groups=groups or {},
            columns={s: tuple(instrument.columns(s)) for s in answered},
            importance=tuple(instrument.importance_columns) if importance else (),
            reverse=tuple(instrument.reverse_positions),
            flip=instrument.scale.min + instrument.scale.max,
        )

    def segment_cells(self, column: str) -> int:
        """Cells of the largest frequency table of one segment column (groups x scores)."""
        return self.groups[column] * max(self.n_keys(self.headline, d) + 1 for d in range(len(self.dimensions)))

    def n_keys(self, section: str, dimension: int) -> int:
        """Possible (sum, count) pairs of a dimension score; one more bin counts no score."""
        k = len(self.dimensions[dimension])
        return (k * (self.widths[section] - 1) + 1) * k

    def key_offsets(self, section: str) -> np.ndarray:
        """Where each dimension's frequency table of (sum, count) keys starts in the
        one table of all dimensions (n_keys + 1 bins each, the last for no score)."""
        sizes = [self.n_keys(section, d) + 1 for d in range(len(self.dimensions))]
        return np.concatenate(([0], np.cumsum(sizes)))

    def segment_offsets(self, column: str) -> np.ndarray:
        """Where each dimension's groups x keys table of a segment column starts."""
        sizes = [self.groups[column] * (self.n_keys(self.headline, d) + 1) for d in range(len(self.dimensions))]
        return np.concatenate(([0], np.cumsum(sizes)))

    def score_values(self, section: str, dimension: int) -> np.ndarray:
        """The dimension score of each (sum, count) key: sum / count. Division of the
        same whole numbers gives the same float, so equal fractions tie exactly."""
        k, lowest = len(self.dimensions[dimension]), self.lowest[section]
        keys = np.arange(self.n_keys(section, dimension))
        count = keys % k + 1
        return (keys // k + count * lowest) / count

    @cached_property
    def pattern_groups(self) -> dict[str, tuple[tuple[tuple[int, ...], ...], ...]]:
        """Per section and dimension, the sets of item indexes (within the dimension)
        whose joint answer patterns are counted: the whole dimension where its table
        stays under MAX_PATTERN_CELLS, else each pair of its items."""
        groups = {}
        for section in self.sections:
            base = self.widths[section] + 1
            per_dimension: list[tuple[tuple[int, ...], ...]] = []
            for positions in self.dimensions:
                k = len(positions)
                if base**k <= MAX_PATTERN_CELLS:
                    per_dimension.append((tuple(range(k)),))
                else:
                    per_dimension.append(tuple(itertools.combinations(range(k), 2)))
            groups[section] = tuple(per_dimension)
        return groups

    # -- the polars expressions everything is counted from --------------------------

    def value(self, section: str, item: int) -> pl.Expr:
        """An item's scored answer as a whole number (null: no answer); for a difference
        the difference of the two answers (null unless both were given)."""
        if section in self.differences:
            return self.value("perception", item) - self.value(DIFFERENCES[section], item)
        answer = pl.col(self.columns[section][item]).cast(self.whole_type)
        return self.flip - answer if item in self.reverse else answer

    def digit(self, section: str, item: int) -> pl.Expr:
        """0 for no answer, else 1 + the answer's place on the section's scale."""
        return (self.value(section, item) - (self.lowest[section] - 1)).fill_null(0)

    def pattern(self, section: str, dimension: int, group: tuple[int, ...]) -> pl.Expr:
        """The answer pattern of the ``group`` of a dimension's items as one integer."""
        base, positions = self.widths[section] + 1, self.dimensions[dimension]
        return pl.sum_horizontal(
            self.digit(section, positions[i]).cast(pl.Int32) * base**q for q, i in enumerate(group)
        )

    def key(self, section: str, dimension: int) -> pl.Expr:
        """Each respondent's (sum, count) key of a dimension score; n_keys for no score."""
        values = [self.value(section, i) for i in self.dimensions[dimension]]
        total = pl.sum_horizontal(v.fill_null(0).cast(pl.Int32) for v in values)
        count = pl.sum_horizontal(v.is_not_null().cast(pl.Int32) for v in values)
        k = len(values)
        return (
            pl.when(count > 0)
            .then((total - count * self.lowest[section]) * k + count - 1)
            .otherwise(self.n_keys(section, dimension))
        )

    @cached_property
    def pattern_keys(self) -> dict[tuple[str, int], np.ndarray]:
        """The (sum, count) key of every answer pattern of each dimension counted as one
        pattern: sums over the digits, built one digit at a time (np.add.outer)."""
        tables = {}
        for section in self.sections:
            base, lowest = self.widths[section] + 1, self.lowest[section]
            value, present = np.r_[0, np.arange(base - 1) + lowest], np.r_[0, np.ones(base - 1, dtype=int)]
            for d, groups in enumerate(self.pattern_groups[section]):
                k = len(self.dimensions[d])
                if len(groups[0]) < k:
                    continue
                total: np.ndarray = np.zeros((), dtype=np.int32)
                count: np.ndarray = np.zeros((), dtype=np.int32)
                for _ in range(k):  # each new digit the least significant; all play the same part
                    total, count = np.add.outer(total, value), np.add.outer(count, present)
                total, count = total.ravel(), count.ravel()
                keys = np.where(count > 0, (total - count * lowest) * k + count - 1, self.n_keys(section, d))
                tables[section, d] = keys.astype(np.int32)
        return tables

    def key_scores(self, section: str, dimension: int) -> np.ndarray:
        """The dimension score of each key, NaN for the last (no score)."""
        scores: np.ndarray = np.r_[self.score_values(section, dimension), np.nan]
        return scores

    def key_sums(self, section: str, dimension: int) -> tuple[np.ndarray, np.ndarray]:
        """The sum and the count of the answers behind each key, 0 for the last (no score)."""
        k, lowest = len(self.dimensions[dimension]), self.lowest[section]
        keys = np.arange(self.n_keys(section, dimension))
        count = keys % k + 1
        return np.r_[keys // k + count * lowest, 0], np.r_[count, 0]

    @cached_property
    def whole_type(self) -> type[pl.Int16] | type[pl.Int32]:
        """Int16, as CSV answers are read (no copy), where every answer and difference
        fits; else Int32."""
        return pl.Int16 if max(self.largest(s) for s in self.sections) < 2**15 else pl.Int32

    def largest(self, section: str) -> int:
        """The largest absolute value a section's answers can take."""
        low = self.lowest[section]
        return max(abs(low), abs(low + self.widths[section] - 1))


def _digits(patterns: np.ndarray, base: int, k: int) -> np.ndarray:
    """Each pattern's k digits (0: no answer, else 1 + the answer's place)."""
    return np.stack([patterns // base**q % base for q in range(k)], axis=1)


@dataclass
class Sums:
    """The mergeable sufficient statistics of a response table, or of some of its rows.

    The sums of two parts of a table add up to those of the whole (``a + b``); the
    figures follow from them through :func:`finish`. Frequency tables and sums are
    float64 or int64 arrays of fixed shape for a given :class:`Layout`.
    """

    #: respondents with a headline score on at least one dimension
    n_used: int
    #: (section, dimension, group) -> frequencies of the group's answer patterns
    #: (:attr:`Layout.pattern_groups`), from which every pairwise moment follows
    patterns: dict[tuple[str, int, int], np.ndarray]
    #: section -> frequencies of each dimension's (sum, count) score keys, one table of
    #: all dimensions (:meth:`Layout.key_offsets`); here only for dimensions counted by
    #: pairs of items, the others follow from their patterns in :func:`finish`
    score_keys: dict[str, np.ndarray]
    #: (dimension, group) of the perceptions -> per answer pattern, the sum of y and of
    #: y^2 over its respondents, y their overall perception score (derived importance)
    overall_by_pattern: dict[tuple[int, int], np.ndarray]
    #: CFA section -> [n, sums; sums, cross] of the rows with every item answered
    complete: dict[str, np.ndarray]
    #: per dimension (columns), n and the sums behind Johns' reliability of the gap
    #: (:func:`~servqual.analysis._reliability.pair_sums`); None without a gap
    difference_score: np.ndarray | None
    #: the zone of tolerance counts (n, below, inside, above) per item and per dimension;
    #: None outside the three-column format
    zone_items: np.ndarray | None
    zone_dimensions: np.ndarray | None
    #: per dimension: respondents with importance points, and the sum of their points;
    #: None without importance points
    weights: np.ndarray | None
    #: section (gap, perception) -> respondents with a weighted score, and its sum
    weighted: dict[str, np.ndarray]
    #: segment column -> per dimension, the joint frequencies of group and headline key
    #: (:meth:`Layout.segment_offsets`)
    segments: dict[str, np.ndarray]

    def __add__(self, other: Sums) -> Sums:
        return Sums(**{f.name: _added(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)})

    def __iadd__(self, other: Sums) -> Sums:
        """In place: a segment's table can be large, and many blocks are added up."""
        for f in fields(self):
            setattr(self, f.name, _added(getattr(self, f.name), getattr(other, f.name), into=True))
        return self


def _added(a: Any, b: Any, into: bool = False) -> Any:
    """``a + b`` for the values of :class:`Sums`, key by key for dicts (into ``a``'s arrays)."""
    if a is None:
        return None
    if isinstance(a, dict):
        return {key: _added(value, b[key], into) for key, value in a.items()}
    if into and isinstance(a, np.ndarray):
        a += b
        return a
    return a + b


#: A frequency table: the distinct values, and how often each occurs.
Table = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Totals:
    """What every figure of ``analyze`` is computed from: the sums of the whole table, and
    the moments and frequency tables that follow from them once (:func:`finish`; for
    answers that are not whole points :func:`~servqual.analysis._values.value_totals`)."""

    sums: Sums
    #: section -> per dimension, the pairwise moments of its items
    moments: dict[str, tuple[PairwiseMoments, ...]]
    #: (section, dimension) -> the respondents' distinct dimension scores and how many
    #: respondents have each
    score_tables: dict[tuple[str, int], Table]
    #: (difference section, item position) -> the item's distinct values and their frequencies
    item_tables: dict[tuple[str, int], Table]
    #: (segment column, dimension) -> the distinct headline scores, and per group (rows)
    #: how many respondents have each, then how many have no score (the last column)
    segment_tables: dict[tuple[str, int], Table]
    #: per perception item, over respondents who answered it: sum y, sum y^2 and sum xy,
    #: y the overall perception score; None without perceptions
    overall: np.ndarray | None


def accumulate(layout: Layout, table: pl.DataFrame, codes: dict[str, np.ndarray] | None = None) -> Sums:
    """The sums behind every figure of ``analyze``, over blocks of rows.

    ``table`` is the response table (:attr:`ResponseSet.table`) or a part of its rows,
    ``codes`` each segment column's group codes for those rows.
    """
    codes = codes or {}

    def block(start: int) -> Sums:
        rows = slice(start, min(start + BLOCK_ROWS, table.height))
        return block_sums(layout, table[rows], {column: code[rows] for column, code in codes.items()})

    parts = in_blocks(block, range(0, max(table.height, 1), BLOCK_ROWS))
    total = next(parts)
    for part in parts:
        total += part
    return total


def finish(layout: Layout, sums: Sums) -> Totals:
    """The patterns' frequencies of the whole table, once, into moments, the frequency
    tables of items (of differences) and of dimension scores, and the sums per
    perception item behind the derived importance."""
    score_keys = {section: table.copy() for section, table in sums.score_keys.items()}
    moments: dict[str, tuple[PairwiseMoments, ...]] = {}
    item_values: dict[str, np.ndarray] = {}
    for section in layout.sections:
        offsets = layout.key_offsets(section)
        if section in layout.differences:
            item_values[section] = np.zeros(layout.n_items * (layout.widths[section] + 1))
        per_dimension = []
        for d, groups in enumerate(layout.pattern_groups[section]):
            k = len(layout.dimensions[d])
            dimension_moments = np.zeros((4, k, k))
            for g, group in enumerate(groups):
                counts = sums.patterns[section, d, g]
                _add_pattern_moments(layout, section, d, group, counts, dimension_moments, item_values.get(section))
                if len(group) == k:
                    score_keys[section][offsets[d] : offsets[d + 1]] += np.bincount(
                        layout.pattern_keys[section, d], weights=counts, minlength=offsets[d + 1] - offsets[d]
                    )
            per_dimension.append(PairwiseMoments(*dimension_moments))
        moments[section] = tuple(per_dimension)
    return Totals(
        sums=sums,
        moments=moments,
        score_tables=_score_tables(layout, score_keys),
        item_tables=_item_tables(layout, item_values),
        segment_tables=_segment_score_tables(layout, sums.segments),
        overall=_overall_sums(layout, sums.overall_by_pattern) if "perception" in layout.sections else None,
    )


def _score_tables(layout: Layout, score_keys: dict[str, np.ndarray]) -> dict[tuple[str, int], Table]:
    """The frequencies of each dimension's (sum, count) keys as a table of its distinct
    scores: keys of the same score (2/4 and 1/2) merge."""
    tables = {}
    for section in layout.sections:
        offsets = layout.key_offsets(section)
        for d in range(len(layout.dimensions)):
            values, inverse = np.unique(layout.score_values(section, d), return_inverse=True)
            frequencies = score_keys[section][offsets[d] : offsets[d + 1] - 1]  # the last bin: no score
            tables[section, d] = values, np.bincount(inverse, weights=frequencies, minlength=len(values))
    return tables


def _item_tables(layout: Layout, item_values: dict[str, np.ndarray]) -> dict[tuple[str, int], Table]:
    """Each difference item's frequencies (values, then no answer) as a table of its values."""
    tables = {}
    for section, frequencies in item_values.items():
        width = layout.widths[section]
        values = np.arange(width, dtype=np.float64) + layout.lowest[section]
        for j in range(layout.n_items):
            tables[section, j] = values, frequencies[j * (width + 1) : (j + 1) * (width + 1) - 1]
    return tables


def _segment_score_tables(layout: Layout, segments: dict[str, np.ndarray]) -> dict[tuple[str, int], Table]:
    """Each segment column's joint frequencies of group and headline key as, per
    dimension, the distinct headline scores and per group the frequency of each (and of
    no score, the last column)."""
    tables = {}
    for d in range(len(layout.dimensions)):
        values, inverse = np.unique(layout.score_values(layout.headline, d), return_inverse=True)
        for column, joint_keys in segments.items():
            start, stop = layout.segment_offsets(column)[d : d + 2]
            joint = joint_keys[start:stop].reshape(layout.groups[column], -1)
            merged = np.zeros((joint.shape[0], len(values) + 1))
            np.add.at(merged, (slice(None), np.r_[inverse, len(values)]), joint)  # type: ignore[arg-type]  # numpy's stubs take no slice here
            tables[column, d] = values, merged
    return tables


def _segment_tables(layout: Layout, headline: list[np.ndarray], codes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per segment column, the joint frequencies of each respondent's group and headline
    (sum, count) key of every dimension."""
    tables = {}
    for column, code in codes.items():
        offsets = layout.segment_offsets(column)
        table = np.zeros(offsets[-1])
        for d, key in enumerate(headline):
            table[offsets[d] : offsets[d + 1]] = np.bincount(
                code * (layout.n_keys(layout.headline, d) + 1) + key, minlength=offsets[d + 1] - offsets[d]
            )
        tables[column] = table
    return tables


def block_sums(layout: Layout, block: pl.DataFrame, codes: dict[str, np.ndarray]) -> Sums:
    """The sums of one block of rows (``codes``: each segment column's group codes).

    polars turns each dimension's answers into one pattern integer per respondent; every
    other per-respondent figure (the dimension's (sum, count) key, its score, the
    overall perception score) then follows by table look-up, and every pairwise moment
    and item frequency from the patterns' frequency table (:func:`finish`)."""
    n_dimensions = len(layout.dimensions)
    names: list[tuple[str, int, int | str] | str] = []
    expressions = []
    for section in layout.sections:
        for d in range(n_dimensions):
            groups = layout.pattern_groups[section][d]
            for g, group in enumerate(groups):
                names.append((section, d, g))
                expressions.append(layout.pattern(section, d, group).alias(f"{section}:{d}:{g}"))
            if len(groups[0]) < len(layout.dimensions[d]):  # patterns of pairs: the key itself
                names.append((section, d, "key"))
                expressions.append(layout.key(section, d).alias(f"{section}:{d}:key"))
    if layout.importance:  # NaN, not null: numpy then takes the column without a copy
        names += layout.importance
        expressions += [pl.col(c).fill_null(np.nan) for c in layout.importance]
    columns = dict(zip(names, (s.to_numpy() for s in block.select(expressions).iter_columns()), strict=True))

    patterns: dict[tuple[str, int, int], np.ndarray] = {}
    score_keys: dict[str, np.ndarray] = {}
    keys: dict[tuple[str, int], np.ndarray] = {}
    for section in layout.sections:
        offsets = layout.key_offsets(section)
        table = np.zeros(offsets[-1])
        for d, positions in enumerate(layout.dimensions):
            groups = layout.pattern_groups[section][d]
            for g, group in enumerate(groups):
                size = (layout.widths[section] + 1) ** len(group)
                patterns[section, d, g] = np.bincount(columns[section, d, g], minlength=size)
            if len(groups[0]) == len(positions):  # its keys' frequencies follow from the patterns' (finish)
                keys[section, d] = layout.pattern_keys[section, d].take(columns[section, d, 0])
            else:
                keys[section, d] = columns[section, d, "key"]
                table[offsets[d] : offsets[d + 1]] = np.bincount(
                    keys[section, d], minlength=offsets[d + 1] - offsets[d]
                )
        score_keys[section] = table

    headline = [keys[layout.headline, d] for d in range(n_dimensions)]
    scored = np.zeros(block.height, dtype=bool)
    for d, key in enumerate(headline):
        scored |= key != layout.n_keys(layout.headline, d)

    def scores(section: str) -> list[np.ndarray]:
        """Per dimension each respondent's score, NaN for none."""
        return [layout.key_scores(section, d).take(keys[section, d]) for d in range(n_dimensions)]

    zone_items = zone_dimensions = None
    if "minimum" in layout.sections:
        zone = ("minimum", "expectation", "perception")
        items = [block.select(layout.value(s, j) for j in range(layout.n_items)).to_numpy().astype(float) for s in zone]
        zone_items = zone_counts(*items)
        zone_dimensions = zone_counts(*(np.stack(scores(s), axis=1) for s in zone))
    weights, weighted = importance_sums(layout, [columns[c] for c in layout.importance], scores)
    return Sums(
        n_used=int(np.count_nonzero(scored)),
        patterns=patterns,
        score_keys=score_keys,
        overall_by_pattern=_overall_by_pattern(layout, keys, columns) if "perception" in layout.sections else {},
        complete={section: _complete_moments(layout, block, section) for section in layout.cfa},
        difference_score=np.stack(
            [_pair_sums_of_keys(layout, keys["perception", d], keys["expectation", d], d) for d in range(n_dimensions)],
            axis=1,
        )
        if "gap" in layout.sections
        else None,
        zone_items=zone_items,
        zone_dimensions=zone_dimensions,
        weights=weights,
        weighted=weighted,
        segments=_segment_tables(layout, headline, codes),
    )


def importance_sums(
    layout: Layout, points: list[np.ndarray], scores: Callable[[str], list[np.ndarray]]
) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    """The sums behind the weights and the weighted scores (:attr:`Sums.weights`,
    :attr:`Sums.weighted`) from each importance column's points (NaN: none) and
    ``scores(section)``, per dimension each respondent's score (NaN: none)."""
    if not layout.importance:
        return None, {}
    given = [~np.isnan(p) for p in points]
    weights = np.array(
        [[g.sum() for g in given], [np.where(g, p, 0.0).sum() for g, p in zip(given, points, strict=True)]]
    )
    weighted: dict[str, np.ndarray] = {}
    for section in ("gap", "perception"):
        if section in layout.sections:
            # NaN unless the respondent has importance points and a score on every dimension
            products = sum(p * score for p, score in zip(points, scores(section), strict=True)) / 100
            usable = ~np.isnan(products)
            weighted[section] = np.array([np.count_nonzero(usable), products[usable].sum()])
    return weights, weighted


def _pair_sums_of_keys(layout: Layout, perception: np.ndarray, expectation: np.ndarray, dimension: int) -> np.ndarray:
    """:func:`~servqual.analysis._reliability.pair_sums` of the dimension scores of P and
    E, from the joint frequencies of their keys: n, sum p, sum e, sum p^2, sum e^2, sum pe
    over respondents with both."""
    n_p, n_e = layout.n_keys("perception", dimension), layout.n_keys("expectation", dimension)
    joint = np.bincount(perception * (n_e + 1) + expectation, minlength=(n_p + 1) * (n_e + 1))
    both = joint.reshape(n_p + 1, n_e + 1)[:n_p, :n_e].astype(np.float64)  # the last key of each: no score
    p, e = layout.score_values("perception", dimension), layout.score_values("expectation", dimension)
    by_p, by_e = both.sum(axis=1), both.sum(axis=0)
    return np.array([both.sum(), by_p @ p, by_e @ e, by_p @ (p * p), by_e @ (e * e), p @ both @ e])


def _add_pattern_moments(
    layout: Layout,
    section: str,
    dimension: int,
    group: tuple[int, ...],
    counts: np.ndarray,
    moments: np.ndarray,
    item_values: np.ndarray | None,
) -> None:
    """The pairwise moments (n, sums, squares, cross) of the items of ``group`` from the
    frequencies of their answer patterns, into ``moments``; for a difference also each
    item's frequency table (its values, then no answer) into ``item_values``. Exact:
    whole numbers, summed in float64."""
    base, lowest = layout.widths[section] + 1, layout.lowest[section]
    seen = np.flatnonzero(counts)
    weight = counts[seen].astype(np.float64)
    digits = _digits(seen, base, len(group))
    present = (digits > 0).astype(np.float64)
    values = np.where(digits > 0, digits - 1 + lowest, 0).astype(np.float64)
    weighted_present, weighted_values = present * weight[:, None], values * weight[:, None]
    at = np.ix_(list(group), list(group))
    moments[0][at] = present.T @ weighted_present
    moments[1][at] = values.T @ weighted_present
    moments[2][at] = (values * values).T @ weighted_present
    moments[3][at] = values.T @ weighted_values
    if item_values is not None:
        for q, i in enumerate(group):
            frequencies = np.bincount(digits[:, q], weights=weight, minlength=base)
            item = layout.dimensions[dimension][i]
            # values first, then the bin that counts no answer
            item_values[item * base : (item + 1) * base] = np.r_[frequencies[1:], frequencies[0]]


def _overall_by_pattern(
    layout: Layout, keys: dict[tuple[str, int], np.ndarray], columns: dict[Any, np.ndarray]
) -> dict[tuple[int, int], np.ndarray]:
    """Per perception answer pattern, the sum of y and of y^2 over the respondents who gave
    it, with y the respondent's overall perception score (the mean of all answered items);
    :func:`_overall_sums` turns them into sums per item once for the whole table."""
    total: np.ndarray | int = 0
    count: np.ndarray | int = 0
    for d in range(len(layout.dimensions)):
        sums, counts = layout.key_sums("perception", d)
        total, count = total + sums.take(keys["perception", d]), count + counts.take(keys["perception", d])
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(count > 0, total / count, 0.0)
    base = layout.widths["perception"] + 1
    by_pattern: dict[tuple[int, int], np.ndarray] = {}
    for d, groups in enumerate(layout.pattern_groups["perception"]):
        for g, group in enumerate(groups):
            pattern, size = columns["perception", d, g], base ** len(group)
            by_pattern[d, g] = np.stack(
                [
                    np.bincount(pattern, weights=overall, minlength=size),
                    np.bincount(pattern, weights=overall**2, minlength=size),
                ]
            )
    return by_pattern


def _overall_sums(layout: Layout, overall_by_pattern: dict[tuple[int, int], np.ndarray]) -> np.ndarray:
    """Per perception item, over respondents who answered it: sum y, sum y^2 and sum xy
    (as :func:`~servqual.analysis._ipa.overall_sums` gives them), from the sums per answer
    pattern of :func:`_overall_by_pattern`."""
    base, lowest = layout.widths["perception"] + 1, layout.lowest["perception"]
    result = np.zeros((3, layout.n_items))
    for d, positions in enumerate(layout.dimensions):
        done = set()
        for g, group in enumerate(layout.pattern_groups["perception"][d]):
            by_pattern = overall_by_pattern[d, g]
            digits = _digits(np.arange(base ** len(group)), base, len(group))
            for q, i in enumerate(group):
                if i in done:
                    continue
                done.add(i)
                present = digits[:, q] > 0
                value = np.where(present, digits[:, q] - 1 + lowest, 0)
                result[:, positions[i]] = [by_pattern[0] @ present, by_pattern[1] @ present, by_pattern[0] @ value]
    return result


def _complete_moments(layout: Layout, block: pl.DataFrame, section: str) -> np.ndarray:
    """[n, sums; sums, cross] of the rows with every item of ``section`` answered
    (``A.T @ A`` with a column of ones in front). Whole numbers: float32 products are
    exact while every sum stays below 2**24, and faster than float64."""
    exact = layout.largest(section) ** 2 * block.height < 2**24
    rows = block.select(layout.value(section, j).alias(str(j)) for j in range(layout.n_items)).drop_nulls()
    x: np.ndarray = rows.to_numpy().astype(np.float32 if exact else np.float64)
    moments = np.empty((x.shape[1] + 1, x.shape[1] + 1))
    moments[0, 0], moments[0, 1:] = len(x), x.sum(axis=0, dtype=np.float64)
    moments[1:, 0], moments[1:, 1:] = moments[0, 1:], x.T @ x
    return moments
