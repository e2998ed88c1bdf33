r"""Cold-start selection by diversity: k-means and TypiClust's typical points.

With no or very few answers a model's uncertainty means nothing; Hacohen,
Dekel & Weinshall (2022) show that with a small budget the best records to
label first are *typical* ones that cover the data: cluster all records into
:math:`|L| + B` clusters (:math:`L` the labelled records, :math:`B` the
budget), and from each of the :math:`B` largest clusters that hold no
labelled record take the record of highest typicality

.. math::

    \operatorname{typ}(x) = \Big( \frac{1}{k} \sum_{x_i \in \operatorname{kNN}(x)}
    \lVert x - x_i \rVert \Big)^{-1}

with :math:`k = \min(20, |\text{cluster}| - 1)` neighbours inside its
cluster (the paper's choice). Clusters of fewer than 5 records are skipped
while larger uncovered ones remain. k-means is Lloyd's algorithm from a
k-means++ start (Arthur & Vassilvitskii 2007), seeded. On large data the
distances are computed :data:`CHUNK` rows at a time, and a cluster of more
than :data:`REFERENCE_SAMPLE` records measures typicality against a fixed
sample of them (:func:`sampled_typicality`), so no step compares all pairs.

References
----------
.. [1] Hacohen, G., Dekel, A. & Weinshall, D. (2022). Active learning on a
   budget: opposite strategies suit high and low budgets. ICML 2022, PMLR
   162, 8175-8195. https://arxiv.org/abs/2202.02794
.. [2] Arthur, D. & Vassilvitskii, S. (2007). k-means++: the advantages of
   careful seeding. SODA 2007, 1027-1035.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["REFERENCE_SAMPLE", "kmeans", "sampled_typicality", "typical_points", "typicality"]

#: records the density of a candidate is measured against (a fixed seeded sample)
REFERENCE_SAMPLE = 2000
#: rows per distance block (bounds memory to CHUNK x REFERENCE_SAMPLE floats)
CHUNK = 1024


def sampled_typicality(x: Any, rows: Any, *, sample: int = REFERENCE_SAMPLE,
                       k: int = 20) -> np.ndarray:
    """Typicality of ``x[rows]``: inverse mean distance to the ``k`` nearest other rows of a
    fixed sample of ``sample`` rows of ``x`` (every row when ``x`` has at most ``sample``).

    The sample is drawn with seed 0, so a record's typicality does not change between
    runs on the same data.

    Examples
    --------
    >>> x = [[0.0, 0.0], [0.0, 0.1], [0.1, 0.0], [3.0, 3.0]]
    >>> t = sampled_typicality(x, [0, 3], k=2)
    >>> bool(t[0] > t[1])
    True
    """
    xa = np.asarray(x)
    rows = np.asarray(rows, dtype=np.int64)
    n = xa.shape[0]
    if len(rows) == 0:
        return np.zeros(0)
    if n < 2:
        return np.ones(len(rows))
    ref = np.arange(n) if n <= sample else \
        np.sort(np.random.default_rng(0).choice(n, sample, replace=False))
    r = xa[ref].astype(np.float64)
    r_sq = (r * r).sum(axis=1)
    k = max(1, min(k, len(ref) - 1))
    out = np.empty(len(rows))
    for start in range(0, len(rows), CHUNK):
        part = rows[start:start + CHUNK]
        c = xa[part].astype(np.float64)
        d = (c * c).sum(axis=1)[:, None] - 2.0 * c @ r.T + r_sq[None, :]
        d = np.sqrt(np.maximum(d, 0.0))
        d[part[:, None] == ref[None, :]] = np.inf  # a record is not its own neighbour
        knn = np.partition(d, k - 1, axis=1)[:, :k]
        out[start:start + CHUNK] = 1.0 / np.maximum(knn.mean(axis=1), 1e-12)
    return out


def _sq_dist(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    d = (x * x).sum(axis=1)[:, None] - 2.0 * x @ centers.T + (centers * centers).sum(axis=1)
    return np.maximum(d, 0.0)


def _floats(x: Any) -> np.ndarray:
    """``x`` as an array of floats, without copying float32 input (1M x 384 stays 1.5 GB)."""
    xa = np.asarray(x)
    return xa if np.issubdtype(xa.dtype, np.floating) else xa.astype(np.float64)


def _nearest_center(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of each row's nearest center, :data:`CHUNK` rows at a time (bounded memory)."""
    return np.concatenate([np.argmin(_sq_dist(x[i:i + CHUNK], centers), axis=1)
                           for i in range(0, x.shape[0], CHUNK)])


