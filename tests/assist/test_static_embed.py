"""The static backend (a Model2Vec-style table distilled from all-MiniLM-L6-v2): unit,
deterministic vectors whose neighbours on real texts follow the fp32 model's, a table
written atomically to its cache and reused. The default run distills only the tokens of
the 63 reference texts (a few hundred one-token inputs); the full build is soak."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.assist.extras import ONNX, need


@pytest.fixture(scope="module")
def reference(shared_data):
    need(*ONNX)
    data = json.loads((shared_data / "embeddings" / "minilm_fp32.json").read_text("utf-8"))
    return data["texts"], np.array(data["vectors"], dtype=np.float32)


@pytest.fixture(scope="module")
def small(reference, tmp_path_factory):
    """A table with only the reference texts' tokens, built into a fresh cache file."""
    from tokenizers import Tokenizer

    from accord.assist.onnx_embed import _model_dir
    from accord.assist.static_embed import StaticMiniLM

    texts, _ = reference
    tok = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
    ids = sorted({i for e in tok.encode_batch(texts, add_special_tokens=False) for i in e.ids})
    path = tmp_path_factory.mktemp("static") / "table.npy"
    return StaticMiniLM(path=path, token_ids=ids), ids


def _recall_at(a: np.ndarray, b: np.ndarray, k: int) -> float:
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -1)
    np.fill_diagonal(sb, -1)
    na, nb = np.argsort(-sa, axis=1)[:, :k], np.argsort(-sb, axis=1)[:, :k]
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nb, strict=True)]))


def test_static_vectors_are_unit_deterministic_and_follow_minilm(small, reference):
    static, ids = small
    texts, fp32 = reference
    real = [i for i, t in enumerate(texts) if t.strip()]
    a = static.encode(texts, batch_size=7)
    assert a.shape == (len(texts), len(ids) if len(ids) < 256 else 256) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a[real], axis=1), 1.0, atol=1e-5)
    assert not a[[i for i in range(len(texts)) if i not in real]].any()  # no tokens: zero
    assert np.array_equal(a, static.encode(list(reversed(texts)))[::-1])  # order-free
    # neighbours agree with the fp32 model far above chance (5/62 = 0.08 at random)
    recall = _recall_at(fp32[real], a[real], 5)
    assert recall >= 0.3, recall


def test_similar_texts_closer_than_unrelated(small):
    static, _ = small
    v = static.encode(["it 's a charming and often affecting journey .",  # SST-2 dev
                       "a charming , affecting journey",
                       "it 's slow -- very , very slow ."])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.1, (v[0] @ v[1], v[0] @ v[2])


def test_table_is_cached_atomically_and_reused(small):
    from accord.assist.static_embed import StaticMiniLM

    static, ids = small
    folder = static.path.parent
    assert [p.name for p in folder.iterdir()] == ["table.npy"]  # no temporary left
    mtime = static.path.stat().st_mtime_ns
    again = StaticMiniLM(path=static.path, token_ids=ids[:3])  # loaded, not rebuilt
    assert static.path.stat().st_mtime_ns == mtime
    assert np.array_equal(again.table, static.table)
    assert np.count_nonzero(np.abs(static.table).sum(axis=1)) == len(ids)


def test_cache_name_is_keyed_and_backend_has_its_own_vector_name(monkeypatch, tmp_path,
                                                                  reference):
    from accord.assist.embeddings import MODEL_NAME, vector_name
    from accord.assist.static_embed import STATIC_NAME, static_table_path

    monkeypatch.setenv("ACCORD_CACHE_DIR", str(tmp_path))
    path = static_table_path()
    assert path.parent == tmp_path / "onnx" and path.name.startswith(STATIC_NAME)
    assert static_table_path(dimension=128) != path
    assert vector_name("static") == STATIC_NAME != MODEL_NAME == vector_name("onnx")


@pytest.mark.soak
def test_full_static_table_keeps_most_neighbours(reference):
    from accord.assist.embeddings import load_embedder

    texts, fp32 = reference
    static = load_embedder(backend="static")
    assert static.name == "all-MiniLM-L6-v2-static" and static.dimension == 256
    assert static.model.table.shape == (30522, 256)
    real = [i for i, t in enumerate(texts) if t.strip()]
    assert _recall_at(fp32[real], static.encode(texts)[real], 10) >= 0.3  # 0.38; chance 0.16
