"""Regenerate accord/demo/data/*.jsonl from tests/data (run once by maintainers).

    python tools/make_demo_samples.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "tests" / "data"
OUT = ROOT / "accord" / "demo" / "data"


def _lines(name: str) -> list[str]:
    return (SHARED / name).read_text(encoding="utf-8").splitlines()


def _write(name: str, rows: list[dict]) -> None:
    with open(OUT / name, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _split_hh(transcript: str) -> tuple[list[dict], str]:
    parts = transcript.split("\n\nAssistant:")
    head, last = "\n\nAssistant:".join(parts[:-1]), parts[-1].strip()
    messages = []
    for chunk in head.split("\n\nHuman:")[1:]:
        human, _, assistant = chunk.partition("\n\nAssistant:")
        messages.append({"role": "user", "content": human.strip()})
        if assistant.strip():
            messages.append({"role": "assistant", "content": assistant.strip()})
    return messages, last


def main() -> None:
    rng = random.Random(7)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(x) for x in _lines("sft/dolly_open_qa_2000.jsonl")][:150]
    _write("sft.jsonl", [{"id": r["id"], "prompt": r["instruction"], "response": r["response"],
                          "category": r["category"]} for r in rows])
    pairs = []
    for i, line in enumerate(_lines("hh_rlhf/harmless_base_test.jsonl")):
        if len(pairs) == 100:
            break
        r = json.loads(line)
        conv, chosen = _split_hh(r["chosen"])
        conv2, rejected = _split_hh(r["rejected"])
        if conv != conv2 or not conv or chosen == rejected:
            continue
        flip = rng.random() < 0.5
        pairs.append({"id": f"hh-{i:04d}", "conversation": conv,
                      "response_a": rejected if flip else chosen,
                      "response_b": chosen if flip else rejected,
                      "original_chosen": "b" if flip else "a"})
    _write("preferences.jsonl", pairs)
    ner = []
    for line in _lines("ner_wnut17/test.jsonl")[:150]:
        r = json.loads(line)
        ner.append({"id": f"wnut17-{r['id']}", "text": " ".join(r["tokens"])})
    _write("ner.jsonl", ner)
    sst = [json.loads(x) for x in _lines("sst2/dev.jsonl")][:150]
    _write("sentiment.jsonl", [{"id": f"sst2-{r['idx']}", "text": r["text"],
                                "source_label": "positive" if r["label"] else "negative"}
                               for r in sst])
    chats = []
    for line in _lines("oasst/en_100_tree.jsonl")[:60]:
        r = json.loads(line)
        prompt = r["prompt"]
        replies = [m for m in prompt.get("replies", []) if m.get("text")]
        if len(replies) < 2:
            continue
        chats.append({"id": r["message_tree_id"],
                      "conversation": [{"role": "user", "content": prompt["text"]}],
                      "candidates": [{"id": f"c{j + 1}", "text": m["text"]}
                                     for j, m in enumerate(replies[:4])]})
    _write("chats.jsonl", chats)


if __name__ == "__main__":
    main()
