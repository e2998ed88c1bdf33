"""Candidate generation for preference data: K responses per prompt, into a ranking or
pairwise dataset.

For every record of the source dataset, the prompt field (text, or a chat
whose messages up to the last user turn are sent as they are) is answered
K times, cycling through every (model, temperature) combination, so K = 4
with two models and two temperatures gives one answer of each. The answers
are written through :func:`accord.io.importer.import_rows` (an upsert by
``external_id``, so a re-run replaces instead of duplicating):

- into a **ranking** dataset (one with a ranking question): one record per
  prompt, its json candidates field holding
  ``[{"id": "c1", "text": ..., "model": ..., "temperature": ...}, ...]``;
- into a **pairwise** dataset: one record per pair of candidates
  (``<id>:1-2``, ``<id>:1-3``...), A and B in the question's two fields.

A target dataset that does not exist is created as a ranking dataset
(``prompt`` field named like the source field, json ``candidates``, a
required ranking question ``ranking``) or, with ``kind="pairwise"``, as a
pairwise one (``response_a``, ``response_b``, question ``preference``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import Engine

from accord.assist.client import LLMClient
from accord.assist.runs import RunSummary, parallel_map
from accord.errors import InputError, NotFound
from accord.io.importer import ImportOptions, import_rows
from accord.schema import Settings, parse_settings
from accord.store.assist_queries import record_ids, records_by_ids
from accord.store.datasets import create_dataset, get_dataset, settings_of
from accord.store.engine import session_scope, write_scope

__all__ = ["GenerateOptions", "generate_candidates", "prompt_messages"]


@dataclass
class GenerateOptions:
    prompt_field: str
    into: str
    k: int = 4
    models: list[str] = field(default_factory=list)  # empty: the client's model
    temperatures: list[float] = field(default_factory=lambda: [0.7])
    kind: str = "ranking"  # for a dataset that does not exist yet
    limit: int | None = None
    max_tokens: int | None = None
    system: str | None = None


@dataclass
class _Target:
    kind: str  # ranking | pairwise
    prompt_field: str
    fields: list[str]  # [candidates] or [a, b]


def prompt_messages(value: Any, system: str | None = None) -> list[dict[str, str]]:
    """Chat messages for a prompt: a text becomes one user turn; a chat is cut after its
    last user turn.

    Examples
    --------
    >>> prompt_messages([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    [{'role': 'user', 'content': 'hi'}]
    """
    head = [{"role": "system", "content": system}] if system else []
    if isinstance(value, list):
        msgs = [{"role": str(m.get("role", "user")), "content": str(m.get("content", ""))}
                for m in value if isinstance(m, dict)]
        last_user = max((i for i, m in enumerate(msgs) if m["role"] == "user"), default=None)
        if last_user is None:
            raise InputError("the chat has no user message to answer", field="--prompt-field")
        return head + msgs[:last_user + 1]
    return head + [{"role": "user", "content": str(value)}]


def _target(engine: Engine, options: GenerateOptions, source_type: str) -> _Target:
    with write_scope(engine) as session:
        try:
            settings = settings_of(get_dataset(session, options.into))
        except NotFound:
            settings = _new_target_settings(options, source_type)
            create_dataset(session, options.into, settings)
    for q in settings.questions:
        if q.type in ("ranking", "pairwise"):
            used = set(q.referenced_fields())
            names = [f.name for f in settings.fields]
            prompt = options.prompt_field if options.prompt_field in names else next(
                (f.name for f in settings.fields
                 if f.name not in used and f.type in ("text", "chat", "markdown")), None)
            if prompt is None:
                raise InputError(f"dataset {options.into!r} has no field for the prompt",
                                 field="--into")
            return _Target(q.type, prompt, list(q.referenced_fields()))
    raise InputError(f"dataset {options.into!r} has no ranking or pairwise question; "
                     "candidates go into one that has", field="--into")


def _new_target_settings(options: GenerateOptions, source_type: str) -> Settings:
    prompt = {"name": options.prompt_field, "type": source_type}
    if options.kind == "pairwise":
        return parse_settings({"fields": [prompt, {"name": "response_a", "type": "text"},
                                          {"name": "response_b", "type": "text"}],
                               "questions": [{"name": "preference", "type": "pairwise",
                                              "fields": ["response_a", "response_b"],
                                              "required": True}]})
    if options.kind != "ranking":
        raise InputError(f"expected ranking or pairwise, got {options.kind!r}", field="--kind")
    return parse_settings({"fields": [prompt, {"name": "candidates", "type": "json"}],
                           "questions": [{"name": "ranking", "type": "ranking",
                                          "field": "candidates", "required": True}]})


def _rows(target: _Target, external_id: str, prompt: Any, source: str,
          candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    meta = {"source_dataset": source, "source_id": external_id}
    if target.kind == "ranking":
        return [{"external_id": external_id, target.prompt_field: prompt,
                 target.fields[0]: candidates, **meta}]
    rows = []
    for a, b in combinations(candidates, 2):
        rows.append({"external_id": f"{external_id}:{a['id'][1:]}-{b['id'][1:]}",
                     target.prompt_field: prompt, target.fields[0]: a["text"],
                     target.fields[1]: b["text"], "candidate_a": a["id"], "candidate_b": b["id"],
                     "model_a": a["model"], "model_b": b["model"], **meta})
    return rows


def generate_candidates(engine: Engine, dataset: str, client: LLMClient,
                        options: GenerateOptions, *,
                        progress: Callable[[int], None] | None = None,
                        total: Callable[[int], None] | None = None) -> RunSummary:
    """Generate ``k`` candidates per record of ``dataset`` into ``options.into``.

    Raises
    ------
    InputError
        Unknown prompt field, k < 1 (or < 2 for pairwise), or an unusable target.
    LLMError
        The endpoint refused or kept failing.
    """
    if options.k < 1:
        raise InputError(f"k must be at least 1, got {options.k}", field="--k")
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        fields = {f.name: f for f in settings_of(ds).fields}
        if options.prompt_field not in fields:
            raise InputError(f"unknown field {options.prompt_field!r}; fields are "
                             f"{sorted(fields)}", field="--prompt-field")
        ids = record_ids(session, ds.id, limit=options.limit)
    target = _target(engine, options, fields[options.prompt_field].type)
    if target.kind == "pairwise" and options.k < 2:
        raise InputError("pairwise candidates need k >= 2", field="--k")
    combos = [(m, t) for m in (options.models or [client.config.model])
              for t in options.temperatures]
    plan = Counter(combos[j % len(combos)] for j in range(options.k))
    summary = RunSummary("generate", dataset, agent=",".join(sorted({m for m, _ in combos})),
                         records=len(ids), meter=client.meter)
    if total is not None:
        total(len(ids))

    def one(rec: tuple[int, str, dict[str, Any]]) -> list[dict[str, Any]]:
        prompt = rec[2].get(options.prompt_field)
        if prompt is None:
            return []
        messages = prompt_messages(prompt, options.system)
        out: list[dict[str, Any]] = []
        for (model, temperature), count in plan.items():
            done = client.complete(messages, model=model, temperature=temperature, n=count,
                                   max_tokens=options.max_tokens)
            for choice in done.choices:
                out.append({"id": f"c{len(out) + 1}", "text": choice.content.strip(),
                            "model": model, "temperature": temperature})
        return _rows(target, rec[1], prompt, dataset, out)

    for start in range(0, len(ids), 256):
        with session_scope(engine) as session:
            batch = records_by_ids(session, ids[start:start + 256])
        made = {rec[0]: result for rec, result in parallel_map(
            one, batch, workers=client.config.concurrency, progress=progress)}
        rows: list[dict[str, Any]] = []
        for rec in batch:  # in source order, whatever order the answers came in
            if not made[rec[0]]:
                summary.skipped += 1
            rows.extend(made[rec[0]])
        if rows:
            result = import_rows(engine, options.into, enumerate(rows, 1), ImportOptions(),
                                 source=f"generate:{dataset}")
            summary.written += result.inserted + result.updated
    summary.retries = client.retries
    return summary.finish()
