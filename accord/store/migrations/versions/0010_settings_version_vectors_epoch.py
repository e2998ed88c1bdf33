"""responses.settings_version (the settings a response was given under) and
datasets.vectors_epoch (moves on when stored vectors change: similarity indexes rebuild)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 14:00:00

Existing responses get the dataset's current settings version: the version
they were given under was not recorded before.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vectors_epoch', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings_version', sa.Integer(), nullable=True))
    op.execute("UPDATE responses SET settings_version = (SELECT d.settings_version FROM "
               "datasets d WHERE d.id = responses.dataset_id)")


def downgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('settings_version')
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_column('vectors_epoch')
