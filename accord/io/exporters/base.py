"""The shape every export format module shares.

A format module defines ``FORMAT``, an :class:`ExportFormat`: its name, the
:class:`~accord.io.exporters.plan.Plan` kind it needs, the containers it can
be written to, and ``builder(ctx)`` returning a :class:`RowBuilder` that
turns one record (with its consensus decision) into output rows and knows
the rows' columns and Arrow schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from accord.io.exporters.options import ExportOptions, describe_options
from accord.io.exporters.plan import Plan, question_types_for
from accord.schema import Settings

__all__ = ["FULL_LOAD", "Context", "ExportFormat", "RowBuilder", "messages_type", "value_type"]

#: Everything about each record: all responses with their times, suggestions, reviews, gold.
FULL_LOAD: dict[str, Any] = {"full": True, "response_statuses": None, "suggestions": True,
                             "reviews": True, "gold": True}


@dataclass
class Context:
    """Everything a row builder may need about the export."""

    dataset: str
    settings: Settings
    plan: Plan
    options: ExportOptions
    consensus: dict[str, Any] = field(default_factory=dict)

    def decision(self, record_id: int) -> Any:
        q = self.plan.question_name
        qc = self.consensus.get(q) if q else None
        return None if qc is None else qc.get(record_id)


class RowBuilder(Protocol):
    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]: ...

    def columns(self) -> list[str]: ...

    def schema(self) -> Any: ...


@dataclass(frozen=True)
class ExportFormat:
    """One output format.

    Attributes
    ----------
    name : str
        ``--format`` value.
    kind : str
        Plan kind: records, sft, preference, kto or spans.
    containers : tuple of str
        Allowed ``--to`` values; the first is the default.
    builder : callable
        ``builder(ctx) -> RowBuilder``.
    summary : str
        One line for ``--help`` and the docs.
    load : dict
        What to read per record (keyword arguments of
        :func:`accord.store.export.iter_export_records`); the default
        is the lean read of training formats (submitted responses' values).
    """

    name: str
    kind: str
    containers: tuple[str, ...]
    builder: Callable[[Context], RowBuilder]
    summary: str
    load: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (``GET /api/v1/meta``): the question types that can drive
        it (from the question-type registry) and the options it reads."""
        return {"name": self.name, "summary": self.summary, "kind": self.kind,
                "containers": list(self.containers),
                "question_types": list(question_types_for(self.kind)),
                "options": describe_options(self.kind, self.containers)}


def messages_type() -> Any:
    """Arrow type of a list of ``{role, content}`` messages."""
    import pyarrow as pa

    return pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def value_type(conversational: bool) -> Any:
    import pyarrow as pa

    return messages_type() if conversational else pa.string()
