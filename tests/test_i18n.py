"""Every message exists in Dutch and English, and the compiled catalogs are current.

Two catalogs: ``servqual`` (command line, reports) and the web app's ``django``. The
messages are extracted as scripts/messages.py extracts them, with Python alone.
"""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.utils import translation

from servqual.i18n import default_language, translator

ROOT = Path(__file__).parents[1]
FIELD = re.compile(r"\{[^{}]*\}|%\(\w+\)\w|%s")

_spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messages)

CATALOGS = [
    pytest.param(extract, folder / "nl" / "LC_MESSAGES" / f"{domain}.po", id=domain)
    for extract, folder, domain in messages.CATALOGS
]


def read(po: Path):
    return read_po(io.BytesIO(po.read_bytes()))


def forms(text) -> tuple[str, ...]:
    """A message's id or string as a tuple: one text, or one per plural form."""
    return tuple(text) if isinstance(text, tuple | list) else (text,)


@pytest.mark.parametrize(("extract", "po"), CATALOGS)
def test_every_message_in_the_code_has_a_dutch_translation(extract, po):
    catalog = {m.id: m for m in read(po) if m.id}
    found = [m.id for m in extract() if m.id]
    assert found, "no messages extracted"
    missing = sorted(str(i) for i in found if i not in catalog or not all(forms(catalog[i].string)) or catalog[i].fuzzy)
    assert missing == []


@pytest.mark.parametrize(("extract", "po"), CATALOGS)
def test_translations_keep_every_placeholder(extract, po):
    for message in read(po):
        if message.id:
            expected = sorted(FIELD.findall(forms(message.id)[-1]))  # the plural has every placeholder
            for text in forms(message.string):
                assert sorted(FIELD.findall(text)) == expected, message.id


@pytest.mark.parametrize(("extract", "po"), CATALOGS)
def test_the_compiled_catalog_matches_the_po_file(extract, po):
    compiled = {forms(m.id): forms(m.string) for m in read_mo(io.BytesIO(po.with_suffix(".mo").read_bytes())) if m.id}
    source = {forms(m.id): forms(m.string) for m in read(po) if m.id and not m.fuzzy}
    assert compiled == source, "run: python scripts/messages.py"


def test_the_language_comes_from_the_locale():
    assert default_language({"LANG": "nl_NL.UTF-8"}) == "nl"
    assert default_language({"LC_ALL": "nl_BE.UTF-8", "LANG": "en_GB.UTF-8"}) == "nl"
    assert default_language({"LANG": "fr_FR.UTF-8"}) == "en"
    assert default_language({}) == "en"
    assert translator("nl")("Rows used: {n}") == "Rijen gebruikt: {n}"


def test_the_web_app_speaks_dutch():
    with translation.override("nl"):
        assert translation.gettext("Start the survey") == "Start de vragenlijst"
