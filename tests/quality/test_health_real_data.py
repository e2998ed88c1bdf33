"""The report on real data with synthetic slices: SST-2 dev (one gold label per sentence,
a lexicon pre-labeller as the suggestion) and crowd/dog (10 crowd labels per image)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter

import pytest
from scipy.stats import chi2_contingency
from sqlalchemy import select

from accord.quality.agreement import krippendorff_alpha
from accord.quality.health import render_markdown
from accord.schema import parse_settings
from accord.store import make_engine, upgrade
from accord.store.datasets import create_dataset
from accord.store.engine import session_scope, write_scope
from accord.store.imported_responses import (
    ImportedSuggestion,
    ensure_users,
    insert_submitted_fast,
    write_suggestions,
)
from accord.store.models import Record, User, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import set_user_attributes
from accord.workflow.report import dataset_report

POSITIVE = {"good", "great", "best", "fun", "love", "beautiful", "funny", "enjoyable", "fine",
            "wonderful", "entertaining", "moving", "charming", "well"}


def _bucket(key: str) -> str:
    return f"h{int(hashlib.sha256(key.encode()).hexdigest(), 16) % 3}"


def _majority(values):
    votes = Counter(values).most_common()
    return None if len(votes) > 1 and votes[0][1] == votes[1][1] else votes[0][0]


def _lexicon(text: str) -> str:
    return "1" if POSITIVE & set(text.split()) else "0"


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'real.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


def _ids(s, dataset_id):
    return s.scalars(select(Record.id).where(Record.dataset_id == dataset_id)
                     .order_by(Record.id)).all()


def test_sst2_report(engine, shared_data):
    rows = [json.loads(line) for line in (shared_data / "sst2" / "dev.jsonl").read_text()
            .splitlines()]
    stamp = utcnow()
    with write_scope(engine) as s:
        ds = create_dataset(s, "sst2", parse_settings({
            "fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "label", "type": "label",
                           "labels": {"0": "negative", "1": "positive"}}]}))
        upsert_records(s, ds.id, [RecordRow(str(r["idx"]), {"text": r["text"]}, {
            "parity": "even" if r["idx"] % 2 == 0 else "odd",
            "length": "short" if len(r["text"].split()) < 15 else "long"}) for r in rows],
            stamp=stamp)
        gold = ensure_users(s, ["sst2-gold"])["sst2-gold"]
        ids = _ids(s, ds.id)
        insert_submitted_fast(s, ds.id, [(rid, gold, {"label": str(r["label"])}, 0.0)
                                         for rid, r in zip(ids, rows)], stamp=stamp)
        write_suggestions(s, [ImportedSuggestion(rid, "label", _lexicon(r["text"]), None,
                                                 "lexicon") for rid, r in zip(ids, rows)],
                          stamp=stamp)
    with session_scope(engine) as s:
        report = dataset_report(s, "sst2", slices=["parity", "length"])
    part = report["questions"][0]["parts"][0]
    assert report["records"] == 872 and part["values"] == ["0", "1"]
    assert part["distribution"]["answers"] == [428, 444]  # SOURCE.md
    assert part["agreement"] == {"alpha": None, "records": 0, "answers": 872}
    table = [[sum(1 for r in rows if (len(r["text"].split()) < 15) == short and r["label"] == v)
              for v in (0, 1)] for short in (False, True)]  # long, short (sorted)
    ref = chi2_contingency(table, correction=False)
    assert part["slices"]["length"]["chi_square"]["chi2"] == pytest.approx(ref.statistic)
    sugg = part["suggestions"]["overall"]
    assert sugg["answer_match"] == pytest.approx(
        sum(_lexicon(r["text"]) == str(r["label"]) for r in rows) / 872)
    text = render_markdown(report)
    assert "# Dataset health: **sst2**" in text and "## Question **label** (label)" in text
    assert "| 0 | 428 | 49.1 % | 428 | 49.1 % |" in text
    assert "Krippendorff's alpha: – over 0 records" in text
    assert "Suggestions (**lexicon**) vs annotators" in text


def test_dog_report(engine, shared_data):
    folder = shared_data / "crowd" / "dog"
    labels = list(csv.DictReader((folder / "labels.csv").read_text().splitlines()))
    items = sorted({int(r["item"]) for r in labels})
    stamp = utcnow()
    with write_scope(engine) as s:
        ds = create_dataset(s, "dog", parse_settings({
            "fields": [{"name": "image", "type": "text"}],
            "questions": [{"name": "breed", "type": "label", "labels": ["0", "1", "2", "3"]}]}))
        upsert_records(s, ds.id, [RecordRow(str(i), {"image": f"dog {i}"}, {
            "parity": "even" if i % 2 == 0 else "odd", "bucket": _bucket(str(i))})
            for i in items], stamp=stamp)
        users = ensure_users(s, sorted({r["annotator"] for r in labels}))
        for name, uid in users.items():
            set_user_attributes(s, s.get(User, uid), {"cohort": "A" if int(name) % 2 else "B"})
        rid = dict(zip(items, _ids(s, ds.id)))
        insert_submitted_fast(s, ds.id, [(rid[int(r["item"])], users[r["annotator"]],
                                          {"breed": r["label"]}, 0.0) for r in labels],
                              stamp=stamp)
    with session_scope(engine) as s:
        report = dataset_report(s, "dog", slices=["parity", "bucket"])
    assert (report["records"], report["responses"], report["annotators"]) == (807, 8070, 109)
    part = report["questions"][0]["parts"][0]
    assert part["distribution"]["answers"] == [sum(r["label"] == v for r in labels)
                                               for v in "0123"]
    assert part["distribution"]["ties"] == 50  # SOURCE.md: items whose majority vote ties
    long = [{"item": r["item"], "annotator": r["annotator"], "label": r["label"]} for r in labels]
    assert part["agreement"]["alpha"] == pytest.approx(krippendorff_alpha(long, "nominal"))
    for row in part["slices"]["parity"]["rows"]:
        want = 0 if row["value"] == "even" else 1
        subset = [d for d in long if int(d["item"]) % 2 == want]
        assert row["alpha"] == pytest.approx(krippendorff_alpha(subset, "nominal"))
    votes: dict[int, list[str]] = {}
    for r in labels:
        votes.setdefault(int(r["item"]), []).append(r["label"])
    majority = {i: _majority(v) for i, v in votes.items()}
    table = [[sum(1 for i, m in majority.items() if m == v and _bucket(str(i)) == b)
              for v in "0123"] for b in ("h0", "h1", "h2")]
    ref = chi2_contingency(table, correction=False)
    chi = part["slices"]["bucket"]["chi_square"]
    assert chi["chi2"] == pytest.approx(ref.statistic) and chi["p_value"] == pytest.approx(
        ref.pvalue
    )
    cohort = part["groups"]["cohort"]
    assert sorted(g["value"] for g in cohort["groups"]) == ["A", "B"]
    assert sum(g["answers"] for g in cohort["groups"]) == 8070
    text = render_markdown(report)
    for heading in (
        "## Coverage",
        "By slice **parity**",
        "By slice **bucket**",
        "Annotator groups by **cohort**",
        "Agreement between groups on the same records",
    ):
        assert heading in text
    assert f"Krippendorff's alpha: {part['agreement']['alpha']:.3f} over 807 records" in text
