"""`servqual analyze` end to end against what an analyst would write instead.

    python benchmarks/bench_analyze.py [--sizes 10000 100000 1000000]

Needs the bench extra: pip install -c requirements.lock -e ".[bench]".

For each size it writes a synthetic canonical file (22 E, 22 P, importance points, two
segment columns branch and channel, 2% missing answers) and times, in the same run,
each as a fresh process (start-up included):
  (a) servqual analyze FILE --format json --segment branch --segment channel
      (scores, CIs, t and signed-rank tests, alpha with CI and item statistics, omega,
      CFA of the perceptions, segments with tests, IPA);
  (b) the baseline an analyst would write: pandas.read_csv, pingouin.cronbach_alpha
      per dimension for E, P and the gap, semopy for the same CFA, pandas groupby for
      the segment means; it computes fewer figures than (a);
  (c) polars.read_csv of the same file alone: the parse floor.
It prints wall time (best of three, the three commands taking turns), peak memory (max
RSS) and the ratios (b)/(a) and (a)/(c). Targets (issue 3): at 1M respondents (a) at
least 4x faster than (b), within 2.5x of (c), at most 1.5 GB.

With --slider it also times (a) on the same study answered on a 0..100 slider (two
decimals, tests/analysis/data/slider.toml), which is analysed from the values as given
instead of by answer patterns, and prints its time, memory and the ratio slider/(a).

With --gaps it also times (gaps): the same customers' file with a managers' file (500
respondents, servqual-managers) and a contact employees' file (5,000, servqual-employees),
``servqual analyze FILE --managers M --employees E --processes default`` with the same
segments: all five gaps beside the customers' analysis; and (b-gaps), the baseline (b) plus
what the analyst would add for the other two files (Welch tests for gap 1 and the mirror,
alpha and means per factor, per branch, the processes' row means: fewer figures than
(gaps)). It prints their times, the memory of (gaps) and the ratios (gaps)/(a), (b)/(gaps)
and (b-gaps)/(gaps); the targets of issue 3 hold for it too (issue 14).

With --before SRC it also times (a) on another source tree, taking turns with the rest
(say a `git worktree` of the last release: --before ../servqual-old/src), and prints its
time and the ratio before/after: the before-and-after of a change in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from timing import best_of, write_study

BASELINE = """
import pandas as pd, pingouin as pg, semopy
path = {path!r}
df = pd.read_csv(path)
dims = {{"tangibles": range(1, 5), "reliability": range(5, 10), "responsiveness": range(10, 14),
         "assurance": range(14, 18), "empathy": range(18, 23)}}
for i in range(1, 23):
    df[f"G{{i}}"] = df[f"P{{i}}"] - df[f"E{{i}}"]
out = {{}}
for key, items in dims.items():
    for section in "EPG":
        out[key, section] = pg.cronbach_alpha(data=df[[f"{{section}}{{i}}" for i in items]])
    df[f"gap_{{key}}"] = df[[f"G{{i}}" for i in items]].mean(axis=1)
model = "\\n".join(f"{{k}} =~ " + " + ".join(f"P{{i}}" for i in items) for k, items in dims.items())
cfa = semopy.Model(model)
cfa.fit(df[[f"P{{i}}" for i in range(1, 23)]].dropna())
stats = semopy.calc_stats(cfa)
for column in ("branch", "channel"):
    out[column] = df.groupby(column)[[f"gap_{{k}}" for k in dims]].agg(["mean", "count"])
"""

SERVQUAL = (
    "import sys; sys.path[:0] = {source!r}; "
    "sys.argv = ['servqual', 'analyze', {path!r}, '--format', 'json', '--segment', 'branch', "
    "'--segment', 'channel', '--instrument', {instrument!r}]; from servqual.cli import run; run()"
)
#: (b) and what the analyst adds for the three files: gap 1 and the mirror by Welch tests
#: per item and dimension (pingouin), alpha and mean per factor, the factor means per branch,
#: each process's row means over its items for the customers. Fewer figures than (gaps).
BASELINE_GAPS = (
    BASELINE
    + """
import pingouin as pg, tomllib
from servqual.instruments import load_instrument
managers, employees = pd.read_csv({managers!r}), pd.read_csv({employees!r})
for theirs, section in ((managers, "E"), (employees, "P")):
    for i in range(1, 23):
        pg.ttest(theirs[f"{{section}}{{i}}"].dropna(), df[f"{{section}}{{i}}"].dropna(), correction=True)
    for key, items in dims.items():
        columns = [f"{{section}}{{i}}" for i in items]
        pg.ttest(theirs[columns].mean(axis=1).dropna(), df[columns].mean(axis=1).dropna(), correction=True)
