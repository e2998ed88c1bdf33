"""Active learning with accord's own model: TypiClust cold start, then uncertainty
(accord.assist.typicality, classifier, selection, learned_order)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from accord.assist.balanced_batch import class_balanced
from accord.assist.classifier import SoftmaxRegression
from accord.assist.diverse_batch import BETA, diverse_uncertain
from accord.assist.selection import rank_unlabelled
from accord.assist.typicality import kmeans, sampled_typicality, typical_points, typicality
from accord.errors import InputError
from accord.store import session_scope, write_scope
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Record
from accord.store.priorities import priorities_of
from accord.store.vectors import set_vectors
from accord.workflow.gold import mark_gold
from tests.assist.conftest import make_dataset
from tests.conftest import run_cli


def _blobs(n_per: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs in 8 dimensions that overlap a little along the first axis."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, (n_per, 8)) + np.r_[-1.5, np.zeros(7)]
    b = rng.normal(0, 1, (n_per, 8)) + np.r_[1.5, np.zeros(7)]
    return np.vstack([a, b]), np.array(["neg"] * n_per + ["pos"] * n_per)


def test_softmax_regression_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    x, y = _blobs()
    y = y.copy()
    y[::7] = "mid"  # three classes
    ours = SoftmaxRegression(C=10.0, max_iter=500).fit(x, y).predict_proba(x)
    ref = LogisticRegression(C=10.0, max_iter=5000, tol=1e-10).fit(x, y).predict_proba(x)
    assert np.abs(ours - ref).max() < 1e-3


def test_typiclust_takes_one_typical_record_per_cluster():
    rng = np.random.default_rng(1)
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    x = np.vstack([c + rng.normal(0, 0.5, (25, 2)) for c in centers])
    picked = typical_points(x, 4, seed=3)
    assert sorted(i // 25 for i in picked) == [0, 1, 2, 3]  # every cluster once
    for i in picked:  # each pick is near its cluster's centre (typical, not an outlier)
        assert np.linalg.norm(x[i] - centers[i // 25]) < 0.6
    # a cluster holding a labelled record is covered: the next picks go elsewhere
    more = typical_points(x, 3, labelled=[0, 1], seed=3)
    assert 0 not in {i // 25 for i in more} and len(set(more)) == 3


def test_typiclust_on_large_data_works_in_chunks_and_samples(monkeypatch):
    """kmeans assigns rows CHUNK at a time and a cluster larger than REFERENCE_SAMPLE
    measures typicality against a sample: same clusters, still the typical records."""
    import accord.assist.typicality as typ

    rng = np.random.default_rng(1)
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    x = np.vstack([c + rng.normal(0, 0.5, (25, 2)) for c in centers])
    whole = kmeans(x, 4, seed=3)
    monkeypatch.setattr(typ, "CHUNK", 7)
    monkeypatch.setattr(typ, "REFERENCE_SAMPLE", 10)  # every cluster (25) is "large"
    assert kmeans(x, 4, seed=3).tolist() == whole.tolist()
    assert kmeans(x.astype(np.float32), 4, seed=3).tolist() == whole.tolist()
    picked = typical_points(x.astype(np.float32), 4, seed=3)
    assert sorted(i // 25 for i in picked) == [0, 1, 2, 3]
    for i in picked:
        assert np.linalg.norm(x[i] - centers[i // 25]) < 0.6


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 40), st.integers(1, 12), st.integers(0, 5), st.integers(0, 99))
def test_typical_points_are_new_distinct_rows(n, budget, n_labelled, seed):
    x = np.random.default_rng(seed).normal(size=(n, 3))
    labelled = list(range(min(n_labelled, n)))
    picked = typical_points(x, budget, labelled=labelled, seed=seed)
    assert len(picked) == min(budget, n - len(labelled)) == len(set(picked))
    assert not set(picked) & set(labelled)
    assert len(kmeans(x, 3, seed=seed)) == n


def test_auto_starts_with_typical_records_then_asks_about_the_boundary():
    x, y = _blobs()
    first = rank_unlabelled(x, {}, strategy="auto", batch=6, n_classes=2)
    assert first.strategy == "typiclust" and len(first.order) == 6
    answers = {int(i): str(y[i]) for i in range(0, 60, 3)}  # 20 answers, both classes
    later = rank_unlabelled(x, answers, strategy="auto", batch=6, n_classes=2)
    assert later.strategy == "balanced-margin" and len(later.order) == 40
    assert not set(later.order.tolist()) & set(answers)
    assert np.all(np.diff(later.scores) <= 0)  # the balanced batch (1 + margin), then by margin
    assert np.all(later.scores[:6] > 1) and np.all(later.scores[6:] <= 1)
    # the first records asked about are nearer the boundary (x0 = 0) than the last ones
    assert np.abs(x[later.order[:5], 0]).mean() < np.abs(x[later.order[-5:], 0]).mean()
    plain = rank_unlabelled(x, answers, strategy="margin", batch=6)
    assert set(later.order.tolist()) == set(plain.order.tolist())
    # the batch: the 3 most uncertain records the model calls neg and the 3 it calls pos
    called = later.model.predict(x[plain.order])
    want = [plain.order[called == c][:3] for c in ("neg", "pos")]
    assert sorted(later.order[:6].tolist()) == sorted(np.concatenate(want).tolist())
    diverse = rank_unlabelled(x, answers, strategy="diverse-margin", batch=6)
    assert set(diverse.order[:6].tolist()) <= set(plain.order[:6 * BETA].tolist())
    with pytest.raises(InputError, match="at least two classes"):
        rank_unlabelled(x, {0: "neg"}, strategy="margin")
    with pytest.raises(InputError, match="expected one of auto"):
        rank_unlabelled(x, {}, strategy="smart")


def test_diverse_batch_takes_one_typical_uncertain_record_per_group():
    """Zhdanov (2019) with density: 3 groups of 20 uncertain records, each with one record
    on its fringe that is the most uncertain of the group; a batch of 3 takes one record
    per group, the most uncertain x typical one, which is never the fringe record."""
    rng = np.random.default_rng(5)
    centers = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    x = np.vstack([c + rng.normal(0, 0.05, (20, 2)) for c in centers])
    fringe = np.array([0, 20, 40])
    x[fringe] = centers + [0.6, 0.6]
    group = np.arange(60) // 20
    u = np.where(np.isin(np.arange(60), fringe), 1.0, np.linspace(0.9, 0.5, 60))
    rows = np.argsort(-u, kind="stable")  # most uncertain first
    picked = rows[diverse_uncertain(x, rows, u[rows], 3, beta=20, seed=0)]
    assert sorted(group[picked].tolist()) == [0, 1, 2] and not set(picked) & set(fringe)
    weight = u * sampled_typicality(x, np.arange(60))
    for p in picked:
        mates = np.flatnonzero(group == group[p])
        assert p == mates[np.argmax(weight[mates])]
    again = rows[diverse_uncertain(x, rows, u[rows], 3, beta=20, seed=0)]
    assert again.tolist() == picked.tolist()  # deterministic for a seed
    assert diverse_uncertain(x, rows[:3], u[rows[:3]], 5).tolist() == [0, 1, 2]


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(1, 8), st.integers(1, 5), st.integers(0, 99))
def test_diverse_batch_properties(n, batch, beta, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n + 5, 3))
    rows = rng.permutation(n + 5)[:n]
    u = np.sort(rng.random(n))[::-1]
    picked = diverse_uncertain(x, rows, u, batch, beta=beta, seed=seed)
    assert len(picked) == len(set(picked.tolist())) == min(batch, n)
    assert np.all(picked < min(n, beta * batch)) and np.all(np.diff(picked) > 0)
    # against every row (the sample holds them all) it is TypiClust's typicality
    assert np.allclose(sampled_typicality(x, rows, k=4), typicality(x, k=4)[rows])
    small = sampled_typicality(x, rows, sample=4, k=2)  # a sample: still one finite value each
    assert small.shape == (n,) and np.all(np.isfinite(small) & (small > 0))


def test_balanced_batch_takes_each_predicted_class_in_turn():
    # most uncertain first: class 7 three times, then 2, then 7, 5, 2, 2
    predicted = [7, 7, 7, 2, 7, 5, 2, 2]
    assert class_balanced(predicted, 3).tolist() == [0, 3, 5]  # one of each class
    assert class_balanced(predicted, 5).tolist() == [0, 1, 3, 5, 6]  # then each one's second
    assert class_balanced(predicted, 8).tolist() == list(range(8))
    assert class_balanced(predicted, 0).tolist() == class_balanced([], 3).tolist() == []
    assert class_balanced(["b", "a"], 1).tolist() == [0]  # the class seen first goes first


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=60), st.integers(0, 20))
def test_balanced_batch_properties(predicted, batch):
    picked = class_balanced(predicted, batch)
    pred = np.array(predicted, dtype=np.int64)
    assert len(picked) == len(set(picked.tolist())) == min(batch, len(pred))
    assert np.all(np.diff(picked) > 0)
    counts = {c: int(np.sum(pred[picked] == c)) for c in set(predicted)}
    for c, got in counts.items():
        # each class gives its most uncertain records, a prefix of its own
        assert picked[pred[picked] == c].tolist() == np.flatnonzero(pred == c)[:got].tolist()
        # round robin: a class short of the most-picked one has nothing left to give
        if got < max(counts.values()) - 1:
            assert got == int(np.sum(pred == c))
    assert picked.tolist() == class_balanced(predicted, batch).tolist()  # deterministic


def test_cli_auto_reorders_records(db_url):
    from accord.store import make_engine
    from tests.dbs import migrated

    url = migrated(db_url)
    engine = make_engine(url)
    x, y = _blobs(20)
    settings_ = {"fields": [{"name": "text", "type": "text"}],
                 "questions": [{"name": "y", "type": "label", "labels": ["neg", "pos"]}]}
    make_dataset(engine, "al", settings_, [{"id": i, "text": f"record {i}"} for i in range(40)])
    with write_scope(engine) as s:
        ds = get_dataset(s, "al")
        ids = {r.external_id: r.id for r in s.scalars(select(Record).where(
            Record.dataset_id == ds.id))}
        set_vectors(s, ds.id, "tiny", {ids[str(i)]: x[i].tolist() for i in range(40)})
        dataset_id = ds.id
    env = {"ACCORD_DB": url}
    cold = run_cli("assist", "prioritize", "al", "-q", "y", "--strategy", "auto", "--vector",
                   "tiny", "--batch", "4", "--json", env=env)
    assert cold.returncode == 0, cold.stderr
    assert json.loads(cold.stdout)["used"] == "typiclust"
    with session_scope(engine) as s:
        pr = priorities_of(s, dataset_id)
    assert sorted(p for p in pr.values() if p > 1) == [1.25, 1.5, 1.75, 2.0]
    assert sum(p == 0.0 for p in pr.values()) == 36
    with write_scope(engine) as s:  # 20 answers (gold), then the model takes over
        ds = get_dataset(s, "al")
        for rec in s.scalars(select(Record).where(Record.dataset_id == ds.id)):
            if int(rec.external_id) % 2 == 0:
                mark_gold(s, settings_of(ds), rec, {"y": str(y[int(rec.external_id)])})
    from accord.assist.learned_order import prioritize_learned

    warm = prioritize_learned(engine, "al", "y", vector="tiny")
    assert warm.used == "balanced-margin" and warm.answered == 20 and warm.prioritized == 20
    with session_scope(engine) as s:
        pr = priorities_of(s, dataset_id)
    odd = {i: pr[ids[str(i)]] for i in range(1, 40, 2)}
    assert all(0.0 <= p <= 1.0 for p in odd.values())
    top = max(odd, key=odd.get)
    assert abs(x[top, 0]) < np.median(np.abs(x[list(odd), 0]))  # near the boundary
    with pytest.raises(InputError, match="run 'accord assist embed' first") as err:
        prioritize_learned(engine, "al", "y")  # no all-MiniLM-L6-v2 vectors
    assert err.value.field == "--vector"  # the option to change (it said --strategy)
    engine.dispose()
