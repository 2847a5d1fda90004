"""Reading a canonical CSV: servqual.read_responses against the parse floor.

    python benchmarks/bench_read.py [--sizes 10000 100000 1000000]

For each size it writes a synthetic study twice, plainly and with every field quoted
(as LimeSurvey exports), (22 E, 22 P, 5 importance columns, two segment
columns, 2% missing answers) and times, in the same run:
  (a) servqual.read_responses: sniffing, the field-count scan, parsing and validation;
  (c) polars.read_csv of the same file alone: the parse floor;
  (p) pandas.read_csv, what an analyst would otherwise start with.
It prints wall time (best of 5, each a fresh process, start-up included), peak memory
(max RSS) of each process, and the ratio (a)/(c).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from timing import best_of, write_study

READERS = {
    "servqual": "import servqual; servqual.read_responses({path!r}, progress=False)",
    "polars": "import polars; polars.read_csv({path!r})",
    "pandas": "import pandas; pandas.read_csv({path!r})",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()

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
