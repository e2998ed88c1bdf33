"""Exact dedupe: normalized keys, first occurrence kept, idempotence."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.prep.config import PrepConfig
from accord.prep.dedupe_exact import exact_key, first_occurrences, normalize_for_hash
from accord.prep.pipeline import run_prep
from accord.prep.record_text import TextSlot, find_text_slots

EXACT_ONLY = PrepConfig(fix=False, workers=1)


def test_normalization_casefolds_collapses_whitespace_and_applies_nfkc() -> None:
    assert normalize_for_hash("  Straße\t\tIS  ﬁne ") == normalize_for_hash("STRASSE is fine")


def test_slot_paths_are_part_of_the_key() -> None:
    a = exact_key([TextSlot(("prompt",), "hi")])
    b = exact_key([TextSlot(("response",), "hi")])
    assert a != b
    assert exact_key([TextSlot(("text",), "  ")]) is None


def test_first_occurrence_is_kept_and_reasons_name_it() -> None:
    records = [{"text": "A b"}, {"text": "other"}, {"text": "a   B"}, {"id": 9, "text": "A B"}]
    res = run_prep(records, EXACT_ONLY)
    assert [r["text"] for r in res.records] == ["A b", "other"]
    assert [(r.index, r.step, r.reason) for r in res.rejects] == [
        (2, "dedupe_exact", "exact duplicate of record 1"),
        (3, "dedupe_exact", "exact duplicate of record 1"),
    ]
    assert res.rejects[1].record == {"id": 9, "text": "A B"}


def test_records_without_text_are_never_duplicates() -> None:
    res = run_prep([{"n": 1}, {"n": 1}, {"text": ""}, {"text": ""}], EXACT_ONLY)
    assert len(res.records) == 4


def test_disabled_exact_dedupe_keeps_everything() -> None:
    res = run_prep([{"text": "x"}, {"text": "x"}], PrepConfig(dedupe_exact=False, workers=1))
    assert len(res.records) == 2 and not res.rejects


texts = st.lists(
    st.sampled_from(["a", "A", "a ", "b", "B  b", "b b", "ß", "ss", "c\u0327", "ç"]), max_size=30
)


@settings(max_examples=100, deadline=None)
@given(texts)
def test_exact_dedupe_is_idempotent_and_leaves_unique_keys(values: list[str]) -> None:
    once = run_prep([{"text": v} for v in values], EXACT_ONLY)
    twice = run_prep(once.records, EXACT_ONLY)
    assert twice.records == once.records and not twice.rejects
    keys = [exact_key(find_text_slots(r)) for r in once.records]
    assert len(set(keys)) == len(keys)
    assert len(once.records) + len(once.rejects) == len(values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"x", b"y", b"z", None]), max_size=20))
def test_first_occurrences_points_to_an_earlier_equal_key(keys: list[bytes | None]) -> None:
    for i, first in enumerate(first_occurrences(keys)):
        if first is None:
            assert keys[i] is None or keys[i] not in keys[:i]
        else:
            assert first < i and keys[first] == keys[i] and keys[i] not in keys[:first]
