"""The diagnosis of the gaps model: all five gaps side by side, per unit and per process.

Gap 5 (customers' perceptions minus expectations) is caused by gaps 1 to 4 inside the
organisation. :func:`diagnose` sets the customers' figures beside the managers' and the
contact employees' (:mod:`servqual.analysis._gaps`): a size per gap on one 0-100 scale for
the picture of the model, the evidence behind it, the same per unit (a branch's employees
beside the same branch's customers) and per customer process (docs/methods.md#diagnosis).

Every figure keeps the anonymity threshold ``min_group``: a group of a unit below it is
hidden, with as many others as make the hidden ones hold at least ``min_group`` (so none
follows by subtraction), by the same rule as the customers' segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from servqual.analysis._anonymity import hidden
from servqual.analysis._evidence import MIN_FOR_ADVICE
from servqual.analysis._gaps import (
    Comparison,
    Comparisons,
    FactorScore,
    MirrorResult,
    column_figures,
    compare_figures,
    compared,
    factor_scores,
    figures_in_analysis,
    respondent_factor_scores,
)
from servqual.analysis._inference import NAN, ci_of_mean
from servqual.analysis._parts import PartSums
from servqual.analysis._results import AnalysisResult, Figures, Interval, ResultWarning, SegmentResult
from servqual.analysis._segments import MISSING_VALUE, holm, segment_codes, segment_scores, welch_t_of
from servqual.analysis._sets import column_sums, figures_of, item_set_sums, set_name
from servqual.analysis._values import group_table
from servqual.instruments import Factor, Instrument, Process
from servqual.io import ResponseSet

#: The gap sizes' levels, from the index (0-100) of what they rest on: factor scales
#: (``factors``: an index under 33.3 means a mean score in the top third of the scale,
#: over 50 one below its middle) or a difference between two groups' answers
#: (``prediction``, ``customers``: under 8.3 is within half a point of a 7-point scale,
#: over 16.7 more than a whole point). docs/methods.md#diagnosis.
LEVEL_BOUNDS = {"factors": (100 / 3, 50.0), "prediction": (100 / 12, 100 / 6), "customers": (100 / 12, 100 / 6)}
LEVELS = ("small", "medium", "large")
#: Units needed before a relation across units is read as one: with fewer, a correlation
#: rests on a handful of points and one unit decides it.
MIN_UNITS_FOR_RELATION = 10
#: The significance level of a unit's score against the other units' (after Holm).
ALPHA = 0.05


@dataclass(frozen=True)
class GapSize:
    """A gap's size for the picture of the model: ``index`` from 0 (none) to 100, its
    ``level`` (small, medium, large) and what it rests on (``basis``: factors, prediction
    or customers); level and basis None when the gap was not measured."""

    index: float
    level: str | None
    basis: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "level": self.level, "basis": self.basis}


NOT_MEASURED = GapSize(NAN, None, None)


def gap_size(index: float, basis: str) -> GapSize:
    """The size of a gap whose index rests on ``basis`` (:data:`LEVEL_BOUNDS`)."""
    if index != index:
        return NOT_MEASURED
    medium, large = LEVEL_BOUNDS[basis]
    level = LEVELS[0] if index < medium else LEVELS[1] if index <= large else LEVELS[2]
    return GapSize(index, level, basis)


@dataclass(frozen=True)
class DimensionGap:
    """Gap 5 of one dimension (or one process's items): the customers' mean P - E, its
    n, SD and 95% CI."""

    key: str
    figures: Figures
    ci95: Interval

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, **self.figures.to_dict(), "ci95": list(self.ci95)}


@dataclass(frozen=True)
class GapDiagnosis:
    """One gap of the model: its size and the evidence behind it. Gap 1: the managers'
    predictions against the customers' expectations (``expectation``, ``importance``)
    and the gap 1 factors; gaps 2-4: their factors; gap 5: the customers' gap per
    dimension. ``factor_index``: the gap index of the factors (NaN without them)."""

    gap: int
    size: GapSize
    factors: tuple[FactorScore, ...] = ()
    factor_index: float = NAN
    expectation: Comparisons | None = None
    importance: tuple[Comparison, ...] = ()
    dimensions: tuple[DimensionGap, ...] = ()

    @property
    def measured(self) -> bool:
        return self.size.level is not None

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"gap": self.gap, **self.size.to_dict(), "measured": self.measured}
        if self.gap < 5:
            entry["factor_index"] = self.factor_index
            entry["factors"] = [f.to_dict() for f in self.factors]
        if self.gap == 1:
            entry["expectation"] = None if self.expectation is None else self.expectation.to_dict()
            entry["importance"] = [c.to_dict() for c in self.importance]
        if self.gap == 5:
            entry["dimensions"] = [d.to_dict() for d in self.dimensions]
        return entry


@dataclass(frozen=True)
class UnitComparison:
    """One unit's score on one subject (a factor, or a dimension's gap 5) against the
    respondents of the other units whose score is shown: Welch's t-test, its p-value
    after Holm's adjustment over all units and subjects of the audience. ``below``: the
    unit scores significantly worse than the others (a lower factor score, a more
    negative gap)."""

    unit: str | None
    audience: str
    subject: str
    gap: int | None
    unit_figures: Figures
    others: Figures
    difference: float
    p_value: float
    p_holm: float

    @property
    def below(self) -> bool:
        return self.difference < 0 and self.p_holm < ALPHA

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "audience": self.audience,
            "subject": self.subject,
            "gap": self.gap,
            "unit_figures": self.unit_figures.to_dict(),
            "others": self.others.to_dict(),
            "difference": self.difference,
            "p_value": self.p_value,
            "p_holm": self.p_holm,
            "below": self.below,
        }


@dataclass(frozen=True)
class UnitRelation:
    """Across units: a factor's mean score against the customers' mean gap 5 of the same
    units (Pearson's r over the units where both are shown). ``enough_units``: False
    when fewer than :data:`MIN_UNITS_FOR_RELATION` units have both, too few to conclude."""

    factor: str
    gap: int | None
    n_units: int
    r: float
    p_value: float

    @property
    def enough_units(self) -> bool:
        return self.n_units >= MIN_UNITS_FOR_RELATION

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "gap": self.gap,
            "n_units": self.n_units,
            "r": self.r,
            "p_value": self.p_value,
            "enough_units": self.enough_units,
            "min_units": MIN_UNITS_FOR_RELATION,
        }


@dataclass(frozen=True)
class UnitDiagnosis:
    """The gaps per unit of one attribute column (a branch): the customers' gap 5 per
    dimension, the employees' and managers' factor scores per unit (each under the
    threshold, as a customer segment), every unit against the others, and the relations
    across units."""

    column: str
    customers: SegmentResult | None
    employees: SegmentResult | None
    managers: SegmentResult | None
    comparisons: tuple[UnitComparison, ...]
    relations: tuple[UnitRelation, ...]

    @property
    def findings(self) -> tuple[UnitComparison, ...]:
        """The units that score significantly worse than the others, per subject."""
        return tuple(c for c in self.comparisons if c.below)

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "customers": None if self.customers is None else self.customers.to_dict(),
            "employees": None if self.employees is None else self.employees.to_dict(),
            "managers": None if self.managers is None else self.managers.to_dict(),
            "comparisons": [c.to_dict() for c in self.comparisons],
            "findings": [c.to_dict() for c in self.findings],
            "relations": [r.to_dict() for r in self.relations],
        }


@dataclass(frozen=True)
class ProcessDiagnosis:
    """The gaps in one customer process, from its items and factors: a size per gap (1 to
    5), the customers' gap 5 over its items, the managers' predictions (gap 1) and the
    employees' view (the mirror) over the same items."""

    process: Process
    sizes: tuple[GapSize, ...]
    customers: DimensionGap | None
    prediction: Comparison | None
    mirror: Comparison | None

    def size(self, gap: int) -> GapSize:
        return self.sizes[gap - 1]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.process.to_dict(),
            "gaps": {f"gap{g}": s.to_dict() for g, s in enumerate(self.sizes, start=1)},
            "customers": None if self.customers is None else self.customers.to_dict(),
            "prediction": None if self.prediction is None else self.prediction.to_dict(),
            "mirror": None if self.mirror is None else self.mirror.to_dict(),
        }


