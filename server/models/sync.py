"""The per-device mutation log (exactly-once), SQLite's commit-ordered clock, and the sync epoch."""

from server.extensions import db
from server.timeutil import utcnow


class Mutation(db.Model):
    """The stored outcome of one device mutation, written in the same transaction as its effect."""

    __tablename__ = "mutations"
    device_id = db.Column(db.String(36), primary_key=True)
    mutation_id = db.Column(db.BigInteger, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    op = db.Column(db.String(10), nullable=False)
    record_id = db.Column(db.String(64))
    payload_hash = db.Column(db.String(64), nullable=False)
    status = db.Column(db.String(10), nullable=False)
    version = db.Column(db.Integer)
    conflict_id = db.Column(db.String(36))
    error = db.Column(db.JSON)
    change_xid = db.Column(db.BigInteger, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class SyncClock(db.Model):
    """One row on SQLite: a counter bumped once per write transaction under SQLite's write lock."""

    __tablename__ = "sync_clock"
    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.BigInteger, nullable=False)


class SyncEpoch(db.Model):
    """At most one row: which life of the database the pull cursors belong to.

    No row is the database's first life (epoch "", offset 0). Every restore from a backup
    writes a new random epoch, so a cursor served before the restore no longer matches and
    the device pulls from the start; on PostgreSQL it also sets the offset added to
    transaction ids so that every later stamp is above every restored one
    (server/sync/cursor.py, docs/cursor.md).
    """

    __tablename__ = "sync_epoch"
    id = db.Column(db.Integer, primary_key=True)
    epoch = db.Column(db.String(32), nullable=False)
    stamp_offset = db.Column(db.BigInteger, nullable=False, default=0)
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
