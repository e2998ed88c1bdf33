"""One quality core: the same seeded dataset gives the same agreement and consensus through the
REST API (real uvicorn), the CLI ``--dataset``, the dataset-health report, the export (records
with ``--aggregate``, the ``--min-agreement`` filter) and the dataset card, on SQLite and
PostgreSQL, and they equal an independent computation written here.

The dataset has one question of every type with agreement and consensus (label, rating,
pairwise, multi-label, span, ranking), a rejected response (out everywhere), a reviewer's fix
(its values in everywhere) and a suggestion accepted by routing as the answer of the agent
user ``model:m1`` (counted in the consensus, left out of agreement and of the report's human
answers).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from itertools import combinations

import httpx
import pytest
from sqlalchemy import select

from accord import Client
from accord.assist.routing import route
from accord.store import make_engine
from accord.store.engine import session_scope
from accord.store.models import Record, Response, User
from tests.conftest import run_cli

S, B, P = (0, 5, "PER"), (10, 13, "PER"), (17, 22, "LOC")
TEXT = "Alice met Bob in Paris"
CANDS = [{"id": "c1", "text": "x"}, {"id": "c2", "text": "y"}, {"id": "c3", "text": "z"}]
SETTINGS = {
    "fields": [{"name": "text", "type": "text"}, {"name": "a", "type": "text"},
               {"name": "b", "type": "text"}, {"name": "c", "type": "json"}],
    "questions": [
        {"name": "y", "type": "label", "labels": ["pos", "neg", "neu"]},
        {"name": "stars", "type": "rating", "min": 1, "max": 5},
        {"name": "pref", "type": "pairwise", "fields": ["a", "b"]},
        {"name": "tags", "type": "multi_label", "labels": ["x", "y", "z"]},
        {"name": "ents", "type": "span", "field": "text", "labels": ["PER", "LOC"]},
        {"name": "order", "type": "ranking", "field": "c"}],
    "distribution": {"overlap": 4}}
PEOPLE = ("a1", "a2", "a3")
# per record: the answers of a1, a2, a3
Y = ["pos pos pos", "pos neg pos", "neg neg pos", "neg pos neg", "pos neg pos", "pos pos neg",
     "neu neu pos", "neg neg neg"]
STARS = ["5 4 5", "3 1 3", "2 2 4", "1 2 1", "4 4 3", "5 3 5", "3 3 3", "2 1 2"]
PREF = ["a a a", "b a b", "a b a", "b b a", "a a b", "tie tie a", "b b b", "a b a"]
TAGS = ["x x x,y", "y z y", "x,z z z", "y y,z y", "x y x", "z z x,z", "x,y x,y y", "z x z"]
ENTS = [[[S, B, P], [S, B, P], [S, B]], [[S], [P], [S]], [[S, P], [S], [S, P]],
        [[B], [B], [B, P]], [[S, B, P], [S, P], [S, B, P]], [[P], [P], [P]],
        [[S], [B], [S]], [[S, B], [S, B], [S, B]]]
ORDER = ["c1c2c3 c1c2c3 c1c2c3", "c2c1c3 c3c2c1 c2c1c3", "c1c2c3 c1c3c2 c1c2c3",
         "c3c2c1 c3c2c1 c2c3c1", "c1c2c3 c2c1c3 c1c2c3", "c2c3c1 c2c3c1 c2c3c1",
         "c1c3c2 c1c3c2 c3c1c2", "c3c1c2 c3c1c2 c3c1c2"]
REJECTED = ("a2", 1)  # every answer of this response is out
FIXED = ("a3", 2, {"y": "neu", "stars": 1})  # the reviewer's values replace these two answers
MODEL = (5, "pos")  # routed suggestion on r5 for y, submitted as model:m1


def _values(user: int, rec: int) -> dict:
    spans = [{"start": s, "end": e, "label": lab} for s, e, lab in ENTS[rec][user]]
    order = ORDER[rec].split()[user]
    return {"y": Y[rec].split()[user], "stars": int(STARS[rec].split()[user]),
            "pref": {"choice": PREF[rec].split()[user]},
            "tags": TAGS[rec].split()[user].split(","), "ents": spans,
            "order": [order[i:i + 2] for i in range(0, 6, 2)]}


def expected_rows() -> dict[str, list[tuple[int, str, object, str]]]:
    """(record, annotator, value, kind) per question after reviews, written out by hand."""
    rows: dict[str, list] = defaultdict(list)
    for rec in range(8):
        for u, name in enumerate(PEOPLE):
            if (name, rec) == REJECTED:
                continue
            values = _values(u, rec)
            if (name, rec) == FIXED[:2]:
                values.update(FIXED[2])
            for q, v in values.items():
                if q == "pref":
                    v = v["choice"]
                elif q == "ents":
                    v = sorted((s["start"], s["end"], s["label"]) for s in v)
                rows[q].append((rec, name, v, "person"))
    rows["y"].append((MODEL[0], "model:m1", MODEL[1], "model"))
    return rows


# -- the independent computation -----------------------------------------------------------


def alpha(rows: list[tuple], level: str) -> float:
    """Krippendorff's alpha from its coincidence matrix (Krippendorff 2011), by hand."""
    units: dict[int, list] = defaultdict(list)
    for rec, _, v, _ in rows:
        units[rec].append(v)
    o: Counter = Counter()
    for vals in units.values():
        m = len(vals)
        if m < 2:
            continue
        for i, j in combinations(range(m), 2):
            o[(vals[i], vals[j])] += 1 / (m - 1)
            o[(vals[j], vals[i])] += 1 / (m - 1)
    cats = sorted({c for c, _ in o})
    n_c = {c: sum(o[(c, k)] for k in cats) for c in cats}
    n = sum(n_c.values())

    def delta(c: object, k: object) -> float:
        if level == "nominal":
            return 0.0 if c == k else 1.0
        lo, hi = sorted((cats.index(c), cats.index(k)))
        return (sum(n_c[cats[g]] for g in range(lo, hi + 1)) - (n_c[c] + n_c[k]) / 2) ** 2

    d_o = sum(o[(c, k)] * delta(c, k) for c in cats for k in cats)
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in cats for k in cats)
    return 1 - (n - 1) * d_o / d_e


