"""Keep the translation catalogs in step with the code.

    python scripts/messages.py        extract messages, update the .po files, compile .mo

The .po files are edited by hand (Dutch written by us); the test suite fails when a
message has no translation or a .mo file is stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "servqual" / "locale"
POT = LOCALE / "servqual.pot"


def main() -> int:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
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
    with POT.open("rb") as f:
        template = read_po(f)
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/servqual.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        catalog.obsolete.clear()
        with po.open("wb") as f:
            write_po(f, catalog, no_location=True, sort_output=True, ignore_obsolete=True)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)
        untranslated = [m.id for m in catalog if m.id and not m.string]
        print(f"{po.relative_to(ROOT)}: {len(untranslated)} untranslated")
        for message in untranslated:
            print(f"  {message!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
