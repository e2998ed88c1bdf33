"""On-disk cache of LLM responses, keyed by the request (model, prompt, record, sampling).

One JSON file per request under ``<dir>/<2 hex>/<62 hex>.json``; the name is
the SHA-256 of the canonical request body, which holds the model, the whole
prompt (template, few-shot examples and the record) and the sampling
parameters. Files are written under a temporary name and renamed into place
(atomic on POSIX), so concurrent runs and a crash never leave a torn entry.
A re-run of the same pre-labelling makes no new calls.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import orjson

from accord.atomic import atomic_output

__all__ = ["ResponseCache", "default_cache_dir", "request_key"]


def default_cache_dir() -> Path:
    """``$ACCORD_CACHE_DIR``, else ``$XDG_CACHE_HOME/accord/llm``, else ``~/.cache/accord/llm``."""
    explicit = os.environ.get("ACCORD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "accord" / "llm"


def request_key(body: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a request body.

    Examples
    --------
    >>> request_key({"a": 1, "b": 2}) == request_key({"b": 2, "a": 1})
    True
    """
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


class ResponseCache:
    """Responses by request key; counts hits and misses (thread-safe).

    Parameters
    ----------
    directory : str or Path
        Created on first write.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored response, or None (a corrupt entry counts as missing)."""
        try:
            data = orjson.loads(self._path(key).read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            data = None
        with self._lock:
            if isinstance(data, dict):
                self.hits += 1
                return data
            self.misses += 1
        return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` atomically (:func:`accord.atomic.atomic_output`)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as fh:
            fh.write(orjson.dumps(value))
