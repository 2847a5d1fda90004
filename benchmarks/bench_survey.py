"""Respondents answering the survey page by page against `servqual serve`, beside the floor.

    python benchmarks/bench_survey.py                        # SQLite and PostgreSQL; 8, 32, 128 at once; 20 s each
    python benchmarks/bench_survey.py --quick                # a few seconds: zero errors, every answer stored
    python benchmarks/bench_survey.py --databases postgres --concurrency 32 --threads 4 --duration 30

For each database it starts `servqual serve` as a real process (gunicorn, production settings,
``--workers`` processes, 127.0.0.1 only; SQLite in a temporary folder, PostgreSQL in a fresh
database it makes and drops), seeds a study with an open anonymous survey link, and then, for
each number of concurrent clients, runs two phases of ``--duration`` seconds each:

- **floor**: each client GETs ``/benchmark/floor/<wave>/`` over and over, a bare view that
  inserts one row, through the same processes, middleware and database
  (settings.BENCHMARK_FLOOR, switched on here only): what any request costs in this stack;
- **survey**: each client is one respondent after another who answers the survey the way a
  browser without JavaScript does (scripts/kill_under_load.py's client): GET the start page,
  POST it with its CSRF token, then per page GET it, read its form, POST an answer to every
  question, follow the redirect; at the end GET the thank-you page.

It prints, per database and number of clients, requests per second of each phase (every page
view and submit of the survey counts), their ratio, p50/p95/p99 of a page submit (a POST
of a page's answers), errors, and the server's CPU time per request (all its processes, read
from /proc) beside the benchmark client's own. The client runs on the same cores as the
server, so absolute rates depend on the machine and what else runs on it: compare the ratios.

Every run then checks, straight from the database, that each page acknowledged (answered with
the redirect to the next page or the thank-you page) is stored exactly as sent in the
respondent's response, that completions acknowledged = responses completed, and that the
floor stored one row per answer. An error is any request without an answer (refused, cut,
timed out), any status other than the one a browser expects, and any traceback in the server's
log. Exit status 0 when there is no error and every check holds, 1 otherwise.

--quick (for CI) is SQLite and PostgreSQL, 8 clients, 3 s per phase.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from kill_under_load import (
    DEFAULT_POSTGRES,
    Browser,
    Postgres,
    Reply,
    Respondent,
    Save,
    Server,
    UnansweredError,
    check_link_respondents,
    free_port,
    read_form,
    read_responses,
    seed,
    server_env,
    server_log_problems,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    """What one phase measured: ``kind`` "floor" or "survey"."""

    database: str
    kind: str
    clients: int
    seconds: float
    requests: int
    #: seconds of each page submit (survey) or request (floor)
    latencies: list[float] = field(repr=False)
    errors: list[str]
    server_cpu: float  # seconds of CPU, all of the server's processes
    client_cpu: float  # seconds of CPU of this benchmark

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        """Milliseconds below which ``share`` of the latencies lie (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]

    def summary(self) -> dict[str, Any]:
        out = {key: value for key, value in asdict(self).items() if key not in ("latencies", "errors")}
        shown_errors = self.errors[:20]
        return out | {
            "requests_per_second": round(self.rate, 1),
            "p50_ms": round(self.percentile(0.50), 1),
            "p95_ms": round(self.percentile(0.95), 1),
            "p99_ms": round(self.percentile(0.99), 1),
            "server_cpu_ms_per_request": round(1000 * self.server_cpu / max(self.requests, 1), 2),
            "errors": len(self.errors),
            "error_examples": shown_errors,
        }


