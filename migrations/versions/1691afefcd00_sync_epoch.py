"""sync epoch: which life of the database pull cursors belong to (a restore starts a new one)

Revision ID: 1691afefcd00
Revises: 3c5e1f0a9d21
Create Date: 2026-11-27 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1691afefcd00"
down_revision = "3c5e1f0a9d21"
branch_labels = None
depends_on = None


def upgrade():
    # No row is the first epoch, so the cursors devices hold stay valid across this upgrade;
    # `flask restore` writes the row (server/sync/cursor.py).
    op.create_table(
        "sync_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("stamp_offset", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_epoch")),
    )


def downgrade():
    op.drop_table("sync_epoch")
