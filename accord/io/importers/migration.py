"""Importing another tool's export: records with the answers already given to them.

A *migration source* (Label Studio, Argilla, OpenAI chat, TRL DPO, CoNLL)
yields :class:`MigratedRecord` objects: a row mapped like any import (an
``external_id``/``id`` column, columns named like fields, the rest to
metadata; ``--map`` applies), plus responses and suggestions. Responses
belong to users named ``imported:<format>:<original user>`` (created
without a password, so they cannot log in), are validated against the
dataset's questions, and update the records' distribution counters.

The whole import is one transaction, as for ``accord import``: with
``--on-error fail`` the first bad record rolls everything back; with
``skip`` it is reported and left out (its responses too). The import is
logged as a ``dataset.import`` audit event (file and format), which export
dataset cards list as the source.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine

from accord.errors import InputError, NotFound
from accord.io.importer import ImportOptions, ImportSummary
from accord.io.mapping import RowMapper
from accord.schema import Settings, validate_value, validate_values
from accord.schema.suggestion_score import check_score
from accord.store.audit import record_event
from accord.store.datasets import create_dataset, get_dataset, settings_of
from accord.store.engine import write_scope
from accord.store.imported_responses import (
    ImportedResponse,
    ImportedSuggestion,
    add_members,
    ensure_users,
    record_ids,
    write_responses,
    write_suggestions,
)
from accord.store.models import utcnow
from accord.store.records import RecordRow, upsert_records

__all__ = [
    "MigratedRecord",
    "MigratedResponse",
    "MigrationSource",
    "MigrationSummary",
    "import_migration",
    "parse_time",
]


@dataclass
class MigratedResponse:
    user: str
    values: dict[str, Any]
    status: str = "submitted"
    time_spent: float = 0.0
    created_at: datetime | None = None


@dataclass
class MigratedRecord:
    line: int | None
    row: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    responses: list[MigratedResponse] = field(default_factory=list)
    suggestions: list[tuple[str, Any, float | None, str]] = field(default_factory=list)
    error: InputError | None = None  # a record the source could not read (skippable)


class MigrationSource(Protocol):
    format: str

    def infer_settings(self) -> Settings: ...

    def records(self, settings: Settings) -> Iterator[MigratedRecord]: ...


@dataclass
class MigrationSummary(ImportSummary):
    responses: int = 0
    suggestions: int = 0
    fmt: str = ""

    def line(self) -> str:
        return (f"{self.source} ({self.fmt}) -> {self.dataset}: {self.inserted:,} inserted, "
                f"{self.updated:,} updated, {self.rejected:,} rejected, {self.responses:,} "
                f"responses, {self.suggestions:,} suggestions in {self.seconds:.1f} s")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp from another tool, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class _Writer:
    """Batches records, then writes records, users, responses and suggestions together."""

    def __init__(self, session: Any, ds: Any, settings: Settings, fmt: str, source: str,
                 strict: bool, summary: MigrationSummary) -> None:
        self.session, self.ds, self.settings = session, ds, settings
        self.fmt, self.source, self.strict, self.summary = fmt, source, strict, summary
        self.stamp = utcnow()
        self.batch: list[tuple[RecordRow, MigratedRecord]] = []
        self.user_ids: set[int] = set()

    def add(self, row: RecordRow, rec: MigratedRecord) -> None:
        self.batch.append((row, rec))

    def flush(self) -> None:
        if not self.batch:
            return
        s, ds = self.session, self.ds
        result = upsert_records(s, ds.id, [r for r, _ in self.batch], stamp=self.stamp,
                                source=self.source, strict=self.strict)
        self.summary.inserted += result.inserted
        self.summary.updated += result.updated
        dup = {d.external_id for d in result.duplicates}
        for d in result.duplicates:
            reason = f"field 'external_id': duplicate external_id {d.external_id!r} in this file"
            self.summary.rejects.append((d.line, reason))
        kept = [(r, m) for r, m in self.batch if r.external_id not in dup]
        ids = record_ids(s, ds.id, [r.external_id for r, _ in kept])
        names = {resp.user for _, m in kept for resp in m.responses}
        users = ensure_users(s, names) if names else {}
        self.user_ids.update(users.values())
        responses = [ImportedResponse(ids[r.external_id], users[resp.user], resp.values,
                                      resp.status, resp.time_spent, resp.created_at)
                     for r, m in kept for resp in m.responses]
        write_responses(s, ds.id, responses, overlap=self.settings.distribution.overlap,
                        stamp=self.stamp)
        suggestions = [ImportedSuggestion(ids[r.external_id], q, v, score, agent)
                       for r, m in kept for q, v, score, agent in m.suggestions]
        self.summary.suggestions += write_suggestions(s, suggestions, stamp=self.stamp)
        self.summary.responses += len(responses)
        self.batch.clear()


def _check(settings: Settings, row: RecordRow, rec: MigratedRecord, source: str) -> None:
    """Validate the answers of one record against the dataset's questions."""
    by_name = {q.name: q for q in settings.questions}
    try:
        for resp in rec.responses:
            if resp.status not in ("submitted", "draft", "discarded"):
                raise InputError(f"unknown response status {resp.status!r}", field="status")
            if len(resp.user) > 128:
                raise InputError(f"user name longer than 128 characters: {resp.user[:40]!r}...",
                                 field="user")
            resp.values = validate_values(settings, resp.values, row.fields,
                                          require_complete=False)
        clean = []
        for q, value, score, agent in rec.suggestions:
            if q not in by_name:
                raise InputError(f"unknown question; questions are {sorted(by_name)}", field=q)
            score = check_score(score, f"score of {agent[:256]!r}'s suggestion", field=q)
            clean.append((q, validate_value(by_name[q], value, row.fields), score, agent[:256]))
        rec.suggestions = clean
    except InputError as exc:
        raise InputError(exc.message, path=source, line=rec.line, field=exc.field) from None


