"""Whole records as export rows: nested (JSONL) or flat (CSV, Parquet, Hugging Face).

Nested row (``jsonl``)::

    {"external_id": "r1", "fields": {...}, "metadata": {...}, "status": "completed",
     "is_gold": false,
     "responses": [{"id": 7, "user": "ann1", "values": {...}, "status": "submitted",
                    "time_spent": 12.5, "created_at": "...", "updated_at": "...",
                    "submitted_at": "...", "review_state": "accept",
                    "settings_version": 2}],
     "suggestions": [{"question": "intent", "value": "bug", "score": 0.8, "agent": "...",
                      "created_at": "..."}],
     "reviews": [{"response_id": 7, "annotator": "ann1", "reviewer": "rev", "verdict": "fix",
                  "reason": null, "values": {...}, "created_at": "...", "comment": null}],
     "gold": null,
     "aggregates": {"intent": {"value": "bug", "agreement": 0.67, "confidence": 0.91,
                               "responses": 3, "contradictory": false, "method": "ds"}}}

``aggregates`` appears when ``--aggregate`` is given. Times are ISO 8601 in
UTC. The flat row has ``external_id``, ``status``, ``is_gold``, one column per
field (chat fields as lists of messages, JSON fields as JSON text), then
``metadata``, ``responses``, ``suggestions``, ``reviews`` and ``gold`` as JSON
text, and per aggregated question ``consensus_<question>`` and
``agreement_<question>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from accord.io.exporters.base import Context, messages_type
from accord.schema.questions import types_with_role
from accord.store.export import ColumnPage, JsonRecord, LinePage, json_record

__all__ = ["FlatBuilder", "NestedBuilder", "iso", "to_json_record"]


def iso(value: Any) -> str | None:
    """A stored timestamp (datetime, or SQLite's text) as ISO 8601 in UTC."""
    if value.__class__ is str and len(value) >= 19 and value[10] == " ":
        return value[:10] + "T" + value[11:] + "+00:00"  # SQLite's naive UTC text
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    text = str(value).replace(" ", "T", 1)
    return text if "+" in text[10:] or text.endswith("Z") else text + "+00:00"


def _aggregates(ctx: Context, record_id: int) -> dict[str, Any]:
    out = {}
    for name, qc in ctx.consensus.items():
        d = qc.get(record_id)
        if d is None:
            continue
        entry = {"value": d.value, "agreement": d.agreement, "confidence": d.confidence,
                 "responses": d.n, "contradictory": d.contradictory, "method": qc.method}
        if d.margin is not None:
            entry["margin"] = d.margin
        if d.scores is not None:
            entry["scores"] = d.scores
        out[name] = entry
    return out


def to_json_record(record: Any) -> JsonRecord:
    """An :class:`~accord.store.export.ExportRecord` (read with ``FULL_LOAD``) as the
    :class:`~accord.store.export.JsonRecord` the builders take: the JSON text the
    database builds itself in :func:`~accord.store.export.iter_json_records`, written
    here by Python from the same spec (filters that look at each response)."""
    return json_record(record)


class NestedBuilder:
    """One nested object per record (every response, suggestion, review and gold answer).

    Takes :class:`~accord.store.export.JsonRecord` values: their JSON text goes
    into the row as :class:`orjson.Fragment`, written as it is by the JSONL encoder.
    """

    json_records = True

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vectors: dict[int, Any] = {}  # with_vectors: the current page's, set by the run

    def rows(self, record: JsonRecord, decision: Any) -> list[dict[str, Any]]:
        fragment = orjson.Fragment
        row: dict[str, Any] = {
            "external_id": record.external_id, "fields": fragment(record.fields_json),
            "metadata": fragment(record.metadata_json), "status": record.status,
            "is_gold": record.is_gold, "responses": fragment(record.responses),
            "suggestions": fragment(record.suggestions), "reviews": fragment(record.reviews),
            "gold": fragment(record.gold),
        }
        if self.ctx.consensus:
            row["aggregates"] = _aggregates(self.ctx, record.id)
        if self.ctx.options.with_vectors:
            row["vectors"] = self.vectors.get(record.id, {})
        return [row]

    def text(self, page: LinePage) -> tuple[bytes, ...]:
        """A page of records (:func:`~accord.store.export.iter_record_lines`) as
        the JSONL bytes :meth:`rows` and the JSONL encoder give, in chunks to be written
        one after the other."""
        if not self.ctx.consensus:
            return page.chunks
        dumps = orjson.dumps
        lines = page.text.split(b"\n")
        return (b"".join(line[:-1] + b',"aggregates":' + dumps(_aggregates(self.ctx, rid))
                         + b"}\n" for rid, line in zip(page.ids, lines, strict=False)),)

    def columns(self) -> list[str]:
        cols = ["external_id", "fields", "metadata", "status", "is_gold", "responses",
                "suggestions", "reviews", "gold"]
        return cols + (["aggregates"] if self.ctx.consensus else [])

    def schema(self) -> Any:
        return None


def _json(value: Any) -> str:
    """JSON text. Decoded at once: orjson's bytes keep a ~4 KB buffer each, which a
    batch of 20,000 rows turns into hundreds of megabytes."""
    return orjson.dumps(value).decode()


class FlatBuilder:
    """One flat row per record: scalar and message columns, the rest as JSON text.

    Takes :class:`~accord.store.export.JsonRecord` values (their JSON text is
    the row's JSON columns as it is).
    """

    json_records = True

    def __init__(self, ctx: Context, *, typed_chat: bool = True) -> None:
        self.ctx = ctx
        self.typed_chat = typed_chat
        self.dump = _json
        self.fields = [(f.name, f.type) for f in ctx.settings.fields]
        self.questions = {q.name: q.type for q in ctx.settings.questions}
        self._plain = all(t not in ("chat", "json") for _, t in self.fields)
        self._names = [n for n, _ in self.fields]
        self._schema: Any = None
        self.vectors: dict[int, Any] = {}  # with_vectors: the current page's, set by the run

    def rows(self, record: JsonRecord, decision: Any) -> list[dict[str, Any]]:
        row: dict[str, Any] = {"external_id": record.external_id, "status": record.status,
                               "is_gold": record.is_gold}
        fields = record.fields
        if self._plain:
            get = fields.get
            for name in self._names:
                row[name] = get(name)
        else:
            for name, ftype in self.fields:
                value = fields.get(name)
                if ftype == "chat" and self.typed_chat:
                    row[name] = None if value is None else [
                        {"role": str(m.get("role")), "content": str(m.get("content", ""))}
                        for m in value if isinstance(m, dict)]
                elif ftype in ("chat", "json"):
                    row[name] = None if value is None else self.dump(value)
                else:
                    row[name] = value
        row["metadata"] = record.metadata_json
        row["responses"] = record.responses
        row["suggestions"] = record.suggestions
        row["reviews"] = record.reviews
        row["gold"] = record.gold
        for name, qc in self.ctx.consensus.items():
            d = qc.get(record.id)
            value = None if d is None else d.value
            if value is not None and not self._scalar(name):
                value = self.dump(value)
            row[f"consensus_{name}"] = value
            row[f"agreement_{name}"] = None if d is None else d.agreement
        if self.ctx.options.with_vectors:
            vecs = self.vectors.get(record.id)
            row["vectors"] = None if vecs is None else self.dump(vecs)
        return [row]

    @property
    def takes_pages(self) -> bool:
        """Whether :meth:`table` applies: no chat or JSON field (those need Python)."""
        return self._plain

    def table(self, page: ColumnPage) -> Any:
        """A page of records (:func:`~accord.store.export.iter_record_columns`) as
        the Arrow table of :meth:`schema`, holding what :meth:`rows` gives for them."""
        import pyarrow as pa

        arrays = [page.external_id, page.status, page.is_gold]
        arrays += [page.fields[name] for name in self._names]
        arrays += [page.metadata, page.responses, page.suggestions, page.reviews, page.gold]
        schema = self._schema if self._schema is not None else self.schema()
        self._schema = schema
        for name, qc in self.ctx.consensus.items():
            decisions = [qc.get(rid) for rid in page.ids]
            scalar = self._scalar(name)
            values = [None if d is None or d.value is None else d.value if scalar
                      else self.dump(d.value) for d in decisions]
            arrays.append(pa.array(values, schema.field(f"consensus_{name}").type))
            arrays.append(pa.array([None if d is None else d.agreement for d in decisions],
                                   pa.float64()))
        return pa.Table.from_arrays(arrays, schema=schema)

    def _scalar(self, question: str) -> bool:
        return self.questions.get(question) in types_with_role("label_column")

    def columns(self) -> list[str]:
        cols = ["external_id", "status", "is_gold"] + [n for n, _ in self.fields]
        cols += ["metadata", "responses", "suggestions", "reviews", "gold"]
        for name in self.ctx.consensus:
            cols += [f"consensus_{name}", f"agreement_{name}"]
        if self.ctx.options.with_vectors:
            cols.append("vectors")
        return cols

    def schema(self) -> Any:
        import pyarrow as pa

        cols: list[tuple[str, Any]] = [("external_id", pa.string()), ("status", pa.string()),
                                       ("is_gold", pa.bool_())]
        for name, ftype in self.fields:
            cols.append((name, messages_type() if ftype == "chat" else pa.string()))
        cols += [(k, pa.string()) for k in ("metadata", "responses", "suggestions", "reviews",
                                            "gold")]
        for name, qc in self.ctx.consensus.items():
            kind = pa.float64() if qc.qtype == "rating" else pa.string()
            cols += [(f"consensus_{name}", kind), (f"agreement_{name}", pa.float64())]
        if self.ctx.options.with_vectors:
            cols.append(("vectors", pa.string()))
        return pa.schema(cols)
