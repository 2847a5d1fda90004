"""The typed figures of an analysis: what ``analyze`` returns, part by part.

Every class is a frozen dataclass whose ``to_dict()`` gives its part of the documented JSON
(docs/json-output.md: same keys, same order, numbers unrounded, NaN where undefined). The
report, the command line and the dashboard read the attributes; only the JSON output and
the exports go through ``to_dict()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    import pandas as pd

#: The differences with perception, and the section each subtracts: the gap P - E and, in
#: the three-column format, the adequacy gap P - M (in the order the headline prefers them).
DIFFERENCES = {"gap": "expectation", "adequacy": "minimum"}
DIFFERENCE_SECTIONS = tuple(DIFFERENCES)

Interval = tuple[float, float]


def headline_of(sections: Sequence[str]) -> str:
    """The section a result leads with and segments compare: the gap, else the adequacy
    gap, else the perception, else the only section there is."""
    for section in (*DIFFERENCE_SECTIONS, "perception"):
        if section in sections:
            return section
    return sections[0]


@dataclass(frozen=True)
class Figures:
    """n, mean and SD (n - 1) of one section's scores: of a dimension or of an item. A
    suppressed figure rests on fewer answers than the anonymity threshold: it keeps its n,
    its mean and SD are NaN (servqual.analysis._anonymity)."""

    n: int
    mean: float
    sd: float
    suppressed: bool = False

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"n": self.n, "mean": self.mean, "sd": self.sd}
        if self.suppressed:
            entry["suppressed"] = True
        return entry


@dataclass(frozen=True)
class GapTest:
    """Whether a difference section's mean (a gap) differs from zero: its 95% CI, the
    one-sample (for an item: paired) t-test with Cohen's d_z, and the signed-rank test."""

    ci95: Interval
    t: float
    df: float
    p_value: float
    d_z: float
    wilcoxon_v: float
    wilcoxon_p: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "ci95": list(self.ci95),
            "t": self.t,
            "df": self.df,
            "p_value": self.p_value,
            "d_z": self.d_z,
            "wilcoxon_v": self.wilcoxon_v,
            "wilcoxon_p": self.wilcoxon_p,
        }


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha with Feldt's CI, omega total and the item statistics of the items
    of one dimension in one section."""

    alpha: float
    ci95: Interval
    #: respondents with at least one answer among the items (the n of Feldt's interval)
    n: int
    k: int
    omega_total: float
    alpha_if_dropped: tuple[float, ...]
    corrected_item_total: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "ci95": list(self.ci95),
            "n": self.n,
            "k": self.k,
            "omega_total": self.omega_total,
            "alpha_if_dropped": list(self.alpha_if_dropped),
            "corrected_item_total": list(self.corrected_item_total),
        }


@dataclass(frozen=True)
class ZoneShares:
    """The zone of tolerance (three-column format): respondents with M, D and P, and the
    shares of them below the minimum, inside the zone and above the desired level."""

    n: int
    below: float
    inside: float
    above: float

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "below": self.below, "inside": self.inside, "above": self.above}


def _section_dicts(scores: dict[str, Figures], tests: dict[str, GapTest]) -> dict[str, dict[str, Any]]:
    return {s: figures.to_dict() | (tests[s].to_dict() if s in tests else {}) for s, figures in scores.items()}


@dataclass(frozen=True)
class DimensionResult:
    """The figures of one dimension: per section its scores (and, for a difference, the
    tests of its gap), reliability, and its weight from the importance points."""

    key: str
    scores: dict[str, Figures]
    #: difference section -> the tests of the dimension's gap
    tests: dict[str, GapTest]
    reliability: dict[str, Reliability]
    #: the reliability of the gap as a difference of two composites (Johns); None
    #: without a gap section
    difference_score: float | None
    #: the zone of tolerance, in the three-column format only
    zone: ZoneShares | None
    #: the mean share of the importance points (0..1); None without importance points
    weight: float | None

    @property
    def alpha(self) -> dict[str, float]:
        """Cronbach's alpha per section."""
        return {section: r.alpha for section, r in self.reliability.items()}

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = _section_dicts(self.scores, self.tests)
        if self.zone is not None:
            entry["zone"] = self.zone.to_dict()
        entry["alpha"] = self.alpha
        entry["reliability"] = {section: r.to_dict() for section, r in self.reliability.items()}
        if self.difference_score is not None:
            entry["reliability"]["difference_score"] = self.difference_score
        entry["weight"] = self.weight
        return entry


