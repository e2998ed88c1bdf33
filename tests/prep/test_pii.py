"""PII: recall and precision on presidio-research data, modes, no network or model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.prep.config import PrepConfig
from accord.prep.pii import PiiDetector, PiiSpan, redact
from accord.prep.pii_eval import format_table, score_pii
from accord.prep.pipeline import run_prep
from tests.prep.conftest import REPO

REQUIRED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IP_ADDRESS", "US_SSN", "IBAN_CODE")


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


def test_recall_and_precision_per_entity(detector: PiiDetector, pii_dataset: Path) -> None:
    items = [json.loads(line) for line in pii_dataset.read_text(encoding="utf-8").splitlines()]
    table = score_pii(detector, items)
    print("\n" + format_table(table))
    for entity in REQUIRED:
        row = table[entity]
        assert row["gold"] > 0, f"{entity} does not occur in the shared data"
        assert row["recall"] >= 0.9, f"{entity}: recall {row['recall']:.3f}"
        # precision is reported too, and must not collapse
        assert row["precision"] >= 0.8, f"{entity}: precision {row['precision']:.3f}"


def test_flag_mode_stores_spans_per_slot() -> None:
    records = [
        {
            "prompt": "write to ana@example.org",
            "chat": [{"role": "user", "content": "IP 10.0.0.12 ok"}],
        }
    ]
    res = run_prep(records, PrepConfig(pii="flag", workers=1))
    pii = res.records[0]["_pii"]
    assert pii["prompt"] == [{"start": 9, "end": 24, "entity": "EMAIL_ADDRESS", "score": 1.0}]
    assert pii["chat[0].content"][0]["entity"] == "IP_ADDRESS"
    step = next(s for s in res.report["steps"] if s["name"] == "pii")
    assert step["flagged"] == 1 and step["details"] == {"EMAIL_ADDRESS": 1, "IP_ADDRESS": 1}


def test_redact_and_drop_modes() -> None:
    records = [{"text": "card 4111 1111 1111 1111, ssn 536-22-8726"}, {"text": "nothing here"}]
    redacted = run_prep(records, PrepConfig(pii="redact", workers=1))
    assert redacted.records[0]["text"] == "card <CREDIT_CARD>, ssn <US_SSN>"
    dropped = run_prep(records, PrepConfig(pii="drop", workers=1))
    assert [r["text"] for r in dropped.records] == ["nothing here"]
    assert dropped.rejects[0].step == "pii"
    assert dropped.rejects[0].reason == "PII found in text: CREDIT_CARD, US_SSN"


def test_user_regex_and_name_list(tmp_path: Path) -> None:
    config = PrepConfig(
        pii="redact",
        pii_entities=("EMAIL_ADDRESS",),
        pii_regexes=(("TICKET", r"TCK-\d{4}"),),
        pii_names=("Ada Lovelace", "Grace"),
        workers=1,
    )
    res = run_prep(
        [{"text": "ada lovelace filed TCK-0042 and tck-0042; Gracefully, Grace agreed."}], config
    )
    assert (
        res.records[0]["text"]
        == "<PERSON> filed <TICKET> and tck-0042; Gracefully, <PERSON> agreed."
    )


def test_bad_user_regex_names_the_pattern() -> None:
    with pytest.raises(ValueError, match="'BAD' does not compile"):
        PiiDetector(entities=(), regexes=[("BAD", "(")])


def test_overlaps_resolve_to_the_higher_score() -> None:
    text = "write to ana@example.org"
    spans = PiiDetector(entities=("EMAIL_ADDRESS", "URL")).analyze(text)
    assert [(s.entity, text[s.start : s.end]) for s in spans] == [
        ("EMAIL_ADDRESS", "ana@example.org")
    ]


local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
domain = st.sampled_from(["example.com", "mail.example.org", "uni.edu", "firma.de"])
filler = st.lists(
    st.sampled_from(["hello", "the", "report", "is", "due", "soon", ",", "."]), max_size=8
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(filler, local, domain), min_size=1, max_size=4), filler)
def test_redaction_never_leaves_a_detected_substring(
    detector: PiiDetector, parts: list[tuple[list[str], str, str]], tail: list[str]
) -> None:
    text = (
        " ".join(" ".join(words) + f" {user}@{host}" for words, user, host in parts)
        + " "
        + " ".join(tail)
    )
    spans = detector.analyze(text)
    out = redact(text, spans)
    for span in spans:
        assert text[span.start : span.end] not in out
    for _, user, host in parts:
        assert f"{user}@{host}" not in out


def test_redact_leaves_text_without_spans_alone() -> None:
    assert redact("plain", []) == "plain"
    assert redact("ab", [PiiSpan(0, 1, "X", 1.0), PiiSpan(1, 2, "Y", 1.0)]) == "<X><Y>"


_NO_NETWORK = """
import sys
events = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        events.append(event)
sys.addaudithook(hook)
from accord.prep.pii import PiiDetector
det = PiiDetector()
spans = det.analyze("Mail jo@example.com or visit https://example.org, call +1-202-555-0143")
print(sorted({s.entity for s in spans}))
print("EVENTS", events)
# a spaCy pipeline would import its package (en_core_web_*) and its language (spacy.lang.en);
# a transformer model needs torch and transformers
heavy = ("en_core", "spacy.lang.en", "stanza", "torch", "transformers")
print("MODELS", sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith(heavy)))
"""


def test_no_network_and_no_model_load() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "['EMAIL_ADDRESS', 'PHONE_NUMBER', 'URL']"
    assert lines[1] == "EVENTS []"
    assert lines[2] == "MODELS []"


def test_report_never_repeats_the_pii_it_found() -> None:
    records = [{"text": "write to secret.person@example.com today"}] * 2
    for mode in ("flag", "redact", "drop"):
        res = run_prep(records, PrepConfig(pii=mode, pii_entities=("EMAIL_ADDRESS",), workers=1))
        step = next(s for s in res.report["steps"] if s["name"] == "pii")
        assert step["examples"], mode
        assert "secret.person" not in json.dumps(res.report), mode
