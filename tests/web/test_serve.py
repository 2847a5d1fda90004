"""`servqual serve` and `servqual demo` as a user runs them: separate processes, SQLite in a
temporary folder."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from http.cookiejar import CookieJar
from pathlib import Path

import pytest


def servqual_env(tmp_path, **environ: str) -> dict[str, str]:
    drop = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SERVQUAL_DATA_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {"LANG": "C", "LC_ALL": "", "LANGUAGE": "", **environ}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of GET url; redirects are not followed (urllib raises them)."""
    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def wait_for(server: subprocess.Popen, url: str) -> tuple[int, dict[str, str], bytes]:
    """The first answer of the server at url, once it listens."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return get(url)
        except urllib.error.URLError:
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("the server did not start")
            time.sleep(0.2)


def production_env(tmp_path, **env: str) -> dict[str, str]:
    """Production settings over plain HTTP on 127.0.0.1, with the data in ``tmp_path``."""
    return servqual_env(
        tmp_path,
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SERVQUAL_DATA_DIR=str(tmp_path),
        **env,
    )


def production_server(tmp_path, port: int, stderr: int = subprocess.STDOUT, **env: str) -> subprocess.Popen[str]:
    """``servqual serve`` with one worker on ``port`` (:func:`production_env`); its output in a pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "servqual", "serve", "--port", str(port), "--workers", "1"],
        env=production_env(tmp_path, **env),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


def test_serve_migrates_and_answers_with_static_files_from_whitenoise(tmp_path):
    port = free_port()
    server = production_server(tmp_path, port)
    try:
        home = wait_for(server, f"http://127.0.0.1:{port}/")
        assert home[0] == 302 and home[1]["Location"] == "/accounts/login/?next=/"
        assert get(f"http://127.0.0.1:{port}/accounts/login/")[0] == 200  # the migrated database
        status, headers, body = get(f"http://127.0.0.1:{port}/static/servqual/servqual.css")
        assert status == 200 and headers["Cache-Control"] == "max-age=60, public"  # WhiteNoise's
        assert b".keyfigure" in body
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"servqual serves on http://127.0.0.1:{port}/" in output
    assert "Booting worker" in output


#: A study with an open wave, its anonymous survey link, a personal invitation and a user
#: who asked for a password reset: each prints the secret of its working link.
WORKING_LINKS = """
from datetime import timedelta
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode
from servqual.web.accounts.models import Organisation
from servqual.web.distribution.models import Invitation
from servqual.web.studies.models import Study, Wave
from servqual.web.surveys.models import SurveyLink
study = Study.objects.create(organisation=Organisation.objects.create(name="Acme"), name="Klant", service_name="Acme")
now = timezone.now()
wave = Wave.objects.create(study=study, name="1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9))
print(SurveyLink.objects.create(wave=wave).key)
print(Invitation.objects.create(wave=wave, email="klant@example.org", language="nl").new_key())
user = User.objects.create_user("alice", "alice@example.org")
print(urlsafe_base64_encode(str(user.pk).encode()), default_token_generator.make_token(user))
"""


