"""workforce: onboarding phase, pause and quota per membership; gold explanation and attention

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phase', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('phase_started_at', _TS, nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('last_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('passed_at', _TS, nullable=True))
        batch_op.add_column(sa.Column('failed_at', _TS, nullable=True))
        batch_op.add_column(sa.Column('retry_at', _TS, nullable=True))
        batch_op.add_column(sa.Column('paused', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))
        batch_op.add_column(sa.Column('pause_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('paused_at', _TS, nullable=True))
        batch_op.add_column(sa.Column('monitor_since', _TS, nullable=True))
        batch_op.add_column(sa.Column('quota', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('gold_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('explanation', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attention', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('gold_answers', schema=None) as batch_op:
        batch_op.drop_column('attention')
        batch_op.drop_column('explanation')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        for name in ('claimed', 'quota', 'monitor_since', 'paused_at', 'pause_reason', 'paused',
                     'retry_at', 'failed_at', 'passed_at', 'last_score', 'attempts',
                     'phase_started_at', 'phase'):
            batch_op.drop_column(name)
