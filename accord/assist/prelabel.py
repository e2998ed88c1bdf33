"""Pre-labelling: ask a model every question's answer for a dataset's records.

For each record the prompt (:mod:`accord.assist.prompts`, with few-shot
examples drawn from submitted human responses) asks for structured output
(:mod:`accord.assist.schema_output`) in the mode the server accepts
(:mod:`accord.assist.structured`: ``json_schema``, ``json_object`` with a
schema, or the schema in the prompt); the answer is parsed, repaired and
validated, scored (:mod:`accord.assist.confidence`: logprobs renormalized
over the allowed answers when the server sends them, else self-consistency
over ``fallback_k`` samples) and stored as a suggestion of agent
``<model>@p:<prompt version>`` with its metadata (prompt version, method,
structured-output mode, label distribution, repairs, rationale). Records
used as few-shot examples are not pre-labelled (their answer is in the
prompt). Each run writes its full prompt template to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine

from accord.assist.client import LLMClient, LLMError
from accord.assist.confidence import Confidence, logprob_confidence, self_consistency, vote_key
from accord.assist.executor_batches import PrelabelBatch
from accord.assist.prompts import TEMPLATES, PromptTemplate, agent_name
from accord.assist.runs import RunSummary
from accord.assist.schema_output import (
    VALUE_KEYS,
    ParsedOutput,
    enum_choices,
    output_schema,
    parse_output,
)
from accord.errors import InputError
from accord.prep.executors import Executor
from accord.prep.executors.local import LocalExecutor
from accord.schema import Settings
from accord.store.assist_queries import (
    SuggestionItem,
    few_shot_examples,
    put_suggestions,
    record_ids,
    records_by_ids,
)
from accord.store.audit import record_event
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.models import utcnow

__all__ = ["PrelabelOptions", "prelabel", "question_of", "suggest_one"]


@dataclass
class PrelabelOptions:
    """What to ask and how (see :func:`prelabel`)."""

    question: str
    k: int = 1
    limit: int | None = None
    few_shot: int = 0
    temperature: float | None = None  # default: 0 for one sample, 1.0 for k > 1
    logprobs: bool = True
    top_logprobs: int = 5
    fallback_k: int = 5
    template: PromptTemplate | None = None
    rationale: bool = False
    only_pending: bool = False
    max_tokens: int | None = None
    batch_size: int = 256
    action: str = "prelabel"


def _redacted(url: str) -> str:
    """The URL without user:password, for the audit log.

    Examples
    --------
    >>> _redacted("http://me:secret@127.0.0.1:8000/v1")
    'http://127.0.0.1:8000/v1'
    """
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host.rpartition('@')[2]}{slash}{path}" if sep else url


def question_of(settings: Settings, name: str) -> Any:
    """The question called ``name``, or an InputError listing the questions."""
    try:
        return settings.question(name)
    except KeyError:
        raise InputError(f"unknown question {name!r}; questions are "
                         f"{[q.name for q in settings.questions]}", field="--question") from None


def _template(options: PrelabelOptions, question: Any) -> PromptTemplate:
    if options.template is not None:
        return options.template
    if options.rationale:
        return TEMPLATES["judge"]
    return TEMPLATES["draft" if question.type == "text" else "prelabel"]


def suggest_one(client: LLMClient, settings: Settings, question: Any, fields: dict[str, Any],
                options: PrelabelOptions, template: PromptTemplate,
                examples: list[tuple[dict[str, Any], Any]]) -> tuple[Any, float | None,
                                                                      dict[str, Any]]:
    """Ask the model about one record: ``(value, score, metadata)``.

    Raises
    ------
    InputError
        Every sample's answer was invalid even after repair.
    LLMError
        The endpoint failed (not retried further here).
    """
    messages = template.messages(settings, question, fields, examples=examples)
    k = max(1, options.k)
    temperature = options.temperature if options.temperature is not None else \
        (0.0 if k == 1 else 1.0)
    if question.type == "text" and not options.rationale:
        done = client.complete(messages, temperature=temperature, max_tokens=options.max_tokens)
        parsed = parse_output(question, done.choices[0].content if done.choices else "", fields)
        return parsed.value, None, {"method": None, "k": 1}
    fmt = {"schema": output_schema(question, fields, rationale=options.rationale),
           "schema_name": f"answer_{question.type}"}
    want_logprobs = options.logprobs and k == 1
    done = client.complete(messages, **fmt, n=k, temperature=temperature,
                           logprobs=want_logprobs,
                           top_logprobs=options.top_logprobs if want_logprobs else 0,
                           max_tokens=options.max_tokens)
    outputs: list[tuple[ParsedOutput, Any]] = []
    problems: list[str] = []
    for choice in done.choices:
        try:
            outputs.append((parse_output(question, choice.content, fields), choice))
        except InputError as exc:
            problems.append(exc.message)
    conf: Confidence | None = None
    if k == 1 and outputs and want_logprobs:
        conf = logprob_confidence(outputs[0][1].logprobs, VALUE_KEYS[question.type],
                                  enum_choices(question), top_n=options.top_logprobs)
    if k == 1 and outputs and conf is None and options.fallback_k > 1:
        more = client.complete(messages, **fmt, n=options.fallback_k - 1,
                               temperature=temperature or 1.0, max_tokens=options.max_tokens)
        for choice in more.choices:
            try:
                outputs.append((parse_output(question, choice.content, fields), choice))
            except InputError as exc:
                problems.append(exc.message)
    if not outputs:
        raise InputError(problems[0] if problems else "the model returned no answer",
                         field=question.name)
    if conf is None and len(outputs) > 1:
        value, conf = self_consistency([p.value for p, _ in outputs], question.type)
        chosen = next(p for p, _ in outputs if vote_key(question.type, p.value)
                      == vote_key(question.type, value))
    else:
        chosen = outputs[0][0]
    meta: dict[str, Any] = {"method": conf.method if conf else None, "k": len(outputs),
                            "structured": done.structured}
    if conf is not None and conf.distribution is not None:
        meta["distribution"] = conf.distribution
    if chosen.repairs:
        meta["repairs"] = chosen.repairs
    if problems:
        meta["invalid_samples"] = len(problems)
    if chosen.rationale is not None:
        meta["rationale"] = chosen.rationale
    return chosen.value, (None if conf is None else round(conf.score, 6)), meta


def prelabel(engine: Engine, dataset: str, client: LLMClient, options: PrelabelOptions, *,
             executor: Executor | None = None,
             progress: Callable[[int], None] | None = None,
             total: Callable[[int], None] | None = None) -> RunSummary:
    """Suggest answers to one question for a dataset's records.

    Parameters
    ----------
    engine : Engine
    dataset : str
    client : LLMClient
        Its config's model names the agent; its concurrency bounds the requests
        in flight (per worker with an executor).
    options : PrelabelOptions
    executor : Executor, optional
        Run the model calls on a prep executor (``local`` processes or ``ray``,
        :mod:`accord.assist.executor_batches`) in batches of
        ``options.batch_size`` records; the suggestions are the same as
        without one. Default: threads in this process.
    progress : callable, optional
        Called with the number of records finished (1 at a time without an executor).
    total : callable, optional
        Called once with the number of records to do.

    Returns
    -------
    RunSummary
        ``written`` suggestions, ``failed`` records (invalid answers), tokens and cost.

    Raises
    ------
    InputError
        Unknown dataset or question.
    LLMError
        The endpoint refused or kept failing (suggestions of finished batches are kept).
    """
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        question = question_of(settings, options.question)
        shots = few_shot_examples(session, ds.id, question.name, options.few_shot)
        shot_ids = {rid for rid, _, _ in shots}
        limit = None if options.limit is None else options.limit + len(shot_ids)
        ids = [rid for rid in record_ids(session, ds.id, only_pending=options.only_pending,
                                         limit=limit) if rid not in shot_ids][:options.limit]
        dataset_id = ds.id
    template = _template(options, question)
    version = template.version(few_shot=len(shots))
    summary = RunSummary(options.action, dataset, agent_name(client.config.model, version),
                         records=len(ids), meter=client.meter, skipped=len(shot_ids))
    if total is not None:
        total(len(ids))
    work = PrelabelBatch(client.config, settings, question.name, options, template,
                         [(f, v) for _, f, v in shots],
                         cache_dir=client.cache.directory if client.cache is not None else None,
                         prices=client.meter.prices,
                         client=client if executor is None else None,
                         progress=progress if executor is None else None)
    size = options.batch_size if executor is not None else \
        max(options.batch_size, 4 * client.config.concurrency)
    records: dict[int, tuple[int, str]] = {}

    def items() -> Iterator[tuple[int, bytes]]:
        for start in range(0, len(ids), size):
            with session_scope(engine) as session:
                batch = records_by_ids(session, ids[start:start + size])
            for rid, external_id, fields in batch:
                records[len(records)] = (rid, external_id)
                yield len(records) - 1, orjson.dumps(fields)

    runner = executor or LocalExecutor(workers=1)
    fatal = None
    for outcomes in runner.map_batches(work, items(), size):
        suggestions = []
        for out in outcomes:
            if out.usage is not None:
                client.meter.merge(out.usage)
                summary.retries += out.usage["retries"]
            rid, external_id = records[out.index]
            if out.fatal is not None:
                fatal = fatal or out.fatal
            elif out.error is not None:
                summary.fail(external_id, out.error)
            else:
                meta = {"prompt": version, "template": template.name, **out.meta}
                summary.methods[meta["method"] or "none"] += 1
                suggestions.append(SuggestionItem(rid, question.name, out.value, out.score,
                                                  meta))
        with write_scope(engine) as session:
            summary.written += put_suggestions(session, summary.agent, suggestions, utcnow())
        if progress is not None and executor is not None:
            progress(len(outcomes))
        if fatal is not None:
            raise LLMError(fatal)
    summary.retries += client.retries
    summary.finish()
    with write_scope(engine) as session:
        record_event(session, f"assist.{options.action}", "dataset", dataset_id,
                     dataset_id=dataset_id,
                     details={"agent": summary.agent, "model": client.config.model,
                              "base_url": _redacted(client.config.base_url),
                              "question": question.name,
                              "template": template.to_dict(), "few_shot": len(shots),
                              "k": options.k, "executor": runner.name,
                              "counts": summary.to_dict()})
    return summary
