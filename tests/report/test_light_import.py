"""Importing the report package (as the command line does at start-up) loads none of the
libraries that render or export; they load when a report is written."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_report_loads_no_renderer():
    code = (
        "import sys, servqual.report, servqual.report.export, servqual.cli; "
        "print([m for m in ('jinja2', 'typst', 'openpyxl', 'pyreadstat', 'pandas') if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
