"""Near dedupe: recall and precision on planted duplicates, clusters, contamination."""

from __future__ import annotations

import numpy as np

from accord.prep.config import PrepConfig
from accord.prep.dedupe_near import cluster_near_duplicates, find_near_duplicates, match_against
from accord.prep.pipeline import run_prep
from accord.prep.synthetic import make_near_duplicate_corpus, score_pairs


def test_recall_and_precision_on_5000_generated_documents() -> None:
    corpus = make_near_duplicate_corpus(
        5000, doc_chars=500, dup_fraction=0.05, max_edit_fraction=0.10, seed=11
    )
    result = find_near_duplicates(corpus.texts)
    recall, precision = score_pairs(corpus.source_of, result.cluster_of, result.duplicate_of)
    assert recall >= 0.95, recall
    assert precision >= 0.95, precision


def test_pipeline_reports_clusters_with_the_first_occurrence_kept() -> None:
    corpus = make_near_duplicate_corpus(600, seed=5)
    records = [{"id": i, "text": t} for i, t in enumerate(corpus.texts)]
    res = run_prep(
        records,
        PrepConfig(dedupe_near=True, dedupe_exact=False, fix=False, workers=1, batch_size=128),
    )
    step = next(s for s in res.report["steps"] if s["name"] == "dedupe_near")
    assert step["clusters_total"] == len(step["clusters"]) > 0
    dropped = {r.index for r in res.rejects}
    for cluster in step["clusters"]:
        members = [m["index"] for m in cluster["members"]]
        assert cluster["representative"]["index"] == min(members)
        assert cluster["representative"]["index"] not in dropped
        assert set(members[1:]) <= dropped
    assert all(
        r.step == "dedupe_near" and "near duplicate of record" in r.reason for r in res.rejects
    )
    assert step["dropped"] == len(res.rejects)


def test_flag_mode_keeps_duplicates_and_marks_them() -> None:
    base = "the quick brown fox jumps over the lazy dog by the river bank on a sunny day"
    records = [
        {"text": base},
        {"text": base.replace("sunny", "rainy")},
        {"text": "unrelated words entirely"},
    ]
    res = run_prep(records, PrepConfig(dedupe_near=True, near_action="flag", workers=1))
    assert len(res.records) == 3 and not res.rejects
    mark = res.records[1]["_near_duplicate"]
    assert (
        mark["cluster"] == 0
        and mark["of"] == {"index": 0, "line": None}
        and 0.5 <= mark["similarity"] <= 1
    )
    assert res.report["flagged"] == 1


def test_against_flags_or_drops_records_that_copy_the_reference_set() -> None:
    corpus = make_near_duplicate_corpus(400, seed=2, dup_fraction=0.0)
    eval_set = [{"question": t} for t in corpus.texts[:20]]
    train = [{"text": t} for t in corpus.texts[100:300]]
    leaked = [5, 17, 150]
    for k in leaked:
        words = eval_set[k % 20]["question"].split()
        words[3] = "changed"
        train[k]["text"] = " ".join(words)
    flagged = run_prep(train, PrepConfig(workers=1), against=eval_set, against_source="eval.jsonl")
    marks = {i: r["_contamination"] for i, r in enumerate(flagged.records) if "_contamination" in r}
    assert sorted(marks) == leaked
    assert marks[5]["source"] == "eval.jsonl" and marks[5]["index"] == 5
    dropped = run_prep(
        train,
        PrepConfig(workers=1, against_action="drop"),
        against=eval_set,
        against_source="eval.jsonl",
    )
    assert [r.index for r in dropped.rejects] == leaked
    assert dropped.rejects[0].reason.startswith("near duplicate of eval.jsonl record 6")


def test_cluster_and_match_on_tiny_signatures() -> None:
    sig = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 3, 4], [7, 7, 7, 7]], dtype=np.uint32)
    res = cluster_near_duplicates(sig, threshold=0.7, bands=4, rows=1)
    assert res.duplicate_of.tolist() == [-1, 0, 0, -1]
    assert [c.members for c in res.clusters] == [(0, 1, 2)]
    match, sim = match_against(sig[:2], sig[3:], threshold=0.7, bands=4, rows=1)
    assert match.tolist() == [-1, -1] and sim.tolist() == [0.0, 0.0]
