"""Records: the current state of each, and its append-only version history.

The ``records`` row is a projection of the newest ``record_versions`` row;
every write adds a version (who, device, mutation, when, which fields) whose
hash chains to the previous one so that tampering with history shows.
``change_xid`` orders changes for the pull cursor (see server/sync/cursor.py).
"""

from server.extensions import db
from server.timeutil import utcnow

REVIEW_STATES = ("submitted", "needs_changes", "approved", "rejected")


class Record(db.Model):
    __tablename__ = "records"
    __table_args__ = (
        db.Index("ix_records_commune_change", "commune_id", "change_xid", "id"),
        db.Index("ix_records_village_change", "village_id", "change_xid", "id"),
        db.Index("ix_records_author_change", "created_by", "change_xid", "id"),
        db.Index("ix_records_commune_personal_id", "commune_id", "personal_id"),
        db.Index("ix_records_commune_updated", "commune_id", "updated_at"),
        # The review queue: a commune's records in one review state, by last change, paged.
        db.Index("ix_records_queue", "commune_id", "review_state", "deleted", "updated_at", "id"),
        # Reports: a commune's (or a province's communes') records of a period, found by the day
        # they count on instead of reading every record's data.
        db.Index("ix_records_commune_report_day", "commune_id", "report_day"),
    )
    id = db.Column(db.String(36), primary_key=True)
    type = db.Column(db.String(40), nullable=False)
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"), nullable=False)
    village_id = db.Column(db.Integer, db.ForeignKey("villages.id"), nullable=False)
    data = db.Column(db.JSON, nullable=False)
    version = db.Column(db.Integer, nullable=False)
    review_state = db.Column(db.String(20), nullable=False, default="submitted")
    review_comment = db.Column(db.Text)
    reviewed_by = db.Column(db.Integer, db.ForeignKey("users.id"))
    reviewed_at = db.Column(db.DateTime(timezone=True))
    has_conflict = db.Column(db.Boolean, nullable=False, default=False)
    deleted = db.Column(db.Boolean, nullable=False, default=False)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_device_id = db.Column(db.String(36))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    client_time = db.Column(db.String(40))
    # Denormalised from data for search and duplicate checks (NUL-free: PostgreSQL text cannot hold it).
    search_text = db.Column(db.String(400), nullable=False, default="")
    personal_id = db.Column(db.String(12))
    # The day reports count it on, 'YYYY-MM-DD' (server/records/store.py report_day).
    report_day = db.Column(db.String(10), nullable=False)
    version_hash = db.Column(db.String(64), nullable=False)
    change_xid = db.Column(db.BigInteger, nullable=False)


class RecordVersion(db.Model):
    __tablename__ = "record_versions"
    __table_args__ = (db.UniqueConstraint("record_id", "version"),)
    id = db.Column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    record_id = db.Column(db.String(36), db.ForeignKey("records.id"), nullable=False)
    version = db.Column(db.Integer, nullable=False)
    # create | update | delete | review | resolve
    action = db.Column(db.String(20), nullable=False)
    data = db.Column(db.JSON, nullable=False)
    changed = db.Column(db.JSON, nullable=False)
    review_state = db.Column(db.String(20), nullable=False)
    review_comment = db.Column(db.Text)
    deleted = db.Column(db.Boolean, nullable=False, default=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    device_id = db.Column(db.String(36))
    mutation_id = db.Column(db.BigInteger)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False)
    hash = db.Column(db.String(64), nullable=False)
