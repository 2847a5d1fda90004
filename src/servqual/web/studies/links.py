"""What a survey link becomes on paper: its QR code, made by segno."""

from __future__ import annotations

import io

import segno

#: The QR code's file types, by the name in the URL.
QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def qr_code(address: str, kind: str) -> bytes:
    """The QR code of ``address``: error correction "Q" (a quarter of the code may be
    damaged or covered and it still scans), large enough to print on a poster as PNG."""
    code = segno.make(address, error="q")
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=4, border=2, xmldecl=False, title=address)
    else:
        code.save(buffer, kind="png", scale=12, border=2)
    return buffer.getvalue()