def span_f1(rows: list[tuple]) -> float:
    """Mean over annotator pairs of exact-span F1 pooled over the records both answered."""
    by = defaultdict(dict)
    for rec, ann, spans, _ in rows:
        by[ann][rec] = spans
    f1s = []
    for a, b in combinations(sorted(by), 2):
        shared = set(by[a]) & set(by[b])
        if not shared:
            continue
        m = sum(len(set(by[a][r]) & set(by[b][r])) for r in shared)
        t = sum(len(by[a][r]) + len(by[b][r]) for r in shared)
        f1s.append(2 * m / t)
    return sum(f1s) / len(f1s)


def kendall_w(orders: list[list[str]]) -> float:
    m, n = len(orders), len(orders[0])
    totals = Counter()
    for order in orders:
        for rank, cand in enumerate(order, 1):
            totals[cand] += rank
    mean = m * (n + 1) / 2
    s = sum((r - mean) ** 2 for r in totals.values())
    return 12 * s / (m * m * (n ** 3 - n))


def independent() -> tuple[dict[str, float], dict[str, dict[int, tuple]]]:
    """Agreement per question (people only) and consensus per record: (value, agreement)."""
    rows = expected_rows()
    people = {q: [r for r in rs if r[3] == "person"] for q, rs in rows.items()}
    tag_labels = sorted({t for _, _, v, _ in people["tags"] for t in v})
    by_rec = {q: defaultdict(list) for q in rows}
    for q, rs in rows.items():
        for rec, _, v, _ in rs:
            by_rec[q][rec].append(v)
    agreement = {
        "y": alpha(people["y"], "nominal"), "stars": alpha(people["stars"], "ordinal"),
        "pref": alpha(people["pref"], "nominal"),
        "tags": sum(alpha([(r, a, t in v, k) for r, a, v, k in people["tags"]], "nominal")
                    for t in tag_labels) / len(tag_labels),
        "ents": span_f1(people["ents"]),
        "order": sum(kendall_w(v) for v in by_rec["order"].values()) / 8}
    consensus: dict[str, dict[int, tuple]] = {q: {} for q in rows}
    for q in ("y", "stars", "pref"):
        for rec, vals in by_rec[q].items():
            (top, n), *rest = Counter(vals).most_common()
            assert not rest or rest[0][1] < n, "the seed avoids ties"
            consensus[q][rec] = (top, n / len(vals) if len(vals) >= 2 else None)
    for rec, vals in by_rec["tags"].items():
        chosen = sorted(t for t in tag_labels if sum(t in v for v in vals) * 2 > len(vals))
        union = {t for v in vals for t in v}
        shares = [sum((t in v) == (t in chosen) for v in vals) / len(vals) for t in union]
        consensus["tags"][rec] = (chosen, sum(shares) / len(shares))
    for rec, vals in by_rec["ents"].items():
        spans = sorted({s for v in vals for s in v if sum(s in w for w in vals) * 2 > len(vals)})
        record_rows = [r for r in rows["ents"] if r[0] == rec]
        consensus["ents"][rec] = ([list(s) for s in spans], span_f1(record_rows))
    for rec, vals in by_rec["order"].items():
        top = Counter(tuple(v) for v in vals).most_common(1)[0][0]
        consensus["order"][rec] = (list(top), kendall_w(vals))
    return agreement, consensus


