"""Label Studio JSON export (a JSON array of tasks, or JSONL of tasks) as records and answers.

A task's ``data`` holds the fields (``external_id`` or ``id`` in it becomes
the record's id, else the task id), ``meta`` goes to metadata, each
annotation becomes a response of ``imported:label-studio:<email or user id>``
(``was_cancelled`` -> discarded, ``lead_time`` -> time spent), each
prediction's results become suggestions (agent = ``model_version``). Results
are read per ``from_name`` (the question) by type: ``choices`` (label or
multi-label), ``labels`` (spans, one result per span), ``rating``,
``textarea`` (text; several lines joined by newlines), ``pairwise``
(``left``/``right``, accord's ``tie`` and ``strength``), ``ranker`` and
``taxonomy`` (flags) - the mapping of :mod:`accord.io.exporters.label_studio`.

With ``--create`` the settings are inferred: one field per ``data`` key and
one question per ``from_name``, typed by its results, labels collected from
the file (ratings on a 1..max scale, at least 1..5).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord, MigratedResponse, parse_time
from accord.io.readers import detect_format, read_rows
from accord.schema import Settings, parse_settings

__all__ = ["PREFIX", "LabelStudioSource", "value_of"]

PREFIX = "imported:label-studio:"
_TYPES = ("choices", "labels", "rating", "textarea", "pairwise", "ranker", "taxonomy")


def _user(completed_by: Any) -> str:
    if isinstance(completed_by, dict):
        who = completed_by.get("email") or completed_by.get("username") or completed_by.get("id")
    else:
        who = completed_by
    return PREFIX + (str(who) if who not in (None, "") else "unknown")


def value_of(q: Any, results: list[dict[str, Any]]) -> Any:
    """The accord value of question ``q`` from its Label Studio results."""
    v = [r.get("value") or {} for r in results]
    if q.type == "span":
        return [{"start": x["start"], "end": x["end"], "label": lab}
                for x in v for lab in x.get("labels", [])]
    first = v[0]
    if q.type == "label":
        choices = first.get("choices") or []
        return choices[0] if choices else None
    if q.type == "multi_label":
        return list(first.get("choices") or [])
    if q.type == "rating":
        return first.get("rating")
    if q.type == "text":
        text = first.get("text")
        return "\n".join(map(str, text)) if isinstance(text, list) else text
    if q.type == "pairwise":
        choice = {"left": "a", "right": "b"}.get(first.get("selected"), "tie")
        out: dict[str, Any] = {"choice": choice}
        if first.get("strength") is not None:
            out["strength"] = first["strength"]
        return out
    if q.type == "ranking":
        ranker = first.get("ranker") or {}
        if "ranked" in ranker:
            return ranker["ranked"]
        lists = [x for x in ranker.values() if isinstance(x, list)]
        return lists[0] if lists else None
    return [{"label": p[0], "severity": p[1]} if len(p) > 1 else {"label": p[0]}
            for p in first.get("taxonomy") or [] if p]


def _values(results: list[Any], questions: dict[str, Any], src: str,
            line: int | None) -> dict[str, Any]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        if not isinstance(r, dict) or "from_name" not in r:
            raise InputError(f"a result needs from_name, type and value; got {str(r)[:80]}",
                             path=src, line=line)
        grouped[r["from_name"]].append(r)
    out = {}
    for name, rs in grouped.items():
        q = questions.get(name)
        if q is None:
            raise InputError(f"no question named {name!r}; questions are {sorted(questions)}",
                             path=src, line=line, field=name)
        value = value_of(q, rs)
        if value is not None:
            out[name] = value
    return out


class LabelStudioSource:
    format = "label-studio"

    def __init__(self, path: str | Path, fmt: str | None = None) -> None:
        self.path = Path(path)
        self.fmt = fmt or ("jsonl" if detect_format(self.path) == "jsonl" else "json")

    def _tasks(self) -> Iterator[tuple[int, dict[str, Any]]]:
        yield from read_rows(self.path, self.fmt)

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        questions = {q.name: q for q in settings.questions}
        src = str(self.path)
        for line, task in self._tasks():
            try:
                yield self._record(line, task, questions, src)
            except InputError as exc:
                yield MigratedRecord(line, {}, error=exc)

    def _record(self, line: int, task: dict[str, Any], questions: dict[str, Any],
                src: str) -> MigratedRecord:
        if not isinstance(task.get("data"), dict):
            raise InputError("a task needs a 'data' object", path=src, line=line, field="data")
        row = dict(task["data"])
        if "external_id" not in row and "id" not in row and "id" in task:
            row["external_id"] = str(task["id"])
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        responses = []
        for ann in task.get("annotations") or []:
            spent = ann.get("lead_time")
            responses.append(MigratedResponse(
                _user(ann.get("completed_by")),
                _values(ann.get("result") or [], questions, src, line),
                "discarded" if ann.get("was_cancelled") else "submitted",
                min(max(float(spent), 0.0), 86400.0) if isinstance(spent, (int, float))
                else 0.0, parse_time(ann.get("created_at"))))
        suggestions = []
        for pred in task.get("predictions") or []:
            agent = str(pred.get("model_version") or "label-studio")
            score = pred.get("score") if isinstance(pred.get("score"), (int, float)) else None
            for q, value in _values(pred.get("result") or [], questions, src, line).items():
                suggestions.append((q, value, score, agent))
        return MigratedRecord(line, row, meta, responses, suggestions)

    def infer_settings(self) -> Settings:
        fields: dict[str, str] = {}
        seen: dict[str, dict[str, Any]] = {}
        for _, task in self._tasks():
            if not isinstance(task.get("data"), dict):
                continue
            for key, value in task["data"].items():
                if key in ("external_id", "id"):
                    continue
                fields.setdefault(key, _field_type(value))
            for group in ("annotations", "predictions"):
                for ann in task.get(group) or []:
                    for r in ann.get("result") or []:
                        _observe(seen, r)
        if not fields:
            raise InputError("no data fields in the tasks", path=str(self.path))
        questions = [_question(name, info, fields) for name, info in seen.items()]
        return parse_settings({"fields": [{"name": n, "type": t, "required": False}
                                          for n, t in fields.items()],
                               "questions": questions})


def _field_type(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(m, dict) and "role" in m
                                                 for m in value):
        return "chat"
    return "text" if isinstance(value, str) else "json"


def _observe(seen: dict[str, dict[str, Any]], r: dict[str, Any]) -> None:
    kind = r.get("type")
    if kind not in _TYPES:
        raise InputError(f"unsupported Label Studio result type {kind!r}; supported: "
                         f"{', '.join(_TYPES)}", field=str(r.get("from_name")))
    info = seen.setdefault(r["from_name"], {"type": kind, "to_name": r.get("to_name"),
                                            "labels": [], "multi": False, "max": 5,
                                            "severities": []})
    v = r.get("value") or {}
    labels = v.get("choices") or v.get("labels") or []
    info["multi"] = info["multi"] or len(v.get("choices") or []) > 1
    for lab in labels:
        if lab not in info["labels"]:
            info["labels"].append(lab)
    ranked = v.get("ranker") if isinstance(v.get("ranker"), dict) else {}
    if any(isinstance(entry, list) for order in ranked.values() if isinstance(order, list)
           for entry in order):
        info["ties"] = True
    if isinstance(v.get("rating"), int):
        info["max"] = max(info["max"], v["rating"])
    for path in v.get("taxonomy") or []:
        if path and path[0] not in info["labels"]:
            info["labels"].append(path[0])
        if len(path) > 1 and path[1] not in info["severities"]:
            info["severities"].append(path[1])


def _question(name: str, info: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    kind, to = info["type"], info.get("to_name") or ""
    if kind == "choices":
        labels = info["labels"] if len(info["labels"]) >= 2 or info["multi"] else \
            info["labels"] + ["other"]
        return {"name": name, "type": "multi_label" if info["multi"] else "label",
                "labels": labels}
    if kind == "labels":
        return {"name": name, "type": "span", "field": to, "labels": info["labels"],
                "allow_overlap": True}
    if kind == "rating":
        return {"name": name, "type": "rating", "min": 1, "max": info["max"]}
    if kind == "textarea":
        return {"name": name, "type": "text", **({"field": to} if to in fields else {})}
    if kind == "pairwise":
        return {"name": name, "type": "pairwise", "fields": to.split(",")}
    if kind == "ranker":
        return {"name": name, "type": "ranking", "field": to,
                "allow_ties": bool(info.get("ties"))}
    return {"name": name, "type": "flags", "labels": info["labels"],
            **({"severities": info["severities"]} if info["severities"] else {})}
