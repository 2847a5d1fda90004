"""The SPSS reader's child process: ``python …/servqual/io/_sav_child.py FILE``.

ReadStat (under pyreadstat) crashes on some damaged .sav files, and a crash takes the
process with it; so the file is read here, in a process of its own, which writes what
it read to standard output as pickled messages: ("meta", column names, number of rows,
value labels), then ("chunk", rows) for every 100,000 rows, then ("done",); or ("error",
why). :func:`servqual.io._formats.read_sav` reads them; a child that dies mid-way leaves
it an incomplete stream, which it takes as a file that cannot be read.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any, BinaryIO

CHUNK_ROWS = 100_000


def send(stream: BinaryIO, *message: Any) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


def read(path: str, stream: BinaryIO) -> None:
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(path, metadataonly=True)
        send(stream, "meta", list(meta.column_names), meta.number_rows, meta.variable_value_labels)
        for chunk, _ in pyreadstat.read_file_in_chunks(
            pyreadstat.read_sav, path, chunksize=CHUNK_ROWS, output_format="polars", user_missing=False
        ):
            send(stream, "chunk", chunk)
        send(stream, "done")
    except Exception as exc:  # pyreadstat raises its own ReadstatError and others
        send(stream, "error", str(exc) or type(exc).__name__)


if __name__ == "__main__":
    read(sys.argv[1], sys.stdout.buffer)
