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

from servqual.report.content import build_report
from servqual.report.render import render_html, render_pdf, write_report

__all__ = ["build_report", "render_html", "render_pdf", "write_report"]
