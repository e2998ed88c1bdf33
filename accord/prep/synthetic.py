"""A generated corpus with planted near duplicates, to measure near dedupe.

Documents are sequences of pseudo-words drawn from a Zipf-distributed
vocabulary (exponent 1, like word frequencies in natural text), cut to about
``doc_chars`` characters. A fraction of the documents are *planted near
duplicates*: a copy of another document with a random share of its tokens,
uniform between 0 and ``max_edit_fraction``, edited (each edit substitutes,
deletes or inserts one token). All documents are then shuffled.

Ground truth is the ``source_of`` list: for a planted duplicate, the position
of the document it was copied from; ``-1`` for the others. The benchmark
(``bench/dedupe_bench.py``) and the tests score recall and precision on the
pairs ``(duplicate, source)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SyntheticCorpus", "make_near_duplicate_corpus", "score_pairs"]


@dataclass(frozen=True, slots=True)
class SyntheticCorpus:
    """Texts and the source of each planted near duplicate.

    Attributes
    ----------
    texts : list of str
    source_of : list of int
        Position of the document a planted duplicate was copied from, else -1.
    """

    texts: list[str]
    source_of: list[int]


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    words: set[str] = set()
    while len(words) < size:
        lengths = rng.integers(2, 11, size=size)
        chars = letters[rng.integers(0, 26, size=int(lengths.sum()))].tobytes().decode("ascii")
        pos = 0
        for n in lengths.tolist():
            words.add(chars[pos : pos + n])
            pos += n
    return sorted(words)[:size]


def make_near_duplicate_corpus(
    n_docs: int,
    *,
    doc_chars: int = 500,
    dup_fraction: float = 0.05,
    max_edit_fraction: float = 0.10,
    vocab_size: int = 20_000,
    seed: int = 0,
) -> SyntheticCorpus:
    """Generate documents with planted near duplicates.

    Parameters
    ----------
    n_docs : int
        Total number of documents (originals plus planted duplicates).
    doc_chars : int, default 500
        Approximate length of each document in characters.
    dup_fraction : float, default 0.05
        Share of documents that are planted near duplicates.
    max_edit_fraction : float, default 0.10
        Upper bound of the share of tokens edited in a duplicate.
    vocab_size : int, default 20000
    seed : int, default 0

    Returns
    -------
    SyntheticCorpus

    Examples
    --------
    >>> corpus = make_near_duplicate_corpus(200, seed=1)
    >>> len(corpus.texts), sum(s >= 0 for s in corpus.source_of)
    (200, 10)
    """
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng, vocab_size)
    weights = 1.0 / np.arange(1, vocab_size + 1)
    weights /= weights.sum()
    n_dups = round(n_docs * dup_fraction)
    n_orig = n_docs - n_dups
    mean_len = float(np.dot(weights, [len(w) for w in vocab])) + 1.0
    per_doc = int(doc_chars / mean_len * 1.5) + 8
    draws = rng.choice(vocab_size, size=(n_orig, per_doc), p=weights)
    word_len = np.array([len(w) for w in vocab], dtype=np.int64)
    fits = (np.cumsum(word_len[draws] + 1, axis=1) - 1) <= doc_chars
    counts = fits.sum(axis=1)
    words = np.array(vocab, dtype=object)
    token_lists: list[list[str]] = [
        words[row[:k]].tolist() for row, k in zip(draws, counts.tolist(), strict=True)
    ]
    sources = rng.integers(0, n_orig, size=n_dups)
    edit_share = rng.uniform(0.0, max_edit_fraction, size=n_dups)
    pool = rng.choice(
        vocab_size, size=max(1, int(per_doc * max_edit_fraction + 1) * n_dups), p=weights
    )
    drawn = 0
    for src, share in zip(sources.tolist(), edit_share.tolist(), strict=True):
        tokens = list(token_lists[src])
        n_edits = round(share * len(tokens))
        kinds = rng.integers(0, 3, size=n_edits).tolist()
        spots = rng.random(n_edits).tolist()
        for kind, spot in zip(kinds, spots, strict=True):
            pos = int(spot * len(tokens))
            word = vocab[int(pool[drawn % len(pool)])]
            drawn += 1
            if kind == 0:
                tokens[pos] = word
            elif kind == 1 and len(tokens) > 1:
                del tokens[pos]
            else:
                tokens.insert(pos, word)
        token_lists.append(tokens)
    order = rng.permutation(n_docs)
    position = np.empty(n_docs, dtype=np.int64)
    position[order] = np.arange(n_docs)
    texts = [""] * n_docs
    source_of = [-1] * n_docs
    for original, tokens in enumerate(token_lists):
        texts[int(position[original])] = " ".join(tokens)
    for k, src in enumerate(sources.tolist()):
        source_of[int(position[n_orig + k])] = int(position[src])
    return SyntheticCorpus(texts, source_of)


def score_pairs(
    source_of: list[int], cluster_of: np.ndarray, duplicate_of: np.ndarray
) -> tuple[float, float]:
    """Recall and precision of near-duplicate detection against planted truth.

    Parameters
    ----------
    source_of : list of int
        Ground truth from :class:`SyntheticCorpus`.
    cluster_of : ndarray of int64
        Cluster id per document (-1 outside clusters).
    duplicate_of : ndarray of int64
        Representative of each dropped document (-1 if kept).

    Returns
    -------
    recall : float
        Share of planted ``(duplicate, source)`` pairs found in one cluster.
    precision : float
        Share of predicted ``(member, representative)`` pairs that belong to
        one planted family (same original).

    Examples
    --------
    >>> import numpy as np
    >>> score_pairs([-1, 0, -1], np.array([0, 0, -1]), np.array([-1, 0, -1]))
    (1.0, 1.0)
    """
    n = len(source_of)
    family = np.array([s if s >= 0 else i for i, s in enumerate(source_of)], dtype=np.int64)
    truth = [(i, s) for i, s in enumerate(source_of) if s >= 0]
    found = sum(1 for i, s in truth if cluster_of[i] >= 0 and cluster_of[i] == cluster_of[s])
    recall = found / len(truth) if truth else 1.0
    predicted = np.flatnonzero(np.asarray(duplicate_of)[:n] >= 0)
    if len(predicted) == 0:
        return recall, 1.0
    correct = family[predicted] == family[np.asarray(duplicate_of)[predicted]]
    return recall, float(correct.mean())
