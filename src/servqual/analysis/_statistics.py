"""Sufficient statistics of a response set, summed over blocks of rows.

Everything ``analyze`` reports follows from these sums: frequency tables of every item
and of every respondent's dimension score (answers are whole scale points, so a
dimension score is one of a few fractions), pairwise moments for the reliabilities,
the moments of complete rows for the CFA, and a few sums of products. One pass over
blocks of rows computes them all, so temporaries stay small and in cache however many
respondents there are; and sums of separate parts of a file add up to those of the
whole, so the same code can serve a dashboard that adds new responses and partitions
summed elsewhere.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from threadpoolctl import threadpool_limits

from servqual.analysis._ipa import overall_sums
from servqual.analysis._reliability import pair_sums
from servqual.analysis._zone import zone_counts
from servqual.instruments import Instrument

#: Rows per block: a block's float32 columns of one section (22 items: 0.7 MB) and their
#: [present | x | x^2] stack (2.2 MB) stay in a core's L2 and L3 cache; 4096 and 16384 rows were no faster.
BLOCK_ROWS = 8_192
#: The largest frequency table of one segment column and dimension (64 MB).
MAX_SEGMENT_CELLS = 2**23
#: Threads that sum parts of the rows at most (beyond four the interpreter lock wins).
WORKERS = 4


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

    @classmethod
    def of(
        cls, instrument: Instrument, answered: list[str], cfa: Sequence[str] = (), groups: dict[str, int] | None = None
    ) -> Layout:
        """The layout for an instrument's ``answered`` sections: the gap P - E and, in the
        three-column format, the adequacy gap P - M follow (there the gap is the
        superiority gap P - D); segments compare the first difference (else perceptions)."""
        differences = tuple(
            d
            for d, needs in (("gap", "expectation"), ("adequacy", "minimum"))
            if {needs, "perception"} <= set(answered)
        )
        sections = (*answered, *differences)
        span = instrument.scale.max - instrument.scale.min
        return cls(
            sections=sections,
            differences=differences,
            lowest={s: -span if s in differences else instrument.scale.min for s in sections},
            widths={s: 2 * span + 1 if s in differences else span + 1 for s in sections},
            dimensions=tuple(tuple(instrument.item_positions(d.key)) for d in instrument.dimensions),
            n_items=len(instrument.items),
            headline=differences[0] if differences else ("perception" if "perception" in answered else sections[0]),
            cfa=tuple(s for s in cfa if s in sections),
            groups=groups or {},
        )

    def segment_cells(self, column: str) -> int:
        """Cells of the largest frequency table of one segment column (groups x scores)."""
        return self.groups[column] * max(self.n_keys(self.headline, d) + 1 for d in range(len(self.dimensions)))

    def n_keys(self, section: str, dimension: int) -> int:
        """Possible (sum, count) pairs of a dimension score; one more bin counts no score."""
        k = len(self.dimensions[dimension])
        return (k * (self.widths[section] - 1) + 1) * k

    @cached_property
    def indicator(self) -> np.ndarray:
        """items x dimensions, 1 where the item belongs to the dimension; in the block
        products' precision."""
        matrix = np.zeros((self.n_items, len(self.dimensions)), dtype=self.product_dtype)
        for d, positions in enumerate(self.dimensions):
            matrix[list(positions), d] = 1
        return matrix

    @cached_property
    def dimension_sizes(self) -> np.ndarray:
        """Items per dimension, as a column (dimensions x 1)."""
        return np.array([[len(positions)] for positions in self.dimensions])

    def item_offsets(self, width: int) -> np.ndarray:
        """Where each item's frequency table starts (``width`` values and no answer)."""
        return np.arange(self.n_items) * (width + 1)

    @cached_property
    def stacking(self) -> tuple[tuple[slice | list[int], int, int], ...]:
        """Per dimension: its item columns (a slice where they are adjacent, which takes
        no copy), where its [present | value | value^2] columns start, and its size."""
        parts, offset = [], 0
        for positions in self.dimensions:
            k = len(positions)
            adjacent = list(positions) == list(range(positions[0], positions[0] + k))
            parts.append((slice(positions[0], positions[0] + k) if adjacent else list(positions), offset, k))
            offset += 3 * k
        return tuple(parts)

    def dimension_moments(self, moments: np.ndarray, dimension: int) -> tuple[np.ndarray, ...]:
        """(n, sums, squares, cross) of one dimension's items from the block product
        [present | x | x^2]^T [present | x] of :func:`accumulate`."""
        k = len(self.dimensions[dimension])
        return moments[:k, :k], moments[k : 2 * k, :k], moments[2 * k :, :k], moments[k : 2 * k, k:]

    @cached_property
    def product_dtype(self) -> type:
        """float32 for the block products where that is exact: whole numbers whose
        products summed over a block stay below 2**24 (7- and 9-point scales); it
        halves the time of the products. float64 for wider scales."""
        largest = max(max(abs(low), abs(low + self.widths[s] - 1)) for s, low in self.lowest.items())
        return np.float32 if largest**2 * BLOCK_ROWS < 2**24 else np.float64

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


