"""Redaction of confirmed PII findings on stored records (what ``export --redact-pii`` writes)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from accord.prep.pii_findings import redact_confirmed


def _finding(start: int, end: int, entity: str, state: str | None = "confirmed") -> dict[str, Any]:
    f: dict[str, Any] = {"start": start, "end": end, "entity": entity}
    if state is not None:
        f["review"] = {"state": state}
    return f


def test_overlapping_confirmed_findings_leave_no_character_of_either() -> None:
    # findings imported with the records' metadata can overlap: a one-character finding
    # inside a longer one was replaced first, and the longer one's end then fell inside
    # '[EMAIL_ADDRESS]', so digits of the phone number stayed in the redacted text
    text = "call 5551234567 now ok"
    meta = {"_pii": {"text": [_finding(5, 6, "EMAIL_ADDRESS"), _finding(4, 15, "PHONE_NUMBER")]}}
    assert redact_confirmed({"text": text}, meta) == {"text": "call[PHONE_NUMBER] now ok"}


def test_touching_findings_stay_two_and_dismissed_ones_are_kept() -> None:
    meta = {"_pii": {"text": [_finding(0, 3, "A"), _finding(3, 6, "B"),
                              _finding(7, 9, "C", "dismissed"), _finding(8, 10, "D", None)]}}
    assert redact_confirmed({"text": "abcdef ghij"}, meta) == {"text": "[A][B] ghij"}


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 12)), max_size=6))
def test_no_character_inside_a_confirmed_finding_survives(spans: list[tuple[int, int]]) -> None:
    text = "0123456789abcdefghijklmnopqrstuvwxyz"  # every character once
    findings = [_finding(s, min(s + n, len(text)), "E") for s, n in spans if s < len(text)]
    covered = {i for f in findings for i in range(f["start"], f["end"])}
    out = redact_confirmed({"text": text}, {"_pii": {"text": findings}})["text"]
    kept = out.replace("[E]", "")
    assert kept == "".join(c for i, c in enumerate(text) if i not in covered)
    assert out.count("[E]") <= len(findings)
