"""Reading the project's own TOML files (instruments, mappings) with clear errors."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from servqual.errors import ServqualError
from servqual.i18n import N_

#: No file of ours nests deeper than a handful of levels (scale.anchors.nl."1"); a limit far
#: above that keeps every later step (messages quote values) clear of Python's recursion limit.
MAX_DEPTH = 32
#: Whole numbers in our files are scale points, item numbers, importance points: a number
#: with more digits is a mistake or an attack, and Python refuses to print one of 4,300 digits.
MAX_DIGITS = 18
#: A key path of more than MAX_DEPTH parts (``a.b.c...`` or ``[a.b.c...]``). tomllib takes time
#: and memory that grow with the square of a path's length (100,000 parts: 20 s, or more
#: memory than the machine has), so such paths are refused before it sees them. The key
#: parts cannot backtrack (``++``), and a search starts only at the start of a key: linear.
_LONG_KEY_PATH = re.compile(
    r"""(?<![\w"'.-])(?:(?:[A-Za-z0-9_-]++|"[^"\n]*+"|'[^'\n]*+')[ \t]*+\.[ \t]*+){""" + str(MAX_DEPTH) + "}"
)


def read_settings(path: Path, not_valid: str, known: Iterable[str]) -> dict[str, Any]:
    """The file's contents; ``not_valid`` is the message for a file that is not TOML.

    Unknown top-level fields are refused, so a typo never passes silently.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ServqualError(N_("{file}: no such file"), file=str(path)) from None
    except OSError as exc:
        raise ServqualError(N_("{file}: cannot be read ({detail})"), file=path.name, detail=exc.strerror) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServqualError(not_valid, file=path.name, detail=str(exc)) from None
    return parse_settings(text, path.name, not_valid, known)


def parse_settings(text: str, name: str, not_valid: str, known: Iterable[str]) -> dict[str, Any]:
    """The settings in ``text``, a file called ``name`` in the messages; as :func:`read_settings`."""
    if _LONG_KEY_PATH.search(text):
        raise _too_deep(name)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ServqualError(not_valid, file=name, detail=str(exc)) from None
    except RecursionError:  # tomllib parses nested lists and tables by recursion
        raise _too_deep(name) from None
    except ValueError:  # the one other ValueError: an integer past Python's 4,300 digits
        raise _too_large(name) from None
    _check_depth_and_numbers(data, name)
    known = sorted(known)
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ServqualError(
            N_("{file}: unknown field {field!r} (known: {known})"),
            file=name,
            field=unknown[0],
            known=", ".join(known),
        )
    return data


def _check_depth_and_numbers(data: dict[str, Any], name: str) -> None:
    """Refuse what parses but would break a later step: nesting deeper than MAX_DEPTH (a
    dotted table name nests without recursion) and integers longer than MAX_DIGITS (hex
    ones are not held to Python's limit). A loop, not recursion, so depth cannot hurt it."""
    waiting: list[tuple[Any, int]] = [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise _too_deep(name)
            children = value.values() if isinstance(value, dict) else value
            waiting.extend((child, depth + 1) for child in children)
        elif isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
            raise _too_large(name)


def _too_deep(name: str) -> ServqualError:
    return ServqualError(
        N_("{file}: lists or tables are nested more than {depth} levels deep"), file=name, depth=MAX_DEPTH
    )


def _too_large(name: str) -> ServqualError:
    return ServqualError(N_("{file}: a number has more than {digits} digits"), file=name, digits=MAX_DIGITS)
