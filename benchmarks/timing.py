"""Timing a piece of Python as a user meets it: a fresh process, start-up included."""

from __future__ import annotations

import subprocess
import sys
import time

_PEAK = "\nimport resource, sys\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"


def best_of(code: str, repeat: int) -> tuple[float, float]:
    """Best wall time in seconds of ``repeat`` fresh processes running ``code``, and the
    largest peak memory (max RSS) among them in MB."""
    times, peak = [], 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code + _PEAK], check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]) / 1024)
    return min(times), peak