@dataclass(frozen=True)
class ItemResult:
    """The figures of one item: per section its answers' n, mean and SD (and, for a
    difference, the paired tests); ``n`` is that of the headline section."""

    item: int
    dimension: str
    scores: dict[str, Figures]
    tests: dict[str, GapTest]
    zone: ZoneShares | None
    n: int

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"item": self.item, "dimension": self.dimension}
        for section, figures in _section_dicts(self.scores, self.tests).items():
            row.update({f"{section}_{name}": value for name, value in figures.items()})
        if self.zone is not None:
            row["zone"] = self.zone.to_dict()
        row["n"] = self.n
        return row


@dataclass(frozen=True)
class OverallScore:
    """The mean of the dimension means, and the mean over respondents of their scores
    weighted by their own importance points (NaN without importance points)."""

    unweighted: float
    weighted: float

    def to_dict(self) -> dict[str, Any]:
        return {"unweighted": self.unweighted, "weighted": self.weighted}


# -- segments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupScore:
    """A dimension's headline score in one group: n, mean and its 95% t interval. A
    suppressed score (too few of the group's members answered the dimension, or it would
    reveal such a score) carries no figures: n, mean and ci95 are None."""

    n: int | None
    mean: float | None
    ci95: Interval | None
    suppressed: bool = False
    #: the SD (n - 1) of the members' scores, for comparing groups (not in the JSON)
    sd: float | None = None

    def to_dict(self, section: str) -> dict[str, Any]:
        if self.suppressed:
            return {"suppressed": True}
        return {"n": self.n, f"{section}_mean": self.mean, "ci95": None if self.ci95 is None else list(self.ci95)}


#: The score of a dimension hidden in a group that is itself shown.
HIDDEN_SCORE = GroupScore(n=None, mean=None, ci95=None, suppressed=True)


@dataclass(frozen=True)
class SegmentGroup:
    """One value of a segment column. A suppressed group shows its value only."""

    value: str | None
    suppressed: bool
    #: respondents in the group; None when suppressed
    n: int | None
    #: dimension key -> score (itself suppressed where too few answered); empty when the
    #: group is suppressed
    dimensions: dict[str, GroupScore]

    def to_dict(self, section: str) -> dict[str, Any]:
        if self.suppressed:
            return {"value": self.value, "suppressed": True}
        return {
            "value": self.value,
            "suppressed": False,
            "n": self.n,
            "dimensions": {key: score.to_dict(section) for key, score in self.dimensions.items()},
        }


@dataclass(frozen=True)
class WelchT:
    """Welch's t-test of the first visible group against the second."""

    t: float
    df: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {"test": "welch_t", "t": self.t, "df": self.df, "p_value": self.p_value}


@dataclass(frozen=True)
class WelchAnova:
    """Welch's one-way ANOVA across three or more visible groups."""

    f: float
    df1: float
    df2: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {"test": "welch_anova", "f": self.f, "df1": self.df1, "df2": self.df2, "p_value": self.p_value}


@dataclass(frozen=True)
class KruskalWallis:
    """The Kruskal-Wallis rank-sum test, with the tie correction."""

    h: float
    df: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {"h": self.h, "df": self.df, "p_value": self.p_value}


@dataclass(frozen=True)
class PairwiseTest:
    """Welch's t-test of two visible groups, and its p-value after Holm's adjustment."""

    a: str | None
    b: str | None
    p_value: float
    p_holm: float

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "p_value": self.p_value, "p_holm": self.p_holm}


@dataclass(frozen=True)
class SegmentTest:
    """Whether the visible groups differ on a dimension's headline score."""

    parametric: WelchT | WelchAnova
    kruskal_wallis: KruskalWallis
    pairwise: tuple[PairwiseTest, ...]

    @property
    def p_value(self) -> float:
        """The p-value of the parametric test (Welch's t or ANOVA)."""
        return self.parametric.p_value

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.parametric.to_dict(),
            "kruskal_wallis": self.kruskal_wallis.to_dict(),
            "pairwise": [pair.to_dict() for pair in self.pairwise],
        }


