"""leases without rowid: SQLite keeps each lease in its primary key's b-tree

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 07:30:00

Every ``next`` inserts a lease and the submit after it deletes it. As an ordinary
(rowid) table a lease row lived in two b-trees besides its two indexes, the table
(by rowid) and the primary key's automatic index ``(record_id, user_id)``: each
insert and delete wrote a page of both, so four of the 21 pages a next + submit cycle
appends to the WAL were the lease's table and key (docs/benchmarks.md, "Sequential
loop CPU (issue 22 item 4, fifth pass)"). ``WITHOUT ROWID`` makes the primary key the
table: the same rows, columns, constraints and indexes, one b-tree fewer to write.

SQLite only (the table is rebuilt: leases are short-lived, a few rows per annotator);
PostgreSQL has no rowid: nothing changes there.
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_COLUMNS = "record_id, user_id, dataset_id, counted, expires_at, created_at"
_TABLE = """CREATE TABLE {name} (
\trecord_id INTEGER NOT NULL,
\tuser_id INTEGER NOT NULL,
\tdataset_id INTEGER NOT NULL,
\tcounted BOOLEAN NOT NULL,
\texpires_at DATETIME NOT NULL,
\tcreated_at DATETIME NOT NULL,
\tCONSTRAINT pk_leases PRIMARY KEY (record_id, user_id),
\tCONSTRAINT fk_leases_dataset_id_datasets FOREIGN KEY(dataset_id) REFERENCES datasets (id) ON DELETE CASCADE,
\tCONSTRAINT fk_leases_record_id_records FOREIGN KEY(record_id) REFERENCES records (id) ON DELETE CASCADE,
\tCONSTRAINT fk_leases_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
){options}"""  # noqa: E501
_INDEXES = ("CREATE INDEX ix_leases_expiry ON leases (dataset_id, expires_at)",
            "CREATE INDEX ix_leases_user ON leases (user_id, dataset_id)")


def _rebuild(options: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # nothing refers to leases, so the table can be replaced with foreign keys on
    op.execute(_TABLE.format(name="leases_rebuilt", options=options))
    op.execute(f"INSERT INTO leases_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM leases")
    op.execute("DROP TABLE leases")
    op.execute("ALTER TABLE leases_rebuilt RENAME TO leases")
    for ddl in _INDEXES:
        op.execute(ddl)


def upgrade() -> None:
    _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    _rebuild("")
