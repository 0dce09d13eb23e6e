"""The audit log: who read, changed, exported or reviewed what, and when. Append-only."""
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