#: What becomes of respondents without a value of a segment column: left out of its groups
#: and tests ("exclude", the default), or a group of their own ("group").
SEGMENT_MISSING = ("exclude", "group")


@dataclass(frozen=True)
class SegmentResult:
    """The groups of one segment column under the anonymity threshold, and the tests
    across the visible ones per dimension (None: fewer than two visible groups)."""

    min_group: int
    #: the section whose scores are compared (the headline)
    section: str
    groups: tuple[SegmentGroup, ...]
    tests: dict[str, SegmentTest | None]
    #: respondents without a value: "exclude" (left out of the groups and tests) or
    #: "group" (a group of their own, value None)
    missing: str = "exclude"
    #: respondents left out (0 with "group"); None when showing the number would reveal
    #: the size of a suppressed group by subtraction
    left_out: int | None = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_group": self.min_group,
            "missing": self.missing,
            "left_out": self.left_out,
            "groups": [group.to_dict(self.section) for group in self.groups],
            "tests": {key: None if test is None else test.to_dict() for key, test in self.tests.items()},
        }


# -- factor model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FitMeasures:
    """lavaan's fit measures of a factor model fitted by maximum likelihood."""

    chi2: float
    df: int
    p_value: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci90: Interval
    srmr: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "chi2": self.chi2,
            "df": self.df,
            "p_value": self.p_value,
            "cfi": self.cfi,
            "tli": self.tli,
            "rmsea": self.rmsea,
            "rmsea_ci90": list(self.rmsea_ci90),
            "srmr": self.srmr,
            "n": self.n,
        }


@dataclass(frozen=True)
class Loading:
    item: int
    dimension: str
    std_loading: float


@dataclass(frozen=True)
class CompositeReliability:
    """Composite reliability and average variance extracted of one factor."""

    composite_reliability: float
    ave: float


@dataclass(frozen=True)
class FactorFit:
    """A fitted factor model: its fit, standardised loadings and each factor's reliability."""

    fit: FitMeasures
    loadings: tuple[Loading, ...]
    reliability: dict[str, CompositeReliability]
    #: tells a fit from a :class:`NoFactorFit` (``if not model.converged``)
    converged: ClassVar[Literal[True]] = True

    @property
    def n(self) -> int:
        return self.fit.n

    def to_dict(self) -> dict[str, Any]:
        return {
            "converged": True,
            **self.fit.to_dict(),
            "loadings": [
                {"item": x.item, "dimension": x.dimension, "std_loading": x.std_loading} for x in self.loadings
            ],
            "reliability": {
                key: {"composite_reliability": r.composite_reliability, "ave": r.ave}
                for key, r in self.reliability.items()
            },
        }


@dataclass(frozen=True)
class NoFactorFit:
    """A factor model that could not be fitted, on ``n`` complete rows, and why."""

    n: int
    #: too_few_rows, singular or not_converged
    reason: str
    converged: ClassVar[Literal[False]] = False

    def to_dict(self) -> dict[str, Any]:
        return {"converged": False, "n": self.n, "reason": self.reason}


FactorModel = FactorFit | NoFactorFit


# -- importance and performance -------------------------------------------------------------


@dataclass(frozen=True)
class DimensionPoint:
    """A dimension in the importance-performance grid (stated importance, 0..1)."""

    dimension: str
    importance: float | None
    performance: float
    quadrant: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "importance": self.importance,
            "performance": self.performance,
            "quadrant": self.quadrant,
        }


@dataclass(frozen=True)
class ItemPoint:
    """An item in the importance-performance grid (derived importance, a correlation)."""

    item: int
    importance: float
    performance: float
    quadrant: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "importance": self.importance,
            "performance": self.performance,
            "quadrant": self.quadrant,
        }


@dataclass(frozen=True)
class ImportancePerformance:
    """The grid of dimensions (empty without importance points) and of items."""

    dimensions: tuple[DimensionPoint, ...]
    items: tuple[ItemPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"dimensions": [p.to_dict() for p in self.dimensions], "items": [p.to_dict() for p in self.items]}


