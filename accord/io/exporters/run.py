"""Running an export: consensus pass, optional split pass, then the streamed write.

1. resolve the plan (prompt, question, completion) from the settings;
2. if the format or the filters need it (or a dataset card is written),
   compute the consensus of the questions from one pass over the responses;
3. with ``--split``, a first pass over the records counts the rows each
   record gives and assigns splits (:mod:`accord.io.exporters.splits`);
4. the records are read again in keyset pages, filtered, turned into rows
   and written to one sink per split. Whole-record exports without a split or
   a record filter skip the rows on SQLite: SQLite builds each page's JSON
   text, written as JSONL lines or as Arrow columns (:meth:`_Run.page_mode`).

All passes read in one transaction (a snapshot on SQLite; REPEATABLE READ on
PostgreSQL), so they see the same data. Memory does not grow with the
dataset, except for the per-record consensus and split tables (a few dozen
bytes per record).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.conversation import as_text
from accord.io.exporters.options import ExportOptions
from accord.io.exporters.plan import Plan, resolve_plan
from accord.io.exporters.selection import RecordFilter, usable_values
from accord.schema.questions import types_with_role

__all__ = [
    "ExportSummary",
    "PreparedExport",
    "choose_container",
    "export_dataset",
    "prepare_export",
]

Progress = Callable[[int], None]
_PAGE_FORMATS = ("jsonl", "parquet", "hf")  # whole-record formats that may write pages
_SUFFIX_CONTAINERS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet",
                      ".json": "json", ".conll": "conll", ".txt": "conll",
                      ".zip": "zip"}


@dataclass
class ExportSummary:
    """What an export wrote."""

    dataset: str
    fmt: str
    container: str
    paths: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    records_read: int = 0
    records_exported: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    consensus: dict[str, dict[str, Any]] = field(default_factory=dict)
    card: Path | None = None
    seconds: float = 0.0

    @property
    def rows_written(self) -> int:
        return sum(self.rows.values())

    def line(self) -> str:
        where = ", ".join(str(p) for p in self.paths)
        splits = "" if len(self.rows) < 2 else " (" + ", ".join(
            f"{k} {v:,}" for k, v in self.rows.items()) + ")"
        dropped = sum(self.dropped.values())
        rate = self.records_read / self.seconds if self.seconds > 0 else 0.0
        return (f"{self.dataset} -> {where}: {self.rows_written:,} {self.fmt} rows{splits} from "
                f"{self.records_exported:,} of {self.records_read:,} records ({dropped:,} "
                f"filtered) in {self.seconds:.1f} s ({rate:,.0f} records/s)")


def get_format(name: str) -> ExportFormat:
    from accord.io.exporters import FORMATS

    fmt = FORMATS.get(name)
    if fmt is None:
        raise InputError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}",
                         field="--format")
    return fmt


def choose_container(fmt: ExportFormat, requested: str | None, out: Path | None) -> str:
    """``--to``, else what the output name says (suffix; none = a directory), else the
    format's default.

    Raises
    ------
    InputError
        When the format cannot be written to the requested container.
    """
    if requested is not None:
        if requested not in fmt.containers:
            raise InputError(f"format {fmt.name!r} can be written to {', '.join(fmt.containers)}"
                             f", not {requested!r}", field="--to")
        return requested
    if out is not None:
        guess = _SUFFIX_CONTAINERS.get(out.suffix.lower())
        if guess in fmt.containers:
            return guess
        if not out.suffix and "hub" in fmt.containers and fmt.containers[0] != "disk":
            return "hub"
    return fmt.containers[0]


@dataclass
class PreparedExport:
    """A validated export, ready to stream (the checks that can fail happen here)."""

    dataset_id: int
    fmt: ExportFormat
    container: str
    ctx: Context
    builder: Any
    card: bool
    card_questions: list[Any]
    settings_version: int


def prepare_export(session: Session, dataset: str, options: ExportOptions,
                   out: Path | None = None) -> PreparedExport:
    """Look the dataset up and resolve format, container and plan (no heavy reads).

    Raises
    ------
    NotFound, InputError
    """
    from accord.store.datasets import get_dataset, settings_of

    options.check()
    fmt = get_format(options.fmt)
    container = choose_container(fmt, options.to, out)
    ds = get_dataset(session, dataset)
    settings = settings_of(ds)
    plan: Plan = resolve_plan(settings, fmt.kind, options)
    if options.aggregate is not None and plan.question is not None and plan.consensus:
        from accord.quality.consensus import consensus_method

        consensus_method(plan.question.type, options.aggregate, strict=True,
                         field_name="--aggregate")
    card = options.card if options.card is not None else container in ("hub", "disk")
    columns = types_with_role("consensus_column")
    card_questions = [q for q in settings.questions if q.type in columns] if card else []
    ctx = Context(ds.name, settings, plan, options)
    builder = fmt.builder(ctx)
    if options.with_vectors and not hasattr(builder, "vectors"):
        raise InputError(f"--with-vectors applies to whole-record formats (jsonl, csv, "
                         f"parquet, hf), not {fmt.name}", field="--with-vectors")
    return PreparedExport(ds.id, fmt, container, ctx, builder, card, card_questions,
                          ds.settings_version)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC during the passes: they allocate millions of short-lived,
    acyclic objects (rows, dicts), and generation scans cost a fifth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _snapshot(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


class _PairRecord:
    """What the rest of an export needs of a record on the SFT fast path."""

    __slots__ = ("fields", "id")

    def __init__(self, id: int, fields: dict[str, Any]) -> None:
        self.id = id
        self.fields = fields


def _pages_possible(o: ExportOptions) -> bool:
    """No split and no filter on single records (what :meth:`_Run.page_mode` needs)."""
    return not (o.split or o.part or o.min_responses is not None or o.min_agreement is not None
                or o.drop_contradictory or o.redact_pii or o.drop_pii or o.with_vectors)


class _Run:
    """The passes of one export over one session."""

    def __init__(self, session: Session, prep: PreparedExport) -> None:
        self.session = session
        self.prep = prep
        self.ctx = prep.ctx
        self.options = prep.ctx.options
        self.filter = RecordFilter(self.options, self.ctx.plan.question_name)
        self.all_consensus: dict[str, Any] = {}
        self.records_read = 0
        self.readers: list[Any] = []  # see snapshot_readers

    def compute_consensus(self) -> None:
        """The consensus of the plan's and the card's questions: the one loader
        (:func:`accord.store.answers.load_answers`: reviews applied, one pass) and the one
        computation (:func:`accord.quality.consensus.questions_consensus`)."""
        from accord.quality.consensus import consensus_questions, questions_consensus
        from accord.store.answers import load_answers

        plan = self.ctx.plan
        wanted = {q.name: q for q in plan.consensus}
        for q in self.prep.card_questions:
            wanted.setdefault(q.name, q)
        if not wanted:
            return
        o = self.options
        strict = [plan.question_name] if plan.question_name else []
        chosen = consensus_questions(list(wanted.values()), method=o.aggregate, strict=strict,
                                     field_name="--aggregate")
        answers = load_answers(self.session, self.prep.dataset_id, [q.name for q in chosen],
                               exclude_gold=o.exclude_gold, reviewed_only=o.status == "reviewed")
        self.all_consensus = questions_consensus(answers.questions, chosen, method=o.aggregate,
                                                 strict=strict, threshold=o.kto_threshold)
        self.ctx.consensus = {q.name: self.all_consensus[q.name] for q in plan.consensus
                              if q.name in self.all_consensus}

    def fast_pairs(self) -> bool:
        """Whether the SFT fast path applies: text prompt, one completion per record from a
        text question (first answer) or a field, no filter, no review in the dataset."""
        plan, o = self.ctx.plan, self.options
        if not hasattr(self.prep.builder, "pair_rows") or plan.kind != "sft" or \
                plan.chat_only or plan.prompt_is_chat or plan.prompt is None:
            return False
        if o.system_prompt or o.status != "submitted" or o.texts != "one" or \
                o.min_responses is not None or o.min_agreement is not None or \
                o.drop_contradictory or o.redact_pii or o.drop_pii or o.with_vectors:
            return False
        from accord.store.export_pairs import has_reviews

        return not has_reviews(self.session, self.prep.dataset_id)

    def _pair_records(self, progress: Progress | None) -> Iterator[tuple[Any, Any, list[Any]]]:
        from accord.store.export_pairs import iter_text_pairs

        plan = self.ctx.plan
        pair_rows = self.prep.builder.pair_rows
        question = plan.question.name if plan.question is not None else None
        read = 0
        self.filter.kept = 0
        for rid, prompt, completion in iter_text_pairs(
                self.session, self.prep.dataset_id, plan.prompt, question=question,
                completion_field=plan.completion, exclude_gold=self.options.exclude_gold):
            read += 1
            if progress is not None and read % 1000 == 0:
                progress(1000)
            if not prompt or not completion:
                self.filter.dropped["no_rows"] += 1
                continue
            self.filter.kept += 1
            yield _PairRecord(rid, {plan.prompt: prompt}), None, pair_rows(prompt, completion)
        self.records_read = read
        if progress is not None:
            progress(read % 1000)

    def records(self, progress: Progress | None = None) -> Iterator[tuple[Any, Any, list[Any]]]:
        """``(record, decision, rows)`` for every record that passes the filters."""
        from accord.io.exporters.pii_redaction import (
            redact_record,
            span_fields,
            with_moved_consensus,
        )
        from accord.io.exporters.record_rows import to_json_record
        from accord.prep.pii_findings import has_confirmed
        from accord.store.export import (
            iter_export_records,
            iter_json_records,
            json_records_supported,
        )

        if self.fast_pairs():
            self.filter.dropped.clear()
            yield from self._pair_records(progress)
            return

        build = self.prep.builder.rows
        count_responses = self.options.min_responses is not None
        status = self.options.status
        decide = self.ctx.decision if self.ctx.consensus else None
        keep = self.filter.keep
        dropped = self.filter.dropped
        dropped.clear()
        self.filter.kept = 0
        read = 0
        # whole-record formats take JSON records: built by the database when no filter
        # looks at single responses, else converted from the full read
        as_json = getattr(self.prep.builder, "json_records", False)
        redact, drop_pii = self.options.redact_pii, self.options.drop_pii
        spans = span_fields(self.ctx.settings) if redact else {}
        with_moved_consensus(self.ctx.consensus, spans)
        if as_json and not count_responses and not (redact or drop_pii) and \
                json_records_supported(self.session):
            source: Iterator[Any] = iter_json_records(self.session, self.prep.dataset_id,
                                                      exclude_gold=self.options.exclude_gold,
                                                      readers=self.readers)
            convert = None
        else:
            # the PII findings are in the metadata, which training formats do not read
            load = {**self.prep.fmt.load, "full": True} if redact or drop_pii \
                else self.prep.fmt.load
            source = iter_export_records(self.session, self.prep.dataset_id,
                                         exclude_gold=self.options.exclude_gold, **load)
            convert = to_json_record if as_json else None
        if self.options.with_vectors:
            source = self._with_vectors(source)
        for rec in source:
            read += 1
            if progress is not None and read % 1000 == 0:
                progress(1000)
            decision = None if decide is None else decide(rec.id)
            n = sum(1 for r in rec.responses if r.status == "submitted" and usable_values(
                r.values, r.fix, r.review_state, status) is not None) if count_responses else 0
            if not keep(n, decision):
                continue
            if drop_pii and has_confirmed(rec.metadata):
                dropped["pii_confirmed"] += 1
                self.filter.kept -= 1
                continue
            if redact:
                redact_record(rec, spans, self.ctx.consensus)
                decision = None if decide is None else decide(rec.id)
            if convert is not None:
                rec = convert(rec)
            rows = build(rec, decision)
            if rows.__class__ is not list:
                rows = list(rows)
            if rows:
                yield rec, decision, rows
            else:
                dropped["no_rows"] += 1
                self.filter.kept -= 1
        self.records_read = read
        if progress is not None:
            progress(read % 1000)

    def _with_vectors(self, source: Iterator[Any], size: int = 500) -> Iterator[Any]:
        """``source``'s records, a page at a time, with the builder's ``vectors`` set to that
        page's stored vectors (read while the page is exported)."""
        from accord.store.vectors import vectors_of

        builder = self.prep.builder  # prepare_export checked it takes vectors
        page: list[Any] = []
        for rec in source:
            page.append(rec)
            if len(page) == size:
                builder.vectors = vectors_of(self.session, self.prep.dataset_id,
                                             [r.id for r in page])
                yield from page
                page = []
        if page:
            builder.vectors = vectors_of(self.session, self.prep.dataset_id, [r.id for r in page])
            yield from page

    def page_mode(self, container: str) -> str | None:
        """How whole pages of records can go to the sink without a Python object per
        record: "text" (JSONL lines built by the database), "table" (Arrow columns), or
        None. Needs SQLite or PostgreSQL, a whole-record builder that takes pages, and no
        split or filter on single records (``--aggregate`` alone is fine: its columns are
        added per page)."""
        from accord.store.export import json_records_supported

        builder = self.prep.builder
        if not _pages_possible(self.options):
            return None
        if container == "jsonl" and hasattr(builder, "text"):
            mode = "text"
        elif container in ("parquet", "hub", "disk") and getattr(builder, "takes_pages", False):
            mode = "table"
        else:
            return None
        return mode if json_records_supported(self.session) else None

    def write_pages(self, mode: str, outputs: Any, progress: Progress | None = None) -> None:
        """Every record, a page at a time, to ``outputs`` (see :meth:`page_mode`)."""
        from accord.store.export import iter_record_columns, iter_record_lines

        builder, exclude_gold = self.prep.builder, self.options.exclude_gold
        self.filter.dropped.clear()
        if mode == "table":
            fields = [name for name, _ in builder.fields]
            pages = iter_record_columns(self.session, self.prep.dataset_id, fields,
                                        exclude_gold=exclude_gold, readers=self.readers)
        else:
            pages = iter_record_lines(self.session, self.prep.dataset_id,
                                      exclude_gold=exclude_gold, readers=self.readers)
        read = 0
        for page in pages:
            if mode == "table":
                outputs.write_table(None, builder.table(page))
            else:
                outputs.write_text(None, builder.text(page), len(page.ids))
            read += len(page.ids)
            if progress is not None:
                progress(len(page.ids))
        self.records_read = self.filter.kept = read

    def stratum(self, decision: Any) -> Any:
        q = self.ctx.plan.question
        if q is None or decision is None:
            return None
        if q.type in ("label", "pairwise"):
            return decision.value
        if q.type == "rating":
            thr = self.options.kto_threshold
            return decision.value >= thr if thr is not None else round(decision.value)
        return None

    def prompt_text(self, rec: Any) -> str:
        plan = self.ctx.plan
        if plan.prompt:
            return as_text(rec.fields.get(plan.prompt))
        return "\n".join(as_text(v) for _, v in sorted(rec.fields.items())
                         if isinstance(v, (str, list)))

    def assign_splits(self) -> Any:
        from accord.io.exporters.splits import SplitCollector

        o = self.options
        collector = SplitCollector(dict(o.split or {}), o.seed, o.near_dup)
        for rec, decision, rows in self.records():
            collector.add(rec.id, len(rows), self.prompt_text(rec), self.stratum(decision))
        return collector.assign()


