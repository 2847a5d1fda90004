"""Reading a canonical CSV: servqual.read_responses against the parse floor; with --xlsx,
reading XLSX: the bounded calamine reader against the openpyxl reader it replaced.

    python benchmarks/bench_read.py [--sizes 10000 100000 1000000]
    python benchmarks/bench_read.py --xlsx [--xlsx-sizes 300 5000 43000] [--repeat 5]

For each size it writes a synthetic study twice, plainly and with every field quoted
(as LimeSurvey exports), (22 E, 22 P, 5 importance columns, two segment
columns, 2% missing answers) and times, in the same run:
  (a) servqual.read_responses: sniffing, the field-count scan, parsing and validation;
  (c) polars.read_csv of the same file alone: the parse floor;
  (p) pandas.read_csv, what an analyst would otherwise start with.
It prints wall time (best of 5, each a fresh process, start-up included), peak memory
(max RSS) of each process, and the ratio (a)/(c).

With --xlsx it writes XLSX workbooks of servqual-22 (the synthetic study above, one sheet):
one per size in --xlsx-sizes, and the issue's wide file (20 respondents, the sheet filled
out to 16,384 columns, issue 12 defect 9), and times servqual.read_responses on each with
  (new) the XLSX reader of this tree: calamine in a process of its own, bounded;
  (old) the openpyxl reader of commit --before (default fa60df7, the last before calamine),
        its io/_formats.py taken from git and put in place of this tree's, all else the same;
taking turns, each a fresh process. It prints the median time of --repeat runs (for the new
reader also of its reader's process alone, started by a small process), the peak memory (max
RSS) of the reading process and of the new reader's process (alone), and the ratios old/new of time and of peak
memory (the new reader's two peaks added: an upper bound of what it holds at once).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from timing import best_of, median_of, write_study

READERS = {
    "servqual": "import servqual; servqual.read_responses({path!r}, progress=False)",
    "polars": "import polars; polars.read_csv({path!r})",
    "pandas": "import pandas; pandas.read_csv({path!r})",
}


#: Reads the file and tells what came of it (both readers must say the same).
XLSX_READ = """
import hashlib, json
import servqual
from servqual.errors import ServqualError
try:
    read = servqual.read_responses({path!r}, progress=False)
except ServqualError as error:
    print("refused:", error)
else:
    report = json.dumps(read.report.to_dict(), sort_keys=True, default=str)
    tables = read.table.write_csv() + read.attributes.write_csv()
    digest = hashlib.sha256((report + tables).encode()).hexdigest()[:12]
    print(read.n_respondents, "respondents, answers and report", digest)
"""
#: The old reader: its _formats.py module in place of this tree's, before anything reads.
OLD_READER = """
import importlib.util, sys
import servqual.io
spec = importlib.util.spec_from_file_location("servqual.io._formats", {module!r})
old = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = servqual.io._formats = old
spec.loader.exec_module(old)
"""
#: The new reader's own process alone, started by a small one: a child's max RSS counts the
#: pages its parent had when it started it, and the reading process holds polars by then.
READER_ALONE = """
import subprocess, sys
command = [sys.executable, "-P", {script!r}, {path!r}, {memory!r}, {cells!r}, "all"]
subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
"""
WRITE_XLSX = """
import openpyxl
from servqual.io.synthetic import generate_study
columns = generate_study({n}, seed=1)
names = list(columns)
book = openpyxl.Workbook(write_only=True)
sheet = book.create_sheet("Antwoorden")
extra = max(0, {width} - len(names))
sheet.append(names + [f"extra{{i}}" for i in range(1, extra + 1)])
for row in zip(*(columns[name].tolist() for name in names)):
    cells = [None if v != v else int(v) if isinstance(v, float) else v for v in row]
    sheet.append(cells + ["x"] * extra)
book.save({path!r})
"""


def bench_xlsx(sizes: list[int], before: str, repeat: int) -> None:
    from servqual.io import _formats

    print(
        f"{'file':>24} {'MB':>5} {'new s':>7} {'reader s':>9} {'old s':>7} {'old/new':>8}"
        f" {'new MB':>7} {'reader MB':>10} {'old MB':>7} {'old/new MB':>11}  outcome"
    )
    with tempfile.TemporaryDirectory() as folder:
        old_module = Path(folder) / "_formats_openpyxl.py"
        old_module.write_bytes(
            subprocess.run(
                ["git", "show", f"{before}:src/servqual/io/_formats.py"], capture_output=True, check=True
            ).stdout
        )
        shapes = [(f"{n:,} respondents", n, 0) for n in sizes] + [("20 x 16,384 columns", 20, 16_384)]
        for label, n, width in shapes:
            path = str(Path(folder) / f"{n}-{width}.xlsx")
            subprocess.run([sys.executable, "-c", WRITE_XLSX.format(n=n, width=width, path=path)], check=True)
            read = XLSX_READ.format(path=path)
            alone = READER_ALONE.format(
                script=str(Path(_formats.__file__).with_name("_xlsx_child.py")),
                path=path,
                memory=str(_formats.XLSX_MAX_MEMORY),
                cells=str(_formats.XLSX_MAX_CELLS),
            )
            codes = {"new": read, "old": OLD_READER.format(module=str(old_module)) + read, "reader": alone}
            timed = median_of(codes, repeat)
            (new, new_mb, _, outcome), (old, old_mb, _, old_outcome) = timed["new"], timed["old"]
            reader, _, reader_mb, _ = timed["reader"]
            if outcome != old_outcome:
                raise SystemExit(f"{label}: the readers differ: {outcome!r} (new), {old_outcome!r} (old)")
            size = Path(path).stat().st_size / 1e6
            print(
                f"{label:>24} {size:>5.2f} {new:>7.2f} {reader:>9.2f} {old:>7.2f} {old / new:>8.1f}"
                f" {new_mb:>7.0f} {reader_mb:>10.0f} {old_mb:>7.0f} {old_mb / (new_mb + reader_mb):>11.2f}"
                f"  {outcome[:60]}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--xlsx", action="store_true", help="time the XLSX reader against the openpyxl one instead")
    parser.add_argument("--xlsx-sizes", type=int, nargs="+", default=[300, 5_000, 43_000])
    parser.add_argument("--before", default="fa60df7", help="the commit whose XLSX reader is the old one")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each XLSX read (the median is shown)")
    args = parser.parse_args()
    if args.xlsx:
        bench_xlsx(args.xlsx_sizes, args.before, args.repeat)
        return

    print(
        f"{'respondents':>13} {'file MB':>8} {'servqual s':>11} {'polars s':>9} {'pandas s':>9} {'(a)/(c)':>8}"
        f" {'servqual MB':>12} {'polars MB':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            plain, quoted = Path(folder) / f"study-{n}.csv", Path(folder) / f"quoted-{n}.csv"
            write_study(n, str(plain), quoted=str(quoted))
            for label, path in (("", plain), (" quoted", quoted)):
                results = best_of({name: code.format(path=str(path)) for name, code in READERS.items()}, 5)
                a, c, p = results["servqual"][0], results["polars"][0], results["pandas"][0]
                size = path.stat().st_size / 1e6
                print(
                    f"{str(n) + label:>13} {size:>8.1f} {a:>11.2f} {c:>9.2f} {p:>9.2f} {a / c:>8.2f}"
                    f" {results['servqual'][1]:>12.0f} {results['polars'][1]:>10.0f}"
                )


if __name__ == "__main__":
    main()
