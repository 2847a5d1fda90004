"""Colours the report and the web pages share: the contrast rule for an organisation's
accent colour (WCAG 2.1, relative luminance and contrast ratio).

An accent colour is used for text (headings, buttons' white text on it, links), so it must
reach the contrast WCAG AA asks of normal text against white: 4.5:1.
"""

from __future__ import annotations

import re

#: #rrggbb, the one form an accent colour is written in
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
#: WCAG AA for normal text (success criterion 1.4.3)
MIN_TEXT_CONTRAST = 4.5
WHITE = "#ffffff"


def relative_luminance(colour: str) -> float:
    """The relative luminance of ``colour`` (#rrggbb), from 0 (black) to 1 (white).

    L = 0.2126 R + 0.7152 G + 0.0722 B, each channel linearised from sRGB:
    c / 12.92 when c <= 0.04045, else ((c + 0.055) / 1.055) ** 2.4 (WCAG 2.1, "relative luminance").
    """
    if not HEX_COLOUR.fullmatch(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str = WHITE) -> float:
    """(L1 + 0.05) / (L2 + 0.05) with L1 the lighter colour's luminance: from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on_white(colour: str | None) -> bool:
    """Whether ``colour`` is a #rrggbb colour that white text on it, and it as text on
    white, can be read: a contrast of at least MIN_TEXT_CONTRAST."""
    if colour is None or not HEX_COLOUR.fullmatch(colour):
        return False
    return contrast_ratio(colour) >= MIN_TEXT_CONTRAST
