"""audit log append-only: triggers refuse UPDATE and DELETE of an entry (and TRUNCATE on PostgreSQL)

Revision ID: a7d1c0e5f3b2
Revises: 1691afefcd00
Create Date: 2026-11-26 12:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a7d1c0e5f3b2"
down_revision = "1691afefcd00"
branch_labels = None
depends_on = None

# The statements of server/models/audit.py (APPEND_ONLY_DDL), as they stand at this revision.
# A later migration that rebuilds audit_log on SQLite (batch_alter_table copies the table)
# drops these triggers with the old table, and must create them again.
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only: an entry cannot be changed or removed' "
    "USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
]
SQLITE = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be changed'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be removed'); END",
]


def upgrade():
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_refuse_change()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
