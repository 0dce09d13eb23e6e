"""Push subscriptions of the calling device, and notifications queued with their cause.

The queue functions only add rows to the caller's transaction (one INSERT for
however many notifications), so a notification exists exactly when its cause
was committed; the route commits once. The ids queued during a request are
noted on `g`, and the app sends them once the response is out
(server/push/sender.py); the `push-send` worker sends whatever is left.

A notification goes to the subscriptions a user has at the time it is queued.
A user without one gets none: the change itself still reaches the phone by pull.
"""

import base64
import binascii
import re
import unicodedata
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app, g, has_app_context
from sqlalchemy import and_, delete, func, insert, select

from server import roles
from server.errors import PUSH_NOT_CONFIGURED
from server.extensions import db
from server.forms import registry
from server.models import Device, Notification, PushSubscription, Record, User
from server.push import endpoints
from server.timeutil import iso, utcnow

SUBSCRIPTIONS = PushSubscription.__table__
NOTIFICATIONS = Notification.__table__
USERS = User.__table__
DEVICES = Device.__table__

MAX_ENDPOINT = endpoints.MAX_ENDPOINT
# A browser holds one subscription per app install; a few allow for a key renewal. Beyond them the
# oldest go, so one notification never fans out into a flood of outgoing requests.
MAX_SUBSCRIPTIONS_PER_DEVICE = 3
MAX_SUBSCRIPTIONS_PER_USER = 10
P256DH_BYTES = 65  # an uncompressed P-256 point
AUTH_BYTES = 16
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")

TITLE_MAX, BODY_MAX, COMMENT_MAX = 80, 180, 120
# Where the PWA opens when a notification is tapped.
RECORD_URL, CONFLICT_URL, REVIEW_QUEUE_URL = "/#/record/{}", "/#/conflicts/{}", "/#/review"
REVIEW_MESSAGES = {
    "approve": ("record_approved", "Bản ghi đã được duyệt"),
    "needs_changes": ("record_needs_changes", "Bản ghi cần bổ sung"),
    "reject": ("record_rejected", "Bản ghi bị từ chối"),
}
DIGEST_KIND = "submissions_digest"
# With no digest yet, the first one counts the day before it.
FIRST_DIGEST_WINDOW = timedelta(days=1)


# --------------------------------------------------------------------------------------------
# VAPID and subscriptions


def vapid_public_key():
    config = current_app.config
    if not (config.get("VAPID_PUBLIC_KEY") and config.get("VAPID_PRIVATE_KEY")):
        raise PUSH_NOT_CONFIGURED()
    return config["VAPID_PUBLIC_KEY"]


def decode_base64url(text):
    """Bytes of a base64url string (padding optional), or None when it is not one."""
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text):
        return None
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def endpoint_problem(endpoint):
    """Why the server must not send to this endpoint (server/push/endpoints.py), or None."""
    return endpoints.endpoint_problem(endpoint, current_app.config)


def p256dh_problem(value):
    raw = decode_base64url(value)
    if raw is None or len(raw) != P256DH_BYTES:
        return f"Phải là {P256DH_BYTES} byte mã hóa base64url (khóa công khai P-256)"
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return "Không phải một điểm trên đường cong P-256"
    return None


def auth_problem(value):
    raw = decode_base64url(value)
    if raw is None or len(raw) != AUTH_BYTES:
        return f"Phải là {AUTH_BYTES} byte mã hóa base64url"
    return None


def subscribe(user, device, endpoint, p256dh, auth):
    """Bind a browser subscription to the calling device; returns (subscription, created).

    The same endpoint again is the same subscription: its keys are refreshed. An endpoint
    known under another device moves to this one (the browser now belongs to whoever logged
    in on it last), and what was still queued for the previous owner is dropped.
    """
    subscription = db.session.execute(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ).scalar_one_or_none()
    if subscription is None:
        subscription = PushSubscription(
            endpoint=endpoint, p256dh=p256dh, auth=auth, device_id=device.id, user_id=user.id, created_at=utcnow()
        )
        db.session.add(subscription)
        db.session.flush()
        _keep_newest(SUBSCRIPTIONS.c.device_id == device.id, MAX_SUBSCRIPTIONS_PER_DEVICE)
        _keep_newest(SUBSCRIPTIONS.c.user_id == user.id, MAX_SUBSCRIPTIONS_PER_USER)
        return subscription, True
    if subscription.device_id != device.id or subscription.user_id != user.id:
        db.session.execute(
            delete(NOTIFICATIONS).where(
                NOTIFICATIONS.c.subscription_id == subscription.id, NOTIFICATIONS.c.sent_at.is_(None)
            )
        )
        subscription.device_id, subscription.user_id = device.id, user.id
    subscription.p256dh, subscription.auth = p256dh, auth
    return subscription, False