def export_dataset(engine: Engine, dataset: str, out: str | Path,
                   options: ExportOptions | None = None, *,
                   progress: Progress | None = None) -> ExportSummary:
    """Export ``dataset`` to ``out`` (see the module docstring and docs/export.md).

    Parameters
    ----------
    engine : Engine
    dataset : str
    out : str or Path
        Output file, or directory for ``hub``/``disk``. With ``--split`` the
        split name is inserted before a file's suffix.
    options : ExportOptions, optional
    progress : callable, optional
        Called with the number of records read since the previous call.

    Returns
    -------
    ExportSummary

    Raises
    ------
    InputError
        Bad options, unsuitable settings, or an unwritable output.
    NotFound
        The dataset does not exist.
    """
    from accord.io.exporters.card import write_card
    from accord.io.exporters.encoders import TEXT_CONTAINERS, make_encoder
    from accord.io.exporters.sinks import Outputs
    from accord.store.engine import session_scope

    options = options or ExportOptions()
    started = time.perf_counter()
    out = Path(out)
    with _gc_paused(), session_scope(engine) as session, ExitStack() as stack:
        _snapshot(session)
        readers: list[Any] = []
        if options.fmt in _PAGE_FORMATS and _pages_possible(options):
            from accord.store.export import snapshot_readers

            # two more connections on the session's snapshot: the database builds two pages
            # at once
            readers = stack.enter_context(snapshot_readers(session))
        prep = prepare_export(session, dataset, options, out)
        run = _Run(session, prep)
        run.readers = readers
        run.compute_consensus()
        builder = prep.builder
        assignment = run.assign_splits() if options.split else None
        encoder = make_encoder(prep.container, builder.columns()) \
            if prep.container in TEXT_CONTAINERS else None
        schema = None if encoder is not None else builder.schema()
        summary = ExportSummary(dataset, prep.fmt.name, prep.container)
        splits = [options.part] if options.part else (list(options.split) if options.split
                                                      else None)
        with Outputs(out, prep.container, splits, encoder=encoder, schema=schema,
                     shard_rows=options.shard_rows) as outputs:
            mode = run.page_mode(prep.container)
            if mode is not None:
                run.write_pages(mode, outputs, progress)
            else:
                for rec, _decision, rows in run.records(progress):
                    split = assignment.split_of(rec.id) if assignment is not None else None
                    if options.part and split != options.part:
                        continue
                    for row in rows:
                        outputs.write(split, row)
            outputs.finish()
            summary.rows = outputs.rows()
            summary.records_read = run.records_read
            summary.records_exported = run.filter.kept
            summary.dropped = dict(run.filter.dropped)
            summary.consensus = {k: v.summary() for k, v in run.all_consensus.items()}
            if prep.card:
                summary.card = write_card(session, prep, run, summary, schema, outputs, out)
        summary.paths = outputs.paths
    summary.seconds = time.perf_counter() - started
    return summary
