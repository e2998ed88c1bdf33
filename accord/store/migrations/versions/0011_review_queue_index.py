"""the review queue's index: unreviewed submitted responses by dataset and record

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:40:00

``GET /review/next`` walks records in id order from a record cursor; a partial
index on the responses still waiting for a verdict makes each step one index
range scan, however many responses were reviewed before.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_WHERE = sa.text("status = 'submitted' AND review_state IS NULL")


def upgrade() -> None:
    op.create_index('ix_responses_review_queue', 'responses', ['dataset_id', 'record_id'],
                    sqlite_where=_WHERE, postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index('ix_responses_review_queue', table_name='responses')
