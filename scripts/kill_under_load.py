"""Kill `servqual serve` under load: no acknowledged answer lost or doubled.

    python scripts/kill_under_load.py                        # SQLite, 64 respondents, 4 kills
    python scripts/kill_under_load.py --database postgres    # a fresh PostgreSQL database
    python scripts/kill_under_load.py --respondents 128 --kills 6 --json result.json

It starts `servqual serve` as a real process (gunicorn, its own data folder in a temporary
folder; for PostgreSQL a fresh database that it creates and drops), seeds a study with an
anonymous survey link and personal invitations, and lets respondents answer the survey the
way a browser without JavaScript does: GET a page, POST its form with the CSRF token, follow
the redirect. While they answer, it SIGKILLs the whole server (the gunicorn master and its
workers: the process group) several times at random moments and starts it again on the same
port and data; a request that got no answer (a connection error) is sent again.

What the respondents do:

- **link respondents** (``--respondents``) each answer every page of the anonymous link
  with answers of their own (random, "no opinion" included) and send the last page; every
  ``--double-every``-th sends its last page from two clients with the same cookies at the same
  moment and then replays it ``--replays`` times;
- **invitees** (``--invitations``) each open one personal link (``/i/<token>/``) on two
  devices (two cookie jars) at once and answer it on both, each device with answers of its
  own, page by page from wherever the survey resumes.

The server acknowledges a page when it answers the POST with a redirect to a survey page
(saved; the next page, or a page still open) or, for the last page, to the thank-you page
(complete). A redirect to the thank-you page from an earlier page means "already complete:
nothing stored", as docs/web.md says. At the end the server is stopped, the database is read
directly and the run fails unless:

- every acknowledged page of a link respondent is stored exactly as sent, in the one response
  named by its resume cookie; a response holds no answer that was never sent; no two responses
  hold the same answers; completed responses = acknowledged completions;
- every final submit, replayed or sent twice at once, ended on the thank-you page;
- each invitation has one response, complete; every page in it holds the answers of a device
  whose save of that page was not followed by another device's acknowledged save of it;
- no answer had status 5xx, and the server's log has no "database is locked" and no traceback.

Bounded: at most ``--seconds`` of load, requests only to 127.0.0.1, and every process it
started is ended on the way out (also on Ctrl-C). Exit status 0 when every check holds, 1 when
one fails, 2 when the run could not be made. ``tests/web/test_durability.py`` runs a short
version on SQLite and on PostgreSQL; docs/reliability.md has the figures of full runs.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

LOOPBACK = "127.0.0.1"
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
#: Seconds one request may take before it counts as unanswered (and is sent again).
REQUEST_TIMEOUT = 30.0
#: Seconds the server may take to start (migrations, collectstatic, gunicorn).
START_TIMEOUT = 90.0
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass
class Options:
    database: str = "sqlite"  # or "postgres"
    #: the PostgreSQL server on this machine (a URL): a fresh database is made on it and dropped
    postgres: str = DEFAULT_POSTGRES
    respondents: int = 64
    invitations: int = 8
    kills: int = 4
    seconds: float = 120.0
    workers: int = 2
    replays: int = 5
    double_every: int = 8
    seed: int = 0
    keep: bool = False
    #: the folder in which the run's data folder is made (default: the system's temporary folder)
    workdir: Path | None = None
    log: Callable[[str], None] = field(default=lambda text: print(text, file=sys.stderr, flush=True))


@dataclass
class Result:
    """What one run measured; ``problems`` is empty when every check held."""

    database: str
    started: str
    port: int
    respondents: int
    invitations: int
    devices: int
    kills: int
    seconds: float
    requests: int  # requests answered by the server
    refused: int  # requests refused while the server was down: sent again
    cut: int  # requests sent, then cut off without an answer by a kill: sent again
    posts_cut: int  # of those, posts (a page's answers, the start, a final submit)
    status_5xx: int
    status_4xx: int
    finished: int  # link respondents who reached the thank-you page
    acknowledged_pages: int  # link respondents' pages acknowledged as saved
    acknowledged_answers: int  # the answers on those pages
    stored_answers: int  # of those, found in the database exactly as sent, in the right response
    acknowledged_completions: int
    completed_responses: int  # completed responses of the anonymous link in the database
    responses: int  # all responses of the anonymous link in the database
    empty_responses: int  # started (the start POST was saved, but its answer never arrived) and empty
    duplicate_responses: int
    final_submits: int  # final submits sent by the double submitters (two at once, then replays)
    final_submits_done: int  # of those, ended on the thank-you page
    invitation_responses: int
    invitation_pages_acknowledged: int
    invitation_saves_refused: int  # posts after the other device completed: "already complete"
    database_locked: int
    tracebacks: int
    problems: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class UnansweredError(Exception):
    """No HTTP answer: the connection was refused, cut or timed out. Not an acknowledgement."""

    def __init__(self, text: str, refused: bool) -> None:
        super().__init__(text)
        self.refused = refused


class OutOfTimeError(Exception):
    """The run's time is up."""