def accumulate(
    layout: Layout,
    answers: dict[str, np.ndarray],
    weights: np.ndarray | None = None,
    codes: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The sums behind every figure of ``analyze``, over blocks of rows.

    ``answers`` are the scored answer sections (whole numbers, NaN for no answer),
    ``weights`` the importance points, ``codes`` each segment column's group codes.
    Returns named arrays; the sums of two parts of a file add up name by name, which is
    how the parts of a large file are summed on several cores at once.
    """
    n_rows = next(iter(answers.values())).shape[0]
    n_blocks = -(-n_rows // BLOCK_ROWS)
    workers = max(1, min(WORKERS, os.cpu_count() or 1, n_blocks))
    edges = [BLOCK_ROWS * (n_blocks * w // workers) for w in range(workers)] + [n_rows]

    def part(rows: slice) -> dict[str, np.ndarray]:
        sums: dict[str, np.ndarray] = {}

        def add(name: str, value: np.ndarray | float) -> None:
            if name in sums:
                sums[name] += value  # in place: a segment's table can be large
            else:
                sums[name] = np.array(value, dtype=np.float64)

        for start in range(rows.start, rows.stop, BLOCK_ROWS):
            _add_block(layout, answers, weights, codes or {}, slice(start, min(start + BLOCK_ROWS, rows.stop)), add)
        return sums

    # One BLAS thread: the products of a block are too small to share, and OpenBLAS's
    # waiting threads made this loop up to 60 times slower on a busy 2-core machine.
    # numpy lets go of the interpreter lock inside each operation, so parts run in threads.
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(part, [slice(a, b) for a, b in itertools.pairwise(edges)]))
    return {name: sum(p[name] for p in parts) for name in parts[0]}


def _add_block(
    layout: Layout,
    answers: dict[str, np.ndarray],
    weights: np.ndarray | None,
    codes: dict[str, np.ndarray],
    rows: slice,
    add: Callable[[str, np.ndarray | float], None],
) -> None:
    """Add the sums of one block of rows."""
    dtype = layout.product_dtype
    # Whole scale points (and their differences) are exact in float32; NaN stays NaN.
    block = {section: matrix[rows].astype(dtype) for section, matrix in answers.items()}
    if "gap" in layout.sections:
        block["gap"] = block["perception"] - block["expectation"]
    if "adequacy" in layout.sections:
        block["adequacy"] = block["perception"] - block["minimum"]
    n = rows.stop - rows.start
    # Per dimension d, the columns [present | value | value^2] of its items, side by side:
    # one product of that (n x 3k) part with its first 2k columns gives the dimension's
    # pair counts, sums, sums of squares and cross-products (the figures need no
    # moments across dimensions), a third of the work of the items x items products.
    stacked = np.empty((n, 3 * layout.n_items), dtype=dtype, order="F")
    scores = {}
    for section in layout.sections:
        x = block[section]
        present = x == x  # not NaN, in one pass
        filled = np.where(present, x, 0)
        for d, (columns, offset, k) in enumerate(layout.stacking):
            part = stacked[:, offset : offset + 3 * k]
            part[:, :k] = present[:, columns]
            part[:, k : 2 * k] = filled[:, columns]
            np.square(part[:, k : 2 * k], out=part[:, 2 * k :])
            add(f"{section}:moments:{d}", part.T @ part[:, : 2 * k])
        lowest, width = layout.lowest[section], layout.widths[section]
        if section in layout.differences:
            # each item's values in bins of its own; the last bin of each item counts no answer
            value_codes = np.where(present, x, lowest + width)
            value_codes += layout.item_offsets(width) - lowest
            add(
                f"{section}:items",
                np.bincount(value_codes.astype(np.intp).ravel(order="K"), minlength=layout.n_items * (width + 1)),
            )
        # dimensions x respondents, so that each dimension's row is contiguous; whole
        # numbers, exact in ``dtype``
        count = layout.indicator.T @ present.T.astype(dtype)
        total = layout.indicator.T @ filled.T
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[section] = total.astype(np.float64) / count  # NaN (0/0) where nothing was answered
        # Each respondent's (sum, count) key per dimension, then one frequency table of
        # all dimensions side by side (each dimension's keys shifted to its own bins).
        offsets = layout.key_offsets(section)
        sizes = np.diff(offsets)[:, None]  # n_keys + 1; the last bin counts no score
        keys = (total - count * lowest) * layout.dimension_sizes.astype(dtype) + count - 1
        keys = np.where(count == 0, sizes - 1, keys).astype(np.intp)
        add(f"{section}:dimensions", np.bincount((keys + offsets[:-1, None]).ravel(), minlength=offsets[-1]))
        if section == layout.headline:
            for column, code in codes.items():
                start = layout.segment_offsets(column)
                joint = code[rows] * sizes + keys + start[:-1, None]
                add(f"segment:{column}", np.bincount(joint.ravel(), minlength=start[-1]))
        if section == layout.headline:
            add("n_used", float(np.count_nonzero(present.any(axis=1))))
        if section in layout.cfa:
            # [n, sums; sums, cross] of the complete rows: the others zeroed rather than left out
            complete = present.all(axis=1).astype(dtype)
            kept = filled * complete[:, None]
            moments = np.empty((layout.n_items + 1, layout.n_items + 1))
            moments[0, 0], moments[0, 1:] = complete.sum(), kept.sum(axis=0)
            moments[1:, 0], moments[1:, 1:] = moments[0, 1:], kept.T @ kept
            add(f"{section}:complete", moments)
        if section == "perception":
            add(
                "perception:overall",
                overall_sums(
                    filled.astype(np.float64),
                    present.astype(np.float64),
                    count.sum(axis=0, dtype=np.float64),
                    total.sum(axis=0, dtype=np.float64),
                ),
            )
    if "gap" in layout.sections:
        add("difference_score", pair_sums(scores["perception"].T, scores["expectation"].T))
    if "minimum" in layout.sections:
        zone = ("minimum", "expectation", "perception")
        add("zone:items", zone_counts(*(block[s] for s in zone)))
        add("zone:dimensions", zone_counts(*(scores[s].T for s in zone)))
    if weights is not None:
        points = weights[rows]
        given = ~np.isnan(points)
        add("weights", np.stack([given.sum(axis=0), np.where(given, points, 0.0).sum(axis=0)]))
        for section in ("gap", "perception"):
            if section in scores:
                # NaN unless the respondent has importance points and a score on every dimension
                weighted = np.einsum("ij,ji->i", points, scores[section]) / 100
                usable = ~np.isnan(weighted)
                add(f"{section}:weighted", np.array([np.count_nonzero(usable), weighted[usable].sum()]))