# -- warnings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultWarning:
    """Something in a result to read with care: a code and the figures behind it (only
    those the code has; docs/json-output.md lists them)."""

    code: str
    dimension: str | None = None
    section: str | None = None
    reason: str | None = None
    n: int | None = None
    share: float | None = None
    threshold: float | None = None
    alpha: float | None = None
    reliability: float | None = None
    cfi: float | None = None
    rmsea: float | None = None
    #: columns as the file names them
    columns: tuple[str, ...] | None = None
    #: scale points (the ends of the instrument's scale no answer uses)
    points: tuple[float, ...] | None = None
    #: the instrument's scale and the one the answers look like, (lowest, highest)
    scale: tuple[float, float] | None = None
    looks_like: tuple[float, float] | None = None

    def figures(self) -> dict[str, Any]:
        """The figures the code has, by name, in the documented order."""
        return {f.name: getattr(self, f.name) for f in fields(self)[1:] if getattr(self, f.name) is not None}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, **{k: list(v) if isinstance(v, tuple) else v for k, v in self.figures().items()}}


# -- the whole result -----------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisResult:
    """Scores, inference and reliability per item and dimension.

    ``to_dict()`` gives the documented JSON (docs/json-output.md); keys are stable.
    """

    instrument: str
    n_respondents: int
    #: respondents with at least one answer pair (or perception, without expectations)
    n_used: int
    #: answer sections and differences present, in display order (expectation, ..., gap)
    sections: tuple[str, ...]
    dimensions: dict[str, DimensionResult]
    items: tuple[ItemResult, ...]
    #: the overall scores of the gap (SERVQUAL; None without expectations) and of the
    #: perceptions (SERVPERF; None without perceptions)
    servqual: OverallScore | None
    servperf: OverallScore | None
    #: segment column -> its groups and tests
    segments: dict[str, SegmentResult]
    #: section -> the factor model fitted on it
    cfa: dict[str, FactorModel]
    ipa: ImportancePerformance
    #: things to read with care, see docs/methods.md
    warnings: tuple[ResultWarning, ...]

    @property
    def headline(self) -> str:
        """The section the result leads with (:func:`headline_of`)."""
        return headline_of(self.sections)

    @property
    def differences(self) -> tuple[str, ...]:
        """The difference sections present (gap, adequacy), whose means are tested."""
        return tuple(s for s in self.sections if s in DIFFERENCE_SECTIONS)

    def item_table(self) -> pd.DataFrame:
        """One row per item: item, dimension, n and every <section>_<statistic> figure."""
        import pandas as pd

        return pd.DataFrame(
            [
                {k: (tuple(v) if isinstance(v, list) else v) for k, v in item.to_dict().items() if k != "zone"}
                for item in self.items
            ]
        )

    def dimension_table(self) -> pd.DataFrame:
        """One row per dimension and section: n, mean, sd (and the tests for gaps), alpha, omega."""
        import pandas as pd

        rows = []
        for key, dimension in self.dimensions.items():
            for section, figures in _section_dicts(dimension.scores, dimension.tests).items():
                reliability = dimension.reliability[section]
                rows.append(
                    {
                        "dimension": key,
                        "section": section,
                        **{k: (tuple(v) if isinstance(v, list) else v) for k, v in figures.items()},
                        "alpha": reliability.alpha,
                        "omega_total": reliability.omega_total,
                    }
                )
        table = pd.DataFrame(rows)
        last = ["alpha", "omega_total"]
        return table[[c for c in table.columns if c not in last] + last]

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "n_respondents": self.n_respondents,
            "n_used": self.n_used,
            "sections": list(self.sections),
            "dimensions": {key: dimension.to_dict() for key, dimension in self.dimensions.items()},
            "items": [item.to_dict() for item in self.items],
            "servqual": None if self.servqual is None else self.servqual.to_dict(),
            "servperf": None if self.servperf is None else self.servperf.to_dict(),
            "segments": {column: segment.to_dict() for column, segment in self.segments.items()},
            "cfa": {section: model.to_dict() for section, model in self.cfa.items()},
            "ipa": self.ipa.to_dict(),
            "warnings": [warning.to_dict() for warning in self.warnings],
        }
