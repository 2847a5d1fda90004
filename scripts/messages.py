"""Keep the translation catalogs in step with the code.

    python scripts/messages.py        extract messages, update the .po files, compile .mo

The .po files are edited by hand (Dutch written by us); the test suite fails when a
message has no translation or a .mo file is stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "servqual" / "locale"
POT = LOCALE / "servqual.pot"


def main() -> int:
    babel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run(
        [
            *babel,
            "extract",
            "-k",
            "N_",
            "-k",
            "_",
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-o",
            str(POT),
            str(ROOT / "src" / "servqual"),
        ],
        check=True,
    )
    subprocess.run(
        [
            *babel,
            "update",
            "-i",
            str(POT),
            "-d",
            str(LOCALE),
            "-D",
            "servqual",
            "--no-fuzzy-matching",
            "--omit-header",
            "--ignore-obsolete",
        ],
        check=True,
    )
    subprocess.run([*babel, "compile", "-d", str(LOCALE), "-D", "servqual", "--statistics"], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
