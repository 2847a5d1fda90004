"""gunicorn's logs for ``servqual serve``: no working link, no client address, no browser.

A survey request's line must not tell who answered (the design's promise of anonymous
answers) nor hold the link's key (a copy of the logs would be a working link). So every
line has the time, the request with its secret replaced (:func:`servqual.web.logs.without_secrets`),
the status, the size and the duration: no address, user name, referrer (it holds the
previous page's path), user agent or other header, for every request alike. gunicorn's own
messages (on standard error) get the same replacement, and lose the client's address.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

from servqual.web.logs import KeylessFormatter, without_secrets

#: ``[06/Dec/2026:17:51:39 +0100] "GET /s/.../ HTTP/1.1" 200 1139 12ms``
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'

#: The atoms the format may use; the others (address, referrer, agent, headers) are left out
#: even of the data the line is formatted from.
ALLOWED_ATOMS = ("t", "r", "s", "m", "U", "q", "H", "b", "B", "T", "D", "M", "L", "p")


#: gunicorn's warning about a request it cannot parse names the client: "from ip=192.0.2.7:".
CLIENT_IN_MESSAGE = re.compile(r"\bip=\S*?(?=:\s|\s|$)")


class GunicornMessages(KeylessFormatter):
    """gunicorn's own messages, without a working link or a client's address."""

    def format(self, record: logging.LogRecord) -> str:
        return CLIENT_IN_MESSAGE.sub("ip=...", super().format(record))


class KeylessLogger(Logger):
    """gunicorn's logger (``logger_class``) with the access log's data and its own messages
    stripped of working links and clients."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for path in ("r", "U", "q"):  # the request line, the path, the query (?next=/s/...)
            atoms[path] = without_secrets(atoms[path] or "")
        return {name: atoms[name] for name in ALLOWED_ATOMS}

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # gunicorn's own messages name the request too ("Error handling request /s/<key>/"),
        # or the client ("Invalid request from ip=...").
        for handler in self.error_log.handlers:
            handler.setFormatter(GunicornMessages(self.error_fmt, self.datefmt))
