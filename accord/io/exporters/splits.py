"""Train/test splits: grouped by prompt, stratified by label, reproducible from a seed.

Records are first grouped so that the same prompt never lands in two
splits: two records are in one group when their prompts are equal after
NFKC normalization, case folding and whitespace collapsing
(:func:`accord.prep.dedupe_exact.normalize_for_hash`), and, with
``--near-dup T``, when their prompts' MinHash signatures (word 3-grams, 64
permutations, :mod:`accord.prep.minhash`) estimate a Jaccard similarity of
at least ``T`` (:func:`accord.prep.dedupe_near.cluster_near_duplicates`;
groups are transitive).

Groups are then shuffled with ``--seed`` and dealt out one at a time, each
to the split furthest below its target share *within the group's stratum*
(the label the group's records mostly carry: the consensus label or choice,
the KTO desirability, the rounded rating), counting output rows. Every
stratum thus gets each split's share up to one group, and the same data and
seed always give the same split.

Memory: a few numbers per exported record, plus the prompts' text with
``--near-dup``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from accord.errors import InputError

__all__ = ["SplitAssignment", "SplitCollector"]


def _normalize(text: str) -> str:
    from accord.prep.dedupe_exact import normalize_for_hash

    return normalize_for_hash(text)


def _key(text: str) -> bytes:
    return hashlib.blake2b(_normalize(text).encode("utf-8", "surrogatepass"),
                           digest_size=8).digest()


@dataclass
class SplitAssignment:
    """The split of every exported record, looked up in record-id order."""

    names: list[str]
    record_ids: Any  # sorted int64 array
    codes: Any  # int array, index into names
    _cursor: int = 0

    def split_of(self, record_id: int) -> str | None:
        ids = self.record_ids
        i = self._cursor
        if not (i < len(ids) and ids[i] == record_id):
            i = int(ids.searchsorted(record_id))
            if i >= len(ids) or ids[i] != record_id:
                return None
        self._cursor = i + 1
        return self.names[int(self.codes[i])]

    def counts(self) -> dict[str, int]:
        c = Counter(int(x) for x in self.codes)
        return {name: c.get(i, 0) for i, name in enumerate(self.names)}


@dataclass
class SplitCollector:
    """Collects ``(record id, rows, prompt, stratum)`` in a first pass, then assigns splits."""

    shares: dict[str, float]
    seed: int
    near_dup: float | None = None
    ids: list[int] = field(default_factory=list)
    weights: list[int] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)
    strata: list[Any] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def add(self, record_id: int, rows: int, prompt: str, stratum: Any) -> None:
        self.ids.append(record_id)
        self.weights.append(rows)
        self.keys.append(_key(prompt))
        self.strata.append(stratum)
        if self.near_dup is not None:
            self.texts.append(prompt)

    def assign(self) -> SplitAssignment:
        import numpy as np

        names = list(self.shares)
        n = len(self.ids)
        groups = self._groups()
        n_groups = int(groups.max()) + 1 if n else 0
        weight = np.bincount(groups, weights=np.asarray(self.weights, dtype=np.float64),
                             minlength=n_groups) if n else np.zeros(0)
        group_stratum = self._group_strata(groups, n_groups)
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(n_groups)
        shares = np.asarray([self.shares[s] for s in names])
        totals: dict[Any, float] = Counter()
        for g in range(n_groups):
            totals[group_stratum[g]] += weight[g]
        filled: dict[Any, Any] = {s: np.zeros(len(names)) for s in totals}
        group_split = np.zeros(n_groups, dtype=np.int64)
        for g in order.tolist():
            s = group_stratum[g]
            deficit = shares * totals[s] - filled[s]
            k = int(np.argmax(deficit))
            group_split[g] = k
            filled[s][k] += weight[g]
        ids = np.asarray(self.ids, dtype=np.int64)
        codes = group_split[groups] if n else np.zeros(0, dtype=np.int64)
        order_ids = np.argsort(ids, kind="stable")
        return SplitAssignment(names, ids[order_ids], codes[order_ids])

    def _groups(self) -> Any:
        import numpy as np

        index: dict[bytes, int] = {}
        groups = np.fromiter((index.setdefault(k, len(index)) for k in self.keys), np.int64,
                             len(self.keys))
        if self.near_dup is None or len(groups) < 2:
            return groups
        parent = np.arange(len(index))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = int(parent[x])
            return x

        for i, j in self._near_pairs():
            a, b = find(int(groups[i])), find(int(groups[j]))
            if a != b:
                parent[max(a, b)] = min(a, b)
        roots = np.array([find(int(g)) for g in groups], dtype=np.int64)
        _, dense = np.unique(roots, return_inverse=True)
        return dense.reshape(-1)

    def _near_pairs(self) -> list[tuple[int, int]]:
        try:
            from accord.prep.dedupe_near import cluster_near_duplicates
            from accord.prep.minhash import MinHasher
            from accord.prep.shingles import shingle_hashes
        except ImportError as exc:  # pragma: no cover - prep ships with accord
            raise InputError(f"--near-dup needs accord.prep ({exc})", field="--near-dup") from None
        hashes, offsets = shingle_hashes([_normalize(t) for t in self.texts], unit="word", n=3)
        signatures = MinHasher(num_perm=64, seed=self.seed).signatures(hashes, offsets)
        result = cluster_near_duplicates(signatures, threshold=self.near_dup)
        return [(i, int(j)) for i, j in enumerate(result.duplicate_of.tolist()) if j >= 0]

    def _group_strata(self, groups: Any, n_groups: int) -> list[Any]:
        votes: list[Counter[Any]] = [Counter() for _ in range(n_groups)]
        for g, s, w in zip(groups.tolist(), self.strata, self.weights):
            votes[g][s] += w
        return [v.most_common(1)[0][0] if v else None for v in votes]
