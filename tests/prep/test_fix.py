"""Text repair: ftfy, normalization, control characters."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.prep.fix import FixStep, fix_text, strip_controls
from accord.prep.record_text import find_text_slots
from accord.prep.step import Document


def test_mojibake_is_repaired_and_quotes_kept() -> None:
    assert fix_text("doesnâ€™t") == "doesn’t"
    assert fix_text("“quoted”") == "“quoted”"


def test_nfc_by_default_and_nfkc_on_request() -> None:
    decomposed = "cafe\u0301 ﬁ"
    assert fix_text(decomposed) == "café ﬁ"
    assert fix_text(decomposed, normalization="NFKC") == "café fi"


def test_controls_stripped_but_newline_and_tab_kept() -> None:
    assert fix_text("a\x00b\x07\tc\r\nd\x1b[31m") == "ab\tc\nd"
    # ftfy reads a stray C1 control as the cp1252 character it stands for
    assert fix_text("wait\x85") == "wait…"
    assert strip_controls("\x7f\x9fok") == "ok"


def test_without_ftfy_only_normalization_and_controls() -> None:
    assert fix_text("doesnâ€™t\x00", use_ftfy=False) == "doesnâ€™t"


def test_step_fixes_every_slot_and_reports_an_example() -> None:
    rec = {"text": "ok", "chat": [{"role": "user", "content": "nai\u0308ve\x00"}]}
    verdict = FixStep()(Document(rec, find_text_slots(rec)))
    assert verdict.action == "change"
    assert rec["chat"][0]["content"] == "naïve"
    assert verdict.example is not None and "naïve" in verdict.example[1]


def test_step_keeps_clean_records_untouched() -> None:
    rec = {"text": "Nothing to fix here."}
    assert FixStep()(Document(rec, find_text_slots(rec))).action == "keep"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fixed_text_has_no_controls_and_is_normalized(text: str) -> None:
    out = fix_text(text)
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in out)
    assert unicodedata.is_normalized("NFC", out)
