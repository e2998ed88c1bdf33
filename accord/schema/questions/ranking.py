"""``ranking``: order the candidates of a json field, best first; ties as nested lists.

Value ``["c2", "c1", "c3"]``; with ties ``[["c2", "c1"], "c3"]``.
"""

from __future__ import annotations

from typing import Any, Literal

from accord.schema.questions.base import FormField, QuestionBase, QuestionType, fail, short
from accord.schema.questions.registry import register

__all__ = ["RankingQuestion", "TYPE", "candidate_ids"]


class RankingQuestion(QuestionBase):
    """Order the candidates of a json field, best first; ties as nested lists."""

    type: Literal["ranking"]
    field: str
    allow_ties: bool = False

    def referenced_fields(self) -> list[str]:
        return [self.field]


def candidate_ids(candidates: Any) -> list[str]:
    """Ids of the candidates in a ranking field.

    A candidate is ``{"id": ..., "text": ...}``; a plain string candidate gets
    its position (``"0"``, ``"1"``, ...) as id.

    Examples
    --------
    >>> candidate_ids([{"id": "c1", "text": "a"}, "b"])
    ['c1', '1']
    """
    if not isinstance(candidates, list):
        return []
    ids = []
    for i, c in enumerate(candidates):
        if isinstance(c, dict) and "id" in c:
            ids.append(str(c["id"]))
        else:
            ids.append(str(i))
    return ids


def validate(value: Any, question: RankingQuestion, record_fields: dict[str, Any]) -> Any:
    name = question.name
    if not isinstance(value, list):
        raise fail(name, f"expected a list of candidate ids best first, got {short(value)}")
    flat: list[str] = []
    for item in value:
        if isinstance(item, list):
            if not question.allow_ties:
                raise fail(name, "ties (nested lists) are not allowed by this question")
            if not item:
                raise fail(name, "an empty tie group")
            flat.extend(str(x) for x in item)
        else:
            flat.append(str(item))
    expected = candidate_ids(record_fields.get(question.field))
    if expected and sorted(flat) != sorted(expected):
        raise fail(name, f"ranking {short(value)} is not a permutation of the candidates "
                   f"{expected}")
    if len(set(flat)) != len(flat):
        raise fail(name, f"candidates repeated in {short(value)}")
    return value


_ORDER = "a ranking orders candidates; use kendall_w"

TYPE = register(QuestionType(
    name="ranking", model=RankingQuestion, validate=validate,
    title="Ranking", description="Order the candidates of a json field, best first.",
    value_example=["c2", "c1", "c3"],
    settings_example={"field": "candidates", "allow_ties": False},
    agreement_metric="kendall_w", agreement_level=None, applicable_metrics=("kendall_w",),
    consensus_methods=("bt", "rp", "borda"), default_consensus="bt",
    export_roles=frozenset({"consensus_column", "records_filter", "preference_pair"}),
    widget="ranking", wide=True, shows_fields=True, field_types=("json",),
    form=(FormField("field", "field", "Field (json list of candidates)", required=True),
          FormField("allow_ties", "bool", "allow ties", default=False)),
    refusals={m: _ORDER for m in ("alpha", "fleiss", "cohen", "scott", "gwet", "percent")},
))
