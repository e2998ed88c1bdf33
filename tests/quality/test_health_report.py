"""The report on a constructed dataset (real SQLite and PostgreSQL): its numbers against
scipy and :mod:`accord.quality` recomputed from the same answers in plain Python."""

from __future__ import annotations

from collections import Counter

import pytest
from scipy.stats import chi2_contingency
from sqlalchemy import select

from accord.errors import InputError, NotFound
from accord.quality.agreement import krippendorff_alpha
from accord.quality.health import HealthOptions, health_warnings, render_markdown
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.models import Record
from accord.store.report_queries import guess_slice_keys
from accord.workflow.gold import mark_gold
from accord.workflow.report import dataset_report
from tests.quality.health_fixture import ATTRIBUTES, SOURCES, build, record_meta, suggestion

LABELS = ["pos", "neg", "neutral"]  # the settings' order


def _majority(values):
    votes = Counter(values).most_common()
    if len(votes) > 1 and votes[0][1] == votes[1][1]:
        return None
    return votes[0][0]


def _report(engine, **kwargs):
    with session_scope(engine) as s:
        return dataset_report(s, "health", **kwargs)


@pytest.fixture
def built(engine):
    return engine, build(engine)


def test_label_question_matches_scipy_and_krippendorff(built):
    engine, rows = built
    report = _report(engine, slices=["source", "lang"], group_by=["locale"])
    q = next(q for q in report["questions"] if q["name"] == "sentiment")
    part = q["parts"][0]
    assert part["values"] == LABELS and q["answers"] == len(rows) == 180
    # answers and record majorities overall
    assert part["distribution"]["answers"] == [sum(r["sentiment"] == v for r in rows)
                                               for v in LABELS]
    by_record: dict[int, list[str]] = {}
    for r in rows:
        by_record.setdefault(r["record"], []).append(r["sentiment"])
    majority = {i: _majority(v) for i, v in by_record.items()}
    assert part["distribution"]["ties"] == sum(m is None for m in majority.values())
    # chi-square of majority label x source, as scipy computes it
    table = [[sum(1 for i, m in majority.items() if m == v and SOURCES[i % 3] == s)
              for v in LABELS] for s in sorted(SOURCES)]
    ref = chi2_contingency([row for row in table if sum(row)], correction=False)
    chi = part["slices"]["source"]["chi_square"]
    assert chi["chi2"] == pytest.approx(ref.statistic)
    assert chi["p_value"] == pytest.approx(ref.pvalue)
    assert chi["dof"] == ref.dof == 4 and chi["significant"] is True
    # Krippendorff's alpha overall and per language slice
    overall = krippendorff_alpha([{"item": r["record"], "annotator": r["annotator"],
                                   "label": r["sentiment"]} for r in rows], "nominal")
    assert part["agreement"]["alpha"] == pytest.approx(overall)
    assert part["agreement"]["records"] == 60
    for row in part["slices"]["lang"]["rows"]:
        lang = None if row["value"] == "(missing)" else row["value"]
        subset = [{"item": r["record"], "annotator": r["annotator"], "label": r["sentiment"]}
                  for r in rows if record_meta(r["record"]).get("lang") == lang]
        assert row["alpha"] == pytest.approx(krippendorff_alpha(subset, "nominal"))
        assert row["records"] == len({d["item"] for d in subset})


def test_rating_is_ordinal_and_multi_label_is_per_label(built):
    engine, rows = built
    report = _report(engine, slices=["source"])
    stars = next(q for q in report["questions"] if q["name"] == "stars")
    assert stars["level"] == "ordinal" and stars["parts"][0]["values"] == ["1", "2", "3", "4", "5"]
    ref = krippendorff_alpha([{"item": r["record"], "annotator": r["annotator"],
                               "label": r["stars"]} for r in rows], "ordinal",
                             labels=[1, 2, 3, 4, 5])
    assert stars["parts"][0]["agreement"]["alpha"] == pytest.approx(ref)
    topics = next(q for q in report["questions"] if q["name"] == "topics")
    assert [p["label"] for p in topics["parts"]] == ["price", "service"]
    for part in topics["parts"]:
        chosen = [part["label"] in r["topics"] for r in rows]
        assert part["distribution"]["answers"] == [chosen.count(False), chosen.count(True)]
        ref = krippendorff_alpha([{"item": r["record"], "annotator": r["annotator"],
                                   "label": int(c)} for r, c in zip(rows, chosen)], "nominal")
        assert part["agreement"]["alpha"] == pytest.approx(ref)
    assert report["skipped_questions"] == [
        {"question": "note", "reason": "text: free text has no categories to count"}]


