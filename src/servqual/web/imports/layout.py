"""What an import file for a study may hold: the columns the import page lists, and the
template files (CSV and XLSX) people fill in, in the user's language.

The column names are the canonical ones the reader recognises in any language (E1, P1,
W_TAN, the segments' keys); what each column means is written in the user's language.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from servqual.i18n import pick, translator
from servqual.instruments import SECTION_PREFIX
from servqual.report.words import section_title
from servqual.web.studies.models import Study

#: The template files, by the name in the URL: content type.
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ColumnHelp:
    """One column an import file may have: its name in the file, what it holds, and the
    values it takes."""

    name: str
    meaning: str
    values: str
    required: bool
    #: the only values allowed (a segment's)
    choices: tuple[str, ...] = ()


def accepted_columns(study: Study, lang: str) -> list[ColumnHelp]:
    """The columns of an import file for ``study``, in file order, explained in ``lang``
    (the active language of the request)."""
    instrument = study.instrument()
    scale = instrument.scale
    anchors = [f"{point} = {text}" for point in (scale.min, scale.max) if (text := scale.anchor(point, lang))]
    points = _("whole numbers from {low} to {high}").format(low=scale.min, high=scale.max)
    answer_values = "; ".join([points, *anchors, _("empty: no answer")])
    columns = [ColumnHelp("respondent_id", _("your own number or code of the respondent (optional)"), "", False)]
    for segment in study.segments.all():
        columns.append(ColumnHelp(segment.key, segment.name, ", ".join(segment.values), False, tuple(segment.values)))
    for section in instrument.sections:
        title = translator(lang)(section_title(section, instrument))  # the report's words, the core's catalog
        for item in instrument.items:
            columns.append(
                ColumnHelp(
                    f"{SECTION_PREFIX[section]}{item.number}",
                    f"{title}: {item.text(section, lang, study.service_name or None)}",
                    answer_values,
                    True,
                )
            )
    for dimension in instrument.dimensions if instrument.importance else ():
        columns.append(
            ColumnHelp(
                dimension.importance_column,
                _("Importance of {dimension}").format(dimension=pick(dimension.name, lang)),
                _("points; the importance columns of a respondent add up to 100"),
                False,
            )
        )
    return columns


def template_file(study: Study, kind: str, lang: str) -> bytes:
    """An empty import file for ``study``: the header row, and in the workbook a second
    sheet that explains each column and a list of the allowed values in each segment."""
    columns = accepted_columns(study, lang)
    if kind == "csv":
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerow([c.name for c in columns])
        return ("\ufeff" + text.getvalue()).encode("utf-8")  # the BOM: Excel then reads it as UTF-8
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    from servqual.report.export import neutralise

    workbook = Workbook()
    answers = workbook.active
    answers.title = _("Answers")[:31]
    answers.append([c.name for c in columns])
    answers.freeze_panes = "A2"
    for position, column in enumerate(columns, start=1):
        listed = ",".join(column.choices)
        # A choice list in each segment's column, so a typing error cannot slip in; Excel's
        # list takes 255 characters, separated by commas, so values with commas go without.
        if column.choices and len(listed) < 250 and not any("," in v or '"' in v for v in column.choices):
            letter = answers.cell(1, position).column_letter
            check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            check.add(f"{letter}2:{letter}100000")
            answers.add_data_validation(check)
    explained = workbook.create_sheet(_("Columns")[:31])
    explained.append([_("Column"), _("What it holds"), _("Values"), _("Required")])
    for column in columns:
        explained.append(
            [
                neutralise(column.name),
                neutralise(column.meaning),
                neutralise(column.values),
                _("yes") if column.required else _("no"),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
