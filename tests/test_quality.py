"""Lint and the import direction, inside the test command so CI enforces them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
#: The packages that never import Django: checked with mypy --strict.
CORE = ["instruments", "io", "analysis", "report", "errors.py", "i18n.py", "_toml.py", "tuning.py"]


def _mypy(*arguments: str) -> subprocess.CompletedProcess[str]:
    # the Django plugin imports the settings, which want a secret key outside DEBUG
    environment = os.environ | {"SECRET_KEY": "mypy", "DEBUG": "false"}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
    )


def test_ruff_finds_nothing():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_code_is_formatted():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "src", "tests", "benchmarks", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_core_type_checks_strictly():
    run = _mypy("--strict", *(f"src/servqual/{name}" for name in CORE))
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_web_app_and_the_command_line_type_check():
    run = _mypy()  # the files and settings of [tool.mypy] in pyproject.toml
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 kept, 0 broken" in run.stdout


def test_reading_a_file_does_not_import_the_statistics_stack():
    code = "import sys, servqual; servqual.read_responses; print('scipy' in sys.modules, 'pandas' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "False"]
