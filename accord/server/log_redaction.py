"""Keep secrets out of the server's access log.

accord reads credentials only from headers and cookies, which uvicorn never logs,
but a client may still put a token into a URL (``?token=acc_...``, a copied link);
uvicorn's access log prints the full path with its query string. This filter
rewrites the logged path: values of credential-like query parameters and anything
shaped like an accord API token become ``***``.
"""

from __future__ import annotations

import logging
import re

__all__ = ["redact_url", "install_access_log_redaction"]

_SENSITIVE = re.compile(r"(?i)(token|password|passwd|secret|api[_-]?key|auth|session|csrf)")
_TOKEN = re.compile(r"acc_[A-Za-z0-9_-]{8,}")
_PARAM = re.compile(r"([?&;])([^=&;#]*)=([^&;#]*)")


def redact_url(path: str) -> str:
    """``path`` with credential-like query values and token-shaped strings replaced.

    >>> redact_url("/api/v1/x?limit=5&access_token=abc&Password=pw")
    '/api/v1/x?limit=5&access_token=***&Password=***'
    >>> redact_url("/api/v1/acc_abcdefghijklmnop/y")
    '/api/v1/acc_***/y'
    """
    path = _PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}=***"
                      if _SENSITIVE.search(m.group(2)) else m.group(0), path)
    return _TOKEN.sub("acc_***", path)


class _RedactAccessLog(logging.Filter):
    """uvicorn logs ``'%s - "%s %s HTTP/%s" %d'`` with the path as the third argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_url(args[2]), *args[3:])
        return True


def install_access_log_redaction() -> None:
    """Add the filter to ``uvicorn.access`` once per process."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _RedactAccessLog) for f in logger.filters):
        logger.addFilter(_RedactAccessLog())
