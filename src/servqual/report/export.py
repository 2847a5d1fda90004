"""Exports beside the report: the item and dimension tables and the cleaned responses.

Shape: ``xlsx`` is one workbook with the sheets ``items``, ``dimensions`` and ``responses``;
``csv`` and ``sav`` are a folder holding ``items``, ``dimensions`` and ``responses`` files
of that format. The responses keep the canonical names (``E1``, ``P1``, ``M1``, ``W_TAN``)
and add the scored gaps ``G1`` ... (P − E) and, in the three-column format, the adequacy
gaps ``A1`` ... (P − M). Figures are exact (not rounded); undefined ones are empty.

Text cells that a spreadsheet could run as a formula get a leading single quote in CSV and
XLSX (see :func:`neutralise`). Only text is touched: a negative gap stays a number.

CSV and SAV keep these stable English names in every language, for scripts; the SAV files
carry labels in the chosen language (:func:`column_label`). The XLSX workbook is read by
people: in a language other than English its sheet names, column headers, dimension names
and sections are in that language (the response columns keep their codes).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from servqual.errors import ServqualError
from servqual.i18n import N_, pick, translator
from servqual.report.words import section_title

if TYPE_CHECKING:
    import pandas as pd

    from servqual.analysis import AnalysisResult, Diagnosis
    from servqual.instruments import Instrument
    from servqual.io import ResponseSet

EXPORT_FORMATS = ("xlsx", "csv", "sav")
TABLES = ("items", "dimensions", "responses")
#: What starts a formula (``|`` a DDE command in some spreadsheets), after NFKC
#: normalisation, so the full-width ＝ ＋ － ＠ ｜ count too.
FORMULA_CHARACTERS = frozenset("=+-@|")
#: The control characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_ROWS = 1_048_576
GAP_PREFIX = {"gap": "G", "adequacy": "A"}
SHEET_NAMES = {
    "items": N_("items"),
    "dimensions": N_("dimensions"),
    "responses": N_("responses"),
    "gaps": N_("gaps"),
    "manager_responses": N_("managers"),
    "employee_responses": N_("employees"),
}
#: What the columns of the item and dimension tables hold, in words; an item table's
#: ``gap_mean`` is the section's title and the figure's ("Gap (P - E): mean").
COLUMN_WORDS = {
    "item": N_("item"),
    "dimension": N_("dimension"),
    "section": N_("section"),
    "respondent_id": N_("respondent"),
    "n": N_("respondents"),
    "mean": N_("mean"),
    "sd": N_("standard deviation"),
    "ci95_low": N_("95% interval, lower bound"),
    "ci95_high": N_("95% interval, upper bound"),
    "t": N_("t"),
    "df": N_("degrees of freedom"),
    "p_value": N_("p-value"),
    "d_z": N_("effect size d_z"),
    "wilcoxon_v": N_("Wilcoxon V"),
    "wilcoxon_p": N_("Wilcoxon p-value"),
    "alpha": N_("Cronbach's alpha"),
    "omega_total": N_("omega total"),
    "zone_n": N_("zone of tolerance: respondents"),
    "zone_below": N_("zone of tolerance: share below"),
    "zone_inside": N_("zone of tolerance: share inside"),
    "zone_above": N_("zone of tolerance: share above"),
    "gap": N_("gap"),
    "factor": N_("factor"),
    "audience": N_("audience"),
    "index": N_("size (0-100)"),
    "level": N_("level"),
    "basis": N_("rests on"),
}


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet could run as a formula, made inert with a leading quote;
    any other value as it is (a negative number stays a number)."""
    if isinstance(value, str) and _could_run(value):
        return "'" + value
    return value


