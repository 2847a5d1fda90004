"""The production settings: secure by default, configured from the environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")}
    env |= {"DJANGO_SETTINGS_MODULE": "servqual.web.settings", **environ}
    return subprocess.run([sys.executable, "-m", "servqual.web", *args], env=env, capture_output=True, text=True)


def test_the_production_settings_pass_the_deploy_check_without_warnings(tmp_path):
    run = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="servqual.example.org",
        SERVQUAL_DATA_DIR=str(tmp_path),
    )
    assert run.returncode == 0, run.stderr
    assert "System check identified no issues (0 silenced)." in run.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    run = manage("check", SERVQUAL_DATA_DIR=str(tmp_path))
    assert run.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in run.stderr


def test_the_database_comes_from_database_url(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {"SECRET_KEY": "k" * 50, "SERVQUAL_DATA_DIR": str(tmp_path)}
    run = manage("shell", "--no-imports", "-c", code, **env)
    assert run.stdout.strip() == "django.db.backends.sqlite3"
    run = manage("shell", "--no-imports", "-c", code, DATABASE_URL="postgres://u:p@db.example.org:5432/servqual", **env)
    assert run.stdout.strip() == "django.db.backends.postgresql"


def test_new_passwords_are_hashed_with_argon2():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert make_password("correct horse battery staple").startswith("argon2$argon2id$")


def test_both_languages_are_offered_and_chosen_per_request():
    assert [code for code, _ in settings.LANGUAGES] == ["nl", "en"]
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


def test_the_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits 1 on a missing migration


def test_outgoing_mail_comes_from_email_url(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL)"
    )
    env = {"SECRET_KEY": "k" * 50, "SERVQUAL_DATA_DIR": str(tmp_path)}
    run = manage(
        "shell", "--no-imports", "-c", code, EMAIL_URL="smtp://mailer:p%40ss@mail.example.org:587?tls=true", **env
    )
    assert run.stdout.split() == ["mail.example.org", "587", "mailer", "p@ss", "True", "False"]
    run = manage("shell", "--no-imports", "-c", code, EMAIL_URL="smtps://mailer:secret@mail.example.org", **env)
    assert run.stdout.split() == ["mail.example.org", "465", "mailer", "secret", "False", "True"]
    run = manage("shell", "--no-imports", "-c", code, EMAIL_HOST="relay.example.org", EMAIL_PORT="2525", **env)
    assert run.stdout.split()[:2] == ["relay.example.org", "2525"]
    run = manage("check", EMAIL_URL="http://mail.example.org", **env)
    assert "EMAIL_URL must start with smtp:// or smtps://" in run.stderr


def test_the_login_failures_allowed_per_address_come_from_the_environment(tmp_path):
    code = "from django.conf import settings; print(settings.LOGIN_FAILURES_PER_ADDRESS)"
    env = {"SECRET_KEY": "k" * 50, "SERVQUAL_DATA_DIR": str(tmp_path)}
    assert manage("shell", "--no-imports", "-c", code, **env).stdout.strip() == "20"
    run = manage("shell", "--no-imports", "-c", code, LOGIN_FAILURES_PER_ADDRESS="100", **env)
    assert run.stdout.strip() == "100"
    run = manage("check", LOGIN_FAILURES_PER_ADDRESS="many", **env)
    assert "LOGIN_FAILURES_PER_ADDRESS must be a whole number" in run.stderr


def test_migrate_makes_the_shared_cache_a_table_that_a_second_process_reads(tmp_path):
    """The results cache holds for all server processes at once (the rate limits: test_limits.py)."""
    environ = {"DEBUG": "true", "SERVQUAL_DATA_DIR": str(tmp_path)}
    assert manage("migrate", "--verbosity", "0", **environ).returncode == 0
    write = "from django.core.cache import cache; cache.set('shared', 42, 60)"
    read = "from django.core.cache import cache; print(cache.get('shared'))"
    assert manage("shell", "-c", write, **environ).returncode == 0
    run = manage("shell", "-c", read, **environ)
    assert run.stdout.splitlines()[-1] == "42", run.stderr
