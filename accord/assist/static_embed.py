"""A static embedding table distilled from all-MiniLM-L6-v2: the fastest embedding backend.

Model2Vec-style distillation (Tulkens and van Dongen 2024, "Model2Vec: Fast
State-of-the-Art Static Embeddings", https://github.com/MinishLab/model2vec):
every token of the model's vocabulary is encoded once as the one-token text
``[CLS] token [SEP]`` through the shipped model (the int8 ONNX graph of
:mod:`accord.assist.onnx_embed`: mean pooling, L2 norm), the 384-dimension
outputs are centred and reduced by PCA to :data:`DIMENSION` dimensions, and
each row is weighted by SIF (Arora et al. 2017, "A Simple but Tough-to-Beat
Baseline for Sentence Embeddings", ICLR) with a Zipf estimate of the token's
probability from its vocabulary rank, ``a / (a + p(rank))`` with
``p(rank) ~ 1/rank``, as Model2Vec does (the WordPiece vocabulary lists frequent
pieces first), with ``a = 1e-5`` rather than Model2Vec's 1e-4 (recall@10 of fp32
MiniLM's neighbours over bench/embed_bench.py's 400 texts: 0.234 against 0.203;
0.176 without weighting). Encoding a text is then tokenize, average the
rows of its tokens, L2-normalize: numpy only, thousands of texts per second.

The table (30,522 x 256 float32, 31 MB) is built on first use (about a
minute of CPU) and cached beside the ONNX model (``~/.cache/accord/onnx``,
see :func:`accord.assist.onnx_embed.cache_dir`) under a name keyed by the
recipe and the ONNX model's own key (package and library versions), written
atomically. The vectors are a different model's: they are stored under
:data:`STATIC_NAME`, never mixed with all-MiniLM-L6-v2's. Their quality
trade-off (neighbour recall, active learning) is in docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from accord.assist.onnx_embed import _model_dir, cache_dir, onnx_model_path
from accord.atomic import atomic_output
from accord.errors import InputError

__all__ = ["DIMENSION", "STATIC_NAME", "StaticMiniLM", "distill", "static_table_path"]

STATIC_NAME = "all-MiniLM-L6-v2-static"
DIMENSION = 256
SIF_A = 1e-5
RECIPE = 2  # bump when the distillation below changes
CLS, SEP = 101, 102


def static_table_path(model_dir: Path | None = None, dimension: int = DIMENSION) -> Path:
    """The cached table's path for the installed versions (it may not exist yet)."""
    onnx = onnx_model_path(model_dir or _model_dir())
    key = f"recipe={RECIPE}|dims={dimension}|{onnx.name}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{STATIC_NAME}{dimension}-{digest}.npy"


def distill(encode_ids: Callable[[Any, Any], Any], vocab_size: int, *,
            token_ids: Sequence[int] | None = None, dimension: int = DIMENSION,
            batch_size: int = 512) -> Any:
    """The ``(vocab_size, dimension)`` float32 table (Model2Vec recipe, see the module doc).

    ``encode_ids(input_ids, attention_mask)`` runs the sentence model on int64 arrays and
    returns unit vectors. ``token_ids``: distill only these tokens (the other rows stay zero;
    tests use a few hundred); default every id from 0 to ``vocab_size``.
    """
    import numpy as np

    ids = np.arange(vocab_size) if token_ids is None else np.unique(np.asarray(token_ids))
    outputs = []
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        batch = np.stack([np.full(len(chunk), CLS), chunk, np.full(len(chunk), SEP)], axis=1)
        outputs.append(np.asarray(encode_ids(batch.astype(np.int64),
                                             np.ones_like(batch, dtype=np.int64))))
    vectors = np.concatenate(outputs).astype(np.float64)
    vectors -= vectors.mean(axis=0)
    dims = min(dimension, *vectors.shape)
    _, _, components = np.linalg.svd(vectors, full_matrices=False)  # PCA
    reduced = vectors @ components[:dims].T
    inv_rank = 1.0 / np.arange(2, vocab_size + 2)
    prob = inv_rank / inv_rank.sum()
    weight = SIF_A / (SIF_A + prob)
    table = np.zeros((vocab_size, dims), dtype=np.float32)
    table[ids] = reduced * weight[ids, None]
    return table


class StaticMiniLM:
    """The distilled table: ``encode(texts)`` gives unit vectors of :data:`DIMENSION`."""

    def __init__(self, *, threads: int | None = None, path: Path | None = None,
                 token_ids: Sequence[int] | None = None) -> None:
        """Load the table from ``path`` (default :func:`static_table_path`), distilling and
        caching it first if it is missing; ``token_ids`` limits a build to those tokens
        (tests)."""
        import numpy as np

        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise InputError("tokenizers is not installed; the static backend needs "
                             "pip install 'accord[assist]'", field="embed") from None
        model_dir = _model_dir()
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.path = path or static_table_path(model_dir)
        if not self.path.exists():
            from accord.assist.onnx_embed import OnnxMiniLM

            onnx = OnnxMiniLM(threads=threads)

            def encode_ids(ids: Any, mask: Any) -> Any:
                return onnx.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

            built = distill(encode_ids, self.tokenizer.get_vocab_size(), token_ids=token_ids)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(self.path) as fh:
                np.save(fh, built)
        self.table = np.ascontiguousarray(np.load(self.path), dtype=np.float32)

    @property
    def dimension(self) -> int:
        return int(self.table.shape[1])

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Any:
        """``(len(texts), dimension)`` float32 unit vectors (zero for a text with no tokens).

        ``batch_size`` only bounds how many texts are tokenized at a time.
        """
        import numpy as np

        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = max(batch_size, 1024)
        for start in range(0, len(texts), step):
            enc = self.tokenizer.encode_batch(texts[start:start + step],
                                              add_special_tokens=False)
            lengths = np.array([len(e.ids) for e in enc])
            rows = np.flatnonzero(lengths)
            if not len(rows):
                continue
            flat = np.fromiter((i for r in rows for i in enc[r].ids), dtype=np.int64,
                               count=int(lengths[rows].sum()))
            starts = np.concatenate(([0], np.cumsum(lengths[rows])[:-1]))
            sums = np.add.reduceat(self.table[flat], starts, axis=0)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            out[start + rows] = sums / np.maximum(norms, 1e-12)
        return out
