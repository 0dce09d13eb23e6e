"""review queue index: a commune's records in one review state by last change (GET /records)

Revision ID: 3c5e1f0a9d21
Revises: 8276c4943e0d
Create Date: 2026-11-26 09:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "3c5e1f0a9d21"
down_revision = "8276c4943e0d"
branch_labels = None
depends_on = None


def upgrade():
    # Serves the queue's filter and its order (either way) from the index, so page 500 of a
    # commune with 100,000 records reads only the index entries it skips; the count is an
    # index-only scan. Duplicate checks use ix_records_commune_personal_id (initial schema).
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_queue", ["commune_id", "review_state", "deleted", "updated_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_queue")
