"""Exact dedupe on a normalized hash.

Two records are exact duplicates when every text slot matches after
normalization: NFKC, case folding, and whitespace runs collapsed to one space
(leading and trailing whitespace removed). Slot paths take part in the key, so
the same text under ``prompt`` in one record and ``response`` in another is
not a duplicate.

The key is a 128-bit BLAKE2b digest, computed per record in the executor
workers (:func:`exact_key`); the driver then keeps the first occurrence of each
key and drops the rest (:func:`first_occurrences`). Records without text have
no key and are never exact duplicates.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence

from accord.prep.record_text import TextSlot

__all__ = ["exact_key", "first_occurrences", "normalize_for_hash"]


def normalize_for_hash(text: str) -> str:
    """Normalize text for exact comparison: NFKC, casefold, collapse whitespace.

    Examples
    --------
    >>> normalize_for_hash("  Hello\\u00a0  WORLD\\n")
    'hello world'
    >>> normalize_for_hash("ﬁ") == normalize_for_hash("FI")
    True
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def exact_key(slots: Sequence[TextSlot]) -> bytes | None:
    """The dedupe key of a record: a 16-byte digest of its normalized slots.

    Parameters
    ----------
    slots : sequence of TextSlot
        The record's text slots.

    Returns
    -------
    bytes or None
        ``None`` when the record has no non-blank text.

    Examples
    --------
    >>> a = exact_key([TextSlot(("text",), "Hello  world")])
    >>> b = exact_key([TextSlot(("text",), "hello world ")])
    >>> a == b, len(a)
    (True, 16)
    """
    digest = hashlib.blake2b(digest_size=16)
    has_text = False
    for slot in slots:
        norm = normalize_for_hash(slot.text)
        has_text = has_text or bool(norm)
        digest.update(slot.name.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
        digest.update(norm.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.digest() if has_text else None


def first_occurrences(keys: Iterable[bytes | None]) -> list[int | None]:
    """For each key, the position of its first occurrence if it is a repeat.

    Parameters
    ----------
    keys : iterable of bytes or None
        Keys in input order; ``None`` never matches anything.

    Returns
    -------
    list of int or None
        ``None`` for a first occurrence (kept), else the position of the
        record it repeats (dropped).

    Examples
    --------
    >>> first_occurrences([b"a", b"b", b"a", None, None, b"a"])
    [None, None, 0, None, None, 0]
    """
    seen: dict[bytes, int] = {}
    out: list[int | None] = []
    for i, key in enumerate(keys):
        if key is None:
            out.append(None)
            continue
        first = seen.setdefault(key, i)
        out.append(None if first == i else first)
    return out
