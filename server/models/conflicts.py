"""A sync conflict: a device's proposal that overlapped a different server change."""

from server.extensions import db


class Conflict(db.Model):
    __tablename__ = "conflicts"
    __table_args__ = (db.Index("ix_conflicts_commune_state", "commune_id", "state", "opened_at"),)
    id = db.Column(db.String(36), primary_key=True)
    record_id = db.Column(db.String(36), db.ForeignKey("records.id"), nullable=False, index=True)
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"), nullable=False)
    device_id = db.Column(db.String(36), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    mutation_id = db.Column(db.BigInteger, nullable=False)
    base_version = db.Column(db.Integer, nullable=False)
    server_version = db.Column(db.Integer, nullable=False)
    # [{name, base, server, device}] for every field that differs on both sides
    fields = db.Column(db.JSON, nullable=False)
    # everything the device sent, conflicting or not: nothing it sent is lost
    proposal = db.Column(db.JSON, nullable=False)
    state = db.Column(db.String(10), nullable=False, default="open")
    opened_at = db.Column(db.DateTime(timezone=True), nullable=False)
    resolved_at = db.Column(db.DateTime(timezone=True))
    resolved_by = db.Column(db.Integer, db.ForeignKey("users.id"))
    # {field: {"choice": "server"|"device"|"edited", "value": ...}}
    resolution = db.Column(db.JSON)
    resolved_version = db.Column(db.Integer)