@dataclass(frozen=True)
class Diagnosis:
    """All five gaps of the model, with the mirror, the staff's customer orientation, the
    figures per unit and per process. ``audiences``: whose answers it rests on."""

    audiences: tuple[str, ...]
    min_group: int
    gaps: tuple[GapDiagnosis, ...]
    mirror: MirrorResult | None
    values: tuple[FactorScore, ...]
    units: dict[str, UnitDiagnosis] = field(default_factory=dict)
    processes: tuple[ProcessDiagnosis, ...] = ()
    notes: tuple[ResultWarning, ...] = ()
    #: audience -> the instrument its answers were given to (the factors' names and items)
    instruments: dict[str, Instrument] = field(default_factory=dict)

    def gap(self, number: int) -> GapDiagnosis:
        return self.gaps[number - 1]

    def factor(self, key: str) -> Factor:
        """The factor of that key in the managers' or employees' instrument."""
        return next(f for i in self.instruments.values() for f in i.factors if f.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "audiences": list(self.audiences),
            "instruments": {audience: instrument.key for audience, instrument in self.instruments.items()},
            "min_group": self.min_group,
            **{f"gap{g.gap}": g.to_dict() for g in self.gaps},
            "mirror": None if self.mirror is None else self.mirror.to_dict(),
            "values": [v.to_dict() for v in self.values],
            "units": {column: unit.to_dict() for column, unit in self.units.items()},
            "processes": [p.to_dict() for p in self.processes],
            "notes": [n.to_dict() for n in self.notes],
        }


