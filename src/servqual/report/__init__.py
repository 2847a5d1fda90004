"""Reports people want to read: charts (SVG), the HTML and PDF report, and the exports.

One content model (:func:`build_report`) rendered by one HTML and one PDF template. Never
imports Django, the web app or the command line; the heavy libraries (jinja2, typst,
openpyxl, pyreadstat) load only inside the functions that use them.

>>> import servqual
>>> from servqual.report import build_report, write_report
>>> responses = servqual.read_responses("responses.csv")  # doctest: +SKIP
>>> report = build_report(servqual.analyze(responses), responses.instrument, lang="nl")  # doctest: +SKIP
>>> write_report(report, "report.pdf")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

_HOMES = {
    "Cover": "content",
    "GroupSummary": "content",
    "build_group_summaries": "content",
    "build_report": "content",
    "cover_content": "content",
    "render_html": "render",
    "render_pdf": "render",
    "render_sections_html": "render",
    "write_report": "render",
}


def __getattr__(name: str) -> Any:
    # The command line imports servqual.report.words at start-up; it must not pay for the
    # content builder and the charts too.
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f"servqual.report.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'servqual.report' has no attribute {name!r}")


__all__ = [
    "Cover",
    "GroupSummary",
    "build_group_summaries",
    "build_report",
    "cover_content",
    "render_html",
    "render_pdf",
    "render_sections_html",
    "write_report",
]
