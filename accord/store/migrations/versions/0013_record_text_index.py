"""record text index: a full-text index of the records' text fields, filled in bulk

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:00:00

The record browser's ``q`` searches whole words of the records' text fields
(the string values of ``records.fields``) through a full-text index that
imports do not write: ``record_text_index.upto`` is the id up to which every
record is indexed, and :func:`accord.store.text_index.fill_text_index` indexes
the records above it in bulk (the server does it in the background). Searches
read the index up to ``upto`` and scan the records above it
(:mod:`accord.store.text_search`), so results are complete right after an
import. Per-row insert triggers made ``accord import`` 4x slower on SQLite and
a GIN expression index about 2x slower on PostgreSQL (docs/benchmarks.md).

SQLite: a contentless FTS5 table ``records_fts`` (rowid = ``records.id``).
Triggers keep the indexed part right: an edit of ``fields`` re-indexes the
record, a delete (also by a dataset's cascade) removes it and lowers ``upto``
to the largest remaining id, since SQLite hands a deleted largest id out
again. A SQLite built without FTS5 gets no table; every search then scans.
PostgreSQL: ``records_tsv`` (id, ``to_tsvector('simple', fields)``) with a GIN
index, rows removed with their record by the foreign key's cascade; an edit of
``fields`` upserts its row (and the bulk fill inserts with ON CONFLICT DO
NOTHING, so a concurrent edit always wins).

Existing databases start unindexed (``upto`` = 0): the upgrade stays quick at
any size and the first fill indexes them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _body(row: str) -> str:
    """SQL for the indexed text of a ``records`` row: its fields' string values (SQLite)."""
    return (f"(SELECT group_concat(value, ' ') FROM json_tree({row}.fields) "
            "WHERE type = 'text')")


_UPTO = "(SELECT upto FROM record_text_index WHERE id = 1)"
_MAX_ID = "(SELECT coalesce(max(id), 0) FROM records)"

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE records_fts USING fts5(body, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER records_fts_update AFTER UPDATE OF fields ON records "
    f"WHEN OLD.id <= {_UPTO} AND OLD.fields IS NOT NEW.fields BEGIN "
    "INSERT INTO records_fts(records_fts, rowid, body) "
    f"VALUES ('delete', OLD.id, {_body('OLD')}); "
    f"INSERT INTO records_fts(rowid, body) VALUES (NEW.id, {_body('NEW')}); END",
    f"CREATE TRIGGER records_fts_delete AFTER DELETE ON records WHEN OLD.id <= {_UPTO} BEGIN "
    "INSERT INTO records_fts(records_fts, rowid, body) "
    f"VALUES ('delete', OLD.id, {_body('OLD')}); "
    f"UPDATE record_text_index SET upto = {_MAX_ID} WHERE id = 1 AND upto > {_MAX_ID}; END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS records_fts_update",
    "DROP TRIGGER IF EXISTS records_fts_delete",
    "DROP TABLE IF EXISTS records_fts",
)
# No foreign key to records: its check takes a KEY SHARE lock on every record the bulk fill
# indexes, and the annotator queue's FOR UPDATE SKIP LOCKED then skipped those records
# (annotators were handed records out of queue order right after an import). A statement
# trigger removes the rows of deleted records instead.
PG_DDL = (
    "CREATE TABLE records_tsv (id BIGINT PRIMARY KEY, tsv tsvector NOT NULL)",
    "CREATE INDEX ix_records_tsv ON records_tsv USING gin (tsv)",
    "CREATE FUNCTION records_tsv_edit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO records_tsv (id, tsv) VALUES (NEW.id, to_tsvector('simple'::regconfig, "
    "NEW.fields)) ON CONFLICT (id) DO UPDATE SET tsv = excluded.tsv; RETURN NULL; END $$",
    "CREATE TRIGGER records_tsv_edit AFTER UPDATE OF fields ON records FOR EACH ROW "
    "WHEN (OLD.fields IS DISTINCT FROM NEW.fields) EXECUTE FUNCTION records_tsv_edit()",
    "CREATE FUNCTION records_tsv_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM records_tsv t USING gone WHERE t.id = gone.id; RETURN NULL; END $$",
    "CREATE TRIGGER records_tsv_delete AFTER DELETE ON records REFERENCING OLD TABLE AS gone "
    "FOR EACH STATEMENT EXECUTE FUNCTION records_tsv_delete()",
)
PG_DROP = (
    "DROP TRIGGER IF EXISTS records_tsv_delete ON records",
    "DROP FUNCTION IF EXISTS records_tsv_delete()",
    "DROP TRIGGER IF EXISTS records_tsv_edit ON records",
    "DROP FUNCTION IF EXISTS records_tsv_edit()",
    "DROP TABLE IF EXISTS records_tsv",
)


def fts5_available(conn: sa.Connection) -> bool:
    """Whether this SQLite build has the FTS5 module."""
    return bool(conn.execute(sa.text("SELECT sqlite_compileoption_used('ENABLE_FTS5')"))
                .scalar())


def upgrade() -> None:
    op.create_table(
        'record_text_index',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('upto', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('id = 1', name='ck_record_text_index_one_row'),
    )
    op.execute("INSERT INTO record_text_index (id, upto) VALUES (1, 0)")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in PG_DDL:
            op.execute(statement)
    elif bind.dialect.name == "sqlite" and fts5_available(bind):
        for statement in SQLITE_DDL:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in PG_DROP if bind.dialect.name == "postgresql" else SQLITE_DROP:
        op.execute(statement)
    op.drop_table('record_text_index')
