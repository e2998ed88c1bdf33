"""Nearest stored vectors by cosine similarity: exact search, or an HNSW index when big.

Vectors are L2-normalized (:mod:`accord.assist.embeddings`), so cosine
similarity is a dot product. Up to :data:`EXACT_LIMIT` vectors the search is
exact: one matrix-vector product and a partial sort (``numpy.argpartition``),
a few milliseconds at 100k x 384. Beyond it, when the optional ``hnswlib``
package is installed (``pip install accord[similarity]``), a hierarchical
navigable small world graph (``hnswlib``) answers in well under a millisecond at a recall@10
measured by ``bench/similarity_bench.py`` (docs/benchmarks.md, "Similarity
search"); without it the search stays exact. ``hnswlib`` was chosen over
``usearch`` and ``faiss-cpu`` on that bench: the fastest build and query and
the smallest install (8 MiB; faiss-cpu is 64 MiB).

HNSW: Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
search using Hierarchical Navigable Small World graphs", IEEE TPAMI 42(4),
2020, doi:10.1109/TPAMI.2018.2889473.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any, Protocol

import numpy as np

__all__ = ["EXACT_LIMIT", "ExactIndex", "HnswIndex", "VectorIndex", "build_index",
           "HNSW_M", "HNSW_EF_CONSTRUCTION", "HNSW_EF_SEARCH"]

EXACT_LIMIT = 200_000
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 64


class VectorIndex(Protocol):
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(record ids, cosine similarities)`` of the ``k`` nearest, best first."""
        ...


class ExactIndex:
    """Brute force over an ``(n, d)`` float32 matrix of unit vectors.

    Examples
    --------
    >>> import numpy as np
    >>> index = ExactIndex(np.array([7, 8, 9]), np.eye(3, dtype=np.float32))
    >>> ids, scores = index.search(np.array([0.0, 1.0, 0.0]), 2)
    >>> int(ids[0]), float(scores[0])
    (8, 1.0)
    """

    kind = "exact"

    def __init__(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.ids)
        if n == 0 or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = self.matrix @ np.asarray(query, dtype=np.float32)
        k = min(k, n)
        top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        # best first; ties by the smaller record id, so answers are stable
        order = np.lexsort((self.ids[top], -scores[top]))
        top = top[order]
        return self.ids[top], scores[top]


class HnswIndex:
    """An HNSW graph from the ``hnswlib`` package (inner product on unit vectors)."""

    kind = "hnsw"

    def __init__(self, index: Any, n: int) -> None:
        self.index = index
        self.n = n

    def __len__(self) -> int:
        return self.n

    @classmethod
    def build(cls, ids: np.ndarray, matrix: np.ndarray) -> HnswIndex:
        import hnswlib

        index = hnswlib.Index(space="ip", dim=int(matrix.shape[1]))
        index.init_index(max_elements=max(len(ids), 1), M=HNSW_M,
                         ef_construction=HNSW_EF_CONSTRUCTION)
        index.add_items(np.ascontiguousarray(matrix, np.float32), np.asarray(ids, np.int64),
                        num_threads=os.cpu_count() or 1)
        index.set_ef(HNSW_EF_SEARCH)
        return cls(index, len(ids))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.n)
        labels, distances = self.index.knn_query(np.asarray(query, np.float32), k=k,
                                                 num_threads=1)
        return labels[0].astype(np.int64), (1.0 - distances[0]).astype(np.float32)


def build_index(ids: np.ndarray, matrix: np.ndarray, *,
                exact_limit: int = EXACT_LIMIT) -> ExactIndex | HnswIndex:
    """The exact index up to ``exact_limit`` vectors (or without ``hnswlib``), else HNSW."""
    if len(ids) <= exact_limit or importlib.util.find_spec("hnswlib") is None:
        return ExactIndex(ids, matrix)
    return HnswIndex.build(ids, matrix)
