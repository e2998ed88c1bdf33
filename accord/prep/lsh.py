"""Locality-sensitive hashing over MinHash signatures (banding).

Model
-----
A signature of ``P`` values is cut into ``b`` bands of ``r`` rows
(``b * r <= P``). Two documents become a *candidate pair* when all ``r``
values of at least one band agree. For documents with Jaccard similarity
``s`` this happens with probability ``1 - (1 - s**r)**b``, an S-curve whose
steepest point is near ``(1 / b) ** (1 / r)`` [1]_.

Given a similarity ``threshold`` ``t``, :func:`optimal_bands` chooses the
``(b, r)`` that minimizes the weighted area of false positives
``∫_0^t P(candidate | s) ds`` plus false negatives
``∫_t^1 (1 - P(candidate | s)) ds``, integrated numerically.

Candidate generation is vectorized: each band is hashed to one ``uint64``
per document, documents are sorted by that hash, and each run of equal hashes
yields pairs between consecutive members and between each member and the
first one (``O(n)`` pairs per band even for large buckets, with enough links
for the clustering to join the whole run after verification).

References
----------
.. [1] J. Leskovec, A. Rajaraman and J. D. Ullman, *Mining of Massive
   Datasets*, 3rd ed., Cambridge University Press, 2020, chapter 3
   ("Finding Similar Items"), section 3.4.
   http://www.mmds.org/
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "band_hashes",
    "candidate_pairs",
    "candidate_probability",
    "cross_candidate_pairs",
    "optimal_bands",
    "pair_similarities",
]

_BAND_MULTIPLIERS_SEED = 0xBA2D


def candidate_probability(similarity: np.ndarray | float, bands: int, rows: int) -> np.ndarray:
    """Probability that two documents with the given Jaccard similarity share a band.

    Examples
    --------
    >>> float(candidate_probability(1.0, 16, 8))
    1.0
    >>> float(candidate_probability(0.0, 16, 8))
    0.0
    """
    s = np.asarray(similarity, dtype=np.float64)
    return 1.0 - (1.0 - s**rows) ** bands


def optimal_bands(
    threshold: float, num_perm: int, *, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """Bands and rows minimizing the weighted false positive and negative areas.

    Parameters
    ----------
    threshold : float
        Jaccard similarity above which documents count as near duplicates, in (0, 1).
    num_perm : int
        Signature length; ``bands * rows <= num_perm``.
    fp_weight, fn_weight : float, default 0.5
        Weights of the false positive and false negative areas.

    Returns
    -------
    tuple of (int, int)
        ``(bands, rows)``.

    Raises
    ------
    ValueError
        ``threshold`` outside (0, 1) or ``num_perm`` < 1.

    Examples
    --------
    >>> b, r = optimal_bands(0.5, 128)
    >>> b * r <= 128
    True
    >>> 0.4 < (1 / b) ** (1 / r) < 0.6
    True
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1 (exclusive), got {threshold}")
    if num_perm < 1:
        raise ValueError(f"num_perm must be at least 1, got {num_perm}")
    grid = 512
    below = np.linspace(0.0, threshold, grid)
    above = np.linspace(threshold, 1.0, grid)
    best = (np.inf, 1, num_perm)
    for bands in range(1, num_perm + 1):
        rows = np.arange(1, num_perm // bands + 1)
        if len(rows) == 0:
            break
        fp = _area(candidate_probability(below[None, :], bands, rows[:, None]), below)
        fn = _area(1.0 - candidate_probability(above[None, :], bands, rows[:, None]), above)
        err = fp_weight * fp + fn_weight * fn
        k = int(np.argmin(err))
        if err[k] < best[0] - 1e-15:
            best = (float(err[k]), bands, int(rows[k]))
    return best[1], best[2]


def _area(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Trapezoid rule along the last axis (works on numpy 1.26 and 2.x)."""
    return ((y[..., 1:] + y[..., :-1]) * 0.5 * np.diff(x)).sum(axis=-1)


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Hash each band of each signature to one ``uint64``.

    Parameters
    ----------
    signatures : ndarray of uint32, shape (n, num_perm)
    bands, rows : int
        From :func:`optimal_bands`; ``bands * rows <= num_perm``.

    Returns
    -------
    ndarray of uint64, shape (n, bands)
    """
    n, num_perm = signatures.shape
    if bands * rows > num_perm:
        raise ValueError(
            f"{bands} bands of {rows} rows need {bands * rows} values, signatures have {num_perm}"
        )
    mult = np.random.default_rng(_BAND_MULTIPLIERS_SEED).integers(
        0, 2**64, size=rows, dtype=np.uint64
    ) | np.uint64(1)
    used = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    out = np.zeros((n, bands), dtype=np.uint64)
    for k in range(rows):
        out += used[:, :, k] * mult[k]
        out ^= out >> np.uint64(29)
    return out


def candidate_pairs(hashes: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """Pairs of documents that share at least one band.

    Parameters
    ----------
    hashes : ndarray of uint64, shape (n, bands)
        From :func:`band_hashes`.
    eligible : ndarray of bool, shape (n,), optional
        Documents that take part (others are never paired).

    Returns
    -------
    ndarray of int64, shape (k, 2)
        Unique pairs ``(i, j)`` with ``i < j``, sorted.
    """
    n = hashes.shape[0]
    ids = np.arange(n) if eligible is None else np.flatnonzero(eligible)
    chunks: list[np.ndarray] = []
    for band in range(hashes.shape[1]):
        h = hashes[ids, band]
        order = np.argsort(h, kind="stable")
        sorted_h = h[order]
        sorted_ids = ids[order]
        same = sorted_h[1:] == sorted_h[:-1]
        if not same.any():
            continue
        # consecutive members of a run
        k = np.flatnonzero(same)
        chunks.append(np.stack([sorted_ids[k], sorted_ids[k + 1]], axis=1))
        # each member and the first member of its run
        run_start = np.ones(len(sorted_h), dtype=bool)
        run_start[1:] = ~same
        first = np.maximum.accumulate(np.where(run_start, np.arange(len(sorted_h)), 0))
        m = np.flatnonzero(~run_start & (first != np.arange(len(sorted_h)) - 1))
        if len(m):
            chunks.append(np.stack([sorted_ids[first[m]], sorted_ids[m]], axis=1))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(chunks).astype(np.int64)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def cross_candidate_pairs(
    hashes_a: np.ndarray, hashes_b: np.ndarray, *, max_per_bucket: int = 8
) -> np.ndarray:
    """Pairs ``(i, j)`` where document ``i`` of A shares a band with document ``j`` of B.

    Parameters
    ----------
    hashes_a, hashes_b : ndarray of uint64, shape (n_a, bands) and (n_b, bands)
    max_per_bucket : int, default 8
        At most this many B documents are paired per A document and band
        (a bucket full of B's own duplicates adds nothing).

    Returns
    -------
    ndarray of int64, shape (k, 2)
        Unique pairs, sorted.
    """
    chunks: list[np.ndarray] = []
    for band in range(hashes_a.shape[1]):
        hb = hashes_b[:, band]
        order_b = np.argsort(hb, kind="stable")
        sorted_b = hb[order_b]
        ha = hashes_a[:, band]
        lo = np.searchsorted(sorted_b, ha, side="left")
        hi = np.minimum(np.searchsorted(sorted_b, ha, side="right"), lo + max_per_bucket)
        counts = hi - lo
        hit = np.flatnonzero(counts > 0)
        if len(hit) == 0:
            continue
        reps = counts[hit]
        a_ids = np.repeat(hit, reps)
        starts = np.repeat(lo[hit], reps)
        step = np.arange(len(a_ids)) - np.repeat(np.cumsum(reps) - reps, reps)
        chunks.append(np.stack([a_ids, order_b[starts + step]], axis=1))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(chunks).astype(np.int64), axis=0)


def pair_similarities(
    sig_a: np.ndarray, sig_b: np.ndarray, pairs: np.ndarray, *, block: int = 65536
) -> np.ndarray:
    """Estimated Jaccard similarity of each pair (fraction of agreeing values).

    Parameters
    ----------
    sig_a, sig_b : ndarray of uint32, shape (n_a, num_perm), (n_b, num_perm)
        Signatures; pass the same array twice for pairs within one set.
    pairs : ndarray of int64, shape (k, 2)
        Row ``i`` of ``sig_a`` against row ``j`` of ``sig_b``.
    block : int, default 65536
        Pairs compared per vectorized step.

    Returns
    -------
    ndarray of float64, shape (k,)
    """
    out = np.empty(len(pairs), dtype=np.float64)
    for lo in range(0, len(pairs), block):
        p = pairs[lo : lo + block]
        out[lo : lo + len(p)] = (sig_a[p[:, 0]] == sig_b[p[:, 1]]).mean(axis=1)
    return out
