"""The small datasets that the docs' examples are written against.

``python -m tests.docs.seed URL ADMIN_TOKEN [DATASET ...]`` creates, through
the REST API, the annotators ann1, ann2, ann3 and the datasets named (default
all of them), answered by the three:

- ``hh``: a prompt and two candidate answers with a pairwise question; on
  ``r1`` ("Name a prime.", A "7", B "8") ann1 prefers A with strength 2, ann2
  and ann3 with strength 1 (margin (2 + 1 + 1) / 3 = 1.33);
- ``qa``: a prompt and a response with a text question ``rewrite`` (the SFT
  completion); each annotator rewrites ``r1``'s response to "7";
- ``intents``: a prompt with a label question ``intent`` (billing, bug,
  other); ann1 and ann2 agree, ann3 says "bug" on every third record.

Each has ten records (so that a 90/10 split has something on each side).
"""

from __future__ import annotations

import sys
from typing import Any

from accord import Client

PRIMES = [("r1", "Name a prime.", "7", "8")] + [
    (f"r{i}", f"Name a number above {i}.", str(i + 1), str(i - 1)) for i in range(2, 11)]
ANNOTATORS = ["ann1", "ann2", "ann3"]
TEXT = {"type": "text"}

SETTINGS: dict[str, dict[str, Any]] = {
    "hh": {"fields": [{"name": "prompt", **TEXT}, {"name": "response_a", **TEXT},
                      {"name": "response_b", **TEXT}],
           "questions": [{"name": "preference", "type": "pairwise",
                          "fields": ["response_a", "response_b"], "allow_tie": True}],
           "distribution": {"overlap": 3}},
    "qa": {"fields": [{"name": "prompt", **TEXT}, {"name": "response", **TEXT}],
           "questions": [{"name": "rewrite", "type": "text", "field": "response"}],
           "distribution": {"overlap": 3}},
    "intents": {"fields": [{"name": "prompt", **TEXT}],
                "questions": [{"name": "intent", "type": "label",
                               "labels": ["billing", "bug", "other"]}],
                "distribution": {"overlap": 3}},
}


def _records(dataset: str) -> list[dict[str, Any]]:
    if dataset == "hh":
        return [{"id": i, "prompt": p, "response_a": a, "response_b": b} for i, p, a, b in PRIMES]
    if dataset == "qa":
        return [{"id": i, "prompt": p, "response": b} for i, p, a, b in PRIMES]
    return [{"id": i, "prompt": p} for i, p, a, b in PRIMES]


def _answer(dataset: str, annotator: str, external_id: str, fields: dict[str, Any]) -> dict:
    if dataset == "hh":
        return {"preference": {"choice": "a", "strength": 2 if annotator == "ann1" else 1}}
    if dataset == "qa":
        return {"rewrite": "7" if external_id == "r1" else fields["response"]}
    third = int(external_id[1:]) % 3 == 0
    return {"intent": "bug" if annotator == "ann3" and third else ["billing", "other"][third]}


def seed(url: str, admin_token: str, datasets: list[str]) -> None:
    tokens = {}
    with Client(url, token=admin_token) as admin:
        for name in ANNOTATORS:
            admin.create_user(name, "annotator", None)
            tokens[name] = admin.create_token(name, "docs")
        for dataset in datasets:
            admin.create_dataset(dataset, SETTINGS[dataset])
            admin.import_records(dataset, _records(dataset))
            for name in ANNOTATORS:
                admin.add_member(dataset, name)
    for name in ANNOTATORS:
        with Client(url, token=tokens[name]) as me:
            for dataset in datasets:
                while (rec := me.next_record(dataset)) is not None:
                    me.submit(dataset, rec.id, _answer(dataset, name, rec.external_id,
                                                       rec.fields))


if __name__ == "__main__":
    seed(sys.argv[1], sys.argv[2], sys.argv[3:] or list(SETTINGS))
