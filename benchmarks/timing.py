"""Timing a piece of Python as a user meets it: a fresh process, start-up included."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

#: Appended to a code by median_of: the process's own peak memory and that of the largest
#: child it waited for (a reader's process of its own), in KB, on its last line of output.
_PEAKS = (
    "\nimport resource as _r; print(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss, _r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss)"
)


def best_of(codes: dict[str, str], repeat: int) -> dict[str, tuple[float, float]]:
    """Per name, the best wall time in seconds of ``repeat`` fresh processes running its
    code, and the largest peak memory (max RSS) among them in MB, as the operating system
    counted it for the whole process (so also for one that ends with os._exit).

    The codes take turns, one process each per round: a shared machine whose speed drifts
    during the run (this VM's does, by half) then weighs on every command alike."""
    times: dict[str, list[float]] = {name: [] for name in codes}
    peaks = dict.fromkeys(codes, 0.0)
    for _ in range(repeat):
        for name, code in codes.items():
            with tempfile.TemporaryFile() as output:
                start = time.perf_counter()
                process = subprocess.Popen([sys.executable, "-c", code], stdout=output, stderr=output)
                _, status, usage = os.wait4(process.pid, 0)
                times[name].append(time.perf_counter() - start)
                if os.waitstatus_to_exitcode(status) != 0:
                    output.seek(0)
                    raise SystemExit(f"failed: {code}\n{output.read().decode(errors='replace')}")
            peaks[name] = max(peaks[name], usage.ru_maxrss / 1024)
    return {name: (min(times[name]), peaks[name]) for name in codes}


def median_of(codes: dict[str, str], repeat: int) -> dict[str, tuple[float, float, float, str]]:
    """Per name, the median wall time in seconds of ``repeat`` fresh processes running its
    code (taking turns, as in :func:`best_of`), the largest peak memory (max RSS) in MB of
    the process itself and of the largest child process it started, as getrusage counts them,
    and what the last run printed."""
    times: dict[str, list[float]] = {name: [] for name in codes}
    own = dict.fromkeys(codes, 0.0)
    children = dict.fromkeys(codes, 0.0)
    printed = dict.fromkeys(codes, "")
    for _ in range(repeat):
        for name, code in codes.items():
            start = time.perf_counter()
            run = subprocess.run([sys.executable, "-c", code + _PEAKS], capture_output=True, text=True)
            times[name].append(time.perf_counter() - start)
            if run.returncode != 0:
                raise SystemExit(f"failed: {code}\n{run.stderr}")
            *lines, peaks = run.stdout.splitlines()
            printed[name] = "\n".join(lines)
            self_kb, children_kb = map(int, peaks.split())
            own[name] = max(own[name], self_kb / 1024)
            children[name] = max(children[name], children_kb / 1024)
    return {name: (statistics.median(times[name]), own[name], children[name], printed[name]) for name in codes}


def write_study(n: int, path: str, quoted: str | None = None, instrument: str = "servqual-22") -> None:
    """The synthetic file of ``n`` respondents (and, if named, a copy with every field
    quoted), written by a process of its own: a child started from a parent that still
    held the generated study would count the parent's pages in its own peak memory
    (max RSS covers the child's whole life, the fork included). ``instrument``: a
    built-in name or an instrument file (a slider's answers get two decimals)."""
    code = "from servqual.io.synthetic import generate_study, write_csv; "
    code += f"write_csv(generate_study({n}, {instrument!r}, seed=1), {path!r})"
    if quoted:
        code += f"; import polars; polars.read_csv({path!r}).write_csv({quoted!r}, quote_style='always')"
    subprocess.run([sys.executable, "-c", code], check=True)
