"""Hostile input never crashes the reader: thousands of damaged files, in every format.

Each real-shaped fixture (CSV dialects, Qualtrics, LimeSurvey, XLSX, SPSS, Parquet), each
instrument file and each mapping file is damaged at random, the same way for the same seed:
bytes flipped, cut, repeated or inserted, cells replaced by hostile values, and for XLSX
the XML inside the zip damaged and zipped again. Whatever comes of it, reading either
gives a response set or raises ServqualError with a message that names the file by the
name the user gave it, in English and in Dutch, and never a path of the server.

    SERVQUAL_HOSTILE_INPUTS=100000 .venv/bin/python -m pytest tests/test_hostile_inputs.py

runs more (the default, 10,000 in all, is what CI runs; docs/reliability.md has the figures).
"""

from __future__ import annotations

import io
import os
import random
import time
import zipfile
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

import servqual
from servqual.errors import ServqualError
from servqual.i18n import translator
from servqual.instruments._loader import DATA_DIR

FIXTURES = Path(__file__).parent / "fixtures"
TOTAL = int(os.environ.get("SERVQUAL_HOSTILE_INPUTS", "10000"))
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


def refused_well(error: ServqualError, names: list[str], folder: Path) -> None:
    """A refusal names one of the user's files and no server path, in both languages."""
    for lang in ("en", "nl"):
        message = error.render(translator(lang))
        assert message.strip(), "an empty message"
        assert str(folder) not in message, f"a server path in: {message}"
        assert any(name in message for name in names), f"no file named in: {message}"


def read(path: Path, **options: object) -> None:
    servqual.read_responses(path, progress=False, **options)


@pytest.fixture(scope="module")
def outcomes() -> Counter[str]:
    """What the damaged inputs came to, counted (printed at the end of the module)."""
    found: Counter[str] = Counter()
    yield found
    print("\nhostile inputs:", dict(found))


def test_damaged_survey_files_are_read_or_refused_with_a_message(tmp_path, outcomes):
    rng = random.Random(20261206)
    files = sources()
    share = TOTAL * 3 // 4
    slowest = 0.0
    names = sorted(files)
    # SPSS files are read in a process of their own (half a second each): fewer of them
    weights = [0.2 if name.endswith(".sav") else 1.0 for name in names]
    for i in range(share):
        original = rng.choices(names, weights)[0]
        suffix = Path(original).suffix
        data = files[original]
        data = damaged_xlsx(data, rng) if suffix == ".xlsx" and rng.random() < 0.7 else damaged(data, rng)
        name = f"antwoorden {i}{suffix}" if rng.random() < 0.9 else f"x{i}.{rng.choice(['csv', 'txt', 'dat', ''])}"
        path = tmp_path / name
        path.write_bytes(data)
        mapping = FIXTURES / (Path(original).stem + ".mapping.toml")
        start = time.perf_counter()
        try:
            read(path, mapping=mapping if mapping.exists() else None)
            outcomes["survey file read"] += 1
        except ServqualError as error:
            refused_well(error, [name], tmp_path)
            outcomes["survey file refused"] += 1
        slowest = max(slowest, time.perf_counter() - start)
        path.unlink()
    assert slowest < 20, f"one damaged file took {slowest:.1f} s"


def test_damaged_instrument_and_mapping_files_are_loaded_or_refused_with_a_message(tmp_path, outcomes):
    rng = random.Random(20261207)
    files = toml_sources()
    for i in range(TOTAL - TOTAL * 3 // 4):
        original = rng.choice(sorted(files))
        name = f"eigen {i}.toml"
        path = tmp_path / name
        path.write_bytes(damaged(files[original], rng))
        survey = FIXTURES / original.replace(".mapping.toml", ".csv")  # the file a mapping is for
        try:
            if original.endswith(".mapping.toml"):
                read(survey, mapping=path)
            else:
                servqual.load_instrument(path)
            outcomes["toml file loaded"] += 1
        except ServqualError as error:
            refused_well(error, [name, survey.name], tmp_path)
            outcomes["toml file refused"] += 1
        path.unlink()
