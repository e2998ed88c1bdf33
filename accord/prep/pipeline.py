"""The prep pipeline: library entry point :func:`run_prep`.

Usage from Python (what ``accord import --prep`` and the server call)::

    from accord.prep.pipeline import PrepConfig, run_prep

    config = PrepConfig(pii="redact", dedupe_near=True, languages=("en",))
    result = run_prep(records, config, executor="local")
    result.records   # kept records, possibly modified, in input order
    result.rejects   # [Reject(index, line, step, reason, record), ...]
    result.report    # counts, examples and time per step (JSON-ready dict)

How a run goes:

1. each record is serialized and handed to the executor in batches; workers
   run the per-record steps (fix, filters, language, PII) and compute the
   keys of the global steps (:mod:`accord.prep.chain`);
2. the driver runs the global steps over the whole data set: exact dedupe
   (first occurrence kept), near dedupe (MinHash + LSH clusters, the
   representative is the first member), then the contamination check
   against another data set (``against``);
3. the kept records are returned in input order, the dropped ones as
   rejects with the step and the reason. Nothing is dropped without a
   reject.

Memory: dedupe is global, so the driver holds every record as compact JSON
bytes (about the input size, twice for the output and rejects) plus
``num_perm * 4`` bytes per record for near dedupe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from accord.errors import InputError
from accord.prep.chain import SIGNATURE_STEP, RecordOutcome, process_batch
from accord.prep.config import GLOBAL_STEPS, PrepConfig
from accord.prep.executors import Executor, get_executor
from accord.prep.jsonio import dumps_record, loads_record
from accord.prep.record_text import find_text_slots
from accord.prep.report import ReportBuilder
from accord.prep.result import PrepResult, Reject

__all__ = ["PrepConfig", "PrepResult", "Reject", "run_prep"]

Progress = Callable[[str, int], None]


class _State:
    """Compact per-record state the driver keeps between the two halves."""

    def __init__(self, config: PrepConfig, builder: ReportBuilder, source: str | None) -> None:
        self.config = config
        self.builder = builder
        self.source = source
        self.payloads: list[bytes] = []
        self.lines: list[int | None] = []
        self.output: list[bytes | None] = []
        self.drop: dict[int, tuple[str, str]] = {}
        self.flags: dict[int, dict[str, Any]] = {}
        self.keys: list[bytes | None] = []
        self.sigs: list[bytes | None] = []
        # where worker time spent on MinHash signatures is reported
        self.signature_step = next(
            (s for s in (SIGNATURE_STEP, "against") if s in builder.steps), None
        )

    def where(self, index: int) -> str:
        line = self.lines[index]
        return f"line {line}" if line is not None else f"record {index + 1}"

    def locate(self, index: int) -> dict[str, Any]:
        return {"index": index, "line": self.lines[index]}

    def snippet(self, index: int, width: int = 100) -> str:
        record = loads_record(self.payloads[index])
        text = " ".join(s.text for s in find_text_slots(record, self.config.text_fields))
        return text[:width] + ("…" if len(text) > width else "")

    def items(self, records: Iterable[Any]) -> Iterator[tuple[int, bytes]]:
        numbered = getattr(records, "numbered", None)
        pairs = numbered() if callable(numbered) else ((None, r) for r in records)
        for index, (line, record) in enumerate(pairs):
            if not isinstance(record, dict):
                where = f"record {index + 1}: " if line is None else ""
                raise InputError(
                    f"{where}expected a JSON object, got {type(record).__name__}",
                    path=self.source,
                    line=line,
                )
            payload = dumps_record(record)
            self.payloads.append(payload)
            self.lines.append(line)
            self.output.append(None)
            self.keys.append(None)
            self.sigs.append(None)
            yield index, payload

    def absorb(self, outcome: RecordOutcome) -> None:
        i = outcome.index
        if outcome.status == "error":
            where = f"record {i + 1}: " if self.lines[i] is None else ""
            raise InputError(
                f"{where}{outcome.reason}",
                path=self.source,
                line=self.lines[i],
                field=outcome.field,
            )
        b = self.builder
        for step, seconds in outcome.seconds.items():
            target = step if step in b.steps else self.signature_step
            if target is not None:
                b[target].seconds += seconds
        for step, detail in outcome.details:
            b[step].details.update(detail)
        for step in outcome.changed:
            b[step].changed += 1
        for step in outcome.flagged:
            b[step].flagged += 1
            self.flags.setdefault(i, {})
        for step, kind, first, second in outcome.examples:
            if kind == "change":
                b[step].example({**self.locate(i), "before": first, "after": second})
            else:
                b[step].example({**self.locate(i), "reason": first})
        if outcome.status == "dropped" and outcome.step is not None:
            self.mark_dropped(i, outcome.step, outcome.reason or "")
            return
        self.output[i] = outcome.output
        self.keys[i] = outcome.key
        self.sigs[i] = outcome.signature

    def mark_dropped(self, index: int, step: str, reason: str) -> None:
        self.drop[index] = (step, reason)
        self.output[index] = None
        stats = self.builder[step]
        stats.dropped += 1
        if len(stats.examples) < stats.max_examples:
            example = {**self.locate(index), "reason": reason}
            if self.config.pii == "off":  # else the snippet could show PII the run removes
                example["text"] = self.snippet(index)
            stats.example(example)

    def flag(self, index: int, step: str, key: str, value: dict[str, Any], reason: str) -> None:
        self.flags.setdefault(index, {})[key] = value
        stats = self.builder[step]
        stats.flagged += 1
        stats.example({**self.locate(index), "reason": reason})


def _active_steps(config: PrepConfig, against: bool) -> list[str]:
    steps = config.active_record_steps()
    on = {
        "dedupe_exact": config.dedupe_exact,
        "dedupe_near": config.dedupe_near,
        "against": against,
    }
    return steps + [s for s in GLOBAL_STEPS if on[s]]


def run_prep(
    records: Iterable[Any],
    config: PrepConfig | None = None,
    *,
    executor: str | Executor = "local",
    against: Iterable[Any] | None = None,
    source: str | None = None,
    against_source: str = "against",
    progress: Progress | None = None,
) -> PrepResult:
    """Prepare records: repair, filter, find PII, dedupe, check contamination.

    Parameters
    ----------
    records : iterable of dict
        JSON objects. An object with a ``numbered()`` method yielding
        ``(line, record)`` pairs (a :class:`~accord.prep.reader.RecordReader`)
        also gives line numbers to rejects and errors.
    config : PrepConfig, optional
        Options; default ``PrepConfig()`` (text repair and exact dedupe).
    executor : {'local', 'ray'} or Executor, default 'local'
        Where the per-record steps run; an executor instance is used as is and
        not closed. Output is byte-identical across executors.
    against : iterable of dict, optional
        A reference set (e.g. an evaluation set): records near-duplicating
        any of its records are flagged or dropped (``config.against_action``).
    source, against_source : str, optional
        Names used in errors, reasons and the report (usually file paths).
    progress : callable, optional
        Called as ``progress(stage, records_done)`` after each batch
        (stage ``"records"``) and when a global step starts.

    Returns
    -------
    PrepResult
        ``.records`` (kept records in input order), ``.lines`` (the same as
        JSON), ``.rejects`` and ``.report``.

    Raises
    ------
    InputError
        A record that is not a JSON object, or a configured text field
        holding something that is not text (names the line and field).

    Examples
    --------
    >>> res = run_prep([{"text": "Hello  world"}, {"text": "hello world"},
    ...                 {"text": "caf\\u0065\\u0301"}])
    >>> [r["text"] for r in res.records]
    ['Hello  world', 'café']
    >>> res.rejects[0].step, res.rejects[0].reason
    ('dedupe_exact', 'exact duplicate of record 1')
    """
    config = config or PrepConfig()
    started = time.perf_counter()
    builder = ReportBuilder(_active_steps(config, against is not None), config.examples)
    state = _State(config, builder, source)
    ex = get_executor(executor, workers=config.workers) if isinstance(executor, str) else executor
    signatures = config.dedupe_near or against is not None
    fn = partial(process_batch, config, signatures)
    done = 0
    try:
        for outcomes in ex.map_batches(fn, state.items(records), config.batch_size):
            for outcome in outcomes:
                state.absorb(outcome)
            done += len(outcomes)
            if progress:
                progress("records", done)
        if config.dedupe_exact:
            _dedupe_exact(state, progress)
        if config.dedupe_near:
            _dedupe_near(state, progress)
        if against is not None:
            _check_against(state, against, against_source, ex, progress)
    finally:
        if isinstance(executor, str):
            ex.close()
    return _finish(state, records, ex.name, started)


def _dedupe_exact(state: _State, progress: Progress | None) -> None:
    from accord.prep.dedupe_exact import first_occurrences

    if progress:
        progress("dedupe_exact", 0)
    start = time.perf_counter()
    keys = [k if state.output[i] is not None else None for i, k in enumerate(state.keys)]
    for i, first in enumerate(first_occurrences(keys)):
        if first is not None:
            state.mark_dropped(i, "dedupe_exact", f"exact duplicate of {state.where(first)}")
    state.builder["dedupe_exact"].seconds += time.perf_counter() - start


def _signature_matrix(state: _State, indices: list[int]) -> Any:
    import numpy as np

    width = state.config.num_perm
    if not indices:
        return np.zeros((0, width), dtype=np.uint32)
    flat = b"".join(state.sigs[i] or b"" for i in indices)
    return np.frombuffer(flat, dtype="<u4").reshape(len(indices), width).astype(np.uint32)


def _dedupe_near(state: _State, progress: Progress | None) -> None:
    from accord.prep.dedupe_near import cluster_near_duplicates

    if progress:
        progress("dedupe_near", 0)
    start = time.perf_counter()
    cfg = state.config
    idx = [i for i, out in enumerate(state.output) if out is not None and state.sigs[i] is not None]
    result = cluster_near_duplicates(_signature_matrix(state, idx), threshold=cfg.near_threshold)
    stats = state.builder["dedupe_near"]
    for local, rep in enumerate(result.duplicate_of.tolist()):
        if rep < 0:
            continue
        i, r = idx[local], idx[rep]
        cid = int(result.cluster_of[local])
        sim = float(result.similarity[local])
        reason = f"near duplicate of {state.where(r)} (cluster {cid}, estimated Jaccard {sim:.2f})"
        if cfg.near_action == "drop":
            state.mark_dropped(i, "dedupe_near", reason)
        else:
            value = {"cluster": cid, "of": state.locate(r), "similarity": round(sim, 4)}
            state.flag(i, "dedupe_near", "_near_duplicate", value, reason)
    stats.extra["action"] = cfg.near_action
    stats.extra["clusters_total"] = len(result.clusters)
    stats.extra["candidate_pairs"] = result.candidate_pairs
    stats.extra["verified_pairs"] = result.verified_pairs
    stats.extra["clusters"] = [
        {
            "id": c.id,
            "representative": state.locate(idx[c.representative]),
            "members": [state.locate(idx[m]) for m in c.members],
        }
        for c in result.clusters
    ]
    stats.seconds += time.perf_counter() - start


def _check_against(
    state: _State, against: Iterable[Any], name: str, ex: Executor, progress: Progress | None
) -> None:
    from accord.prep.dedupe_near import match_against

    if progress:
        progress("against", 0)
    start = time.perf_counter()
    cfg = state.config
    ref_cfg = cfg.replace(
        min_chars=None,
        max_chars=None,
        max_repetition=None,
        max_symbol_ratio=None,
        blocklist=(),
        languages=(),
        pii="off",
        dedupe_exact=False,
        dedupe_near=False,
    )
    ref = _State(ref_cfg, ReportBuilder(ref_cfg.active_record_steps(), 0), name)
    for outcomes in ex.map_batches(
        partial(process_batch, ref_cfg, True), ref.items(against), cfg.batch_size
    ):
        for outcome in outcomes:
            ref.absorb(outcome)
    ref_idx = [i for i, s in enumerate(ref.sigs) if s is not None]
    idx = [i for i, out in enumerate(state.output) if out is not None and state.sigs[i] is not None]
    threshold = cfg.against_threshold if cfg.against_threshold is not None else cfg.near_threshold
    match, sims = match_against(
        _signature_matrix(state, idx), _signature_matrix(ref, ref_idx), threshold=threshold
    )
    for local, m in enumerate(match.tolist()):
        if m < 0:
            continue
        i, j = idx[local], ref_idx[m]
        line = ref.lines[j]
        where = f"{name}:{line}" if line is not None else f"{name} record {j + 1}"
        reason = f"near duplicate of {where} (estimated Jaccard {sims[local]:.2f})"
        if cfg.against_action == "drop":
            state.mark_dropped(i, "against", reason)
        else:
            value = {
                "source": name,
                "index": j,
                "line": line,
                "similarity": round(float(sims[local]), 4),
            }
            state.flag(i, "against", "_contamination", value, reason)
    stats = state.builder["against"]
    stats.extra["action"] = cfg.against_action
    stats.extra["reference_records"] = len(ref.payloads)
    stats.seconds += time.perf_counter() - start


def _finish(state: _State, records: Any, executor_name: str, started: float) -> PrepResult:
    lines: list[bytes] = []
    flagged = 0
    for i, out in enumerate(state.output):
        if out is None:
            continue
        extra = state.flags.get(i)
        if extra is not None:
            flagged += 1
            if extra:
                record = loads_record(out)
                record.update(extra)
                out = dumps_record(record)
        lines.append(out)
    rejects = [
        Reject(i, state.lines[i], step, reason, loads_record(state.payloads[i]))
        for i, (step, reason) in sorted(state.drop.items())
    ]
    state.builder.set_entered(len(state.payloads))
    info = getattr(records, "report_info", None)
    top: dict[str, Any] = {"source": state.source, "executor": executor_name}
    if callable(info):
        top.update(info())
    top.update(
        records_in=len(state.payloads),
        records_out=len(lines),
        dropped=len(rejects),
        flagged=flagged,
        seconds_total=round(time.perf_counter() - started, 4),
        config=state.config.to_dict(),
    )
    report = state.builder.to_dict(**top)
    for step in report["steps"]:
        if step["name"] == state.signature_step:
            step["seconds_note"] = "includes MinHash signatures computed in the workers"
    return PrepResult(lines, rejects, report)