def diagnose(
    customers: ResponseSet | CustomerSums,
    result: AnalysisResult,
    managers: ResponseSet | None = None,
    employees: ResponseSet | None = None,
    *,
    units: Sequence[str] = (),
    processes: Sequence[Process] = (),
    min_group: int = 5,
    segment_missing: str = "exclude",
) -> Diagnosis:
    r"""The five gaps from the customers', managers' and employees' answers.

    Each gap gets a size on a 0-100 index (higher: a larger gap) and a level:

    - gap 1, when the managers predicted the expectations: the largest over the dimensions
      of :math:`100\,|\bar E_\text{managers} - \bar E_\text{customers}| / (\max - \min)`
      (basis ``prediction``); else the gap index of the managers' gap 1 factors;
    - gaps 2 to 4: the gap index of their factors (basis ``factors``,
      :func:`factor_scores`);
    - gap 5: :math:`100 \max(0, -\bar G) / (\max - \min)` with :math:`\bar G` the mean of
      the dimensions' mean gaps P - E (basis ``customers``).

    Levels by :data:`LEVEL_BOUNDS`. Per unit column (``units``, e.g. ``branch``): the
    customers' gap per dimension and the factor scores per unit under the threshold, each
    unit's score against the other units' (Welch's t, Holm over the units and subjects of
    an audience), and per factor Pearson's r across units between its unit means and the
    customers' unit mean gap, read as a relation only from :data:`MIN_UNITS_FOR_RELATION`
    units on. Per process: the same sizes from its items and factors.

    Parameters
    ----------
    customers
        The customers' responses, or their :class:`CustomerSums` (a web wave's, from the
        sums stored per batch, counted with the same processes).
    result
        :func:`analyze` of ``customers`` (its dimension gaps are gap 5).
    managers, employees
        The managers' (``servqual-managers``) and contact employees'
        (``servqual-employees``) responses, or None; each may hold any of its sections.
    units
        Attribute columns to give the gaps per unit of: the customers' from ``result``'s
        segments (so analyze with the same segments), the others' from each file that has
        the column.
    processes
        The study's customer processes (:func:`servqual.instruments.load_processes`).
    min_group
        The anonymity threshold for every figure of managers and employees, per unit and
        per process (and for the customers' units).
    segment_missing
        Respondents without a unit value: ``exclude`` or ``group`` (as :func:`analyze`).

    In R: ``t.test`` for each comparison (as :func:`gap1`, :func:`mirror`),
    ``p.adjust(p, "holm")``, ``cor.test(x, y)`` across units.
    """
    if isinstance(customers, ResponseSet):
        customers = CustomerSums.of(customers, processes)
    instrument = customers.instrument
    audiences = (
        "customer",
        *(["manager"] if managers is not None else []),
        *(["employee"] if employees is not None else []),
    )
    span = instrument.scale.max - instrument.scale.min
    notes: list[ResultWarning] = []
    manager_factors = None if managers is None else factor_scores(managers, min_answers=min_group)
    employee_factors = None if employees is None else factor_scores(employees, min_answers=min_group)
    factors = (
        *(manager_factors.factors if manager_factors else ()),
        *(employee_factors.factors if employee_factors else ()),
    )
    indices = {
        index.gap: index
        for scores in (manager_factors, employee_factors)
        if scores is not None
        for index in scores.gap_indices
    }

    prediction: Comparisons | None = None
    importance: tuple[Comparison, ...] = ()
    if managers is not None and "expectation" in managers.sections and "expectation" in result.sections:
        prediction = compared(
            managers, "expectation", instrument, *figures_in_analysis(result, "expectation", instrument), min_group
        )
        if managers.has_importance and customers.importance:
            columns = instrument.importance_columns
            importance = tuple(
                compare_figures(column, mine, theirs, min_group)
                for column, mine, theirs in zip(
                    columns, column_figures(managers, columns), customers.importance, strict=True
                )
            )
    elif managers is not None:
        notes.append(ResultWarning("no_prediction", reason="managers' file has no E1..E22"))
    gaps = []
    for number in (1, 2, 3, 4):
        of_gap = tuple(f for f in factors if f.gap == number)
        factor_index = indices[number].index if number in indices else NAN
        size = gap_size(factor_index, "factors")
        if number == 1 and prediction is not None:
            distance = _distance(prediction.dimensions, span)
            if distance == distance:
                size = gap_size(distance, "prediction")
        gaps.append(
            GapDiagnosis(
                number,
                size,
                factors=of_gap,
                factor_index=factor_index,
                expectation=prediction if number == 1 else None,
                importance=importance if number == 1 else (),
            )
        )
    gap_dimensions = _gap5_dimensions(result)
    shown = [d.figures.mean for d in gap_dimensions if d.figures.n and not d.figures.suppressed]
    gap5_index = 100 * max(0.0, -float(np.mean(shown))) / span if shown else NAN
    gaps.append(GapDiagnosis(5, gap_size(gap5_index, "customers"), dimensions=gap_dimensions))
    if not gap_dimensions:
        notes.append(ResultWarning("no_customer_gap", reason="customers' file has no expectations"))
    for audience, responses in (("manager", managers), ("employee", employees)):
        if responses is None:
            notes.append(ResultWarning(f"no_{audience}s"))
        elif responses.n_respondents < MIN_FOR_ADVICE:
            # their gaps' sizes rest on few people: read with care, as the customers' figures are
            notes.append(
                ResultWarning("small_sample", reason=audience, n=responses.n_respondents, threshold=MIN_FOR_ADVICE)
            )

    item_sets = {p.key: list(p.items) for p in processes if p.items}
    process_figures = {
        ("customer", section): {key: customers.item_set(section, key) for key in item_sets}
        for section in _set_sections(result.sections)
    }
    for audience, responses in (("manager", managers), ("employee", employees)):
        if responses is None or not item_sets:
            continue
        for (section, key), figures in item_set_figures(
            responses, _set_sections(responses.sections), item_sets
        ).items():
            process_figures.setdefault((audience, section), {})[key] = figures
    the_mirror = None
    if employees is not None and "perception" in employees.sections and "perception" in result.sections:
        perceived = figures_in_analysis(result, "perception", instrument)
        managers_view = None
        if managers is not None and "perception" in managers.sections:
            managers_view = compared(managers, "perception", instrument, *perceived, min_group)
        the_mirror = MirrorResult(compared(employees, "perception", instrument, *perceived, min_group), managers_view)
    return Diagnosis(
        audiences=audiences,
        min_group=min_group,
        gaps=tuple(gaps),
        mirror=the_mirror,
        values=tuple(f for f in factors if f.gap is None),
        units={
            column: _units(column, result.segments.get(column), managers, employees, min_group, segment_missing)
            for column in units
        },
        processes=tuple(
            _process(
                p,
                instrument,
                {where: of_process[p.key] for where, of_process in process_figures.items() if p.key in of_process},
                factors,
                min_group,
            )
            for p in processes
        ),
        notes=tuple(notes),
        instruments={
            audience: i
            for audience, i in (
                ("customer", instrument),
                ("manager", None if managers is None else managers.instrument),
                ("employee", None if employees is None else employees.instrument),
            )
            if i is not None
        },
    )


