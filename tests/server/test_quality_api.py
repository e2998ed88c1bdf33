from __future__ import annotations

import httpx

from accord import Client

SETTINGS = {"fields": [{"name": "text", "type": "text"}, {"name": "c", "type": "json"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True},
                          {"name": "stars", "type": "rating", "min": 1, "max": 5},
                          {"name": "order", "type": "ranking", "field": "c"}],
            "distribution": {"overlap": 3}}
CANDS = [{"id": "c1", "text": "x"}, {"id": "c2", "text": "y"}, {"id": "c3", "text": "z"}]


def test_consensus_is_stored_and_queue_ranks_disagreements(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("q", SETTINGS)
    admin.import_records("q", [{"id": f"r{i}", "text": f"t{i}", "c": CANDS} for i in range(6)])
    clients = []
    for name in ("a1", "a2", "a3"):
        token = live_server.make_user(name)
        admin.add_member("q", name)
        clients.append(Client(live_server.url, token))
    # r0..r5: a1 and a2 always say "a"; a3 says "b" on even records
    for idx, c in enumerate(clients):
        while (rec := c.next_record("q")) is not None:
            n = int(rec.external_id[1:])
            label = "b" if idx == 2 and n % 2 == 0 else "a"
            order = ["c1", "c2", "c3"] if idx < 2 else ["c2", "c1", "c3"]
            c.submit("q", rec.id, {"y": label, "stars": 3 + (idx == 2), "order": order})
    h = {"Authorization": f"Bearer {live_server.admin_token}"}
    res = httpx.post(f"{live_server.url}/api/v1/datasets/q/quality/aggregate", headers=h,
                     json={"method": "mv"}, timeout=120)
    assert res.status_code == 200, res.text
    assert res.json() == {"y": 6, "stars": 6, "order": 6}
    queue = httpx.get(f"{live_server.url}/api/v1/datasets/q/quality/disagreements",
                      headers=h, params={"question": "y", "max_confidence": 0.9},
                      timeout=120).json()
    assert sorted(q["external_id"] for q in queue) == ["r0", "r2", "r4"]
    assert all(q["value"] == "a" and abs(q["confidence"] - 2 / 3) < 1e-9 for q in queue)
    # a record's agreement: the share of its answers equal to its consensus (one definition)
    assert all(abs(q["agreement"] - 2 / 3) < 1e-9 for q in queue)
    report = httpx.get(f"{live_server.url}/api/v1/datasets/q/quality", headers=h,
                       timeout=120).json()
    assert report["agreement"]["y"]["level"] == "nominal"
    assert report["agreement"]["y"]["value"] < 1.0
    assert report["aggregates"]["order"]["records"] == 6
    # 6 answers each: under min_labels, so scored but not flagged
    assert all(a["spammer"] is None and "spammer_score" in a for a in report["annotators"])
    res = httpx.post(f"{live_server.url}/api/v1/datasets/q/quality/aggregate", headers=h, json={},
                     timeout=120)
    assert res.status_code == 200, res.text
    report = httpx.get(f"{live_server.url}/api/v1/datasets/q/quality", headers=h,
                       timeout=120).json()
    assert report["aggregates"]["y"]["method"] == "pool"  # DEFAULT_METHOD
    res = httpx.post(f"{live_server.url}/api/v1/datasets/q/quality/aggregate", headers=h,
                     json={"method": "nope"}, timeout=120)
    assert res.status_code == 422 and "expected one of mv, wmv, ds" in res.text
    order = [q for q in httpx.get(f"{live_server.url}/api/v1/datasets/q/quality/disagreements",
                                  headers=h, params={"question": "order",
                                                     "max_confidence": 1.0},
                                  timeout=120).json()]
    assert order[0]["value"] == ["c1", "c2", "c3"]