# -- seeding through the real server --------------------------------------------------------


def _seed(server) -> dict[str, int]:
    admin = Client(server.url, server.admin_token)
    admin.create_dataset("par", SETTINGS)
    admin.import_records("par", [{"id": f"r{i}", "text": TEXT, "a": "A", "b": "B", "c": CANDS}
                                 for i in range(8)])
    admin.add_suggestions("par", "m1", [{"external_id": f"r{MODEL[0]}", "question": "y",
                                         "value": MODEL[1], "score": 0.99}])
    engine = make_engine(server.db_url)
    try:
        summary = route(engine, "par", "y", threshold=0.9, mode="response")
        assert summary.accepted == 1
        clients = {}
        for name in PEOPLE:
            token = server.make_user(name)
            admin.add_member("par", name)
            clients[name] = Client(server.url, token)
        for u, name in enumerate(PEOPLE):
            while (rec := clients[name].next_record("par")) is not None:
                clients[name].submit("par", rec.id, _values(u, int(rec.external_id[1:])))
        with session_scope(engine) as s:
            ids = {(user, int(ext[1:])): (rid, version) for rid, version, user, ext in s.execute(
                select(Response.id, Response.version, User.name, Record.external_id)
                .join(User, User.id == Response.user_id)
                .join(Record, Record.id == Response.record_id))}
            record_ids = {int(ext[1:]): rid for rid, ext in s.execute(
                select(Record.id, Record.external_id))}
    finally:
        engine.dispose()
    for key, verdict, extra in ((REJECTED, "reject", {"reason": "careless"}),
                                (FIXED[:2], "fix", {"values": FIXED[2]}),
                                (("a1", 0), "accept", {})):
        rid, version = ids[key]
        admin.review("par", rid, verdict, version=version, **extra)
    return record_ids


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return a == b


def _norm(q: str, value: object) -> object:
    if q == "pref" and isinstance(value, dict):
        return value["choice"]
    if q == "ents":
        return sorted([s["start"], s["end"], s["label"]] if isinstance(s, dict) else list(s)
                      for s in value)
    if q == "stars":
        return float(value)
    return value


