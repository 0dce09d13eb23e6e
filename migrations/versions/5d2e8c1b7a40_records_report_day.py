"""records.report_day: the day reports count a record on, stored with it and indexed with its
commune, so a period's records (of one commune, or of a province's hundred) are found through
the index instead of by reading every record's data

Existing records get it as the app works it out (server/records/store.py `report_day`): the
local day they reached the server, or, for a type counting on its date field, that date. The
types are those registered when the migration runs.

Revision ID: 5d2e8c1b7a40
Revises: 383b7d131895
Create Date: 2026-12-06 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from server.forms.registry import RECORD_TYPES
from server.reports.periods import REPORT_TZ
from server.reports.sql import json_text, local_day

revision = "5d2e8c1b7a40"
down_revision = "383b7d131895"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_day", sa.String(length=10), nullable=True))
    dialect = op.get_bind().dialect.name
    records = sa.table(
        "records",
        sa.column("type", sa.String),
        sa.column("data", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("report_day", sa.String),
    )
    offset = REPORT_TZ.utcoffset(None).total_seconds() / 3600
    op.execute(records.update().values(report_day=local_day(records.c.created_at, dialect, offset)))
    for rt in RECORD_TYPES.values():
        if rt.counted_on_date_field and rt.date_field and rt.field(rt.date_field).kind == "date":
            day = json_text(records.c.data, rt.date_field, dialect)
            op.execute(
                records.update()
                .where(records.c.type == rt.type, day.is_not(None), day != "")
                .values(report_day=sa.func.substr(day, 1, 10))
            )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.alter_column("report_day", existing_type=sa.String(length=10), nullable=False)
        batch_op.create_index("ix_records_commune_report_day", ["commune_id", "report_day"], unique=False)


def downgrade():
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_commune_report_day")
        batch_op.drop_column("report_day")