def test_the_access_log_holds_no_working_link_address_or_browser(tmp_path):
    """A copy of the logs, like one of the database, holds no survey key, invitation token or
    password-reset token, and no client's address or user agent."""
    port = free_port()
    server = production_server(tmp_path, port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(server, url + "/accounts/login/")
        made = subprocess.run(
            [sys.executable, "-m", "servqual.web", "shell", "--no-imports", "-c", WORKING_LINKS],
            env=production_env(tmp_path),
            capture_output=True,
            text=True,
        )
        link_key, invitation_token, reset = made.stdout.split("\n", 2)
        reset_uid, reset_token = reset.split()
        agent = "Tester/1.0 (an outside tester's browser)"
        paths = {
            f"/s/{link_key}/": 200,
            f"/s/{link_key}/?lang=en": 200,
            f"/s/{link_key}": 301,  # the slash appended
            f"/i/{invitation_token}/": 200,
            f"/i/{invitation_token}/unsubscribe/": 200,
            f"/accounts/password-reset/{reset_uid}/{reset_token}/": 302,
        }
        for path, status in paths.items():
            headers = {"User-Agent": agent, "Referer": f"{url}/s/{link_key}/1/"}
            try:
                with urllib.request.build_opener(NoRedirect).open(urllib.request.Request(url + path, headers=headers)):
                    answered = 200
            except urllib.error.HTTPError as error:
                with error:
                    answered = error.code
            assert answered == status, path  # the links work
        # A request gunicorn refuses itself (a header without a colon): its warning names the client.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(f"GET /s/{link_key}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon\r\n\r\n".encode())
            assert raw.recv(100).startswith(b"HTTP/1.1 400")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    requests = [line for line in output.splitlines() if '"GET ' in line]
    assert len(requests) >= 1 + len(paths), output
    for secret in (link_key, invitation_token, reset_token):
        assert secret not in output
    assert "Invalid request from ip=..." in output
    listening = ("servqual serves on", "Listening at")
    addressed = [line for line in output.splitlines() if "127.0.0.1" in line and not any(s in line for s in listening)]
    assert not addressed and "Tester" not in output
    assert '"GET /s/.../ HTTP/1.1" 200' in output
    assert '"GET /s/.../?lang=en HTTP/1.1" 200' in output
    assert '"GET /i/.../unsubscribe/ HTTP/1.1" 200' in output
    assert f'"GET /accounts/password-reset/{reset_uid}/.../ HTTP/1.1" 302' in output


def test_a_server_error_leaves_its_traceback_in_the_log_and_a_bad_host_one_warning_line(tmp_path):
    port = free_port()
    server = production_server(
        tmp_path,
        port,
        stderr=subprocess.PIPE,
        DJANGO_SETTINGS_MODULE="settings_with_failing_page",
        PYTHONPATH=str(Path(__file__).parent),
    )
    key = "k3yOfAnAnonymousLink9x"
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(server, url + "/accounts/login/")
        # A Host header not in ALLOWED_HOSTS, as scanners send: refused, not an error.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url + "/", headers={"Host": "evil.example"}), timeout=10)
        assert refused.value.code == 400
        refused.value.close()
        answers = urllib.parse.urlencode({"E1": "7", "comment": "my private remark"}).encode()
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(urllib.request.Request(f"{url}/s/{key}/fails/", answers), timeout=10)
        assert failed.value.code == 500
        failed.value.close()
    finally:
        server.terminate()
        errors = server.communicate(timeout=30)[1]
    assert "Internal Server Error: /s/.../fails/" in errors
    assert errors.count("Traceback (most recent call last)") == 1  # the server error's, not the host's
    bad_host = [line for line in errors.splitlines() if "DisallowedHost" in line]
    assert (
        len(bad_host) == 1
        and "[WARNING] django.security.DisallowedHost: Invalid HTTP_HOST header: 'evil.example'" in bad_host[0]
    )
    assert "RuntimeError: a failure on /s/.../fails/" in errors
    assert key not in errors and "private remark" not in errors and "127.0.0.1 " not in errors


def test_demo_seeds_an_organisation_with_two_waves_and_prints_the_login(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "servqual", "demo", "--no-serve", "--output", str(tmp_path), "--respondents", "60"],
        env=servqual_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Seeded Demo Bank: a customer survey with two waves, of 60 and 66 responses." in run.stdout
    assert "Each wave also has the answers of 40 managers and 150 contact employees." in run.stdout
    assert "Log in at http://127.0.0.1:8000/ as demo with the password " in run.stdout
    with closing(sqlite3.connect(tmp_path / "servqual.sqlite3")) as database:
        waves = database.execute(
            "SELECT w.name, r.audience, count(r.id), count(r.completed_at), sum(r.in_results) FROM studies_wave w "
            "JOIN surveys_response r ON r.wave_id = w.id GROUP BY w.name, r.audience ORDER BY w.opens_at, r.audience"
        ).fetchall()
        owners = database.execute("SELECT count(*) FROM accounts_membership WHERE role = 'owner'").fetchone()
    assert waves == [
        ("Spring", "customer", 60, 60, 60),
        ("Spring", "employee", 150, 150, 150),
        ("Spring", "manager", 40, 40, 40),
        ("Autumn", "customer", 66, 66, 65),  # by whole steps of the anonymity threshold, 5
        ("Autumn", "employee", 150, 150, 150),
        ("Autumn", "manager", 40, 40, 40),
    ]
    assert owners == (1,)


def test_the_served_demo_logs_in_and_shows_the_results(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "servqual", "demo", "--port", str(port), "--output", str(tmp_path)]
    server = subprocess.Popen(
        [*command, "--respondents", "60"], env=servqual_env(tmp_path), stdout=subprocess.PIPE, text=True
    )
    try:
        login = server.stdout.readline() and server.stdout.readline()
        password = re.search(r"with the password (\S+)", login).group(1)
        url = f"http://127.0.0.1:{port}/"
        wait_for(server, url)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        with browser.open(url + "accounts/login/", timeout=10) as page:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "demo", "password": password})
        request = urllib.request.Request(url + "accounts/login/", form.encode(), headers={"Referer": url})
        with browser.open(request, timeout=10) as home:
            assert "Customer survey" in home.read().decode()
        # The analysis runs in a gunicorn worker: it must not hang after the fork.
        with browser.open(url + "waves/2/results/analysis/", timeout=60) as results:
            html = results.read().decode()
        assert "Completed by customers: 66." in html and 'id="dimension-table"' in html
        # The PDF report is made by the worker that runs beside the demo's server.
        with browser.open(url + "waves/2/results/report.pdf", timeout=60) as waiting:
            assert waiting.url.startswith(url + "reports/")
            report_page = waiting.url
        deadline = time.monotonic() + 120
        while "The report is ready." not in (page := browser.open(report_page, timeout=10).read().decode()):
            assert time.monotonic() < deadline, page
            time.sleep(0.5)
        with browser.open(report_page + "report.pdf", timeout=10) as pdf:
            assert pdf.headers["Content-Type"] == "application/pdf" and pdf.read().startswith(b"%PDF")
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert [pid for pid in worker_processes() if str(tmp_path) in pid[1]] == []  # stopped with the server


def worker_processes() -> list[tuple[int, str]]:
    """(pid, environment) of the `servqual worker` processes running now."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            arguments = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if b"servqual" in arguments and b"worker" in arguments:
            found.append((int(proc.name), environ))
    return found