class Tally:
    """The requests of one phase: each timed, counted while the phase lasts, errors kept."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.lock = threading.Lock()
        self.requests = 0
        self.respondents = 0  # started in this phase
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def send(
        self, browser: Browser, method: str, path: str, fields: dict[str, str] | None, expect: int, timed: bool = False
    ) -> Reply | None:
        """The reply, or None after an error (no answer, or not status ``expect``)."""
        began = time.monotonic()
        try:
            reply = browser.request(method, path, fields)
        except UnansweredError as error:
            self.error(str(error))
            return None
        took = time.monotonic() - began
        with self.lock:
            self.requests += 1
            if timed:
                self.latencies.append(took)
        if reply.status != expect:
            self.error(f"{method} {path}: {reply.status}, not {expect}")
            return None
        return reply

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def answers_for(html: str, rng: random.Random) -> dict[str, str]:
    """Every question of a page answered: a random point (or "no opinion") per radio group, a
    random split of 100 points over the number fields."""
    form = read_form(html)
    fields = {name: rng.choice(values) for name, values in form.radios.items()}
    if form.numbers:
        cuts = sorted(rng.randint(0, 100) for _ in range(len(form.numbers) - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        fields |= {name: str(share) for name, share in zip(form.numbers, shares, strict=True)}
    return {"csrfmiddlewaretoken": form.csrf, **fields}


def answer_survey(tally: Tally, who: Respondent) -> None:
    """One respondent from the start page to the thank-you page, or until the phase is over."""
    start = tally.send(who.browser, "GET", who.prefix, None, 200)
    if start is None:
        return
    started = tally.send(who.browser, "POST", who.prefix, {"csrfmiddlewaretoken": read_form(start.body).csrf}, 302)
    location = started.location if started else ""
    done = who.prefix + "done/"
    while location.startswith(who.prefix) and location != done:
        if tally.over():
            return
        shown = tally.send(who.browser, "GET", location, None, 200)
        if shown is None:
            return
        fields = answers_for(shown.body, who.rng)
        page = int(location.removeprefix(who.prefix).rstrip("/"))
        save = Save(who.name, page, {k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"}, time.time())
        who.saves.append(save)
        sent = tally.send(who.browser, "POST", location, fields, 302, timed=True)
        if sent is None:
            return
        save.acknowledged = time.time()
        save.outcome = "done" if sent.location == done else "saved"
        location = sent.location
    if location != done:
        tally.error(f"{who.name}: redirected to {location!r}")
        return
    who.finished = tally.send(who.browser, "GET", done, None, 200) is not None


def server_cpu(group: int) -> float:
    """CPU seconds (user and system) of the live processes of process group ``group``."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state, ppid, pgrp, ..., utime (14th field of stat), stime (15th)
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


@dataclass
class Bench:
    """One database's server and what the respondents of every phase did."""

    database: str
    server: Server
    link_prefix: str
    floor_path: str
    respondents: list[Respondent] = field(default_factory=list)
    floor_rows: int = 0  # the floor's acknowledged inserts

    def phase(self, kind: str, clients: int, seconds: float, most: int | None = None) -> Phase:
        """``clients`` at once for ``seconds``; in a survey phase at most ``most`` respondents start."""
        tally = Tally(time.monotonic() + seconds)
        group = self.server.process.pid if self.server.process else 0
        cpu_before, client_before, began = server_cpu(group), time.process_time(), time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            for number in range(clients):
                pool.submit(self._client, kind, tally, random.Random(number), most)
        took = time.monotonic() - began
        cpu = server_cpu(group) - cpu_before
        # The workers live on (no restarts: max_requests is 0), so their CPU counters only grow.
        return Phase(
            self.database,
            kind,
            clients,
            took,
            tally.requests,
            tally.latencies,
            tally.errors,
            cpu,
            time.process_time() - client_before,
        )

    def _client(self, kind: str, tally: Tally, rng: random.Random, most: int | None) -> None:
        try:
            while not tally.over():
                if kind == "floor":
                    browser = Browser(self.server.port)
                    if tally.send(browser, "GET", self.floor_path, None, 200, timed=True) is not None:
                        with tally.lock:
                            self.floor_rows += 1
                    continue
                with tally.lock:
                    if most is not None and tally.respondents >= most:
                        return
                    tally.respondents += 1
                    who = Respondent(
                        f"respondent{len(self.respondents)}", self.link_prefix, Browser(self.server.port), rng
                    )
                    self.respondents.append(who)
                answer_survey(tally, who)
        except Exception as error:  # a crash of the client is an error of the run, not a silent stop
            tally.error(f"client: {error!r}")


