"""exported json as text: the exported JSON columns are ``json`` on PostgreSQL

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:00:00

A whole-record export writes every record's JSON values as compact text. On
SQLite the columns hold the text orjson wrote and the export copies it; on
PostgreSQL they were ``jsonb``, whose text output (``{"a": 1}``) the export had
to parse and write again, about half of PostgreSQL's CPU per exported record
(docs/benchmarks.md, "PostgreSQL export from stored compact text"). PostgreSQL's
``json`` keeps its input verbatim, so the columns an export reads become
``json`` holding orjson's compact text, as on SQLite: ``records.fields`` and
``metadata``, ``responses.values``, ``suggestions.value``, ``reviews.values``,
``gold_answers.values``. Other JSON columns stay ``jsonb``.

The conversion writes the text the write path (``accord.store.json_text``)
would store for the value the application reads: ``json_strip_nulls`` of the
``jsonb`` text (compact, strings escaped as orjson does) in the table rewrite,
and, for the values that text cannot give (an object key with a null value,
which ``json_strip_nulls`` drops; a number ``numeric`` writes unlike orjson:
``0.0000...`` or a long run of digits), orjson's text of the value, in batches.
SQL NULL stays NULL and JSON ``null`` stays ``null``. SQLite: nothing changes.

The text index's trigger compared ``fields`` with ``IS DISTINCT FROM``, which
``json`` has no operator for: it compares the texts now.
"""
import sys

import orjson
import sqlalchemy as sa
from alembic import op

from accord.store.json_text import json_text

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

#: (table, key column, JSON column)
COLUMNS = (
    ("records", "id", "fields"),
    ("records", "id", "metadata"),
    ("responses", "id", "values"),
    ("suggestions", "id", "value"),
    ("reviews", "id", "values"),
    ("gold_answers", "record_id", "values"),
)
# jsonb's text that json_strip_nulls would not make orjson's: a key with a null value, a
# number below 1e-4, a long run of digits (a double numeric writes in full)
_PYTHON_WRITES = r'(": null|0\.0000|[0-9]{16})'
_BATCH = 2000
_LOUD = 100_000  # tables from this size report their progress on stderr

_TRIGGER = ("CREATE TRIGGER records_tsv_edit AFTER UPDATE OF fields ON records FOR EACH ROW "
            "WHEN ({cond}) EXECUTE FUNCTION records_tsv_edit()")
_JSONB_CHANGED = "OLD.fields IS DISTINCT FROM NEW.fields"
_TEXT_CHANGED = "OLD.fields::text IS DISTINCT FROM NEW.fields::text"


def _say(rows: int, message: str) -> None:
    if rows >= _LOUD:
        print(message, file=sys.stderr, flush=True)


def _convert(conn: sa.Connection, table: str, key: str, column: str) -> None:
    rows = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0
    _say(rows, f"{table}.{column}: {rows:,} rows to compact JSON text ...")
    op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE json USING CASE WHEN '
               f'"{column}"::text ~ \'{_PYTHON_WRITES}\' THEN "{column}"::json '
               f'ELSE json_strip_nulls("{column}"::json) END')
    # the rows left as jsonb's text: orjson's text of their value, a batch at a time
    flagged = [r[0] for r in conn.execute(sa.text(
        f'SELECT {key} FROM {table} WHERE "{column}"::text ~ \'{_PYTHON_WRITES}\' '
        f"ORDER BY {key}"))]
    for start in range(0, len(flagged), _BATCH):
        chunk = flagged[start:start + _BATCH]
        values = conn.execute(sa.text(
            f'SELECT {key}, "{column}"::text FROM {table} WHERE {key} = ANY(:ids)'),
            {"ids": chunk}).all()
        conn.execute(sa.text(f'UPDATE {table} SET "{column}" = CAST(:v AS json) '
                             f"WHERE {key} = :k"),
                     [{"k": k, "v": json_text(orjson.loads(t))} for k, t in values])
        _say(rows, f"  {min(start + _BATCH, len(flagged)):,} / {len(flagged):,} values "
                   "written by orjson")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS records_tsv_edit ON records")
    for table, key, column in COLUMNS:
        _convert(conn, table, key, column)
    op.execute(_TRIGGER.format(cond=_TEXT_CHANGED))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS records_tsv_edit ON records")
    for table, _, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE jsonb '
                   f'USING "{column}"::jsonb')
    op.execute(_TRIGGER.format(cond=_JSONB_CHANGED))
