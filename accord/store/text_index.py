"""The records' full-text index, filled in bulk after imports (migration 0013).

Imports never write the index: a per-row trigger made ``accord import`` 4x slower
on SQLite (docs/benchmarks.md). Instead ``record_text_index.upto`` says up to
which record id every record is indexed, and :func:`fill_text_index` indexes
the records above it in chunks of one ``INSERT ... SELECT`` each:

* SQLite: into the contentless FTS5 table ``records_fts`` (rowid = record id;
  the text is the record's string field values joined by spaces, the same
  expression the migration's edit and delete triggers use). SQLite has one
  writer, so every id up to ``max(id)`` is committed when the fill's write
  transaction starts.
* PostgreSQL: into ``records_tsv`` (``to_tsvector('simple', fields)``, GIN
  index). Ids come from a sequence and commit out of order, so the fill only goes
  up to the largest id it saw while no transaction was writing ``records``
  (``LOCK TABLE records IN SHARE MODE NOWAIT`` in a transaction of its own, which
  never makes a writer wait: when one is busy this round is skipped).

:class:`TextIndexer` runs the fill from a daemon thread of the server (next to
the WAL checkpointer); a search wakes it when it finds a large unindexed tail
(:func:`accord.store.text_search.text_match`). Searches are complete without
it: they scan the records above ``upto``.
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from accord.store.engine import is_sqlite_file, session_scope, write_scope

__all__ = ["indexed_upto", "watermark", "unindexed_tail", "fill_text_index", "TextIndexer",
           "fts5_ready", "wake_indexer"]

#: records per fill transaction: about 50 ms of SQLite's write lock each
CHUNK_ROWS = 2_000

# keep in step with migration 0013's triggers (the same text must be indexed and deleted)
_SQLITE_BODY = ("(SELECT group_concat(value, ' ') FROM json_tree(records.fields) "
                "WHERE type = 'text')")
_SQLITE_FILL = text(
    f"INSERT INTO records_fts(rowid, body) SELECT id, {_SQLITE_BODY} FROM records "
    "WHERE id > :lo AND id <= :hi")
_PG_FILL = text(
    "INSERT INTO records_tsv (id, tsv) SELECT id, to_tsvector('simple'::regconfig, fields) "
    "FROM records WHERE id > :lo AND id <= :hi ON CONFLICT (id) DO NOTHING")
_CHUNK_END = text("SELECT id FROM records WHERE id > :lo ORDER BY id LIMIT 1 OFFSET :n")
_SET_UPTO = text("UPDATE record_text_index SET upto = :hi WHERE id = 1")

_fts5: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return getattr(bind, "engine", bind)  # type: ignore[return-value]


def fts5_ready(session: Session) -> bool:
    """SQLite: whether the database has ``records_fts`` (a build without FTS5 has none)."""
    engine = _engine_of(session)
    ready = _fts5.get(engine)
    if ready is None:
        ready = session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                     "AND name = 'records_fts'")).first() is not None
        _fts5[engine] = ready
    return ready


def indexed_upto(session: Session) -> int:
    """The record id up to which every record is in the text index (0: none)."""
    return int(session.execute(text("SELECT upto FROM record_text_index WHERE id = 1"))
               .scalar() or 0)


def watermark(session: Session) -> tuple[int, int]:
    """``(upto, top)``: every record with an id <= upto is indexed; top is the largest
    record id (0 without records)."""
    row = session.execute(text(
        "SELECT upto, (SELECT max(id) FROM records) FROM record_text_index WHERE id = 1")).one()
    return int(row[0] or 0), int(row[1] or 0)


def unindexed_tail(session: Session) -> int:
    """About how many records lie above the index's watermark (ids above it)."""
    upto, top = watermark(session)
    return max(0, top - upto)


def _pg_committed_top(engine: Engine) -> int | None:
    """The largest record id while no transaction writes ``records`` (every smaller id is
    then committed or gone), or None when a writer is busy right now."""
    try:
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(text("LOCK TABLE records IN SHARE MODE NOWAIT"))
                return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM records"))
                           .scalar() or 0)
    except OperationalError:  # lock_not_available: try on the next round
        return None


def fill_text_index(engine: Engine, *, max_rows: int | None = None,
                    chunk_rows: int = CHUNK_ROWS, stop: threading.Event | None = None) -> int:
    """Index the records above the watermark, ``chunk_rows`` per transaction.

    Stops after ``max_rows`` records (about), when ``stop`` is set, or when caught up.
    Safe to run from several processes at once (the watermark row is updated in the
    same transaction as the chunk it covers). Returns the number of ids covered.
    """
    pg = engine.dialect.name == "postgresql"
    if pg or engine.dialect.name == "sqlite":
        with session_scope(engine) as s:  # nothing to do: no write lock, no table lock
            upto, top = watermark(s)
            if top <= upto or not (pg or fts5_ready(s)):
                return 0
    if pg:
        top = _pg_committed_top(engine)
        if top is None:
            return 0
    elif engine.dialect.name != "sqlite":
        return 0
    done = 0
    while (max_rows is None or done < max_rows) and not (stop is not None and stop.is_set()):
        with write_scope(engine) as s:
            if pg:
                lo = int(s.execute(text("SELECT upto FROM record_text_index WHERE id = 1 "
                                        "FOR UPDATE")).scalar() or 0)
            else:
                if not fts5_ready(s):
                    return done
                lo = indexed_upto(s)
                top = int(s.execute(text("SELECT coalesce(max(id), 0) FROM records")).scalar()
                          or 0)
            if top <= lo:
                return done
            end = s.execute(_CHUNK_END, {"lo": lo, "n": chunk_rows - 1}).scalar()
            hi = top if end is None else min(int(end), top)
            s.execute(_PG_FILL if pg else _SQLITE_FILL, {"lo": lo, "hi": hi})
            s.execute(_SET_UPTO, {"hi": hi})
        done += hi - lo
    return done


_running: weakref.WeakKeyDictionary[Engine, TextIndexer] = weakref.WeakKeyDictionary()


def wake_indexer(engine: Engine) -> bool:
    """Start this process's :class:`TextIndexer` on ``engine`` now instead of at its next
    tick; False when none runs (a CLI or library process)."""
    indexer = _running.get(engine)
    if indexer is None:
        return False
    indexer.wake()
    return True


class TextIndexer:
    """Fill the text index from a daemon thread every ``interval`` seconds (and when woken).

    SQLite on a file and PostgreSQL; a no-op on an in-memory SQLite database.
    """

    def __init__(self, engine: Engine, *, interval: float = 1.0, pause: float = 0.02) -> None:
        self.engine = engine
        self.interval = interval
        self.pause = pause  # between chunks: other writers get the lock
        self.fills = 0  # ids covered so far (for tests and diagnostics)
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def applies(self) -> bool:
        return self.engine.dialect.name == "postgresql" or is_sqlite_file(self.engine)

    def start(self) -> None:
        if not self.applies or self._thread is not None:
            return
        _running[self.engine] = self
        self._thread = threading.Thread(target=self._run, name="accord-text-index",
                                        daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self._thread = None
        if _running.get(self.engine) is self:
            del _running[self.engine]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set():
                    n = fill_text_index(self.engine, max_rows=CHUNK_ROWS, stop=self._stop)
                    self.fills += n
                    if n == 0:
                        break
                    self._stop.wait(self.pause)
            except SQLAlchemyError as exc:  # a failed round is retried on the next tick
                self.last_error = str(exc)
            self._wake.wait(self.interval)
            self._wake.clear()
