"""TRL formats, loaded by their real consumer (Hugging Face ``datasets``), with TRL's columns."""

from __future__ import annotations

import pytest

from tests.io.export_data import export, pairwise_dataset, read_jsonl, review, setup, submit

datasets = pytest.importorskip("datasets")

# The columns TRL documents for each trainer's dataset type (TRL "Dataset formats"):
TRL_COLUMNS = {
    "sft-messages": {"messages"},                             # language modeling, conversational
    "sft-prompt-completion": {"prompt", "completion"},        # prompt-completion
    "dpo": {"prompt", "chosen", "rejected"},                  # preference, explicit prompt
    "kto": {"prompt", "completion", "label"},                 # unpaired preference
    "reward": {"chosen", "rejected"},                         # preference, implicit prompt
}
MESSAGES = datasets.List({"role": datasets.Value("string"), "content": datasets.Value("string")})


@pytest.fixture(autouse=True)
def _quiet():
    datasets.disable_progress_bars()
    yield
    datasets.enable_progress_bars()


def _load(path, tmp_path, kind="json"):
    return datasets.load_dataset(kind, data_files=str(path), split="train",
                                 cache_dir=str(tmp_path / "hf-cache"))


def test_dpo_from_pairwise_majority_and_margin(engine, tmp_path):
    pairwise_dataset(engine, n=6)
    summary = export(engine, "pw", tmp_path / "dpo.jsonl", "dpo")
    ds = _load(tmp_path / "dpo.jsonl", tmp_path)
    assert set(ds.column_names) == TRL_COLUMNS["dpo"] | {"margin"}
    assert ds.features["prompt"] == datasets.Value("string")
    assert ds.features["margin"] == datasets.Value("float64")
    rows = {r["prompt"]: r for r in ds}
    assert len(rows) == 6 and summary.rows_written == 6
    even, odd = rows["Question 0?"], rows["Question 1?"]
    assert (even["chosen"], even["rejected"]) == ("good answer 0", "bad answer 0")
    assert (odd["chosen"], odd["rejected"]) == ("bad answer 1", "good answer 1")
    # margin = mean signed strength toward the winner: (3 + 2 - 1) / 3 and (3 + 2 + 1) / 3
    assert even["margin"] == pytest.approx(4 / 3)
    assert odd["margin"] == pytest.approx(2.0)
    export(engine, "pw", tmp_path / "nomargin.jsonl", "dpo", margin=False)
    assert set(read_jsonl(tmp_path / "nomargin.jsonl")[0]) == TRL_COLUMNS["dpo"]


RANKING = {
    "fields": [{"name": "prompt", "type": "text"}, {"name": "candidates", "type": "json"}],
    "questions": [{"name": "order", "type": "ranking", "field": "candidates"}],
}


def test_dpo_from_rankings_best_worst_and_all_pairs(engine, tmp_path):
    cands = [{"id": "c1", "text": "one"}, {"id": "c2", "text": "two"},
             {"id": "c3", "text": "three"}]
    setup(engine, "rk", RANKING, [{"id": "p", "prompt": "Count", "candidates": cands}])
    for user, order in (("u1", ["c2", "c1", "c3"]), ("u2", ["c2", "c3", "c1"]),
                        ("u3", ["c2", "c1", "c3"])):
        submit(engine, "rk", "p", user, {"order": order})
    export(engine, "rk", tmp_path / "bw.jsonl", "dpo")
    (row,) = read_jsonl(tmp_path / "bw.jsonl")
    assert (row["chosen"], row["rejected"]) == ("two", "three")
    assert row["margin"] > 0
    export(engine, "rk", tmp_path / "all.jsonl", "dpo", pairs="all")
    rows = read_jsonl(tmp_path / "all.jsonl")
    assert [(r["chosen"], r["rejected"]) for r in rows] == [
        ("two", "one"), ("two", "three"), ("one", "three")]
    assert all(r["margin"] > 0 for r in rows)
    assert rows[1]["margin"] == pytest.approx(rows[0]["margin"] + rows[2]["margin"])
    export(engine, "rk", tmp_path / "borda.jsonl", "dpo", aggregate="borda")
    (row,) = read_jsonl(tmp_path / "borda.jsonl")
    assert row["margin"] == pytest.approx(-1 - -8 / 3)  # mean ranks 1 and 8/3


