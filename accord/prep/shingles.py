"""Shingling: turn texts into sets of hashed n-grams, many texts at once.

A document is represented by its *shingles* [1]_: the n-grams of its words
(``unit="word"``: runs of letters, digits and ``_`` in the case-folded text) or of its characters
(``unit="char"``: the case-folded text with whitespace runs collapsed to one
space). Each shingle becomes a 32-bit hash; duplicates inside a document are
kept (MinHash takes a minimum, so they do not matter).

Hashing is vectorized over a batch: word tokens are hashed from their UTF-8
bytes with position weights, code points are used as they are, and the n items
of each window are combined as
``sum(item_k * M_k) mod 2**64`` with fixed odd 64-bit multipliers ``M_k``,
then folded to 32 bits. A document with fewer than ``n`` items yields one
shingle made of what it has; an empty document yields none.

Output is a flat ``uint32`` array of hashes plus ``offsets`` (length
``n_docs + 1``): the shingles of document ``d`` are
``hashes[offsets[d]:offsets[d + 1]]``.

References
----------
.. [1] A. Z. Broder, "On the resemblance and containment of documents",
   Proc. Compression and Complexity of Sequences, 1997, pp. 21-29.
   https://doi.org/10.1109/SEQUEN.1997.666900
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

__all__ = ["ShingleUnit", "shingle_hashes"]

ShingleUnit = Literal["word", "char"]

# Fixed multipliers (odd, 64-bit) for combining the items of a window.
_MULTIPLIERS = np.random.default_rng(0x5EED).integers(
    1, 2**63, size=64, dtype=np.uint64
) * np.uint64(2) + np.uint64(1)


def _window_hashes(items: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash every length-``n`` window that stays inside one document.

    ``items`` holds every document's items back to back (``uint64``), each
    non-empty document padded to at least ``n`` items; ``lengths`` holds the
    padded lengths.
    """
    counts = np.where(lengths > 0, lengths - n + 1, 0)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = len(items)
    if total < n or offsets[-1] == 0:
        return np.zeros(0, dtype=np.uint32), offsets
    width = total - n + 1
    acc = items[:width] * _MULTIPLIERS[0]
    for k in range(1, n):
        acc += items[k : k + width] * _MULTIPLIERS[k]
    ends = np.cumsum(lengths)
    doc_end = np.repeat(ends, lengths)[:width]
    valid = np.arange(n, width + n, dtype=np.int64) <= doc_end
    acc = acc[valid]
    folded = (acc ^ (acc >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return folded.astype(np.uint32), offsets


def _word_lut() -> np.ndarray:
    lut = np.zeros(256, dtype=bool)
    for c in b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
        lut[c] = True
    lut[0x80:] = True  # bytes of non-ASCII characters; separators among them handled below
    return lut


_WORD_BYTE = _word_lut()
# Position weights for hashing the bytes of a token (cycle after 64 bytes).
_BYTE_WEIGHTS = np.random.default_rng(0xB17E).integers(
    0, 2**64, size=64, dtype=np.uint64
) | np.uint64(1)


def _separator_bytes(arr: np.ndarray) -> np.ndarray:
    """Mask the UTF-8 bytes of non-ASCII separators: NBSP, U+2000-U+206F, U+3000-U+303F."""
    sep = np.zeros(len(arr), dtype=bool)
    if len(arr) < 3:
        return sep
    lead, second = arr[:-2], arr[1:-1]
    three = ((lead == 0xE2) & ((second == 0x80) | (second == 0x81))) | (
        (lead == 0xE3) & (second == 0x80)
    )
    starts = np.flatnonzero(three)
    for k in range(3):
        sep[starts + k] = True
    nbsp = np.flatnonzero((arr[:-1] == 0xC2) & (arr[1:] == 0xA0))
    sep[nbsp] = True
    sep[nbsp + 1] = True
    return sep


def _word_items(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of every text, computed on the UTF-8 bytes in one pass.

    A token is a maximal run of ASCII letters, digits, ``_`` and non-ASCII
    characters other than the separators of :func:`_separator_bytes`
    (Unicode ``\\w+`` would cost a regex pass per text).
    """
    encoded = [t.casefold().encode("utf-8", "surrogatepass") for t in texts]
    doc_bytes = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    arr = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
    is_word = _WORD_BYTE[arr] & ~_separator_bytes(arr)
    pos = np.flatnonzero(is_word)
    if len(pos) == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(len(texts), dtype=np.int64)
    new_token = np.ones(len(pos), dtype=bool)
    new_token[1:] = pos[1:] != pos[:-1] + 1
    token_starts = np.flatnonzero(new_token)
    token_of_byte = np.cumsum(new_token) - 1
    within = np.arange(len(pos)) - token_starts[token_of_byte]
    values = (arr[pos].astype(np.uint64) + np.uint64(1)) * _BYTE_WEIGHTS[within & 63]
    tokens = np.add.reduceat(values, token_starts)
    tokens ^= tokens >> np.uint64(31)
    doc_of_token = np.searchsorted(np.cumsum(doc_bytes), pos[token_starts], side="right")
    lengths = np.bincount(doc_of_token, minlength=len(texts)).astype(np.int64)
    short = np.flatnonzero((lengths > 0) & (lengths < n))
    if len(short):
        ends = np.cumsum(lengths)[short]
        pads = n - lengths[short]
        tokens = np.insert(tokens, np.repeat(ends, pads), np.uint64(0))
        lengths[short] = n
    return tokens, lengths


def _char_items(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    parts: list[str] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for d, text in enumerate(texts):
        norm = " ".join(text.casefold().split())
        if not norm:
            continue
        if len(norm) < n:
            norm += "\x00" * (n - len(norm))
        parts.append(norm)
        lengths[d] = len(norm)
    joined = "".join(parts).encode("utf-32-le", "surrogatepass")
    return np.frombuffer(joined, dtype=np.uint32).astype(np.uint64), lengths


def shingle_hashes(
    texts: Sequence[str], *, unit: ShingleUnit = "word", n: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Hash the shingles of many texts at once.

    Parameters
    ----------
    texts : sequence of str
        The documents.
    unit : {'word', 'char'}, default 'word'
        Shingle words (runs of letters and digits) or characters.
    n : int, default 2
        Items per shingle (1 to 64).

    Returns
    -------
    hashes : ndarray of uint32, shape (n_shingles,)
        All shingle hashes, document after document.
    offsets : ndarray of int64, shape (len(texts) + 1,)
        Document ``d`` owns ``hashes[offsets[d]:offsets[d + 1]]``.

    Raises
    ------
    ValueError
        ``unit`` or ``n`` out of range.

    Examples
    --------
    >>> h, off = shingle_hashes(["a b c", "", "a b c"], n=2)
    >>> off.tolist()
    [0, 2, 2, 4]
    >>> bool((h[0:2] == h[2:4]).all())
    True
    """
    if not 1 <= n <= len(_MULTIPLIERS):
        raise ValueError(f"shingle size must be between 1 and {len(_MULTIPLIERS)}, got {n}")
    if unit == "word":
        items, lengths = _word_items(texts, n)
    elif unit == "char":
        items, lengths = _char_items(texts, n)
    else:
        raise ValueError(f"shingle unit must be 'word' or 'char', got {unit!r}")
    return _window_hashes(items, lengths, n)
