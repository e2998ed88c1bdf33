"""Nearest stored vectors by cosine similarity: exact search, or an HNSW index when big.

Vectors are L2-normalized (:mod:`accord.assist.embeddings`), so cosine
similarity is a dot product. Up to :data:`EXACT_LIMIT` vectors the search is
exact: one matrix-vector product and a partial sort (``numpy.argpartition``),
a few milliseconds at 100k x 384. Beyond it, when the optional ``usearch``
package is installed (``pip install accord[similarity]``), a hierarchical
navigable small world graph answers in well under a millisecond at a recall@10
measured by ``bench/similarity_bench.py`` (docs/benchmarks.md, "Similarity
search"); without it the search stays exact.

HNSW: Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
search using Hierarchical Navigable Small World graphs", IEEE TPAMI 42(4),
2020, doi:10.1109/TPAMI.2018.2889473.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any, Protocol

import numpy as np

__all__ = ["EXACT_LIMIT", "ExactIndex", "UsearchIndex", "VectorIndex", "build_index",
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


class UsearchIndex:
    """An HNSW graph from the ``usearch`` package (inner product on unit vectors)."""

    kind = "hnsw"

    def __init__(self, index: Any, n: int) -> None:
        self.index = index
        self.n = n

    def __len__(self) -> int:
        return self.n

    @classmethod
    def build(cls, ids: np.ndarray, matrix: np.ndarray) -> UsearchIndex:
        from usearch.index import Index

        index = Index(ndim=matrix.shape[1], metric="ip", dtype="f32", connectivity=HNSW_M,
                      expansion_add=HNSW_EF_CONSTRUCTION, expansion_search=HNSW_EF_SEARCH)
        index.add(np.asarray(ids, dtype=np.uint64), np.ascontiguousarray(matrix, np.float32),
                  threads=os.cpu_count() or 1)
        return cls(index, len(ids))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        found = self.index.search(np.asarray(query, dtype=np.float32), k, threads=1)
        return (np.asarray(found.keys, dtype=np.int64),
                1.0 - np.asarray(found.distances, dtype=np.float32))


def build_index(ids: np.ndarray, matrix: np.ndarray, *,
                exact_limit: int = EXACT_LIMIT) -> ExactIndex | UsearchIndex:
    """The exact index up to ``exact_limit`` vectors (or without ``usearch``), else HNSW."""
    if len(ids) <= exact_limit or importlib.util.find_spec("usearch") is None:
        return ExactIndex(ids, matrix)
    return UsearchIndex.build(ids, matrix)
