"""aggregates: consensus value and confidence per record and question

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:50:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'aggregates',
        sa.Column('id', _ID, nullable=False),
        sa.Column('dataset_id', _ID, nullable=False),
        sa.Column('record_id', _ID, nullable=False),
        sa.Column('question', sa.String(length=64), nullable=False),
        sa.Column('value', _JSON, nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('agreement', sa.Float(), nullable=True),
        sa.Column('n_responses', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=32), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'],
                                name=op.f('fk_aggregates_dataset_id_datasets'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['record_id'], ['records.id'],
                                name=op.f('fk_aggregates_record_id_records'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregates')),
        sa.UniqueConstraint('record_id', 'question', name=op.f('uq_aggregates_record_id_question')),
    )
    op.create_index('ix_aggregates_queue', 'aggregates', ['dataset_id', 'question', 'confidence'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_aggregates_queue', table_name='aggregates')
    op.drop_table('aggregates')