def _could_run(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula: it starts with a control
    character (a tab, CR or LF, as OWASP lists them), or one of its lines starts with a
    formula character once leading spaces and invisible characters are passed over
    (spreadsheets skip them, and CSV importers split lines at a bare CR as well as LF)."""
    if text[:1] and unicodedata.category(text[0]) == "Cc":
        return True
    return any(_first_visible(line) in FORMULA_CHARACTERS for line in text.splitlines())


def _first_visible(line: str) -> str:
    """The first character of ``line`` that is neither a space nor invisible (a control or
    format character, such as a zero-width space), NFKC-normalised; "" when there is none."""
    for character in line:
        if not (character.isspace() or unicodedata.category(character) in ("Cc", "Cf")):
            return unicodedata.normalize("NFKC", character)[:1]
    return ""


def export_tables(result: AnalysisResult, responses: ResponseSet) -> dict[str, pd.DataFrame]:
    """The three tables of the export, by name (items, dimensions, responses)."""
    return {**export_tables_of_figures(result), "responses": response_table(responses)}


def export_tables_of_figures(result: AnalysisResult) -> dict[str, pd.DataFrame]:
    """The export's tables of figures, by name (items, dimensions)."""
    items = _split_intervals(result.item_table())
    zones = [item.zone for item in result.items]
    if any(zones):
        for part in ("n", "below", "inside", "above"):
            items[f"zone_{part}"] = [getattr(zone, part) if zone else None for zone in zones]
    return {"items": items, "dimensions": _split_intervals(result.dimension_table())}


def gaps_table(diagnosis: Diagnosis) -> pd.DataFrame:
    """The export's table of the five gaps (:func:`servqual.analysis.diagnose`): per gap a
    row with its size (``index``, 0-100), ``level`` and what it rests on (``basis``), each
    followed by a row per factor of that gap (the managers' or employees' score: n, mean,
    SD, 95% interval, alpha, omega), then the factors of no gap (customer orientation). A
    figure the diagnosis hides (fewer answers than its threshold) stays empty."""
    import pandas as pd

    audience_of = {f.key: audience for audience, i in diagnosis.instruments.items() for f in i.factors}
    rows: list[dict[str, Any]] = []
    for gap in diagnosis.gaps:
        rows.append({"gap": gap.gap, "index": gap.size.index, "level": gap.size.level, "basis": gap.size.basis})
        rows += [_factor_row(score, audience_of.get(score.key)) for score in gap.factors]
    rows += [_factor_row(score, audience_of.get(score.key)) for score in diagnosis.values]
    columns = ["gap", "factor", "audience", "index", "level", "basis", "n", "mean", "sd"]
    columns += ["ci95_low", "ci95_high", "alpha", "omega_total"]
    table = pd.DataFrame(rows, columns=columns)
    table["gap"] = table["gap"].astype("Int64")
    table["n"] = table["n"].astype("Int64")
    return table


def _factor_row(score: Any, audience: str | None) -> dict[str, Any]:
    """A factor's row of :func:`gaps_table`."""
    figures, reliability = score.figures, score.reliability
    return {
        "gap": score.gap,
        "factor": score.key,
        "audience": audience,
        "n": figures.n,
        "mean": figures.mean,
        "sd": figures.sd,
        "ci95_low": score.ci95[0],
        "ci95_high": score.ci95[1],
        "alpha": reliability.alpha,
        "omega_total": reliability.omega_total,
    }


def response_table(responses: ResponseSet) -> pd.DataFrame:
    """The export's responses table: the rows as read, with the scored gaps added. Row by
    row, so the rows of a large wave can be written a part at a time (:func:`csv_rows`)."""
    from servqual.analysis import DIFFERENCES, scored_answers

    frame = responses.to_frame()
    scored = scored_answers(responses)
    for section, subtracted in DIFFERENCES.items():
        if "perception" in scored and subtracted in scored:
            gaps = scored["perception"] - scored[subtracted]
            for j, item in enumerate(responses.instrument.items):
                frame[f"{GAP_PREFIX[section]}{item.number}"] = gaps[:, j]
    return frame


def csv_rows(table: pd.DataFrame, header: bool = True) -> str:
    """``table`` as CSV text, as the export's files hold it (``header`` False: the rows alone,
    to follow those written before)."""
    # CRLF ends a row (RFC 4180), so a cell holding a bare CR is quoted, as one holding
    # LF is: unquoted, a CR ends the row in a spreadsheet and what follows starts one.
    return str(_neutral_text(table).to_csv(index=False, header=header, lineterminator="\r\n"))


def _split_intervals(table: pd.DataFrame) -> pd.DataFrame:
    """(low, high) columns as two number columns, ``..._ci95_low`` and ``..._ci95_high``."""
    for column in [c for c in table.columns if c.endswith("ci95")]:
        position = table.columns.get_loc(column)
        pairs = [v if isinstance(v, tuple) else (math.nan, math.nan) for v in table[column]]
        table = table.drop(columns=column)
        table.insert(position, f"{column}_low", [p[0] for p in pairs])
        table.insert(position + 1, f"{column}_high", [p[1] for p in pairs])
    return table


def write_export(
    result: AnalysisResult,
    responses: ResponseSet,
    to: str,
    path: str | Path,
    lang: str = "en",
    tables: Sequence[str] = TABLES,
    more: dict[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """Write the export in format ``to`` at ``path`` (a workbook, or a folder for csv and
    sav); returns the files written. ``tables`` leaves out any of the three (the web app
    gives the raw ``responses`` only to those who may see them); ``more`` adds tables by
    name, after them (the web app's gaps table and the managers' and employees' rows)."""
    if to not in EXPORT_FORMATS:
        raise ServqualError(
            N_("unknown export format {format}; choose from {formats}"), format=to, formats="xlsx, csv, sav"
        )
    chosen = {name: table for name, table in export_tables(result, responses).items() if name in tables}
    chosen.update(more or {})
    path = Path(path)
    if to == "xlsx":
        if lang != "en":
            chosen = {name: _in_words(name, table, responses.instrument, lang) for name, table in chosen.items()}
        _write_xlsx(chosen, path)
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in chosen.items():
        target = path / f"{name}.{to}"
        if to == "csv":
            target.write_bytes(csv_rows(table).encode())
        else:
            _write_sav(name, table, target, responses.instrument, lang)
        written.append(target)
    return written


def column_label(column: str, instrument: Instrument, lang: str) -> str | None:
    """A column of the item or dimension table in words, in ``lang``; None for a column
    that is a code (E1, W_TAN, an attribute)."""
    _ = translator(lang)
    if column in COLUMN_WORDS:
        return _(COLUMN_WORDS[column])
    section, _separator, statistic = column.partition("_")
    if statistic in COLUMN_WORDS and section in ("minimum", "expectation", "perception", "gap", "adequacy"):
        return f"{_(section_title(section, instrument))}: {_(COLUMN_WORDS[statistic])}"
    return None


def _labels(name: str, table: pd.DataFrame, instrument: Instrument, lang: str) -> dict[str, str]:
    """Column -> words, for the columns of a table that are figures (in the responses, only
    the respondent: the rest are codes and the file's own attribute names)."""
    columns = [str(c) for c in table.columns] if not name.endswith("responses") else ["respondent_id"]
    return {c: label for c in columns if c in table.columns and (label := column_label(c, instrument, lang))}


def _in_words(name: str, table: pd.DataFrame, instrument: Instrument, lang: str) -> pd.DataFrame:
    """A table for people reading ``lang``: headers, dimension names and sections in words;
    the sheet's name too (in ``attrs``)."""
    _ = translator(lang)
    labels = _labels(name, table, instrument, lang)
    table = table.copy()
    if not name.endswith("responses"):
        dimensions = {d.key: pick(d.name, lang) for d in instrument.dimensions}
        if "dimension" in table.columns:
            table["dimension"] = table["dimension"].map(lambda key: dimensions.get(key, key))
        if "section" in table.columns:
            table["section"] = table["section"].map(lambda section: _(section_title(section, instrument)))
    table.columns = [labels.get(str(c), str(c)) for c in table.columns]
    table.attrs["sheet"] = _(SHEET_NAMES[name]) if name in SHEET_NAMES else name
    return table


def _neutral_text(table: pd.DataFrame) -> pd.DataFrame:
    from pandas.api.types import is_numeric_dtype

    table = table.copy()
    for column in table.columns:
        if not is_numeric_dtype(table[column]):  # text, whatever pandas' string type is
            table[column] = table[column].map(neutralise)
    table.columns = [neutralise(str(c)) for c in table.columns]
    return table


def _write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> None:
    from openpyxl import Workbook

    rows = max(len(table) for table in tables.values())
    if rows + 1 > XLSX_MAX_ROWS:
        raise ServqualError(
            N_("{file}: {n} respondents do not fit in one XLSX sheet; export to csv or sav instead"),
            file=path.name,
            n=rows,
        )
    workbook = Workbook(write_only=True)  # streams rows: memory stays flat for big files
    for name, table in tables.items():
        sheet = workbook.create_sheet(table.attrs.get("sheet", name))
        sheet.append([_cell(str(c)) for c in table.columns])
        for row in table.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
    workbook.save(path)


def _cell(value: Any) -> Any:
    """A value for openpyxl: numbers as numbers, no NaN (an empty cell), text neutralised.
    XML cannot hold most control characters: in text they become U+FFFD (shown as �), rather
    than stop the export."""
    if value is None or type(value).__name__ == "NAType":  # pandas' NA of a nullable integer column
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # a numpy scalar
        return _cell(value.item())
    if isinstance(value, str):
        return _NOT_IN_XML.sub("\ufffd", neutralise(value))
    return value


def _write_sav(name: str, table: pd.DataFrame, path: Path, instrument: Any, lang: str) -> None:
    """SPSS file with variable labels in ``lang``: the item texts and the dimension names for
    the responses (and the scale's anchors as value labels), the figures in words for the
    item and dimension tables."""
    import pyreadstat

    labels = _labels(name, table, instrument, lang)
    value_labels: dict[str, dict[float, str]] = {}
    if name == "responses":
        from servqual.instruments import SECTION_PREFIX

        anchors = {float(point): text for point, text in (instrument.scale.anchors.get(lang) or {}).items()}
        for item in instrument.items:
            for section, prefix in SECTION_PREFIX.items():
                if section in item.texts and f"{prefix}{item.number}" in table.columns:
                    labels[f"{prefix}{item.number}"] = item.text(section, lang)[:250]
                    if anchors:
                        value_labels[f"{prefix}{item.number}"] = anchors
        for dimension in instrument.dimensions:
            labels[dimension.importance_column] = pick(dimension.name, lang)
    pyreadstat.write_sav(
        table,
        str(path),
        column_labels={c: labels[c] for c in table.columns if c in labels} or None,
        variable_value_labels=value_labels or None,
    )
