"""Keep the translation catalogs in step with the code.

    python scripts/messages.py        extract messages, update the .po files, compile .mo

Two catalogs: ``servqual`` (command line, reports, the core's messages) in
src/servqual/locale, and Django's ``django`` catalog of the web app in
src/servqual/web/locale. The .po files are edited by hand (Dutch written by us); the
test suite fails when a message has no translation or a .mo file is stale. Only Python
is needed: the web templates are read with Django's own ``templatize`` (what
``makemessages`` feeds to xgettext) and babel extracts from that.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "servqual"
WEB = PACKAGE / "web"
LOCALE = PACKAGE / "locale"
WEB_LOCALE = WEB / "locale"


def servqual_messages() -> Catalog:
    """Messages of the core, command line and reports (everything outside the web app)."""
    with tempfile.TemporaryDirectory() as folder:
        pot = Path(folder) / "servqual.pot"
        babel = [sys.executable, "-m", "babel.messages.frontend", "extract", "-k", "N_", "-k", "_"]
        options = ["--no-location", "--omit-header", "--sort-output", "--ignore-dirs", ".* ._ web"]
        subprocess.run([*babel, *options, "-o", str(pot), str(PACKAGE)], check=True, capture_output=True)
        with pot.open("rb") as f:
            return read_po(f)


def web_messages() -> Catalog:
    """Messages of the web app's Python code and templates, as Django's makemessages finds them."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servqual.web.settings")
    os.environ.setdefault("DEBUG", "true")
    import django
    from django.utils.translation.template import templatize

    django.setup()
    catalog = Catalog(fuzzy=False)
    sources = [p for p in sorted(WEB.rglob("*.py")) if "migrations" not in p.parts]
    sources += sorted(WEB.rglob("*.html")) + sorted(WEB.rglob("*.txt"))  # makemessages: html, txt, py
    for path in sources:
        code = path.read_text(encoding="utf-8")
        if path.suffix in (".html", ".txt"):
            code = templatize(code, origin=str(path))
        for _line, message, _comments, context in extract("python", io.BytesIO(code.encode()), DEFAULT_KEYWORDS):
            catalog.add(message, context=context)
    return catalog


#: (extract, folder, domain) of each catalog
CATALOGS = [(servqual_messages, LOCALE, "servqual"), (web_messages, WEB_LOCALE, "django")]


def main() -> int:
    for messages, folder, domain in CATALOGS:
        template = messages()
        for po in sorted(folder.glob(f"*/LC_MESSAGES/{domain}.po")):
            with po.open("rb") as f:
                catalog = read_po(f)
            created = catalog.creation_date  # update() takes the template's: noise in every diff
            catalog.update(template, no_fuzzy_matching=True)
            catalog.creation_date = created
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