def _keep_newest(owner, limit):
    """Drop the subscriptions of `owner` (a device's, a user's) beyond the newest `limit`."""
    older = (
        db.session.execute(select(SUBSCRIPTIONS.c.id).where(owner).order_by(SUBSCRIPTIONS.c.id.desc()).offset(limit))
        .scalars()
        .all()
    )
    for subscription_id in older:
        drop_subscription(subscription_id)


def unsubscribe(device, endpoint):
    """Remove the calling device's subscription with this endpoint; another device's is left alone."""
    subscription = db.session.execute(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint, PushSubscription.device_id == device.id)
    ).scalar_one_or_none()
    if subscription is not None:
        drop_subscription(subscription.id)


def drop_device_subscriptions(device_id):
    """A device revoked or logged out gets nothing more: its subscriptions go, with what was still
    queued for them (a notification names a person, and a revoked phone may be a lost one)."""
    subscriptions = select(SUBSCRIPTIONS.c.id).where(SUBSCRIPTIONS.c.device_id == device_id)
    db.session.execute(delete(NOTIFICATIONS).where(NOTIFICATIONS.c.subscription_id.in_(subscriptions)))
    db.session.execute(delete(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.device_id == device_id))


def drop_subscription(subscription_id):
    """The subscription and everything queued for it (also what the push service's 404/410 does)."""
    db.session.execute(delete(NOTIFICATIONS).where(NOTIFICATIONS.c.subscription_id == subscription_id))
    db.session.execute(delete(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id))


def subscription_document(subscription):
    return {
        "endpoint": subscription.endpoint,
        "device_id": subscription.device_id,
        "created_at": iso(subscription.created_at),
    }


# --------------------------------------------------------------------------------------------
# Queueing


def _live_subscriptions():
    """Subscriptions of active users on devices that are not revoked."""
    return (
        select(SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c.user_id)
        .join(USERS, USERS.c.id == SUBSCRIPTIONS.c.user_id)
        .join(DEVICES, DEVICES.c.id == SUBSCRIPTIONS.c.device_id)
        .where(USERS.c.active.is_(True), DEVICES.c.revoked_at.is_(None))
    )


def queue_for_users(notifications, now=None):
    """[(user_id, payload)]: one row per subscription of each user, in one INSERT. Returns the ids."""
    notifications = [(user_id, payload) for user_id, payload in notifications if user_id is not None]
    if not notifications:
        return []
    connection = db.session.connection()
    subscriptions = {}
    statement = _live_subscriptions().where(SUBSCRIPTIONS.c.user_id.in_({u for u, _ in notifications}))
    for subscription_id, user_id in connection.execute(statement):
        subscriptions.setdefault(user_id, []).append(subscription_id)
    return _insert(
        [
            (subscription_id, user_id, payload)
            for user_id, payload in notifications
            for subscription_id in subscriptions.get(user_id, ())
        ],
        now,
    )


def queue_for_commune_admins(notifications, except_user_id=None):
    """[(commune_id, payload)]: one row per subscription of each active admin of the commune."""
    if not notifications:
        return []
    connection = db.session.connection()
    statement = (
        _live_subscriptions()
        .add_columns(USERS.c.commune_id)
        .where(
            USERS.c.role.in_(roles.with_power(roles.RESOLVE_CONFLICTS)),
            USERS.c.commune_id.in_({c for c, _ in notifications}),
        )
    )
    if except_user_id is not None:
        statement = statement.where(USERS.c.id != except_user_id)
    by_commune = {}
    for subscription_id, user_id, commune_id in connection.execute(statement):
        by_commune.setdefault(commune_id, []).append((subscription_id, user_id))
    return _insert(
        [
            (subscription_id, user_id, payload)
            for commune_id, payload in notifications
            for subscription_id, user_id in by_commune.get(commune_id, ())
        ]
    )