def _set_sections(sections: Sequence[str]) -> list[str]:
    """The sections whose scores over the processes' items are counted: the answered
    ones, and the gap when both expectations and perceptions are."""
    answered = [s for s in sections if s in ("expectation", "perception")]
    return [*answered, *(["gap"] if len(answered) == 2 else [])]


@dataclass(frozen=True)
class CustomerSums:
    """What the diagnosis needs of the customers beyond their analysis, as sums that add
    up over parts of their responses: per importance column and per process's items in
    each section, the number, sum and sum of squares of the scores
    (:mod:`servqual.analysis._sets`). Made from their responses (:meth:`of`) or from the
    sums stored per batch of a web wave (:meth:`of_part`), which reads no answer again."""

    instrument: Instrument
    #: importance column -> sums; set name (``"gap/delivery"``) -> sums
    sums: dict[str, np.ndarray]

    @classmethod
    def of(cls, responses: ResponseSet, processes: Sequence[Process] = ()) -> CustomerSums:
        instrument = responses.instrument
        item_sets = {p.key: list(p.items) for p in processes if p.items}
        sums = item_set_sums(responses.table, instrument, _set_sections(responses.sections), item_sets)
        if responses.has_importance:
            sums |= column_sums(responses.table, instrument.importance_columns)
        return cls(instrument, sums)

    @classmethod
    def of_part(cls, part: PartSums, instrument: Instrument) -> CustomerSums:
        """From the sums of some or all parts (:func:`~servqual.analysis.part_sums` with
        the processes' ``item_sets``, :func:`~servqual.analysis.merge_parts`)."""
        return cls(instrument, dict(part.columns))

    @property
    def importance(self) -> tuple[Figures, ...]:
        """Per importance column its n, mean and SD; empty without importance points."""
        columns = self.instrument.importance_columns
        if not columns or columns[0] not in self.sums:
            return ()
        return tuple(figures_of(self.sums[c]) for c in columns)

    def item_set(self, section: str, key: str) -> Figures:
        """n, mean and SD of the customers' scores over a process's items in ``section``
        (no figures when the sums were counted without that process)."""
        found = self.sums.get(set_name(section, key))
        return Figures(0, NAN, NAN) if found is None else figures_of(found)