def test_kto_from_ratings_threshold(engine, tmp_path):
    pairwise_dataset(engine, n=4)
    export(engine, "pw", tmp_path / "kto.jsonl", "kto", question="quality", kto_threshold=4,
           completion_field="response_a")
    ds = _load(tmp_path / "kto.jsonl", tmp_path)
    assert set(ds.column_names) == TRL_COLUMNS["kto"]
    assert ds.features["label"] == datasets.Value("bool")
    labels = {r["prompt"]: r["label"] for r in ds}
    # even records: ratings 5, 5, 2 -> mean 4 >= 4; odd: 2, 2, 2
    assert labels == {"Question 0?": True, "Question 1?": False, "Question 2?": True,
                      "Question 3?": False}


def test_kto_from_pairwise_gives_both_sides(engine, tmp_path):
    pairwise_dataset(engine, n=2)
    export(engine, "pw", tmp_path / "kto.jsonl", "kto", question="preference")
    rows = read_jsonl(tmp_path / "kto.jsonl")
    assert [(r["completion"], r["label"]) for r in rows] == [
        ("good answer 0", True), ("bad answer 0", False),
        ("bad answer 1", True), ("good answer 1", False)]


def test_reward_implicit_prompt(engine, tmp_path):
    pairwise_dataset(engine, n=2)
    export(engine, "pw", tmp_path / "reward.parquet", "reward")
    ds = _load(tmp_path / "reward.parquet", tmp_path, "parquet")
    assert set(ds.column_names) == TRL_COLUMNS["reward"] | {"margin"}
    assert ds[0]["chosen"] == "Question 0?good answer 0"  # TRL concatenates as is


def test_sft_from_text_answers_one_all_and_fix(engine, tmp_path):
    pairwise_dataset(engine, n=2)
    export(engine, "pw", tmp_path / "one.jsonl", "sft-prompt-completion")
    ds = _load(tmp_path / "one.jsonl", tmp_path)
    assert set(ds.column_names) == TRL_COLUMNS["sft-prompt-completion"]
    assert [r["completion"] for r in ds] == ["u1 rewrote 0", "u1 rewrote 1"]
    export(engine, "pw", tmp_path / "all.jsonl", "sft-prompt-completion", texts="all")
    assert len(read_jsonl(tmp_path / "all.jsonl")) == 6
    # a reviewer's fix wins over the first answer; a rejected answer never counts
    with_ids = _response_ids(engine)
    review(engine, "pw", with_ids[("r0", "u2")], "fix",
           values={"preference": {"choice": "a"}, "quality": 5, "rewrite": "fixed by reviewer"})
    review(engine, "pw", with_ids[("r1", "u1")], "reject", reason="off topic")
    export(engine, "pw", tmp_path / "fixed.jsonl", "sft-prompt-completion")
    assert [r["completion"] for r in read_jsonl(tmp_path / "fixed.jsonl")] == [
        "fixed by reviewer", "u2 rewrote 1"]
    export(engine, "pw", tmp_path / "reviewed.jsonl", "sft-prompt-completion",
           status="reviewed")
    assert [r["completion"] for r in read_jsonl(tmp_path / "reviewed.jsonl")] == [
        "fixed by reviewer"]


def _response_ids(engine):
    from sqlalchemy import select

    from accord.store import session_scope
    from accord.store.models import Record, Response, User

    with session_scope(engine) as s:
        rows = s.execute(select(Record.external_id, User.name, Response.id)
                         .join(Response, Response.record_id == Record.id)
                         .join(User, User.id == Response.user_id))
        return {(ext, user): rid for ext, user, rid in rows}


CHAT = {
    "fields": [{"name": "conversation", "type": "chat"}],
    "questions": [{"name": "ok", "type": "label", "labels": ["yes", "no"]}],
}


