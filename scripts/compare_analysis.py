"""Every figure of `servqual analyze --format json`, before and after a change.

    python scripts/compare_analysis.py snapshot DIR [--million]   # run every case, keep the JSON
    python scripts/compare_analysis.py compare OLD NEW [--tol 1e-12]

A refactoring must not move a figure: take a snapshot on the old code (for example from a
`git worktree` of it, with PYTHONPATH pointing at its src/), another on the new code, and
compare them. The cases cover every fixture and example file, every built-in instrument,
segments (with groups suppressed), every section's factor model and, with --million, the
million-row synthetic study of benchmarks/bench_analyze.py. Compare checks that both
snapshots have the same keys in the same order, the same strings and integers, and numbers
equal to within --tol (relative to the larger magnitude, absolute below 1); null matches
only null.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "docs" / "examples"
SEGMENTS = ["--segment", "branch", "--segment", "channel"]
ALL_CFA = ["--cfa", "perception", "--cfa", "expectation", "--cfa", "gap"]

#: name -> arguments of `servqual analyze` (the file first)
CASES: dict[str, list[str]] = {
    "canonical": [str(FIXTURES / "canonical.csv"), *SEGMENTS, *ALL_CFA],
    "canonical-min15": [str(FIXTURES / "canonical.csv"), *SEGMENTS, "--min-group", "15"],
    "dutch_excel": [str(FIXTURES / "dutch_excel.csv"), *SEGMENTS],
    "cp1252": [str(FIXTURES / "cp1252.csv"), *SEGMENTS],
    "tab": [str(FIXTURES / "tab.tsv")],
    "xlsx": [str(FIXTURES / "responses.xlsx"), *SEGMENTS],
    "sav": [str(FIXTURES / "responses.sav"), *SEGMENTS],
    "qualtrics": [str(FIXTURES / "qualtrics.csv"), "--mapping", str(FIXTURES / "qualtrics.mapping.toml")],
    "limesurvey": [str(FIXTURES / "limesurvey.csv")],
    "limesurvey_fulltext": [
        str(FIXTURES / "limesurvey_fulltext.csv"),
        "--mapping",
        str(FIXTURES / "limesurvey_fulltext.mapping.toml"),
    ],
    "google_forms": [str(FIXTURES / "google_forms.csv"), "--mapping", str(FIXTURES / "google_forms.mapping.toml")],
    "servqual-1988": [str(FIXTURES / "canonical.csv"), "--instrument", "servqual-22-1988", *SEGMENTS, *ALL_CFA],
    "servperf": [str(FIXTURES / "canonical.csv"), "--instrument", "servperf", *SEGMENTS],
    "three-column": [str(EXAMPLES / "three-column-responses.csv"), "--instrument", "servqual-3col", *ALL_CFA],
    "custom": [
        str(EXAMPLES / "custom-responses.csv"),
        "--instrument",
        str(EXAMPLES / "custom-instrument.toml"),
        "--segment",
        "channel",
        "--min-group",
        "2",
    ],
    "problem": [str(EXAMPLES / "problem-responses.csv"), "--instrument", str(EXAMPLES / "custom-instrument.toml")],
    "study300": [str(ROOT / "tests" / "analysis" / "data" / "study300.csv"), *SEGMENTS, *ALL_CFA],
    "study1000": [str(ROOT / "tests" / "analysis" / "data" / "study1000.csv"), *SEGMENTS, *ALL_CFA],
}


def snapshot(folder: Path, million: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cases = dict(CASES)
    if million:
        big = folder / "study-1000000.csv"
        if not big.exists():
            code = "from servqual.io.synthetic import generate_study, write_csv; "
            code += f"write_csv(generate_study(1_000_000, seed=1), {str(big)!r})"
            subprocess.run([sys.executable, "-c", code], check=True)
        cases["million"] = [str(big), *SEGMENTS, *ALL_CFA]
    for name, arguments in cases.items():
        command = [sys.executable, "-m", "servqual", "analyze", *arguments, "--format", "json"]
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ | {"SERVQUAL_DEBUG": "1"})
        if done.returncode != 0:
            raise SystemExit(f"{name}: exit {done.returncode}\n{done.stderr}")
        (folder / f"{name}.json").write_text(done.stdout, encoding="utf-8")
        print(f"{name}: {len(done.stdout):,} characters")


def differences(old: object, new: object, tol: float, where: str = "") -> list[str]:
    """Where ``old`` and ``new`` differ, one line each."""
    if isinstance(old, dict) and isinstance(new, dict):
        if list(old) != list(new):
            return [f"{where}: keys {list(old)} != {list(new)}"]
        return [line for key in old for line in differences(old[key], new[key], tol, f"{where}.{key}")]
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} entries != {len(new)}"]
        return [
            line
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for line in differences(a, b, tol, f"{where}[{i}]")
        ]
    numbers = (int, float)
    if (
        isinstance(old, numbers)
        and isinstance(new, numbers)
        and not isinstance(old, bool)
        and not isinstance(new, bool)
    ):
        if type(old) is not type(new):
            return [f"{where}: {old!r} ({type(old).__name__}) != {new!r} ({type(new).__name__})"]
        if math.isclose(old, new, rel_tol=tol, abs_tol=tol):
            return []
        return [f"{where}: {old!r} != {new!r}"]
    return [] if old == new else [f"{where}: {old!r} != {new!r}"]


def compare(old: Path, new: Path, tol: float) -> int:
    names = sorted(p.name for p in old.glob("*.json"))
    missing = sorted(p.name for p in new.glob("*.json") if not (old / p.name).exists())
    problems = 0
    for name in names:
        if not (new / name).exists():
            print(f"{name}: missing in {new}")
            problems += 1
            continue
        found = differences(json.loads((old / name).read_text()), json.loads((new / name).read_text()), tol)
        problems += bool(found)
        print(f"{name}: " + ("same" if not found else f"{len(found)} differences"))
        for line in found[:20]:
            print("   ", line)
    for name in missing:
        print(f"{name}: only in {new}")
    print(f"{len(names)} cases compared, {problems} with differences (tolerance {tol:g})")
    return 1 if problems or missing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("snapshot", help="run every case and keep its JSON in DIR")
    take.add_argument("folder", type=Path)
    take.add_argument("--million", action="store_true", help="also the million-row synthetic study")
    check = commands.add_parser("compare", help="compare two snapshots")
    check.add_argument("old", type=Path)
    check.add_argument("new", type=Path)
    check.add_argument("--tol", type=float, default=1e-12)
    args = parser.parse_args()
    if args.command == "snapshot":
        snapshot(args.folder, args.million)
        return 0
    return compare(args.old, args.new, args.tol)


if __name__ == "__main__":
    sys.exit(main())
