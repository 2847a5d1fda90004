"""Logos for the branding tests: a PNG of any size and colour written here (no image
library needed), and a small JPEG that Chromium made (tests/web/data/logo.jpg, 160 × 48)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

JPEG = (Path(__file__).parent / "data" / "logo.jpg").read_bytes()
JPEG_SIZE = (160, 48)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 120, height: int = 40, colour: tuple[int, int, int] = (11, 83, 148)) -> bytes:
    """A plain RGB PNG of one colour."""
    row = b"\x00" + bytes(colour) * width  # filter type 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * height, 9))
        + _chunk(b"IEND", b"")
    )
