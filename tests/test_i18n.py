"""Every message exists in Dutch and English, and the compiled catalog is current."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from servqual.i18n import default_language, translator

ROOT = Path(__file__).parents[1]
LOCALE = ROOT / "src" / "servqual" / "locale"
PO = LOCALE / "nl" / "LC_MESSAGES" / "servqual.po"
MO = LOCALE / "nl" / "LC_MESSAGES" / "servqual.mo"
FIELD = re.compile(r"\{[^{}]*\}|%\(\w+\)\w|%s")


def extracted(folder: Path) -> set[str]:
    template = folder / "servqual.pot"
    babel = [sys.executable, "-m", "babel.messages.frontend", "extract", "-k", "N_", "-k", "_", "--omit-header"]
    subprocess.run([*babel, "-o", str(template), str(ROOT / "src" / "servqual")], capture_output=True, check=True)
    return {m.id for m in read_po(io.BytesIO(template.read_bytes())) if m.id}


def test_every_message_in_the_code_has_a_dutch_translation(tmp_path):
    catalog = {m.id: m for m in read_po(io.BytesIO(PO.read_bytes())) if m.id}
    missing = sorted(i for i in extracted(tmp_path) if i not in catalog or not catalog[i].string or catalog[i].fuzzy)
    assert missing == []


def test_translations_keep_every_placeholder():
    for message in read_po(io.BytesIO(PO.read_bytes())):
        if message.id:
            assert sorted(FIELD.findall(message.id)) == sorted(FIELD.findall(message.string)), message.id


def test_the_compiled_catalog_matches_the_po_file():
    compiled = {m.id: m.string for m in read_mo(io.BytesIO(MO.read_bytes())) if m.id}
    source = {m.id: m.string for m in read_po(io.BytesIO(PO.read_bytes())) if m.id and not m.fuzzy}
    assert compiled == source, "run: python scripts/messages.py"


def test_the_language_comes_from_the_locale():
    assert default_language({"LANG": "nl_NL.UTF-8"}) == "nl"
    assert default_language({"LC_ALL": "nl_BE.UTF-8", "LANG": "en_GB.UTF-8"}) == "nl"
    assert default_language({"LANG": "fr_FR.UTF-8"}) == "en"
    assert default_language({}) == "en"
    assert translator("nl")("Rows used: {n}") == "Rijen gebruikt: {n}"