def _sq_dist_to(x: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Squared distance of each row to one center, :data:`CHUNK` rows at a time."""
    return np.concatenate([_sq_dist(x[i:i + CHUNK], center[None, :])[:, 0]
                           for i in range(0, x.shape[0], CHUNK)])


def _cluster_sums(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """``(k, d)`` sums of the rows of each cluster (as float64): a sparse one-hot product in
    ``x``'s dtype, in row order like ``np.add.at`` (same bits) but without its per-element
    loop (about 100 times slower) or a float64 copy of float32 ``x``."""
    from scipy import sparse

    n = x.shape[0]
    onehot = sparse.csr_matrix((np.ones(n, dtype=x.dtype), (labels, np.arange(n))),
                               shape=(k, n))
    return np.asarray(onehot @ x, dtype=np.float64)


def kmeans(x: Any, k: int, *, seed: int = 0, max_iter: int = 50) -> np.ndarray:
    """Cluster label (0..k-1) of every row: k-means++ start, then Lloyd iterations.

    Examples
    --------
    >>> labels = kmeans([[0, 0], [0, 0.1], [5, 5], [5, 5.1]], 2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    xa = _floats(x)
    n = xa.shape[0]
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    centers = np.empty((k, xa.shape[1]))
    centers[0] = xa[rng.integers(n)]
    nearest = _sq_dist_to(xa, centers[0])
    for c in range(1, k):
        total = nearest.sum()
        pick = rng.choice(n, p=nearest / total) if total > 0 else rng.integers(n)
        centers[c] = xa[pick]
        nearest = np.minimum(nearest, _sq_dist_to(xa, centers[c]))
    labels = np.full(n, -1)
    for _ in range(max_iter):
        new = _nearest_center(xa, centers)
        if np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        sums = _cluster_sums(xa, labels, k)
        filled = counts > 0
        centers[filled] = sums[filled] / counts[filled, None]
    return labels


def typicality(x: Any, k: int = 20) -> np.ndarray:
    """Inverse mean distance of each row to its ``k`` nearest other rows (rows >= 2)."""
    xa = np.asarray(x, dtype=np.float64)
    n = xa.shape[0]
    if n < 2:
        return np.ones(n)
    k = min(k, n - 1)
    d = np.sqrt(_sq_dist(xa, xa))
    np.fill_diagonal(d, np.inf)
    knn = np.partition(d, k - 1, axis=1)[:, :k]
    return 1.0 / np.maximum(knn.mean(axis=1), 1e-12)


def typical_points(x: Any, budget: int, *, labelled: Iterable[int] = (), seed: int = 0,
                   min_cluster: int = 5, max_clusters: int | None = None) -> list[int]:
    """Up to ``budget`` row indices to label next, by TypiClust (most useful first).

    Parameters
    ----------
    x : array, shape (n, d)
        Every record's embedding, labelled or not.
    budget : int
    labelled : iterable of int
        Rows already labelled (their clusters count as covered).
    seed : int
    min_cluster : int, default 5
    max_clusters : int, optional
        Cap on the number of clusters (cost is O(n * clusters * d) per k-means round).

    Examples
    --------
    >>> pts = [[0, 0], [0, .1], [.1, 0], [0, -.1], [-.1, 0], [0, .05]]
    >>> pts += [[5, 5], [5, 5.1], [5.1, 5], [5, 4.9], [4.9, 5]]
    >>> sorted(typical_points(pts, 2))
    [0, 6]
    """
    xa = _floats(x)
    n = xa.shape[0]
    done = sorted(set(int(i) for i in labelled))
    budget = min(budget, n - len(done))
    if budget <= 0:
        return []
    n_clusters = len(done) + budget
    if max_clusters is not None:
        n_clusters = min(n_clusters, max_clusters)
    clusters = kmeans(xa, n_clusters, seed=seed)
    covered = set(clusters[done].tolist())
    members = {c: np.flatnonzero(clusters == c) for c in np.unique(clusters)}
    picked: list[int] = []
    taken = set(done)
    while len(picked) < budget:
        open_ = [c for c in members if c not in covered]
        big = [c for c in open_ if len(members[c]) >= min_cluster]
        pool = big or open_
        if not pool:  # every cluster covered: start again over all clusters
            covered = set()
            continue
        best = max(pool, key=lambda c: (len(members[c]), -c))
        rows = np.array([i for i in members[best] if i not in taken])
        covered.add(best)
        if len(rows) == 0:
            members.pop(best)
            if not members:
                break
            continue
        # all pairs within the cluster, or against a sample of it when it is large
        typ = typicality(xa[rows]) if len(rows) <= REFERENCE_SAMPLE else \
            sampled_typicality(xa[rows], np.arange(len(rows)))
        pick = int(rows[np.argmax(typ)])
        picked.append(pick)
        taken.add(pick)
    return picked
