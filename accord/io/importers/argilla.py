"""Argilla v2 dataset export (``Dataset.to_disk``, or its ``records.json``) as records and answers.

The directory holds ``records.json`` (a JSON array of records: ``id``,
``fields``, ``metadata``, ``suggestions`` ``{question: {value, score,
agent}}``, ``responses`` ``{question: [{value, user_id, status}]}``,
``vectors``) and ``.argilla/settings.json`` (guidelines, fields, questions).
Each Argilla user's answers become one response of
``imported:argilla:<user_id>`` (status ``submitted``, ``draft`` or
``discarded``); suggestions keep their score and agent; vectors are not
imported.

Settings (with ``--create``) come from ``settings.json``: text fields (markdown
when ``use_markdown``), chat, image and custom (json) fields;
``label_selection``, ``multi_label_selection``, ``rating``, ``text``,
``span`` and ``ranking`` questions. Argilla ranks a fixed list of options,
while accord ranks candidates stored in a field: a ranking question ``q``
gets a json field ``q_candidates`` holding the options on every record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord, MigratedResponse
from accord.schema import Settings, parse_settings

__all__ = ["PREFIX", "ArgillaSource"]

PREFIX = "imported:argilla:"
_FIELD_TYPES = {"text": "text", "chat": "chat", "image": "image", "custom": "json"}
_QUESTION_TYPES = {"label_selection": "label", "multi_label_selection": "multi_label",
                   "rating": "rating", "text": "text", "span": "span", "ranking": "ranking"}


def _load(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}", path=str(path)) from None


def _ranking(value: Any) -> Any:
    """Argilla rankings are ``["b", "a"]`` or ``[{"value": "b", "rank": 1}, ...]``."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        by_rank: dict[Any, list[str]] = defaultdict(list)
        for item in value:
            by_rank[item.get("rank")].append(str(item.get("value")))
        return [group[0] if len(group) == 1 else group
                for _, group in sorted(by_rank.items(), key=lambda kv: (kv[0] is None, kv[0]))]
    return value


class ArgillaSource:
    format = "argilla"

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        self.records_path = p / "records.json" if p.is_dir() else p
        self.settings_path = (p if p.is_dir() else p.parent) / ".argilla" / "settings.json"
        if not self.records_path.is_file():
            raise InputError("no records.json: pass an Argilla to_disk directory or its "
                             "records.json", path=str(path))

    def _raw_settings(self) -> dict[str, Any]:
        if not self.settings_path.is_file():
            raise InputError("creating the dataset needs .argilla/settings.json next to "
                             "records.json (or create the dataset first)",
                             path=str(self.settings_path))
        return _load(self.settings_path)

    def infer_settings(self) -> Settings:
        raw = self._raw_settings()
        fields = [{"name": f["name"], "title": f.get("title"),
                   "required": bool(f.get("required", True)),
                   "type": "markdown" if (f.get("settings") or {}).get("use_markdown") else
                   _FIELD_TYPES.get((f.get("settings") or {}).get("type", "text"), "json")}
                  for f in raw.get("fields") or []]
        questions = []
        for q in raw.get("questions") or []:
            s = q.get("settings") or {}
            kind = _QUESTION_TYPES.get(s.get("type"))
            if kind is None:
                raise InputError(f"unsupported Argilla question type {s.get('type')!r}",
                                 path=str(self.settings_path), field=q.get("name"))
            out: dict[str, Any] = {"name": q["name"], "type": kind, "title": q.get("title"),
                                   "required": bool(q.get("required", False))}
            options = s.get("options") or []
            if kind in ("label", "multi_label", "span"):
                out["labels"] = {str(o["value"]): str(o.get("text") or o["value"])
                                 for o in options}
            if kind == "span":
                out["field"] = s.get("field")
                out["allow_overlap"] = bool(s.get("allow_overlapping", False))
            if kind == "rating":
                values = [int(o["value"]) for o in options]
                out["min"], out["max"] = min(values), max(values)
            if kind == "ranking":
                out["field"] = f"{q['name']}_candidates"
                fields.append({"name": out["field"], "type": "json", "required": False})
            if kind == "text":
                out["use_markdown"] = bool(s.get("use_markdown", False))
            questions.append({k: v for k, v in out.items() if v is not None})
        return parse_settings({"guidelines": raw.get("guidelines") or "", "fields": fields,
                               "questions": questions})

    def _candidates(self) -> dict[str, list[dict[str, str]]]:
        if not self.settings_path.is_file():
            return {}
        out = {}
        for q in self._raw_settings().get("questions") or []:
            s = q.get("settings") or {}
            if s.get("type") == "ranking":
                out[q["name"]] = [{"id": str(o["value"]), "text": str(o.get("text") or
                                                                       o["value"])}
                                  for o in s.get("options") or []]
        return out

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        data = _load(self.records_path)
        if not isinstance(data, list):
            raise InputError("expected a JSON array of records", path=str(self.records_path))
        questions = {q.name: q for q in settings.questions}
        candidates = self._candidates()
        for n, rec in enumerate(data, 1):
            row = dict(rec.get("fields") or {})
            if rec.get("id") is not None:
                row["external_id"] = str(rec["id"])
            for qname, options in candidates.items():
                q = questions.get(qname)
                if q is not None and q.type == "ranking":
                    row.setdefault(q.field, options)
            by_user: dict[str, MigratedResponse] = {}
            for qname, answers in (rec.get("responses") or {}).items():
                for ans in answers or []:
                    user = PREFIX + str(ans.get("user_id") or "unknown")
                    resp = by_user.setdefault(user, MigratedResponse(
                        user, {}, str(ans.get("status") or "submitted")))
                    value = ans.get("value")
                    q = questions.get(qname)
                    resp.values[qname] = _ranking(value) if q is not None and \
                        q.type == "ranking" else value
            suggestions = [(qname, _ranking(s.get("value")) if qname in questions and
                            questions[qname].type == "ranking" else s.get("value"),
                            s.get("score") if isinstance(s.get("score"), (int, float)) else None,
                            str(s.get("agent") or "argilla"))
                           for qname, s in (rec.get("suggestions") or {}).items()
                           if isinstance(s, dict)]
            yield MigratedRecord(n, row, dict(rec.get("metadata") or {}),
                                 list(by_user.values()), suggestions)
