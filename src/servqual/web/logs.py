"""What the logs may hold: no working link.

A survey link's key, an invitation's token and a password-reset token are secrets in the
path of a URL; a log line that held one would be a working link in every copy of the log.
``without_secrets`` replaces them with ``...``, for gunicorn's access log
(:mod:`servqual.web.accesslog`) and for Django's log (``KeylessFormatter`` in
settings.LOGGING) alike.
"""

from __future__ import annotations

import logging
import re

#: The secret part of each such path (web/urls.py, distribution/urls.py, accounts/urls.py):
#: /s/<key>/..., /i/<token>/... (the survey, unsubscribe) and
#: /accounts/password-reset/<uidb64>/<token>/ (not its set-password page, which has none).
SECRET_IN_PATH = re.compile(
    r"(?P<before>/s/|/i/|/accounts/password-reset/[^/?#\s\"]+/(?!set-password/))(?P<secret>[^/?#\s\"]+)"
)
REDACTED = "..."  # ASCII: a log written in any encoding can hold it


def without_secrets(text: str) -> str:
    """``text`` with the key or token of every survey, invitation and password-reset path
    replaced by ``...``: ``/s/.../1/``."""
    return SECRET_IN_PATH.sub(lambda match: match["before"] + REDACTED, text)


class KeylessFormatter(logging.Formatter):
    """A formatter whose every line, the traceback included, holds no working link: the
    message of an error names the path it happened on (``Internal Server Error: /s/.../``)."""

    def format(self, record: logging.LogRecord) -> str:
        return without_secrets(super().format(record))


class OneWarningLine(logging.Filter):
    """Turns a record into one WARNING line without its traceback: for Django's
    ``django.security.DisallowedHost``, which logs every request with a Host header not in
    ALLOWED_HOSTS (scanners send many) as an ERROR with the traceback of a routine refusal
    (400). A real server error (django.request) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
