"""assist jobs: one lease per dataset and kind of background model work (active learning)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:50:00

A server that retrains the active-learning model every N new answers claims the
row of its dataset first (an UPDATE that only succeeds when the lease expired), so
with several workers or servers one run at a time per dataset goes ahead.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'assist_jobs',
        sa.Column('dataset_id', sa.Integer(),
                  sa.ForeignKey('datasets.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('kind', sa.String(40), primary_key=True),
        sa.Column('holder', sa.String(200), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answers_seen', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('runs', sa.Integer(), nullable=False, server_default='0'),
    )


def downgrade() -> None:
    op.drop_table('assist_jobs')
