"""Process-level speed settings, all of them, in one place.

The statistics and the readers read as the method; where work runs beside other work,
with how many BLAS threads, and how the process treats its memory and its exit is
decided here. Each setting names what it saves, measured with

    python benchmarks/bench_tuning.py

which times ``servqual analyze`` at a million respondents with every setting and with
each one switched off, in the same run (results in docs/performance.md). A setting that
no longer saves more than the benchmark's noise is deleted, not kept "just in case".

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
SETTINGS = ("overlap", "blocks", "blas", "memory", "exit")


def _off(name: str) -> bool:
    untuned = {part.strip() for part in os.environ.get("SERVQUAL_UNTUNED", "").split(",")}
    return name in untuned or "all" in untuned


def beside(background: Callable[[], T], foreground: Callable[[], U]) -> tuple[T, U]:
    """``background()`` in a second thread while ``foreground()`` runs in this one.

    "overlap": polars' parse and numpy's large operations let go of the interpreter lock,
    so on two cores the field-count scan of a CSV file runs beside polars' parse, and the
    analysis (scipy's import alone is 0.2 s of one core) loads while the file is read.
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
    other counts its patterns in numpy.
    """
    if _off("blocks"):
        yield from map(function, starts)
        return
    with ThreadPoolExecutor(2) as pool:
        yield from pool.map(function, starts)


def one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """One BLAS thread for the statistics' matrix products.

    "blas": the products are small (items x items at most, the CFA's many products of
    them); OpenBLAS's waiting threads made them many times slower on a busy 2-core
    machine (0.17 s instead of 0.03 s for the figures after the sums).
    """
    if _off("blas"):
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    limits: contextlib.AbstractContextManager[object] = threadpool_limits(limits=1, user_api="blas")
    return limits


def for_a_file_command() -> None:
    """Memory settings for a command that reads a file, computes and exits.

    "memory": numpy asks for no transparent huge pages (each large array is touched
    about once, and a fragmented machine stalls to compact memory for every 2 MB page),
    and glibc keeps freed memory for reuse instead of giving it back at once (every
    first touch of a fresh page is a kernel fault). The process exits soon after, which
    returns everything. numpy offers its switch only as an environment variable read at
    import or a private function; glibc only through mallopt.
    """
    if _off("memory"):
        return
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:  # the user's own choice wins
        try:
            from numpy._core.multiarray import _set_madvise_hugepage  # type: ignore[attr-defined]
        except ImportError:  # another numpy layout: keep its default
            pass
        else:
            _set_madvise_hugepage(False)
    if sys.platform != "linux":
        return
    import ctypes
    import platform

    if platform.libc_ver()[0] != "glibc":
        return
    mallopt = ctypes.CDLL(None).mallopt
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, 1 << 30)
    mallopt(m_trim_threshold, 1 << 30)


def exit_process(code: int) -> None:
    """End the process with ``code`` once the standard streams are flushed.

    "exit": tearing the interpreter down frees every array one by one, which the
    operating system does at once at exit anyway. Everything is written and closed
    before this is called.
    """
    for stream in (sys.stdout, sys.stderr):
        # a reader that went away (`| head`), or a stream already closed
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    if _off("exit"):
        sys.exit(code)
    os._exit(code)
