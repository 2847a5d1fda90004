"""Keeping a Rust panic message off the user's screen when the panic is caught.

polars panics on some hostile files; the reader catches the panic (a PanicException) and
refuses the file with its own message, but Rust's panic hook has already printed
"thread ... panicked at ..." (and, with RUST_BACKTRACE set, a backtrace) on standard error,
and polars offers no setting to stop it. So around each polars call on a user's file,
standard error (file descriptor 2, where Rust writes) goes to a temporary file: after a
caught panic what it holds is dropped; otherwise it is written back, late but whole.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl


@contextmanager
def panic_messages_held() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        panicked = False
        try:
            yield
        except pl.exceptions.PanicException:
            panicked = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if not panicked:
                held.seek(0)
                if text := held.read():
                    os.write(2, text)