def _distance(comparisons: Sequence[Comparison], span: float) -> float:
    """100 x the largest absolute difference of the comparisons shown, over the scale's
    span: management misjudging one dimension by a point is a gap however well it knows
    the others."""
    shown = [abs(c.difference) for c in comparisons if not c.suppressed and c.difference == c.difference]
    return 100 * max(shown) / span if shown else NAN


def _gap5_dimensions(result: AnalysisResult) -> tuple[DimensionGap, ...]:
    if "gap" not in result.sections:
        return ()
    return tuple(
        DimensionGap(key, dimension.scores["gap"], dimension.tests["gap"].ci95)
        for key, dimension in result.dimensions.items()
    )


def _units(
    column: str,
    customers: SegmentResult | None,
    managers: ResponseSet | None,
    employees: ResponseSet | None,
    min_group: int,
    segment_missing: str,
) -> UnitDiagnosis:
    """The gaps per unit of ``column``: the customers' from their analysis (``customers``,
    its segment of that column), the factor scores per unit by the same rule."""
    tables: dict[str, SegmentResult | None] = {"customer": customers, "employee": None, "manager": None}
    gap_of: dict[str, dict[str, int | None]] = {}
    if customers is not None:
        gap_of["customer"] = dict.fromkeys(customers.tests, 5)
    for audience, responses in (("employee", employees), ("manager", managers)):
        if responses is not None and responses.factors and column in responses.attributes.columns:
            codes, categories = segment_codes(responses.attributes[column])
            tables[audience] = segment_scores(
                {
                    f.key: group_table(respondent_factor_scores(responses, f), codes, len(categories))
                    for f in responses.factors
                },
                categories,
                min_group,
                section="factor",
                missing=segment_missing,
            )
            gap_of[audience] = {f.key: f.gap for f in responses.factors}
    comparisons: list[UnitComparison] = []
    unit_means: dict[str, dict[str, dict[Any, float]]] = {}
    for audience, gaps in gap_of.items():
        segment = tables[audience]
        assert segment is not None
        shown = {key: _shown_scores(segment, key) for key in gaps}
        unit_means[audience] = {
            key: {value: score.mean for value, score in scores.items()} for key, scores in shown.items()
        }
        comparisons.extend(_against_others(audience, shown, gaps))
    relations = []
    if "customer" in unit_means:
        customer_gap = _unit_mean_gap(unit_means["customer"])
        for audience in ("manager", "employee"):
            for key, means in unit_means.get(audience, {}).items():
                both = sorted(set(means) & set(customer_gap), key=str)
                x = np.array([means[v] for v in both])
                y = np.array([customer_gap[v] for v in both])
                r = p = NAN
                if len(both) >= 3 and x.std() > 0 and y.std() > 0:
                    r, p = (float(v) for v in stats.pearsonr(x, y))
                relations.append(UnitRelation(key, gap_of[audience][key], len(both), r, p))
    return UnitDiagnosis(
        column, tables["customer"], tables["employee"], tables["manager"], tuple(comparisons), tuple(relations)
    )


