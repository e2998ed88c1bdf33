"""Labelling functions and the label model (accord.assist.lf, accord.quality.aggregation)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from accord.assist.lf import RecordView, apply_rules, label_dataset, load_rules
from accord.assist.lf.apply import fit_label_model
from accord.errors import InputError
from accord.quality.aggregation import LabelModel, MajorityVote
from accord.store import session_scope, write_scope
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Record, Suggestion
from accord.workflow.gold import mark_gold
from tests.assist.conftest import make_dataset
from tests.conftest import run_cli

HERE = Path(__file__).parent
SST2 = HERE.parent / "data" / "sst2" / "dev.jsonl"
RULES = HERE / "sst2_rules.yaml"
SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["neg", "pos"]}]}


def _sst2(n: int | None = None) -> list[dict]:
    rows = [json.loads(line) for line in SST2.read_text().splitlines()]
    return rows[:n] if n else rows


def _sst2_votes():
    rows = _sst2()
    rules = load_rules(RULES, labels=["neg", "pos"], text_fields=["text"])
    views = [(r["idx"], RecordView(str(r["idx"]), {"text": r["text"]}, {})) for r in rows]
    gold = {r["idx"]: "pos" if r["label"] else "neg" for r in rows}
    return apply_rules(views, rules), gold


def test_label_model_beats_majority_vote_on_sst2():
    votes, gold = _sst2_votes()
    voted = sorted({key for key, _, _ in votes})
    model = LabelModel().fit(votes, labels=["neg", "pos"])
    labels = model.predict().as_dict()
    assert sorted(labels) == voted  # every record some rule voted on gets a label
    lm = np.mean([labels[i] == gold[i] for i in voted])
    mv = np.mean([np.mean([lab == gold[i] for i, lab in MajorityVote(tie="random", seed=seed)
                           .fit(votes, labels=["neg", "pos"]).predict().as_dict().items()])
                  for seed in range(20)])
    assert len(voted) == 366 and lm == pytest.approx(0.7678, abs=1e-4)
    assert lm > mv + 0.003, (lm, mv)  # mean of 20 random tie breaks: 0.7628
    # the learned accuracies rank the rules: the most accurate half above the least accurate
    assert np.all(model.confidence_ >= 0.5) and np.all(model.confidence_ <= 1.0)


def test_plain_dawid_skene_fails_where_the_label_model_does_not():
    from accord.quality.aggregation import DawidSkene

    votes, gold = _sst2_votes()
    ds = DawidSkene().fit(votes, labels=["neg", "pos"]).predict().as_dict()
    assert np.mean([ds[i] == gold[i] for i in ds]) < 0.6  # keyword rules look uninformative


_vote_rows = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 5), st.sampled_from("abc")),
                      min_size=1, max_size=60)


@settings(max_examples=40, deadline=None)
@given(_vote_rows, st.randoms(use_true_random=False))
def test_permuting_rules_changes_nothing(rows, rnd):
    names = [f"r{j}" for j in range(6)]
    perm = names[:]
    rnd.shuffle(perm)
    a = LabelModel().fit([(i, names[j], lab) for i, j, lab in rows], labels="abc")
    b = LabelModel().fit([(i, perm[j], lab) for i, j, lab in reversed(rows)], labels="abc")
    pa, pb = a.predict_proba().as_dict(), b.predict_proba().as_dict()
    assert pa.keys() == pb.keys()
    for item in pa:
        assert pa[item] == pytest.approx(pb[item], abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(_vote_rows)
def test_a_copied_rule_adds_no_weight(rows):
    votes = [(i, f"r{j}", lab) for i, j, lab in rows]
    copied = votes + [(i, "copy", lab) for i, name, lab in votes if name == "r0"]
    a = LabelModel().fit(votes, labels="abc").predict_proba().as_dict()
    b = LabelModel().fit(copied, labels="abc").predict_proba().as_dict()
    for item in a:
        assert a[item] == pytest.approx(b[item], abs=1e-12)


def test_all_abstain_gives_no_suggestion(engine, tmp_path):
    make_dataset(engine, "d", SETTINGS, [{"id": i, "text": "plain words"} for i in range(3)])
    rules = tmp_path / "r.yaml"
    rules.write_text("rules:\n  - {name: great, label: pos, keywords: [great]}\n")
    run = label_dataset(engine, "d", "y", rules)
    assert run.written == 0 and run.report.model.coverage == 0.0
    assert fit_label_model([], ["neg", "pos"]) is None


@pytest.mark.parametrize(("body", "where", "line", "says"), [
    ("rules:\n  - {name: x, label: pos, regex: 'a(b'}\n", "rules[0] (x).regex", 2,
     "missing ), unterminated subpattern at position 1"),
    ("rules:\n  - {name: x, label: pos}\n", "rules[0] (x)", 2, "expected exactly one of regex"),
    ("rules:\n  - {name: x, label: maybe, keywords: [a]}\n", "rules[0] (x).label", 2,
     "expected one of the question's labels ['neg', 'pos'], got 'maybe'"),
    ("rules:\n  - {name: x, label: pos, keywords: [a], colour: red}\n", "rules[0] (x).colour",
     2, "unknown key"),
    ("rules:\n  - {name: x, label: pos, keywords: []}\n", "rules[0] (x).keywords", 2,
     "expected a non-empty list of words"),
    ("rules:\n  - {name: x, label: pos, metadata: {stars: {over: 3}}}\n",
     "rules[0] (x).metadata.stars", 2, "unknown operator 'over'"),
    ("rules:\n  - {name: x, label: pos, keywords: [a], field: body}\n", "rules[0] (x).field", 2,
     "expected one of the dataset's fields ['text']"),
    ("rules:\n  - {name: x, label: pos, keywords: [a]}\n  - {name: x, label: neg, regex: b}\n",
     "rules[1] (x).name", 3, "two rules are named 'x'"),
    ("items: []\n", "rules", 1, "expected a mapping with a 'rules:' list"),
    # block style: the line of the key itself, and of the rule for a check made after loading
    ("# sentiment rules\nrules:\n  - name: ok\n    label: pos\n    keywords: [fine]\n"
     "  - name: x\n    label: pos\n    metadata:\n      lang: en\n      stars:\n"
     "        over: 3\n", "rules[1] (x).metadata.stars", 11, "unknown operator 'over'"),
    ("rules:\n  - name: ok\n    label: pos\n    keywords: [fine]\n  - name: x\n"
     "    label: maybe\n    regex: b\n", "rules[1] (x).label", 5, "got 'maybe'"),
    ("rules:\n  - {name: x, label: pos, keywords: [a]\n", None, 3, "not valid YAML/JSON"),
])
def test_bad_rules_name_the_file_line_rule_and_key(tmp_path, body, where, line, says):
    path = tmp_path / "rules.yaml"
    path.write_text(body)
    with pytest.raises(InputError) as err:
        load_rules(path, labels=["neg", "pos"], fields=["text"])
    assert err.value.path == str(path) and err.value.field == where
    assert err.value.line == line and str(err.value).startswith(f"{path}:{line}: ")
    assert says in err.value.message


def test_a_rules_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"rules:\n  - {name: ok, label: pos, keywords: [a]}\n"
                     b"  - {name: caf\xe9, label: pos, keywords: [b]}\n")
    with pytest.raises(InputError) as err:
        load_rules(path, labels=["neg", "pos"])
    assert str(err.value) == f"{path}:3: not valid UTF-8 at byte 63"


def test_a_python_rule_is_located_by_its_definition(tmp_path):
    path = tmp_path / "r.py"
    path.write_text("from accord.assist.lf import labeling_function\n\n\n"
                    "@labeling_function(label='maybe')\ndef odd(record):\n    return True\n")
    with pytest.raises(InputError) as err:
        load_rules(path, labels=["neg", "pos"])
    assert (err.value.line, err.value.field) == (4, "rules[0] (odd).label")


def test_rule_kinds_vote_as_written(tmp_path):
    yaml_rules = tmp_path / "r.yaml"
    yaml_rules.write_text(
        "rules:\n"
        "  - {name: kw, label: pos, keywords: [\"not bad\", great]}\n"
        "  - {name: rx, label: neg, regex: '(?i)^awful', field: title}\n"
        "  - {name: meta, label: pos, metadata: {stars: {gte: 4}, lang: en}}\n")
    py_rules = tmp_path / "r.py"
    py_rules.write_text(
        "from accord.assist.lf import labeling_function\n\n"
        "@labeling_function(label='neg')\n"
        "def short(record):\n"
        "    return len(record.fields['text']) < 12\n\n"
        "@labeling_function()\n"
        "def echo(record):\n"
        "    return record.metadata.get('hint')\n\n"
        "def helper(record):\n"
        "    return 'pos'\n")
    views = [("a", RecordView("a", {"title": "AWFUL", "text": "Not  bad"}, {"stars": 4})),
             ("b", RecordView("b", {"title": "ok", "text": "GREATEST awful"},
                              {"stars": 5, "lang": "en", "hint": "pos"})),
             ("c", RecordView("c", {"title": "Awful", "text": "a long enough text"},
                              {"stars": "5", "lang": "en"}))]
    votes = apply_rules(views, load_rules(yaml_rules, labels=["neg", "pos"]))
    assert votes == [("a", "kw", "pos"), ("a", "rx", "neg"), ("b", "meta", "pos"),
                     ("c", "rx", "neg")]
    rules = load_rules(py_rules, labels=["neg", "pos"])
    assert [r.name for r in rules] == ["short", "echo"]
    assert apply_rules(views, rules) == [("a", "short", "neg"), ("b", "echo", "pos")]
    bad = [("d", RecordView("d-1", {"text": "a long enough text"}, {"hint": "maybe"}))]
    with pytest.raises(InputError, match="rule 'echo' returned 'maybe' on record 'd-1'"):
        apply_rules(bad, rules, labels=["neg", "pos"])


def test_cli_writes_suggestions_and_report(db_url, tmp_path):
    from accord.store import make_engine
    from tests.dbs import migrated

    url = migrated(db_url)
    engine = make_engine(url)
    rows = _sst2(120)
    make_dataset(engine, "sst", SETTINGS, [{"id": r["idx"], "text": r["text"]} for r in rows])
    with write_scope(engine) as s:
        ds = get_dataset(s, "sst")
        recs = s.scalars(select(Record).where(Record.dataset_id == ds.id)).all()
        for rec in recs[:60]:
            mark_gold(s, settings_of(ds), rec,
                      {"y": "pos" if rows[int(rec.external_id)]["label"] else "neg"})
    # a report in a directory that does not exist stops the run before anything is written
    # (the suggestions were written, then the command failed with exit code 2)
    lost = run_cli("assist", "lf", "sst", "-q", "y", "--lfs", str(RULES), "--report",
                   str(tmp_path / "missing" / "lf.json"), env={"ACCORD_DB": url})
    assert lost.returncode == 2 and "does not exist" in lost.stderr
    with session_scope(engine) as s:
        assert s.execute(select(Suggestion.id)).first() is None
    report = tmp_path / "lf.json"
    done = run_cli("assist", "lf", "sst", "-q", "y", "--lfs", str(RULES), "--report", str(report),
                   env={"ACCORD_DB": url})
    assert done.returncode == 0, done.stderr
    assert "label model" in done.stdout and "majority vote" in done.stdout
    data = json.loads(report.read_text())
    assert data["against"] == "gold" and len(data["rules"]) == 12
    assert data["records_total"] == 120 and data["label_model"]["n_ref"] > 0
    with session_scope(engine) as s:
        sugg = s.execute(select(Suggestion.record_id, Suggestion.value, Suggestion.score,
                                Suggestion.agent, Suggestion.meta)).all()
    assert len(sugg) == data["label_model"]["labelled"] > 30
    assert {a for _, _, _, a, _ in sugg} == {"label-model"}
    for _, value, score, _, meta in sugg:
        assert 0.5 <= score <= 1.0 and meta["distribution"][value] == pytest.approx(score, 1e-5)
    # a rerun with fewer rules replaces the agent's suggestions, none left behind
    fewer = tmp_path / "few.yaml"
    fewer.write_text("rules:\n  - {name: bad, label: neg, keywords: [bad]}\n")
    again = label_dataset(engine, "sst", "y", fewer)
    with session_scope(engine) as s:
        n = len(s.execute(select(Suggestion.id)).all())
    assert n == again.written == again.report.rules[0].votes > 0
    engine.dispose()



def test_a_python_rule_without_a_label_shows_that_it_returns_one():
    """``@labeling_function()`` returns its label per record: the table said 'None'."""
    from accord.assist.lf.report import LFReport, RuleStats, rows

    report = LFReport(10, "gold", [RuleStats("by_length", None, "python", 2, 0.2, 0.0, 0.0,
                                              None, 0, 0.7),
                                   RuleStats("bad", "neg", "keywords", 1, 0.1, 0.0, 0.0,
                                             None, 0, 0.7)])
    _, body = rows(report)
    assert [r[1] for r in body[:2]] == ["(returned)", "neg"]
