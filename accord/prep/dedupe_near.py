"""Near-duplicate clustering and contamination checks over MinHash signatures.

Pipeline (the per-record part runs in the executor workers, the rest in the
driver):

1. shingles and a MinHash signature per record
   (:mod:`accord.prep.shingles`, :mod:`accord.prep.minhash`);
2. LSH banding proposes candidate pairs (:mod:`accord.prep.lsh`);
3. each candidate pair is verified: its estimated Jaccard similarity (the
   fraction of equal signature values) must reach the threshold;
4. verified pairs are joined with union-find into clusters; the
   representative of a cluster is its first record in input order and is
   kept, the other members are near duplicates of it.

Clusters are transitive: A~B and B~C put A, B and C together even when A and
C alone fall below the threshold (the similarity reported for C is its
estimate against the representative A, so it can be below the threshold).

:func:`match_against` answers a different question: which records of one
set (training data) near-duplicate any record of another (an evaluation
set). The other set is only indexed, never clustered.

References
----------
A. Z. Broder, "On the resemblance and containment of documents", 1997,
https://doi.org/10.1109/SEQUEN.1997.666900; J. Leskovec, A. Rajaraman and
J. D. Ullman, *Mining of Massive Datasets*, 3rd ed., 2020, chapter 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accord.prep.lsh import (
    band_hashes,
    candidate_pairs,
    cross_candidate_pairs,
    optimal_bands,
    pair_similarities,
)
from accord.prep.minhash import EMPTY_SIGNATURE_VALUE, MinHasher
from accord.prep.shingles import ShingleUnit, shingle_hashes

__all__ = [
    "Cluster",
    "NearDuplicates",
    "cluster_near_duplicates",
    "find_near_duplicates",
    "match_against",
]


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of near-duplicate records.

    Attributes
    ----------
    id : int
        Cluster number, in order of the representative's position.
    representative : int
        Position of the kept record (the first member).
    members : tuple of int
        Positions of all members, ascending (the representative first).
    """

    id: int
    representative: int
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NearDuplicates:
    """Result of :func:`cluster_near_duplicates`.

    Attributes
    ----------
    duplicate_of : ndarray of int64, shape (n,)
        Position of the representative for a dropped member, else -1.
    similarity : ndarray of float64, shape (n,)
        Estimated Jaccard similarity to the representative (0 where not a member).
    cluster_of : ndarray of int64, shape (n,)
        Cluster id of every member (representatives included), else -1.
    clusters : list of Cluster
    candidate_pairs : int
        Pairs proposed by LSH.
    verified_pairs : int
        Pairs that passed the threshold.
    """

    duplicate_of: np.ndarray
    similarity: np.ndarray
    cluster_of: np.ndarray
    clusters: list[Cluster]
    candidate_pairs: int
    verified_pairs: int


def _union_find(n: int, pairs: np.ndarray) -> np.ndarray:
    """Root (smallest member) of each element after joining ``pairs``."""
    parent = list(range(n))

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for i, j in pairs.tolist():
        ri, rj = find(i), find(j)
        if ri != rj:
            lo, hi = (ri, rj) if ri < rj else (rj, ri)
            parent[hi] = lo
    return np.array([find(x) for x in range(n)], dtype=np.int64)


def _eligible(signatures: np.ndarray, eligible: np.ndarray | None) -> np.ndarray:
    has_shingles = ~(signatures == EMPTY_SIGNATURE_VALUE).all(axis=1)
    return has_shingles if eligible is None else (has_shingles & eligible)


def cluster_near_duplicates(
    signatures: np.ndarray,
    *,
    threshold: float,
    eligible: np.ndarray | None = None,
    bands: int | None = None,
    rows: int | None = None,
) -> NearDuplicates:
    """Cluster records whose signatures are near duplicates.

    Parameters
    ----------
    signatures : ndarray of uint32, shape (n, num_perm)
        MinHash signatures in input order.
    threshold : float
        Minimum estimated Jaccard similarity of a verified pair, in (0, 1).
    eligible : ndarray of bool, shape (n,), optional
        Records that take part (e.g. not already dropped); records without
        shingles never take part.
    bands, rows : int, optional
        LSH banding; chosen by :func:`accord.prep.lsh.optimal_bands` when omitted.

    Returns
    -------
    NearDuplicates

    Examples
    --------
    >>> import numpy as np
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [9, 9, 9, 9]], dtype=np.uint32)
    >>> res = cluster_near_duplicates(sig, threshold=0.7, bands=4, rows=1)
    >>> res.duplicate_of.tolist(), [c.members for c in res.clusters]
    ([-1, 0, -1], [(0, 1)])
    """
    n = signatures.shape[0]
    if bands is None or rows is None:
        bands, rows = optimal_bands(threshold, signatures.shape[1])
    mask = _eligible(signatures, eligible)
    hashes = band_hashes(signatures, bands, rows)
    pairs = candidate_pairs(hashes, mask)
    sims = pair_similarities(signatures, signatures, pairs)
    verified = pairs[sims >= threshold]
    roots = _union_find(n, verified)
    duplicate_of = np.where(roots != np.arange(n), roots, -1)
    members_mask = np.zeros(n, dtype=bool)
    members_mask[verified.ravel()] = True
    cluster_of = np.full(n, -1, dtype=np.int64)
    clusters: list[Cluster] = []
    if members_mask.any():
        member_ids = np.flatnonzero(members_mask)
        member_roots = roots[member_ids]
        order = np.argsort(member_roots, kind="stable")
        uniq, starts = np.unique(member_roots[order], return_index=True)
        groups = np.split(member_ids[order], starts[1:])
        for cid, (root, group) in enumerate(zip(uniq.tolist(), groups, strict=True)):
            clusters.append(Cluster(cid, int(root), tuple(int(g) for g in group)))
            cluster_of[group] = cid
    similarity = np.zeros(n, dtype=np.float64)
    dup_ids = np.flatnonzero(duplicate_of >= 0)
    if len(dup_ids):
        similarity[dup_ids] = pair_similarities(
            signatures, signatures, np.stack([dup_ids, duplicate_of[dup_ids]], axis=1)
        )
    return NearDuplicates(duplicate_of, similarity, cluster_of, clusters, len(pairs), len(verified))


