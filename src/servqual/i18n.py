"""Dutch and English for the edges of the project (command line, reports).

The core marks its message templates with ``N_`` and never translates; the edges call
``translator(lang)`` and translate when they show a message. Catalogs live in
``servqual/locale/<lang>/LC_MESSAGES/servqual.po`` (compiled ``.mo`` beside it).
"""

from __future__ import annotations

import gettext
import math
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "nl")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "servqual"


def N_(message: str) -> str:  # noqa: N802 - the usual gettext name
    """Mark a string for translation without translating it (gettext_noop)."""
    return message


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of the user's locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            code = value.split(":")[0][:2].lower()
            return code if code in LANGUAGES else "en"
    return "en"


@cache
def translator(lang: str) -> Callable[[str], str]:
    """``gettext`` for ``lang``; English returns the message id itself."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
    if lang == "en":
        return str
    catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    return catalog.gettext


def pick(texts: Mapping[str, str], lang: str) -> str:
    """The text in ``lang`` from a ``{"en": ..., "nl": ...}`` mapping, else English, else any."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))


def number(value: float | None, lang: str, digits: int = 2) -> str:
    """Rounded for reading (two decimals by default), with a decimal comma in Dutch."""
    if value is None or math.isnan(value):
        return "-"
    text = f"{value + 0.0:.{digits}f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]  # no "minus zero"
    return text.replace(".", ",") if lang == "nl" else text


def p_value(value: float | None, lang: str) -> str:
    """p as people read it: '< 0.001' rather than a row of zeros."""
    if value is None or math.isnan(value):
        return "-"
    text = "< 0.001" if value < 0.001 else f"{value:.3f}"
    return text.replace(".", ",") if lang == "nl" else text
