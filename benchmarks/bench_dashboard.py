"""The results page of a wave with many responses: after a step of responses arrives, and
when nothing changed, against a full recomputation of the results (the named baseline).

    python benchmarks/bench_dashboard.py [--responses 200000] [--rounds 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python benchmarks/bench_dashboard.py

Seeds a wave with ``--responses`` synthetic completed customer responses (22 E, 22 P,
importance points, a branch segment; bulk inserts), all in the results, in a database of its
own (a temporary SQLite file unless DATABASE_URL names one; its tables are made by migrate).
Then, in one process, times:

  baseline   what a fresh results page cost before stored sums: every response in the
             results read and analysed (``servqual.analyze``), and the report built;
  first      the page the first time (every response read once, stored as one batch);
  new step   the page after k responses (the study's anonymity threshold, a step of the
             results) arrived: median of ``--rounds``;
  unchanged  the page again, nothing changed: median of ``--rounds``.

Targets (issue 16): under 1 s after a response, under 200 ms unchanged, at 200,000.

With --staff the wave also has 40 managers and 150 contact employees in its results, so the
page shows all five gaps (issue 14): the diagnosis is made again after each step.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def setup_django(folder: str) -> None:
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SERVQUAL_DATA_DIR", folder)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "servqual.web.settings"
    (Path(folder) / "static").mkdir()  # WhiteNoise looks for it
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def seed(n: int):
    """A study with a branch segment and a wave holding ``n`` completed customer responses,
    all in the results, inserted in bulk; returns the wave and its owner."""
    import numpy as np
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from servqual.io.synthetic import SEGMENTS, generate_study
    from servqual.web.accounts.models import Membership, Organisation, Role
    from servqual.web.studies.models import Segment, Study, Wave
    from servqual.web.surveys.models import Response

    organisation = Organisation.objects.create(name="Bench")
    owner = User.objects.create_user("bench-owner")
    Membership.objects.create(user=owner, organisation=organisation, role=Role.OWNER)
    study = Study.objects.create(organisation=organisation, name="Bench", service_name="Bench")
    Segment.objects.create(study=study, key="branch", name="Branch", values=list(SEGMENTS["branch"][0]))
    now = timezone.now()
    wave = Wave.objects.create(study=study, name="1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(30))
    generated = generate_study(n, seed=1)
    columns = [c for c in generated if c not in ("respondent_id", "branch", "channel") and not c.startswith("OPEN_")]
    values = np.column_stack([np.asarray(generated[c], dtype=float) for c in columns])
    table = Response._meta.db_table
    sql = (
        f"INSERT INTO {table} (wave_id, audience, segments, language, answers, open_answers, started_at, completed_at,"
        " in_results) VALUES (%s, %s, %s, %s, %s, '{}', %s, %s, %s)"
    )
    day = Response._meta.get_field("completed_at").get_db_prep_save(now, connection)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, n, 10_000):
            rows = []
            for i in range(start, min(start + 10_000, n)):
                answers = {c: (None if v != v else int(v)) for c, v in zip(columns, values[i], strict=True)}
                branch = generated["branch"][i]
                segments = {"branch": branch} if isinstance(branch, str) and branch else {}
                rows.append((wave.pk, "customer", json.dumps(segments), "nl", json.dumps(answers), day, day, True))
            cursor.executemany(sql, rows)
    if connection.vendor == "postgresql":
        # as autovacuum leaves a table after a bulk load: counted through the index alone
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return wave, owner, columns


def seed_staff(wave) -> None:
    """40 managers and 150 contact employees, in the results."""
    import polars

    from servqual.io import read_responses
    from servqual.io.synthetic import generate_study
    from servqual.web.dashboards.results import admit
    from servqual.web.imports.rows import save_responses

    for audience, n, instrument in (("manager", 40, "servqual-managers"), ("employee", 150, "servqual-employees")):
        frame = polars.DataFrame(generate_study(n, instrument, seed=2))
        save_responses(wave, read_responses(frame, instrument, progress=False), audience)
        admit(wave, audience)


def respond(wave, columns, count: int, seed: int) -> None:
    """``count`` new completed responses, as the survey stores them."""
    import numpy as np
    from django.utils import timezone

    from servqual.web.surveys.models import Response

    rng = np.random.default_rng(seed)
    for _ in range(count):
        Response.objects.create(
            wave=wave,
            segments={"branch": "Utrecht"},
            language="nl",
            answers={c: int(rng.integers(1, 8)) if not c.startswith("W_") else 20 for c in columns},
            completed_at=timezone.now(),
        )


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--staff", action="store_true", help="also managers and employees: all five gaps")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(folder)
        from django.db import connection
        from django.test import Client

        from servqual.analysis import analyze
        from servqual.report import build_report
        from servqual.web.surveys.models import Audience
        from servqual.web.surveys.responses import response_set

        start = time.perf_counter()
        wave, owner, columns = seed(args.responses)
        if args.staff:
            seed_staff(wave)
        print(f"{connection.vendor}: {args.responses:,} responses seeded in {time.perf_counter() - start:.1f} s")
        study = wave.study
        k = study.anonymity_threshold

        def baseline() -> None:
            responses = response_set(wave, Audience.CUSTOMER, in_results=True)
            result = analyze(responses, segments=["branch"], min_group=k, min_answers=k)
            build_report(result, responses.instrument, lang="en", title="x", validation=responses.report)

        client = Client()
        client.force_login(owner)
        page = f"/waves/{wave.pk}/results/"

        def get() -> None:
            response = client.get(page, secure=True)
            assert response.status_code == 200 and b"gap" in response.content, response.status_code

        full = [timed(baseline) for _ in range(2)]
        first = timed(get)
        steps, unchanged = [], []
        for round_ in range(args.rounds):
            respond(wave, columns, k, seed=round_)
            steps.append(timed(get))
        for _ in range(args.rounds):
            unchanged.append(timed(get))
        base = min(full)
        print(f"{'page':<36} {'seconds':>8} {'vs baseline':>12}")
        print(f"{'baseline: full recomputation (best)':<36} {base:>8.3f} {1.0:>11.2f}x")
        print(f"{'first view (all read, stored)':<36} {first:>8.3f} {first / base:>11.2f}x")
        step, same = statistics.median(steps), statistics.median(unchanged)
        print(f"{'after a step of k new responses':<36} {step:>8.3f} {step / base:>11.3f}x  target < 1 s")
        print(f"{'nothing changed':<36} {same:>8.3f} {same / base:>11.3f}x  target < 0.2 s")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
