"""The audit log: who read, changed, exported or reviewed what, and when. Append-only.

Append-only is the database's rule, not only the app's: triggers refuse every UPDATE and
DELETE of an entry, whatever code or console asks. They are made by migration a7d1c0e5f3b2
(`audit_log_append_only`) and, for databases built by `create_all` (tests), by the DDL below.
"""

from sqlalchemy import DDL, event

from server.extensions import db
from server.timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (db.Index("ix_audit_commune_at", "commune_id", "at"),)
    id = db.Column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"))
    action = db.Column(db.String(40), nullable=False)
    target_type = db.Column(db.String(20))
    target_id = db.Column(db.String(64))
    details = db.Column(db.JSON)
    ip = db.Column(db.String(64))


# The same statements as the migration. PostgreSQL also refuses TRUNCATE, which row triggers do
# not see (a `TRUNCATE users CASCADE` would empty the log with them). Whoever owns the tables
# can still drop a trigger: that is a deliberate act of the database's administrator, outside
# the app, and not something any request can do.
APPEND_ONLY_DDL = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only: an entry cannot be changed or removed' "
        "USING ERRCODE = 'insufficient_privilege'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
    ],
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be changed'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be removed'); END",
    ],
}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
