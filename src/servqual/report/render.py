"""Render the report's content as HTML (Jinja2) or PDF (typst).

PDF through typst, the compiler inside the ``typst`` wheel: no browser, no network, no
system libraries (WeasyPrint would need Pango, which a machine with only Python and pip
lacks). Both templates render the same content (:mod:`servqual.report.content`).
jinja2 and typst are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import base64
import functools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from servqual.errors import ServqualError
from servqual.i18n import N_

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf")


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    return str(_environment().get_template("report.html").render(report=report))


def render_sections_html(report: dict[str, Any]) -> str:
    """The report's sections alone (headings, texts, tables, SVG charts), without the page
    around them or its styles: for a page that shows them inside its own, such as the web
    dashboard. Every text is escaped, as in :func:`render_html`."""
    return str(_environment().get_template("sections.html").render(report=report))


@functools.cache
def _environment() -> Any:
    # One environment per process, so each template is compiled once, not on every page
    # (compiling sections.html took about 30 ms of a results page's 70).
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every text is escaped; the charts are SVG we wrote and escaped ourselves
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_pdf(report: dict[str, Any]) -> bytes:
    """The report as PDF: A4, contents, page numbers, running header, embedded fonts.

    The content goes to typst as JSON data, never as markup, so no user text can be read
    as typst code. System fonts are ignored so the PDF looks the same on every machine
    (typst's own Libertinus Serif, embedded)."""
    import typst

    content = json.dumps(report, ensure_ascii=False)
    logo = report.get("cover", {}).get("logo")
    if not logo:
        return typst.compile(
            str(TEMPLATES / "report.typ"),
            root=str(TEMPLATES),
            sys_inputs={"content": content},
            ignore_system_fonts=True,
        )
    # typst reads images from files under its root only: the template and the logo go to a
    # folder of this call's own, removed afterwards; the logo's name is ours, not a user's.
    with tempfile.TemporaryDirectory(prefix="servqual-report-") as folder:
        shutil.copyfile(TEMPLATES / "report.typ", Path(folder) / "report.typ")
        name = "logo.png" if logo["format"] == "png" else "logo.jpg"
        (Path(folder) / name).write_bytes(base64.b64decode(logo["base64"]))
        return typst.compile(
            str(Path(folder) / "report.typ"),
            root=folder,
            sys_inputs={"content": content, "logo": name},
            ignore_system_fonts=True,
        )


def write_report(report: dict[str, Any], path: str | Path) -> Path:
    """Write the report to ``path``; the format follows the extension (.html or .pdf)."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind == "htm":
        kind = "html"
    if kind not in FORMATS:
        raise ServqualError(N_("{file}: the report is written as .html or .pdf"), file=str(path))
    if kind == "html":
        path.write_text(render_html(report), encoding="utf-8")
    else:
        path.write_bytes(render_pdf(report))
    return path
