"""SQLAlchemy 2 models for accord's whole domain model (DESIGN.md, "Domain model").

Tables: users, api_tokens, datasets, settings_versions, memberships, records,
suggestions, responses, response_history, reviews, gold_answers, leases,
audit_log. JSON columns are JSON on SQLite; on PostgreSQL the columns a
whole-record export reads are ``json`` (the compact text accord wrote, kept
verbatim: :data:`StoredJSON`, migration 0014), the others ``jsonb``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base", "User", "ApiToken", "Dataset", "SettingsVersion", "Membership", "Record", "Suggestion",
    "Response", "ResponseHistory", "Review", "GoldAnswer", "Lease", "AuditEntry", "Aggregate",
    "QueueCursor", "LoginThrottle", "AssistJob",
    "utcnow",
    "QUEUE_OPEN", "QUEUE_FULL", "QUEUE_DONE", "QUEUE_GOLD",
]

JSONType = JSON().with_variant(JSONB(), "postgresql")
# The exported JSON columns (accord/store/export/spec.py): ``json`` on PostgreSQL too, which
# keeps the text accord.store.json_text wrote, so an export copies it instead of writing
# jsonb's text again (migration 0014). No jsonb operators on these: ``->`` and ``->>`` work,
# ``@>``/``?|`` need a cast, and equality compares the texts.
StoredJSON = JSON()
# BigInteger ids on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
IdType = BigInteger().with_variant(Integer(), "sqlite")

# records.queue_state: where a record stands in the distribution queue.
QUEUE_OPEN = 0  # still needs annotators (claims < overlap)
QUEUE_FULL = 1  # every needed annotator holds a lease or has submitted
QUEUE_DONE = 2  # completed: enough submitted responses
QUEUE_GOLD = 3  # a gold record, handed out at the gold rate only


class UTCDateTime(TypeDecorator):  # type: ignore[type-arg]
    """A timezone-aware UTC datetime on every backend (SQLite returns naive values).

    SQLite stores the text ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's ``DATETIME``
    storage format: the value's own clock reading, its offset dropped) and reads it back
    with ``datetime.fromisoformat``; this type then marks a naive value as UTC. On SQLite
    the processors below give the same values (both directions, every value:
    ``tests/store/test_utc_datetime.py``) for less: a stored text is parsed with
    ``+00:00`` appended (0.1 us) instead of parsed and then given its zone by
    ``replace`` in a second Python call (1.8 us), and the texts of the last two datetimes
    bound are kept for the next binds of the same objects (a unit of work binds its
    ``now`` up to five times; SQLAlchemy's formatting is 1.6 us).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return _as_utc(value)

    def bind_processor(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        slow = super().bind_processor(dialect)
        # the last two datetimes bound and their texts: a unit of work binds its ``now`` and
        # a lease's end over and over (held here, so no other object can have their ids)
        last: tuple[Any, ...] = (None, None, None, None)

        def process(value):  # type: ignore[no-untyped-def]
            nonlocal last
            seen = last  # one read: another thread may replace it meanwhile
            if seen[0] is value:
                return seen[1]
            if seen[2] is value:
                return seen[3]
            text = slow(value)
            if type(value) is datetime:
                last = (value, text, seen[0], seen[1])
            return text

        return process

    def result_processor(self, dialect, coltype):  # type: ignore[no-untyped-def]
        if dialect.name != "sqlite":
            if self.impl_instance.result_processor(dialect, coltype) is not None:
                return super().result_processor(dialect, coltype)
            return _as_utc  # the driver's datetimes (PostgreSQL's are aware): one call
        parse = datetime.fromisoformat

        def process(value):  # type: ignore[no-untyped-def]
            if value is None:
                return None
            try:  # the stored clock reading, read as UTC in one step
                parsed = parse(value + "+00:00")
                if parsed.tzinfo is not None:  # naive: a date alone ("+" read as "T")
                    return parsed
            except ValueError:  # another form (an offset of its own)
                pass
            return _as_utc(parse(value))

        return process


def _as_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


_naming = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_naming)
    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType, Any: JSONType}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | reviewer | annotator
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # annotator attributes such as {"locale": "en-GB", "languages": ["en"], "expertise": ["law"]}
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # names are unique ignoring case (accord.store.users.check_user_name has the rest)
    __table_args__ = (Index("uq_users_name_lower", text("lower(name)"), unique=True),)


