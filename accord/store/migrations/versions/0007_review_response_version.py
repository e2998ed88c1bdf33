"""reviews.response_version: the response version a verdict judged

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:00:00

Existing verdicts are bound to the version the response had when they were
given (the last history row at or before the verdict; the response's current
version when it has no history). A response edited after its latest verdict
goes back to review (``review_state`` NULL), as every later edit does from now
on (accord/store/verdicts.py).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_version', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE reviews SET response_version = coalesce("
        "(SELECT max(h.version) FROM response_history h WHERE h.response_id = reviews.response_id"
        " AND h.changed_at <= reviews.created_at),"
        " (SELECT p.version FROM responses p WHERE p.id = reviews.response_id))")
    op.execute(
        "UPDATE responses SET review_state = NULL WHERE review_state IS NOT NULL AND version <> "
        "coalesce((SELECT v.response_version FROM reviews v WHERE v.response_id = responses.id"
        " ORDER BY v.id DESC LIMIT 1), version)")


def downgrade() -> None:
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('response_version')
