"""Quality filters and the language filter."""

from __future__ import annotations

import pytest

from accord.errors import InputError
from accord.prep.config import PrepConfig
from accord.prep.filters import repetition_ratio, symbol_ratio
from accord.prep.language import parse_languages
from accord.prep.pipeline import run_prep


def _run(records: list[dict], **options: object):
    return run_prep(records, PrepConfig(workers=1, dedupe_exact=False, **options))  # type: ignore[arg-type]


def test_length_filter_counts_characters_of_all_slots() -> None:
    res = _run(
        [{"text": "abc"}, {"a": "ab", "b": "cd"}, {"text": "x" * 20}], min_chars=4, max_chars=10
    )
    assert [r["text"] if "text" in r else r["a"] for r in res.records] == ["ab"]
    assert [(r.index, r.step) for r in res.rejects] == [(0, "length"), (2, "length")]
    assert res.rejects[0].reason == "text has 3 characters, fewer than the minimum 4"
    assert res.rejects[1].reason == "text has 20 characters, more than the maximum 10"


def test_repetition_filter() -> None:
    spam = "buy now " * 20
    res = _run(
        [{"text": spam}, {"text": "a perfectly ordinary sentence about cats and dogs"}],
        max_repetition=0.3,
    )
    assert len(res.records) == 1
    assert (
        res.rejects[0].step == "repetition" and "word 3-grams are repeats" in res.rejects[0].reason
    )
    assert repetition_ratio("one two") == 0.0


def test_symbol_filter() -> None:
    res = _run(
        [{"text": "#### $$$ !!! ***"}, {"text": "Plain words, one comma."}], max_symbol_ratio=0.25
    )
    assert [r.step for r in res.rejects] == ["symbols"]
    assert symbol_ratio("a!") == 0.5


def test_blocklist_matches_whole_words_any_case() -> None:
    res = _run(
        [{"text": "Totally SPAM here"}, {"text": "spammy but fine"}, {"text": "lorem  ipsum"}],
        blocklist=("spam", "lorem ipsum"),
    )
    assert [r.index for r in res.rejects] == [0]
    assert res.rejects[0].reason == "blocklisted term 'spam'"


def test_language_filter_keeps_only_configured_languages() -> None:
    records = [
        {"text": "The committee will publish its annual report on the economy next week."},
        {"text": "Der Ausschuss veröffentlicht nächste Woche seinen Jahresbericht zur Wirtschaft."},
        {"text": "Комитет опубликует годовой отчёт об экономике на следующей неделе."},
        {"text": "12345 !!! 678"},
    ]
    res = _run(records, languages=("en", "de"))
    assert len(res.records) == 2
    assert [r.reason for r in res.rejects] == ["language could not be determined among en, de"] * 2
    step = next(s for s in res.report["steps"] if s["name"] == "language")
    assert step["details"] == {"de": 1, "en": 1}


def test_contrast_languages_reject_texts_written_in_them() -> None:
    french = {"text": "Le comité publiera son rapport annuel sur l'économie la semaine prochaine."}
    only = _run([french], languages=("en", "de"))
    assert len(only.records) == 1  # lingua can only choose among the loaded languages
    contrast = _run([french], languages=("en", "de"), language_contrast=("fr",))
    assert contrast.rejects[0].reason == "language fr is not one of en, de"


def test_unknown_language_code_is_an_input_error() -> None:
    with pytest.raises(ValueError, match="unknown language code 'xx'"):
        parse_languages(["xx"])


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"near_threshold": 1.5}, "near_threshold"),
        ({"pii": "maybe"}, "pii"),
        ({"min_chars": 10, "max_chars": 5}, "min_chars"),
        ({"pii_entities": ("EMAIL",)}, "pii_entities"),
        ({"text_fields": "text"}, "text_fields"),
        ({"shingle_size": 0}, "shingle_size"),
        ({"languages": ("en", "xx")}, "languages"),
        ({"pii_regexes": (("BAD", "(unclosed"),)}, "pii_regexes"),
    ],
)
def test_bad_options_name_the_option(options: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        PrepConfig(**options)
    assert info.value.field == field
