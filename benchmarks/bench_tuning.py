"""What each process-level setting of servqual.tuning saves in `servqual analyze`.

    python benchmarks/bench_tuning.py [--sizes 1000000] [--repeat 5]

For each size it writes the synthetic study of bench_analyze.py and times, in the same
run and taking turns, `servqual analyze FILE --format json --segment branch --segment
channel` as a fresh process with every setting (the baseline, "tuned"), with each
setting switched off alone (SERVQUAL_UNTUNED=<name>), and with all of them off. It
prints the best wall time of each, its ratio to the tuned run, and peak memory. A
setting whose ratio stays within the noise (the spread of the tuned runs, printed too)
does not earn its place in servqual/tuning.py.

--busy N keeps N other processes spinning on the CPU meanwhile (a machine that serves
the web app, or CI running other work), where thread settings matter most. --off NAMES
adds variants with several settings off at once (``--off blocks,exit overlap,exit``),
for settings that save little alone but more together.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from servqual.tuning import SETTINGS
from timing import write_study

COMMAND = (
    "import os, sys; os.environ['SERVQUAL_UNTUNED'] = {untuned!r}; "
    "sys.argv = ['servqual', 'analyze', {path!r}, '--format', 'json', '--segment', 'branch', "
    "'--segment', 'channel']; from servqual.cli import run; run()"
)


def timed(code: str) -> tuple[float, float]:
    """Wall time and peak memory (MB) of a fresh process running ``code``."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {code}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


@contextlib.contextmanager
def busy(processes: int) -> Iterator[None]:
    """``processes`` other processes spinning on the CPU until the block ends."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--busy", type=int, default=0, metavar="N", help="other processes spinning meanwhile")
    parser.add_argument("--off", nargs="*", default=[], metavar="NAMES", help="variants with these settings off")
    args = parser.parse_args()
    variants = {"tuned": "", **{f"no {name}": name for name in [*SETTINGS, *args.off]}, "untuned": "all"}
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            path = str(Path(folder) / f"study-{n}.csv")
            write_study(n, path)
            times: dict[str, list[float]] = {name: [] for name in variants}
            peaks = dict.fromkeys(variants, 0.0)
            with busy(args.busy):
                for _ in range(args.repeat):
                    for name, untuned in variants.items():
                        seconds, peak = timed(COMMAND.format(untuned=untuned, path=path))
                        times[name].append(seconds)
                        peaks[name] = max(peaks[name], peak)
            tuned = min(times["tuned"])
            spread = (sorted(times["tuned"])[len(times["tuned"]) // 2] - tuned) / tuned
            load = f", {args.busy} other processes spinning" if args.busy else ""
            print(f"{n} respondents, best of {args.repeat}{load}; tuned runs' median is {spread:.1%} above their best")
            print(f"{'variant':>20} {'best s':>8} {'median s':>9} {'/ tuned':>8} {'peak MB':>8}")
            for name, values in times.items():
                best, median = min(values), sorted(values)[len(values) // 2]
                print(f"{name:>20} {best:>8.2f} {median:>9.2f} {best / tuned:>8.2f} {peaks[name]:>8.0f}")


if __name__ == "__main__":
    main()
