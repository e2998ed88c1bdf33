"""queue cursors: where each annotator's walk through the queue stands, and datasets.queue_epoch

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue_epoch', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table(
        'queue_cursors',
        sa.Column('dataset_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('epoch', sa.Integer(), nullable=False),
        sa.Column('priority', sa.Float(), nullable=False),
        sa.Column('record_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE',
                                name=op.f('fk_queue_cursors_dataset_id_datasets')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_queue_cursors_user_id_users')),
        sa.PrimaryKeyConstraint('dataset_id', 'user_id', name=op.f('pk_queue_cursors')),
    )


def downgrade() -> None:
    op.drop_table('queue_cursors')
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_column('queue_epoch')
