"""Settings of the servqual web platform, all from the environment.

Development needs nothing set (DEBUG on, SQLite under ``SERVQUAL_DATA_DIR``); production sets
``SECRET_KEY``, ``ALLOWED_HOSTS`` and usually ``DATABASE_URL`` (PostgreSQL), and leaves
``DEBUG`` off, which switches every secure setting on.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number") from None


def envlist(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


WEB_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SERVQUAL_DATA_DIR", Path.cwd() / "servqual-data"))

DEBUG = envbool("DEBUG", "false")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (or set DEBUG=true for development)")
    SECRET_KEY = "development-only-key-never-used-in-production-0123456789abcdef"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "formtools",
    "csp",  # its system checks of the policy below
    "django_tasks",
    "django_tasks_db",  # the queue's table (docs/tasks.md)
    "ninja",  # serves the API docs page (Swagger UI) from its own static files, not a CDN
    "servqual.web.accounts",
    "servqual.web.studies",
    "servqual.web.surveys",
    "servqual.web.distribution",
    "servqual.web.dashboards",
    "servqual.web.imports",
    "servqual.web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before everything that can answer by itself (WhiteNoise's static files, the 400 of a
    # bad Host header from CommonMiddleware): every answer gets the frame header too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Static files from the server process itself (servqual serve): no separate web server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "servqual.web.urls"
WSGI_APPLICATION = "servqual.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default; PostgreSQL in production: DATABASE_URL=postgres://user:password@host:5432/name
# Each worker (thread) keeps its connection for DATABASE_CONN_MAX_AGE seconds and checks it
# before reusing it: a new PostgreSQL connection per request cost more than the one-row insert
# of bench_survey.py's floor (docs/performance.md). 0 opens one per request again.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'servqual.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Writers wait for each other instead of failing with "database is locked". The WAL
    # journal lets pages be read while an answer is written and commits with one sync of the
    # log instead of several (synchronous stays FULL: a committed answer survives a power
    # cut too); bench_survey.py measured it (docs/performance.md). It needs a local disk.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The first hasher stores new passwords; the others still check old ones.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [WEB_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Amsterdam")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [WEB_DIR / "static"]

# Behind a proxy every request comes from the proxy's address; the rate limits then count
# per client by the header the proxy sets, e.g. CLIENT_ADDRESS_HEADER=HTTP_X_FORWARDED_FOR.
CLIENT_ADDRESS_HEADER = os.environ.get("CLIENT_ADDRESS_HEADER", "")
# Failed logins from one address, whatever the user names, before it waits 15 minutes (429).
# Raise it when many people log in from behind one address (an office's NAT).
LOGIN_FAILURES_PER_ADDRESS = envint("LOGIN_FAILURES_PER_ADDRESS", "20")
# Unknown survey keys and invitation tokens (/s/<key>/, /i/<token>/) from one address before
# every survey request from it waits 15 minutes (429). A key is 128 random bits, so guessing
# one is hopeless anyway; this refuses the trying. A person mistypes a link now and then, a
# whole office behind one address a few times in a quarter of an hour: 30 is a script.
SURVEY_LOOKUP_FAILURES_PER_ADDRESS = envint("SURVEY_LOOKUP_FAILURES_PER_ADDRESS", "30")
# Survey pages sent (the start page's and each page's POST) from one address in a minute,
# before further ones wait for the rest of the minute (429; the page's answers come back
# unsaved, to be sent again). By hand a person needs at least 10 seconds to read and answer
# a page, so sends at most 6 a minute: 300 lets 50 people behind one address (an office's
# NAT) answer at that speed at the same moment, or about 150 at an ordinary 2 pages a minute.
# Only a script sends more.
SURVEY_POSTS_PER_ADDRESS = envint("SURVEY_POSTS_PER_ADDRESS", "300")

# benchmarks/bench_survey.py only: /benchmark/floor/<wave>/ inserts one row through the same
# stack as the survey, the floor its figures are compared with. It writes without any check,
# so it exists only when asked for, and only on a server that answers to this machine alone.
BENCHMARK_FLOOR = envbool("SERVQUAL_BENCHMARK_FLOOR", "false")
if BENCHMARK_FLOOR and (not ALLOWED_HOSTS or set(ALLOWED_HOSTS) - {"localhost", "127.0.0.1", "[::1]"}):
    raise ImproperlyConfigured("SERVQUAL_BENCHMARK_FLOOR needs ALLOWED_HOSTS of this machine alone (127.0.0.1)")

# One cache for every server process, so that a wave's results are computed once: a table in
# the database (made by migrate). The rate limits count in a table of their own
# (accounts.models.AttemptCount), one atomic statement per attempt.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "servqual_cache"}}

# Background work (docs/tasks.md): invitations, reminders, PDF reports and imports are tasks in
# a table of the database, run by `servqual worker`. A task that raises a transient error (the
# mail server, the database) is tried again after TASK_RETRY_SECONDS, doubled each time, up to
# TASK_MAX_ATTEMPTS attempts. A task still running after TASK_LEASE_SECONDS is taken to be lost
# with its worker (killed, its machine gone) and given to another: longer than any task runs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TASK_MAX_ATTEMPTS = envint("TASK_MAX_ATTEMPTS", "5")
TASK_RETRY_SECONDS = envint("TASK_RETRY_SECONDS", "30")
TASK_LEASE_SECONDS = envint("TASK_LEASE_SECONDS", "600")

# A failed CSRF check on a survey page shows the page again with the answers just posted.
CSRF_FAILURE_VIEW = "servqual.web.surveys.views.csrf_failure"

# Outgoing mail: EMAIL_URL=smtp://user:password@host:587?tls=true (smtps:// for TLS from the
# start), or EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_USE_SSL = False
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "30")
if os.environ.get("EMAIL_URL"):
    _mail = urlsplit(os.environ["EMAIL_URL"])
    if _mail.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured("EMAIL_URL must start with smtp:// or smtps://")
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or (465 if _mail.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_USE_TLS = parse_qs(_mail.query).get("tls", ["false"])[0].lower() in ("1", "true", "yes", "on")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "servqual@localhost")
#: The address in e-mailed links, e.g. https://survey.example.org; the button falls back to the request's.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

# Errors to standard error, where gunicorn and systemd keep them: every unhandled exception
# with its traceback (django.request at ERROR; 4xx answers are in the access log already),
# and warnings of the rest. No request body, address or header is logged, and the formatter
# replaces the keys and tokens in survey, invitation and password-reset paths: a log holds
# no working link.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "keyless": {
            "()": "servqual.web.logs.KeylessFormatter",
            "format": "[{asctime}] [{process}] [{levelname}] {name}: {message}",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",
            "style": "{",
        }
    },
    "filters": {"one_warning_line": {"()": "servqual.web.logs.OneWarningLine"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "keyless"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        # Django's own handlers (the console only with DEBUG, mails to ADMINS) are replaced:
        # its messages go to the root's handler.
        "django": {"handlers": [], "level": "NOTSET"},
        "django.request": {"level": "ERROR"},
        # A Host header not in ALLOWED_HOSTS is refused (400): one line, no traceback.
        "django.security.DisallowedHost": {"filters": ["one_warning_line"]},
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # survey links carry their key in the path
SESSION_COOKIE_HTTPONLY = True
# The language switch's cookie (/i18n/setlang/): no script reads it, no other site gets it.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Scripts and styles only from files of our own (static/servqual/, the admin's, the API
# docs' Swagger UI), never inline: an injected <script> or onclick= does not run. Images
# also as data: URIs (the empty favicon, the icons in Swagger UI's stylesheet). No frames
# of our pages elsewhere, no <base>, no plugins, forms only to ourselves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # a load balancer's check, inside the network
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # Behind a proxy that terminates TLS: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
    if os.environ.get("SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
