from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def canonical() -> list[dict[str, float | str | None]]:
    """The fixture study's ground truth, read with the standard library's csv module
    (independent of the readers under test)."""
    with (FIXTURES / "canonical.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        parsed: dict[str, float | str | None] = {}
        for key, value in row.items():
            if key in ("respondent_id", "branch", "channel"):
                parsed[key] = value
            else:
                parsed[key] = float(value) if value != "" else math.nan
        out.append(parsed)
    return out


def pytest_report_header(config) -> str:
    from django.conf import settings

    return f"web tests database: {settings.DATABASES['default']['ENGINE']}"