def import_migration(engine: Engine, dataset: str, path: str | Path, source: MigrationSource,
                     options: ImportOptions | None = None, *,
                     progress: Any = None) -> MigrationSummary:
    """Import ``source`` (read from ``path``) into ``dataset`` in one transaction.

    Parameters
    ----------
    engine : Engine
    dataset : str
        Created with settings inferred from the source when missing and
        ``options.create``.
    path : str or Path
        Shown in messages and recorded in the audit log.
    source : MigrationSource
    options : ImportOptions, optional
        ``mapping``, ``on_error``, ``batch_size``, ``max_field_chars``, ``create``.
    progress : callable, optional
        Called with the number of records read since the last call.

    Raises
    ------
    InputError
        The first bad record (``on_error="fail"``), naming file, line and field.
    NotFound
        The dataset does not exist and ``options.create`` is false.
    """
    options = options or ImportOptions()
    src_name = str(path)
    summary = MigrationSummary(dataset=dataset, source=src_name, fmt=source.format)
    started = time.perf_counter()
    skip = options.on_error == "skip"
    with write_scope(engine) as session:
        try:
            ds = get_dataset(session, dataset)
            settings = settings_of(ds)
        except NotFound:
            if not options.create:
                raise
            settings = source.infer_settings()
            ds = create_dataset(session, dataset, settings)
            summary.created_dataset = True
        mapper = RowMapper(settings, options.mapping, source=src_name,
                           max_field_chars=options.max_field_chars)
        writer = _Writer(session, ds, settings, source.format, src_name, not skip, summary)
        read = 0
        for rec in source.records(settings):
            read += 1
            try:
                if rec.error is not None:
                    raise rec.error
                row = mapper.map(rec.line, rec.row)
                if rec.metadata:
                    row = row._replace(meta={**row.meta, **rec.metadata})
                _check(settings, row, rec, src_name)
            except InputError as exc:
                if not skip:
                    raise
                summary.rejects.append((rec.line, str(exc)))
                continue
            writer.add(row, rec)
            if len(writer.batch) >= options.batch_size:
                writer.flush()
                if progress is not None:
                    progress(read)
                    read = 0
        writer.flush()
        if progress is not None and read:
            progress(read)
        add_members(session, ds.id, writer.user_ids, stamp=writer.stamp)
        summary.rejected = len(summary.rejects)
        if summary.inserted + summary.updated + summary.rejected == 0:
            raise InputError("the file has no records", path=src_name)
        record_event(session, "dataset.import", "dataset", ds.id, dataset_id=ds.id,
                     details={"source": src_name, "format": source.format,
                              "records": summary.inserted + summary.updated,
                              "responses": summary.responses})
    summary.seconds = time.perf_counter() - started
    return summary
