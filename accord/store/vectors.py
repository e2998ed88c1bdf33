"""Record vectors (embeddings), stored in ``records.vectors`` as ``{name: [floats]}``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from accord.store.models import Dataset, Record

__all__ = ["bump_vectors_epoch", "first_vector_names", "iter_vectors", "record_vectors",
           "set_vectors", "vector_names", "vectors_epoch", "vectors_of", "vectors_page"]

_rec = Record.__table__
_IN_CHUNK = 900
_SET = (update(_rec).where(_rec.c.id == bindparam("b_id"))
        .values(vectors=bindparam("b_vectors", type_=_rec.c.vectors.type)))


def set_vectors(session: Session, dataset_id: int, name: str,
                vectors: Mapping[int, Sequence[float]]) -> int:
    """Store one named vector per record, keeping the record's other vectors.

    Parameters
    ----------
    session : Session
        The caller's write transaction.
    dataset_id : int
        Records of other datasets are left alone.
    name : str
        Vector name, e.g. ``"all-MiniLM-L6-v2"``.
    vectors : mapping of int to sequence of float
        ``{record id: vector}``.

    Returns
    -------
    int
        Records updated.
    """
    ids = sorted(vectors)
    conn = session.connection()
    n = 0
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start:start + _IN_CHUNK]
        rows = conn.execute(select(_rec.c.id, _rec.c.vectors).where(
            _rec.c.dataset_id == dataset_id, _rec.c.id.in_(chunk))).all()
        params = [{"b_id": rid, "b_vectors": {**(old or {}),
                                              name: [float(x) for x in vectors[rid]]}}
                  for rid, old in rows]
        if params:
            conn.execute(_SET, params)
        n += len(params)
    if n:
        bump_vectors_epoch(session, dataset_id)
    return n


def bump_vectors_epoch(session: Session, dataset_id: int) -> None:
    """Say that the dataset's stored vectors changed: similarity indexes built on the old
    ones are stale (:mod:`accord.assist.similarity`)."""
    session.execute(update(Dataset).where(Dataset.id == dataset_id)
                    .values(vectors_epoch=Dataset.vectors_epoch + 1)
                    .execution_options(synchronize_session=False))


def vectors_epoch(session: Session, dataset_id: int) -> int:
    return int(session.scalar(select(Dataset.vectors_epoch).where(Dataset.id == dataset_id))
               or 0)


def first_vector_names(session: Session, dataset_id: int) -> list[str]:
    """Names of the vectors stored on the dataset's first record that has any (one indexed
    row; :func:`vector_names` counts over every record)."""
    row = session.scalar(select(_rec.c.vectors).where(
        _rec.c.dataset_id == dataset_id, _rec.c.vectors.is_not(None)).order_by(_rec.c.id)
        .limit(1))
    return sorted(row) if isinstance(row, dict) else []


def record_vectors(session: Session, record_id: int) -> dict[str, Any]:
    """``{name: vector}`` stored on one record (empty when none)."""
    row = session.scalar(select(_rec.c.vectors).where(_rec.c.id == record_id))
    return row if isinstance(row, dict) else {}


def iter_vectors(session: Session, dataset_id: int, name: str,
                 *, batch_size: int = 2000) -> Iterator[tuple[int, list[float]]]:
    """``(record id, vector)`` for the records that have vector ``name``, in id order."""
    conn = session.connection()
    last = 0
    while True:
        page = conn.execute(select(_rec.c.id, _rec.c.vectors).where(
            _rec.c.dataset_id == dataset_id, _rec.c.id > last, _rec.c.vectors.is_not(None))
            .order_by(_rec.c.id).limit(batch_size)).all()
        if not page:
            return
        for rid, vecs in page:
            if isinstance(vecs, dict) and name in vecs:
                yield rid, vecs[name]
        last = page[-1][0]


def vectors_page(session: Session, dataset_id: int, name: str, *, after: int = 0,
                 limit: int = 500) -> list[tuple[int, str, list[float]]]:
    """Up to ``limit`` ``(record id, external id, vector)`` with vector ``name`` and id above
    ``after``, in id order (keyset paging: pass the last id as the next ``after``)."""
    conn = session.connection()
    out: list[tuple[int, str, list[float]]] = []
    last = after
    while len(out) < limit:
        page = conn.execute(select(_rec.c.id, _rec.c.external_id, _rec.c.vectors).where(
            _rec.c.dataset_id == dataset_id, _rec.c.id > last, _rec.c.vectors.is_not(None))
            .order_by(_rec.c.id).limit(max(limit, 200))).all()
        if not page:
            break
        for rid, ext, vecs in page:
            if isinstance(vecs, dict) and name in vecs:
                out.append((rid, ext, vecs[name]))
                if len(out) == limit:
                    break
        last = page[-1][0]
    return out


def vector_names(session: Session, dataset_id: int,
                 *, batch_size: int = 2000) -> dict[str, tuple[int, int]]:
    """``{vector name: (records with it, dimension)}`` over the dataset's records."""
    conn = session.connection()
    out: dict[str, tuple[int, int]] = {}
    last = 0
    while True:
        page = conn.execute(select(_rec.c.id, _rec.c.vectors).where(
            _rec.c.dataset_id == dataset_id, _rec.c.id > last, _rec.c.vectors.is_not(None))
            .order_by(_rec.c.id).limit(batch_size)).all()
        if not page:
            return out
        for _, vecs in page:
            if isinstance(vecs, dict):
                for key, vec in vecs.items():
                    n, dim = out.get(key, (0, len(vec)))
                    out[key] = (n + 1, dim)
        last = page[-1][0]


def vectors_of(session: Session, dataset_id: int,
               record_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``{record id: {name: vector}}`` for those of ``record_ids`` that have vectors."""
    conn = session.connection()
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(set(record_ids))
    for start in range(0, len(ids), _IN_CHUNK):
        for rid, vecs in conn.execute(select(_rec.c.id, _rec.c.vectors).where(
                _rec.c.dataset_id == dataset_id, _rec.c.id.in_(ids[start:start + _IN_CHUNK]),
                _rec.c.vectors.is_not(None))):
            if isinstance(vecs, dict) and vecs:
                out[rid] = vecs
    return out
