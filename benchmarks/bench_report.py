"""`servqual report` against `servqual analyze`: what rendering the report adds.

    python benchmarks/bench_report.py [--sizes 1000000] [--repeat 3]

For each size it writes a synthetic canonical file (as bench_analyze.py: 22 E, 22 P,
importance points, segment columns branch and channel, 2% missing answers) and times,
as fresh processes (start-up included), best of ``--repeat``:
  (a) servqual analyze FILE --format json --segment branch
  (b) servqual report FILE -o report.pdf --segment branch
  (c) servqual report FILE -o report.html --segment branch
and prints (b) - (a) and (c) - (a): the cost of the report itself. The report works from
the analysis result only, so that difference should not grow with the number of
respondents. Target (issue 4): under 10 s at 1M respondents.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from timing import best_of, write_study

RUN = "from servqual.cli import main; main({args!r})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(
        f"{'respondents':>12} {'analyze s':>10} {'pdf s':>8} {'html s':>8} {'pdf - analyze':>14} {'html - analyze':>15}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            path = str(Path(folder) / f"study-{n}.csv")
            write_study(n, path)
            common = [path, "--segment", "branch"]
            timed = best_of(
                {
                    "analyze": RUN.format(args=["analyze", *common, "--format", "json"]),
                    "pdf": RUN.format(args=["report", *common, "-o", str(Path(folder) / "x.pdf")]),
                    "html": RUN.format(args=["report", *common, "-o", str(Path(folder) / "x.html")]),
                },
                args.repeat,
            )
            a, pdf, html = (timed[name][0] for name in ("analyze", "pdf", "html"))
            print(f"{n:>12} {a:>10.2f} {pdf:>8.2f} {html:>8.2f} {pdf - a:>14.2f} {html - a:>15.2f}")


if __name__ == "__main__":
    main()
