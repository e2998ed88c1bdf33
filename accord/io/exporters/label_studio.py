"""``label-studio``: Label Studio's JSON task format (a JSON array of tasks).

Each record is a task: ``data`` holds the fields and ``external_id``,
``meta`` the metadata; every submitted or discarded response is an
annotation (``completed_by`` ``{"id", "email"}`` with the user name as
``email``, ``was_cancelled`` for discarded ones, ``lead_time`` the time
spent), every suggestion a prediction (``model_version`` is the agent). Each
answer is one result ``{id, from_name, to_name, type, value}`` with
``from_name`` the question and ``to_name`` the field it is about:

=============  ===========  ===============================================
question       type         value
=============  ===========  ===============================================
label          choices      ``{"choices": ["bug"]}``
multi_label    choices      ``{"choices": ["refund", "login"]}``
span           labels       ``{"start", "end", "text", "labels": ["PER"]}`` (one result per span)
rating         rating       ``{"rating": 4}``
text           textarea     ``{"text": ["..."]}``
pairwise       pairwise     ``{"selected": "left"|"right"|"tie", "strength": 2}``
ranking        ranker       ``{"ranker": {"ranked": ["c2", "c1"]}}`` (ties nested)
flags          taxonomy     ``{"taxonomy": [["pii", "high"]]}``
=============  ===========  ===============================================

Image and audio region questions (bbox, polygon, keypoints, segment,
transcript) have no result here: export them with ``coco`` or
``audio-segments``.

``tie``, ``strength`` and the ``ranked`` list are accord's own keys where
Label Studio has no equivalent; ``accord import --format label-studio``
reads all of it back, except an empty span list, which has no result in
Label Studio and comes back as no answer to the span question.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.record_rows import iso

__all__ = ["FORMAT", "RESULT_TYPES", "results_for"]

RESULT_TYPES = {"label": "choices", "multi_label": "choices", "span": "labels",
                "rating": "rating", "text": "textarea", "pairwise": "pairwise",
                "ranking": "ranker", "flags": "taxonomy"}


def _to_name(q: Any, default: str) -> str:
    if q.type == "pairwise":
        return ",".join(q.fields)
    return getattr(q, "field", None) or default


def results_for(values: dict[str, Any], questions: dict[str, Any], fields: dict[str, Any],
                default_field: str, prefix: str) -> list[dict[str, Any]]:
    """Label Studio results for one response's ``{question: value}``."""
    out: list[dict[str, Any]] = []
    for name, value in values.items():
        q = questions.get(name)
        if q is None or value is None or q.type not in RESULT_TYPES:
            continue  # image and audio regions: exported by coco / audio-segments
        base = {"from_name": name, "to_name": _to_name(q, default_field),
                "type": RESULT_TYPES[q.type], "origin": "manual"}
        if q.type == "span":
            text = fields.get(q.field) if isinstance(fields.get(q.field), str) else ""
            for k, s in enumerate(value):
                out.append({"id": f"{prefix}-{name}-{k}", **base, "value": {
                    "start": s["start"], "end": s["end"], "text": text[s["start"]:s["end"]],
                    "labels": [s["label"]]}})
            continue
        out.append({"id": f"{prefix}-{name}", **base, "value": _value(q.type, value)})
    return out


def _value(qtype: str, value: Any) -> dict[str, Any]:
    if qtype == "label":
        return {"choices": [value]}
    if qtype == "multi_label":
        return {"choices": list(value)}
    if qtype == "rating":
        return {"rating": value}
    if qtype == "text":
        return {"text": [value]}
    if qtype == "pairwise":
        out = {"selected": {"a": "left", "b": "right"}.get(value.get("choice"), "tie")}
        if value.get("strength") is not None:
            out["strength"] = value["strength"]
        return out
    if qtype == "ranking":
        return {"ranker": {"ranked": value}}
    return {"taxonomy": [[f["label"], f["severity"]] for f in value]}


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.questions = {q.name: q for q in ctx.settings.questions}
        self.default_field = ctx.settings.fields[0].name

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        data = dict(record.fields)
        data["external_id"] = record.external_id
        annotations = []
        for r in record.responses:
            if r.status not in ("submitted", "discarded"):
                continue
            annotations.append({
                "id": r.id, "completed_by": {"id": r.user_id, "email": r.user},
                "result": results_for(r.values, self.questions, record.fields,
                                      self.default_field, f"r{r.id}"),
                "was_cancelled": r.status == "discarded", "ground_truth": False,
                "created_at": iso(r.created_at), "updated_at": iso(r.updated_at),
                "lead_time": r.time_spent})
        predictions = [{"model_version": s.agent, "score": s.score,
                        "result": results_for({s.question: s.value}, self.questions,
                                              record.fields, self.default_field,
                                              f"s{record.id}-{k}")}
                       for k, s in enumerate(record.suggestions)]
        yield {"id": record.id, "data": data, "meta": record.metadata,
               "annotations": annotations, "predictions": predictions}

    def columns(self) -> list[str]:
        return ["id", "data", "meta", "annotations", "predictions"]

    def schema(self) -> Any:
        return None


FORMAT = ExportFormat("label-studio", "records", ("json",), _Builder,
                      "Label Studio JSON tasks with annotations and predictions",
                      load={"full": True, "response_statuses": ("submitted", "discarded"),
                            "suggestions": True})
