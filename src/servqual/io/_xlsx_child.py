"""The XLSX reader's child process: ``python …/servqual/io/_xlsx_child.py FILE MEMORY CELLS WHICH [SHEET]``.

calamine (python-calamine, Rust) reads a sheet into one rectangle of cells, as far as its
cells reach: a workbook of a few kilobytes with one cell at A1 and one at XFD1048576 asks
for half a terabyte, and a failed allocation in Rust aborts the process. So the workbook is
read here, in a process of its own whose address space is limited to MEMORY bytes. WHICH
is "all" (every worksheet), "first" or "named" (the SHEET named). It writes pickled messages
to standard output: ("sheets", names of the worksheets), then for each sheet asked for
("sheet", name, rows), or ("too large", name, rows, columns) for a sheet of more than CELLS
cells; or ("error", why). :func:`servqual.io._formats.workbook_messages` reads them; a
child that dies leaves an incomplete stream, which it takes as a file that cannot be read.
"""

from __future__ import annotations

import pickle
import resource
import sys
from typing import Any, BinaryIO


def send(stream: BinaryIO, *message: Any) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


def read(path: str, max_cells: int, which: str, wanted: list[str], stream: BinaryIO) -> None:
    import python_calamine

    try:
        with open(path, "rb") as file:  # by content: from_path goes by the name, and an upload has none
            book = python_calamine.CalamineWorkbook.from_filelike(file)
        names = [m.name for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        send(stream, "sheets", names)
        for name in {"all": names, "first": names[:1], "named": wanted}[which]:
            if name not in names:
                return
            sheet = book.get_sheet_by_name(name)
            # the rectangle as the user sees it, from A1 (calamine's starts at the first cell)
            start_row, start_column = (sheet.start or (0, 0)) if sheet.height else (0, 0)
            rows, columns = start_row + sheet.height, start_column + sheet.width
            if rows * columns > max_cells:
                send(stream, "too large", name, rows, columns)
                return
            send(stream, "sheet", name, sheet.to_python(skip_empty_area=False))
    except Exception as exc:  # calamine raises several types for a damaged file
        send(stream, "error", str(exc) or type(exc).__name__)


if __name__ == "__main__":
    memory = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    read(sys.argv[1], int(sys.argv[3]), sys.argv[4], sys.argv[5:], sys.stdout.buffer)
