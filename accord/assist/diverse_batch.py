r"""Batch-mode selection: uncertain records that are typical and not alike.

Picking the ``k`` records of smallest margin at once wastes labels twice: the
most uncertain records are often near-duplicates of each other (one answer
would have settled all of them), and often outliers that teach the model
little about the rest of the data. Diverse mini-batch active learning
(Zhdanov 2019) takes the ``beta * k`` most uncertain records, clusters them
into ``k`` groups with k-means and labels one record per group. Which one:
here the record of the largest uncertainty times *typicality*, the
information-density weighting of Settles & Craven (2008),

.. math::

    \operatorname{score}(x) = u(x) \cdot \operatorname{typ}(x), \qquad
    \operatorname{typ}(x) = \Big( \frac{1}{m} \sum_{x_i \in \operatorname{kNN}_m(x)}
    \lVert x - x_i \rVert \Big)^{-1}

(TypiClust's typicality, Hacohen et al. 2022, with :math:`m = 20`), so each
group gives its uncertain record that sits among many others rather than
an isolated one.

Settles & Craven's density compares every record with every other one
(:math:`O(n^2)`). Here it is computed for the ``beta * k`` candidates only,
against a fixed seeded sample of at most :data:`REFERENCE_SAMPLE` records
(exact when the data has fewer), so the work after the model's uncertainty
pass is :math:`O(\beta k \cdot S \cdot d)` whatever the number of records,
and memory is bounded by :data:`CHUNK` rows at a time. Weighting *every*
record's margin by density instead (no groups) needed 0.44 of random's
labels on SST-2 but 0.70 on Banking77 (``docs/assist.md``), where the fine
intent boundaries are not in the dense regions; grouped as here, 0.55 and 0.52.

References
----------
.. [1] Zhdanov, F. (2019). Diverse mini-batch active learning.
   arXiv:1901.05954. https://arxiv.org/abs/1901.05954
.. [2] Settles, B. & Craven, M. (2008). An analysis of active learning
   strategies for sequence labeling tasks. EMNLP 2008, 1070-1079.
.. [3] Hacohen, G., Dekel, A. & Weinshall, D. (2022). Active learning on a
   budget: opposite strategies suit high and low budgets. ICML 2022.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.assist.typicality import kmeans

__all__ = ["BETA", "CHUNK", "REFERENCE_SAMPLE", "diverse_uncertain", "sampled_typicality"]

#: candidates per batch slot (the ``beta * k`` most uncertain records are clustered)
BETA = 20
#: records the density of a candidate is measured against (a fixed seeded sample)
REFERENCE_SAMPLE = 2000
#: neighbours in the typicality (TypiClust's choice)
NEIGHBOURS = 20
#: rows per distance block (bounds memory to CHUNK x REFERENCE_SAMPLE floats)
CHUNK = 1024


def sampled_typicality(x: Any, rows: Any, *, sample: int = REFERENCE_SAMPLE,
                       k: int = NEIGHBOURS) -> np.ndarray:
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


def diverse_uncertain(x: Any, rows: Any, scores: Any, batch: int, *, beta: int = BETA,
                      seed: int = 0) -> np.ndarray:
    """Positions (into ``rows``) of up to ``batch`` records to label together.

    ``rows`` are candidate row indices of ``x`` sorted most uncertain first, ``scores``
    their uncertainty (same order). The ``beta * batch`` first are clustered into
    ``batch`` groups (k-means, ``seed``); from each group the record of largest
    uncertainty x typicality. The positions come back most uncertain first.

    Examples
    --------
    >>> x = [[0, 0], [0, 0.01], [5, 5], [5, 5.01]]
    >>> sorted(diverse_uncertain(x, [0, 1, 2, 3], [0.9, 0.8, 0.7, 0.6], 2, beta=2).tolist())
    [0, 2]
    """
    rows = np.asarray(rows, dtype=np.int64)
    u = np.asarray(scores, dtype=np.float64)
    if batch <= 0 or len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    m = min(len(rows), beta * batch)
    if m <= batch:
        return np.arange(m)
    xa = np.asarray(x)
    weight = u[:m] * sampled_typicality(xa, rows[:m])
    groups = kmeans(xa[rows[:m]].astype(np.float64), batch, seed=seed)
    picked = []
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        picked.append(int(members[np.argmax(weight[members])]))
    return np.array(sorted(picked), dtype=np.int64)  # rows are sorted by uncertainty
