"""Files an outside tester uploaded to a production server (issue 12), made here."""

from __future__ import annotations

import io
import random
import re
import resource
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl

from servqual.instruments._loader import DATA_DIR

FIXTURES = Path(__file__).parents[1] / "fixtures"


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


# --- the one generator of damaged inputs (tests/test_hostile_inputs.py, test_hostile_doors.py) ---

#: What the damage may put into a file: formula starts, huge and odd numbers, quotes,
#: control characters, markup, paths, very long text.
PAYLOADS = [
    b'"',
    b'""',
    b";",
    b",",
    b"\t",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"=1+1",
    b'=HYPERLINK("http://x")',
    b"1" + b"0" * 5000,
    b"-1e308",
    b"nan",
    b"9" * 40,
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>",
    b"../../etc/passwd",
    b"/etc/passwd",
    b"\\\\server\\share",
    "Zoë’s café ＝1".encode(),
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"a = " + b"[" * 3000,
    b"x" * 70000,
]


def sources() -> dict[str, bytes]:
    """The files damaged: every fixture, a Parquet copy, and the instrument and mapping files."""
    files = {
        path.name: path.read_bytes()
        for path in sorted(FIXTURES.iterdir())
        if path.suffix in (".csv", ".tsv", ".xlsx", ".sav")
    }
    buffer = io.BytesIO()
    pl.read_csv(FIXTURES / "canonical.csv").write_parquet(buffer)
    files["canonical.parquet"] = buffer.getvalue()
    return files


def toml_sources() -> dict[str, bytes]:
    files = {path.name: path.read_bytes() for path in sorted(DATA_DIR.glob("*.toml"))}
    files |= {path.name: path.read_bytes() for path in sorted(FIXTURES.glob("*.mapping.toml"))}
    return files


def damaged(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one to four kinds of damage."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:  # flip bytes
            for _ in range(rng.randint(1, 16)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:  # cut the rest
            del data[at:]
        elif kind == 2:  # cut a piece out
            del data[at : at + rng.randint(1, 200)]
        elif kind == 3:  # repeat a piece
            data[at:at] = data[at : at + rng.randint(1, 400)] * rng.randint(2, 50)
        elif kind == 4:  # insert a hostile value
            data[at:at] = rng.choice(PAYLOADS)
        else:  # insert random bytes
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return bytes(data)


def damaged_xlsx(data: bytes, rng: random.Random) -> bytes:
    """The workbook with one of its XML parts damaged and the zip written again, so the
    damage reaches the XML reader rather than only the zip's checksum."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    name = rng.choice(sorted(parts))
    parts[name] = damaged(parts[name], rng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for part, content in parts.items():
            target.writestr(part, content)
    return buffer.getvalue()


#: Names a file may come with: a path out of the folder, NUL, far too long, right-to-left
#: marks that turn the extension around, markup. Each is followed by a number and a suffix.
HOSTILE_NAMES = [
    "../../etc/passwd ",
    "..\\..\\windows\\win.ini ",
    "a\x00b ",
    "é" * 140 + " ",
    "antwoorden \u202egnp.",
    "<img src=x onerror=alert(1)> ",
    "\u200f\u202bأجوبة ",
]


def file_name(i: int, suffix: str, rng: random.Random) -> str:
    """The name a damaged file comes under: mostly plain, one in ten hostile, one in ten odd."""
    roll = rng.random()
    if roll < 0.8:
        return f"antwoorden {i}{suffix}"
    if roll < 0.9:
        return f"x{i}.{rng.choice(['csv', 'txt', 'dat', ''])}"
    return f"{rng.choice(HOSTILE_NAMES)}{i}{suffix}"


def survey_inputs(seed: int, count: int) -> Iterator[tuple[str, bytes, str]]:
    """``count`` damaged survey files: (name, content, the fixture it was made from)."""
    rng = random.Random(seed)
    files = sources()
    names = sorted(files)
    # SPSS files are read in a process of their own (half a second each): fewer of them
    weights = [0.2 if name.endswith(".sav") else 1.0 for name in names]
    for i in range(count):
        original = rng.choices(names, weights)[0]
        suffix = Path(original).suffix
        data = files[original]
        data = damaged_xlsx(data, rng) if suffix == ".xlsx" and rng.random() < 0.7 else damaged(data, rng)
        yield file_name(i, suffix, rng), data, original


def address_sources() -> dict[str, bytes]:
    """A list of addresses as the invitations page takes it: CSV (Dutch Excel's) and XLSX."""
    rows = [["email", "taal", "branch"], *[[f"klant{i}@example.nl", "nl", "Utrecht"] for i in range(30)]]
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    text = "".join(";".join(row) + "\r\n" for row in rows)
    return {"adressen.csv": text.encode("cp1252"), "adressen.xlsx": buffer.getvalue()}


def address_inputs(seed: int, count: int) -> Iterator[tuple[str, bytes, str]]:
    """``count`` damaged lists of addresses: (name, content, the file it was made from)."""
    rng = random.Random(seed)
    files = address_sources()
    for i in range(count):
        original = rng.choice(sorted(files))
        suffix = Path(original).suffix
        data = files[original]
        data = damaged_xlsx(data, rng) if suffix == ".xlsx" and rng.random() < 0.7 else damaged(data, rng)
        yield file_name(i, suffix, rng), data, original


def toml_inputs(seed: int, count: int) -> Iterator[tuple[str, bytes, str]]:
    """``count`` damaged instrument and mapping files: (name, content, the file it was made from)."""
    rng = random.Random(seed)
    files = toml_sources()
    for i in range(count):
        original = rng.choice(sorted(files))
        yield file_name(i, ".toml", rng), damaged(files[original], rng), original


def disk_name(name: str) -> str:
    """A name a file on disk can have (no folder, no NUL, at most 255 bytes), for the command
    line, which names a file by its path."""
    name = name.replace("/", "_").replace("\\", "_").replace("\x00", "_")
    while len(name.encode()) > 255:
        name = name[1:]
    return name


class MemoryPeak:
    """The most memory taken since :meth:`start` by this process and by the child processes
    it waited for (readers run in children of their own), in MB.

    ``ru_maxrss`` counts a process's whole life: in the full test run, other tests before
    this one made it 2.5 GB, and a check of it then failed whatever the damaged files did.
    So this process's high-water mark is reset at the start (Linux ``/proc/self/clear_refs``)
    and read from ``/proc/self/status``; a child counts when the children's peak grew since
    the start. Elsewhere it falls back to ``ru_maxrss``, which can only be larger."""

    def start(self) -> MemoryPeak:
        self.children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.reset = True
        except OSError:
            self.reset = False
        return self

    def mb(self) -> float:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if self.reset:
            own = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return max(own, children if children > self.children_before else 0) / 1024
