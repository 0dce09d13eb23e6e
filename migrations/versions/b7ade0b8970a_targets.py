"""targets: per commune or village, measure and period (server/models/targets.py)

Revision ID: b7ade0b8970a
Revises: fca05626b188
Create Date: 2026-11-26 01:36:15.868682

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7ade0b8970a"
down_revision = "fca05626b188"
branch_labels = None
depends_on = None


def upgrade():
    # Two partial unique indexes: one value per measure and period for each village, and one for
    # the whole commune (village_id NULL), which a plain unique index would not hold.
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=24), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"], name=op.f("fk_targets_commune_id_communes")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_targets_updated_by_users")),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], name=op.f("fk_targets_village_id_villages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index("ix_targets_commune_period", ["commune_id", "period_start", "period_end"], unique=False)
        batch_op.create_index(
            "uq_targets_commune_measure_period",
            ["commune_id", "measure", "period"],
            unique=True,
            sqlite_where=sa.text("village_id IS NULL"),
            postgresql_where=sa.text("village_id IS NULL"),
        )
        batch_op.create_index(
            "uq_targets_village_measure_period",
            ["commune_id", "village_id", "measure", "period"],
            unique=True,
            sqlite_where=sa.text("village_id IS NOT NULL"),
            postgresql_where=sa.text("village_id IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index("uq_targets_village_measure_period")
        batch_op.drop_index("uq_targets_commune_measure_period")
        batch_op.drop_index("ix_targets_commune_period")

    op.drop_table("targets")
