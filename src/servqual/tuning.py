"""Process-level speed settings, all of them, in one place.

The statistics and the readers read as the method; which work runs beside other work,
and how the process ends, is decided here. Each setting says what it saves, measured with

    python benchmarks/bench_tuning.py --repeat 9

which times ``servqual analyze`` at a million respondents with every setting and with
each one switched off, in the same run (the figures below are its best times on the
2-core development VM, 2026-12-06; docs/performance.md has the runs). A setting that no
longer saves more than the benchmark's noise is deleted, not kept "just in case": no
transparent huge pages and glibc keeping freed memory went that way. One BLAS thread
stays, for the figures' sake rather than for speed (:func:`one_blas_thread`).

``SERVQUAL_UNTUNED`` (comma-separated names below, or ``all``) switches settings off;
the benchmark uses it, and it helps to rule a setting out when something looks wrong.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")

#: The settings, by the name SERVQUAL_UNTUNED switches them off with.
SETTINGS = ("overlap", "blocks", "exit")


def _off(name: str) -> bool:
    untuned = {part.strip() for part in os.environ.get("SERVQUAL_UNTUNED", "").split(",")}
    return name in untuned or "all" in untuned


def beside(background: Callable[[], T], foreground: Callable[[], U]) -> tuple[T, U]:
    """``background()`` in a second thread while ``foreground()`` runs in this one.

    "overlap": polars' parse and numpy's large operations let go of the interpreter lock,
    so on two cores the field-count scan of a CSV file runs beside polars' parse, and the
    statistics stack (scipy's import is 0.2 s of one core) loads while the file is read:
    9 % of ``analyze``'s time, 5 % with the other core busy.
    """
    if _off("overlap"):
        return background(), foreground()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(background)
        done = foreground()
        return running.result(), done


def in_blocks(function: Callable[[int], T], starts: Iterable[int]) -> Iterator[T]:
    """``function`` over the starts of the blocks of rows, two blocks at a time, in order.

    "blocks": while one block is in polars (which lets go of the interpreter lock), the
    other counts its patterns in numpy: 2-5 % of ``analyze``'s time (nothing with the other
    core busy), for about 100 MB more memory at its peak.
    """
    if _off("blocks"):
        yield from map(function, starts)
        return
    with ThreadPoolExecutor(2) as pool:
        yield from pool.map(function, starts)


def one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """One BLAS thread for the statistics' matrix products, always.

    Not a speed setting (``bench_tuning.py`` finds no difference either way, also with the
    other core busy) but one of reproducibility: with more threads OpenBLAS splits its sums
    by the number of cores, and a figure that rests on a near cancellation (the chi-square
    of a factor model that fits a million rows well) then moves in its 11th digit from one
    machine to the next. With one thread the figures depend on the data alone.
    """
    from threadpoolctl import threadpool_limits

    limits: contextlib.AbstractContextManager[object] = threadpool_limits(limits=1, user_api="blas")
    return limits


def exit_process(code: int) -> None:
    """End the process with ``code`` once the standard streams are flushed.

    "exit": tearing the interpreter down frees every array one by one, which the
    operating system does at once at exit anyway: 5 % of ``analyze``'s time. Everything is
    written and closed before this is called.
    """
    for stream in (sys.stdout, sys.stderr):
        # a reader that went away (`| head`), or a stream already closed
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    if _off("exit"):
        sys.exit(code)
    os._exit(code)
