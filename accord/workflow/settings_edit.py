"""Editing a dataset's settings after creation: new versions, renaming labels with a mapping.

Adding labels and questions, retiring labels (``retired: [...]`` on a
labelled question: still valid, still exported, no longer offered) and new
guidelines are a plain settings update (a new version, :func:`save_settings`); removing a
label that stored answers use is refused there, naming retire and rename instead. Renaming rewrites
the answers too: :func:`rename_labels` saves the renamed settings as the next
version and rewrites every stored value of the question (responses,
reviewers' fixes, suggestions, gold answers, stored consensus) in the
caller's transaction, so either all of it happens or none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from accord.errors import Conflict, InputError
from accord.schema import Settings, parse_settings
from accord.store.answer_rewrite import rewrite_question_values
from accord.store.datasets import settings_of, update_settings
from accord.store.models import Dataset, SettingsVersion

__all__ = ["rename_labels", "renamed_value", "save_settings"]


def renamed_value(value: Any, mapping: dict[str, str]) -> Any:
    """A stored value with its labels renamed: a label, a list of labels, or a list of
    ``{"label": ...}`` objects (flags, spans, regions).

    >>> renamed_value(["a", "b"], {"a": "x"})
    ['x', 'b']
    >>> renamed_value([{"label": "a", "start": 0}], {"a": "x"})
    [{'label': 'x', 'start': 0}]
    """
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        out = [renamed_value(v, mapping) if not isinstance(v, dict) else
               ({**v, "label": mapping.get(v["label"], v["label"])}
                if isinstance(v.get("label"), str) else v) for v in value]
        if all(isinstance(v, str) for v in out):  # a multi-label answer: merged labels once
            out = list(dict.fromkeys(out))
        return out
    return value


def rename_labels(session: Session, ds: Dataset, settings: Settings, question: str,
                  mapping: dict[str, str], *, user_id: int | None = None) -> dict[str, Any]:
    """Rename labels of ``question`` (``{old: new}``; a new name that is already a label
    merges the two) in the settings and in every stored answer.

    Returns
    -------
    dict
        ``{"settings_version": n, "rewritten": {kind: rows}}``.

    Raises
    ------
    InputError
        Unknown question, a question without labels, an unknown old label, or an empty
        new name.
    """
    names = [q.name for q in settings.questions]
    if question not in names:
        raise InputError(f"unknown question {question!r}; questions are {names}",
                         field="question")
    data = settings.to_dict()
    q = next(x for x in data["questions"] if x["name"] == question)
    labels: dict[str, str] | None = q.get("labels")
    if not isinstance(labels, dict) or not labels:
        raise InputError(f"question {question!r} ({q['type']}) has no labels to rename",
                         field="question")
    if not mapping:
        raise InputError("give at least one label to rename: {old: new}", field="mapping")
    for old, new in mapping.items():
        if old not in labels:
            raise InputError(f"{old!r} is not a label of {question!r}; labels are "
                             f"{list(labels)}", field="mapping")
        if not isinstance(new, str) or not new.strip():
            raise InputError(f"new name for {old!r} must be a non-empty string",
                             field="mapping")
    renamed: dict[str, str] = {}
    for key, text in labels.items():
        new = mapping.get(key, key)
        if new in renamed:
            continue  # merged into a label already kept
        renamed[new] = new if (key in mapping and text == key) else text
    q["labels"] = renamed
    if q.get("retired"):
        q["retired"] = list(dict.fromkeys(mapping.get(r, r) for r in q["retired"]))
    new_settings = parse_settings(data)
    version = update_settings(session, ds, new_settings, user_id=user_id)
    counts = rewrite_question_values(session, ds.id, question,
                                     lambda v: renamed_value(v, mapping))
    return {"settings_version": version.version, "rewritten": counts}


class _Used(Exception):
    """A stored value uses a label that the new settings drop."""


def save_settings(session: Session, ds: Dataset, settings: Settings,
                  *, user_id: int | None = None) -> SettingsVersion:
    """Save ``settings`` as the dataset's next version, refusing to drop a label that a
    stored answer, fix, suggestion, gold answer or consensus value uses (it would make
    them invalid): such a label is retired (``retired: [...]``) or renamed instead.

    Raises
    ------
    Conflict
        A removed label is still used; the message names the question and the labels.
    """
    old = {q.name: q for q in settings_of(ds).questions}
    for q in settings.questions:
        before = old.get(q.name)
        old_labels = list(getattr(before, "labels", None) or {})
        if before is None or before.type != q.type or not old_labels:
            continue
        removed = [lab for lab in old_labels if lab not in (getattr(q, "labels", None) or {})]
        if removed:
            _refuse_if_used(session, ds, q.name, removed)
    return update_settings(session, ds, settings, user_id=user_id)


def _refuse_if_used(session: Session, ds: Dataset, question: str, removed: list[str]) -> None:
    marker = {lab: "\x00removed" for lab in removed}

    def check(value: Any) -> Any:  # reads only: returns every value unchanged
        if renamed_value(value, marker) != value:
            raise _Used
        return value

    try:
        rewrite_question_values(session, ds.id, question, check)
    except _Used:
        raise Conflict(
            f"question {question!r}: label(s) {removed} are used by stored answers; retire "
            "them instead (add them to the question's 'retired' list: still valid, no "
            "longer offered) or rename them (POST .../settings/rename-labels)") from None
