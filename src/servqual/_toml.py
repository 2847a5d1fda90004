"""Reading the project's own TOML files (instruments, mappings) with clear errors."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from servqual.errors import ServqualError
from servqual.i18n import N_


def read_settings(path: Path, not_valid: str, known: Iterable[str]) -> dict[str, Any]:
    """The file's contents; ``not_valid`` is the message for a file that is not TOML.

    Unknown top-level fields are refused, so a typo never passes silently.
    """
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ServqualError(N_("{file}: no such file"), file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ServqualError(not_valid, file=path.name, detail=str(exc)) from None
    except OSError as exc:
        raise ServqualError(N_("{file}: cannot be read ({detail})"), file=path.name, detail=exc.strerror) from None
    known = sorted(known)
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ServqualError(
            N_("{file}: unknown field {field!r} (known: {known})"),
            file=path.name,
            field=unknown[0],
            known=", ".join(known),
        )
    return data
