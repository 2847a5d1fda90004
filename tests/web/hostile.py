"""Files an outside tester uploaded to a production server (issue 12), made here."""

from __future__ import annotations

import io
import zipfile

import openpyxl


def workbook(patch_part: str | None = None, patch=None) -> bytes:
    """A small XLSX of servqual-22 answers; ``patch`` rewrites the XML of one part."""
    book = openpyxl.Workbook()
    book.active.append(["respondent_id", *[f"E{i}" for i in range(1, 23)], *[f"P{i}" for i in range(1, 23)]])
    book.active.append([1, *[4] * 44])
    plain = io.BytesIO()
    book.save(plain)
    patched = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if patch and info.filename == patch_part:
                data = patch(data.decode()).encode()
            target.writestr(info, data)
    return patched.getvalue()


def unusable_zip_version() -> bytes:
    """A workbook whose zip says it needs version 9.9 to unpack: zipfile raises
    NotImplementedError."""
    data = bytearray(workbook())
    start = data.find(b"PK\x01\x02")
    while start != -1:
        data[start + 6 : start + 8] = (99).to_bytes(2, "little")
        start = data.find(b"PK\x01\x02", start + 4)
    return bytes(data)


def workbook_openpyxl_names_by_path() -> bytes:
    """A workbook with a sheet state openpyxl does not know: its error quotes the path of the
    file it read."""
    return workbook("xl/workbook.xml", lambda xml: xml.replace('state="visible"', 'state="bogus"'))
