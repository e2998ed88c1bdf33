"""The small datasets that docs/export.md's examples are written against.

``python -m tests.docs.seed URL ADMIN_TOKEN`` creates, through the REST API:

- ``hh``: a prompt and two candidate answers with a pairwise question; on
  ``r1`` ("Name a prime.", A "7", B "8") ann1 prefers A with strength 2, ann2
  and ann3 with strength 1 (margin (2 + 1 + 1) / 3 = 1.33);
- ``qa``: a prompt and a response with a text question ``rewrite`` (the SFT
  completion); each annotator rewrites ``r1``'s response to "7".

- ``intents``: a prompt with a label question ``intent`` (billing, bug,
  other); ann1 and ann2 agree, ann3 says "bug" on every third record.

All have more records (so that a 90/10 split has something on each side).
"""

from __future__ import annotations

import sys

from accord import Client

PRIMES = [("r1", "Name a prime.", "7", "8")] + [
    (f"r{i}", f"Name a number above {i}.", str(i + 1), str(i - 1)) for i in range(2, 21)]
ANNOTATORS = ["ann1", "ann2", "ann3"]


def seed(url: str, admin_token: str) -> None:
    with Client(url, token=admin_token) as admin:
        tokens = {}
        for name in ANNOTATORS:
            admin.create_user(name, "annotator", None)
            tokens[name] = admin.create_token(name, "docs")
        admin.create_dataset("hh", {
            "fields": [{"name": "prompt", "type": "text"}, {"name": "response_a", "type": "text"},
                       {"name": "response_b", "type": "text"}],
            "questions": [{"name": "preference", "type": "pairwise",
                           "fields": ["response_a", "response_b"], "allow_tie": True}],
            "distribution": {"overlap": 3}})
        admin.create_dataset("qa", {
            "fields": [{"name": "prompt", "type": "text"}, {"name": "response", "type": "text"}],
            "questions": [{"name": "rewrite", "type": "text", "field": "response"}],
            "distribution": {"overlap": 3}})
        admin.create_dataset("intents", {
            "fields": [{"name": "prompt", "type": "text"}],
            "questions": [{"name": "intent", "type": "label",
                           "labels": ["billing", "bug", "other"]}],
            "distribution": {"overlap": 3}})
        admin.import_records("intents", [{"id": i, "prompt": p} for i, p, a, b in PRIMES])
        admin.import_records("hh", [{"id": i, "prompt": p, "response_a": a, "response_b": b}
                                    for i, p, a, b in PRIMES])
        admin.import_records("qa", [{"id": i, "prompt": p, "response": b}
                                    for i, p, a, b in PRIMES])
        for name in ANNOTATORS:
            admin.add_member("hh", name)
            admin.add_member("qa", name)
            admin.add_member("intents", name)
    for name in ANNOTATORS:
        with Client(url, token=tokens[name]) as me:
            while (rec := me.next_record("hh")) is not None:
                strength = 2 if name == "ann1" else 1
                me.submit("hh", rec.id, {"preference": {"choice": "a", "strength": strength}})
            while (rec := me.next_record("qa")) is not None:
                rewrite = {"r1": "7"}.get(rec.external_id, rec.fields["response"])
                me.submit("qa", rec.id, {"rewrite": rewrite})
            while (rec := me.next_record("intents")) is not None:
                third = int(rec.external_id[1:]) % 3 == 0
                label = "bug" if name == "ann3" and third else ["billing", "other"][third]
                me.submit("intents", rec.id, {"intent": label})


if __name__ == "__main__":
    seed(sys.argv[1], sys.argv[2])
