""""More like this": the records nearest to a record or a free-text query.

Searches the vectors ``accord assist embed`` stored (``records.vectors``).
The index of a dataset's vectors is built on first use and kept per process,
keyed by the dataset's ``vectors_epoch``: any write of vectors moves the
epoch on, and the next search rebuilds. Searches are exact at once; beyond
:data:`accord.assist.nearest.EXACT_LIMIT` vectors (with ``hnswlib``) an HNSW
index is built in a background thread (minutes at a million vectors) and
answers from when it is ready, unless the vectors changed meanwhile. A text query is
embedded with the model that made the stored vectors, loaded once per process
(:func:`text_embedder`).
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from accord.assist.nearest import EXACT_LIMIT, ExactIndex, HnswIndex
from accord.errors import Conflict, InputError, NotFound
from accord.store.vectors import first_vector_names, iter_vectors, record_vectors, vectors_epoch

__all__ = ["EMBED_HINT", "similar_records", "stored_vector_name", "text_embedder"]

EMBED_HINT = "run `accord assist embed DATASET` first"
_CACHE_SIZE = 4
_lock = threading.Lock()
_indexes: OrderedDict[tuple[int, str], tuple[int, Any]] = OrderedDict()
_building: set[tuple[int, str, int]] = set()


@lru_cache(maxsize=1)
def text_embedder() -> Any:
    """The sentence embedder, loaded once per process."""
    from accord.assist.embeddings import load_embedder

    return load_embedder()


def stored_vector_name(session: Session, dataset_id: int, dataset: str,
                       wanted: str | None = None) -> str:
    """The vector name to search (``wanted``, or the one stored).

    Raises
    ------
    Conflict
        No vectors are stored (``reason`` ``no_vectors``): run ``accord assist embed``.
    InputError
        ``wanted`` is not stored, or several names are and none was chosen.
    """
    names = first_vector_names(session, dataset_id)
    if not names:
        raise Conflict(f"dataset {dataset!r} has no stored vectors; {EMBED_HINT}",
                       reason="no_vectors")
    if wanted is not None:
        if wanted not in names:
            raise InputError(f"no vectors named {wanted!r} in dataset {dataset!r}; stored: "
                             f"{names}", field="vector")
        return wanted
    if len(names) > 1:
        raise InputError(f"dataset {dataset!r} stores several vectors {names}; choose one "
                         "with vector=", field="vector")
    return names[0]


def _index(session: Session, dataset_id: int, name: str) -> ExactIndex | HnswIndex:
    epoch = vectors_epoch(session, dataset_id)
    key = (dataset_id, name)
    with _lock:
        hit = _indexes.get(key)
        if hit is not None and hit[0] == epoch:
            _indexes.move_to_end(key)
            return hit[1]
    ids, rows = [], []
    for rid, vec in iter_vectors(session, dataset_id, name):
        ids.append(rid)
        rows.append(vec)
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
    index = ExactIndex(np.asarray(ids, dtype=np.int64), matrix)
    _keep(key, epoch, index)
    if len(index) > EXACT_LIMIT and importlib.util.find_spec("hnswlib") is not None:
        with _lock:
            start = (*key, epoch) not in _building
            _building.add((*key, epoch))
        if start:
            threading.Thread(target=_build_hnsw, args=(key, epoch, index), daemon=True,
                             name=f"hnsw-{key[0]}").start()
    return index


def _keep(key: tuple[int, str], epoch: int, index: Any) -> None:
    with _lock:
        _indexes[key] = (epoch, index)
        _indexes.move_to_end(key)
        while len(_indexes) > _CACHE_SIZE:
            _indexes.popitem(last=False)


def _build_hnsw(key: tuple[int, str], epoch: int, exact: ExactIndex) -> None:
    """Build the HNSW index off the request path; it replaces the exact one only if the
    vectors did not change meanwhile."""
    try:
        hnsw = HnswIndex.build(exact.ids, exact.matrix)
        with _lock:
            current = _indexes.get(key)
            if current is not None and current[0] == epoch:
                _indexes[key] = (epoch, hnsw)
    finally:
        with _lock:
            _building.discard((*key, epoch))


def similar_records(session: Session, dataset_id: int, dataset: str, *,
                    record_id: int | None = None, text: str | None = None, k: int = 10,
                    vector: str | None = None) -> dict[str, Any]:
    """The ``k`` records nearest to record ``record_id`` (itself left out) or to ``text``.

    Returns
    -------
    dict
        ``{"vector": name, "index": "exact" | "hnsw", "hits": [(record id, cosine)]}``.

    Raises
    ------
    Conflict
        No vectors stored (``reason`` ``no_vectors``).
    InputError
        Neither or both of ``record_id`` and ``text``; the record has no vector; the
        stored vectors were made by another model than the one that embeds ``text``.
    NotFound
        ``record_id`` is not a record of the dataset.
    """
    if (record_id is None) == (text is None or not text.strip()):
        raise InputError("give either record=ID or a non-empty q=TEXT", field="record")
    name = stored_vector_name(session, dataset_id, dataset, vector)
    if record_id is not None:
        stored = record_vectors(session, record_id)
        if name not in stored:
            raise InputError(f"record {record_id} has no {name!r} vector; {EMBED_HINT}",
                             field="record")
        query = np.asarray(stored[name], dtype=np.float32)
    else:
        embedder = text_embedder()
        if embedder.name != name:
            raise InputError(f"the stored vectors are {name!r} but this server embeds text "
                             f"with {embedder.name!r}; {EMBED_HINT} again", field="q")
        query = np.asarray(embedder.encode([text])[0], dtype=np.float32)
    index = _index(session, dataset_id, name)
    if index is None or len(index) == 0:  # pragma: no cover - names came from a stored row
        raise NotFound(f"no vectors in dataset {dataset!r}; {EMBED_HINT}")
    extra = 1 if record_id is not None else 0
    ids, scores = index.search(query, k + extra)
    hits = [(int(i), float(s)) for i, s in zip(ids, scores) if int(i) != record_id][:k]
    return {"vector": name, "index": index.kind, "hits": hits}
