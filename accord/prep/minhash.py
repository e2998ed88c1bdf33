"""MinHash signatures, vectorized with numpy.

Model
-----
For a set of shingles ``S`` and a random hash function ``h``, the probability
that ``min h(S) == min h(T)`` equals the Jaccard similarity
``|S ∩ T| / |S ∪ T|`` [1]_. A *signature* keeps the minimum under ``P``
independent hash functions; the fraction of positions where two signatures
agree is an unbiased estimate of the Jaccard similarity with standard error
``sqrt(J (1 - J) / P)``.

The ``P`` hash functions are multiply-add-shift functions on 32-bit shingle
hashes, ``h_i(x) = ((a_i x + b_i) mod 2**64) >> 32`` with random 64-bit
``a_i`` (odd) and ``b_i`` drawn from ``seed``; this family is 2-independent
[2]_ and needs no modulo by a prime. Because ``>> 32`` is monotone, the
minimum is taken on the 64-bit values and shifted once at the end.

Vectorization: shingles of many documents are processed in blocks of
``block_size`` rows; one ``(rows, P)`` matrix is computed per block and
reduced per document with ``np.minimum.reduceat``. A document longer than a
block spans several blocks and is reduced across them, so memory stays at
``block_size * P * 8`` bytes whatever the document length.

A document without shingles gets the all-``0xFFFFFFFF`` signature; callers
skip such documents (:func:`accord.prep.lsh` never pairs them).

Tested against exact Jaccard similarities with hypothesis
(``tests/prep/test_minhash.py``) and against datasketch in
``bench/dedupe_bench.py``.

References
----------
.. [1] A. Z. Broder, "On the resemblance and containment of documents",
   Proc. Compression and Complexity of Sequences, 1997, pp. 21-29.
   https://doi.org/10.1109/SEQUEN.1997.666900
.. [2] M. Dietzfelbinger, "Universal hashing and k-wise independent random
   variables via integer arithmetic without primes", STACS 1996, LNCS 1046,
   pp. 567-580. https://doi.org/10.1007/3-540-60922-9_46
"""

from __future__ import annotations

import numpy as np

__all__ = ["EMPTY_SIGNATURE_VALUE", "MinHasher", "jaccard_estimate"]

EMPTY_SIGNATURE_VALUE = np.uint32(0xFFFFFFFF)


class MinHasher:
    """Compute MinHash signatures for many documents at once.

    Parameters
    ----------
    num_perm : int, default 128
        Number of hash functions ``P`` (signature length).
    seed : int, default 1
        Seed of the hash functions; signatures are comparable only when made
        with the same ``num_perm`` and ``seed``.
    block_size : int, default 1024
        Shingles per vectorized block (memory: ``block_size * num_perm * 8`` bytes).

    Examples
    --------
    >>> from accord.prep.shingles import shingle_hashes
    >>> hashes, offsets = shingle_hashes(["the cat sat on the mat", "the cat sat on a mat"], n=1)
    >>> sig = MinHasher(num_perm=256, seed=7).signatures(hashes, offsets)
    >>> sig.shape, sig.dtype
    ((2, 256), dtype('uint32'))
    >>> round(jaccard_estimate(sig[0], sig[1]), 1)  # exact Jaccard 5/6
    0.8
    """

    def __init__(self, num_perm: int = 128, seed: int = 1, block_size: int = 1024) -> None:
        if num_perm < 1:
            raise ValueError(f"num_perm must be at least 1, got {num_perm}")
        if block_size < 1:
            raise ValueError(f"block_size must be at least 1, got {block_size}")
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.seed = seed
        self.block_size = block_size
        self.a = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64)

    def signatures(self, hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of the documents described by ``hashes`` and ``offsets``.

        Parameters
        ----------
        hashes : ndarray of uint32, shape (n_shingles,)
            Shingle hashes, document after document (see
            :func:`accord.prep.shingles.shingle_hashes`).
        offsets : ndarray of int64, shape (n_docs + 1,)
            Document ``d`` owns ``hashes[offsets[d]:offsets[d + 1]]``.

        Returns
        -------
        ndarray of uint32, shape (n_docs, num_perm)
            One signature per document; all ``0xFFFFFFFF`` for an empty one.
        """
        n_docs = len(offsets) - 1
        acc = np.full((n_docs, self.num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
        x = np.asarray(hashes, dtype=np.uint64)
        total = len(x)
        doc_starts = np.asarray(offsets[:-1], dtype=np.int64)
        doc_ends = np.asarray(offsets[1:], dtype=np.int64)
        for lo in range(0, total, self.block_size):
            hi = min(lo + self.block_size, total)
            block = np.multiply.outer(x[lo:hi], self.a)
            block += self.b
            # documents with at least one shingle in [lo, hi)
            first = int(np.searchsorted(doc_ends, lo, side="right"))
            last = int(np.searchsorted(doc_starts, hi, side="left"))
            docs = np.arange(first, last)
            docs = docs[doc_ends[docs] > doc_starts[docs]]
            starts = np.maximum(doc_starts[docs], lo) - lo
            part = np.minimum.reduceat(block, starts, axis=0)
            np.minimum(acc[docs], part, out=part)
            acc[docs] = part
        return (acc >> np.uint64(32)).astype(np.uint32)


def jaccard_estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the fraction of agreeing signature positions.

    Parameters
    ----------
    sig_a, sig_b : ndarray of uint32, shape (num_perm,)
        Signatures made by the same :class:`MinHasher`.

    Returns
    -------
    float
        In ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> jaccard_estimate(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 0]))
    0.5
    """
    return float(np.mean(np.asarray(sig_a) == np.asarray(sig_b)))
