"""The one encoding of JSON values for the database: orjson's compact text.

Every write of a JSON column goes through it: SQLAlchemy's JSON type (the
engine's ``json_serializer``) and the bulk paths that bind text themselves
(the import's and the bulk response insert's SQLite statements). SQLite keeps
the text as written, and so does PostgreSQL for the exported columns (``json``,
migration 0014): a whole-record export copies it (:mod:`accord.store.export`),
so it must be the text the export's Python writer gives for the value
(``orjson.dumps``), byte for byte.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["json_bytes", "json_text"]


#: ``value`` as the UTF-8 bytes of its stored JSON text (orjson.dumps itself: the import's
#: hot loops call it per value, without a Python frame around it)
json_bytes = orjson.dumps


def json_text(value: Any) -> str:
    """``value`` as its stored JSON text."""
    return orjson.dumps(value).decode()