for name, theirs in (("servqual-managers", managers), ("servqual-employees", employees)):
    for factor in load_instrument(name).factors:
        items = theirs[factor.columns].copy()
        for column in factor.reverse_columns:
            items[column] = 8 - items[column]
        pg.cronbach_alpha(data=items)
        theirs[factor.key] = items.mean(axis=1)
    theirs.groupby("branch")[[f.key for f in load_instrument(name).factors]].agg(["mean", "std", "count"])
processes = tomllib.load(open({processes!r}, "rb"))["processes"]
for process in processes:
    columns = [f"G{{i}}" for i in process["items"]]
    score = df[columns].mean(axis=1)
    score.agg(["mean", "std", "count"])
"""
)
GAPS = (
    "import sys; sys.argv = ['servqual', 'analyze', {path!r}, '--format', 'json', '--segment', 'branch', "
    "'--segment', 'channel', '--managers', {managers!r}, '--employees', {employees!r}, '--processes', 'default']; "
    "from servqual.cli import run; run()"
)
PROCESSES = Path(__file__).parent.parent / "src" / "servqual" / "instruments" / "processes.toml"
SLIDER = str(Path(__file__).parent.parent / "tests" / "analysis" / "data" / "slider.toml")
FLOOR = "import polars; polars.read_csv({path!r})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slider", action="store_true", help="also time a slider file of the same study")
    parser.add_argument("--gaps", action="store_true", help="also time all five gaps with managers and employees")
    parser.add_argument("--before", metavar="SRC", help="also time servqual from this source tree (its src/ folder)")
    args = parser.parse_args()

    before = f" {'before s':>9} {'before/(a)':>10} {'before MB':>10}" if args.before else ""
    if args.slider:
        before += f" {'slider s':>9} {'slider/(a)':>10} {'slider MB':>10}"
    print(
        f"{'respondents':>12} {'servqual s':>11} {'baseline s':>11} {'floor s':>8} {'(b)/(a)':>8} {'(a)/(c)':>8}"
        f" {'servqual MB':>12} {'baseline MB':>12}" + before
    )
    if args.gaps:
        before += f" {'gaps s':>8} {'gaps/(a)':>9} {'(b)/gaps':>9} {'b-gaps s':>9} {'(b-gaps)/gaps':>14} {'gaps MB':>8}"
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            path = str(Path(folder) / f"study-{n}.csv")
            write_study(n, path)
            codes = {
                "a": SERVQUAL.format(source=[], path=path, instrument="servqual-22"),
                "b": BASELINE.format(path=path),
                "c": FLOOR.format(path=path),
            }
            if args.before:
                codes["before"] = SERVQUAL.format(
                    source=[str(Path(args.before).resolve())], path=path, instrument="servqual-22"
                )
            if args.slider:
                slider_path = str(Path(folder) / f"slider-{n}.csv")
                write_study(n, slider_path, instrument=SLIDER)
                codes["slider"] = SERVQUAL.format(source=[], path=slider_path, instrument=SLIDER)
            if args.gaps:
                managers, employees = str(Path(folder) / "managers.csv"), str(Path(folder) / "employees.csv")
                write_study(500, managers, instrument="servqual-managers")
                write_study(5000, employees, instrument="servqual-employees")
                codes["gaps"] = GAPS.format(path=path, managers=managers, employees=employees)
                codes["baseline gaps"] = BASELINE_GAPS.format(
                    path=path, managers=managers, employees=employees, processes=str(PROCESSES)
                )
            timed = best_of(codes, args.repeat)
            (a, a_mb), (b, b_mb), (c, _) = timed["a"], timed["b"], timed["c"]
            line = f"{n:>12} {a:>11.2f} {b:>11.2f} {c:>8.2f} {b / a:>8.2f} {a / c:>8.2f} {a_mb:>12.0f} {b_mb:>12.0f}"
            if args.before:
                old, old_mb = timed["before"]
                line += f" {old:>9.2f} {old / a:>10.2f} {old_mb:>10.0f}"
            if args.slider:
                slider, slider_mb = timed["slider"]
                line += f" {slider:>9.2f} {slider / a:>10.2f} {slider_mb:>10.0f}"
            if args.gaps:
                gaps, gaps_mb = timed["gaps"]
                b_gaps = timed["baseline gaps"][0]
                line += f" {gaps:>8.2f} {gaps / a:>9.2f} {b / gaps:>9.2f}"
                line += f" {b_gaps:>9.2f} {b_gaps / gaps:>14.2f} {gaps_mb:>8.0f}"
            print(line)


if __name__ == "__main__":
    main()
