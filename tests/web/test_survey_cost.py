"""What a survey request costs: its database queries, the weight of its pages, the parts of
the stack that must not be redone per request, and the benchmark's floor view, which must not
exist outside benchmarks/bench_survey.py."""

from __future__ import annotations

import gzip
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.test.utils import CaptureQueriesContext
from test_settings import manage
from test_survey import PAGES, page_answers

from servqual.web.surveys.models import Response

#: Queries of each request of a respondent; the survey benchmark's cost follows them, so a
#: change must be deliberate (docs/performance.md, "Survey throughput").
QUERIES = {
    # the unknown-key limit (a read of its counter), the link with its wave, study and organisation
    "GET start": 2,
    # + the page limit, counted in one upsert; the address's first page of a window also
    # prunes ended windows (1); the resume key looked up, the response made
    "POST start": 7,
    # + the respondent's response
    "GET page": 3,
    # the limits (1 + 1), the link, the response, then the save: in a savepoint its row locked
    # and written (4)
    "POST page": 8,
    "POST last page": 8,
    "GET done": 3,
}


def test_each_survey_request_takes_the_queries_pinned_here(client, link):
    counted: dict[str, int] = {}

    def send(kind: str, method: str, path: str, data: dict[str, str] | None = None) -> int:
        with CaptureQueriesContext(connection) as queries:
            reply = client.get(path) if method == "GET" else client.post(path, data)
        counted[kind] = len(queries)
        return reply.status_code

    prefix = f"/s/{link.key}/"
    assert send("GET start", "GET", prefix) == 200
    assert send("POST start", "POST", prefix) == 302
    assert send("GET page", "GET", f"{prefix}2/") == 200
    assert send("POST page", "POST", f"{prefix}1/", page_answers(1)) == 302
    for page in range(2, PAGES):
        client.post(f"{prefix}{page}/", page_answers(page))
    assert send("POST last page", "POST", f"{prefix}{PAGES}/", page_answers(PAGES)) == 302
    assert send("GET done", "GET", f"{prefix}done/") == 200
    assert counted == QUERIES
    assert Response.objects.get().completed_at is not None


class References(HTMLParser):
    """Every URL a page makes the browser fetch or send to: src, href, action."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []  # stylesheets, scripts, images, icons
        self.other: list[str] = []  # links and form actions

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") in ("stylesheet", "icon"):
            self.fetched.append(found.get("href") or "")
        elif tag in ("script", "img") and found.get("src"):
            self.fetched.append(found["src"] or "")
        for name in ("href", "action", "src"):
            if found.get(name):
                self.other.append(found[name] or "")


def gzipped(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=6))


def test_every_survey_page_with_its_files_weighs_under_30_kb_gzipped_and_names_no_other_host(client, link):
    # Branded, so that the organisation's stylesheet counts too.
    organisation = link.wave.study.organisation
    organisation.accent_colour = "#0b5394"
    organisation.save()
    prefix = f"/s/{link.key}/"
    pages = [client.get(prefix)]
    client.post(prefix)
    for page in range(1, PAGES + 1):
        pages.append(client.get(f"{prefix}{page}/"))
        client.post(f"{prefix}{page}/", page_answers(page))
    pages.append(client.get(f"{prefix}done/"))
    weights = []
    for reply in pages:
        assert reply.status_code == 200
        references = References()
        references.feed(reply.content.decode())
        assert any(url.startswith("/brand/") for url in references.fetched)
        for url in references.other:
            parts = urlsplit(url)
            assert parts.scheme in ("", "data") and not parts.netloc, url
        weight = gzipped(reply.content)
        for url in references.fetched:
            if url.startswith("data:"):
                weight += len(url)
            elif url.startswith(settings.STATIC_URL) or url.startswith("/" + settings.STATIC_URL):
                path = finders.find(url.split(settings.STATIC_URL, 1)[1])
                assert path, url
                with open(path, "rb") as file:
                    weight += gzipped(file.read())
            else:
                fetched = client.get(url)
                assert fetched.status_code == 200, url
                weight += gzipped(b"".join(fetched) if fetched.streaming else fetched.content)
        weights.append(weight)
    assert max(weights) < 30 * 1024, weights
    assert min(weights) > 2 * 1024  # pages and their stylesheet, not error pages


def test_templates_are_compiled_once_per_process():
    loaders = engines["django"].engine.template_loaders
    assert [type(loader) for loader in loaders] == [CachedLoader]


def test_database_connections_are_kept_and_checked_before_reuse(tmp_path):
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    env = {"SECRET_KEY": "k" * 50, "SERVQUAL_DATA_DIR": str(tmp_path)}
    assert manage("shell", "--no-imports", "-c", code, **env).stdout.split() == ["60", "True"]
    run = manage("shell", "--no-imports", "-c", code, DATABASE_CONN_MAX_AGE="0", **env)
    assert run.stdout.split() == ["0", "True"]


def test_sqlite_keeps_a_write_ahead_log(tmp_path):
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA synchronous').fetchone()[0])"
    )
    run = manage("shell", "--no-imports", "-c", code, SECRET_KEY="k" * 50, SERVQUAL_DATA_DIR=str(tmp_path))
    assert run.stdout.split() == ["wal", "2"], run.stderr  # 2: FULL, every commit synced


def test_the_benchmark_floor_is_not_served_unless_asked(client, wave):
    reply = client.get(f"/benchmark/floor/{wave.pk}/")
    assert reply.status_code == 404
    assert not Response.objects.exists()


def test_the_benchmark_floor_is_refused_on_a_server_for_other_hosts(tmp_path):
    code = "from django.urls import resolve; print(resolve('/benchmark/floor/7/').func.__name__)"
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "SERVQUAL_DATA_DIR": str(tmp_path), "SERVQUAL_BENCHMARK_FLOOR": "1"}
    run = manage("shell", "--no-imports", "-c", code, ALLOWED_HOSTS="127.0.0.1", **env)
    assert run.stdout.strip() == "insert_one_row", run.stderr
    for hosts in ("servqual.example.org", "127.0.0.1,servqual.example.org", "*", ""):
        run = manage("shell", "--no-imports", "-c", code, ALLOWED_HOSTS=hosts, **env)
        assert run.returncode != 0
        assert "SERVQUAL_BENCHMARK_FLOOR needs ALLOWED_HOSTS of this machine alone" in run.stderr


def test_a_page_shows_the_chosen_answers_and_marks_the_missing_ones(client, link):
    # The radio buttons are written by the page itself, not by Django's widgets: the same HTML.
    prefix = f"/s/{link.key}/"
    client.post(prefix)
    half = dict(list(page_answers(1, "3").items())[:3])
    html = client.post(f"{prefix}1/", half).content.decode()
    name, value = next(iter(half.items()))
    assert (
        f'<input type="radio" name="{name}" value="{value}" id="id_{name}_{int(value) - 1}" required checked>' in html
    )
    missing = next(column for column in page_answers(1) if column not in half)
    assert (
        f'<input type="radio" name="{missing}" value="none" id="id_{missing}_7" required aria-invalid="true">' in html
    )
    assert len(re.findall(r'aria-invalid="true"', html)) == 8 * (len(page_answers(1)) - len(half))
