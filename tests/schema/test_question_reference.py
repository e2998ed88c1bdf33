"""docs/settings.md lists the question types from the registry, and nothing else."""

from __future__ import annotations

from pathlib import Path

from accord.schema.questions.reference import BEGIN, END, reference_table

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_settings_doc_holds_the_generated_table():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    documented = text[text.index(BEGIN):text.index(END) + len(END)]
    assert documented == reference_table(), (
        "docs/settings.md is out of date: paste the output of "
        "python -m accord.schema.questions.reference between its markers")


def test_development_doc_explains_adding_a_type():
    text = (DOCS / "development.md").read_text(encoding="utf-8")
    assert "## Adding a question type" in text
    for name in ("register(", "QuestionType(", "ACCORD_PLUGINS", "js/questions/"):
        assert name in text, name
