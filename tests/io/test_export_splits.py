"""Splits: duplicates never straddle two splits, labels keep their shares, seeds reproduce."""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict

import pytest
import yaml

from tests.io.export_data import export, pairwise_dataset, read_jsonl, setup, submit

LABELS = {"fields": [{"name": "text", "type": "text"}],
          "questions": [{"name": "y", "type": "label", "labels": ["pos", "neg"]}]}
VARIANTS = ["{}", "  {}  ", "{}".upper(), "{}"]


def _norm(text):
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _labelled(engine, n_prompts=24, copies=3):
    rows, answers = [], []
    for p in range(n_prompts):
        base = f"ﬁle number {p} is here"  # the ligature folds to "fi" under NFKC
        for c in range(copies):
            text = (base.upper() if c == 1 else base.replace(" ", "  ") if c == 2 else base)
            rows.append({"id": f"{p}-{c}", "text": text})
            answers.append((f"{p}-{c}", "pos" if p < 16 else "neg"))
    setup(engine, "lab", LABELS, rows)
    for ext, label in answers:
        submit(engine, "lab", ext, "u1", {"y": label})


def _splits(tmp_path, stem):
    return {name: read_jsonl(tmp_path / f"{stem}.{name}.jsonl") for name in ("train", "test")}


def test_grouped_stratified_reproducible(engine, tmp_path):
    _labelled(engine)
    export(engine, "lab", tmp_path / "a.jsonl", "jsonl", question="y",
           split={"train": 0.75, "test": 0.25}, seed=7)
    parts = _splits(tmp_path, "a")
    groups = {name: {_norm(r["fields"]["text"]) for r in rows} for name, rows in parts.items()}
    assert groups["train"].isdisjoint(groups["test"])
    assert len(groups["train"] | groups["test"]) == 24
    by_label = {name: Counter(r["responses"][0]["values"]["y"] for r in rows)
                for name, rows in parts.items()}
    # 16 pos prompts x 3 and 8 neg prompts x 3: each split within one group of its share
    assert by_label["train"]["pos"] == pytest.approx(36, abs=3)
    assert by_label["train"]["neg"] == pytest.approx(18, abs=3)
    assert by_label["test"]["neg"] >= 3
    export(engine, "lab", tmp_path / "b.jsonl", "jsonl", question="y",
           split={"train": 0.75, "test": 0.25}, seed=7)
    assert _splits(tmp_path, "b") == parts
    export(engine, "lab", tmp_path / "c.jsonl", "jsonl", question="y",
           split={"train": 0.75, "test": 0.25}, seed=8)
    assert _splits(tmp_path, "c") != parts


def test_near_duplicates_stay_together(engine, tmp_path):
    rows = []
    for p in range(12):
        words = " ".join(f"w{p}x{k}" for k in range(12))
        rows += [{"id": f"{p}a", "prompt": words, "response_a": "x", "response_b": "y"},
                 {"id": f"{p}b", "prompt": words + " extra", "response_a": "x",
                  "response_b": "y"}]
    from tests.io.export_data import PAIRWISE

    setup(engine, "nd", PAIRWISE, rows)
    for r in rows:
        submit(engine, "nd", r["id"], "u1", {"preference": {"choice": "a"}})
    export(engine, "nd", tmp_path / "n.jsonl", "dpo", split={"train": 0.5, "test": 0.5},
           near_dup=0.7, seed=3)
    where = defaultdict(set)
    for name in ("train", "test"):
        for row in read_jsonl(tmp_path / f"n.{name}.jsonl"):
            where[row["prompt"].split(" ")[0]].add(name)
    assert len(where) == 12 and all(len(v) == 1 for v in where.values())
    counts = Counter(next(iter(v)) for v in where.values())
    assert counts == {"train": 6, "test": 6}


def test_hub_layout_and_dataset_card(engine, tmp_path):
    pairwise_dataset(engine, n=10)
    summary = export(engine, "pw", tmp_path / "hub", "dpo", split={"train": 0.8, "test": 0.2},
                     license="cc-by-4.0", command="accord export pw --format dpo -o hub")
    assert summary.card == tmp_path / "hub" / "README.md"
    text = (tmp_path / "hub" / "README.md").read_text()
    header = yaml.safe_load(text.split("---\n")[1])
    assert header["license"] == "cc-by-4.0"
    assert header["task_categories"] == ["text-generation"]
    assert header["size_categories"] == ["n<1K"]
    assert [f["name"] for f in header["dataset_info"]["features"]] == [
        "prompt", "chosen", "rejected", "margin"]
    assert {s["name"]: s["num_examples"] for s in header["dataset_info"]["splits"]} == \
        summary.rows and sum(summary.rows.values()) == 10
    assert header["configs"][0]["data_files"] == [
        {"split": "train", "path": "data/train-*"}, {"split": "test", "path": "data/test-*"}]
    assert "Annotators with submitted responses: 3" in text
    assert "Source files: t.jsonl (metadata.source)" in text
    # preference: even records a, a, b; odd b, b, b -> alpha over 10 records
    line = next(ln for ln in text.splitlines() if ln.startswith("| preference |"))
    assert "Krippendorff's alpha (nominal)" in line and "| pool |" in line  # the default
    # coincidences o_aa=5, o_ab=o_ba=5, o_bb=15: alpha = 1 - (10/30) / (2*10*20/(30*29)) = 0.275
    assert float(line.split("|")[4]) == pytest.approx(0.275, abs=1e-4)
    assert "accord export pw --format dpo -o hub" in text
    assert (tmp_path / "hub" / "data" / "train-00000-of-00001.parquet").is_file()