def _shown_scores(segment: SegmentResult, key: str) -> dict[Any, Figures]:
    """The units whose score of ``key`` is shown (a value, not the respondents without one)."""
    shown = {}
    for group in segment.groups:
        score = group.dimensions.get(key)
        if group.suppressed or group.value is MISSING_VALUE or score is None or score.suppressed:
            continue
        assert score.n is not None and score.mean is not None and score.sd is not None
        shown[group.value] = Figures(score.n, score.mean, score.sd)
    return shown


def _unit_mean_gap(dimension_means: dict[str, dict[Any, float]]) -> dict[Any, float]:
    """Per unit, the mean of its dimensions' mean gaps, over units with every dimension shown."""
    units = set.intersection(*(set(means) for means in dimension_means.values())) if dimension_means else set()
    return {v: float(np.mean([means[v] for means in dimension_means.values()])) for v in units}


def _against_others(
    audience: str, shown: dict[str, dict[Any, Figures]], gap_of: dict[str, int | None]
) -> list[UnitComparison]:
    """Every shown unit's score against the other shown units' together, from their n, mean
    and SD only: a comparison tells nothing the shown figures do not."""
    raw = []
    for key, units in shown.items():
        if len(units) < 2:
            continue
        for value, mine in units.items():
            others = pooled([figures for other, figures in units.items() if other != value])
            test = welch_t_of((mine.n, mine.mean, mine.sd), (others.n, others.mean, others.sd))
            raw.append((value, key, mine, others, test["p_value"]))
    adjusted = holm([p for *_, p in raw]) if raw else []
    return [
        UnitComparison(value, audience, key, gap_of[key], mine, others, mine.mean - others.mean, p, q)
        for (value, key, mine, others, p), q in zip(raw, adjusted, strict=True)
    ]