@contextlib.contextmanager
def served(database: str, postgres: str, workers: int, arguments: tuple[str, ...]) -> Iterator[tuple[Bench, Any]]:
    """A seeded `servqual serve` on ``database`` (and a way to connect to its database); every
    process and file it made is gone afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="servqual-bench-survey-"))
    made: Postgres | None = None
    try:
        if database == "postgres":
            made = Postgres(postgres)
            url: str | None = made.url
            connect: Callable[[], Any] = made.connect
        else:
            import sqlite3

            url = None
            connect = lambda: sqlite3.connect(data_dir / "servqual.sqlite3", timeout=30)  # noqa: E731
        env = server_env(data_dir, url) | {"SERVQUAL_BENCHMARK_FLOOR": "true"}
        seeded = seed(env, 0)
        server = Server(env, free_port(), workers, data_dir / "server.log", arguments)
        link_prefix = f"/s/{seeded['link_key']}/"
        server.start(link_prefix)
        try:
            bench = Bench(database, server, link_prefix, f"/benchmark/floor/{seeded['wave']}/")
            yield bench, (connect, seeded)
        finally:
            server.stop()
    finally:
        if made is not None:
            made.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def check_stored(bench: Bench, connect: Callable[[], Any], seeded: dict[str, Any]) -> list[str]:
    """Every acknowledged page stored as sent; completions; one row per floor insert; a clean log."""
    problems: list[str] = []
    rows, _ = read_responses(connect, seeded["wave"])
    link = seeded["link"]
    counts = check_link_respondents(bench.respondents, rows, link, f"servqual_resume_{link}", problems)
    completed = sum(row.completed for row in rows if row.link_id == link)
    if completed != counts["completions"]:
        problems.append(f"{completed} completed responses, {counts['completions']} completions acknowledged")
    floor_rows = sum(row.link_id is None for row in rows)
    if floor_rows != bench.floor_rows:
        problems.append(f"the floor stored {floor_rows} rows for {bench.floor_rows} acknowledged inserts")
    locked, tracebacks = server_log_problems(bench.server.log_path)
    if locked or tracebacks:
        problems.append(f'server log: {locked} "database is locked", {tracebacks} tracebacks')
    print(
        f"{bench.database}: {counts['pages']} pages acknowledged, {counts['stored']} of {counts['answers']} "
        f"answers stored as sent, {completed} responses completed, {floor_rows} floor rows",
        file=sys.stderr,
    )
    return problems


def table(phases: list[Phase]) -> str:
    lines = [
        "| database | clients | survey req/s | floor req/s | survey / floor | submit p50 ms | p95 ms | p99 ms "
        "| errors | server CPU ms/req survey | floor | client CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floors = {(p.database, p.clients): p for p in phases if p.kind == "floor"}
    for survey in (p for p in phases if p.kind == "survey"):
        floor = floors[(survey.database, survey.clients)]
        per_request = [1000 * p.server_cpu / max(p.requests, 1) for p in (survey, floor)]
        lines.append(
            f"| {survey.database} | {survey.clients} | {survey.rate:.0f} | {floor.rate:.0f} "
            f"| {survey.rate / floor.rate:.2f} | {survey.percentile(0.5):.0f} | {survey.percentile(0.95):.0f} "
            f"| {survey.percentile(0.99):.0f} | {len(survey.errors) + len(floor.errors)} "
            f"| {per_request[0]:.1f} | {per_request[1]:.1f} | {survey.client_cpu + floor.client_cpu:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 128], metavar="N")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each phase (at most 300)")
    parser.add_argument("--respondents", type=int, default=None, help="at most this many respondents per phase")
    parser.add_argument("--workers", type=int, default=2, help="servqual serve --workers")
    parser.add_argument("--threads", type=int, default=None, help="servqual serve --threads (default: its own)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="the PostgreSQL server (on 127.0.0.1)")
    parser.add_argument("--quick", action="store_true", help="8 clients, 3 s per phase: for CI")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.concurrency, args.duration = [8], 3.0
    if not 0 < args.duration <= 300 or not all(0 < n <= 512 for n in args.concurrency):
        parser.error("--duration: 0 to 300 seconds; --concurrency: 1 to 512 clients")
    arguments = () if args.threads is None else ("--threads", str(args.threads))
    phases: list[Phase] = []
    problems: list[str] = []
    for database in args.databases:
        with served(database, args.postgres, args.workers, arguments) as (bench, (connect, seeded)):
            bench.phase("floor", 4, 1.0)  # warm up: every worker has loaded its code and connected
            bench.phase("survey", 4, 2.0)
            for clients in args.concurrency:
                for kind in ("floor", "survey"):
                    phase = bench.phase(kind, clients, args.duration, args.respondents)
                    phases.append(phase)
                    print(f"{database} {kind} {clients}: {phase.rate:.0f} req/s", file=sys.stderr, flush=True)
            problems += [f"{database}: {problem}" for problem in check_stored(bench, connect, seeded)]
    problems += [f"{p.database} {p.kind} {p.clients}: {error}" for p in phases for error in p.errors[:5]]
    print(table(phases))
    if args.json:
        figures = {"phases": [p.summary() for p in phases], "problems": problems, "arguments": sys.argv[1:]}
        args.json.write_text(json.dumps(figures, indent=2))
    for problem in problems[:30]:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems or any(p.errors for p in phases) else 0


if __name__ == "__main__":
    sys.exit(main())