class LoginThrottle(Base):
    """Login tries per client address: a token bucket (accord/store/login_throttle.py).

    ``tokens`` tries are left as of ``updated`` (seconds since the epoch); ``grant``
    is the nonce of the last attempt that got a try, so one atomic upsert both takes
    a try and tells the caller whether it got one.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)
    grant: Mapped[str] = mapped_column(String(32))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128), default="")
    kind: Mapped[str] = mapped_column(String(16), default="api")  # api | session
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    settings: Mapped[dict[str, Any]]
    settings_version: Mapped[int] = mapped_column(Integer, default=1)
    # moves on whenever a record may re-enter the queue ahead of annotators' cursors
    # (a claim given back, priorities or settings changed, records imported): see QueueCursor
    queue_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # moves on whenever stored vectors change (migration 0010): similarity indexes rebuild
    vectors_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SettingsVersion(Base):
    """Every saved version of a dataset's settings (and so of its guidelines)."""

    __tablename__ = "settings_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]]
    guidelines: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    guidelines_seen: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # workforce (migration 0005, accord/workflow/onboarding.py): onboarding phase
    # (None: not started | training | qualification | qualified | failed)
    phase: Mapped[str | None] = mapped_column(String(16))
    phase_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_score: Mapped[float | None] = mapped_column(Float)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    pause_reason: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    monitor_since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # rolling checks start
    quota: Mapped[int | None] = mapped_column(Integer)  # overrides assignment.quota
    claimed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # -1: untracked


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("dataset_id", "external_id"),
        # the distribution queue: open records by priority, then insertion order
        Index("ix_records_queue", "dataset_id", "queue_state", text("priority DESC"), "id"),
        Index("ix_records_status", "dataset_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(256))
    fields: Mapped[dict[str, Any]] = mapped_column(StoredJSON)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", StoredJSON, default=dict)
    vectors: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | completed
    # higher first; the queue index orders by (priority DESC, id)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    queue_state: Mapped[int] = mapped_column(SmallInteger, default=QUEUE_OPEN)
    claims: Mapped[int] = mapped_column(Integer, default=0)  # live leases + submitted responses
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Suggestion(Base):
    __tablename__ = "suggestions"
    __table_args__ = (UniqueConstraint("record_id", "question", "agent"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(StoredJSON)
    score: Mapped[float | None] = mapped_column(Float)
    agent: Mapped[str] = mapped_column(String(256), default="")
    # model assistance details: prompt version, confidence method, label distribution,
    # judge rationale, prefill flag (migration 0003)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("record_id", "user_id"),
        Index("ix_responses_user", "user_id", "status", "updated_at"),
        # the review queue (accord.store.responses.review_queue): unreviewed submissions only
        Index("ix_responses_review_queue", "dataset_id", "record_id",
              sqlite_where=text("status = 'submitted' AND review_state IS NULL"),
              postgresql_where=text("status = 'submitted' AND review_state IS NULL")),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    values: Mapped[dict[str, Any]] = mapped_column(StoredJSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # draft | submitted | discarded
    time_spent: Mapped[float] = mapped_column(Float, default=0.0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    gold_correct: Mapped[float | None] = mapped_column(Float)  # share of gold answers matched
    review_state: Mapped[str | None] = mapped_column(String(16))  # accept | reject | fix
    # the dataset's settings version when the response was last saved (migration 0010)
    settings_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ResponseHistory(Base):
    """Every change of a response: who, when, old and new values and status."""

    __tablename__ = "response_history"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"),
                                             index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer)
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    new_values: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"),
                                             index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"),
                                            index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verdict: Mapped[str] = mapped_column(String(16))  # accept | reject | fix | requeue
    # the response version the verdict judged (migration 0007; accord/store/verdicts.py)
    response_version: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    values: Mapped[dict[str, Any] | None] = mapped_column(StoredJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)  # on any verdict (migration 0009)


class GoldAnswer(Base):
    __tablename__ = "gold_answers"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                           primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(StoredJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    explanation: Mapped[str | None] = mapped_column(Text)  # shown after a training answer
    attention: Mapped[bool] = mapped_column(Boolean, default=False,  # an attention check
                                            server_default=text("false"))


class AssistJob(Base):
    """A lease on one kind of background model work for a dataset (accord/store/assist_jobs.py)."""

    __tablename__ = "assist_jobs"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"),
                                            primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answers_seen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Lease(Base):
    """A record handed to an annotator, held for them until ``expires_at``."""

    __tablename__ = "leases"
    # SQLite: the rows live in the primary key's b-tree (migration 0015): a lease written or
    # deleted by every next and submit writes one b-tree fewer
    __table_args__ = (Index("ix_leases_expiry", "dataset_id", "expires_at"),
                      Index("ix_leases_user", "user_id", "dataset_id"),
                      {"sqlite_with_rowid": False})

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                           primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    counted: Mapped[bool] = mapped_column(Boolean, default=True)  # holds a claim on the record
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Aggregate(Base):
    """The dataset's consensus per record and question, with its confidence."""

    __tablename__ = "aggregates"
    __table_args__ = (UniqueConstraint("record_id", "question"),
                      Index("ix_aggregates_queue", "dataset_id", "question", "confidence"))

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONType)
    confidence: Mapped[float] = mapped_column(Float)
    agreement: Mapped[float | None] = mapped_column(Float)
    n_responses: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"),
                                                   index=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class QueueCursor(Base):
    """Where an annotator's walk through a dataset's queue stands (migration 0006).

    ``next_record`` scans open records in ``(priority DESC, id)`` order, skipping
    those the annotator has already seen; with overlap > 1 an annotator ahead of
    the others would re-skip everything they answered that still waits for
    others. The cursor remembers the position of the last record handed out, so
    the scan starts there; it is valid while ``epoch`` equals the dataset's
    ``queue_epoch`` (bumped when a record can re-open behind cursors).
    """

    __tablename__ = "queue_cursors"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer)
    priority: Mapped[float] = mapped_column(Float)
    record_id: Mapped[int] = mapped_column(BigInteger)
