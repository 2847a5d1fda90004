"""The examples in docs/ run as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "docs" / "examples"


def test_the_python_api_example_runs():
    run = subprocess.run([sys.executable, str(EXAMPLES / "api_example.py")], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "rows read / used / excluded: 40 40 0" in run.stdout
    # docs/python-api.md shows the script and what it prints: both as they are today
    page = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    assert "```python\n" + (EXAMPLES / "api_example.py").read_text(encoding="utf-8") + "```" in page
    assert "$ .venv/bin/python docs/examples/api_example.py\n" + run.stdout + "```" in page


def test_the_custom_instrument_example_validates_its_responses():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "servqual",
            "validate",
            str(EXAMPLES / "custom-responses.csv"),
            "--instrument",
            str(EXAMPLES / "custom-instrument.toml"),
            "--strict",
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No problems found." in run.stdout