def test_sft_messages_from_chat_keeps_system_prompt(engine, tmp_path):
    convo = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
             {"role": "assistant", "content": "4", "weight": 1}]
    setup(engine, "chat", CHAT, [{"id": "c1", "conversation": convo},
                                 {"id": "c2", "conversation": convo[:2]}])
    export(engine, "chat", tmp_path / "m.jsonl", "sft-messages")
    ds = _load(tmp_path / "m.jsonl", tmp_path)
    assert set(ds.column_names) == TRL_COLUMNS["sft-messages"]
    assert ds.features["messages"] == MESSAGES
    assert len(ds) == 1  # c2 has no assistant answer
    assert [m["role"] for m in ds[0]["messages"]] == ["system", "user", "assistant"]
    export(engine, "chat", tmp_path / "pc.jsonl", "sft-prompt-completion")
    (row,) = read_jsonl(tmp_path / "pc.jsonl")
    assert row["prompt"][0] == {"role": "system", "content": "Be brief."}
    assert row["completion"] == [{"role": "assistant", "content": "4"}]


def test_system_prompt_makes_text_prompts_conversational(engine, tmp_path):
    pairwise_dataset(engine, n=1)
    export(engine, "pw", tmp_path / "d.jsonl", "dpo", system_prompt="You are kind.")
    ds = _load(tmp_path / "d.jsonl", tmp_path)
    assert ds.features["prompt"] == MESSAGES and ds.features["chosen"] == MESSAGES
    assert ds[0]["prompt"] == [{"role": "system", "content": "You are kind."},
                               {"role": "user", "content": "Question 0?"}]
    assert ds[0]["chosen"] == [{"role": "assistant", "content": "good answer 0"}]


def test_hf_disk_and_parquet_shards_reload_with_features(engine, tmp_path):
    pairwise_dataset(engine, n=5)
    export(engine, "pw", tmp_path / "disk", "dpo", to="disk")
    loaded = datasets.load_from_disk(str(tmp_path / "disk"))
    assert set(loaded.column_names) == TRL_COLUMNS["dpo"] | {"margin"}
    assert loaded.features["chosen"] == datasets.Value("string") and len(loaded) == 5
    export(engine, "pw", tmp_path / "hub", "sft-messages", shard_rows=2)
    shards = sorted(p.name for p in (tmp_path / "hub" / "data").iterdir())
    assert shards == ["train-00000-of-00003.parquet", "train-00001-of-00003.parquet",
                      "train-00002-of-00003.parquet"]
    hub = datasets.load_dataset("parquet", data_dir=str(tmp_path / "hub" / "data"),
                                split="train", cache_dir=str(tmp_path / "hf-cache"))
    assert hub.features["messages"] == MESSAGES and len(hub) == 5


def test_sft_fast_path_matches_the_general_path(engine, tmp_path):
    from tests.io.export_data import PAIRWISE

    setup(engine, "fp", PAIRWISE, [{"id": f"f{i}", "prompt": f"Q{i}", "response_a": "a",
                                    "response_b": "b"} for i in range(5)])
    submit(engine, "fp", "f0", "u1", {"rewrite": "   "})  # blank: the next answer counts
    submit(engine, "fp", "f0", "u2", {"rewrite": "second"})
    submit(engine, "fp", "f1", "u2", {"quality": 3})  # no text at all
    submit(engine, "fp", "f2", "u3", {"rewrite": "only"})
    submit(engine, "fp", "f3", "u1", {"rewrite": "draft"}, status="draft")
    for fmt in ("sft-prompt-completion", "sft-messages", "openai-chat"):
        fast = export(engine, "fp", tmp_path / f"{fmt}.fast.jsonl", fmt)
        slow = export(engine, "fp", tmp_path / f"{fmt}.slow.jsonl", fmt, min_responses=1)
        assert (tmp_path / f"{fmt}.fast.jsonl").read_text() == \
            (tmp_path / f"{fmt}.slow.jsonl").read_text()
        assert fast.rows_written == slow.rows_written == 2
    assert read_jsonl(tmp_path / "sft-prompt-completion.fast.jsonl") == [
        {"prompt": "Q0", "completion": "second"}, {"prompt": "Q2", "completion": "only"}]
