"""login throttle (a token bucket per client address) and user names unique ignoring case

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('tokens', sa.Float(), nullable=False),
        sa.Column('updated', sa.Float(), nullable=False),
        sa.Column('grant', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    clashes = op.get_bind().execute(sa.text(
        "SELECT lower(name), count(*) FROM users GROUP BY lower(name) HAVING count(*) > 1"
    )).fetchall()
    if clashes:
        names = ", ".join(repr(row[0]) for row in clashes[:20])
        raise RuntimeError(
            f"user names must be unique ignoring case, but these exist in several spellings: "
            f"{names}; rename or merge them, then upgrade again")
    op.create_index('uq_users_name_lower', 'users', [sa.text('lower(name)')], unique=True)


def downgrade() -> None:
    op.drop_index('uq_users_name_lower', table_name='users')
    op.drop_table('login_throttle')
