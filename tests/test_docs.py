"""The examples in docs/ run as written."""

from __future__ import annotations

import argparse
import re
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


DEPLOYMENT = ROOT / "docs" / "deployment.md"


def _environment_names_read_by_settings() -> set[str]:
    import dj_database_url

    source = (ROOT / "src" / "servqual" / "web" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'(?:environ\.get\(|environ\[|envint\(|envbool\(|envlist\()"([A-Z0-9_]+)"', source))
    return names | {dj_database_url.DEFAULT_ENV}  # DATABASE_URL, read by dj_database_url.config()


def test_the_deployment_guide_names_only_settings_that_exist():
    from django.conf import settings
    from django_tasks.base import TaskResultStatus

    page = DEPLOYMENT.read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", page)) | set(re.findall(r"^([A-Z][A-Z0-9_]+)=", page, re.M))
    read = _environment_names_read_by_settings()
    # Names on the page that are not settings, each checked for what the page says it is:
    headers = {name for name in named if name.startswith("HTTP_")}  # values of the proxy settings
    statuses = {name for name in named if name in TaskResultStatus.__members__}  # the queue's rows
    assert "MAX_ENTRIES" not in settings.CACHES["default"].get("OPTIONS", {})  # "the settings set no MAX_ENTRIES"
    unknown = named - read - headers - statuses - {"MAX_ENTRIES"}
    assert not unknown, f"docs/deployment.md names settings the code does not read: {sorted(unknown)}"
    assert {"SECURE_PROXY_SSL_HEADER", "CLIENT_ADDRESS_HEADER", "DATABASE_CONN_MAX_AGE", "EMAIL_URL"} <= named


def test_the_deployment_guide_names_only_commands_and_options_that_exist():
    from django.core.management import get_commands, load_command_class

    from servqual.cli import _parser

    page = DEPLOYMENT.read_text(encoding="utf-8")
    subcommands = next(a for a in _parser(lambda text: text)._actions if isinstance(a, argparse._SubParsersAction))
    used = re.findall(r"(?:`|bin/)servqual ([a-z]+)((?: --?[a-z][a-z-]*(?: [^\s`-][^\s`]*)?)*)", page)
    assert {"serve", "worker"} <= {name for name, _ in used}
    for name, arguments in used:
        assert name in subcommands.choices, f"servqual {name}"
        known = subcommands.choices[name]._option_string_actions
        assert set(re.findall(r"--?[a-z][a-z-]*", arguments)) <= set(known), f"servqual {name}{arguments}"

    commands = get_commands()
    managed = re.findall(r"python -m servqual\.web ([a-z_]+)((?: --?[a-z][a-z-]*(?: [^\s`-][^\s`]*)?)*)", page)
    assert {"applyretention", "migrate", "prune_db_task_results"} <= {name for name, _ in managed}
    for name, arguments in managed:
        assert name in commands, f"python -m servqual.web {name}"
        parser = load_command_class(commands[name], name).create_parser("python -m servqual.web", name)
        assert set(re.findall(r"--?[a-z][a-z-]*", arguments)) <= set(parser._option_string_actions), name