def test_groups_and_suggestions(built):
    engine, rows = built
    report = _report(engine, slices=["source"], group_by=["locale", "expertise"])
    part = next(q for q in report["questions"] if q["name"] == "sentiment")["parts"][0]
    locale = part["groups"]["locale"]
    assert [g["value"] for g in locale["groups"]] == ["en-GB", "en-US"]
    group_of = {a: ATTRIBUTES[a]["locale"] for a in ATTRIBUTES}
    cross = [(x["sentiment"] == y["sentiment"]) for x in rows for y in rows
             if x["record"] == y["record"] and group_of[x["annotator"]] == "en-GB"
             and group_of[y["annotator"]] == "en-US"]
    row = next(p for p in locale["pairs"] if p[:2] == ["en-GB", "en-US"])
    assert row[2] == pytest.approx(sum(cross) / len(cross)) and row[3] == len(cross)
    expertise = [g["value"] for g in part["groups"]["expertise"]["groups"]]
    assert expertise == ["law+retail", "retail", "(not set)"]
    sugg = part["suggestions"]
    web = next(r for r in sugg["slices"]["source"]["slices"] if r["value"] == "web")
    mine = [r for r in rows if SOURCES[r["record"] % 3] == "web"]
    assert web["answer_match"] == pytest.approx(
        sum(r["sentiment"] == suggestion(r["record"]) for r in mine) / len(mine))
    assert sugg["overall"]["answers"] == 180
    kinds = Counter(w["kind"] for w in report["warnings"])
    assert kinds["label_depends_on_slice"] >= 1 and kinds["suggestions_depend_on_slice"] == 1


def test_warnings_gold_records_and_errors(built):
    engine, _ = built
    with write_scope(engine) as s:
        ds = get_dataset(s, "health")
        first = s.scalars(select(Record).where(Record.dataset_id == ds.id)
                          .order_by(Record.id)).first()
        mark_gold(s, settings_of(ds), first, {"sentiment": "pos"})
    report = _report(engine, slices=["source", "topic"], questions=["sentiment"])
    assert report["records"] == 59 and report["responses"] == 177
    assert report["missing_slices"] == ["topic"] and report["slices"] == ["source"]
    assert [q["name"] for q in report["questions"]] == ["sentiment"]
    messages = [w["message"] for w in report["warnings"]]
    assert "no record has the metadata key 'topic'" in messages
    assert any("only 20 records (fewer than 30)" in m or "only 19 records" in m for m in messages)
    quiet = health_warnings(report, HealthOptions(min_records=5, majority_share=0.3))
    assert not any(w["kind"] == "coverage_gap" for w in quiet)
    assert sum(w["kind"] == "imbalanced_label" for w in quiet) == 2  # neg and pos above 30 %
    with session_scope(engine) as s:
        with pytest.raises(InputError, match="unknown question 'nope'; the dataset has sentiment"):
            dataset_report(s, "health", questions=["nope"])
        with pytest.raises(NotFound, match="dataset 'other' does not exist"):
            dataset_report(s, "other")
        assert guess_slice_keys(s, get_dataset(s, "health").id) == ["lang", "source"]


def test_markdown_is_readable(built):
    engine, _ = built
    text = render_markdown(_report(engine))
    for heading in ("# Dataset health: **health**", "## Warnings", "## Coverage",
                    "## Question **sentiment** (label)", "## Question **topics** (multi_label)",
                    "### Label **price** (chosen or not)", "## Question **stars** (rating)",
                    "## Skipped questions", "How to read this report"):
        assert heading in text
    assert "- **note**: text: free text has no categories to count" in text
    assert "Annotator groups by **locale**" in text and "| en-GB | 2 | 90 |" in text


def test_an_empty_dataset_gives_an_empty_report(engine):
    from accord.schema import parse_settings
    from accord.store.datasets import create_dataset
    from tests.quality.health_fixture import SETTINGS

    with write_scope(engine) as s:
        create_dataset(s, "empty", parse_settings(SETTINGS))
    with session_scope(engine) as s:
        report = dataset_report(s, "empty", slices=["source"])
    assert (report["records"], report["responses"], report["tests"]) == (0, 0, 0)
    assert [w["kind"] for w in report["warnings"]] == ["missing_slice"]
    part = report["questions"][0]["parts"][0]
    assert part["agreement"]["alpha"] is None and part["suggestions"] is None
    assert "No slices: pass metadata keys with --slice." in render_markdown(report)


def test_small_keyset_pages_give_the_same_report(built, monkeypatch):
    from accord.store import report_queries

    engine, _ = built
    whole = _report(engine, slices=["source", "lang"], group_by=["locale"])
    monkeypatch.setattr(report_queries, "_BATCH", 7)  # 60 records, 180 responses: many pages
    paged = _report(engine, slices=["source", "lang"], group_by=["locale"])
    assert paged == whole
    assert paged["questions"][0]["parts"][0]["suggestions"]["overall"]["records"] > 0


def test_a_key_with_too_many_values_is_no_slice(built, monkeypatch):
    from accord.store import report_queries

    engine, _ = built
    monkeypatch.setattr(report_queries, "MAX_SLICE_VALUES", 2)
    with session_scope(engine) as s:
        with pytest.raises(InputError, match="metadata key 'source' has more than 2 distinct"):
            dataset_report(s, "health", slices=["source"])
        guessed = dataset_report(s, "health")  # guessed keys: lang (2 values) stays
    assert guessed["slices"] == ["lang"]