def match_against(
    signatures: np.ndarray,
    other: np.ndarray,
    *,
    threshold: float,
    eligible: np.ndarray | None = None,
    bands: int | None = None,
    rows: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each record, its most similar near duplicate in another set.

    Parameters
    ----------
    signatures : ndarray of uint32, shape (n, num_perm)
        The records to check.
    other : ndarray of uint32, shape (m, num_perm)
        The reference set (same ``num_perm`` and seed).
    threshold : float
        Minimum estimated Jaccard similarity, in (0, 1).
    eligible : ndarray of bool, shape (n,), optional
        Records of the first set to check.
    bands, rows : int, optional
        LSH banding; chosen by :func:`accord.prep.lsh.optimal_bands` when omitted.

    Returns
    -------
    match : ndarray of int64, shape (n,)
        Position in ``other`` of the best match, or -1.
    similarity : ndarray of float64, shape (n,)
        Its estimated Jaccard similarity (0 without a match).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype=np.uint32)
    >>> b = np.array([[0, 0, 0, 0], [1, 2, 3, 0]], dtype=np.uint32)
    >>> match, sim = match_against(a, b, threshold=0.7, bands=4, rows=1)
    >>> match.tolist(), sim.tolist()
    ([1, -1], [0.75, 0.0])
    """
    n = signatures.shape[0]
    match = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n, dtype=np.float64)
    if n == 0 or other.shape[0] == 0:
        return match, best
    if bands is None or rows is None:
        bands, rows = optimal_bands(threshold, signatures.shape[1])
    mine = np.flatnonzero(_eligible(signatures, eligible))
    theirs = np.flatnonzero(_eligible(other, None))
    pairs = cross_candidate_pairs(
        band_hashes(signatures[mine], bands, rows), band_hashes(other[theirs], bands, rows)
    )
    if len(pairs) == 0:
        return match, best
    pairs = np.stack([mine[pairs[:, 0]], theirs[pairs[:, 1]]], axis=1)
    sims = pair_similarities(signatures, other, pairs)
    keep = sims >= threshold
    pairs, sims = pairs[keep], sims[keep]
    # best match per record: sort by (record, -similarity, other position)
    order = np.lexsort((pairs[:, 1], -sims, pairs[:, 0]))
    pairs, sims = pairs[order], sims[order]
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    match[pairs[first, 0]] = pairs[first, 1]
    best[pairs[first, 0]] = sims[first]
    return match, best


def find_near_duplicates(
    texts: Sequence[str],
    *,
    threshold: float = 0.5,
    unit: ShingleUnit = "word",
    ngram: int = 2,
    num_perm: int = 128,
    seed: int = 1,
    batch_size: int = 4096,
) -> NearDuplicates:
    """Near-duplicate clusters of plain texts, in this process.

    The all-in-one form of the near-dedupe step (shingles, MinHash, LSH,
    clustering) for library users and benchmarks; the pipeline computes
    signatures in its executor instead.

    Parameters
    ----------
    texts : sequence of str
    threshold : float, default 0.5
    unit : {'word', 'char'}, default 'word'
    ngram : int, default 2
    num_perm : int, default 128
    seed : int, default 1
    batch_size : int, default 4096
        Texts shingled and hashed per vectorized batch.

    Returns
    -------
    NearDuplicates

    Examples
    --------
    >>> base = "the quick brown fox jumps over the lazy dog near the river bank today"
    >>> res = find_near_duplicates(
    ...     [base, "something else entirely here", base.replace("lazy", "sleepy")])
    >>> res.duplicate_of.tolist()
    [-1, -1, 0]
    """
    hasher = MinHasher(num_perm=num_perm, seed=seed)
    sig = np.empty((len(texts), num_perm), dtype=np.uint32)
    for lo in range(0, len(texts), batch_size):
        batch = texts[lo : lo + batch_size]
        hashes, offsets = shingle_hashes(batch, unit=unit, n=ngram)
        sig[lo : lo + len(batch)] = hasher.signatures(hashes, offsets)
    return cluster_near_duplicates(sig, threshold=threshold)
