"""Customer processes: the steps a customer goes through, each with an owner, and the items
and factors that speak of it (docs/instruments.md#processes).

A customer-oriented organisation assigns improvement to the owner of a customer process,
not to a department, so the diagnosis is also shown per process. A processes file maps the
customer instrument's items and the managers' and employees' factors to processes:

.. code-block:: toml

    [[processes]]
    key = "delivery"
    name = { en = "Delivery", nl = "Levering" }
    owner = { en = "Head of operations", nl = "Hoofd operatie" }
    items = [5, 7, 8]
    factors = ["teamwork", "technology_fit"]

An item or a factor may belong to several processes, or to none. ``default`` is the
built-in example for the 22 SERVQUAL items and the built-in managers' and employees'
factors; an organisation adjusts it to its own processes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servqual._toml import parse_settings, read_settings
from servqual.errors import ServqualError
from servqual.i18n import LANGUAGES, N_
from servqual.instruments._loader import Instrument

#: The built-in processes files, by name.
BUILTIN_PROCESSES = {"default": Path(__file__).parent / "processes.toml"}
NOT_VALID = N_("{file}: not a valid processes file ({detail})")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: More would not fit on a page beside each other, nor be a process anyone owns.
MAX_PROCESSES = 20


@dataclass(frozen=True)
class Process:
    """One customer process: its name and owner (by language), the customer items
    (numbers) and the organisation's factors (keys) that speak of it."""

    key: str
    names: dict[str, str]
    owner: dict[str, str]
    items: tuple[int, ...]
    factors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.names,
            "owner": self.owner,
            "items": list(self.items),
            "factors": list(self.factors),
        }


def load_processes(name_or_path: str | Path, instruments: Iterable[Instrument]) -> tuple[Process, ...]:
    """The processes of a built-in name (``default``) or a processes file, checked against
    ``instruments`` (the customers' and any organisation instruments): every item number
    must be one of the customer instrument's items, every factor one of their factors.

    Raises
    ------
    ServqualError
        Naming the file, the process and the field at fault.
    """
    path = BUILTIN_PROCESSES.get(str(name_or_path), Path(name_or_path))
    data = read_settings(path, NOT_VALID, {"processes"})
    return _build(data, path.name, tuple(instruments))


def processes_from_text(text: str, filename: str, instruments: Iterable[Instrument]) -> tuple[Process, ...]:
    """The processes a file's text defines (an upload), named ``filename`` in messages."""
    return _build(parse_settings(text, filename, NOT_VALID, {"processes"}), filename, tuple(instruments))


def _build(data: dict[str, Any], where: str, instruments: tuple[Instrument, ...]) -> tuple[Process, ...]:
    def fail(message_id: str, **params: Any) -> ServqualError:
        return ServqualError(message_id, file=where, **params)

    items = {item.number for i in instruments if i.audience == "customer" for item in i.items}
    factors = {factor.key for i in instruments for factor in i.factors}
    raw = data.get("processes", [])
    if not isinstance(raw, list) or not raw or not all(isinstance(p, dict) for p in raw):
        raise fail(N_("{file}: needs one or more [[processes]] tables"))
    if len(raw) > MAX_PROCESSES:
        raise fail(N_("{file}: has {n} processes; at most {limit} are possible"), n=len(raw), limit=MAX_PROCESSES)
    processes: list[Process] = []
    for entry in raw:
        key = entry.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise fail(
                N_("{file}: a process needs a key of lower-case letters, digits and _ (got {value!r})"), value=key
            )
        unknown = sorted(set(entry) - {"key", "name", "owner", "items", "factors"})
        if unknown:
            raise fail(
                N_("{file}: process {process} has an unknown field {field!r} (known: {known})"),
                process=key,
                field=unknown[0],
                known="factors, items, key, name, owner",
            )
        if any(p.key == key for p in processes):
            raise fail(N_("{file}: process {process} is defined twice"), process=key)
        numbers = entry.get("items", [])
        if not isinstance(numbers, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
            raise fail(N_("{file}: process {process}: items must be a list of item numbers"), process=key)
        for number in numbers:
            if number not in items:
                raise fail(
                    N_("{file}: process {process}: item {item} is not an item of the customers' instrument"),
                    process=key,
                    item=number,
                )
        keys = entry.get("factors", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise fail(N_("{file}: process {process}: factors must be a list of factor keys"), process=key)
        for factor in keys:
            if factor not in factors:
                raise fail(
                    N_("{file}: process {process}: {factor} is not a factor of the managers' or employees' instrument"),
                    process=key,
                    factor=factor,
                )
        if not numbers and not keys:
            raise fail(N_("{file}: process {process} has no items and no factors"), process=key)
        processes.append(
            Process(
                key,
                _texts(entry.get("name", key), fail, key, "name"),
                _texts(entry.get("owner", ""), fail, key, "owner") if entry.get("owner") else {},
                tuple(dict.fromkeys(numbers)),
                tuple(dict.fromkeys(keys)),
            )
        )
    return tuple(processes)


def _texts(value: Any, fail: Any, process: str, what: str) -> dict[str, str]:
    """A text by language; a plain string is the same in every language."""
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(LANGUAGES, value)
    if (
        isinstance(value, dict)
        and value
        and all(lang in LANGUAGES and isinstance(text, str) and text.strip() for lang, text in value.items())
    ):
        return dict(value)
    raise fail(
        N_('{file}: process {process}: {what} needs a text, e.g. {{ en = "...", nl = "..." }}'),
        process=process,
        what=what,
    )