# --- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_NAMES:
        raise SystemExit(f"only a database on this machine (127.0.0.1), not {host!r}")


class Postgres:
    """A fresh database on the PostgreSQL server of ``server_url`` (made and dropped from its
    maintenance database, ``postgres``), dropped on close."""

    def __init__(self, server_url: str) -> None:
        check_loopback(server_url)
        parts = urlsplit(server_url)
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.name = f"servqual_kill_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = urlunsplit(parts._replace(path="/" + self.name))
        self._execute(f'CREATE DATABASE "{self.name}"')

    def _execute(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(statement)  # type: ignore[arg-type]

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.url, connect_timeout=10)

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Server:
    """``servqual serve`` in a process group of its own, so that SIGKILL reaches every worker."""

    def __init__(
        self, env: dict[str, str], port: int, workers: int, log_path: Path, arguments: tuple[str, ...] = ()
    ) -> None:
        self.env, self.port, self.workers, self.log_path = env, port, workers, log_path
        self.arguments = arguments  # more options of servqual serve (--threads)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, ready_path: str) -> None:
        command = [sys.executable, "-m", "servqual", "serve", "--port", str(self.port)]
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- start {self.starts + 1} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [*command, "--workers", str(self.workers), *self.arguments],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches the workers
            )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped while starting; see {self.log_path}")
            try:
                status = Browser(self.port).request("GET", ready_path).status
            except UnansweredError:
                time.sleep(0.1)
                continue
            if status == 200:
                return
            raise RuntimeError(f"the server answers {status} on {ready_path}; see {self.log_path}")
        raise RuntimeError(f"the server did not start in {START_TIMEOUT:.0f} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, and wait until all are gone."""
        self._end(graceful=False)

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL whatever is left."""
        self._end(graceful=True)

    def _end(self, graceful: bool) -> None:
        if self.process is None:
            return
        group = self.process.pid
        if graceful:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # at once, or a master that did not stop, or a worker left behind
        self.process.wait()
        self.process = None
        _wait_for_group_to_end(group)


def _wait_for_group_to_end(group: int) -> None:
    for _ in range(200):
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise RuntimeError(f"processes of group {group} outlived SIGKILL")


def server_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment of ``servqual serve``: production settings (DEBUG off, request errors
    logged to stderr with their traceback) over plain HTTP on 127.0.0.1."""
    drop = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SERVQUAL_DATA_DIR")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": LOOPBACK,
        "SECURE_SSL_REDIRECT": "false",
        "SERVQUAL_DATA_DIR": str(data_dir),
        "LANG": "C.UTF-8",
        # Every simulated respondent comes from 127.0.0.1 at a script's speed: the per-address
        # limit on survey pages would refuse them (it has tests of its own).
        "SURVEY_POSTS_PER_ADDRESS": "1000000",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def seed(env: dict[str, str], invitations: int) -> dict[str, Any]:
    """Migrate the database and make a study with an anonymous link and personal invitations,
    in a process of its own with the server's settings; returns the link's key and the tokens."""
    run = subprocess.run(
        [sys.executable, __file__, "--seed-invitations", str(invitations)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode != 0:
        raise RuntimeError("seeding failed:\n" + run.stdout + run.stderr)
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


def _seed_here(invitations: int) -> None:
    """The seeding step itself (run by :func:`seed` in a process of its own)."""
    from datetime import timedelta

    from servqual.web import server

    server.prepare()  # migrations and static files, as `servqual serve` does first
    from django.utils import timezone

    from servqual.web.accounts.models import Organisation
    from servqual.web.distribution.models import Invitation
    from servqual.web.studies.models import Study, Wave
    from servqual.web.surveys.models import SurveyLink

    organisation = Organisation.objects.create(name="Kill under load")
    study = Study.objects.create(
        organisation=organisation, name="Durability", service_name="Acme", languages=["en", "nl"]
    )
    now = timezone.now()
    wave = Wave.objects.create(
        study=study, name="1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30)
    )
    link = SurveyLink.objects.create(wave=wave)
    tokens = []
    for number in range(invitations):
        invitation = Invitation.objects.create(wave=wave, email=f"invitee{number}@example.org", language="en")
        tokens.append(invitation.new_key())
    print(json.dumps({"wave": wave.pk, "link": link.pk, "link_key": link.key, "tokens": tokens}))


# --- a browser without JavaScript -------------------------------------------------------


@dataclass
class Reply:
    status: int
    location: str
    body: str


class FormReader(HTMLParser):
    """The inputs of a page's form: the CSRF token, the radio groups and the number fields."""

    def __init__(self) -> None:
        super().__init__()
        self.csrf = ""
        self.radios: dict[str, list[str]] = {}
        self.numbers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        found = {key: value or "" for key, value in attrs}
        kind, name, value = found.get("type", "text"), found.get("name", ""), found.get("value", "")
        if name == "csrfmiddlewaretoken":
            self.csrf = value
        elif kind == "radio":
            self.radios.setdefault(name, []).append(value)
        elif kind == "number" and name not in self.numbers:
            self.numbers.append(name)


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


class Browser:
    """One cookie jar and plain HTTP/1.1 to 127.0.0.1; redirects are not followed."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = dict(cookies or {})

    def copy(self) -> Browser:
        return Browser(self.port, self.cookies)

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=REQUEST_TIMEOUT)
        headers = {"Accept-Language": "en", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            refused = isinstance(error, ConnectionRefusedError)
            raise UnansweredError(f"{method} {path}: {error!r}", refused) from error
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Reply(answer.status, answer.headers.get("Location", ""), content)


# --- the run ----------------------------------------------------------------------------


@dataclass
class Save:
    """One page's answers as posted by one respondent or device, and what became of them."""

    actor: str
    page: int
    fields: dict[str, str]
    first_sent: float
    acknowledged: float | None = None
    outcome: str = ""  # "saved" (to a page), "done" (to the thank-you page), "" (no answer)

    def answers(self) -> dict[str, int | None]:
        return {name: None if value == "none" else int(value) for name, value in self.fields.items()}


class Run:
    """The shared state of one run: counters, the server, the clock, the kill schedule."""

    def __init__(self, options: Options, server: Server, expected_requests: int) -> None:
        self.options = options
        self.server = server
        self.deadline = time.monotonic() + options.seconds
        self.lock = threading.Lock()
        self.answered = self.refused = self.cut = self.posts_cut = self.status_5xx = self.status_4xx = 0
        self.kills = 0
        self.errors: list[str] = []
        rng = random.Random(options.seed)
        # Kill after a random share of the expected requests has been answered: the moments
        # are random, and always while respondents are at work, however fast the machine is.
        self.kill_after = sorted(int(rng.uniform(0.08, 0.9) * expected_requests) for _ in range(options.kills))
        self.kill_jitter = [rng.uniform(0, 0.3) for _ in range(options.kills)]

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def send(self, browser: Browser, method: str, path: str, fields: dict[str, str] | None = None) -> Reply:
        """Send until answered (a browser's user presses reload); OutOfTimeError when time is up."""
        pause = 0.05
        while True:
            if self.out_of_time():
                raise OutOfTimeError
            try:
                reply = browser.request(method, path, fields)
            except UnansweredError as error:
                with self.lock:
                    if error.refused:
                        self.refused += 1
                    else:
                        self.cut += 1
                        self.posts_cut += method == "POST"
                time.sleep(pause * random.uniform(0.5, 1.5))
                pause = min(pause * 2, 1.0)
                continue
            with self.lock:
                self.answered += 1
                if reply.status >= 500:
                    self.status_5xx += 1
                elif reply.status >= 400:
                    self.status_4xx += 1
            if reply.status >= 500:
                self.error(f"{method} {path}: {reply.status}")
                time.sleep(pause)
                continue
            return reply

    def error(self, text: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(text)

    def killer(self, stop: threading.Event, ready_path: str) -> None:
        """SIGKILL the server at the scheduled moments and start it again on the same port."""
        for threshold, jitter in zip(self.kill_after, self.kill_jitter, strict=True):
            while self.answered < threshold:
                if stop.wait(0.02) or self.out_of_time():
                    return
            time.sleep(jitter)
            self.server.kill()
            self.kills += 1
            self.options.log(f"killed the server ({self.kills}) after {self.answered} answered requests")
            time.sleep(jitter)
            try:
                self.server.start(ready_path)
            except RuntimeError as error:
                self.error(str(error))
                return


def _page_fields(form: FormReader, rng: random.Random) -> dict[str, str]:
    """Every question of a page answered: a random point (or "no opinion") per radio group, a
    random split of 100 points over the number fields."""
    fields = {name: rng.choice(values) for name, values in form.radios.items()}
    if form.numbers:
        cuts = sorted(rng.randint(0, 100) for _ in range(len(form.numbers) - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        fields |= {name: str(share) for name, share in zip(form.numbers, shares, strict=True)}
    return fields


def _pages_of(html: str) -> int:
    """The number of pages, from the progress bar of a survey page."""
    match = re.search(r'<progress id="progress" max="(\d+)"', html)
    if match is None:
        raise RuntimeError("a survey page without its progress bar")
    return int(match.group(1))


def _page_number(path: str, prefix: str) -> int | None:
    match = re.fullmatch(re.escape(prefix) + r"(\d+)/", path)
    return int(match.group(1)) if match else None


@dataclass
class Respondent:
    """A respondent of the anonymous link, or one device of an invitee."""

    name: str
    prefix: str  # /s/<key>/ or /i/<token>/
    browser: Browser
    rng: random.Random
    saves: list[Save] = field(default_factory=list)
    pages: int = 0
    finished: bool = False
    final_submits: int = 0
    final_submits_done: int = 0
    #: seconds before starting, and at most before each post (reading, choosing)
    delay: float = 0.0
    think: float = 0.0


def answer_survey(run: Run, who: Respondent, double: bool = False) -> None:
    """GET the start page, start, answer page after page, send the last; with ``double``,
    the last page goes from two clients at once and is then replayed."""
    try:
        _answer_survey(run, who, double)
    except OutOfTimeError:
        run.error(f"{who.name}: out of time")


def _answer_survey(run: Run, who: Respondent, double: bool) -> None:
    time.sleep(who.delay)
    start = run.send(who.browser, "GET", who.prefix)
    if start.status == 302:  # completed already (on the other device)
        location = start.location
    elif start.status == 200:
        csrf = read_form(start.body).csrf
        started = run.send(who.browser, "POST", who.prefix, {"csrfmiddlewaretoken": csrf})
        location = started.location
    else:
        run.error(f"{who.name}: GET start: {start.status}")
        return
    answered: dict[int, dict[str, str]] = {}
    while True:
        if location == who.prefix + "done/":
            break
        page = _page_number(location, who.prefix)
        if page is None:
            run.error(f"{who.name}: unexpected redirect to {location!r}")
            return
        shown = run.send(who.browser, "GET", location)
        if shown.status == 302:  # completed meanwhile (another device)
            location = shown.location
            continue
        if shown.status != 200:
            run.error(f"{who.name}: GET {location}: {shown.status}")
            return
        form = read_form(shown.body)
        who.pages = max(who.pages, _pages_of(shown.body))
        fields = answered.get(page) or _page_fields(form, who.rng)
        answered[page] = fields
        final = page == who.pages
        if final and double:
            _double_submit(run, who, location, form.csrf, fields)
            location = who.prefix + "done/"
            continue
        time.sleep(who.rng.uniform(0, who.think))
        save = Save(who.name, page, fields, time.time())
        who.saves.append(save)
        if final:
            who.final_submits += 1
        started = run.send(who.browser, "POST", location, {"csrfmiddlewaretoken": form.csrf, **fields})
        _acknowledge(who, save, started)
        if final and save.outcome == "done":
            who.final_submits_done += 1
        if started.status != 302:
            run.error(f"{who.name}: POST {location}: {started.status}")
            return
        location = started.location
    done = run.send(who.browser, "GET", location)
    who.finished = done.status == 200 and "Thank you" in done.body


def _acknowledge(who: Respondent, save: Save, reply: Reply) -> None:
    if reply.status != 302:
        return
    save.acknowledged = time.time()
    save.outcome = "done" if reply.location == who.prefix + "done/" else "saved"


def _double_submit(run: Run, who: Respondent, path: str, csrf: str, fields: dict[str, str]) -> None:
    """The last page from two clients with the same cookies at the same moment, then
    ``--replays`` times again: each must end on the thank-you page."""
    posted = {"csrfmiddlewaretoken": csrf, **fields}
    clients = [who.browser, who.browser.copy()]
    saves = [Save(who.name, 0, fields, time.time()) for _ in clients]
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda client: run.send(client, "POST", path, posted), clients))
    for _ in range(run.options.replays):
        saves.append(Save(who.name, 0, fields, time.time()))
        replies.append(run.send(who.browser, "POST", path, posted))
    page = _page_number(path, who.prefix) or 0
    for save, reply in zip(saves, replies, strict=True):
        save.page = page
        _acknowledge(who, save, reply)
        who.saves.append(save)
        who.final_submits += 1
        if save.outcome == "done":
            who.final_submits_done += 1
        else:
            run.error(f"{who.name}: a final submit answered {reply.status} {reply.location!r}")


# --- reading the database ---------------------------------------------------------------


@dataclass
class Stored:
    id: int
    link_id: int | None
    answers: dict[str, Any]
    completed: bool
    resume_key_hash: str | None


def read_responses(connect: Callable[[], Any], wave_id: int) -> tuple[list[Stored], dict[int, int | None]]:
    """The wave's responses and, per invitation, its response's id: straight from the tables."""
    with contextlib.closing(connect()) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT id, link_id, answers, completed_at IS NOT NULL, resume_key_hash "
            "FROM surveys_response WHERE wave_id = %s ORDER BY id".replace("%s", _placeholder(connection)),
            (wave_id,),
        )
        rows = [
            Stored(row[0], row[1], row[2] if isinstance(row[2], dict) else json.loads(row[2]), bool(row[3]), row[4])
            for row in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT id, response_id FROM distribution_invitation WHERE wave_id = %s".replace(
                "%s", _placeholder(connection)
            ),
            (wave_id,),
        )
        invitations = {row[0]: row[1] for row in cursor.fetchall()}
    return rows, invitations


def _placeholder(connection: Any) -> str:
    return "?" if isinstance(connection, sqlite3.Connection) else "%s"


def key_hash(key: str) -> str:
    """As servqual.web.keys.key_hash: only the SHA-256 of a resume key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def check_link_respondents(
    respondents: list[Respondent], rows: list[Stored], link_id: int, cookie: str, problems: list[str]
) -> dict[str, int]:
    """Acknowledged = stored, exactly once; returns the counts."""
    mine = [row for row in rows if row.link_id == link_id]
    by_hash = {row.resume_key_hash: row for row in mine}
    counts = {"pages": 0, "answers": 0, "stored": 0, "completions": 0}
    owned: set[int] = set()
    for who in respondents:
        key = who.browser.cookies.get(cookie)
        acknowledged = [save for save in who.saves if save.outcome]
        counts["pages"] += len({save.page for save in acknowledged})
        counts["completions"] += any(save.outcome == "done" for save in acknowledged)
        if key is None:
            if acknowledged:
                problems.append(f"{who.name}: pages acknowledged without a resume cookie")
            continue
        row = by_hash.get(key_hash(key))
        expected: dict[str, int | None] = {}
        for save in acknowledged:
            expected |= save.answers()
        counts["answers"] += len(expected)
        if row is None:
            problems.append(f"{who.name}: no response for its resume cookie ({len(expected)} answers acknowledged)")
            continue
        owned.add(row.id)
        intact = [name for name, value in expected.items() if name in row.answers and row.answers[name] == value]
        counts["stored"] += len(intact)
        if len(intact) != len(expected):
            problems.append(f"{who.name}: {len(expected) - len(intact)} acknowledged answers not stored as sent")
        sent: dict[str, int | None] = {}
        for save in who.saves:
            sent |= save.answers()
        never_sent = [name for name, value in row.answers.items() if name not in sent or sent[name] != value]
        if never_sent:
            problems.append(f"{who.name}: response {row.id} holds answers never sent: {never_sent[:5]}")
        if any(save.outcome == "done" for save in acknowledged) and not row.completed:
            problems.append(f"{who.name}: completion acknowledged, response {row.id} not completed")
    for row in mine:
        if row.id not in owned and row.answers:
            problems.append(f"response {row.id} holds answers of no respondent's cookie")
    return counts


def duplicates(rows: list[Stored]) -> int:
    """Responses that hold the same (non-empty) answers as an earlier one."""
    seen: set[str] = set()
    doubled = 0
    for row in rows:
        if not row.answers:
            continue
        fingerprint = json.dumps(row.answers, sort_keys=True)
        doubled += fingerprint in seen
        seen.add(fingerprint)
    return doubled


def check_invitation(devices: list[Respondent], stored: Stored | None, problems: list[str]) -> None:
    """One response, complete; each page holds the answers of a device whose save of it was
    not followed by another device's acknowledged save (the last acknowledged save wins; of
    saves that overlapped in time, either may)."""
    name = devices[0].name.rsplit("-", 1)[0]
    if stored is None:
        problems.append(f"{name}: the invitation has no response")
        return
    if not stored.completed and all(device.finished for device in devices):
        problems.append(f"{name}: both devices saw the thank-you page, response {stored.id} not completed")
    saves = [save for device in devices for save in device.saves]
    last = max(device.pages for device in devices)
    for page in sorted({save.page for save in saves}):
        posted = [save for save in saves if save.page == page]
        saved = [save for save in posted if save.outcome == "saved"]
        holds = {column: stored.answers.get(column, "missing") for column in posted[0].fields}
        # The last page completes the response once: any device's may be the one kept.
        candidates = posted if page == last else [save for save in posted if not _followed(save, saved)]
        if not any(holds == save.answers() for save in candidates):
            whose = [save.actor for save in posted if holds == save.answers()] or ["nobody"]
            problems.append(
                f"{name}: page {page} holds the answers of {whose[0]}, not of the last acknowledged save "
                f"({', '.join(f'{s.actor}:{s.outcome or UNANSWERED}' for s in posted)})"
            )


UNANSWERED = "unanswered"


def _followed(save: Save, saved: list[Save]) -> bool:
    """Whether another device's acknowledged save of the page was sent after this one was
    acknowledged (or, for a save never acknowledged, after it was sent)."""
    end = save.acknowledged if save.acknowledged is not None else save.first_sent
    return any(other.actor != save.actor and other.first_sent > end for other in saved)


def server_log_problems(log_path: Path) -> tuple[int, int]:
    text = log_path.read_text(errors="replace")
    return text.count("database is locked"), text.count("Traceback (most recent call last)")


# --- putting it together ----------------------------------------------------------------


@contextlib.contextmanager
def database(options: Options, data_dir: Path) -> Iterator[tuple[str | None, Callable[[], Any]]]:
    """The server's DATABASE_URL (None: SQLite in the data folder) and a way to connect."""
    if options.database == "sqlite":
        path = data_dir / "servqual.sqlite3"
        yield None, lambda: sqlite3.connect(path, timeout=30)
        return
    if options.database != "postgres":
        raise SystemExit(f"--database: sqlite or postgres, not {options.database!r}")
    postgres = Postgres(options.postgres)
    try:
        yield postgres.url, postgres.connect
    finally:
        postgres.close()


def run(options: Options) -> Result:
    """One run: serve, load, kill and restart, check. Every process it started is ended."""
    data_dir = Path(tempfile.mkdtemp(prefix="servqual-kill-", dir=options.workdir))
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        with database(options, data_dir) as (database_url, connect):
            env = server_env(data_dir, database_url)
            options.log(f"seeding {options.database} in {data_dir}")
            seeded = seed(env, options.invitations)
            server = Server(env, free_port(), options.workers, data_dir / "server.log")
            try:
                return _load_and_check(options, server, seeded, connect, started_at)
            finally:
                server.stop()
    finally:
        if options.keep:
            options.log(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def _load_and_check(
    options: Options, server: Server, seeded: dict[str, Any], connect: Callable[[], Any], started_at: str
) -> Result:
    link_prefix = f"/s/{seeded['link_key']}/"
    server.start(link_prefix)
    rng = random.Random(options.seed)
    respondents = [
        Respondent(f"respondent{n}", link_prefix, Browser(server.port), random.Random(rng.random()))
        for n in range(options.respondents)
    ]
    # The laptop joins a moment after the phone, so that either may be ahead; each pauses a
    # little before each post, so that one sometimes completes while the other is saving.
    invitees = [
        [
            Respondent(
                f"invitee{n}-{device}",
                f"/i/{token}/",
                Browser(server.port),
                random.Random(rng.random()),
                delay=rng.uniform(0, 0.5) if device == "laptop" else 0.0,
                think=0.05,
            )
            for device in ("phone", "laptop")
        ]
        for n, token in enumerate(seeded["tokens"])
    ]
    devices = [device for pair in invitees for device in pair]
    # Requests at least: a link respondent's survey takes 15 (the start page, start, a GET and
    # a POST per page, the thank-you page), a double submitter's 1 + replays more; a device
    # a few (the other device may finish first).
    doubles = sum(_doubles(options, n) for n in range(len(respondents)))
    expected = 15 * len(respondents) + (1 + options.replays) * doubles + 4 * len(devices)
    load = Run(options, server, expected)
    stop = threading.Event()
    killer = threading.Thread(target=load.killer, args=(stop, link_prefix), daemon=True)
    began = time.monotonic()
    options.log(
        f"{len(respondents)} respondents and {len(invitees)} invitees on two devices against "
        f"http://{LOOPBACK}:{server.port}/, {options.kills} kills"
    )
    killer.start()
    pool = ThreadPoolExecutor(len(respondents) + len(devices))
    try:
        jobs = [pool.submit(answer_survey, load, who, _doubles(options, n)) for n, who in enumerate(respondents)]
        jobs += [pool.submit(answer_survey, load, device) for device in devices]
        for job in jobs:
            job.result()
    except BaseException:  # Ctrl-C, SIGTERM, a respondent's crash: every respondent stops now
        load.deadline = 0.0
        raise
    finally:
        pool.shutdown()
        stop.set()
        killer.join()
    seconds = time.monotonic() - began
    server.stop()

    problems = list(load.errors)
    rows, invitations = read_responses(connect, seeded["wave"])
    link_rows = [row for row in rows if row.link_id == seeded["link"]]
    counts = check_link_respondents(respondents, rows, seeded["link"], f"servqual_resume_{seeded['link']}", problems)
    completed = sum(row.completed for row in link_rows)
    if completed != counts["completions"]:
        problems.append(f"{completed} completed responses, {counts['completions']} completions acknowledged")
    doubled = duplicates(rows)
    if doubled:
        problems.append(f"{doubled} responses hold the same answers as another")
    by_id = {row.id: row for row in rows}
    invitation_rows = [row for row in rows if row.link_id is None]
    if len(invitation_rows) != len(invitees) or len({r for r in invitations.values() if r}) != len(invitees):
        problems.append(f"{len(invitation_rows)} responses for {len(invitees)} invitations")
    for pair, response_id in zip(invitees, sorted(invitations), strict=True):
        check_invitation(pair, by_id.get(invitations[response_id] or -1), problems)
    locked, tracebacks = server_log_problems(server.log_path)
    if load.status_5xx:
        problems.append(f"{load.status_5xx} answers with status 5xx")
    if locked or tracebacks:
        problems.append(f'server log: {locked} "database is locked", {tracebacks} tracebacks')
    if load.kills != options.kills:
        problems.append(f"{load.kills} kills of {options.kills}")
    unfinished = [who.name for who in respondents + devices if not who.finished]
    if unfinished:
        problems.append(f"{len(unfinished)} respondents did not reach the thank-you page: {unfinished[:5]}")
    doubles = [who for n, who in enumerate(respondents) if _doubles(options, n)]
    return Result(
        database=options.database,
        started=started_at,
        port=server.port,
        respondents=len(respondents),
        invitations=len(invitees),
        devices=len(devices),
        kills=load.kills,
        seconds=round(seconds, 1),
        requests=load.answered,
        refused=load.refused,
        cut=load.cut,
        posts_cut=load.posts_cut,
        status_5xx=load.status_5xx,
        status_4xx=load.status_4xx,
        finished=sum(who.finished for who in respondents),
        acknowledged_pages=counts["pages"],
        acknowledged_answers=counts["answers"],
        stored_answers=counts["stored"],
        acknowledged_completions=counts["completions"],
        completed_responses=completed,
        responses=len(link_rows),
        empty_responses=sum(not row.answers for row in link_rows),
        duplicate_responses=doubled,
        final_submits=sum(who.final_submits for who in doubles),
        final_submits_done=sum(who.final_submits_done for who in doubles),
        invitation_responses=len(invitation_rows),
        invitation_pages_acknowledged=sum(save.outcome == "saved" for who in devices for save in who.saves),
        invitation_saves_refused=sum(
            save.outcome == "done" and save.page != who.pages for who in devices for save in who.saves
        ),
        database_locked=locked,
        tracebacks=tracebacks,
        problems=problems,
    )


def _doubles(options: Options, n: int) -> bool:
    """Whether the n-th link respondent sends its last page twice at once, then replays it."""
    return options.double_every > 0 and n % options.double_every == 0


def summary(result: Result) -> str:
    lines = [f"{key}: {value}" for key, value in result.to_dict().items() if key != "problems"]
    lines.append("problems: none" if not result.problems else "problems:")
    lines += [f"  - {problem}" for problem in result.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Kill `servqual serve` under load and check that no acknowledged answer was lost or doubled.",
        epilog="Requests go to 127.0.0.1 only. Exit status: 0 every check held, 1 a check failed, 2 no run.",
    )
    defaults = Options()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default=defaults.database)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("KILL_UNDER_LOAD_POSTGRES", DEFAULT_POSTGRES),
        help="the PostgreSQL server on this machine, as a URL: a fresh database is made on it and "
        f"dropped at the end (default: {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--respondents", type=int, default=defaults.respondents, help="anonymous link respondents")
    parser.add_argument("--invitations", type=int, default=defaults.invitations, help="invitees, each on two devices")
    parser.add_argument("--kills", type=int, default=defaults.kills, help="times the server is SIGKILLed")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="the most the load may take")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers")
    parser.add_argument(
        "--replays", type=int, default=defaults.replays, help="replays of a double submitter's last page"
    )
    parser.add_argument(
        "--double-every", type=int, default=defaults.double_every, help="every n-th respondent submits twice at once"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed: answers and kill moments")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (database, server log)")
    parser.add_argument("--seed-invitations", type=int, help=argparse.SUPPRESS)  # the seeding step's own process
    args = parser.parse_args(argv)
    if args.seed_invitations is not None:
        _seed_here(args.seed_invitations)
        return 0
    bounds = [args.respondents >= 1, args.invitations >= 0, args.kills >= 0, args.replays >= 0]
    if not all(bounds) or not 0 < args.seconds <= 3600 or not 1 <= args.workers <= 16:
        parser.error("respondents >= 1, invitations, kills, replays >= 0, 0 < seconds <= 3600, 1 <= workers <= 16")
    options = Options(
        database=args.database,
        postgres=args.postgres,
        respondents=args.respondents,
        invitations=args.invitations,
        kills=args.kills,
        seconds=args.seconds,
        workers=args.workers,
        replays=args.replays,
        double_every=args.double_every,
        seed=args.seed,
        keep=args.keep,
    )
    # SIGTERM and SIGHUP end the run as Ctrl-C does: through the finally blocks that stop
    # the server and drop the database.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.default_int_handler)
    try:
        result = run(options)
    except KeyboardInterrupt:
        print("interrupted; the server is stopped and its data removed", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    print(summary(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
