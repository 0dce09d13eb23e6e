"""Web Push: the browser subscriptions of each device, and the outbox of notifications to send.

A notification row is written in the transaction of its cause, one row per
subscription it goes to, and is the queue itself: senders claim due rows from
the database, so any instance (or the `push-send` worker) can send them and a
crash loses nothing (server/push/sender.py).
"""

from server.extensions import db
from server.timeutil import utcnow


class PushSubscription(db.Model):
    """A browser's push subscription (RFC 8030 endpoint and RFC 8291 keys), bound to one device."""

    __tablename__ = "push_subscriptions"
    id = db.Column(db.Integer, primary_key=True)
    endpoint = db.Column(db.String(2048), nullable=False, unique=True)
    # base64url, as the browser's PushSubscription.toJSON() gives them
    p256dh = db.Column(db.String(100), nullable=False)
    auth = db.Column(db.String(40), nullable=False)
    device_id = db.Column(db.String(36), db.ForeignKey("devices.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class Notification(db.Model):
    """One notification for one subscription. Due while `next_attempt_at` <= now; a row sent or
    given up has `next_attempt_at` NULL (and `sent_at`, or `last_error`, says which)."""

    __tablename__ = "notifications"
    # The police digest finds its watermark, the newest digest of the user, by this index.
    __table_args__ = (db.Index("ix_notifications_user_kind_created", "user_id", "kind", "created_at"),)
    id = db.Column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    subscription_id = db.Column(
        db.Integer, db.ForeignKey("push_subscriptions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    # record_approved | record_needs_changes | record_rejected | conflict_opened | conflict_resolved
    # | submissions_digest
    kind = db.Column(db.String(40), nullable=False)
    # {kind, title, body, url, record_id?, conflict_id?}: exactly what the service worker receives
    payload = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime(timezone=True), index=True)
    sent_at = db.Column(db.DateTime(timezone=True))
    last_error = db.Column(db.String(500))