def pooled(groups: Sequence[Figures]) -> Figures:
    r"""n, mean and SD of several groups taken together, from theirs:

    .. math:: \bar x = \frac{\sum n_g \bar x_g}{\sum n_g}, \quad
              s^2 = \frac{\sum (n_g - 1) s_g^2 + n_g (\bar x_g - \bar x)^2}{\sum n_g - 1}

    In R: ``c(n = length(x), mean = mean(x), sd = sd(x))`` of the groups' values together.
    """
    n = sum(g.n for g in groups)
    mean = sum(g.n * g.mean for g in groups) / n
    squares = sum((g.n - 1) * (g.sd if g.n > 1 else 0.0) ** 2 + g.n * (g.mean - mean) ** 2 for g in groups)
    return Figures(n, mean, float(np.sqrt(squares / (n - 1))) if n > 1 else NAN)


def item_set_figures(
    responses: ResponseSet, sections: Sequence[str], item_sets: dict[str, list[int]]
) -> dict[tuple[str, str], Figures]:
    """Per section and item set (a process's item numbers): n, mean and SD of the
    respondents' scores over those items of the section (``"gap"``: P - E per item), each
    the mean of the items they answered after reverse scoring, as
    :func:`respondent_dimension_scores`. Keyed (section, set); from
    :func:`~servqual.analysis._sets.item_set_sums`."""
    sums = item_set_sums(responses.table, responses.instrument, sections, item_sets)
    return {(section, key): figures_of(sums[set_name(section, key)]) for section in sections for key in item_sets}


def _process(
    process: Process,
    instrument: Instrument,
    figures: dict[tuple[str, str], Figures],
    factors: Sequence[FactorScore],
    min_group: int,
) -> ProcessDiagnosis:
    """``figures``: (audience, section) -> the process's figures (:func:`item_set_figures`)."""
    span = instrument.scale.max - instrument.scale.min
    customer_gap = None
    gap = figures.get(("customer", "gap"))
    if gap is not None:
        ci95 = ci_of_mean(gap.n, gap.mean, gap.sd)
        if 0 < gap.n < min_group:
            gap, ci95 = hidden(gap), (NAN, NAN)
        customer_gap = DimensionGap(process.key, gap, ci95)
    prediction = view = None
    if ("manager", "expectation") in figures and ("customer", "expectation") in figures:
        prediction = compare_figures(
            process.key, figures["manager", "expectation"], figures["customer", "expectation"], min_group
        )
    if ("employee", "perception") in figures and ("customer", "perception") in figures:
        view = compare_figures(
            process.key, figures["employee", "perception"], figures["customer", "perception"], min_group
        )
    sizes = []
    for number in (1, 2, 3, 4):
        mine = [f for f in factors if f.key in process.factors and f.gap == number]
        shown = [f.figures.mean for f in mine if f.figures.n and not f.figures.suppressed]
        index = 100 * (instrument.scale.max - float(np.mean(shown))) / span if shown else NAN
        size = gap_size(index, "factors")
        if number == 1 and prediction is not None and not prediction.suppressed:
            size = gap_size(100 * abs(prediction.difference) / span, "prediction")
        sizes.append(size)
    if customer_gap is not None and customer_gap.figures.n and not customer_gap.figures.suppressed:
        sizes.append(gap_size(100 * max(0.0, -customer_gap.figures.mean) / span, "customers"))
    else:
        sizes.append(NOT_MEASURED)
    return ProcessDiagnosis(process, tuple(sizes), customer_gap, prediction, view)