def test_every_surface_gives_the_core_numbers(live_server, tmp_path):
    record_ids = _seed(live_server)
    by_id = {rid: rec for rec, rid in record_ids.items()}
    agreement, consensus = independent()
    url, db = live_server.url, live_server.db_url
    h = {"Authorization": f"Bearer {live_server.admin_token}"}

    # REST: agreement per question, then the stored consensus
    res = httpx.get(f"{url}/api/v1/datasets/par/quality", headers=h, timeout=120)
    assert res.status_code == 200, res.text
    api = res.json()["agreement"]
    for q, value in agreement.items():
        assert api[q]["value"] == pytest.approx(value, abs=1e-9), q
    assert api["y"]["alpha"] == pytest.approx(agreement["y"]) and api["y"]["level"] == "nominal"
    assert api["stars"]["level"] == "ordinal"
    assert api["y"]["model_answers"] == 1 and api["y"]["annotations"] == 23
    res = httpx.post(f"{url}/api/v1/datasets/par/quality/aggregate", headers=h,
                     json={"method": "mv"}, timeout=120)
    assert res.status_code == 200, res.text
    for q, expected in consensus.items():
        queue = httpx.get(f"{url}/api/v1/datasets/par/quality/disagreements", headers=h,
                          params={"question": q, "max_confidence": 1, "limit": 500},
                          timeout=60).json()
        got = {by_id[row["record_id"]]: (_norm(q, row["value"]), row["agreement"])
               for row in queue}
        assert set(got) == set(range(8)), q
        for rec, (value, agree) in expected.items():
            assert _norm(q, value) == got[rec][0], (q, rec)
            assert _close(agree, got[rec][1]), (q, rec, agree, got[rec][1])

    # stats: the same agreement
    stats = httpx.get(f"{url}/api/v1/datasets/par/stats", headers=h, timeout=60).json()
    assert stats["agreement"]["y"]["value"] == pytest.approx(agreement["y"])
    assert {a["user"]: a["kind"] for a in stats["annotators"]}["model:m1"] == "model"

    # CLI --dataset: agreement of every question, consensus of the coded ones
    for q, value in agreement.items():
        out = run_cli("quality", "agree", "--dataset", "par", "--question", q, "--json",
                      "--db", db)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["value"] == pytest.approx(value, abs=1e-9), q
    for q in ("y", "stars", "pref"):
        path = tmp_path / f"{q}.csv"
        out = run_cli("quality", "aggregate", "--dataset", "par", "--question", q, "--method",
                      "mv", "-o", str(path), "--db", db)
        assert out.returncode == 0, out.stderr
        rows = csv.DictReader(io.StringIO(path.read_text()))
        got = {by_id[int(r["item"])]: r["label"] for r in rows}
        assert got == {rec: str(_norm(q, v) if q != "stars" else v)
                       for rec, (v, _) in consensus[q].items()}, q

    # the dataset-health report: people's agreement, models counted apart
    rep = httpx.get(f"{url}/api/v1/datasets/par/report", headers=h, timeout=120).json()
    questions = {q["name"]: q for q in rep["questions"]}
    for q in ("y", "stars", "tags"):
        assert questions[q]["agreement"]["value"] == pytest.approx(agreement[q]), q
    assert rep["model_responses"] == 1 and rep["rejected_responses"] == 1
    assert rep["fixed_responses"] == 1
    assert questions["y"]["answers"] == 23 and questions["y"]["model_answers"] == 1
    sugg = questions["y"]["parts"][0]["suggestions"]["overall"]
    assert sugg["answer_match"] == pytest.approx(2 / 3)  # people on r5: pos pos neg

    # the export: consensus and agreement per record, the filter, the card
    exported = tmp_path / "records.jsonl"
    res = run_cli("export", "par", "--format", "jsonl", "--aggregate", "mv", "--card",
                  "-o", str(exported), "--no-health-check", "--db", db)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    assert len(rows) == 8
    for row in rows:
        rec = int(row["external_id"][1:])
        for q, expected in consensus.items():
            decision = row["aggregates"][q]
            assert decision["method"] == ("mv" if q in ("y", "stars", "pref", "tags") else
                                          {"ents": "vote", "order": "bt"}[q])
            assert _norm(q, decision["value"]) == _norm(q, expected[rec][0]), (q, rec)
            assert _close(decision["agreement"], expected[rec][1]), (q, rec)
    card = (tmp_path / "records.README.md").read_text()
    for q, value in agreement.items():
        found = re.search(rf"^\| {q} \| [a-z_]+ \| [^|]+ \| ([0-9.\-]+) \|", card, re.M)
        assert found and float(found.group(1)) == pytest.approx(value, abs=5e-5), q
    filtered = tmp_path / "filtered.jsonl"
    res = run_cli("export", "par", "--format", "jsonl", "--question", "y", "--min-agreement",
                  "0.7", "-o", str(filtered), "--no-health-check", "--db", db)
    assert res.returncode == 0, res.stderr
    kept = {int(json.loads(line)["external_id"][1:])
            for line in filtered.read_text().splitlines()}
    assert kept == {rec for rec, (_, a) in consensus["y"].items() if a is not None and a >= 0.7}
    assert kept and len(kept) < 8