def _insert(targets, now=None):
    if not targets:
        return []
    now = now or utcnow()
    rows = [
        {
            "subscription_id": subscription_id,
            "user_id": user_id,
            "kind": payload["kind"],
            "payload": payload,
            "created_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for subscription_id, user_id, payload in targets
    ]
    ids = list(db.session.connection().execute(insert(NOTIFICATIONS).returning(NOTIFICATIONS.c.id), rows).scalars())
    if has_app_context():
        g.setdefault("push_queued", set()).update(ids)
    return ids


# --------------------------------------------------------------------------------------------
# What each cause sends. Payloads stay small and carry no more personal data than the name
# and the reviewer's words: no personal id, no phone, no address.


def shorten(text, limit):
    text = " ".join(unicodedata.normalize("NFC", str(text or "")).replace("\x00", "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def record_name(record_type, data):
    """The person a record is about, or the record type's name when it names nobody."""
    record_type = registry.get(record_type)
    name = data.get(record_type.name_field) if record_type.name_field and isinstance(data, dict) else None
    return shorten(name, 60) if isinstance(name, str) and name.strip() else record_type.label.vi


def payload(kind, title, body, url, **ids):
    document = {"kind": kind, "title": shorten(title, TITLE_MAX), "body": shorten(body, BODY_MAX), "url": url}
    document.update({name: value for name, value in ids.items() if value is not None})
    return document


def notify_review(row, action, comment, reviewer):
    """The record's author learns it was approved, returned for changes, or rejected."""
    if row["created_by"] == reviewer.id:
        return []
    kind, title = REVIEW_MESSAGES[action]
    name = record_name(row["type"], row["data"])
    body = f"{name}: {shorten(comment, COMMENT_MAX)}" if (comment or "").strip() else name
    return queue_for_users(
        [(row["created_by"], payload(kind, title, body, RECORD_URL.format(row["id"]), record_id=row["id"]))]
    )


def notify_conflict_resolved(conflict, row, resolver):
    """The record's author (and whoever's edit conflicted, if someone else) learns how it ended."""
    name = record_name(row["type"], row["data"])
    body = f"{name}: tổ công tác đã chọn giá trị cho các trường xung đột; mở để xem"
    users = dict.fromkeys(u for u in (row["created_by"], conflict.user_id) if u != resolver.id)
    return queue_for_users(
        [
            (
                user_id,
                payload(
                    "conflict_resolved",
                    "Xung đột đã được giải quyết",
                    body,
                    RECORD_URL.format(row["id"]),
                    record_id=row["id"],
                    conflict_id=conflict.id,
                ),
            )
            for user_id in users
        ]
    )


def notify_conflicts_opened(conflicts, records, actor):
    """The admins of each conflict's commune learn of it: one SELECT and one INSERT per batch.

    `conflicts` are the rows a push inserts; `records` the batch's record rows by id.
    """
    notifications = []
    for conflict in conflicts:
        row = records[conflict["record_id"]]
        names = ", ".join(f["name"] for f in conflict["fields"])
        body = f"{record_name(row['type'], row['data'])} — trường: {names}"
        notifications.append(
            (
                conflict["commune_id"],
                payload(
                    "conflict_opened",
                    "Xung đột đồng bộ cần giải quyết",
                    body,
                    CONFLICT_URL.format(conflict["id"]),
                    record_id=conflict["record_id"],
                    conflict_id=conflict["id"],
                ),
            )
        )
    return queue_for_commune_admins(notifications, except_user_id=actor.id)


def queue_police_digests(now=None):
    """One digest per active police user with a subscription: how many records were submitted in
    the commune since that user's previous digest (or in the last day). Returns {username: count}.

    The previous digest is the newest digest row of the user, so running this again right away
    counts nothing new and queues nothing; run it on a schedule (cron, a systemd timer).
    """
    now = now or utcnow()
    police = (
        db.session.execute(
            select(User)
            .where(
                User.role.in_(roles.with_power(roles.REVIEW)),
                User.active.is_(True),
                User.id.in_(_live_subscriptions().with_only_columns(SUBSCRIPTIONS.c.user_id)),
            )
            .order_by(User.id)
        )
        .scalars()
        .all()
    )
    counts, notifications = {}, []
    for user in police:
        previous = db.session.execute(
            select(func.max(NOTIFICATIONS.c.created_at)).where(
                NOTIFICATIONS.c.user_id == user.id, NOTIFICATIONS.c.kind == DIGEST_KIND
            )
        ).scalar()
        since = previous or now - FIRST_DIGEST_WINDOW
        count = db.session.execute(
            select(func.count())
            .select_from(Record)
            .where(
                and_(
                    Record.commune_id == user.commune_id,
                    Record.created_at > since,
                    Record.created_at <= now,
                    Record.deleted.is_(False),
                )
            )
        ).scalar()
        if not count:
            continue
        counts[user.username] = count
        notifications.append(
            (
                user.id,
                payload(
                    DIGEST_KIND,
                    "Bản ghi mới chờ duyệt",
                    f"{count} bản ghi mới được gửi lên kể từ lần thông báo trước",
                    REVIEW_QUEUE_URL,
                ),
            )
        )
    queue_for_users(notifications, now)
    return counts


def prune(now=None, keep_days=None):
    """Delete notifications sent or given up on more than `keep_days` ago (the digest's
    watermark stays: the newest digest of each user is kept)."""
    now = now or utcnow()
    keep_days = current_app.config["PUSH_KEEP_DAYS"] if keep_days is None else keep_days
    newest_digests = (
        select(func.max(NOTIFICATIONS.c.id))
        .where(NOTIFICATIONS.c.kind == DIGEST_KIND)
        .group_by(NOTIFICATIONS.c.user_id)
    )
    result = db.session.execute(
        delete(NOTIFICATIONS).where(
            NOTIFICATIONS.c.next_attempt_at.is_(None),
            NOTIFICATIONS.c.created_at < now - timedelta(days=keep_days),
            NOTIFICATIONS.c.id.not_in(newest_digests),
        )
    )
    return result.rowcount
