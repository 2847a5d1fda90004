"""Where a survey request's time goes: respondents answering in one process, under cProfile.

    python benchmarks/profile_survey.py [--respondents 40] [--database postgres] [--top 40]

Production settings (DEBUG off), the whole middleware stack (Django's test client with CSRF
checks, as a browser without JavaScript meets them), SQLite in a temporary folder or a fresh
PostgreSQL database. It walks ``--respondents`` through the survey of
benchmarks/bench_survey.py (the start page, start, each page's GET and POST, the thank-you
page) once unprofiled (warm-up: imports, caches), then again under cProfile, and prints the
milliseconds per request and the queries of each kind of request, then the functions with
the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from kill_under_load import DEFAULT_POSTGRES, Postgres, seed, server_env

from bench_survey import answers_for


def walk(client: Any, prefix: str, rng: random.Random, queries: dict[str, list[int]] | None) -> int:
    """One respondent through the survey; the number of requests. With ``queries``, the
    number of database queries of each kind of request is appended to it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    requests = 0

    def send(kind: str, method: str, path: str, data: dict[str, str] | None = None) -> Any:
        nonlocal requests
        requests += 1
        with CaptureQueriesContext(connection) as captured:
            reply = client.get(path) if method == "GET" else client.post(path, data)
        if queries is not None:
            queries[kind].append(len(captured))
        return reply

    start = send("GET start", "GET", prefix)
    reply = send("POST start", "POST", prefix, {"csrfmiddlewaretoken": _csrf(start)})
    while reply["Location"] != prefix + "done/":
        page = send("GET page", "GET", reply["Location"])
        assert page.status_code == 200, page.status_code
        reply = send("POST page", "POST", reply["Location"], answers_for(page.content.decode(), rng))
        assert reply.status_code == 302, reply.status_code
    send("GET done", "GET", prefix + "done/")
    return requests


def _csrf(reply: Any) -> str:
    from kill_under_load import read_form

    return read_form(reply.content.decode()).csrf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=40)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="servqual-profile-"))
    made = Postgres(args.postgres) if args.database == "postgres" else None
    try:
        env = server_env(data_dir, made.url if made else None)
        seeded = seed(env, 0)
        os.environ.update(env | {"ALLOWED_HOSTS": "testserver"})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servqual.web.settings")
        import django

        django.setup()
        from django.test import Client

        prefix = f"/s/{seeded['link_key']}/"
        rng = random.Random(0)
        for _ in range(5):
            walk(Client(enforce_csrf_checks=True), prefix, rng, None)
        queries: dict[str, list[int]] = defaultdict(list)
        for _ in range(3):
            walk(Client(enforce_csrf_checks=True), prefix, rng, queries)
        profile = cProfile.Profile()
        requests = 0
        began = time.perf_counter()
        profile.enable()
        for _ in range(args.respondents):
            requests += walk(Client(enforce_csrf_checks=True), prefix, rng, None)
        profile.disable()
        took = time.perf_counter() - began
        print(f"{args.database}: {requests} requests, {1000 * took / requests:.2f} ms each under cProfile")
        for kind, counts in queries.items():
            print(f"  queries per {kind}: {dict(Counter(counts))}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    finally:
        if made is not None:
            from django.db import connections

            connections.close_all()
            made.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
