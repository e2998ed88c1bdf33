"""record text search: an FTS5 index (SQLite) / a GIN tsvector index (PostgreSQL)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:30:00

The record browser's ``q`` searches whole words of the records' text fields
(the string values of ``records.fields``) through a full-text index instead of
scanning every record. SQLite: a contentless FTS5 table ``records_fts`` whose
rowid is ``records.id``, kept in sync by triggers on ``records`` (insert,
update of ``fields``, delete, which dataset deletion cascades to) and
back-filled here; a SQLite built without FTS5 gets no table and
:mod:`accord.store.text_search` falls back to the substring scan. PostgreSQL:
an expression GIN index on ``to_tsvector('simple', fields)`` (the string
values of the JSONB document).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _body(row: str) -> str:
    """SQL for the indexed text of a ``records`` row: its fields' string values."""
    return (f"(SELECT group_concat(value, ' ') FROM json_tree({row}.fields) "
            "WHERE type = 'text')")


SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE records_fts USING fts5(body, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN "
    f"INSERT INTO records_fts(rowid, body) VALUES (NEW.id, {_body('NEW')}); END",
    "CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN "
    "INSERT INTO records_fts(records_fts, rowid, body) "
    f"VALUES ('delete', OLD.id, {_body('OLD')}); END",
    "CREATE TRIGGER records_fts_update AFTER UPDATE OF fields ON records BEGIN "
    "INSERT INTO records_fts(records_fts, rowid, body) "
    f"VALUES ('delete', OLD.id, {_body('OLD')}); "
    f"INSERT INTO records_fts(rowid, body) VALUES (NEW.id, {_body('NEW')}); END",
    f"INSERT INTO records_fts(rowid, body) SELECT id, {_body('records')} FROM records",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS records_fts_insert",
    "DROP TRIGGER IF EXISTS records_fts_delete",
    "DROP TRIGGER IF EXISTS records_fts_update",
    "DROP TABLE IF EXISTS records_fts",
)


def fts5_available(conn: sa.Connection) -> bool:
    """Whether this SQLite build has the FTS5 module."""
    return bool(conn.execute(sa.text("SELECT sqlite_compileoption_used('ENABLE_FTS5')"))
                .scalar())


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_records_fields_tsv ON records "
                   "USING gin (to_tsvector('simple'::regconfig, fields))")
    elif bind.dialect.name == "sqlite" and fts5_available(bind):
        for statement in SQLITE_FTS_DDL:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_records_fields_tsv")
    elif bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
