"""An organisation's logo and accent colour: what is accepted, how it is stored, and how
the survey pages and the report get it.

A logo is a PNG or a JPEG, never an SVG (which can carry scripts), recognised by its bytes
rather than by its name or the browser's content type, with its pixel size read from its
header: no image library is installed, and the picture is only ever decoded by the
respondent's browser and by typst for the PDF, both of which are built for untrusted images.
"""

from __future__ import annotations

import hashlib
import math
import struct
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from servqual.report.colours import HEX_COLOUR, MIN_TEXT_CONTRAST, contrast_ratio
from servqual.report.content import Cover
from servqual.web.accounts.models import Logo, Organisation

#: The largest logo accepted, in bytes: a logo in a page header needs far less.
MAX_LOGO_BYTES = 200 * 1024
#: The largest width or height in pixels: a logo is shown at most a few hundred pixels wide,
#: and a bound on the pixels bounds what a browser or typst must decode.
MAX_LOGO_SIDE = 4000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: JPEG's start-of-frame markers (baseline, progressive, lossless, arithmetic), which hold the size
JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class Picture:
    format: str  # "png" or "jpeg"
    width: int
    height: int


def check_logo_size(size: int) -> None:
    """ValidationError when a file of ``size`` bytes is larger than a logo may be."""
    if size > MAX_LOGO_BYTES:
        raise ValidationError(
            _("The logo is %(size)d KB; at most %(limit)d KB is accepted."),
            params={"size": -(-size // 1024), "limit": MAX_LOGO_BYTES // 1024},
            code="too_large",
        )


def check_logo(data: bytes) -> Picture:
    """The format and pixel size of ``data``, or ValidationError saying what is wrong."""
    check_logo_size(len(data))
    if data.startswith(PNG_SIGNATURE):
        picture = _png(data)
    elif data.startswith(b"\xff\xd8\xff"):
        picture = _jpeg(data)
    else:
        picture = None
    if picture is None:
        raise ValidationError(_("A logo must be a PNG or JPEG image (not SVG or any other kind)."), code="format")
    if not (1 <= picture.width <= MAX_LOGO_SIDE and 1 <= picture.height <= MAX_LOGO_SIDE):
        raise ValidationError(
            _("The logo is %(width)d × %(height)d pixels; each side must be between 1 and %(limit)d."),
            params={"width": picture.width, "height": picture.height, "limit": MAX_LOGO_SIDE},
            code="pixels",
        )
    return picture


def _png(data: bytes) -> Picture | None:
    """A PNG whose chunks all carry a correct checksum, starting with its header (IHDR)
    and ending with IEND, with image data in between; None otherwise."""
    position, size = len(PNG_SIGNATURE), (0, 0)
    chunks: list[bytes] = []
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        stored = data[position + 8 + length : position + 12 + length]
        if len(body) != length or len(stored) != 4 or zlib.crc32(kind + body) != struct.unpack(">I", stored)[0]:
            return None
        if not chunks and (kind != b"IHDR" or length != 13):
            return None
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        chunks.append(kind)
        position += 12 + length
        if kind == b"IEND":
            break
    if not chunks or chunks[-1] != b"IEND" or b"IDAT" not in chunks:
        return None
    return Picture("png", *size)


def _jpeg(data: bytes) -> Picture | None:
    """A JPEG's size from its start-of-frame segment, walking the segments from the start;
    None when the segments do not add up or the file does not end with its end marker."""
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return None
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2 or position + 2 + length > len(data):
            return None
        if marker in JPEG_FRAMES:
            if length < 7:
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return Picture("jpeg", width, height)
        if marker == 0xDA:  # the image data starts before any frame header: not a JPEG we show
            return None
        position += 2 + length
    return None


def check_accent_colour(colour: str) -> str:
    """``colour`` as #rrggbb in lower case, when white text on it (and it as text on
    white) reaches WCAG AA's 4.5:1; ValidationError with the ratio otherwise."""
    colour = colour.strip().lower()
    if not HEX_COLOUR.fullmatch(colour):
        raise ValidationError(_("Give the colour as # and six hexadecimal digits, like #0b5394."), code="format")
    ratio = contrast_ratio(colour)
    if ratio < MIN_TEXT_CONTRAST:
        raise ValidationError(
            _(
                "%(colour)s has a contrast of %(ratio)s:1 with white; at least %(minimum)s:1 is needed for "
                "text to be readable (WCAG AA). Choose a darker colour."
            ),
            params={
                "colour": colour,
                "ratio": number_format(math.floor(ratio * 100) / 100, 2),  # 4.496 is not 4.50
                "minimum": number_format(MIN_TEXT_CONTRAST, 1),
            },
            code="contrast",
        )
    return colour


def set_logo(organisation: Organisation, data: bytes | None) -> None:
    """Give ``organisation`` the logo ``data`` (checked), or none; a logo no organisation
    uses any more is deleted."""
    with transaction.atomic():
        if data is None:
            organisation.logo = None
        else:
            picture = check_logo(data)
            digest = hashlib.sha256(data).hexdigest()
            organisation.logo, _created = Logo.objects.get_or_create(
                sha256=digest,
                defaults={"format": picture.format, "width": picture.width, "height": picture.height, "data": data},
            )
        organisation.save(update_fields=["logo"])
        Logo.objects.filter(organisations__isnull=True).delete()


@dataclass(frozen=True)
class ShownLogo:
    """What a page needs to show a logo: its public address and its size."""

    url: str
    width: int
    height: int


def shown_logo(organisation: Organisation) -> ShownLogo | None:
    """The organisation's logo for an <img>, read without its bytes (a page does not need them)."""
    found = Logo.objects.defer("data").filter(pk=organisation.logo_id).first() if organisation.logo_id else None
    if found is None:
        return None
    return ShownLogo(reverse("logo", args=[found.filename]), found.width, found.height)


def brand_css_url(organisation: Organisation) -> str | None:
    """The stylesheet that sets the organisation's accent colour, named after the colour."""
    return reverse("brand-css", args=[organisation.accent_colour[1:]]) if organisation.accent_colour else None


def brand_css(colour: str) -> str:
    """The accent colour as the custom properties servqual.css uses; the soft tint (the
    background of a chosen answer) is the colour mixed with 88% white."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    tint = "".join(f"{round(c + (255 - c) * 0.88):02x}" for c in (red, green, blue))
    return f":root {{ --accent: {colour}; --accent-soft: #{tint}; }}\n"


def report_branding(organisation: Organisation) -> Cover:
    """The organisation's part of a report's cover: its name, logo and accent colour."""
    logo = organisation.logo
    return Cover(
        organisation=organisation.name,
        logo=bytes(logo.data) if logo else None,
        logo_format=logo.format if logo else None,
        accent=organisation.accent_colour or None,
    )
